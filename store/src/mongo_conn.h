/*
 * mongo_conn.h — the mongodb:// backend's client, and the driver steps
 * its operations are made of.
 *
 * One single-threaded mongoc_client_t per handle: the generic layer
 * serialises calls.  An operation is one mg_call: fo_mg_begin starts it
 * (connecting when needed, reading the server's clock when asked), driver
 * steps run on it, and fo_mg_end turns its first error into the
 * contract's message.  Once a step fails, later steps do nothing.  Every
 * step consumes (destroys) the bson_t * it is given, failed or not.
 */
#ifndef FANOUT_STORE_MONGO_CONN_H
#define FANOUT_STORE_MONGO_CONN_H

#include <stddef.h>
#include <stdint.h>

#include <mongoc/mongoc.h>

#include "backend.h"
#include "mongo_doc.h"

enum { C_NODES, C_BCAST, C_VIEWERS, C_APPS, C_VODS, C_SESSIONS, C_TOKENS,
       C_LEASES, C_ALERTS, C_USERS, C_SAMPLES, C_LOGINS, C_N };

typedef struct {
    mongoc_uri_t *uri;
    mongoc_client_t *client;    /* NULL: connect afresh on the next call */
    mongoc_collection_t *c[C_N];
    char db[128];
    fo_backend_conf conf;
} mg;

/* One backend call.  The first error sticks: later steps do nothing, and
 * fo_mg_end() turns the error into the contract's message. */
typedef struct {
    mg *m;
    fo_error *err;
    const char *op, *arg;
    bson_error_t e;
    int64_t now;                /* the server's clock, if begin read it */
    int ok;
} mg_call;

/* The operations of the ops table (backend.h): fo_mg_open and fo_mg_close
 * in mongo_conn.c (open also creates the collections' indexes, so it
 * fails when no server can be reached), the others in mongo.c,
 * mongo_broadcast.c and mongo_publish.c. */
FO_BACKEND_DECLARE(fo_mg)

/* Starts a call, connecting when the handle has no client yet; with
 * want_now, reads the server's clock into c->now.  op and arg name the
 * call in messages and must outlive it.  Returns c->ok. */
int fo_mg_begin(mg_call *c, void *impl, fo_error *err, const char *op,
                const char *arg, int want_now);

/* st when the call went well, else FO_ERR with its error in c->err. */
fo_status fo_mg_end(mg_call *c, fo_status st);

/* ---- driver steps ------------------------------------------------------ */

typedef void (*mg_each_fn)(mg_call *c, void *arg, const bson_t *doc);

/* Calls fn on every document of coll matching q; opts may be NULL.  fn
 * may fail the call (c->ok = 0) to stop. */
void fo_mg_each(mg_call *c, int coll, bson_t *q, bson_t *opts, mg_each_fn fn,
                void *arg);

/* 1 when q matches a document, copied to out (initialised) if not NULL. */
int fo_mg_find_one(mg_call *c, int coll, bson_t *q, bson_t *out);

/* 1 when q matches a document, read into rec (size bytes, zeroed first)
 * by field table f (mongo_doc.h). */
int fo_mg_find_record(mg_call *c, int coll, bson_t *q, const mg_field *f,
                      void *rec, size_t size);

/* Updates one document; how many q matched (an upsert's insert is one). */
int64_t fo_mg_update(mg_call *c, int coll, bson_t *q, bson_t *u,
                     int upsert);

/* Upserts with u = {$setOnInsert: ...}, so an existing document is left
 * alone: 1 with that document in out, 0 when this call inserted. */
int fo_mg_insert_missing(mg_call *c, int coll, bson_t *q, bson_t *u,
                         bson_t *out);

/* Deletes one (or with many, every) document matching q; how many. */
int64_t fo_mg_del(mg_call *c, int coll, bson_t *q, int many);

/* A whole call (begin, delete, end) that deletes the document of coll
 * that q matches; FO_NOT_FOUND when none does.  op and arg as for
 * fo_mg_begin. */
fo_status fo_mg_delete_call(void *impl, fo_error *err, const char *op,
                            const char *arg, int coll, bson_t *q);

/* How many documents of coll match q. */
int64_t fo_mg_count(mg_call *c, int coll, bson_t *q);

/* Growable array of records of size bytes each; free(v) when done. */
typedef struct {
    void *v;
    size_t n, cap, size;
} mg_vec;

/* Room for one more record at the end of a; NULL (and the call failed)
 * when out of memory. */
void *fo_mg_push(mg_call *c, mg_vec *a);

/* Documents written before issue #14 lack the sort keys (streamKey,
 * nameKey): once per database, open gives them theirs (mongo_list.c). */
void fo_mg_backfill_keys(mg_call *c);

/* ---- the history (mongo_history.c) -------------------------------------- */

/* Writes entry seq of c's stream's history, started at c->now, and drops
 * the entries numbered <= seq - FO_HISTORY_KEEP. */
void fo_mg_session_start(mg_call *c, const fo_claim *cl, int64_t seq);

/* Ends every entry of the stream numbered <= seq that is still live,
 * with reason. */
void fo_mg_sessions_end_upto(mg_call *c, const char *app,
                             const char *stream_id, int64_t seq,
                             const char *reason);

/* Ends session's entry of the stream, if it is still live, with reason. */
void fo_mg_session_end(mg_call *c, const char *app, const char *stream_id,
                       const char *session, const char *reason);

#endif /* FANOUT_STORE_MONGO_CONN_H */
