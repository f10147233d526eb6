/*
 * sqlite_retention.c — the sqlite:// backend's expiry of auto-created
 * broadcasts (fo_broadcast_expire_auto): one write transaction deletes
 * the oldest qualifying broadcasts, at most max, with their viewer rows
 * and history.  The candidates come from the partial index
 * broadcast_auto_finished (sql/schema.sql, migration 4); the subquery is
 * the same in the three statements, and the transaction holds the write
 * lock, so all three see the same rows.
 */
#include <sqlite3.h>
#include <stdio.h>

#include "backend.h"
#include "sqlite_rows.h"

/* ?1 the cutoff (update_time <= it), ?2 max.  Ordered, so that the three
 * statements pick the same rows. */
#define EXPIRED                                                           \
    "SELECT app, stream_id FROM broadcast WHERE auto_created = 1 "        \
    "AND status = 'finished' AND update_time <= ?1 "                      \
    "ORDER BY update_time, app, stream_id LIMIT ?2"

fo_status fo_sq_broadcast_expire_auto(void *impl, int64_t retention_ms,
                                      size_t max, int64_t *deleted,
                                      fo_error *err)
{
    sq *q = impl;
    int64_t cutoff = fo_sq_clock() - retention_ms;
    int changes = 0;
    fo_status rc;

    rc = fo_sq_begin(q, err, "expire auto", "broadcasts");
    if (rc != FO_OK) {
        return rc;
    }
    rc = fo_sq_run(q, err, "expire auto", "viewers", NULL,
                   "DELETE FROM viewer_report WHERE (app, stream_id) IN ("
                   EXPIRED ")", "ii", cutoff, (int64_t) max);
    if (rc == FO_OK) {
        rc = fo_sq_run(q, err, "expire auto", "history", NULL,
                       "DELETE FROM publish_session WHERE (app, stream_id) "
                       "IN (" EXPIRED ")", "ii", cutoff, (int64_t) max);
    }
    if (rc == FO_OK) {
        rc = fo_sq_run(q, err, "expire auto", "broadcasts", &changes,
                       "DELETE FROM broadcast WHERE (app, stream_id) IN ("
                       EXPIRED ")", "ii", cutoff, (int64_t) max);
    }
    rc = fo_sq_end(q, err, rc, "expire auto", "broadcasts");
    *deleted = rc == FO_OK ? changes : 0;
    return rc;
}
