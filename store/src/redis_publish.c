/*
 * redis_publish.c — the redis:// backend's publishing: claim, release,
 * lookup and reap, each one script (redis_lua.c), so each is atomic.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "backend.h"
#include "redis_conn.h"
#include "redis_fields.h"

fo_status fo_rd_stream_claim(void *impl, const fo_claim *c,
                             fo_error *err)
{
    rd *r = impl;
    rd_args a;

    fo_rd_op(r, "claim %s/%s", c->app, c->stream_id);
    fo_rd_args_bc(&a, c->app, c->stream_id, 1);
    fo_rd_args_key(&a, "fo:hist:%s:%s", c->app, c->stream_id);
    fo_rd_args_str(&a, c->app);
    fo_rd_args_str(&a, c->stream_id);
    fo_rd_args_str(&a, c->node_id);
    fo_rd_args_str(&a, c->address);
    fo_rd_args_num(&a, "%d", c->http_port);
    fo_rd_args_str(&a, c->session_id);
    fo_rd_args_str(&a, c->publish_type);
    fo_rd_args_num(&a, "%" PRId64, r->dead_after_ms);
    fo_rd_args_str(&a, c->take_over_session ? c->take_over_session : "");
    return fo_rd_decide(r, RS_CLAIM, &a, "", err);
}

fo_status fo_rd_stream_release(void *impl, const char *app,
                               const char *stream_id,
                               const char *session_id, fo_error *err)
{
    rd *r = impl;
    rd_args a;

    fo_rd_op(r, "release %s/%s", app, stream_id);
    fo_rd_args_bc(&a, app, stream_id, 0);
    fo_rd_args_key(&a, "fo:hist:%s:%s", app, stream_id);
    fo_rd_args_str(&a, session_id);
    return fo_rd_decide(r, RS_RELEASE, &a, "", err);
}

fo_status fo_rd_stream_lookup(void *impl, const char *app,
                              const char *stream_id, fo_origin *out,
                              fo_error *err)
{
    rd *r = impl;
    rd_args a;
    redisReply *rep;
    fo_status rc;

    fo_rd_op(r, "lookup %s/%s", app, stream_id);
    fo_rd_args_init(&a, 3);
    fo_rd_args_key(&a, "fo:bc:%s:%s", app, stream_id);
    fo_rd_args_num(&a, "%" PRId64, r->dead_after_ms);
    rc = fo_rd_eval(r, RS_LOOKUP, &a, &rep, err);
    if (rc != FO_OK)
        return rc;
    if (rep->type == REDIS_REPLY_INTEGER && rep->integer == 0) {
        rc = fo_rd_fail(r, err, FO_NOT_FOUND, "not found");
    } else if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 8 ||
               rep->element[5]->type != REDIS_REPLY_INTEGER) {
        rc = fo_rd_fail(r, err, FO_ERR, "unexpected reply");
    } else {
        memset(out, 0, sizeof *out);
        fo_strlcpy(out->address, fo_rd_elem_str(rep, 0), sizeof out->address);
        out->http_port = (int)fo_rd_parse_i64(fo_rd_elem_str(rep, 1));
        fo_strlcpy(out->node_id, fo_rd_elem_str(rep, 2), sizeof out->node_id);
        fo_strlcpy(out->session_id, fo_rd_elem_str(rep, 3), sizeof out->session_id);
        fo_strlcpy(out->status, fo_rd_elem_str(rep, 4), sizeof out->status);
        out->node_alive = rep->element[5]->integer != 0;
        out->update_time = fo_rd_parse_i64(fo_rd_elem_str(rep, 6));
        out->node_seen_ms = fo_rd_parse_i64(fo_rd_elem_str(rep, 7));
    }
    freeReplyObject(rep);
    return rc;
}

fo_status fo_rd_stream_reap_dead(void *impl, int64_t *reaped,
                                 fo_error *err)
{
    rd *r = impl;
    rd_args a;
    int64_t n = 0;
    fo_status rc;

    fo_rd_op(r, "reap_dead");
    fo_rd_args_init(&a, 3);
    fo_rd_args_key(&a, "fo:live");
    fo_rd_args_num(&a, "%" PRId64, r->dead_after_ms);
    rc = fo_rd_eval_integer(r, RS_REAP, &a, &n, err);
    if (rc == FO_OK && reaped != NULL)
        *reaped = n;
    return rc;
}
