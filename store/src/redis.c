/*
 * redis.c — the redis:// backend: hiredis, one blocking connection per
 * handle.  This file holds the clock, nodes, app settings, VoD and the ops
 * table; broadcasts and their viewers are in redis_broadcast.c, claim,
 * release, lookup and reap in redis_publish.c, records <-> hash fields in
 * redis_fields.c, the key layout and the Lua scripts that make multi-key
 * operations atomic in redis_lua.h, the connection (reconnect, AUTH,
 * EVALSHA, error mapping) in redis_conn.c.
 *
 * Whatever writes more than one key, or writes depending on what it read,
 * is a script.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "backend.h"
#include "redis_conn.h"
#include "redis_fields.h"

/* ---- clock ------------------------------------------------------------ */

fo_status fo_rd_now(void *impl, int64_t *now_ms, fo_error *err)
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
        *now_ms = fo_rd_parse_i64(fo_rd_elem_str(rep, 0)) * 1000 +
                  fo_rd_parse_i64(fo_rd_elem_str(rep, 1)) / 1000;
    else
        rc = fo_rd_fail(r, err, FO_ERR, "unexpected reply");
    freeReplyObject(rep);
    return rc;
}

/* ---- nodes ------------------------------------------------------------ */

fo_status fo_rd_node_heartbeat(void *impl, const fo_node *n,
                               fo_error *err)
{
    rd *r = impl;
    rd_args a;
    fo_node x = *n;

    if (x.repl_lag_ms < 0) {
        x.repl_lag_ms = -1;     /* not MongoDB: unknown */
    }
    fo_rd_op(r, "heartbeat %s", n->id);
    fo_rd_args_init(&a, 3);
    fo_rd_args_key(&a, "fo:node:%s", n->id);
    fo_rd_args_key(&a, "fo:nodes");
    fo_rd_args_str(&a, n->id);
    fo_rd_args_fields(&a, fo_rd_node_fields, &x, RD_ALL);
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
        fo_rd_decode(fo_rd_node_fields, o, h);
        o->alive = fo_node_fresh(o->last_update_ms, now, r->dead_after_ms);
        (*n)++;
    }
done:
    freeReplyObject(rep);
    return rc;
}

fo_status fo_rd_node_get(void *impl, const char *id, fo_node *out,
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

fo_status fo_rd_node_list(void *impl, size_t offset, fo_node *out,
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

fo_status fo_rd_node_count(void *impl, int64_t *count, fo_error *err)
{
    rd *r = impl;
    redisReply *rep;
    fo_status rc;

    fo_rd_op(r, "node_count");
    rc = fo_rd_cmd(r, &rep, err, "ZCARD", "fo:nodes");
    return fo_rd_integer(r, rc, rep, count, err);
}

fo_status fo_rd_node_delete(void *impl, const char *id, fo_error *err)
{
    rd *r = impl;
    rd_args a;

    fo_rd_op(r, "node_delete %s", id);
    fo_rd_args_init(&a, 3);
    fo_rd_args_key(&a, "fo:node:%s", id);
    fo_rd_args_key(&a, "fo:nodes");
    fo_rd_args_key(&a, "fo:samples:%s", id);
    fo_rd_args_str(&a, id);
    return fo_rd_decide(r, RS_NODE_DELETE, &a, "", err);
}

/* ---- app settings, VoD ------------------------------------------------ */

fo_status fo_rd_app_settings_put(void *impl, const char *app,
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

fo_status fo_rd_app_settings_get(void *impl, const char *app, char *json,
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

/* ---- one-time tokens: messages name the stream, never the token ---- */

fo_status fo_rd_token_put(void *impl, const fo_token *t, fo_error *err)
{
    rd *r = impl;
    rd_args a;

    fo_rd_op(r, "token_put %s/%s", t->app, t->stream_id);
    fo_rd_args_init(&a, 3);
    fo_rd_args_key(&a, "fo:tok:%s", t->token_id);
    fo_rd_args_str(&a, t->app);
    fo_rd_args_str(&a, t->stream_id);
    fo_rd_args_str(&a, t->type);
    fo_rd_args_num(&a, "%lld", (long long) t->expire_date);
    return fo_rd_decide(r, RS_TOKEN_PUT, &a, "exists", err);
}

fo_status fo_rd_token_consume(void *impl, const char *token_id,
                              const char *app, const char *stream_id,
                              const char *type, fo_error *err)
{
    rd *r = impl;
    rd_args a;

    fo_rd_op(r, "token_consume %s/%s", app, stream_id);
    fo_rd_args_init(&a, 3);
    fo_rd_args_key(&a, "fo:tok:%s", token_id);
    fo_rd_args_str(&a, app);
    fo_rd_args_str(&a, stream_id);
    fo_rd_args_str(&a, type);
    return fo_rd_decide(r, RS_TOKEN_CONSUME, &a, "", err);
}

fo_status fo_rd_vod_put(void *impl, const fo_vod *v, fo_error *err)
{
    rd *r = impl;
    rd_args a;

    fo_rd_op(r, "vod_put %s/%s", v->app, v->vod_id);
    fo_rd_args_init(&a, 3);
    fo_rd_args_key(&a, "fo:vod:%s:%s", v->app, v->vod_id);
    fo_rd_args_key(&a, "fo:vods:%s", v->app);
    fo_rd_args_str(&a, v->vod_id);
    fo_rd_args_fields(&a, fo_rd_vod_fields, v, RD_ALL);
    return fo_rd_decide(r, RS_VOD_PUT, &a, "", err);
}

fo_status fo_rd_vod_count(void *impl, const char *app, int64_t *count,
                          fo_error *err)
{
    rd *r = impl;
    redisReply *rep;
    fo_status rc;

    fo_rd_op(r, "vod_count %s", app);
    rc = fo_rd_cmd(r, &rep, err, "SCARD", "fo:vods:%s", app);
    return fo_rd_integer(r, rc, rep, count, err);
}

fo_status fo_rd_vod_delete(void *impl, const char *app,
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

const fo_backend_ops fo_redis_ops = FO_BACKEND_OPS("redis", fo_rd);
