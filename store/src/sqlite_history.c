/*
 * sqlite_history.c — the sqlite:// backend's continuation and history:
 * the progress an owning session writes on its broadcast row, and the
 * publish_session rows that claim, release and reap write inside their
 * own transactions (sqlite_publish.c).
 */
#include <sqlite3.h>
#include <stdint.h>
#include <string.h>

#include "backend.h"
#include "sqlite_rows.h"

fo_status fo_sq_session_start(sq *q, fo_error *err, const fo_claim *c,
                              int64_t now)
{
    int64_t seq = 0;
    fo_status rc;

    rc = fo_sq_scalar(q, err, "claim", c->stream_id, &seq,
                      "SELECT coalesce(max(seq), 0) + 1 FROM publish_session "
                      "WHERE app = ? AND stream_id = ?", "ss", c->app,
                      c->stream_id);
    if (rc == FO_OK) {
        rc = fo_sq_run(q, err, "claim", c->stream_id, NULL,
                       "INSERT INTO publish_session (app, stream_id, seq, "
                       "session_id, node_id, origin_address, "
                       "origin_http_port, start_time) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", "ssisssii", c->app,
                       c->stream_id, seq, c->session_id, c->node_id,
                       c->address, (int64_t) c->http_port, now);
    }
    if (rc == FO_OK) {
        rc = fo_sq_run(q, err, "claim", c->stream_id, NULL,
                       "DELETE FROM publish_session WHERE app = ? "
                       "AND stream_id = ? AND seq <= ?", "ssi", c->app,
                       c->stream_id, seq - FO_HISTORY_KEEP);
    }
    return rc;
}

fo_status fo_sq_session_end(sq *q, fo_error *err, const char *op,
                            const char *app, const char *stream_id,
                            const char *session, int64_t now,
                            const char *reason)
{
    return fo_sq_run(q, err, op, stream_id, NULL,
                     "UPDATE publish_session SET end_time = ?1, "
                     "end_reason = ?2 WHERE app = ?3 AND stream_id = ?4 "
                     "AND end_time = 0 AND (?5 = '' OR session_id = ?5)",
                     "issss", now, reason, app, stream_id,
                     session ? session : "");
}

/* One statement, so the owner check and the write are one step. */
fo_status fo_sq_stream_progress_put(void *impl, const char *app,
                                    const char *stream_id,
                                    const char *session_id,
                                    const fo_progress *p, fo_error *err)
{
    sq *q = impl;
    int changes = 0;
    fo_status rc;

    rc = fo_sq_run(q, err, "progress put", stream_id, &changes,
                   "UPDATE broadcast SET hls_sequence = ?, "
                   "hls_discontinuity = ?, dash_start_ms = ?, "
                   "dash_period = ?, dash_period_start_ms = ?, "
                   "dash_end_ms = ?, dash_number = ?, "
                   "progress_time = ?, bitrate = ?, speed = ?, "
                   "renditions = ? WHERE app = ? AND stream_id = ? "
                   "AND session_id = ? AND status = 'broadcasting'",
                   "iiiiiiiiidssss", p->hls_sequence, p->hls_discontinuity,
                   p->dash_start_ms, p->dash_period, p->dash_period_start_ms,
                   p->dash_end_ms,
                   p->dash_number, fo_sq_clock(), p->bitrate, p->speed,
                   p->renditions, app, stream_id, session_id);
    if (rc != FO_OK || changes == 1) {
        return rc;
    }
    return fo_sq_not_owned(q, err, "progress put", app, stream_id,
                           session_id);
}

fo_status fo_sq_stream_progress_get(void *impl, const char *app,
                                    const char *stream_id, fo_progress *out,
                                    fo_error *err)
{
    sq *q = impl;
    sqlite3_stmt *st;
    int rc = fo_sq_prep(q, &st, "SELECT " PROGRESS_COLS " FROM broadcast "
                        "WHERE app = ? AND stream_id = ?", "ss", app,
                        stream_id);

    if (rc != SQLITE_OK) {
        return fo_sq_fail(q, err, "progress get", stream_id);
    }
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        fo_sq_read_progress(st, out);
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW) {
        return FO_OK;
    }
    return rc == SQLITE_DONE ? FO_NOT_FOUND
                             : fo_sq_fail(q, err, "progress get", stream_id);
}

/* The (app, status, stream_id) index walks the live streams alone. */
fo_status fo_sq_stream_live_progress(void *impl, const char *app,
                                     const char *after,
                                     fo_live_progress *out, size_t cap,
                                     size_t *n, fo_error *err)
{
    sq *q = impl;
    sqlite3_stmt *st;
    int rc = fo_sq_prep(q, &st, "SELECT stream_id, hls_sequence, "
                        "progress_time FROM broadcast WHERE app = ? AND "
                        "status = 'broadcasting' AND stream_id > ? "
                        "ORDER BY stream_id LIMIT ?", "ssi", app, after,
                        (int64_t) (cap < INT32_MAX ? cap : INT32_MAX));

    if (rc != SQLITE_OK) {
        return fo_sq_fail(q, err, "live progress", app);
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < cap) {
        fo_live_progress *p = &out[(*n)++];
        const unsigned char *id = sqlite3_column_text(st, 0);

        fo_strlcpy(p->stream_id, id ? (const char *) id : "",
                   sizeof(p->stream_id));
        p->hls_sequence = sqlite3_column_int64(st, 1);
        p->written_ms = sqlite3_column_int64(st, 2);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW
               ? FO_OK : fo_sq_fail(q, err, "live progress", app);
}

fo_status fo_sq_stream_history(void *impl, const char *app,
                               const char *stream_id, size_t offset,
                               fo_session *out, size_t cap, size_t *n,
                               fo_error *err)
{
    sq *q = impl;
    sqlite3_stmt *st;
    int rc = fo_sq_prep(q, &st, "SELECT " SESSION_COLS " FROM "
                        "publish_session WHERE app = ? AND stream_id = ? "
                        "ORDER BY seq DESC LIMIT ? OFFSET ?", "ssii", app,
                        stream_id, (int64_t) cap, (int64_t) offset);

    if (rc != SQLITE_OK) {
        return fo_sq_fail(q, err, "history", stream_id);
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < cap) {
        fo_sq_read_session(st, &out[(*n)++]);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW
               ? FO_OK : fo_sq_fail(q, err, "history", stream_id);
}
