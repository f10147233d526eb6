/*
 * redis_history.c — the redis:// backend's continuation and history: the
 * progress fields of a broadcast's hash (written by RS_PROGRESS_PUT, one
 * script, so the owner check and the write are one step) and the
 * stream's history list that claim, release and reap keep (redis_lua.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "backend.h"
#include "redis_conn.h"
#include "redis_fields.h"

fo_status fo_rd_stream_progress_put(void *impl, const char *app,
                                    const char *stream_id,
                                    const char *session_id,
                                    const fo_progress *p, fo_error *err)
{
    rd *r = impl;
    rd_args a;

    fo_rd_op(r, "progress_put %s/%s", app, stream_id);
    fo_rd_args_init(&a, 3);
    fo_rd_args_key(&a, "fo:bc:%s:%s", app, stream_id);
    fo_rd_args_str(&a, session_id);
    fo_rd_args_num(&a, "%" PRId64, p->hls_sequence);
    fo_rd_args_num(&a, "%" PRId64, p->hls_discontinuity);
    fo_rd_args_num(&a, "%" PRId64, p->dash_start_ms);
    fo_rd_args_num(&a, "%" PRId64, p->dash_period);
    fo_rd_args_num(&a, "%" PRId64, p->dash_period_start_ms);
    fo_rd_args_num(&a, "%" PRId64, p->dash_end_ms);
    fo_rd_args_num(&a, "%" PRId64, p->dash_number);
    fo_rd_args_num(&a, "%" PRId64, p->bitrate);
    fo_rd_args_num(&a, "%.17g", p->speed);
    fo_rd_args_str(&a, p->renditions);
    return fo_rd_decide(r, RS_PROGRESS_PUT, &a, "", err);
}

/* The progress fields, after status: a broadcast always has one, so a
 * nil status is a missing broadcast.  The integers first; then the live
 * figures that are not (speed, renditions). */
static const char *const progress_fields[] = {
    "status", "hls_sequence", "hls_discontinuity", "dash_start_ms",
    "dash_period", "dash_period_start_ms", "dash_end_ms", "dash_number",
    "progress_time", "bitrate", "speed", "renditions"
};

#define N_PROGRESS_INT 10

#define N_PROGRESS (sizeof(progress_fields) / sizeof(progress_fields[0]))

fo_status fo_rd_stream_progress_get(void *impl, const char *app,
                                    const char *stream_id, fo_progress *out,
                                    fo_error *err)
{
    rd *r = impl;
    rd_args a;
    redisReply *rep;
    int64_t *v[N_PROGRESS] = {
        NULL, &out->hls_sequence, &out->hls_discontinuity,
        &out->dash_start_ms, &out->dash_period, &out->dash_period_start_ms,
        &out->dash_end_ms,
        &out->dash_number, &out->written_ms, &out->bitrate, NULL, NULL
    };
    fo_status rc;

    fo_rd_op(r, "progress_get %s/%s", app, stream_id);
    fo_rd_args_init(&a, 0);
    fo_rd_args_str(&a, "HMGET");
    fo_rd_args_key(&a, "fo:bc:%s:%s", app, stream_id);
    for (size_t i = 0; i < N_PROGRESS; i++) {
        fo_rd_args_str(&a, progress_fields[i]);
    }
    rc = fo_rd_check(r, fo_rd_send(r, &a, &rep, err), &rep, err);
    if (rc != FO_OK) {
        return rc;
    }
    memset(out, 0, sizeof(*out));
    if (rep->type != REDIS_REPLY_ARRAY || rep->elements != N_PROGRESS) {
        rc = fo_rd_fail(r, err, FO_ERR, "unexpected reply");
    } else if (rep->element[0]->type != REDIS_REPLY_STRING) {
        rc = fo_rd_fail(r, err, FO_NOT_FOUND, "not found");
    } else {
        for (size_t i = 1; i < N_PROGRESS_INT; i++) {
            *v[i] = fo_rd_parse_i64(fo_rd_elem_str(rep, i));
        }
        out->speed = strtod(fo_rd_elem_str(rep, N_PROGRESS_INT), NULL);
        fo_strlcpy(out->renditions, fo_rd_elem_str(rep, N_PROGRESS_INT + 1),
                   sizeof(out->renditions));
    }
    freeReplyObject(rep);
    return rc;
}

/* One history entry (redis_lua.h) into s; 0, or -1 when it is garbled. */
static int parse_session(const char *e, fo_session *s)
{
    char port[16], start[24], end[24], reason[24];
    int n = sscanf(e, "%63s %63s %63s %15s %23s %23s %23s", s->session_id,
                   s->node_id, s->origin_address, port, start, end, reason);

    if (n != 7) {
        return -1;
    }
    s->origin_http_port = (int) fo_rd_parse_i64(port);
    s->start_time = fo_rd_parse_i64(start);
    s->end_time = fo_rd_parse_i64(end);
    if (strcmp(reason, "-") != 0) {
        fo_strlcpy(s->end_reason, reason, sizeof(s->end_reason));
    }
    return 0;
}

fo_status fo_rd_stream_history(void *impl, const char *app,
                               const char *stream_id, size_t offset,
                               fo_session *out, size_t cap, size_t *n,
                               fo_error *err)
{
    rd *r = impl;
    rd_args a;
    redisReply *rep;
    fo_status rc;

    fo_rd_op(r, "history %s/%s", app, stream_id);
    fo_rd_args_init(&a, 0);
    fo_rd_args_str(&a, "LRANGE");
    fo_rd_args_key(&a, "fo:hist:%s:%s", app, stream_id);
    fo_rd_args_num(&a, "%zu", offset);
    /* the list holds FO_HISTORY_KEEP: a larger cap needs no more */
    fo_rd_args_num(&a, "%zu",
                   offset + (cap < FO_HISTORY_KEEP ? cap : FO_HISTORY_KEEP)
                       - 1);
    rc = fo_rd_check(r, fo_rd_send(r, &a, &rep, err), &rep, err);
    if (rc != FO_OK) {
        return rc;
    }
    if (rep->type != REDIS_REPLY_ARRAY) {
        rc = fo_rd_fail(r, err, FO_ERR, "unexpected reply");
    }
    for (size_t i = 0; rc == FO_OK && i < rep->elements && *n < cap; i++) {
        fo_session *s = &out[*n];

        memset(s, 0, sizeof(*s));
        fo_strlcpy(s->app, app, sizeof(s->app));
        fo_strlcpy(s->stream_id, stream_id, sizeof(s->stream_id));
        if (parse_session(fo_rd_elem_str(rep, i), s) == 0) {
            (*n)++;
        }
    }
    freeReplyObject(rep);
    return rc;
}
