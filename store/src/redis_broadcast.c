/*
 * redis_broadcast.c — the redis:// backend's broadcasts: create, read,
 * update, delete, list and count them, and the viewer reports whose sums
 * they carry.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "backend.h"
#include "redis_conn.h"
#include "redis_fields.h"

/* ---- broadcasts ------------------------------------------------------- */

fo_status fo_rd_broadcast_create(void *impl, const fo_broadcast *b,
                                 fo_error *err)
{
    rd *r = impl;
    rd_args a;

    fo_rd_op(r, "create %s/%s", b->app, b->stream_id);
    fo_rd_args_bc(&a, b->app, b->stream_id, 1);
    fo_rd_args_str(&a, b->stream_id);
    fo_rd_args_fields(&a, fo_rd_bc_fields, b, RD_ALL);
    return fo_rd_decide(r, RS_BC_CREATE, &a, "already exists", err);
}

fo_status fo_rd_broadcast_get(void *impl, const char *app,
                              const char *stream_id, fo_broadcast *out,
                              fo_error *err)
{
    rd *r = impl;
    redisReply *rep;
    fo_status rc;

    fo_rd_op(r, "get %s/%s", app, stream_id);
    rc = fo_rd_cmd(r, &rep, err, "HGETALL", "fo:bc:%s:%s", app, stream_id);
    if (rc != FO_OK)
        return rc;
    if (rep->type != REDIS_REPLY_ARRAY) {
        rc = fo_rd_fail(r, err, FO_ERR, "unexpected reply");
    } else if (rep->elements == 0) {
        rc = fo_rd_fail(r, err, FO_NOT_FOUND, "not found");
    } else {
        memset(out, 0, sizeof *out);
        fo_rd_decode(fo_rd_bc_fields, out, rep);
        fo_strlcpy(out->app, app, sizeof out->app);
        fo_strlcpy(out->stream_id, stream_id, sizeof out->stream_id);
    }
    freeReplyObject(rep);
    return rc;
}

fo_status fo_rd_broadcast_update(void *impl, const fo_broadcast *b,
                                 unsigned mask, fo_error *err)
{
    rd *r = impl;
    rd_args a;

    fo_rd_op(r, "update %s/%s", b->app, b->stream_id);
    fo_rd_args_bc(&a, b->app, b->stream_id, 0);
    fo_rd_args_fields(&a, fo_rd_bc_fields, b, mask & ~RD_ALL);
    return fo_rd_decide(r, RS_BC_UPDATE, &a, "", err);
}

fo_status fo_rd_broadcast_delete(void *impl, const char *app,
                                 const char *stream_id, fo_error *err)
{
    rd *r = impl;
    rd_args a;

    fo_rd_op(r, "delete %s/%s", app, stream_id);
    fo_rd_args_bc(&a, app, stream_id, 1);
    fo_rd_args_key(&a, "fo:viewers:%s:%s", app, stream_id);
    fo_rd_args_key(&a, "fo:hist:%s:%s", app, stream_id);
    fo_rd_args_str(&a, stream_id);
    return fo_rd_decide(r, RS_BC_DELETE, &a, "", err);
}

/* list, count and count_active: redis_list.c */

/* ---- viewers ---------------------------------------------------------- */

fo_status fo_rd_viewers_report(void *impl, const char *node_id,
                               const char *app, const char *stream_id,
                               int64_t hls, int64_t dash, fo_error *err)
{
    rd *r = impl;
    rd_args a;

    fo_rd_op(r, "viewers %s/%s %s", app, stream_id, node_id);
    fo_rd_args_init(&a, 3);
    fo_rd_args_key(&a, "fo:bc:%s:%s", app, stream_id);
    fo_rd_args_key(&a, "fo:viewers:%s:%s", app, stream_id);
    fo_rd_args_str(&a, node_id);
    fo_rd_args_num(&a, "%" PRId64, hls);
    fo_rd_args_num(&a, "%" PRId64, dash);
    fo_rd_args_num(&a, "%" PRId64, r->dead_after_ms);
    return fo_rd_decide(r, RS_VIEWERS, &a, "", err);
}
