/*
 * redis_fields.c — records <-> hash fields for the redis:// backend (see
 * redis_fields.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "backend.h"
#include "redis_conn.h"
#include "redis_fields.h"

#define F_STR(st, f, m) { #f, T_STR, offsetof(st, f), sizeof(((st *)0)->f), m }
#define F_NUM(st, f, t, m) { #f, t, offsetof(st, f), 0, m }

const rd_field fo_rd_node_fields[] = {
    F_STR(fo_node, id, RD_ALL),
    F_STR(fo_node, ip, RD_ALL),
    F_NUM(fo_node, http_port, T_INT, RD_ALL),
    F_NUM(fo_node, rtmp_port, T_INT, RD_ALL),
    F_NUM(fo_node, role, T_ROLE, RD_ALL),
    F_STR(fo_node, node_group, RD_ALL),
    F_NUM(fo_node, cpu, T_DBL, RD_ALL),
    F_NUM(fo_node, mem_percent, T_DBL, RD_ALL),
    F_NUM(fo_node, process_cpu, T_DBL, RD_ALL),
    F_NUM(fo_node, process_rss, T_I64, RD_ALL),
    F_NUM(fo_node, load1, T_DBL, RD_ALL),
    F_NUM(fo_node, repl_lag_ms, T_DBL, RD_ALL),
    F_NUM(fo_node, origin_ok_ms, T_I64, RD_ALL),
    F_NUM(fo_node, origin_fail_ms, T_I64, RD_ALL),
    F_NUM(fo_node, egress_bps, T_I64, RD_ALL),
    F_NUM(fo_node, active_streams, T_I32, RD_ALL),
    F_NUM(fo_node, viewers, T_I32, RD_ALL),
    F_NUM(fo_node, db_query_avg_ms, T_DBL, RD_ALL),
    F_NUM(fo_node, last_update_ms, T_I64, 0),
    { NULL, 0, 0, 0, 0 }
};

const rd_field fo_rd_bc_fields[] = {
    F_STR(fo_broadcast, app, RD_ALL),
    F_STR(fo_broadcast, stream_id, RD_ALL),
    F_STR(fo_broadcast, name, RD_ALL | FO_F_NAME),
    F_STR(fo_broadcast, status, RD_ALL | FO_F_STATUS),
    F_STR(fo_broadcast, type, RD_ALL | FO_F_TYPE),
    F_STR(fo_broadcast, publish_type, RD_ALL | FO_F_PUBLISH_TYPE),
    F_STR(fo_broadcast, origin_address, RD_ALL),
    F_NUM(fo_broadcast, origin_http_port, T_INT, RD_ALL),
    F_STR(fo_broadcast, origin_node, RD_ALL),
    F_STR(fo_broadcast, session_id, RD_ALL),
    F_NUM(fo_broadcast, start_time, T_I64, RD_ALL),
    F_NUM(fo_broadcast, hls_viewer_count, T_I64, RD_ALL | FO_F_VIEWERS),
    F_NUM(fo_broadcast, dash_viewer_count, T_I64, RD_ALL | FO_F_VIEWERS),
    F_NUM(fo_broadcast, bitrate, T_I64, RD_ALL | FO_F_BITRATE),
    F_STR(fo_broadcast, extra, RD_ALL | FO_F_EXTRA),
    F_NUM(fo_broadcast, auto_created, T_INT, RD_ALL),
    /* live figures: written only by RS_PROGRESS_PUT */
    F_NUM(fo_broadcast, speed, T_DBL, 0),
    F_STR(fo_broadcast, renditions, 0),
    F_NUM(fo_broadcast, date, T_I64, 0),
    F_NUM(fo_broadcast, update_time, T_I64, 0),
    { NULL, 0, 0, 0, 0 }
};

const rd_field fo_rd_vod_fields[] = {
    F_STR(fo_vod, app, RD_ALL),
    F_STR(fo_vod, vod_id, RD_ALL),
    F_STR(fo_vod, stream_id, RD_ALL),
    F_STR(fo_vod, name, RD_ALL),
    F_STR(fo_vod, file_path, RD_ALL),
    F_NUM(fo_vod, duration_ms, T_I64, RD_ALL),
    F_NUM(fo_vod, creation_date, T_I64, 0),
    { NULL, 0, 0, 0, 0 }
};

int64_t fo_rd_parse_i64(const char *s)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(s, &end, 10);
    return (errno != 0 || end == s) ? 0 : (int64_t)v;
}

void fo_rd_decode(const rd_field *t, void *rec, const redisReply *h)
{
    for (size_t i = 0; i + 1 < h->elements; i += 2) {
        const redisReply *k = h->element[i], *v = h->element[i + 1];
        const rd_field *f = NULL;
        char *p;

        for (const rd_field *g = t; g->name != NULL; g++)
            if (k->type == REDIS_REPLY_STRING && strcmp(g->name, k->str) == 0)
                f = g;
        if (f == NULL || v->type != REDIS_REPLY_STRING)
            continue;
        p = (char *)rec + f->off;
        switch (f->type) {
        case T_STR: fo_strlcpy(p, v->str, f->size); break;
        case T_INT: *(int *)p = (int)fo_rd_parse_i64(v->str); break;
        case T_I32: *(int32_t *)p = (int32_t)fo_rd_parse_i64(v->str); break;
        case T_I64: *(int64_t *)p = fo_rd_parse_i64(v->str); break;
        case T_DBL: *(double *)p = strtod(v->str, NULL); break;
        case T_ROLE:
            *(fo_role *)p = fo_role_parse(v->str);
            break;
        }
    }
}

const char *fo_rd_elem_str(const redisReply *rep, size_t i)
{
    const redisReply *e = rep->element[i];

    return e->type == REDIS_REPLY_STRING ? e->str : "";
}

void fo_rd_args_fields(rd_args *a, const rd_field *t, const void *rec,
                       unsigned mask)
{
    for (; t->name != NULL; t++) {
        const char *p = (const char *)rec + t->off;

        if ((t->mask & mask) == 0)
            continue;
        fo_rd_args_str(a, t->name);
        switch (t->type) {
        case T_STR: fo_rd_args_str(a, p); break;
        case T_INT: fo_rd_args_num(a, "%d", *(const int *)p); break;
        case T_I32: fo_rd_args_num(a, "%" PRId32, *(const int32_t *)p); break;
        case T_I64: fo_rd_args_num(a, "%" PRId64, *(const int64_t *)p); break;
        case T_DBL: fo_rd_args_num(a, "%.17g", *(const double *)p); break;
        case T_ROLE:
            fo_rd_args_str(a, fo_role_name(*(const fo_role *)p));
            break;
        }
    }
}

void fo_rd_args_bc(rd_args *a, const char *app, const char *stream,
                   int with_set)
{
    fo_rd_args_init(a, 3);
    fo_rd_args_key(a, "fo:bc:%s:%s", app, stream);
    fo_rd_args_key(a, "fo:live");
    if (with_set)
        fo_rd_args_key(a, "fo:bcz:%s", app);
}
