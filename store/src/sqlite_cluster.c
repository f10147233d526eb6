/*
 * sqlite_cluster.c — the sqlite:// backend's leases and alerts (tables
 * lease and alert, sql/schema.sql migration 4).
 */
#include <sqlite3.h>
#include <string.h>

#include "backend.h"
#include "sqlite_rows.h"

#define ALERT_COLS                                                        \
    "id, rule, subject, value, threshold, started_ms, ended_ms, message"

/* One upsert whose update runs only when the lease is free, expired or
 * the caller's: SQLite runs it under the write lock, so of two callers
 * at most one changes a row another holds. */
fo_status fo_sq_lease_acquire(void *impl, const char *name,
                              const char *holder, int64_t ttl_ms, int *held,
                              fo_error *err)
{
    sq *q = impl;
    int64_t now = fo_sq_clock();
    int changes = 0;
    fo_status rc;

    rc = fo_sq_run(q, err, "lease acquire", name, &changes,
                   "INSERT INTO lease (name, holder, expires_ms) "
                   "VALUES (?1, ?2, ?3) ON CONFLICT (name) DO UPDATE SET "
                   "holder = excluded.holder, expires_ms = "
                   "excluded.expires_ms WHERE lease.holder = excluded.holder "
                   "OR lease.expires_ms <= ?4", "ssii", name, holder,
                   now + ttl_ms, now);
    *held = rc == FO_OK && changes == 1;
    return rc;
}

fo_status fo_sq_lease_release(void *impl, const char *name,
                              const char *holder, fo_error *err)
{
    int changes = 0;
    fo_status rc = fo_sq_run(impl, err, "lease release", name, &changes,
                             "DELETE FROM lease WHERE name = ? AND holder = ?",
                             "ss", name, holder);

    return rc == FO_OK && changes == 0 ? FO_NOT_FOUND : rc;
}

fo_status fo_sq_alert_put(void *impl, const fo_alert *a, fo_error *err)
{
    sq *q = impl;
    fo_status rc = fo_sq_begin(q, err, "alert put", a->id);

    if (rc == FO_OK) {
        rc = fo_sq_run(q, err, "alert put", a->id, NULL,
                       "INSERT OR REPLACE INTO alert (" ALERT_COLS ") "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", "sssddiis", a->id,
                       a->rule, a->subject, a->value, a->threshold,
                       a->started_ms, a->ended_ms, a->message);
    }
    if (rc == FO_OK && a->ended_ms != 0) {
        rc = fo_sq_run(q, err, "alert put", a->id, NULL,
                       "DELETE FROM alert WHERE ended_ms != 0 AND id NOT IN "
                       "(SELECT id FROM alert WHERE ended_ms != 0 ORDER BY "
                       "ended_ms DESC, id DESC LIMIT ?)", "i",
                       (int64_t) FO_ALERT_KEEP);
    }
    return fo_sq_end(q, err, rc, "alert put", a->id);
}

static void read_alert(sqlite3_stmt *st, fo_alert *a)
{
    memset(a, 0, sizeof(*a));
    fo_sq_col_text(st, 0, a->id, sizeof(a->id));
    fo_sq_col_text(st, 1, a->rule, sizeof(a->rule));
    fo_sq_col_text(st, 2, a->subject, sizeof(a->subject));
    a->value = sqlite3_column_double(st, 3);
    a->threshold = sqlite3_column_double(st, 4);
    a->started_ms = sqlite3_column_int64(st, 5);
    a->ended_ms = sqlite3_column_int64(st, 6);
    fo_sq_col_text(st, 7, a->message, sizeof(a->message));
}

fo_status fo_sq_alert_list(void *impl, int ended, fo_alert *out, size_t cap,
                           size_t *n, fo_error *err)
{
    sq *q = impl;
    sqlite3_stmt *st;
    int rc = fo_sq_prep(q, &st, ended
                        ? "SELECT " ALERT_COLS " FROM alert WHERE ended_ms "
                          "!= 0 ORDER BY ended_ms DESC, id DESC LIMIT ?"
                        : "SELECT " ALERT_COLS " FROM alert WHERE ended_ms "
                          "= 0 ORDER BY started_ms, id LIMIT ?", "i",
                        (int64_t) cap);

    if (rc != SQLITE_OK) {
        return fo_sq_fail(q, err, "alert list", ended ? "ended" : "active");
    }
    while (*n < cap && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        read_alert(st, &out[(*n)++]);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW || rc == SQLITE_OK
               ? FO_OK
               : fo_sq_fail(q, err, "alert list", ended ? "ended" : "active");
}
