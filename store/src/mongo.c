/*
 * mongo.c — the mongodb:// backend (mongo-c-driver 1.23).
 *
 * One single-threaded mongoc_client_t per handle: the generic layer
 * serialises calls.  Documents use Ant Media Server's field names and a
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
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mongoc/mongoc.h>

#include "backend.h"

#define CLAIM_TRIES  8
#define VIEWER_TRIES 3
#define KEY_MAX      (FO_ID_MAX + FO_STREAM_MAX)

enum { C_NODES, C_BCAST, C_VIEWERS, C_APPS, C_VODS, C_N };

static const char *const coll_name[C_N] = {
    "nodes", "broadcasts", "viewers", "app_settings", "vods"
};

static const struct {
    int coll, unique;
    const char *key[3];
} index_spec[] = {
    { C_NODES, 1, { "nodeId" } },
    { C_BCAST, 1, { "app", "streamId" } },
    { C_BCAST, 0, { "status" } },
    { C_VIEWERS, 1, { "app", "streamId", "nodeId" } },
    { C_APPS, 1, { "app" } },
    { C_VODS, 1, { "app", "vodId" } },
};

typedef struct {
    mongoc_uri_t *uri;
    mongoc_client_t *client;    /* NULL: connect afresh on the next call */
    mongoc_collection_t *c[C_N];
    char db[128];
    fo_backend_conf conf;
} mg;

/* One backend call.  The first error sticks: later steps do nothing, and
 * end() turns the error into the contract's message. */
typedef struct {
    mg *m;
    fo_error *err;
    const char *op, *arg;
    bson_error_t e;
    int64_t now;                /* the server's clock, if begin() read it */
    int ok;
} mg_call;

static pthread_once_t mg_once = PTHREAD_ONCE_INIT;

/* ---- connection, calls -------------------------------------------------- */

static void mg_drop(mg *m)
{
    for (int i = 0; i < C_N; i++) {
        mongoc_collection_destroy(m->c[i]);
        m->c[i] = NULL;
    }
    mongoc_client_destroy(m->client);
    m->client = NULL;
}

/* Starts a call, connecting when the handle has no client yet; with
 * want_now, reads the server's clock into c->now. */
static int begin(mg_call *c, void *impl, fo_error *err, const char *op,
                 const char *arg, int want_now)
{
    bson_t *cmd;
    bson_t reply;
    bson_iter_t it;

    memset(c, 0, sizeof(*c));
    c->m = impl;
    c->err = err;
    c->op = op;
    c->arg = arg;
    if (c->m->client == NULL) {
        c->m->client = mongoc_client_new_from_uri_with_error(c->m->uri, &c->e);
        if (c->m->client == NULL) {
            return c->ok = 0;
        }
        mongoc_client_set_error_api(c->m->client, MONGOC_ERROR_API_VERSION_2);
        for (int i = 0; i < C_N; i++) {
            c->m->c[i] = mongoc_client_get_collection(c->m->client, c->m->db,
                                                      coll_name[i]);
        }
    }
    c->ok = 1;
    if (!want_now) {
        return 1;
    }
    cmd = BCON_NEW("hello", BCON_INT32(1));
    c->ok = mongoc_client_command_simple(c->m->client, c->m->db, cmd, NULL,
                                         &reply, &c->e);
    if (c->ok && bson_iter_init_find(&it, &reply, "localTime")
        && BSON_ITER_HOLDS_DATE_TIME(&it))
    {
        c->now = bson_iter_date_time(&it);
    } else if (c->ok) {
        c->ok = 0;
        bson_set_error(&c->e, MONGOC_ERROR_PROTOCOL,
                       MONGOC_ERROR_PROTOCOL_INVALID_REPLY,
                       "hello reply has no localTime");
    }
    bson_destroy(cmd);
    bson_destroy(&reply);
    return c->ok;
}

/* st when the call went well, else its error.  When no server could be
 * reached the client is dropped: a fresh one tries again at once, where
 * the old one would sit out the single-threaded driver's 5 s cooldown.
 * (After a mere network error the driver rescans by itself.) */
static fo_status end(mg_call *c, fo_status st)
{
    if (c->ok) {
        return st;
    }
    if (c->e.domain == MONGOC_ERROR_SERVER_SELECTION) {
        mg_drop(c->m);
    }
    return fo_err(c->err, FO_ERR, "mongodb: %s%s%s: %s", c->op,
                  c->arg[0] ? " " : "", c->arg, c->e.message);
}

/* ---- driver steps: each consumes (destroys) the bson_t * it is given ---- */

typedef void (*each_fn)(mg_call *c, void *arg, const bson_t *doc);

/* Calls fn on every document of coll matching q; opts may be NULL. */
static void each(mg_call *c, int coll, bson_t *q, bson_t *opts, each_fn fn,
                 void *arg)
{
    mongoc_cursor_t *cur;
    const bson_t *doc;

    if (c->ok) {
        cur = mongoc_collection_find_with_opts(c->m->c[coll], q, opts, NULL);
        while (c->ok && mongoc_cursor_next(cur, &doc)) {
            fn(c, arg, doc);
        }
        if (c->ok && mongoc_cursor_error(cur, &c->e)) {
            c->ok = 0;
        }
        mongoc_cursor_destroy(cur);
    }
    bson_destroy(q);
    if (opts != NULL) {
        bson_destroy(opts);
    }
}

typedef struct {
    bson_t *out;
    int found;
} first_doc;

static void take_first(mg_call *c, void *arg, const bson_t *doc)
{
    first_doc *f = arg;

    (void) c;
    f->found = 1;
    if (f->out != NULL) {
        bson_destroy(f->out);
        bson_copy_to(doc, f->out);
    }
}

/* 1 when q matches a document, copied to out (initialised) if not NULL. */
static int find_one(mg_call *c, int coll, bson_t *q, bson_t *out)
{
    first_doc f = { out, 0 };

    each(c, coll, q, BCON_NEW("limit", BCON_INT64(1), "singleBatch",
                              BCON_BOOL(true)), take_first, &f);
    return c->ok && f.found;
}

static int64_t num(const bson_t *d, const char *k)
{
    bson_iter_t it;

    if (!bson_iter_init_find(&it, d, k)) {
        return 0;
    }
    if (BSON_ITER_HOLDS_DATE_TIME(&it)) {
        return bson_iter_date_time(&it);
    }
    /* a JavaScript server hands int64 back as int32 or double */
    return BSON_ITER_HOLDS_NUMBER(&it) ? bson_iter_as_int64(&it) : 0;
}

/* Updates one document; how many q matched (an upsert's insert is one). */
static int64_t update(mg_call *c, int coll, bson_t *q, bson_t *u, int upsert)
{
    bson_t *opts = BCON_NEW("upsert", BCON_BOOL(upsert != 0));
    bson_t reply = BSON_INITIALIZER;
    int64_t n = 0;

    if (c->ok) {
        c->ok = mongoc_collection_update_one(c->m->c[coll], q, u, opts,
                                             &reply, &c->e);
        n = num(&reply, "matchedCount") + num(&reply, "upsertedCount");
    }
    bson_destroy(&reply);
    bson_destroy(opts);
    bson_destroy(q);
    bson_destroy(u);
    return c->ok ? n : 0;
}

/* Upserts with u = {$setOnInsert: ...}, so an existing document is left
 * alone: 1 with that document in out, 0 when this call inserted. */
static int insert_missing(mg_call *c, int coll, bson_t *q, bson_t *u,
                          bson_t *out)
{
    mongoc_find_and_modify_opts_t *o = mongoc_find_and_modify_opts_new();
    bson_t reply = BSON_INITIALIZER, v;
    bson_iter_t it;
    const uint8_t *data;
    uint32_t len;
    int found = 0;

    mongoc_find_and_modify_opts_set_update(o, u);
    mongoc_find_and_modify_opts_set_flags(o, MONGOC_FIND_AND_MODIFY_UPSERT);
    if (c->ok) {
        c->ok = mongoc_collection_find_and_modify_with_opts(
            c->m->c[coll], q, o, &reply, &c->e);
    }
    if (c->ok && bson_iter_init_find(&it, &reply, "value")
        && BSON_ITER_HOLDS_DOCUMENT(&it))
    {
        bson_iter_document(&it, &len, &data);
        found = bson_init_static(&v, data, len);
        if (found) {
            bson_destroy(out);
            bson_copy_to(&v, out);
        }
    }
    bson_destroy(&reply);
    mongoc_find_and_modify_opts_destroy(o);
    bson_destroy(q);
    bson_destroy(u);
    return found;
}

static int64_t del(mg_call *c, int coll, bson_t *q, int many)
{
    bson_t reply = BSON_INITIALIZER;
    int64_t n = 0;

    if (c->ok) {
        c->ok = many ? mongoc_collection_delete_many(c->m->c[coll], q, NULL,
                                                     &reply, &c->e)
                     : mongoc_collection_delete_one(c->m->c[coll], q, NULL,
                                                    &reply, &c->e);
        n = num(&reply, "deletedCount");
    }
    bson_destroy(&reply);
    bson_destroy(q);
    return c->ok ? n : 0;
}

static int64_t count(mg_call *c, int coll, bson_t *q)
{
    int64_t n = 0;

    if (c->ok) {
        n = mongoc_collection_count_documents(c->m->c[coll], q, NULL, NULL,
                                              NULL, &c->e);
        c->ok = n >= 0;
    }
    bson_destroy(q);
    return c->ok ? n : 0;
}

/* ---- records <-> documents ---------------------------------------------- */

/* A record field and its document field.  Types: s string, i int32,
 * l int64, d double, r role.  Written when the call's mask shares a bit
 * with mask. */
typedef struct {
    const char *name;
    char type;
    size_t off, size;
    unsigned mask;
} field;

#define FIELD(n, t, T, f, mk)                                             \
    { n, t, offsetof(T, f), sizeof(((T *) 0)->f), mk }

/* Broadcast field groups beyond the public FO_F_* bits. */
enum {
    F_KEY = 1 << 16,
    F_OWNER = 1 << 17,          /* who publishes it: set by claim */
    F_DATE = 1 << 18,
    F_START = 1 << 19,
    F_UPDATE = 1 << 20,
    F_ALL = 0x7fffffff,
    /* Upserts leave the key out of their update: the insert takes it from
     * the filter, and MongoDB only retries an upsert that lost a race on
     * the unique key if the update does not touch the key's fields. */
    F_BODY = F_ALL & ~F_KEY
};

#define F_CLAIM                                                           \
    (FO_F_STATUS | FO_F_PUBLISH_TYPE | F_OWNER | F_START | F_UPDATE)

static const field node_fields[] = {
    FIELD("nodeId", 's', fo_node, id, F_KEY),
    FIELD("ip", 's', fo_node, ip, F_ALL),
    FIELD("httpPort", 'i', fo_node, http_port, F_ALL),
    FIELD("rtmpPort", 'i', fo_node, rtmp_port, F_ALL),
    FIELD("role", 'r', fo_node, role, F_ALL),
    FIELD("nodeGroup", 's', fo_node, node_group, F_ALL),
    FIELD("cpu", 'd', fo_node, cpu, F_ALL),
    FIELD("memory", 'l', fo_node, memory, F_ALL),
    FIELD("activeStreams", 'i', fo_node, active_streams, F_ALL),
    FIELD("viewers", 'i', fo_node, viewers, F_ALL),
    FIELD("dbQueryAverageTimeMs", 'd', fo_node, db_query_avg_ms, F_ALL),
    FIELD("lastUpdateTime", 'l', fo_node, last_update_ms, F_ALL),
    { NULL, 0, 0, 0, 0 }
};

static const field bcast_fields[] = {
    FIELD("app", 's', fo_broadcast, app, F_KEY),
    FIELD("streamId", 's', fo_broadcast, stream_id, F_KEY),
    FIELD("name", 's', fo_broadcast, name, FO_F_NAME),
    FIELD("status", 's', fo_broadcast, status, FO_F_STATUS),
    FIELD("type", 's', fo_broadcast, type, FO_F_TYPE),
    FIELD("publishType", 's', fo_broadcast, publish_type, FO_F_PUBLISH_TYPE),
    FIELD("originAdress", 's', fo_broadcast, origin_address, F_OWNER),
    FIELD("originHttpPort", 'i', fo_broadcast, origin_http_port, F_OWNER),
    FIELD("originNode", 's', fo_broadcast, origin_node, F_OWNER),
    FIELD("sessionId", 's', fo_broadcast, session_id, F_OWNER),
    FIELD("date", 'l', fo_broadcast, date, F_DATE),
    FIELD("startTime", 'l', fo_broadcast, start_time, F_START),
    FIELD("updateTime", 'l', fo_broadcast, update_time, F_UPDATE),
    FIELD("hlsViewerCount", 'l', fo_broadcast, hls_viewer_count, FO_F_VIEWERS),
    FIELD("dashViewerCount", 'l', fo_broadcast, dash_viewer_count,
          FO_F_VIEWERS),
    FIELD("bitrate", 'l', fo_broadcast, bitrate, FO_F_BITRATE),
    FIELD("extra", 's', fo_broadcast, extra, FO_F_EXTRA),
    { NULL, 0, 0, 0, 0 }
};

static const field vod_fields[] = {
    FIELD("app", 's', fo_vod, app, F_KEY),
    FIELD("vodId", 's', fo_vod, vod_id, F_KEY),
    FIELD("streamId", 's', fo_vod, stream_id, F_ALL),
    FIELD("vodName", 's', fo_vod, name, F_ALL),
    FIELD("filePath", 's', fo_vod, file_path, F_ALL),
    FIELD("duration", 'l', fo_vod, duration_ms, F_ALL),
    FIELD("creationDate", 'l', fo_vod, creation_date, F_ALL),
    { NULL, 0, 0, 0, 0 }
};

static void put_fields(bson_t *d, const field *f, const void *rec,
                       unsigned mask)
{
    for (; f->name != NULL; f++) {
        const char *p = (const char *) rec + f->off;

        if (!(f->mask & mask)) {
            continue;
        }
        switch (f->type) {
        case 's':
            BSON_APPEND_UTF8(d, f->name, p);
            break;
        case 'i':
            BSON_APPEND_INT32(d, f->name, *(const int32_t *) p);
            break;
        case 'l':
            BSON_APPEND_INT64(d, f->name, *(const int64_t *) p);
            break;
        case 'r':
            BSON_APPEND_UTF8(d, f->name, *(const fo_role *) p == FO_ROLE_EDGE
                                             ? "edge" : "origin");
            break;
        default:
            BSON_APPEND_DOUBLE(d, f->name, *(const double *) p);
            break;
        }
    }
}

/* Fills rec (zeroed first) from d; missing fields stay 0 / "". */
static void get_fields(const bson_t *d, const field *f, void *rec,
                       size_t size)
{
    bson_iter_t it;

    memset(rec, 0, size);
    for (; f->name != NULL; f++) {
        char *p = (char *) rec + f->off;
        int str = bson_iter_init_find(&it, d, f->name)
                  && BSON_ITER_HOLDS_UTF8(&it);

        switch (f->type) {
        case 's':
            if (str) {
                fo_strlcpy(p, bson_iter_utf8(&it, NULL), f->size);
            }
            break;
        case 'i':
            *(int32_t *) p = (int32_t) num(d, f->name);
            break;
        case 'l':
            *(int64_t *) p = num(d, f->name);
            break;
        case 'r':
            *(fo_role *) p = str && strcmp(bson_iter_utf8(&it, NULL), "edge")
                                        == 0 ? FO_ROLE_EDGE : FO_ROLE_ORIGIN;
            break;
        default:
            *(double *) p = bson_iter_init_find(&it, d, f->name)
                                    && BSON_ITER_HOLDS_NUMBER(&it)
                                ? bson_iter_as_double(&it) : 0.0;
            break;
        }
    }
}

/* {op: {fields of rec named by mask}} */
static bson_t *with(const char *op, const field *f, const void *rec,
                    unsigned mask)
{
    bson_t *u = bson_new();
    bson_t sub;

    bson_append_document_begin(u, op, -1, &sub);
    put_fields(&sub, f, rec, mask);
    bson_append_document_end(u, &sub);
    return u;
}

static void get_str(const bson_t *d, const char *k, char *dst, size_t cap)
{
    bson_iter_t it;

    dst[0] = '\0';
    if (bson_iter_init_find(&it, d, k) && BSON_ITER_HOLDS_UTF8(&it)) {
        fo_strlcpy(dst, bson_iter_utf8(&it, NULL), cap);
    }
}

static bson_t *stream_q(const char *app, const char *stream_id)
{
    return BCON_NEW("app", BCON_UTF8(app), "streamId", BCON_UTF8(stream_id));
}

static bson_t *node_q(const char *id)
{
    return BCON_NEW("nodeId", BCON_UTF8(id));
}

/* Error-message argument "app/streamId". */
static const char *skey(char *key, const char *app, const char *stream_id)
{
    snprintf(key, KEY_MAX, "%s/%s", app, stream_id);
    return key;
}

/* Growable array of records; NULL (and the call failed) when out of
 * memory. */
typedef struct {
    void *v;
    size_t n, cap, size;
} vec;

static void *push(mg_call *c, vec *a)
{
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 16;
        void *v = realloc(a->v, cap * a->size);

        if (v == NULL) {
            c->ok = 0;
            bson_set_error(&c->e, 0, 0, "out of memory");
            return NULL;
        }
        a->v = v;
        a->cap = cap;
    }
    return (char *) a->v + a->size * a->n++;
}

/* ---- open, close, now --------------------------------------------------- */

static int create_index(mg_call *c, size_t i)
{
    bson_t *cmd = bson_new();
    bson_t arr, idx, key, reply;
    char name[128] = "";

    BSON_APPEND_UTF8(cmd, "createIndexes", coll_name[index_spec[i].coll]);
    BSON_APPEND_ARRAY_BEGIN(cmd, "indexes", &arr);
    BSON_APPEND_DOCUMENT_BEGIN(&arr, "0", &idx);
    BSON_APPEND_DOCUMENT_BEGIN(&idx, "key", &key);
    for (int k = 0; k < 3 && index_spec[i].key[k] != NULL; k++) {
        BSON_APPEND_INT32(&key, index_spec[i].key[k], 1);
        snprintf(name + strlen(name), sizeof(name) - strlen(name), "%s%s_1",
                 k ? "_" : "", index_spec[i].key[k]);
    }
    bson_append_document_end(&idx, &key);
    BSON_APPEND_UTF8(&idx, "name", name);
    BSON_APPEND_BOOL(&idx, "unique", index_spec[i].unique != 0);
    bson_append_document_end(&arr, &idx);
    bson_append_array_end(cmd, &arr);
    c->ok = mongoc_client_write_command_with_opts(c->m->client, c->m->db, cmd,
                                                  NULL, &reply, &c->e);
    bson_destroy(&reply);
    bson_destroy(cmd);
    return c->ok;
}

static void set_default(mongoc_uri_t *u, const char *opt, int32_t v)
{
    if (!mongoc_uri_has_option(u, opt)) {
        mongoc_uri_set_option_as_int32(u, opt, v);
    }
}

static void mg_close(void *impl)
{
    mg *m = impl;

    if (m != NULL) {
        mg_drop(m);
        mongoc_uri_destroy(m->uri);
        free(m);
    }
}

static fo_status mg_open(const fo_uri *uri, const fo_backend_conf *conf,
                         void **impl, fo_error *err)
{
    mg *m;
    mg_call c;
    const char *db;
    const mongoc_host_list_t *hosts;
    bson_error_t e;
    fo_status rc = FO_OK;

    /* Never mongoc_cleanup(): other handles may live until exit. */
    pthread_once(&mg_once, mongoc_init);
    *impl = NULL;
    m = calloc(1, sizeof(*m));
    if (m == NULL) {
        return fo_err(err, FO_ERR, "mongodb: open: out of memory");
    }
    m->conf = *conf;
    m->uri = mongoc_uri_new_with_error(uri->passthrough, &e);
    if (m->uri == NULL) {
        rc = fo_err(err, FO_ERR_INVALID, "mongodb: open: %s", e.message);
        goto done;
    }
    set_default(m->uri, MONGOC_URI_CONNECTTIMEOUTMS, conf->connect_timeout_ms);
    set_default(m->uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS,
                conf->connect_timeout_ms);
    set_default(m->uri, MONGOC_URI_SOCKETTIMEOUTMS, conf->timeout_ms);
    db = mongoc_uri_get_database(m->uri);
    if (db == NULL || db[0] == '\0') {
        db = "fanout";
    }
    if (fo_strlcpy(m->db, db, sizeof(m->db)) != 0) {
        rc = fo_err(err, FO_ERR_INVALID, "mongodb: open: database name too "
                    "long");
        goto done;
    }
    hosts = mongoc_uri_get_hosts(m->uri);    /* NULL for mongodb+srv */
    begin(&c, m, err, "open", hosts ? hosts->host_and_port : "", 0);
    for (size_t i = 0; c.ok && i < sizeof(index_spec) / sizeof(index_spec[0]);
         i++)
    {
        create_index(&c, i);
    }
    rc = end(&c, FO_OK);

done:
    if (rc != FO_OK) {
        mg_close(m);
        return rc;
    }
    *impl = m;
    return FO_OK;
}

static fo_status mg_now(void *impl, int64_t *now_ms, fo_error *err)
{
    mg_call c;

    begin(&c, impl, err, "now", "", 1);
    *now_ms = c.now;
    return end(&c, FO_OK);
}

/* ---- nodes -------------------------------------------------------------- */

static void node_read(mg_call *c, const bson_t *d, fo_node *n)
{
    get_fields(d, node_fields, n, sizeof(*n));
    n->alive = c->now - n->last_update_ms <= c->m->conf.dead_after_ms;
}

/* 1 when node id exists and its heartbeat is fresh. */
static int node_alive(mg_call *c, const char *id)
{
    bson_t d = BSON_INITIALIZER;
    int alive = id[0] != '\0' && find_one(c, C_NODES, node_q(id), &d)
                && c->now - num(&d, "lastUpdateTime")
                       <= c->m->conf.dead_after_ms;

    bson_destroy(&d);
    return alive;
}

static fo_status mg_node_heartbeat(void *impl, const fo_node *n,
                                   fo_error *err)
{
    mg_call c;
    fo_node x = *n;

    begin(&c, impl, err, "heartbeat", n->id, 1);
    x.last_update_ms = c.now;
    if (x.node_group[0] == '\0') {
        fo_strlcpy(x.node_group, "default", sizeof(x.node_group));
    }
    update(&c, C_NODES, node_q(n->id), with("$set", node_fields, &x, F_BODY),
           1);
    return end(&c, FO_OK);
}

static fo_status mg_node_get(void *impl, const char *id, fo_node *out,
                             fo_error *err)
{
    mg_call c;
    bson_t d = BSON_INITIALIZER;
    int found;

    begin(&c, impl, err, "node get", id, 1);
    found = find_one(&c, C_NODES, node_q(id), &d);
    if (found) {
        node_read(&c, &d, out);
    }
    bson_destroy(&d);
    return end(&c, found ? FO_OK : FO_NOT_FOUND);
}

static void node_add(mg_call *c, void *arg, const bson_t *doc)
{
    fo_node *n = push(c, arg);

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
    vec all = { NULL, 0, 0, sizeof(fo_node) };

    *n = 0;
    begin(&c, impl, err, "node list", "", 1);
    each(&c, C_NODES, bson_new(), NULL, node_add, &all);
    if (c.ok && all.n > 0) {
        qsort(all.v, all.n, sizeof(fo_node), node_cmp);
        for (size_t i = offset; i < all.n && *n < cap; i++) {
            out[(*n)++] = ((fo_node *) all.v)[i];
        }
    }
    free(all.v);
    return end(&c, FO_OK);
}

static fo_status mg_node_count(void *impl, int64_t *count_out, fo_error *err)
{
    mg_call c;

    begin(&c, impl, err, "node count", "", 0);
    *count_out = count(&c, C_NODES, bson_new());
    return end(&c, FO_OK);
}

static fo_status mg_node_delete(void *impl, const char *id, fo_error *err)
{
    mg_call c;
    int64_t n;

    begin(&c, impl, err, "node delete", id, 0);
    n = del(&c, C_NODES, node_q(id), 0);
    return end(&c, n > 0 ? FO_OK : FO_NOT_FOUND);
}

/* ---- broadcasts --------------------------------------------------------- */

static fo_status mg_broadcast_create(void *impl, const fo_broadcast *b,
                                     fo_error *err)
{
    mg_call c;
    fo_broadcast x = *b;
    bson_t old = BSON_INITIALIZER;
    char key[KEY_MAX];
    int exists;

    begin(&c, impl, err, "create", skey(key, b->app, b->stream_id), 1);
    x.date = x.update_time = c.now;
    exists = insert_missing(&c, C_BCAST, stream_q(b->app, b->stream_id),
                            with("$setOnInsert", bcast_fields, &x, F_BODY),
                            &old);
    bson_destroy(&old);
    if (c.ok && exists) {
        return fo_err(err, FO_CONFLICT, "mongodb: create %s: exists", key);
    }
    return end(&c, FO_OK);
}

static fo_status mg_broadcast_get(void *impl, const char *app,
                                  const char *stream_id, fo_broadcast *out,
                                  fo_error *err)
{
    mg_call c;
    bson_t d = BSON_INITIALIZER;
    char key[KEY_MAX];
    int found;

    begin(&c, impl, err, "get", skey(key, app, stream_id), 0);
    found = find_one(&c, C_BCAST, stream_q(app, stream_id), &d);
    if (found) {
        get_fields(&d, bcast_fields, out, sizeof(*out));
    }
    bson_destroy(&d);
    return end(&c, found ? FO_OK : FO_NOT_FOUND);
}

static fo_status mg_broadcast_update(void *impl, const fo_broadcast *b,
                                     unsigned mask, fo_error *err)
{
    mg_call c;
    fo_broadcast x = *b;
    char key[KEY_MAX];
    int64_t n;

    begin(&c, impl, err, "update", skey(key, b->app, b->stream_id), 1);
    x.update_time = c.now;
    n = update(&c, C_BCAST, stream_q(b->app, b->stream_id),
               with("$set", bcast_fields, &x, (mask & 0xffff) | F_UPDATE), 0);
    return end(&c, n > 0 ? FO_OK : FO_NOT_FOUND);
}

static fo_status mg_broadcast_delete(void *impl, const char *app,
                                     const char *stream_id, fo_error *err)
{
    mg_call c;
    char key[KEY_MAX];
    int64_t n;

    begin(&c, impl, err, "delete", skey(key, app, stream_id), 0);
    n = del(&c, C_BCAST, stream_q(app, stream_id), 0);
    if (n > 0) {
        del(&c, C_VIEWERS, stream_q(app, stream_id), 1);
    }
    return end(&c, n > 0 ? FO_OK : FO_NOT_FOUND);
}

static void bcast_add(mg_call *c, void *arg, const bson_t *doc)
{
    fo_broadcast *b = push(c, arg);

    if (b != NULL) {
        get_fields(doc, bcast_fields, b, sizeof(*b));
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
    vec all = { NULL, 0, 0, sizeof(fo_broadcast) };

    *n = 0;
    begin(&c, impl, err, "list", app, 0);
    each(&c, C_BCAST, BCON_NEW("app", BCON_UTF8(app)), NULL, bcast_add, &all);
    if (c.ok && all.n > 0) {
        fo_broadcast_page(all.v, all.n, q, offset, out, cap, n);
    }
    free(all.v);
    return end(&c, FO_OK);
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
    get_str(doc, "name", b.name, sizeof(b.name));
    get_str(doc, "streamId", b.stream_id, sizeof(b.stream_id));
    sc->n += fo_broadcast_matches(&b, sc->search);
}

static fo_status mg_broadcast_count(void *impl, const char *app,
                                    const char *search, int64_t *n,
                                    fo_error *err)
{
    mg_call c;
    search_count sc = { search, 0 };

    begin(&c, impl, err, "count", app, 0);
    if (search == NULL || search[0] == '\0') {
        *n = count(&c, C_BCAST, BCON_NEW("app", BCON_UTF8(app)));
    } else {
        each(&c, C_BCAST, BCON_NEW("app", BCON_UTF8(app)),
             BCON_NEW("projection", "{", "name", BCON_INT32(1), "streamId",
                      BCON_INT32(1), "}"), count_match, &sc);
        *n = sc.n;
    }
    return end(&c, FO_OK);
}

static fo_status mg_broadcast_count_active(void *impl, const char *app,
                                           int64_t *n, fo_error *err)
{
    mg_call c;

    begin(&c, impl, err, "count active", app, 0);
    *n = count(&c, C_BCAST, BCON_NEW("app", BCON_UTF8(app), "status",
                                     BCON_UTF8(FO_STATUS_BROADCASTING)));
    return end(&c, FO_OK);
}

/* ---- publishing --------------------------------------------------------- */

/* A CAS filter: the stream's key and each field as observed in old (the
 * same value, or still absent). */
static bson_t *cas_q(const fo_claim *cl, const bson_t *old)
{
    static const char *const keys[] = { "status", "sessionId", "originNode" };
    bson_t *q = stream_q(cl->app, cl->stream_id);
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
    char key[KEY_MAX], status[16], session[FO_ID_MAX], owner[FO_ID_MAX] = "";
    fo_status st = FO_ERR;

    begin(&c, impl, err, "claim", skey(key, cl->app, cl->stream_id), 1);
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
        if (!insert_missing(&c, C_BCAST, stream_q(cl->app, cl->stream_id),
                            with("$setOnInsert", bcast_fields, &x, F_BODY),
                            &old))
        {
            st = FO_OK;
            break;
        }
        get_str(&old, "status", status, sizeof(status));
        get_str(&old, "sessionId", session, sizeof(session));
        get_str(&old, "originNode", owner, sizeof(owner));
        if (strcmp(status, FO_STATUS_BROADCASTING) == 0
            && strcmp(session, cl->session_id) != 0 && node_alive(&c, owner))
        {
            st = FO_CONFLICT;
        } else if (update(&c, C_BCAST, cas_q(cl, &old),
                          with("$set", bcast_fields, &x, F_CLAIM), 0))
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
    return end(&c, st);
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
    char key[KEY_MAX];
    int found;

    begin(&c, impl, err, "release", skey(key, app, stream_id), 1);
    if (update(&c, C_BCAST,
               BCON_NEW("app", BCON_UTF8(app), "streamId",
                        BCON_UTF8(stream_id), "sessionId",
                        BCON_UTF8(session_id), "status",
                        BCON_UTF8(FO_STATUS_BROADCASTING)),
               finish(c.now), 0))
    {
        return FO_OK;
    }
    found = find_one(&c, C_BCAST, stream_q(app, stream_id), NULL);
    if (c.ok && found) {
        return fo_err(err, FO_CONFLICT, "mongodb: release %s: session %s "
                      "does not own it", key, session_id);
    }
    return end(&c, FO_NOT_FOUND);
}

static fo_status mg_stream_lookup(void *impl, const char *app,
                                  const char *stream_id, fo_origin *out,
                                  fo_error *err)
{
    mg_call c;
    bson_t d = BSON_INITIALIZER;
    char key[KEY_MAX];
    int found;

    begin(&c, impl, err, "lookup", skey(key, app, stream_id), 1);
    found = find_one(&c, C_BCAST, stream_q(app, stream_id), &d);
    if (found) {
        memset(out, 0, sizeof(*out));
        get_str(&d, "originAdress", out->address, sizeof(out->address));
        out->http_port = (int) num(&d, "originHttpPort");
        get_str(&d, "originNode", out->node_id, sizeof(out->node_id));
        get_str(&d, "sessionId", out->session_id, sizeof(out->session_id));
        get_str(&d, "status", out->status, sizeof(out->status));
        out->node_alive = node_alive(&c, out->node_id);
    }
    bson_destroy(&d);
    return end(&c, found ? FO_OK : FO_NOT_FOUND);
}

typedef struct {
    char app[FO_ID_MAX], stream_id[FO_STREAM_MAX];
    char session[FO_ID_MAX], owner[FO_ID_MAX];
} reap_cand;

static void reap_add(mg_call *c, void *arg, const bson_t *doc)
{
    reap_cand *r = push(c, arg);

    if (r != NULL) {
        get_str(doc, "app", r->app, sizeof(r->app));
        get_str(doc, "streamId", r->stream_id, sizeof(r->stream_id));
        get_str(doc, "sessionId", r->session, sizeof(r->session));
        get_str(doc, "originNode", r->owner, sizeof(r->owner));
    }
}

static void live_add(mg_call *c, void *arg, const bson_t *doc)
{
    char *id = push(c, arg);

    if (id != NULL) {
        get_str(doc, "nodeId", id, FO_ID_MAX);
    }
}

/* Each stream is finished only if still broadcasting for the session seen
 * here, so a claim that lands in between is not undone. */
static fo_status mg_stream_reap_dead(void *impl, int64_t *reaped,
                                     fo_error *err)
{
    mg_call c;
    vec cand = { NULL, 0, 0, sizeof(reap_cand) };
    vec live = { NULL, 0, 0, FO_ID_MAX };

    *reaped = 0;
    begin(&c, impl, err, "reap", "", 1);
    each(&c, C_BCAST, BCON_NEW("status", BCON_UTF8(FO_STATUS_BROADCASTING)),
         NULL, reap_add, &cand);
    each(&c, C_NODES, BCON_NEW("lastUpdateTime", "{", "$gte",
                               BCON_INT64(c.now - c.m->conf.dead_after_ms),
                               "}"),
         BCON_NEW("projection", "{", "nodeId", BCON_INT32(1), "}"), live_add,
         &live);
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
        *reaped += update(&c, C_BCAST,
                          BCON_NEW("app", BCON_UTF8(r->app), "streamId",
                                   BCON_UTF8(r->stream_id), "status",
                                   BCON_UTF8(FO_STATUS_BROADCASTING),
                                   "sessionId", BCON_UTF8(r->session),
                                   "originNode", BCON_UTF8(r->owner)),
                          finish(c.now), 0);
    }
    free(cand.v);
    free(live.v);
    return end(&c, FO_OK);
}

/* ---- viewers ------------------------------------------------------------ */

static void sum_add(mg_call *c, void *arg, const bson_t *doc)
{
    int64_t *sum = arg;

    (void) c;
    sum[0] += num(doc, "hlsViewerCount");
    sum[1] += num(doc, "dashViewerCount");
}

static void fresh_sum(mg_call *c, const char *app, const char *stream_id,
                      int64_t sum[2])
{
    sum[0] = sum[1] = 0;
    each(c, C_VIEWERS, BCON_NEW("app", BCON_UTF8(app), "streamId",
                                BCON_UTF8(stream_id), "updated", "{", "$gte",
                                BCON_INT64(c->now - c->m->conf.dead_after_ms),
                                "}"), NULL, sum_add, sum);
}

/* Two reports may sum at once and write in the other order; whoever
 * wrote last re-reads the rows and writes again until the sums it wrote
 * are the current ones. */
static fo_status mg_viewers_report(void *impl, const char *node_id,
                                   const char *app, const char *stream_id,
                                   int64_t hls, int64_t dash, fo_error *err)
{
    mg_call c;
    char key[KEY_MAX];
    int64_t sum[2], again[2];

    begin(&c, impl, err, "viewers", skey(key, app, stream_id), 1);
    if (!find_one(&c, C_BCAST, stream_q(app, stream_id), NULL)) {
        return end(&c, FO_NOT_FOUND);
    }
    update(&c, C_VIEWERS, BCON_NEW("app", BCON_UTF8(app), "streamId",
                                   BCON_UTF8(stream_id), "nodeId",
                                   BCON_UTF8(node_id)),
           BCON_NEW("$set", "{", "hlsViewerCount", BCON_INT64(hls),
                    "dashViewerCount", BCON_INT64(dash), "updated",
                    BCON_INT64(c.now), "}"), 1);
    fresh_sum(&c, app, stream_id, sum);
    for (int i = 0; c.ok && i < VIEWER_TRIES; i++) {
        if (!update(&c, C_BCAST, stream_q(app, stream_id),
                    BCON_NEW("$set", "{", "hlsViewerCount", BCON_INT64(sum[0]),
                             "dashViewerCount", BCON_INT64(sum[1]), "}"), 0))
        {
            /* deleted meanwhile: its reports go with it */
            del(&c, C_VIEWERS, stream_q(app, stream_id), 1);
            return end(&c, FO_NOT_FOUND);
        }
        fresh_sum(&c, app, stream_id, again);
        if (again[0] == sum[0] && again[1] == sum[1]) {
            break;
        }
        memcpy(sum, again, sizeof(sum));
    }
    return end(&c, FO_OK);
}

/* ---- app settings, VoD -------------------------------------------------- */

static fo_status mg_app_settings_put(void *impl, const char *app,
                                     const char *json, fo_error *err)
{
    mg_call c;

    begin(&c, impl, err, "settings put", app, 0);
    update(&c, C_APPS, BCON_NEW("app", BCON_UTF8(app)),
           BCON_NEW("$set", "{", "settings", BCON_UTF8(json), "}"), 1);
    return end(&c, FO_OK);
}

static fo_status mg_app_settings_get(void *impl, const char *app, char *json,
                                     size_t cap, fo_error *err)
{
    mg_call c;
    bson_t d = BSON_INITIALIZER;
    bson_iter_t it;
    const char *s = "";
    int found;

    begin(&c, impl, err, "settings get", app, 0);
    found = find_one(&c, C_APPS, BCON_NEW("app", BCON_UTF8(app)), &d);
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
    return end(&c, found ? FO_OK : FO_NOT_FOUND);
}

static bson_t *vod_q(const char *app, const char *vod_id)
{
    return BCON_NEW("app", BCON_UTF8(app), "vodId", BCON_UTF8(vod_id));
}

static fo_status mg_vod_put(void *impl, const fo_vod *v, fo_error *err)
{
    mg_call c;
    fo_vod x = *v;
    char key[KEY_MAX];

    begin(&c, impl, err, "vod put", skey(key, v->app, v->vod_id), 1);
    x.creation_date = c.now;
    update(&c, C_VODS, vod_q(v->app, v->vod_id),
           with("$set", vod_fields, &x, F_BODY), 1);
    return end(&c, FO_OK);
}

static fo_status mg_vod_count(void *impl, const char *app, int64_t *n,
                              fo_error *err)
{
    mg_call c;

    begin(&c, impl, err, "vod count", app, 0);
    *n = count(&c, C_VODS, BCON_NEW("app", BCON_UTF8(app)));
    return end(&c, FO_OK);
}

static fo_status mg_vod_delete(void *impl, const char *app,
                               const char *vod_id, fo_error *err)
{
    mg_call c;
    char key[KEY_MAX];
    int64_t n;

    begin(&c, impl, err, "vod delete", skey(key, app, vod_id), 0);
    n = del(&c, C_VODS, vod_q(app, vod_id), 0);
    return end(&c, n > 0 ? FO_OK : FO_NOT_FOUND);
}

const fo_backend_ops fo_mongo_ops = {
    .name = "mongodb",
    .open = mg_open,
    .close = mg_close,
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
