/*
 * redis.c — the redis:// backend: hiredis, one blocking connection per
 * handle.  This file holds the operations and the ops table; the key
 * layout and the Lua scripts that make multi-key operations atomic are in
 * redis_lua.h, the connection (reconnect, AUTH, EVALSHA, error mapping)
 * in redis_conn.c.
 *
 * Records are hashes whose fields are named after the struct members
 * (the tables below); whatever writes more than one key, or writes
 * depending on what it read, is a script.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "backend.h"
#include "redis_conn.h"

/* ---- records <-> hash fields ------------------------------------------ */

enum { T_STR, T_INT, T_I32, T_I64, T_DBL, T_ROLE };

#define RD_ALL 0x80000000u      /* written by create / put */

typedef struct {
    const char *name;
    int type;
    size_t off;
    size_t size;                /* T_STR: the array's size */
    unsigned mask;              /* RD_ALL and the FO_F_* bits naming it;
                                 * 0: a script sets it from the clock */
} rd_field;

#define F_STR(st, f, m) { #f, T_STR, offsetof(st, f), sizeof(((st *)0)->f), m }
#define F_NUM(st, f, t, m) { #f, t, offsetof(st, f), 0, m }

static const rd_field node_fields[] = {
    F_STR(fo_node, id, RD_ALL),
    F_STR(fo_node, ip, RD_ALL),
    F_NUM(fo_node, http_port, T_INT, RD_ALL),
    F_NUM(fo_node, rtmp_port, T_INT, RD_ALL),
    F_NUM(fo_node, role, T_ROLE, RD_ALL),
    F_STR(fo_node, node_group, RD_ALL),
    F_NUM(fo_node, cpu, T_DBL, RD_ALL),
    F_NUM(fo_node, memory, T_I64, RD_ALL),
    F_NUM(fo_node, active_streams, T_I32, RD_ALL),
    F_NUM(fo_node, viewers, T_I32, RD_ALL),
    F_NUM(fo_node, db_query_avg_ms, T_DBL, RD_ALL),
    F_NUM(fo_node, last_update_ms, T_I64, 0),
};

static const rd_field bc_fields[] = {
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
    F_NUM(fo_broadcast, date, T_I64, 0),
    F_NUM(fo_broadcast, update_time, T_I64, 0),
};

static const rd_field vod_fields[] = {
    F_STR(fo_vod, app, RD_ALL),
    F_STR(fo_vod, vod_id, RD_ALL),
    F_STR(fo_vod, stream_id, RD_ALL),
    F_STR(fo_vod, name, RD_ALL),
    F_STR(fo_vod, file_path, RD_ALL),
    F_NUM(fo_vod, duration_ms, T_I64, RD_ALL),
    F_NUM(fo_vod, creation_date, T_I64, 0),
};

#define NFIELDS(t) (sizeof(t) / sizeof((t)[0]))

/* Lenient: a missing or garbled number reads as 0. */
static int64_t parse_i64(const char *s)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(s, &end, 10);
    return (errno != 0 || end == s) ? 0 : (int64_t)v;
}

/* Fills rec from an HGETALL reply; unknown fields are ignored. */
static void decode(const rd_field *t, size_t nt, void *rec,
                   const redisReply *h)
{
    for (size_t i = 0; i + 1 < h->elements; i += 2) {
        const redisReply *k = h->element[i], *v = h->element[i + 1];
        const rd_field *f = NULL;
        char *p;

        for (size_t j = 0; j < nt && k->type == REDIS_REPLY_STRING; j++)
            if (strcmp(t[j].name, k->str) == 0)
                f = &t[j];
        if (f == NULL || v->type != REDIS_REPLY_STRING)
            continue;
        p = (char *)rec + f->off;
        switch (f->type) {
        case T_STR: fo_strlcpy(p, v->str, f->size); break;
        case T_INT: *(int *)p = (int)parse_i64(v->str); break;
        case T_I32: *(int32_t *)p = (int32_t)parse_i64(v->str); break;
        case T_I64: *(int64_t *)p = parse_i64(v->str); break;
        case T_DBL: *(double *)p = strtod(v->str, NULL); break;
        case T_ROLE:
            *(fo_role *)p = strcmp(v->str, "edge") == 0 ? FO_ROLE_EDGE
                                                        : FO_ROLE_ORIGIN;
            break;
        }
    }
}

static const char *elem_str(const redisReply *rep, size_t i)
{
    const redisReply *e = rep->element[i];

    return e->type == REDIS_REPLY_STRING ? e->str : "";
}

/* Appends name, value for each field whose mask meets mask. */
static void args_fields(rd_args *a, const rd_field *t, size_t nt,
                        const void *rec, unsigned mask)
{
    for (size_t i = 0; i < nt; i++) {
        const char *p = (const char *)rec + t[i].off;

        if ((t[i].mask & mask) == 0)
            continue;
        fo_rd_args_str(a, t[i].name);
        switch (t[i].type) {
        case T_STR: fo_rd_args_str(a, p); break;
        case T_INT: fo_rd_args_num(a, "%d", *(const int *)p); break;
        case T_I32: fo_rd_args_num(a, "%" PRId32, *(const int32_t *)p); break;
        case T_I64: fo_rd_args_num(a, "%" PRId64, *(const int64_t *)p); break;
        case T_DBL: fo_rd_args_num(a, "%.17g", *(const double *)p); break;
        case T_ROLE:
            fo_rd_args_str(a, *(const fo_role *)p == FO_ROLE_EDGE
                                  ? "edge" : "origin");
            break;
        }
    }
}

/* ---- clock ------------------------------------------------------------ */

static fo_status rd_now(void *impl, int64_t *now_ms, fo_error *err)
{
    rd *r = impl;
    rd_args a;
    redisReply *rep;
    fo_status rc;

    fo_rd_op(r, "now");
    fo_rd_args_init(&a, 0);
    fo_rd_args_str(&a, "TIME");
    rc = fo_rd_check(r, fo_rd_send(r, &a, &rep, err), &rep, err);
    if (rc != FO_OK)
        return rc;
    if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 2)
        *now_ms = parse_i64(elem_str(rep, 0)) * 1000 +
                  parse_i64(elem_str(rep, 1)) / 1000;
    else
        rc = fo_rd_fail(r, err, FO_ERR, "unexpected reply");
    freeReplyObject(rep);
    return rc;
}

/* ---- nodes ------------------------------------------------------------ */

static fo_status rd_node_heartbeat(void *impl, const fo_node *n,
                                   fo_error *err)
{
    rd *r = impl;
    rd_args a;

    fo_rd_op(r, "heartbeat %s", n->id);
    fo_rd_args_init(&a, 3);
    fo_rd_args_key(&a, "fo:node:%s", n->id);
    fo_rd_args_key(&a, "fo:nodes");
    fo_rd_args_str(&a, n->id);
    args_fields(&a, node_fields, NFIELDS(node_fields), n, RD_ALL);
    return fo_rd_decide(r, RS_NODE_PUT, &a, "", err);
}

/* Decodes {now, hash, hash...} into out[0..cap); empty hashes (ids whose
 * node went away) are skipped.  Frees rep. */
static fo_status nodes_decode(rd *r, redisReply *rep, fo_node *out,
                              size_t cap, size_t *n, fo_error *err)
{
    fo_status rc = FO_OK;
    int64_t now;

    *n = 0;
    if (rep->type != REDIS_REPLY_ARRAY || rep->elements < 1 ||
        rep->element[0]->type != REDIS_REPLY_INTEGER) {
        rc = fo_rd_fail(r, err, FO_ERR, "unexpected reply");
        goto done;
    }
    now = rep->element[0]->integer;
    for (size_t i = 1; i < rep->elements && *n < cap; i++) {
        const redisReply *h = rep->element[i];
        fo_node *o = &out[*n];

        if (h->type != REDIS_REPLY_ARRAY || h->elements == 0)
            continue;
        memset(o, 0, sizeof *o);
        decode(node_fields, NFIELDS(node_fields), o, h);
        o->alive = now - o->last_update_ms <= r->dead_after_ms;
        (*n)++;
    }
done:
    freeReplyObject(rep);
    return rc;
}

static fo_status rd_node_get(void *impl, const char *id, fo_node *out,
                             fo_error *err)
{
    rd *r = impl;
    rd_args a;
    redisReply *rep;
    size_t n = 0;
    fo_status rc;

    fo_rd_op(r, "node_get %s", id);
    fo_rd_args_init(&a, 3);
    fo_rd_args_key(&a, "fo:node:%s", id);
    rc = fo_rd_eval(r, RS_NODE_GET, &a, &rep, err);
    if (rc == FO_OK)
        rc = nodes_decode(r, rep, out, 1, &n, err);
    if (rc == FO_OK && n == 0)
        rc = fo_rd_fail(r, err, FO_NOT_FOUND, "not found");
    return rc;
}

static fo_status rd_node_list(void *impl, size_t offset, fo_node *out,
                              size_t cap, size_t *n, fo_error *err)
{
    rd *r = impl;
    rd_args a;
    redisReply *rep;
    fo_status rc;

    *n = 0;
    fo_rd_op(r, "node_list %zu", offset);
    /* ZRANGE stops are inclusive, and -1 would mean "to the end". */
    if (cap == 0 || offset >= (size_t)INT64_MAX)
        return FO_OK;
    if (cap > (size_t)INT64_MAX - offset)
        cap = (size_t)INT64_MAX - offset;
    fo_rd_args_init(&a, 3);
    fo_rd_args_key(&a, "fo:nodes");
    fo_rd_args_num(&a, "%zu", offset);
    fo_rd_args_num(&a, "%zu", offset + cap - 1);
    rc = fo_rd_eval(r, RS_NODE_LIST, &a, &rep, err);
    return rc != FO_OK ? rc : nodes_decode(r, rep, out, cap, n, err);
}

static fo_status rd_node_count(void *impl, int64_t *count, fo_error *err)
{
    rd *r = impl;
    redisReply *rep;
    fo_status rc;

    fo_rd_op(r, "node_count");
    rc = fo_rd_cmd(r, &rep, err, "ZCARD", "fo:nodes");
    return fo_rd_integer(r, rc, rep, count, err);
}

static fo_status rd_node_delete(void *impl, const char *id, fo_error *err)
{
    rd *r = impl;
    rd_args a;

    fo_rd_op(r, "node_delete %s", id);
    fo_rd_args_init(&a, 3);
    fo_rd_args_key(&a, "fo:node:%s", id);
    fo_rd_args_key(&a, "fo:nodes");
    fo_rd_args_str(&a, id);
    return fo_rd_decide(r, RS_NODE_DELETE, &a, "", err);
}

/* ---- broadcasts ------------------------------------------------------- */

/* Starts a script's argv with the keys of broadcast app/stream: the
 * broadcast, fo:live, and the app's set when with_set. */
static void args_bc(rd_args *a, const char *app, const char *stream,
                    int with_set)
{
    fo_rd_args_init(a, 3);
    fo_rd_args_key(a, "fo:bc:%s:%s", app, stream);
    fo_rd_args_key(a, "fo:live");
    if (with_set)
        fo_rd_args_key(a, "fo:bcs:%s", app);
}

static fo_status rd_broadcast_create(void *impl, const fo_broadcast *b,
                                     fo_error *err)
{
    rd *r = impl;
    rd_args a;

    fo_rd_op(r, "create %s/%s", b->app, b->stream_id);
    args_bc(&a, b->app, b->stream_id, 1);
    fo_rd_args_str(&a, b->stream_id);
    args_fields(&a, bc_fields, NFIELDS(bc_fields), b, RD_ALL);
    return fo_rd_decide(r, RS_BC_CREATE, &a, "already exists", err);
}

static fo_status rd_broadcast_get(void *impl, const char *app,
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
        decode(bc_fields, NFIELDS(bc_fields), out, rep);
        fo_strlcpy(out->app, app, sizeof out->app);
        fo_strlcpy(out->stream_id, stream_id, sizeof out->stream_id);
    }
    freeReplyObject(rep);
    return rc;
}

static fo_status rd_broadcast_update(void *impl, const fo_broadcast *b,
                                     unsigned mask, fo_error *err)
{
    rd *r = impl;
    rd_args a;

    fo_rd_op(r, "update %s/%s", b->app, b->stream_id);
    args_bc(&a, b->app, b->stream_id, 0);
    args_fields(&a, bc_fields, NFIELDS(bc_fields), b, mask & ~RD_ALL);
    return fo_rd_decide(r, RS_BC_UPDATE, &a, "", err);
}

static fo_status rd_broadcast_delete(void *impl, const char *app,
                                     const char *stream_id, fo_error *err)
{
    rd *r = impl;
    rd_args a;

    fo_rd_op(r, "delete %s/%s", app, stream_id);
    args_bc(&a, app, stream_id, 1);
    fo_rd_args_key(&a, "fo:viewers:%s:%s", app, stream_id);
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
        snprintf(key, sizeof key, "fo:bc:%s:%s", app, elem_str(ids, i));
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
            decode(bc_fields, NFIELDS(bc_fields), &v[*n], h);
            fo_strlcpy(v[*n].app, app, sizeof v[*n].app);
            fo_strlcpy(v[*n].stream_id, elem_str(ids, i),
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

static fo_status rd_broadcast_list(void *impl, const char *app,
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

static fo_status rd_broadcast_count(void *impl, const char *app,
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

static fo_status rd_broadcast_count_active(void *impl, const char *app,
                                           int64_t *count, fo_error *err)
{
    rd *r = impl;
    rd_args a;
    redisReply *rep;
    fo_status rc;

    fo_rd_op(r, "count_active %s", app);
    fo_rd_args_init(&a, 3);
    fo_rd_args_key(&a, "fo:bcs:%s", app);
    fo_rd_args_num(&a, "fo:bc:%s:", app);
    rc = fo_rd_eval(r, RS_BC_ACTIVE, &a, &rep, err);
    return fo_rd_integer(r, rc, rep, count, err);
}

/* ---- publishing ------------------------------------------------------- */

static fo_status rd_stream_claim(void *impl, const fo_claim *c,
                                 fo_error *err)
{
    rd *r = impl;
    rd_args a;

    fo_rd_op(r, "claim %s/%s", c->app, c->stream_id);
    args_bc(&a, c->app, c->stream_id, 1);
    fo_rd_args_str(&a, c->app);
    fo_rd_args_str(&a, c->stream_id);
    fo_rd_args_str(&a, c->node_id);
    fo_rd_args_str(&a, c->address);
    fo_rd_args_num(&a, "%d", c->http_port);
    fo_rd_args_str(&a, c->session_id);
    fo_rd_args_str(&a, c->publish_type);
    fo_rd_args_num(&a, "%" PRId64, r->dead_after_ms);
    return fo_rd_decide(r, RS_CLAIM, &a, "", err);
}

static fo_status rd_stream_release(void *impl, const char *app,
                                   const char *stream_id,
                                   const char *session_id, fo_error *err)
{
    rd *r = impl;
    rd_args a;

    fo_rd_op(r, "release %s/%s", app, stream_id);
    args_bc(&a, app, stream_id, 0);
    fo_rd_args_str(&a, session_id);
    return fo_rd_decide(r, RS_RELEASE, &a, "", err);
}

static fo_status rd_stream_lookup(void *impl, const char *app,
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
    } else if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 6 ||
               rep->element[5]->type != REDIS_REPLY_INTEGER) {
        rc = fo_rd_fail(r, err, FO_ERR, "unexpected reply");
    } else {
        memset(out, 0, sizeof *out);
        fo_strlcpy(out->address, elem_str(rep, 0), sizeof out->address);
        out->http_port = (int)parse_i64(elem_str(rep, 1));
        fo_strlcpy(out->node_id, elem_str(rep, 2), sizeof out->node_id);
        fo_strlcpy(out->session_id, elem_str(rep, 3), sizeof out->session_id);
        fo_strlcpy(out->status, elem_str(rep, 4), sizeof out->status);
        out->node_alive = rep->element[5]->integer != 0;
    }
    freeReplyObject(rep);
    return rc;
}

static fo_status rd_stream_reap_dead(void *impl, int64_t *reaped,
                                     fo_error *err)
{
    rd *r = impl;
    rd_args a;
    redisReply *rep;
    int64_t n = 0;
    fo_status rc;

    fo_rd_op(r, "reap_dead");
    fo_rd_args_init(&a, 3);
    fo_rd_args_key(&a, "fo:live");
    fo_rd_args_num(&a, "%" PRId64, r->dead_after_ms);
    rc = fo_rd_eval(r, RS_REAP, &a, &rep, err);
    rc = fo_rd_integer(r, rc, rep, &n, err);
    if (rc == FO_OK && reaped != NULL)
        *reaped = n;
    return rc;
}

/* ---- viewers, app settings, VoD --------------------------------------- */

static fo_status rd_viewers_report(void *impl, const char *node_id,
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

static fo_status rd_app_settings_put(void *impl, const char *app,
                                     const char *json, fo_error *err)
{
    rd *r = impl;
    rd_args a;
    redisReply *rep;
    fo_status rc;

    fo_rd_op(r, "app_settings_put %s", app);
    fo_rd_args_init(&a, 0);
    fo_rd_args_str(&a, "SET");
    fo_rd_args_key(&a, "fo:app:%s", app);
    fo_rd_args_str(&a, json);
    rc = fo_rd_check(r, fo_rd_send(r, &a, &rep, err), &rep, err);
    if (rc == FO_OK)
        freeReplyObject(rep);
    return rc;
}

static fo_status rd_app_settings_get(void *impl, const char *app, char *json,
                                     size_t cap, fo_error *err)
{
    rd *r = impl;
    redisReply *rep;
    char why[64];
    fo_status rc;

    fo_rd_op(r, "app_settings_get %s", app);
    rc = fo_rd_cmd(r, &rep, err, "GET", "fo:app:%s", app);
    if (rc != FO_OK)
        return rc;
    if (rep->type == REDIS_REPLY_NIL) {
        rc = fo_rd_fail(r, err, FO_NOT_FOUND, "not found");
    } else if (rep->type != REDIS_REPLY_STRING) {
        rc = fo_rd_fail(r, err, FO_ERR, "unexpected reply");
    } else if (rep->len >= cap) {
        snprintf(why, sizeof why, "%zu bytes do not fit in %zu", rep->len,
                 cap);
        rc = fo_rd_fail(r, err, FO_ERR, why);
    } else {
        memcpy(json, rep->str, rep->len + 1);
    }
    freeReplyObject(rep);
    return rc;
}

static fo_status rd_vod_put(void *impl, const fo_vod *v, fo_error *err)
{
    rd *r = impl;
    rd_args a;

    fo_rd_op(r, "vod_put %s/%s", v->app, v->vod_id);
    fo_rd_args_init(&a, 3);
    fo_rd_args_key(&a, "fo:vod:%s:%s", v->app, v->vod_id);
    fo_rd_args_key(&a, "fo:vods:%s", v->app);
    fo_rd_args_str(&a, v->vod_id);
    args_fields(&a, vod_fields, NFIELDS(vod_fields), v, RD_ALL);
    return fo_rd_decide(r, RS_VOD_PUT, &a, "", err);
}

static fo_status rd_vod_count(void *impl, const char *app, int64_t *count,
                              fo_error *err)
{
    rd *r = impl;
    redisReply *rep;
    fo_status rc;

    fo_rd_op(r, "vod_count %s", app);
    rc = fo_rd_cmd(r, &rep, err, "SCARD", "fo:vods:%s", app);
    return fo_rd_integer(r, rc, rep, count, err);
}

static fo_status rd_vod_delete(void *impl, const char *app,
                               const char *vod_id, fo_error *err)
{
    rd *r = impl;
    rd_args a;

    fo_rd_op(r, "vod_delete %s/%s", app, vod_id);
    fo_rd_args_init(&a, 3);
    fo_rd_args_key(&a, "fo:vod:%s:%s", app, vod_id);
    fo_rd_args_key(&a, "fo:vods:%s", app);
    fo_rd_args_str(&a, vod_id);
    return fo_rd_decide(r, RS_VOD_DELETE, &a, "", err);
}

const fo_backend_ops fo_redis_ops = {
    .name = "redis",
    .open = fo_rd_open,
    .close = fo_rd_close,
    .now = rd_now,
    .node_heartbeat = rd_node_heartbeat,
    .node_get = rd_node_get,
    .node_list = rd_node_list,
    .node_count = rd_node_count,
    .node_delete = rd_node_delete,
    .broadcast_create = rd_broadcast_create,
    .broadcast_get = rd_broadcast_get,
    .broadcast_update = rd_broadcast_update,
    .broadcast_delete = rd_broadcast_delete,
    .broadcast_list = rd_broadcast_list,
    .broadcast_count = rd_broadcast_count,
    .broadcast_count_active = rd_broadcast_count_active,
    .stream_claim = rd_stream_claim,
    .stream_release = rd_stream_release,
    .stream_lookup = rd_stream_lookup,
    .stream_reap_dead = rd_stream_reap_dead,
    .viewers_report = rd_viewers_report,
    .app_settings_put = rd_app_settings_put,
    .app_settings_get = rd_app_settings_get,
    .vod_put = rd_vod_put,
    .vod_count = rd_vod_count,
    .vod_delete = rd_vod_delete,
};
