/*
 * sqlite_users.c — the sqlite:// backend's console users (table
 * console_user, sql/schema.sql).  Messages name the user, never the hash.
 */
#include <sqlite3.h>
#include <string.h>

#include "backend.h"
#include "sqlite_rows.h"

fo_status fo_sq_user_create(void *impl, const fo_user *u, fo_error *err)
{
    return fo_sq_run(impl, err, "user create", u->email, NULL,
                     "INSERT INTO console_user (email, password_hash, "
                     "user_type, created_ms, revoked_ms) "
                     "VALUES (?, ?, ?, ?, 0)", "sssi", u->email,
                     u->password_hash, u->user_type, fo_sq_clock());
}

fo_status fo_sq_user_get(void *impl, const char *email, fo_user *out,
                         fo_error *err)
{
    sq *q = impl;
    sqlite3_stmt *st;
    fo_status s = FO_OK;
    int rc = fo_sq_prep(q, &st, "SELECT password_hash, user_type, "
                        "created_ms, revoked_ms FROM console_user "
                        "WHERE email = ?", "s", email);

    if (rc != SQLITE_OK) {
        return fo_sq_fail(q, err, "user get", email);
    }
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *h = (const char *) sqlite3_column_text(st, 0);
        const char *t = (const char *) sqlite3_column_text(st, 1);

        memset(out, 0, sizeof *out);
        fo_strlcpy(out->email, email, sizeof out->email);
        fo_strlcpy(out->password_hash, h ? h : "", sizeof out->password_hash);
        fo_strlcpy(out->user_type, t ? t : "", sizeof out->user_type);
        out->created_ms = sqlite3_column_int64(st, 2);
        out->revoked_ms = sqlite3_column_int64(st, 3);
    } else if (rc == SQLITE_DONE) {
        s = FO_NOT_FOUND;
    } else {
        s = fo_sq_fail(q, err, "user get", email);
    }
    sqlite3_finalize(st);
    return s;
}

fo_status fo_sq_user_count(void *impl, int64_t *count, fo_error *err)
{
    return fo_sq_scalar(impl, err, "user count", "", count,
                        "SELECT count(*) FROM console_user", "", NULL, NULL);
}

fo_status fo_sq_user_revoke(void *impl, const char *email, int64_t *at_ms,
                            fo_error *err)
{
    int changes = 0;
    int64_t now = fo_sq_clock();
    fo_status rc = fo_sq_run(impl, err, "user revoke", email, &changes,
                             "UPDATE console_user SET revoked_ms = ? "
                             "WHERE email = ?", "is", now, email);

    if (rc == FO_OK && changes == 0) {
        return FO_NOT_FOUND;
    }
    *at_ms = now;
    return rc;
}

/* ---- failed logins (table login_failure) ------------------------------ */

/* The open window of key at now: its count and the ms left (0, 0 when
 * none). */
static fo_status window_of(sq *q, fo_error *err, const char *op,
                           const char *key, int64_t now, int64_t *failures,
                           int64_t *retry_ms)
{
    sqlite3_stmt *st;
    int rc = fo_sq_prep(q, &st, "SELECT failures, window_end FROM "
                        "login_failure WHERE key = ? AND window_end > ?",
                        "si", key, now);

    if (rc != SQLITE_OK) {
        return fo_sq_fail(q, err, op, key);
    }
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *failures = sqlite3_column_int64(st, 0);
        *retry_ms = sqlite3_column_int64(st, 1) - now;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? FO_OK
                                                 : fo_sq_fail(q, err, op, key);
}

/* One upsert counts in the open window or opens a new one (the CASEs
 * read the row as it was), then ended windows go. */
fo_status fo_sq_login_failure_add(void *impl, const char *key,
                                  int64_t window_ms, int64_t *failures,
                                  int64_t *retry_ms, fo_error *err)
{
    sq *q = impl;
    int64_t now = fo_sq_clock();
    fo_status rc = fo_sq_begin(q, err, "login failure add", key);

    if (rc == FO_OK) {
        rc = fo_sq_run(q, err, "login failure add", key, NULL,
                       "INSERT INTO login_failure (key, failures, "
                       "window_end) VALUES (?1, 1, ?2 + ?3) "
                       "ON CONFLICT (key) DO UPDATE SET failures = CASE "
                       "WHEN window_end > ?2 THEN failures + 1 ELSE 1 END, "
                       "window_end = CASE WHEN window_end > ?2 THEN "
                       "window_end ELSE ?2 + ?3 END", "sii", key, now,
                       window_ms);
    }
    if (rc == FO_OK) {
        rc = fo_sq_run(q, err, "login failure add", key, NULL,
                       "DELETE FROM login_failure WHERE window_end <= ?",
                       "i", now);
    }
    if (rc == FO_OK) {
        rc = window_of(q, err, "login failure add", key, now, failures,
                       retry_ms);
    }
    return fo_sq_end(q, err, rc, "login failure add", key);
}

fo_status fo_sq_login_failures_get(void *impl, const char *key,
                                   int64_t *failures, int64_t *retry_ms,
                                   fo_error *err)
{
    return window_of(impl, err, "login failures get", key, fo_sq_clock(),
                     failures, retry_ms);
}

fo_status fo_sq_login_failures_clear(void *impl, const char *key,
                                     fo_error *err)
{
    return fo_sq_run(impl, err, "login failures clear", key, NULL,
                     "DELETE FROM login_failure WHERE key = ?", "s", key);
}
