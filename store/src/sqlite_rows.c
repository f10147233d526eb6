/*
 * sqlite_rows.c — statements and rows for the sqlite:// backend (see
 * sqlite_rows.h).
 */
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "backend.h"
#include "sqlite_rows.h"

int64_t fo_sq_clock(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

fo_status fo_sq_fail(sq *q, fo_error *err, const char *op, const char *arg)
{
    int code = sqlite3_errcode(q->db);

    return fo_err(err, FO_ERR, "sqlite: %s %s: %s%s (%s)", op, arg,
                  sqlite3_errmsg(q->db),
                  code == SQLITE_BUSY ? " after busy timeout" : "", q->path);
}

/* Prepares sql and binds arguments described by types: 's' text, 'i'
 * int64_t, 'd' double.  Returns an SQLite result code. */
static int vprep(sq *q, sqlite3_stmt **st, const char *sql, const char *types,
                 va_list ap)
{
    int rc = sqlite3_prepare_v2(q->db, sql, -1, st, NULL);

    for (int i = 1; rc == SQLITE_OK && types[i - 1] != '\0'; i++) {
        switch (types[i - 1]) {
        case 's':
            rc = sqlite3_bind_text(*st, i, va_arg(ap, const char *), -1,
                                   SQLITE_STATIC);
            break;
        case 'i':
            rc = sqlite3_bind_int64(*st, i, va_arg(ap, int64_t));
            break;
        default:
            rc = sqlite3_bind_double(*st, i, va_arg(ap, double));
            break;
        }
    }
    if (rc != SQLITE_OK) {
        sqlite3_finalize(*st);
        *st = NULL;
    }
    return rc;
}

int fo_sq_prep(sq *q, sqlite3_stmt **st, const char *sql, const char *types,
               ...)
{
    va_list ap;
    int rc;

    va_start(ap, types);
    rc = vprep(q, st, sql, types, ap);
    va_end(ap);
    return rc;
}

void fo_sq_col_text(sqlite3_stmt *st, int i, char *dst, size_t cap)
{
    const unsigned char *t = sqlite3_column_text(st, i);

    fo_strlcpy(dst, t ? (const char *) t : "", cap);
}

int fo_sq_exec(sq *q, const char *sql)
{
    return sqlite3_exec(q->db, sql, NULL, NULL, NULL);
}

fo_status fo_sq_begin(sq *q, fo_error *err, const char *op, const char *arg)
{
    if (fo_sq_exec(q, "BEGIN IMMEDIATE") != SQLITE_OK) {
        return fo_sq_fail(q, err, op, arg);
    }
    return FO_OK;
}

fo_status fo_sq_end(sq *q, fo_error *err, fo_status rc, const char *op,
                    const char *arg)
{
    if (rc == FO_OK && fo_sq_exec(q, "COMMIT") == SQLITE_OK) {
        return FO_OK;
    }
    if (rc == FO_OK) {
        rc = fo_sq_fail(q, err, op, arg);
    }
    fo_sq_exec(q, "ROLLBACK");
    return rc;
}

/* Runs a statement that returns no rows.  *changes (may be NULL) gets the
 * number of rows it changed. */
fo_status fo_sq_run(sq *q, fo_error *err, const char *op, const char *arg,
                    int *changes, const char *sql, const char *types, ...)
{
    sqlite3_stmt *st = NULL;
    va_list ap;
    int rc;

    va_start(ap, types);
    rc = vprep(q, &st, sql, types, ap);
    va_end(ap);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
    }
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        int ext = sqlite3_extended_errcode(q->db);
        fo_status s = ext == SQLITE_CONSTRAINT_PRIMARYKEY
                          ? fo_err(err, FO_CONFLICT, "sqlite: %s %s: exists",
                                   op, arg)
                          : fo_sq_fail(q, err, op, arg);

        sqlite3_finalize(st);
        return s;
    }
    if (changes != NULL) {
        *changes = sqlite3_changes(q->db);
    }
    sqlite3_finalize(st);
    return FO_OK;
}

/* Runs a one-row, one-integer query. */
fo_status fo_sq_scalar(sq *q, fo_error *err, const char *op, const char *arg,
                       int64_t *out, const char *sql, const char *types,
                       const char *a1, const char *a2)
{
    sqlite3_stmt *st;
    int rc = fo_sq_prep(q, &st, sql, types, a1, a2);

    if (rc != SQLITE_OK) {
        return fo_sq_fail(q, err, op, arg);
    }
    rc = sqlite3_step(st);
    *out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? FO_OK : fo_sq_fail(q, err, op, arg);
}

void fo_sq_read_node(sqlite3_stmt *st, int64_t now, int64_t dead_after,
                     fo_node *n)
{
    char role[16];

    memset(n, 0, sizeof(*n));
    fo_sq_col_text(st, 0, n->id, sizeof(n->id));
    fo_sq_col_text(st, 1, n->ip, sizeof(n->ip));
    n->http_port = sqlite3_column_int(st, 2);
    n->rtmp_port = sqlite3_column_int(st, 3);
    fo_sq_col_text(st, 4, role, sizeof(role));
    n->role = fo_role_parse(role);
    fo_sq_col_text(st, 5, n->node_group, sizeof(n->node_group));
    n->cpu = sqlite3_column_double(st, 6);
    n->memory = sqlite3_column_int64(st, 7);
    n->active_streams = sqlite3_column_int(st, 8);
    n->viewers = sqlite3_column_int(st, 9);
    n->db_query_avg_ms = sqlite3_column_double(st, 10);
    n->last_update_ms = sqlite3_column_int64(st, 11);
    n->alive = fo_node_fresh(n->last_update_ms, now, dead_after);
}

void fo_sq_read_broadcast(sqlite3_stmt *st, fo_broadcast *b)
{
    memset(b, 0, sizeof(*b));
    fo_sq_col_text(st, 0, b->app, sizeof(b->app));
    fo_sq_col_text(st, 1, b->stream_id, sizeof(b->stream_id));
    fo_sq_col_text(st, 2, b->name, sizeof(b->name));
    fo_sq_col_text(st, 3, b->status, sizeof(b->status));
    fo_sq_col_text(st, 4, b->type, sizeof(b->type));
    fo_sq_col_text(st, 5, b->publish_type, sizeof(b->publish_type));
    fo_sq_col_text(st, 6, b->origin_address, sizeof(b->origin_address));
    b->origin_http_port = sqlite3_column_int(st, 7);
    fo_sq_col_text(st, 8, b->origin_node, sizeof(b->origin_node));
    fo_sq_col_text(st, 9, b->session_id, sizeof(b->session_id));
    b->date = sqlite3_column_int64(st, 10);
    b->start_time = sqlite3_column_int64(st, 11);
    b->update_time = sqlite3_column_int64(st, 12);
    b->hls_viewer_count = sqlite3_column_int64(st, 13);
    b->dash_viewer_count = sqlite3_column_int64(st, 14);
    b->bitrate = sqlite3_column_int64(st, 15);
    fo_sq_col_text(st, 16, b->extra, sizeof(b->extra));
}
