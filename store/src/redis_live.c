/*
 * redis_live.c — the redis:// backend's pipelined reads of many
 * broadcasts (fo_rd_pipeline, used by the lists of redis_list.c too) and
 * the live streams' progress (fo_stream_live_progress): the app's ids in
 * byte order from the sorted set fo:bcz:<app> (ZRANGEBYLEX after the last
 * id, SCAN_BATCH at a time), each batch's status and progress read by one
 * pipeline of HMGETs, the broadcasting ones kept.  Round trips: two per
 * SCAN_BATCH broadcasts of the app, where a list and a progress get per
 * stream took one per stream.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "backend.h"
#include "redis_conn.h"
#include "redis_fields.h"

#define SCAN_BATCH 256

fo_status fo_rd_pipeline(rd *r, const char *app, const char *const *ids,
                         size_t n, const char **argv, int argc,
                         fo_rd_take_fn take, void *arg, fo_error *err)
{
    char key[RD_KEY_MAX];
    redisReply *h;
    sigset_t old;
    int was_pending = fo_rd_sigpipe_block(&old);
    fo_status rc = FO_OK;
    size_t i;

    argv[1] = key;
    for (i = 0; i < n; i++) {
        snprintf(key, sizeof key, "fo:bc:%s:%s", app, ids[i]);
        if (redisAppendCommandArgv(r->c, argc, argv, NULL) != REDIS_OK)
            break;
    }
    /* A failed append leaves a half-queued pipeline: drop the context. */
    if (i < n)
        rc = fo_rd_drop(r, err);
    for (i = 0; rc == FO_OK && i < n; i++) {
        if (redisGetReply(r->c, (void **)&h) != REDIS_OK) {
            rc = fo_rd_drop(r, err);
            break;
        }
        take(arg, i, ids[i], h);
        freeReplyObject(h);
    }
    fo_rd_sigpipe_restore(&old, was_pending);
    return rc;
}

/* Up to count ids of the app after `after` ("" from the first), in byte
 * order. */
static fo_status ids_after(rd *r, const char *app, const char *after,
                           size_t count, redisReply **ids, fo_error *err)
{
    rd_args a;

    fo_rd_args_init(&a, 0);
    fo_rd_args_str(&a, "ZRANGEBYLEX");
    fo_rd_args_key(&a, "fo:bcz:%s", app);
    if (after[0] == '\0') {
        fo_rd_args_str(&a, "-");
    } else {
        fo_rd_args_num(&a, "(%s", after);
    }
    fo_rd_args_str(&a, "+");
    fo_rd_args_str(&a, "LIMIT");
    fo_rd_args_str(&a, "0");
    fo_rd_args_num(&a, "%zu", count);
    return fo_rd_send_array(r, &a, ids, err);
}

typedef struct {
    fo_live_progress *out;
    size_t cap, *n;
} live_page;

static void take_live(void *arg, size_t i, const char *id,
                      const redisReply *h)
{
    live_page *p = arg;
    fo_live_progress *lp;

    (void) i;
    if (*p->n >= p->cap || h->type != REDIS_REPLY_ARRAY || h->elements != 3
        || strcmp(fo_rd_elem_str(h, 0), FO_STATUS_BROADCASTING) != 0) {
        return;                 /* not live, or deleted meanwhile */
    }
    lp = &p->out[(*p->n)++];
    fo_strlcpy(lp->stream_id, id, sizeof(lp->stream_id));
    lp->hls_sequence = fo_rd_parse_i64(fo_rd_elem_str(h, 1));
    lp->written_ms = fo_rd_parse_i64(fo_rd_elem_str(h, 2));
}

fo_status fo_rd_stream_live_progress(void *impl, const char *app,
                                     const char *after,
                                     fo_live_progress *out, size_t cap,
                                     size_t *n, fo_error *err)
{
    rd *r = impl;
    const char *argv[5] = { "HMGET", NULL, "status", "hls_sequence",
                            "progress_time" };
    const char *ids[SCAN_BATCH];
    char last[FO_STREAM_MAX];
    live_page p = { out, cap, n };
    redisReply *rep;
    fo_status rc = FO_OK;
    size_t got;

    fo_rd_op(r, "live_progress %s", app);
    fo_strlcpy(last, after, sizeof(last));
    do {
        rc = ids_after(r, app, last, SCAN_BATCH, &rep, err);
        if (rc != FO_OK) {
            break;
        }
        got = rep->elements;
        for (size_t i = 0; i < got; i++) {
            ids[i] = rep->element[i]->str;
        }
        rc = fo_rd_pipeline(r, app, ids, got, argv, 5, take_live, &p, err);
        if (got > 0) {
            fo_strlcpy(last, ids[got - 1], sizeof(last));
        }
        freeReplyObject(rep);
    } while (rc == FO_OK && got == SCAN_BATCH && *n < cap);
    if (rc != FO_OK) {
        *n = 0;
    }
    return rc;
}
