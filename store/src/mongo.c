/*
 * mongo.c — the mongodb:// backend (mongo-c-driver 1.23).
 *
 * This file holds the clock, nodes, app settings, VoD and the ops table;
 * broadcasts and their viewers are in mongo_broadcast.c, claim, release,
 * lookup and reap in mongo_publish.c, the client and the driver steps the
 * operations are made of in mongo_conn.c, the documents in mongo_doc.c.
 *
 * Documents use Ant Media Server's field names and a server-made ObjectId
 * _id, as Ant Media's own; records are found by their key fields (app +
 * streamId, nodeId, ...), each with a unique index.
 *
 * Atomicity: no transactions, and no reliance on duplicate-key errors.  A
 * record is created by an upsert whose filter is exactly its key (real
 * MongoDB retries such an upsert itself when two race; the test server
 * runs each command atomically).  Every other multi-step operation ends in
 * a conditional write whose filter encodes the state it was computed from
 * (compare-and-set), retried a bounded number of times.
 *
 * Time: the `hello` reply's localTime, the server's clock, read once per
 * operation and stored as int64 ms like Ant Media does ($currentDate
 * writes BSON dates; update pipelines with $$NOW are not available on
 * every server we must run against).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mongoc/mongoc.h>

#include "backend.h"
#include "mongo_conn.h"
#include "mongo_doc.h"
#include "mongo_repl.h"

/* ---- now ---------------------------------------------------------------- */

fo_status fo_mg_now(void *impl, int64_t *now_ms, fo_error *err)
{
    mg_call c;

    fo_mg_begin(&c, impl, err, "now", "", 1);
    *now_ms = c.now;
    return fo_mg_end(&c, FO_OK);
}

/* ---- nodes -------------------------------------------------------------- */

static void node_read(mg_call *c, const bson_t *d, fo_node *n)
{
    fo_mg_get_fields(d, fo_mg_node_fields, n, sizeof(*n));
    n->alive = fo_node_fresh(n->last_update_ms, c->now,
                             c->m->conf.dead_after_ms);
}

fo_status fo_mg_node_heartbeat(void *impl, const fo_node *n,
                               fo_error *err)
{
    mg_call c;
    fo_node x = *n;

    fo_mg_begin(&c, impl, err, "heartbeat", n->id, 1);
    x.last_update_ms = c.now;
    if (x.repl_lag_ms < 0) {
        /* once per heartbeat; its failure is "unknown", not the call's */
        x.repl_lag_ms = c.ok ? fo_mg_repl_lag_measure(c.m->client) : -1;
    }
    if (x.node_group[0] == '\0') {
        fo_strlcpy(x.node_group, "default", sizeof(x.node_group));
    }
    fo_mg_update(&c, C_NODES, fo_mg_node_q(n->id),
                 fo_mg_with("$set", fo_mg_node_fields, &x, F_BODY), 1);
    return fo_mg_end(&c, FO_OK);
}

fo_status fo_mg_node_get(void *impl, const char *id, fo_node *out,
                         fo_error *err)
{
    mg_call c;
    bson_t d = BSON_INITIALIZER;
    int found;

    fo_mg_begin(&c, impl, err, "node get", id, 1);
    found = fo_mg_find_one(&c, C_NODES, fo_mg_node_q(id), &d);
    if (found) {
        node_read(&c, &d, out);
    }
    bson_destroy(&d);
    return fo_mg_end(&c, found ? FO_OK : FO_NOT_FOUND);
}

static void node_add(mg_call *c, void *arg, const bson_t *doc)
{
    fo_node *n = fo_mg_push(c, arg);

    if (n != NULL) {
        node_read(c, doc, n);
    }
}

static int node_cmp(const void *a, const void *b)
{
    return strcmp(((const fo_node *) a)->id, ((const fo_node *) b)->id);
}

/* Sorted here: the order is byte order on every server (the test server
 * sorts strings by locale).  Clusters have few nodes. */
fo_status fo_mg_node_list(void *impl, size_t offset, fo_node *out,
                          size_t cap, size_t *n, fo_error *err)
{
    mg_call c;
    mg_vec all = { NULL, 0, 0, sizeof(fo_node) };

    *n = 0;
    fo_mg_begin(&c, impl, err, "node list", "", 1);
    fo_mg_each(&c, C_NODES, bson_new(), NULL, node_add, &all);
    if (c.ok && all.n > 0) {
        qsort(all.v, all.n, sizeof(fo_node), node_cmp);
        for (size_t i = offset; i < all.n && *n < cap; i++) {
            out[(*n)++] = ((fo_node *) all.v)[i];
        }
    }
    free(all.v);
    return fo_mg_end(&c, FO_OK);
}

fo_status fo_mg_node_count(void *impl, int64_t *count_out, fo_error *err)
{
    mg_call c;

    fo_mg_begin(&c, impl, err, "node count", "", 0);
    *count_out = fo_mg_count(&c, C_NODES, bson_new());
    return fo_mg_end(&c, FO_OK);
}

/* The node, then its samples: a sample put that raced the delete looks
 * for the node after its insert (mongo_samples.c). */
fo_status fo_mg_node_delete(void *impl, const char *id, fo_error *err)
{
    mg_call c;
    int64_t n;

    fo_mg_begin(&c, impl, err, "node delete", id, 0);
    n = fo_mg_del(&c, C_NODES, fo_mg_node_q(id), 0);
    fo_mg_del(&c, C_SAMPLES, BCON_NEW("nodeId", BCON_UTF8(id)), 1);
    return fo_mg_end(&c, n > 0 ? FO_OK : FO_NOT_FOUND);
}

/* ---- app settings, VoD -------------------------------------------------- */

fo_status fo_mg_app_settings_put(void *impl, const char *app,
                                 const char *json, fo_error *err)
{
    mg_call c;

    fo_mg_begin(&c, impl, err, "settings put", app, 0);
    fo_mg_update(&c, C_APPS, BCON_NEW("app", BCON_UTF8(app)),
                 BCON_NEW("$set", "{", "settings", BCON_UTF8(json), "}"), 1);
    return fo_mg_end(&c, FO_OK);
}

fo_status fo_mg_app_settings_get(void *impl, const char *app, char *json,
                                 size_t cap, fo_error *err)
{
    mg_call c;
    bson_t d = BSON_INITIALIZER;
    bson_iter_t it;
    const char *s = "";
    int found;

    fo_mg_begin(&c, impl, err, "settings get", app, 0);
    found = fo_mg_find_one(&c, C_APPS, BCON_NEW("app", BCON_UTF8(app)), &d);
    if (found && bson_iter_init_find(&it, &d, "settings")
        && BSON_ITER_HOLDS_UTF8(&it))
    {
        s = bson_iter_utf8(&it, NULL);
    }
    if (found && fo_strlcpy(json, s, cap) != 0) {
        bson_destroy(&d);
        return fo_err(err, FO_ERR, "mongodb: settings get %s: buffer of %zu "
                      "bytes too small", app, cap);
    }
    bson_destroy(&d);
    return fo_mg_end(&c, found ? FO_OK : FO_NOT_FOUND);
}

/* ---- one-time tokens: Ant Media's Token fields (tokenId, streamId,
 * expireDate in Unix s, type) and the app.  Messages name the stream,
 * never the token. */

fo_status fo_mg_token_put(void *impl, const fo_token *t, fo_error *err)
{
    mg_call c;
    bson_t old = BSON_INITIALIZER;
    int exists;

    fo_mg_begin(&c, impl, err, "token put", t->stream_id, 1);
    fo_mg_del(&c, C_TOKENS,
              BCON_NEW("expireDate", "{", "$lte", BCON_INT64(c.now / 1000),
                       "}"),
              1);
    exists = fo_mg_insert_missing(
        &c, C_TOKENS, BCON_NEW("tokenId", BCON_UTF8(t->token_id)),
        BCON_NEW("$setOnInsert", "{", "app", BCON_UTF8(t->app), "streamId",
                 BCON_UTF8(t->stream_id), "type", BCON_UTF8(t->type),
                 "expireDate", BCON_INT64(t->expire_date), "}"),
        &old);
    bson_destroy(&old);
    if (c.ok && exists) {
        return fo_err(err, FO_CONFLICT, "mongodb: token put %s: exists",
                      t->stream_id);
    }
    return fo_mg_end(&c, FO_OK);
}

/* One delete whose filter holds every condition: atomic on the server. */
fo_status fo_mg_token_consume(void *impl, const char *token_id,
                              const char *app, const char *stream_id,
                              const char *type, fo_error *err)
{
    mg_call c;
    int64_t n;

    fo_mg_begin(&c, impl, err, "token consume", stream_id, 1);
    n = fo_mg_del(&c, C_TOKENS,
                  BCON_NEW("tokenId", BCON_UTF8(token_id), "app",
                           BCON_UTF8(app), "streamId", BCON_UTF8(stream_id),
                           "type", BCON_UTF8(type), "expireDate", "{", "$gt",
                           BCON_INT64(c.now / 1000), "}"),
                  0);
    return fo_mg_end(&c, n > 0 ? FO_OK : FO_NOT_FOUND);
}

static bson_t *vod_q(const char *app, const char *vod_id)
{
    return BCON_NEW("app", BCON_UTF8(app), "vodId", BCON_UTF8(vod_id));
}

fo_status fo_mg_vod_put(void *impl, const fo_vod *v, fo_error *err)
{
    mg_call c;
    fo_vod x = *v;
    char key[MG_KEY_MAX];

    fo_mg_begin(&c, impl, err, "vod put",
                fo_mg_skey(key, v->app, v->vod_id), 1);
    x.creation_date = c.now;
    fo_mg_update(&c, C_VODS, vod_q(v->app, v->vod_id),
                 fo_mg_with("$set", fo_mg_vod_fields, &x, F_BODY), 1);
    return fo_mg_end(&c, FO_OK);
}

fo_status fo_mg_vod_count(void *impl, const char *app, int64_t *n,
                          fo_error *err)
{
    mg_call c;

    fo_mg_begin(&c, impl, err, "vod count", app, 0);
    *n = fo_mg_count(&c, C_VODS, BCON_NEW("app", BCON_UTF8(app)));
    return fo_mg_end(&c, FO_OK);
}

fo_status fo_mg_vod_delete(void *impl, const char *app,
                           const char *vod_id, fo_error *err)
{
    char key[MG_KEY_MAX];

    return fo_mg_delete_call(impl, err, "vod delete",
                             fo_mg_skey(key, app, vod_id), C_VODS,
                             vod_q(app, vod_id));
}

const fo_backend_ops fo_mongo_ops = FO_BACKEND_OPS("mongodb", fo_mg);
