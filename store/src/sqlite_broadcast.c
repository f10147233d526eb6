/*
 * sqlite_broadcast.c — the sqlite:// backend's broadcasts: create, read,
 * update, delete, list and count them, and the viewer reports whose sums
 * they carry.
 */
#include <sqlite3.h>
#include <stdio.h>

#include "backend.h"
#include "sqlite_rows.h"

/* ---- broadcasts --------------------------------------------------------- */

fo_status fo_sq_broadcast_create(void *impl, const fo_broadcast *b,
                                 fo_error *err)
{
    int64_t now = fo_sq_clock();

    return fo_sq_run(impl, err, "create", b->stream_id, NULL,
                     "INSERT INTO broadcast (" BC_COLS ") VALUES "
                     "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,0,'')",
                     "sssssssissiiiiiisi", b->app, b->stream_id, b->name,
                     b->status, b->type, b->publish_type, b->origin_address,
                     (int64_t) b->origin_http_port, b->origin_node,
                     b->session_id, now, b->start_time, now,
                     b->hls_viewer_count, b->dash_viewer_count, b->bitrate,
                     b->extra, (int64_t) (b->auto_created != 0));
}

fo_status fo_sq_broadcast_get(void *impl, const char *app,
                              const char *stream_id, fo_broadcast *out,
                              fo_error *err)
{
    sq *q = impl;
    sqlite3_stmt *st;
    int rc = fo_sq_prep(q, &st, "SELECT " BC_COLS " FROM broadcast "
                        "WHERE app = ? AND stream_id = ?", "ss", app,
                        stream_id);

    if (rc != SQLITE_OK) {
        return fo_sq_fail(q, err, "get", stream_id);
    }
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        fo_sq_read_broadcast(st, out);
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW) {
        return FO_OK;
    }
    return rc == SQLITE_DONE ? FO_NOT_FOUND
                             : fo_sq_fail(q, err, "get", stream_id);
}

fo_status fo_sq_broadcast_update(void *impl, const fo_broadcast *b,
                                 unsigned mask, fo_error *err)
{
    int changes = 0;
    int64_t all = (int64_t) mask;
    fo_status rc;

    /* One statement for every mask: each column keeps its value unless its
     * bit is set. */
    rc = fo_sq_run(impl, err, "update", b->stream_id, &changes,
                   "UPDATE broadcast SET "
                   "name = CASE WHEN ?1 & 1 THEN ?2 ELSE name END, "
                   "status = CASE WHEN ?1 & 2 THEN ?3 ELSE status END, "
                   "type = CASE WHEN ?1 & 4 THEN ?4 ELSE type END, "
                   "publish_type = CASE WHEN ?1 & 8 THEN ?5 "
                   "ELSE publish_type END, "
                   "bitrate = CASE WHEN ?1 & 16 THEN ?6 ELSE bitrate END, "
                   "hls_viewer_count = CASE WHEN ?1 & 32 THEN ?7 "
                   "ELSE hls_viewer_count END, "
                   "dash_viewer_count = CASE WHEN ?1 & 32 THEN ?8 "
                   "ELSE dash_viewer_count END, "
                   "extra = CASE WHEN ?1 & 64 THEN ?9 ELSE extra END, "
                   "update_time = ?10 WHERE app = ?11 AND stream_id = ?12",
                   "issssiiisiss", all, b->name, b->status, b->type,
                   b->publish_type, b->bitrate, b->hls_viewer_count,
                   b->dash_viewer_count, b->extra, fo_sq_clock(), b->app,
                   b->stream_id);
    return rc == FO_OK && changes == 0 ? FO_NOT_FOUND : rc;
}

fo_status fo_sq_broadcast_delete(void *impl, const char *app,
                                 const char *stream_id, fo_error *err)
{
    sq *q = impl;
    int changes = 0;
    fo_status rc;

    rc = fo_sq_begin(q, err, "delete", stream_id);
    if (rc != FO_OK) {
        return rc;
    }
    rc = fo_sq_run(q, err, "delete", stream_id, &changes,
                   "DELETE FROM broadcast WHERE app = ? AND stream_id = ?",
                   "ss", app, stream_id);
    if (rc == FO_OK) {
        rc = fo_sq_run(q, err, "delete", stream_id, NULL,
                       "DELETE FROM viewer_report "
                       "WHERE app = ? AND stream_id = ?", "ss", app,
                       stream_id);
    }
    if (rc == FO_OK) {
        rc = fo_sq_run(q, err, "delete", stream_id, NULL,
                       "DELETE FROM publish_session "
                       "WHERE app = ? AND stream_id = ?", "ss", app,
                       stream_id);
    }
    rc = fo_sq_end(q, err, rc, "delete", stream_id);
    return rc == FO_OK && changes == 0 ? FO_NOT_FOUND : rc;
}

/* The search filter shared by list and count: ?1 is the search text, ""
 * for all.  lower() and instr() are ASCII and byte-wise, like
 * fo_broadcast_matches(). */
#define SEARCH_WHERE                                                      \
    "app = ?2 AND (?1 = '' OR instr(lower(name), lower(?1)) > 0 "         \
    "OR instr(lower(stream_id), lower(?1)) > 0)"

fo_status fo_sq_broadcast_list(void *impl, const char *app,
                               const fo_list_query *lq,
                               size_t offset, fo_broadcast *out,
                               size_t cap, size_t *n, fo_error *err)
{
    static const char *const keys[] = { "stream_id", "name", "date",
                                        "status" };
    sq *q = impl;
    sqlite3_stmt *st;
    char sql[512];
    int rc;

    snprintf(sql, sizeof(sql),
             "SELECT " BC_COLS " FROM broadcast WHERE " SEARCH_WHERE
             " ORDER BY %s %s, stream_id LIMIT ?3 OFFSET ?4",
             keys[lq->sort_by], lq->descending ? "DESC" : "ASC");
    rc = fo_sq_prep(q, &st, sql, "ssii", lq->search ? lq->search : "", app,
                    (int64_t) cap, (int64_t) offset);
    if (rc != SQLITE_OK) {
        return fo_sq_fail(q, err, "list", app);
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < cap) {
        fo_sq_read_broadcast(st, &out[(*n)++]);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW
               ? FO_OK : fo_sq_fail(q, err, "list", app);
}

fo_status fo_sq_broadcast_count(void *impl, const char *app,
                                const char *search, int64_t *count,
                                fo_error *err)
{
    if (search == NULL || search[0] == '\0') {
        /* the primary key's index, within the app: the cap's count */
        return fo_sq_scalar(impl, err, "count", app, count,
                            "SELECT count(*) FROM broadcast WHERE app = ?",
                            "s", app, NULL);
    }
    return fo_sq_scalar(impl, err, "count", app, count,
                        "SELECT count(*) FROM broadcast WHERE " SEARCH_WHERE,
                        "ss", search, app);
}

fo_status fo_sq_broadcast_count_active(void *impl, const char *app,
                                       int64_t *count, fo_error *err)
{
    return fo_sq_scalar(impl, err, "count active", app, count,
                        "SELECT count(*) FROM broadcast WHERE app = ? "
                        "AND status = 'broadcasting'", "s", app, NULL);
}

/* ---- viewers ------------------------------------------------------------ */

fo_status fo_sq_viewers_report(void *impl, const char *node_id,
                               const char *app, const char *stream_id,
                               int64_t hls, int64_t dash, fo_error *err)
{
    sq *q = impl;
    int64_t now = fo_sq_clock();
    int changes = 0;
    fo_status rc;

    rc = fo_sq_begin(q, err, "viewers", stream_id);
    if (rc != FO_OK) {
        return rc;
    }
    rc = fo_sq_run(q, err, "viewers", stream_id, NULL,
                   "INSERT INTO viewer_report (app, stream_id, node_id, hls, "
                   "dash, updated) SELECT ?1, ?2, ?3, ?4, ?5, ?6 "
                   "WHERE EXISTS (SELECT 1 "
                   "FROM broadcast WHERE app = ?1 AND stream_id = ?2) "
                   "ON CONFLICT (app, stream_id, node_id) DO UPDATE SET "
                   "hls = excluded.hls, dash = excluded.dash, "
                   "updated = excluded.updated", "sssiii", app, stream_id,
                   node_id, hls, dash, now);
    if (rc == FO_OK) {
        rc = fo_sq_run(q, err, "viewers", stream_id, &changes,
                       "UPDATE broadcast SET "
                       "hls_viewer_count = (SELECT coalesce(sum(hls), 0) FROM "
                       "viewer_report v WHERE v.app = ?1 AND v.stream_id = ?2 "
                       "AND v.updated >= ?3), "
                       "dash_viewer_count = (SELECT coalesce(sum(dash), 0) "
                       "FROM viewer_report v WHERE v.app = ?1 "
                       "AND v.stream_id = ?2 AND v.updated >= ?3) "
                       "WHERE app = ?1 AND stream_id = ?2",
                       "ssi", app, stream_id, now - q->conf.dead_after_ms);
    }
    rc = fo_sq_end(q, err, rc, "viewers", stream_id);
    return rc == FO_OK && changes == 0 ? FO_NOT_FOUND : rc;
}
