/*
 * mongo_publish.c — the mongodb:// backend's publishing: claim, release,
 * lookup and reap, each ending in a compare-and-set write (see mongo.c),
 * then the history entry it starts or ends (mongo_history.c).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mongoc/mongoc.h>

#include "backend.h"
#include "mongo_conn.h"
#include "mongo_doc.h"

#define CLAIM_TRIES 8

/* Node id's last heartbeat (Unix ms); 0 when it has no record. */
static int64_t node_seen(mg_call *c, const char *id)
{
    bson_t d = BSON_INITIALIZER;
    int64_t seen = 0;

    if (id[0] != '\0' && fo_mg_find_one(c, C_NODES, fo_mg_node_q(id), &d)) {
        seen = fo_mg_num(&d, "lastUpdateTime");
    }
    bson_destroy(&d);
    return seen;
}

/* 1 when a heartbeat at seen (0: none) is fresh. */
static int seen_fresh(const mg_call *c, int64_t seen)
{
    return seen > 0 && fo_node_fresh(seen, c->now, c->m->conf.dead_after_ms);
}

/* 1 when node id exists and its heartbeat is fresh. */
static int node_alive(mg_call *c, const char *id)
{
    return seen_fresh(c, node_seen(c, id));
}

/* A CAS filter: the stream's key and each field as observed in old (the
 * same value, or still absent). */
static bson_t *cas_q(const fo_claim *cl, const bson_t *old)
{
    static const char *const keys[] = { "status", "sessionId", "originNode",
                                        "sessionCount" };
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

/* The broadcast a claim writes: c's owner fields, broadcasting, now. */
static void claim_record(const fo_claim *cl, int64_t now, fo_broadcast *x)
{
    memset(x, 0, sizeof(*x));
    fo_strlcpy(x->app, cl->app, sizeof(x->app));
    fo_strlcpy(x->stream_id, cl->stream_id, sizeof(x->stream_id));
    fo_strlcpy(x->name, cl->stream_id, sizeof(x->name));
    fo_strlcpy(x->status, FO_STATUS_BROADCASTING, sizeof(x->status));
    fo_strlcpy(x->type, "liveStream", sizeof(x->type));
    fo_strlcpy(x->publish_type, cl->publish_type, sizeof(x->publish_type));
    fo_strlcpy(x->origin_address, cl->address, sizeof(x->origin_address));
    x->origin_http_port = cl->http_port;
    fo_strlcpy(x->origin_node, cl->node_id, sizeof(x->origin_node));
    fo_strlcpy(x->session_id, cl->session_id, sizeof(x->session_id));
    x->date = x->start_time = x->update_time = now;
    x->auto_created = 1;        /* no REST create made it */
}

/* What one claim attempt saw and did. */
typedef struct {
    char live[FO_ID_MAX];       /* the session broadcasting it, or "" */
    char owner[FO_ID_MAX];      /* its node */
    int64_t count;              /* sessionCount as read; 0 if created */
} claim_seen;

/* One try: creates the broadcast when missing (FO_OK), else judges it
 * (FO_CONFLICT) and writes it if it is still as read (FO_OK; FO_ERR when
 * it changed in between, to try again). */
static fo_status claim_try(mg_call *c, const fo_claim *cl,
                           const fo_broadcast *x, claim_seen *seen)
{
    bson_t old = BSON_INITIALIZER;
    bson_t *ins = bson_new(), sub, *u;
    char status[16];
    fo_status st = FO_ERR;
    int held;

    memset(seen, 0, sizeof(*seen));
    bson_append_document_begin(ins, "$setOnInsert", -1, &sub);
    fo_mg_put_fields(&sub, fo_mg_bcast_fields, x, F_BODY);
    BSON_APPEND_INT64(&sub, "sessionCount", 1);
    bson_append_document_end(ins, &sub);
    if (!fo_mg_insert_missing(c, C_BCAST,
                              fo_mg_stream_q(cl->app, cl->stream_id), ins,
                              &old))
    {
        bson_destroy(&old);
        return FO_OK;
    }
    fo_mg_get_str(&old, "status", status, sizeof(status));
    if (strcmp(status, FO_STATUS_BROADCASTING) == 0) {
        fo_mg_get_str(&old, "sessionId", seen->live, sizeof(seen->live));
    }
    fo_mg_get_str(&old, "originNode", seen->owner, sizeof(seen->owner));
    seen->count = fo_mg_num(&old, "sessionCount");
    held = seen->live[0] != '\0' && strcmp(seen->live, cl->session_id) != 0
           && (cl->take_over_session == NULL
               || strcmp(seen->live, cl->take_over_session) != 0);
    if (held && node_alive(c, seen->owner)) {
        st = FO_CONFLICT;
    } else {
        u = fo_mg_with("$set", fo_mg_bcast_fields, x, F_CLAIM);
        if (strcmp(seen->live, cl->session_id) != 0) {
            BCON_APPEND(u, "$inc", "{", "sessionCount", BCON_INT64(1), "}");
        }
        if (fo_mg_update(c, C_BCAST, cas_q(cl, &old), u, 0)) {
            st = FO_OK;
        }
    }
    bson_destroy(&old);
    return st;
}

/* Read, judge, then write only if the stream is still as it was read;
 * retried when another claim or release got in between.  The owner's
 * liveness is judged between the read and the write: a node that revives
 * in that window loses its stream, as if it had died a moment later.
 * Then the history: the session it replaced ends, its own starts. */
fo_status fo_mg_stream_claim(void *impl, const fo_claim *cl,
                             fo_error *err)
{
    mg_call c;
    fo_broadcast x;
    claim_seen seen;
    char key[MG_KEY_MAX];
    fo_status st = FO_ERR;

    fo_mg_begin(&c, impl, err, "claim",
                fo_mg_skey(key, cl->app, cl->stream_id), 1);
    claim_record(cl, c.now, &x);
    memset(&seen, 0, sizeof(seen));
    for (int i = 0; c.ok && st == FO_ERR && i < CLAIM_TRIES; i++) {
        st = claim_try(&c, cl, &x, &seen);
    }
    if (c.ok && st == FO_CONFLICT) {
        return fo_err(err, FO_CONFLICT, "mongodb: claim %s: broadcasting on "
                      "live node %s", key, seen.owner);
    }
    if (c.ok && st == FO_ERR) {
        return fo_err(err, FO_ERR, "mongodb: claim %s: still contended after "
                      "%d tries", key, CLAIM_TRIES);
    }
    if (st == FO_OK && strcmp(seen.live, cl->session_id) != 0) {
        /* the session replaced, or one whose status an update changed */
        fo_mg_sessions_end_upto(&c, cl->app, cl->stream_id, seen.count,
                                FO_END_TAKEN_OVER);
        fo_mg_session_start(&c, cl, seen.count + 1);
    }
    return fo_mg_end(&c, st);
}

static bson_t *finish(int64_t now)
{
    return BCON_NEW("$set", "{", "status", BCON_UTF8(FO_STATUS_FINISHED),
                    "updateTime", BCON_INT64(now), "}");
}

fo_status fo_mg_stream_release(void *impl, const char *app,
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
        fo_mg_session_end(&c, app, stream_id, session_id, FO_END_RELEASED);
        return fo_mg_end(&c, FO_OK);
    }
    found = fo_mg_find_one(&c, C_BCAST, fo_mg_stream_q(app, stream_id), NULL);
    if (c.ok && found) {
        return fo_err(err, FO_CONFLICT, "mongodb: release %s: session %s "
                      "does not own it", key, session_id);
    }
    return fo_mg_end(&c, FO_NOT_FOUND);
}

fo_status fo_mg_stream_lookup(void *impl, const char *app,
                              const char *stream_id, fo_origin *out,
                              fo_error *err)
{
    mg_call c;
    fo_broadcast b;
    char key[MG_KEY_MAX];
    int found;

    fo_mg_begin(&c, impl, err, "lookup", fo_mg_skey(key, app, stream_id), 1);
    found = fo_mg_find_record(&c, C_BCAST, fo_mg_stream_q(app, stream_id),
                              fo_mg_bcast_fields, &b, sizeof(b));
    if (found) {
        fo_broadcast_origin(&b, out);
        out->update_time = b.update_time;
        out->node_seen_ms = node_seen(&c, out->node_id);
        out->node_alive = seen_fresh(&c, out->node_seen_ms);
    }
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
fo_status fo_mg_stream_reap_dead(void *impl, int64_t *reaped,
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
        if (fo_mg_update(&c, C_BCAST,
                         BCON_NEW("app", BCON_UTF8(r->app), "streamId",
                                  BCON_UTF8(r->stream_id), "status",
                                  BCON_UTF8(FO_STATUS_BROADCASTING),
                                  "sessionId", BCON_UTF8(r->session),
                                  "originNode", BCON_UTF8(r->owner)),
                         finish(c.now), 0))
        {
            (*reaped)++;
            fo_mg_session_end(&c, r->app, r->stream_id, r->session,
                              FO_END_REAPED);
        }
    }
    free(cand.v);
    free(live.v);
    return fo_mg_end(&c, FO_OK);
}
