/*
 * mongo.c — the mongodb:// backend (mongo-c-driver 1.23).
 *
 * This file holds the operations and the ops table; the client and the
 * driver steps they are made of are in mongo_conn.c, the documents in
 * mongo_doc.c.  Documents use Ant Media Server's field names and a
 * server-made ObjectId _id, as Ant Media's own; records are found by their
 * key fields (app + streamId, nodeId, ...), each with a unique index.
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

#define CLAIM_TRIES  8
#define VIEWER_TRIES 3

/* ---- now ---------------------------------------------------------------- */

static fo_status mg_now(void *impl, int64_t *now_ms, fo_error *err)
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
    n->alive = c->now - n->last_update_ms <= c->m->conf.dead_after_ms;
}

/* 1 when node id exists and its heartbeat is fresh. */
static int node_alive(mg_call *c, const char *id)
{
    bson_t d = BSON_INITIALIZER;
    int alive = id[0] != '\0'
                && fo_mg_find_one(c, C_NODES, fo_mg_node_q(id), &d)
                && c->now - fo_mg_num(&d, "lastUpdateTime")
                       <= c->m->conf.dead_after_ms;

    bson_destroy(&d);
    return alive;
}

static fo_status mg_node_heartbeat(void *impl, const fo_node *n,
                                   fo_error *err)
{
    mg_call c;
    fo_node x = *n;

    fo_mg_begin(&c, impl, err, "heartbeat", n->id, 1);
    x.last_update_ms = c.now;
    if (x.node_group[0] == '\0') {
        fo_strlcpy(x.node_group, "default", sizeof(x.node_group));
    }
    fo_mg_update(&c, C_NODES, fo_mg_node_q(n->id),
                 fo_mg_with("$set", fo_mg_node_fields, &x, F_BODY), 1);
    return fo_mg_end(&c, FO_OK);
}

static fo_status mg_node_get(void *impl, const char *id, fo_node *out,
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
static fo_status mg_node_list(void *impl, size_t offset, fo_node *out,
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

static fo_status mg_node_count(void *impl, int64_t *count_out, fo_error *err)
{
    mg_call c;

    fo_mg_begin(&c, impl, err, "node count", "", 0);
    *count_out = fo_mg_count(&c, C_NODES, bson_new());
    return fo_mg_end(&c, FO_OK);
}

static fo_status mg_node_delete(void *impl, const char *id, fo_error *err)
{
    mg_call c;
    int64_t n;

    fo_mg_begin(&c, impl, err, "node delete", id, 0);
    n = fo_mg_del(&c, C_NODES, fo_mg_node_q(id), 0);
    return fo_mg_end(&c, n > 0 ? FO_OK : FO_NOT_FOUND);
}

/* ---- broadcasts --------------------------------------------------------- */

static fo_status mg_broadcast_create(void *impl, const fo_broadcast *b,
                                     fo_error *err)
{
    mg_call c;
    fo_broadcast x = *b;
    bson_t old = BSON_INITIALIZER;
    char key[MG_KEY_MAX];
    int exists;

    fo_mg_begin(&c, impl, err, "create",
                fo_mg_skey(key, b->app, b->stream_id), 1);
    x.date = x.update_time = c.now;
    exists = fo_mg_insert_missing(&c, C_BCAST,
                                  fo_mg_stream_q(b->app, b->stream_id),
                                  fo_mg_with("$setOnInsert",
                                             fo_mg_bcast_fields, &x, F_BODY),
                                  &old);
    bson_destroy(&old);
    if (c.ok && exists) {
        return fo_err(err, FO_CONFLICT, "mongodb: create %s: exists", key);
    }
    return fo_mg_end(&c, FO_OK);
}

static fo_status mg_broadcast_get(void *impl, const char *app,
                                  const char *stream_id, fo_broadcast *out,
                                  fo_error *err)
{
    mg_call c;
    bson_t d = BSON_INITIALIZER;
    char key[MG_KEY_MAX];
    int found;

    fo_mg_begin(&c, impl, err, "get", fo_mg_skey(key, app, stream_id), 0);
    found = fo_mg_find_one(&c, C_BCAST, fo_mg_stream_q(app, stream_id), &d);
    if (found) {
        fo_mg_get_fields(&d, fo_mg_bcast_fields, out, sizeof(*out));
    }
    bson_destroy(&d);
    return fo_mg_end(&c, found ? FO_OK : FO_NOT_FOUND);
}

static fo_status mg_broadcast_update(void *impl, const fo_broadcast *b,
                                     unsigned mask, fo_error *err)
{
    mg_call c;
    fo_broadcast x = *b;
    char key[MG_KEY_MAX];
    int64_t n;

    fo_mg_begin(&c, impl, err, "update",
                fo_mg_skey(key, b->app, b->stream_id), 1);
    x.update_time = c.now;
    n = fo_mg_update(&c, C_BCAST, fo_mg_stream_q(b->app, b->stream_id),
                     fo_mg_with("$set", fo_mg_bcast_fields, &x,
                                (mask & 0xffff) | F_UPDATE), 0);
    return fo_mg_end(&c, n > 0 ? FO_OK : FO_NOT_FOUND);
}

static fo_status mg_broadcast_delete(void *impl, const char *app,
                                     const char *stream_id, fo_error *err)
{
    mg_call c;
    char key[MG_KEY_MAX];
    int64_t n;

    fo_mg_begin(&c, impl, err, "delete", fo_mg_skey(key, app, stream_id), 0);
    n = fo_mg_del(&c, C_BCAST, fo_mg_stream_q(app, stream_id), 0);
    if (n > 0) {
        fo_mg_del(&c, C_VIEWERS, fo_mg_stream_q(app, stream_id), 1);
    }
    return fo_mg_end(&c, n > 0 ? FO_OK : FO_NOT_FOUND);
}

static void bcast_add(mg_call *c, void *arg, const bson_t *doc)
{
    fo_broadcast *b = fo_mg_push(c, arg);

    if (b != NULL) {
        fo_mg_get_fields(doc, fo_mg_bcast_fields, b, sizeof(*b));
    }
}

/* Search, sort and paging are record.c's, so the order matches the other
 * backends byte for byte (the test server sorts strings by locale). */
static fo_status mg_broadcast_list(void *impl, const char *app,
                                   const fo_list_query *q, size_t offset,
                                   fo_broadcast *out, size_t cap, size_t *n,
                                   fo_error *err)
{
    mg_call c;
    mg_vec all = { NULL, 0, 0, sizeof(fo_broadcast) };

    *n = 0;
    fo_mg_begin(&c, impl, err, "list", app, 0);
    fo_mg_each(&c, C_BCAST, BCON_NEW("app", BCON_UTF8(app)), NULL, bcast_add,
               &all);
    if (c.ok && all.n > 0) {
        fo_broadcast_page(all.v, all.n, q, offset, out, cap, n);
    }
    free(all.v);
    return fo_mg_end(&c, FO_OK);
}

typedef struct {
    const char *search;
    int64_t n;
} search_count;

static void count_match(mg_call *c, void *arg, const bson_t *doc)
{
    search_count *sc = arg;
    fo_broadcast b;

    (void) c;
    fo_mg_get_str(doc, "name", b.name, sizeof(b.name));
    fo_mg_get_str(doc, "streamId", b.stream_id, sizeof(b.stream_id));
    sc->n += fo_broadcast_matches(&b, sc->search);
}

static fo_status mg_broadcast_count(void *impl, const char *app,
                                    const char *search, int64_t *n,
                                    fo_error *err)
{
    mg_call c;
    search_count sc = { search, 0 };

    fo_mg_begin(&c, impl, err, "count", app, 0);
    if (search == NULL || search[0] == '\0') {
        *n = fo_mg_count(&c, C_BCAST, BCON_NEW("app", BCON_UTF8(app)));
    } else {
        fo_mg_each(&c, C_BCAST, BCON_NEW("app", BCON_UTF8(app)),
                   BCON_NEW("projection", "{", "name", BCON_INT32(1),
                            "streamId", BCON_INT32(1), "}"), count_match,
                   &sc);
        *n = sc.n;
    }
    return fo_mg_end(&c, FO_OK);
}

static fo_status mg_broadcast_count_active(void *impl, const char *app,
                                           int64_t *n, fo_error *err)
{
    mg_call c;

    fo_mg_begin(&c, impl, err, "count active", app, 0);
    *n = fo_mg_count(&c, C_BCAST, BCON_NEW("app", BCON_UTF8(app), "status",
                                           BCON_UTF8(FO_STATUS_BROADCASTING)));
    return fo_mg_end(&c, FO_OK);
}

/* ---- publishing --------------------------------------------------------- */

/* A CAS filter: the stream's key and each field as observed in old (the
 * same value, or still absent). */
static bson_t *cas_q(const fo_claim *cl, const bson_t *old)
{
    static const char *const keys[] = { "status", "sessionId", "originNode" };
    bson_t *q = fo_mg_stream_q(cl->app, cl->stream_id);
    bson_iter_t it;

    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        if (bson_iter_init_find(&it, old, keys[i])) {
            bson_append_iter(q, keys[i], -1, &it);
        } else {
            BCON_APPEND(q, keys[i], "{", "$exists", BCON_BOOL(false), "}");
        }
    }
    return q;
}

/* Read, judge, then write only if the stream is still as it was read;
 * retried when another claim or release got in between.  The owner's
 * liveness is judged between the read and the write: a node that revives
 * in that window loses its stream, as if it had died a moment later. */
static fo_status mg_stream_claim(void *impl, const fo_claim *cl,
                                 fo_error *err)
{
    mg_call c;
    fo_broadcast x;
    bson_t old = BSON_INITIALIZER;
    char key[MG_KEY_MAX], status[16], session[FO_ID_MAX];
    char owner[FO_ID_MAX] = "";
    fo_status st = FO_ERR;

    fo_mg_begin(&c, impl, err, "claim",
                fo_mg_skey(key, cl->app, cl->stream_id), 1);
    memset(&x, 0, sizeof(x));
    fo_strlcpy(x.app, cl->app, sizeof(x.app));
    fo_strlcpy(x.stream_id, cl->stream_id, sizeof(x.stream_id));
    fo_strlcpy(x.name, cl->stream_id, sizeof(x.name));
    fo_strlcpy(x.status, FO_STATUS_BROADCASTING, sizeof(x.status));
    fo_strlcpy(x.type, "liveStream", sizeof(x.type));
    fo_strlcpy(x.publish_type, cl->publish_type, sizeof(x.publish_type));
    fo_strlcpy(x.origin_address, cl->address, sizeof(x.origin_address));
    x.origin_http_port = cl->http_port;
    fo_strlcpy(x.origin_node, cl->node_id, sizeof(x.origin_node));
    fo_strlcpy(x.session_id, cl->session_id, sizeof(x.session_id));
    x.date = x.start_time = x.update_time = c.now;

    for (int i = 0; c.ok && st == FO_ERR && i < CLAIM_TRIES; i++) {
        /* creates it broadcasting when missing, else reads it */
        if (!fo_mg_insert_missing(&c, C_BCAST,
                                  fo_mg_stream_q(cl->app, cl->stream_id),
                                  fo_mg_with("$setOnInsert",
                                             fo_mg_bcast_fields, &x, F_BODY),
                                  &old))
        {
            st = FO_OK;
            break;
        }
        fo_mg_get_str(&old, "status", status, sizeof(status));
        fo_mg_get_str(&old, "sessionId", session, sizeof(session));
        fo_mg_get_str(&old, "originNode", owner, sizeof(owner));
        if (strcmp(status, FO_STATUS_BROADCASTING) == 0
            && strcmp(session, cl->session_id) != 0 && node_alive(&c, owner))
        {
            st = FO_CONFLICT;
        } else if (fo_mg_update(&c, C_BCAST, cas_q(cl, &old),
                                fo_mg_with("$set", fo_mg_bcast_fields, &x,
                                           F_CLAIM), 0))
        {
            st = FO_OK;
        }
    }
    bson_destroy(&old);
    if (c.ok && st == FO_CONFLICT) {
        return fo_err(err, FO_CONFLICT, "mongodb: claim %s: broadcasting on "
                      "live node %s", key, owner);
    }
    if (c.ok && st == FO_ERR) {
        return fo_err(err, FO_ERR, "mongodb: claim %s: still contended after "
                      "%d tries", key, CLAIM_TRIES);
    }
    return fo_mg_end(&c, st);
}

static bson_t *finish(int64_t now)
{
    return BCON_NEW("$set", "{", "status", BCON_UTF8(FO_STATUS_FINISHED),
                    "updateTime", BCON_INT64(now), "}");
}

static fo_status mg_stream_release(void *impl, const char *app,
                                   const char *stream_id,
                                   const char *session_id, fo_error *err)
{
    mg_call c;
    char key[MG_KEY_MAX];
    int found;

    fo_mg_begin(&c, impl, err, "release", fo_mg_skey(key, app, stream_id), 1);
    if (fo_mg_update(&c, C_BCAST,
                     BCON_NEW("app", BCON_UTF8(app), "streamId",
                              BCON_UTF8(stream_id), "sessionId",
                              BCON_UTF8(session_id), "status",
                              BCON_UTF8(FO_STATUS_BROADCASTING)),
                     finish(c.now), 0))
    {
        return FO_OK;
    }
    found = fo_mg_find_one(&c, C_BCAST, fo_mg_stream_q(app, stream_id), NULL);
    if (c.ok && found) {
        return fo_err(err, FO_CONFLICT, "mongodb: release %s: session %s "
                      "does not own it", key, session_id);
    }
    return fo_mg_end(&c, FO_NOT_FOUND);
}

static fo_status mg_stream_lookup(void *impl, const char *app,
                                  const char *stream_id, fo_origin *out,
                                  fo_error *err)
{
    mg_call c;
    bson_t d = BSON_INITIALIZER;
    char key[MG_KEY_MAX];
    int found;

    fo_mg_begin(&c, impl, err, "lookup", fo_mg_skey(key, app, stream_id), 1);
    found = fo_mg_find_one(&c, C_BCAST, fo_mg_stream_q(app, stream_id), &d);
    if (found) {
        memset(out, 0, sizeof(*out));
        fo_mg_get_str(&d, "originAdress", out->address, sizeof(out->address));
        out->http_port = (int) fo_mg_num(&d, "originHttpPort");
        fo_mg_get_str(&d, "originNode", out->node_id, sizeof(out->node_id));
        fo_mg_get_str(&d, "sessionId", out->session_id,
                      sizeof(out->session_id));
        fo_mg_get_str(&d, "status", out->status, sizeof(out->status));
        out->node_alive = node_alive(&c, out->node_id);
    }
    bson_destroy(&d);
    return fo_mg_end(&c, found ? FO_OK : FO_NOT_FOUND);
}

typedef struct {
    char app[FO_ID_MAX], stream_id[FO_STREAM_MAX];
    char session[FO_ID_MAX], owner[FO_ID_MAX];
} reap_cand;

static void reap_add(mg_call *c, void *arg, const bson_t *doc)
{
    reap_cand *r = fo_mg_push(c, arg);

    if (r != NULL) {
        fo_mg_get_str(doc, "app", r->app, sizeof(r->app));
        fo_mg_get_str(doc, "streamId", r->stream_id, sizeof(r->stream_id));
        fo_mg_get_str(doc, "sessionId", r->session, sizeof(r->session));
        fo_mg_get_str(doc, "originNode", r->owner, sizeof(r->owner));
    }
}

static void live_add(mg_call *c, void *arg, const bson_t *doc)
{
    char *id = fo_mg_push(c, arg);

    if (id != NULL) {
        fo_mg_get_str(doc, "nodeId", id, FO_ID_MAX);
    }
}

/* Each stream is finished only if still broadcasting for the session seen
 * here, so a claim that lands in between is not undone. */
static fo_status mg_stream_reap_dead(void *impl, int64_t *reaped,
                                     fo_error *err)
{
    mg_call c;
    mg_vec cand = { NULL, 0, 0, sizeof(reap_cand) };
    mg_vec live = { NULL, 0, 0, FO_ID_MAX };

    *reaped = 0;
    fo_mg_begin(&c, impl, err, "reap", "", 1);
    fo_mg_each(&c, C_BCAST,
               BCON_NEW("status", BCON_UTF8(FO_STATUS_BROADCASTING)), NULL,
               reap_add, &cand);
    fo_mg_each(&c, C_NODES,
               BCON_NEW("lastUpdateTime", "{", "$gte",
                        BCON_INT64(c.now - c.m->conf.dead_after_ms), "}"),
               BCON_NEW("projection", "{", "nodeId", BCON_INT32(1), "}"),
               live_add, &live);
    for (size_t i = 0; c.ok && i < cand.n; i++) {
        reap_cand *r = (reap_cand *) cand.v + i;
        size_t j = 0;

        while (j < live.n
               && strcmp((char *) live.v + j * FO_ID_MAX, r->owner) != 0)
        {
            j++;
        }
        if (j < live.n) {
            continue;                   /* its owner is alive */
        }
        *reaped += fo_mg_update(&c, C_BCAST,
                                BCON_NEW("app", BCON_UTF8(r->app), "streamId",
                                         BCON_UTF8(r->stream_id), "status",
                                         BCON_UTF8(FO_STATUS_BROADCASTING),
                                         "sessionId", BCON_UTF8(r->session),
                                         "originNode", BCON_UTF8(r->owner)),
                                finish(c.now), 0);
    }
    free(cand.v);
    free(live.v);
    return fo_mg_end(&c, FO_OK);
}

/* ---- viewers ------------------------------------------------------------ */

static void sum_add(mg_call *c, void *arg, const bson_t *doc)
{
    int64_t *sum = arg;

    (void) c;
    sum[0] += fo_mg_num(doc, "hlsViewerCount");
    sum[1] += fo_mg_num(doc, "dashViewerCount");
}

static void fresh_sum(mg_call *c, const char *app, const char *stream_id,
                      int64_t sum[2])
{
    sum[0] = sum[1] = 0;
    fo_mg_each(c, C_VIEWERS,
               BCON_NEW("app", BCON_UTF8(app), "streamId",
                        BCON_UTF8(stream_id), "updated", "{", "$gte",
                        BCON_INT64(c->now - c->m->conf.dead_after_ms), "}"),
               NULL, sum_add, sum);
}

/* Two reports may sum at once and write in the other order; whoever
 * wrote last re-reads the rows and writes again until the sums it wrote
 * are the current ones. */
static fo_status mg_viewers_report(void *impl, const char *node_id,
                                   const char *app, const char *stream_id,
                                   int64_t hls, int64_t dash, fo_error *err)
{
    mg_call c;
    char key[MG_KEY_MAX];
    int64_t sum[2], again[2];

    fo_mg_begin(&c, impl, err, "viewers",
                fo_mg_skey(key, app, stream_id), 1);
    if (!fo_mg_find_one(&c, C_BCAST, fo_mg_stream_q(app, stream_id), NULL)) {
        return fo_mg_end(&c, FO_NOT_FOUND);
    }
    fo_mg_update(&c, C_VIEWERS, BCON_NEW("app", BCON_UTF8(app), "streamId",
                                         BCON_UTF8(stream_id), "nodeId",
                                         BCON_UTF8(node_id)),
                 BCON_NEW("$set", "{", "hlsViewerCount", BCON_INT64(hls),
                          "dashViewerCount", BCON_INT64(dash), "updated",
                          BCON_INT64(c.now), "}"), 1);
    fresh_sum(&c, app, stream_id, sum);
    for (int i = 0; c.ok && i < VIEWER_TRIES; i++) {
        if (!fo_mg_update(&c, C_BCAST, fo_mg_stream_q(app, stream_id),
                          BCON_NEW("$set", "{", "hlsViewerCount",
                                   BCON_INT64(sum[0]), "dashViewerCount",
                                   BCON_INT64(sum[1]), "}"), 0))
        {
            /* deleted meanwhile: its reports go with it */
            fo_mg_del(&c, C_VIEWERS, fo_mg_stream_q(app, stream_id), 1);
            return fo_mg_end(&c, FO_NOT_FOUND);
        }
        fresh_sum(&c, app, stream_id, again);
        if (again[0] == sum[0] && again[1] == sum[1]) {
            break;
        }
        memcpy(sum, again, sizeof(sum));
    }
    return fo_mg_end(&c, FO_OK);
}

/* ---- app settings, VoD -------------------------------------------------- */

static fo_status mg_app_settings_put(void *impl, const char *app,
                                     const char *json, fo_error *err)
{
    mg_call c;

    fo_mg_begin(&c, impl, err, "settings put", app, 0);
    fo_mg_update(&c, C_APPS, BCON_NEW("app", BCON_UTF8(app)),
                 BCON_NEW("$set", "{", "settings", BCON_UTF8(json), "}"), 1);
    return fo_mg_end(&c, FO_OK);
}

static fo_status mg_app_settings_get(void *impl, const char *app, char *json,
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

static bson_t *vod_q(const char *app, const char *vod_id)
{
    return BCON_NEW("app", BCON_UTF8(app), "vodId", BCON_UTF8(vod_id));
}

static fo_status mg_vod_put(void *impl, const fo_vod *v, fo_error *err)
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

static fo_status mg_vod_count(void *impl, const char *app, int64_t *n,
                              fo_error *err)
{
    mg_call c;

    fo_mg_begin(&c, impl, err, "vod count", app, 0);
    *n = fo_mg_count(&c, C_VODS, BCON_NEW("app", BCON_UTF8(app)));
    return fo_mg_end(&c, FO_OK);
}

static fo_status mg_vod_delete(void *impl, const char *app,
                               const char *vod_id, fo_error *err)
{
    mg_call c;
    char key[MG_KEY_MAX];
    int64_t n;

    fo_mg_begin(&c, impl, err, "vod delete", fo_mg_skey(key, app, vod_id), 0);
    n = fo_mg_del(&c, C_VODS, vod_q(app, vod_id), 0);
    return fo_mg_end(&c, n > 0 ? FO_OK : FO_NOT_FOUND);
}

const fo_backend_ops fo_mongo_ops = {
    .name = "mongodb",
    .open = fo_mg_open,
    .close = fo_mg_close,
    .now = mg_now,
    .node_heartbeat = mg_node_heartbeat,
    .node_get = mg_node_get,
    .node_list = mg_node_list,
    .node_count = mg_node_count,
    .node_delete = mg_node_delete,
    .broadcast_create = mg_broadcast_create,
    .broadcast_get = mg_broadcast_get,
    .broadcast_update = mg_broadcast_update,
    .broadcast_delete = mg_broadcast_delete,
    .broadcast_list = mg_broadcast_list,
    .broadcast_count = mg_broadcast_count,
    .broadcast_count_active = mg_broadcast_count_active,
    .stream_claim = mg_stream_claim,
    .stream_release = mg_stream_release,
    .stream_lookup = mg_stream_lookup,
    .stream_reap_dead = mg_stream_reap_dead,
    .viewers_report = mg_viewers_report,
    .app_settings_put = mg_app_settings_put,
    .app_settings_get = mg_app_settings_get,
    .vod_put = mg_vod_put,
    .vod_count = mg_vod_count,
    .vod_delete = mg_vod_delete,
};
