/*
 * mongo_conn.c — the mongodb:// backend's client, calls and driver steps
 * (see mongo_conn.h), and opening a handle: URI defaults and indexes.
 *
 * Time: the `hello` reply's localTime, the server's clock, read once per
 * operation (fo_mg_begin with want_now).
 */
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mongoc/mongoc.h>

#include "backend.h"
#include "mongo_conn.h"
#include "mongo_doc.h"

static const char *const coll_name[C_N] = {
    "nodes", "broadcasts", "viewers", "app_settings", "vods", "sessions",
    "tokens", "leases", "alerts", "users", "node_samples",
    "login_failures"
};

static const struct {
    int coll, unique;
    const char *key[3];
} index_spec[] = {
    { C_NODES, 1, { "nodeId" } },
    { C_BCAST, 1, { "app", "streamId" } },
    { C_BCAST, 0, { "status" } },
    /* lists sort and page on the server (mongo_list.c); expiry's scan */
    { C_BCAST, 0, { "app", "streamKey" } },
    { C_BCAST, 0, { "app", "nameKey", "streamKey" } },
    { C_BCAST, 0, { "app", "date", "streamKey" } },
    { C_BCAST, 0, { "app", "status", "streamKey" } },
    { C_BCAST, 0, { "autoCreated", "status", "updateTime" } },
    { C_VIEWERS, 1, { "app", "streamId", "nodeId" } },
    { C_APPS, 1, { "app" } },
    { C_VODS, 1, { "app", "vodId" } },
    { C_SESSIONS, 1, { "app", "streamId", "seq" } },
    { C_TOKENS, 1, { "tokenId" } },
    { C_TOKENS, 0, { "expireDate" } },
    { C_LEASES, 1, { "name" } },
    { C_ALERTS, 1, { "alertId" } },
    { C_ALERTS, 0, { "endedMs" } },
    { C_USERS, 1, { "email" } },
    { C_SAMPLES, 1, { "nodeId", "timeMs" } },
    { C_SAMPLES, 0, { "timeMs" } },    /* the trim */
    { C_LOGINS, 1, { "key" } },
    { C_LOGINS, 0, { "windowEnd" } },
};

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
int fo_mg_begin(mg_call *c, void *impl, fo_error *err, const char *op,
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
fo_status fo_mg_end(mg_call *c, fo_status st)
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

/* Calls fn on every document of coll matching q; opts may be NULL. */
void fo_mg_each(mg_call *c, int coll, bson_t *q, bson_t *opts, mg_each_fn fn,
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
int fo_mg_find_one(mg_call *c, int coll, bson_t *q, bson_t *out)
{
    first_doc f = { out, 0 };

    fo_mg_each(c, coll, q, BCON_NEW("limit", BCON_INT64(1), "singleBatch",
                                    BCON_BOOL(true)), take_first, &f);
    return c->ok && f.found;
}

int fo_mg_find_record(mg_call *c, int coll, bson_t *q, const mg_field *f,
                      void *rec, size_t size)
{
    bson_t d = BSON_INITIALIZER;
    int found = fo_mg_find_one(c, coll, q, &d);

    if (found) {
        fo_mg_get_fields(&d, f, rec, size);
    }
    bson_destroy(&d);
    return found;
}

/* Updates one document; how many q matched (an upsert's insert is one). */
int64_t fo_mg_update(mg_call *c, int coll, bson_t *q, bson_t *u, int upsert)
{
    bson_t *opts = BCON_NEW("upsert", BCON_BOOL(upsert != 0));
    bson_t reply = BSON_INITIALIZER;
    int64_t n = 0;

    if (c->ok) {
        c->ok = mongoc_collection_update_one(c->m->c[coll], q, u, opts,
                                             &reply, &c->e);
        n = fo_mg_num(&reply, "matchedCount")
            + fo_mg_num(&reply, "upsertedCount");
    }
    bson_destroy(&reply);
    bson_destroy(opts);
    bson_destroy(q);
    bson_destroy(u);
    return c->ok ? n : 0;
}

/* Upserts with u = {$setOnInsert: ...}, so an existing document is left
 * alone: 1 with that document in out, 0 when this call inserted. */
int fo_mg_insert_missing(mg_call *c, int coll, bson_t *q, bson_t *u,
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

int64_t fo_mg_del(mg_call *c, int coll, bson_t *q, int many)
{
    bson_t reply = BSON_INITIALIZER;
    int64_t n = 0;

    if (c->ok) {
        c->ok = many ? mongoc_collection_delete_many(c->m->c[coll], q, NULL,
                                                     &reply, &c->e)
                     : mongoc_collection_delete_one(c->m->c[coll], q, NULL,
                                                    &reply, &c->e);
        n = fo_mg_num(&reply, "deletedCount");
    }
    bson_destroy(&reply);
    bson_destroy(q);
    return c->ok ? n : 0;
}

fo_status fo_mg_delete_call(void *impl, fo_error *err, const char *op,
                            const char *arg, int coll, bson_t *q)
{
    mg_call c;
    int64_t n;

    fo_mg_begin(&c, impl, err, op, arg, 0);
    n = fo_mg_del(&c, coll, q, 0);
    return fo_mg_end(&c, n > 0 ? FO_OK : FO_NOT_FOUND);
}

int64_t fo_mg_count(mg_call *c, int coll, bson_t *q)
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

void *fo_mg_push(mg_call *c, mg_vec *a)
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

/* ---- open, close ------------------------------------------------------- */

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

void fo_mg_close(void *impl)
{
    mg *m = impl;

    if (m != NULL) {
        mg_drop(m);
        mongoc_uri_destroy(m->uri);
        free(m);
    }
}

fo_status fo_mg_open(const fo_uri *uri, const fo_backend_conf *conf,
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
    fo_mg_begin(&c, m, err, "open", hosts ? hosts->host_and_port : "", 0);
    for (size_t i = 0; c.ok && i < sizeof(index_spec) / sizeof(index_spec[0]);
         i++)
    {
        create_index(&c, i);
    }
    fo_mg_backfill_keys(&c);
    rc = fo_mg_end(&c, FO_OK);

done:
    if (rc != FO_OK) {
        fo_mg_close(m);
        return rc;
    }
    *impl = m;
    return FO_OK;
}
