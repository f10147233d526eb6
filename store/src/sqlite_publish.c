/*
 * sqlite_publish.c — the sqlite:// backend's publishing: claim, release,
 * lookup and reap.  Claim reads and writes in one BEGIN IMMEDIATE
 * transaction, which makes it a compare-and-set across processes; claim,
 * release and reap write the history (sqlite_history.c) in their own
 * transaction.
 */
#include <sqlite3.h>
#include <string.h>

#include "backend.h"
#include "sqlite_rows.h"

/* Is the owner node of a broadcast alive?  p names the parameter that
 * holds the oldest heartbeat time still fresh. */
#define OWNER_ALIVE(p)                                                    \
    "EXISTS (SELECT 1 FROM cluster_node WHERE id = broadcast.origin_node " \
    "AND last_update_time >= " p ")"

/* What claim_check read: whether the stream exists, and the session
 * that broadcasts it ("" when it is not broadcasting). */
typedef struct {
    int exists;
    char session[FO_ID_MAX];
} claim_seen;

/* Reads the stream; FO_CONFLICT (naming the owner) when another session
 * holds it on a node whose heartbeat is at or after fresh, and it is not
 * the session c takes over. */
static fo_status claim_check(sq *q, const fo_claim *c, int64_t fresh,
                             claim_seen *seen, fo_error *err)
{
    sqlite3_stmt *st;
    char owner[FO_ID_MAX] = "";
    int live = 0, held;
    int rc = fo_sq_prep(q, &st, "SELECT status = 'broadcasting', "
                        "session_id, origin_node, " OWNER_ALIVE("?1")
                        " FROM broadcast WHERE app = ?2 AND stream_id = ?3",
                        "iss", fresh, c->app, c->stream_id);

    memset(seen, 0, sizeof(*seen));
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            seen->exists = 1;
            if (sqlite3_column_int(st, 0)) {
                fo_sq_col_text(st, 1, seen->session, sizeof(seen->session));
            }
            fo_sq_col_text(st, 2, owner, sizeof(owner));
            live = sqlite3_column_int(st, 3);
        }
        sqlite3_finalize(st);
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        return fo_sq_fail(q, err, "claim", c->stream_id);
    }
    held = seen->session[0] != '\0' && live
           && strcmp(seen->session, c->session_id) != 0
           && (c->take_over_session == NULL
               || strcmp(seen->session, c->take_over_session) != 0);
    if (held) {
        return fo_err(err, FO_CONFLICT,
                      "sqlite: claim %s/%s: broadcasting on live node %s",
                      c->app, c->stream_id, owner);
    }
    return FO_OK;
}

/* The history of a claim: the session it replaces ends (taken over) —
 * any entry still live, so also one whose status an update changed — and
 * a new session starts; claiming again with the owning session adds
 * nothing. */
static fo_status claim_history(sq *q, const fo_claim *c,
                               const claim_seen *seen, int64_t now,
                               fo_error *err)
{
    fo_status rc;

    if (strcmp(seen->session, c->session_id) == 0) {
        return FO_OK;
    }
    rc = fo_sq_session_end(q, err, "claim", c->app, c->stream_id, NULL, now,
                           FO_END_TAKEN_OVER);
    return rc == FO_OK ? fo_sq_session_start(q, err, c, now) : rc;
}

/* Makes c's session the broadcasting owner: updates the broadcast when it
 * exists, else creates it. */
static fo_status claim_write(sq *q, const fo_claim *c, int exists,
                             int64_t now, fo_error *err)
{
    if (exists) {
        return fo_sq_run(q, err, "claim", c->stream_id, NULL,
                         "UPDATE broadcast SET status = 'broadcasting', "
                         "publish_type = ?, origin_address = ?, "
                         "origin_http_port = ?, origin_node = ?, "
                         "session_id = ?, start_time = ?, update_time = ? "
                         "WHERE app = ? AND stream_id = ?",
                         "ssissiiss", c->publish_type, c->address,
                         (int64_t) c->http_port, c->node_id, c->session_id,
                         now, now, c->app, c->stream_id);
    }
    return fo_sq_run(q, err, "claim", c->stream_id, NULL,
                     "INSERT INTO broadcast (app, stream_id, name, status, "
                     "type, publish_type, origin_address, origin_http_port, "
                     "origin_node, session_id, date, start_time, "
                     "update_time, auto_created) VALUES (?, ?, ?, "
                     "'broadcasting', 'liveStream', ?, ?, ?, ?, ?, ?, ?, ?, "
                     "1)",
                     "sssssissiii", c->app, c->stream_id, c->stream_id,
                     c->publish_type, c->address, (int64_t) c->http_port,
                     c->node_id, c->session_id, now, now, now);
}

fo_status fo_sq_stream_claim(void *impl, const fo_claim *c, fo_error *err)
{
    sq *q = impl;
    int64_t now = fo_sq_clock();
    claim_seen seen;
    /* The write lock first: the reads and the writes below are one step. */
    fo_status rc = fo_sq_begin(q, err, "claim", c->stream_id);

    if (rc != FO_OK) {
        return rc;
    }
    rc = claim_check(q, c, now - q->conf.dead_after_ms, &seen, err);
    if (rc == FO_OK) {
        rc = claim_write(q, c, seen.exists, now, err);
    }
    if (rc == FO_OK) {
        rc = claim_history(q, c, &seen, now, err);
    }
    return fo_sq_end(q, err, rc, "claim", c->stream_id);
}

fo_status fo_sq_stream_release(void *impl, const char *app,
                               const char *stream_id,
                               const char *session_id, fo_error *err)
{
    sq *q = impl;
    int changes = 0;
    int64_t now = fo_sq_clock();
    fo_status rc = fo_sq_begin(q, err, "release", stream_id);

    if (rc != FO_OK) {
        return rc;
    }
    rc = fo_sq_run(q, err, "release", stream_id, &changes,
                   "UPDATE broadcast SET status = 'finished', update_time = ? "
                   "WHERE app = ? AND stream_id = ? AND session_id = ? "
                   "AND status = 'broadcasting'", "isss", now, app,
                   stream_id, session_id);
    if (rc == FO_OK && changes == 1) {
        rc = fo_sq_session_end(q, err, "release", app, stream_id, session_id,
                               now, FO_END_RELEASED);
    }
    rc = fo_sq_end(q, err, rc, "release", stream_id);
    if (rc != FO_OK || changes == 1) {
        return rc;
    }
    return fo_sq_not_owned(q, err, "release", app, stream_id, session_id);
}

fo_status fo_sq_stream_lookup(void *impl, const char *app,
                              const char *stream_id, fo_origin *out,
                              fo_error *err)
{
    sq *q = impl;
    sqlite3_stmt *st;
    int64_t now = fo_sq_clock();
    int rc = fo_sq_prep(q, &st, "SELECT origin_address, origin_http_port, "
                        "origin_node, session_id, status, update_time, "
                        "(SELECT last_update_time FROM cluster_node "
                        "WHERE id = broadcast.origin_node)"
                        " FROM broadcast WHERE app = ?1 AND stream_id = ?2",
                        "ss", app, stream_id);

    if (rc != SQLITE_OK) {
        return fo_sq_fail(q, err, "lookup", stream_id);
    }
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        memset(out, 0, sizeof(*out));
        fo_sq_col_text(st, 0, out->address, sizeof(out->address));
        out->http_port = sqlite3_column_int(st, 1);
        fo_sq_col_text(st, 2, out->node_id, sizeof(out->node_id));
        fo_sq_col_text(st, 3, out->session_id, sizeof(out->session_id));
        fo_sq_col_text(st, 4, out->status, sizeof(out->status));
        out->update_time = sqlite3_column_int64(st, 5);
        out->node_seen_ms = sqlite3_column_int64(st, 6);  /* NULL: 0 */
        /* as OWNER_ALIVE says it, from the one read of the owner's row */
        out->node_alive = out->node_seen_ms > 0
                          && out->node_seen_ms >= now - q->conf.dead_after_ms;
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW) {
        return FO_OK;
    }
    return rc == SQLITE_DONE ? FO_NOT_FOUND
                             : fo_sq_fail(q, err, "lookup", stream_id);
}

/* The sessions first, while their broadcasts still say broadcasting,
 * then the broadcasts, in one transaction at one now. */
fo_status fo_sq_stream_reap_dead(void *impl, int64_t *reaped,
                                 fo_error *err)
{
    sq *q = impl;
    int64_t now = fo_sq_clock();
    int changes = 0;
    fo_status rc = fo_sq_begin(q, err, "reap", "");

    if (rc != FO_OK) {
        return rc;
    }
    rc = fo_sq_run(q, err, "reap", "", NULL,
                   "UPDATE publish_session SET end_time = ?1, "
                   "end_reason = '" FO_END_REAPED "' WHERE end_time = 0 "
                   "AND EXISTS (SELECT 1 FROM broadcast "
                   "WHERE broadcast.app = publish_session.app "
                   "AND broadcast.stream_id = publish_session.stream_id "
                   "AND broadcast.session_id = publish_session.session_id "
                   "AND status = 'broadcasting' AND NOT " OWNER_ALIVE("?2")
                   ")", "ii", now, now - q->conf.dead_after_ms);
    if (rc == FO_OK) {
        rc = fo_sq_run(q, err, "reap", "", &changes,
                       "UPDATE broadcast SET status = 'finished', "
                       "update_time = ?1 WHERE status = 'broadcasting' "
                       "AND NOT " OWNER_ALIVE("?2"), "ii", now,
                       now - q->conf.dead_after_ms);
    }
    rc = fo_sq_end(q, err, rc, "reap", "");
    *reaped = rc == FO_OK ? changes : 0;
    return rc;
}
