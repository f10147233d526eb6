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

/* Every broadcast of app into *all (heap, the caller frees; NULL when
 * none): SMEMBERS, then one pipelined HGETALL per stream.  Streams
 * deleted in between are skipped. */
static fo_status bc_fetch(rd *r, const char *app, fo_broadcast **all,
                          size_t *n, fo_error *err)
{
    redisReply *ids, *h;
    fo_broadcast *v = NULL;
    char key[RD_KEY_MAX];
    const char *argv[2] = { "HGETALL", key };
    sigset_t old;
    int was_pending;
    fo_status rc;
    size_t i;

    *all = NULL;
    *n = 0;
    rc = fo_rd_cmd(r, &ids, err, "SMEMBERS", "fo:bcs:%s", app);
    if (rc != FO_OK)
        return rc;
    if (ids->type != REDIS_REPLY_ARRAY) {
        rc = fo_rd_fail(r, err, FO_ERR, "unexpected reply");
        goto done;
    }
    if (ids->elements == 0)
        goto done;
    v = calloc(ids->elements, sizeof *v);
    if (v == NULL) {
        rc = fo_rd_fail(r, err, FO_ERR, "out of memory");
        goto done;
    }
    was_pending = fo_rd_sigpipe_block(&old);
    for (i = 0; i < ids->elements; i++) {
        snprintf(key, sizeof key, "fo:bc:%s:%s", app, fo_rd_elem_str(ids, i));
        if (redisAppendCommandArgv(r->c, 2, argv, NULL) != REDIS_OK)
            break;
    }
    /* A failed append leaves a half-queued pipeline: drop the context. */
    if (i < ids->elements)
        rc = fo_rd_drop(r, err);
    for (i = 0; rc == FO_OK && i < ids->elements; i++) {
        if (redisGetReply(r->c, (void **)&h) != REDIS_OK) {
            rc = fo_rd_drop(r, err);
            break;
        }
        if (h->type == REDIS_REPLY_ARRAY && h->elements > 0) {
            fo_rd_decode(fo_rd_bc_fields, &v[*n], h);
            fo_strlcpy(v[*n].app, app, sizeof v[*n].app);
            fo_strlcpy(v[*n].stream_id, fo_rd_elem_str(ids, i),
                       sizeof v[*n].stream_id);
            (*n)++;
        }
        freeReplyObject(h);
    }
    fo_rd_sigpipe_restore(&old, was_pending);
done:
    freeReplyObject(ids);
    if (rc != FO_OK) {
        free(v);
        *n = 0;
        return rc;
    }
    *all = v;
    return FO_OK;
}

fo_status fo_rd_broadcast_list(void *impl, const char *app,
                               const fo_list_query *q, size_t offset,
                               fo_broadcast *out, size_t cap, size_t *n,
                               fo_error *err)
{
    rd *r = impl;
    fo_broadcast *all;
    size_t nall;
    fo_status rc;

    *n = 0;
    fo_rd_op(r, "list %s", app);
    rc = bc_fetch(r, app, &all, &nall, err);
    if (rc != FO_OK)
        return rc;
    if (nall > 0)
        fo_broadcast_page(all, nall, q, offset, out, cap, n);
    free(all);
    return FO_OK;
}

fo_status fo_rd_broadcast_count(void *impl, const char *app,
                                const char *search, int64_t *count,
                                fo_error *err)
{
    rd *r = impl;
    fo_broadcast *all;
    size_t nall;
    redisReply *rep;
    fo_status rc;

    fo_rd_op(r, "count %s", app);
    if (search == NULL || search[0] == '\0') {
        rc = fo_rd_cmd(r, &rep, err, "SCARD", "fo:bcs:%s", app);
        return fo_rd_integer(r, rc, rep, count, err);
    }
    rc = bc_fetch(r, app, &all, &nall, err);
    if (rc != FO_OK)
        return rc;
    *count = 0;
    for (size_t i = 0; i < nall; i++)
        *count += fo_broadcast_matches(&all[i], search) ? 1 : 0;
    free(all);
    return FO_OK;
}

fo_status fo_rd_broadcast_count_active(void *impl, const char *app,
                                       int64_t *count, fo_error *err)
{
    rd *r = impl;
    rd_args a;

    fo_rd_op(r, "count_active %s", app);
    fo_rd_args_init(&a, 3);
    fo_rd_args_key(&a, "fo:bcs:%s", app);
    fo_rd_args_num(&a, "fo:bc:%s:", app);
    return fo_rd_eval_integer(r, RS_BC_ACTIVE, &a, count, err);
}

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
