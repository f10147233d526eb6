/*
 * mongo_history.c — the mongodb:// backend's continuation and history.
 *
 * Progress: fields of the broadcast document (hlsSequence ...
 * dashNumber, progressTime), written by one conditional update whose
 * filter is the owning session and status broadcasting, so the check and
 * the write are one step; progressTime is the server's $currentDate (a
 * BSON date: no `hello` round trip first).  Claim ($set of the owner
 * fields), release and reap never touch them.
 *
 * History: collection "sessions", one document per publish session,
 * keyed by (app, streamId, seq), seq being the broadcast's sessionCount
 * after the claim that started it (claim's compare-and-set includes
 * sessionCount, so two claims never get the same number).  The entry is
 * written right after the claim's, release's or reap's conditional update
 * succeeded, by the same call: not atomic with it (no transactions; see
 * store/README.md).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <mongoc/mongoc.h>

#include "backend.h"
#include "mongo_conn.h"
#include "mongo_doc.h"

void fo_mg_session_start(mg_call *c, const fo_claim *cl, int64_t seq)
{
    fo_session s;
    bson_t *q = fo_mg_stream_q(cl->app, cl->stream_id);

    memset(&s, 0, sizeof(s));
    fo_strlcpy(s.session_id, cl->session_id, sizeof(s.session_id));
    fo_strlcpy(s.node_id, cl->node_id, sizeof(s.node_id));
    fo_strlcpy(s.origin_address, cl->address, sizeof(s.origin_address));
    s.origin_http_port = cl->http_port;
    s.start_time = c->now;
    BSON_APPEND_INT64(q, "seq", seq);
    fo_mg_update(c, C_SESSIONS, q,
                 fo_mg_with("$setOnInsert", fo_mg_session_fields, &s, F_BODY),
                 1);
    if (seq > FO_HISTORY_KEEP) {
        q = fo_mg_stream_q(cl->app, cl->stream_id);
        BCON_APPEND(q, "seq", "{", "$lte", BCON_INT64(seq - FO_HISTORY_KEEP),
                    "}");
        fo_mg_del(c, C_SESSIONS, q, 1);
    }
}

void fo_mg_session_end(mg_call *c, const char *app, const char *stream_id,
                       const char *session, const char *reason)
{
    bson_t *q = fo_mg_stream_q(app, stream_id);

    BCON_APPEND(q, "sessionId", BCON_UTF8(session), "endTime",
                BCON_INT64(0));
    fo_mg_update(c, C_SESSIONS, q,
                 BCON_NEW("$set", "{", "endTime", BCON_INT64(c->now),
                          "endReason", BCON_UTF8(reason), "}"), 0);
}

void fo_mg_sessions_end_upto(mg_call *c, const char *app,
                             const char *stream_id, int64_t seq,
                             const char *reason)
{
    bson_t *q = fo_mg_stream_q(app, stream_id);
    bson_t *u = BCON_NEW("$set", "{", "endTime", BCON_INT64(c->now),
                         "endReason", BCON_UTF8(reason), "}");

    BCON_APPEND(q, "endTime", BCON_INT64(0), "seq", "{", "$lte",
                BCON_INT64(seq), "}");
    if (c->ok) {
        c->ok = mongoc_collection_update_many(c->m->c[C_SESSIONS], q, u, NULL,
                                              NULL, &c->e);
    }
    bson_destroy(q);
    bson_destroy(u);
}

fo_status fo_mg_stream_progress_put(void *impl, const char *app,
                                    const char *stream_id,
                                    const char *session_id,
                                    const fo_progress *p, fo_error *err)
{
    mg_call c;
    char key[MG_KEY_MAX];
    bson_t *q, *u;
    int found;

    fo_mg_begin(&c, impl, err, "progress put",
                fo_mg_skey(key, app, stream_id), 0);
    q = fo_mg_stream_q(app, stream_id);
    BCON_APPEND(q, "sessionId", BCON_UTF8(session_id), "status",
                BCON_UTF8(FO_STATUS_BROADCASTING));
    u = fo_mg_with("$set", fo_mg_progress_fields, p, F_PROGRESS);
    BCON_APPEND(u, "$currentDate", "{", "progressTime", BCON_BOOL(true), "}");
    if (fo_mg_update(&c, C_BCAST, q, u, 0)) {
        return FO_OK;
    }
    found = fo_mg_find_one(&c, C_BCAST, fo_mg_stream_q(app, stream_id), NULL);
    if (c.ok && found) {
        return fo_err(err, FO_CONFLICT, "mongodb: progress put %s: session "
                      "%s does not own it", key, session_id);
    }
    return fo_mg_end(&c, FO_NOT_FOUND);
}

fo_status fo_mg_stream_progress_get(void *impl, const char *app,
                                    const char *stream_id, fo_progress *out,
                                    fo_error *err)
{
    mg_call c;
    char key[MG_KEY_MAX];
    int found;

    fo_mg_begin(&c, impl, err, "progress get",
                fo_mg_skey(key, app, stream_id), 0);
    found = fo_mg_find_record(&c, C_BCAST, fo_mg_stream_q(app, stream_id),
                              fo_mg_progress_fields, out, sizeof(*out));
    return fo_mg_end(&c, found ? FO_OK : FO_NOT_FOUND);
}

typedef struct {
    fo_live_progress *out;
    size_t cap, *n;
} live_page;

static void live_add(mg_call *c, void *arg, const bson_t *doc)
{
    live_page *p = arg;
    fo_live_progress *lp;

    (void) c;
    if (*p->n < p->cap) {
        lp = &p->out[(*p->n)++];
        fo_mg_get_str(doc, "streamId", lp->stream_id, sizeof(lp->stream_id));
        lp->hls_sequence = fo_mg_num(doc, "hlsSequence");
        lp->written_ms = fo_mg_num(doc, "progressTime");
    }
}

/* On the (app, status, streamKey) index; after is compared by its sort
 * key, the byte order the contract asks for (mongo_doc.h). */
fo_status fo_mg_stream_live_progress(void *impl, const char *app,
                                     const char *after,
                                     fo_live_progress *out, size_t cap,
                                     size_t *n, fo_error *err)
{
    mg_call c;
    live_page p = { out, cap, n };
    char key[2 * FO_STREAM_MAX + 1];
    bson_t *q = BCON_NEW("app", BCON_UTF8(app), "status",
                         BCON_UTF8(FO_STATUS_BROADCASTING));

    if (after[0] != '\0') {
        fo_mg_sort_key(key, after, sizeof(key));
        BCON_APPEND(q, "streamKey", "{", "$gt", BCON_UTF8(key), "}");
    }
    fo_mg_begin(&c, impl, err, "live progress", app, 0);
    fo_mg_each(&c, C_BCAST, q,
               BCON_NEW("sort", "{", "streamKey", BCON_INT32(1), "}",
                        "limit", BCON_INT64((int64_t) (cap < INT32_MAX
                                                       ? cap : INT32_MAX)),
                        "projection", "{", "streamId", BCON_INT32(1),
                        "hlsSequence", BCON_INT32(1), "progressTime",
                        BCON_INT32(1), "}"),
               live_add, &p);
    if (!c.ok) {
        *n = 0;
    }
    return fo_mg_end(&c, FO_OK);
}

typedef struct {
    fo_session *out;
    size_t cap, *n;
} session_page;

static void session_add(mg_call *c, void *arg, const bson_t *doc)
{
    session_page *p = arg;

    (void) c;
    if (*p->n < p->cap) {
        fo_mg_get_fields(doc, fo_mg_session_fields, &p->out[*p->n],
                         sizeof(fo_session));
        (*p->n)++;
    }
}

fo_status fo_mg_stream_history(void *impl, const char *app,
                               const char *stream_id, size_t offset,
                               fo_session *out, size_t cap, size_t *n,
                               fo_error *err)
{
    mg_call c;
    char key[MG_KEY_MAX];
    session_page p = { out, cap, n };
    size_t lim = cap < INT32_MAX ? cap : INT32_MAX;
    size_t skip = offset < INT32_MAX ? offset : INT32_MAX;

    fo_mg_begin(&c, impl, err, "history", fo_mg_skey(key, app, stream_id), 0);
    fo_mg_each(&c, C_SESSIONS, fo_mg_stream_q(app, stream_id),
               BCON_NEW("sort", "{", "seq", BCON_INT32(-1), "}", "skip",
                        BCON_INT64((int64_t) skip), "limit",
                        BCON_INT64((int64_t) lim)),
               session_add, &p);
    return fo_mg_end(&c, FO_OK);
}
