/*
 * sqlite_rows.c — statements and rows for the sqlite:// backend (see
 * sqlite_rows.h).
 */
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
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

fo_status fo_sq_not_owned(sq *q, fo_error *err, const char *op,
                          const char *app, const char *stream_id,
                          const char *session_id)
{
    int64_t exists = 0;
    fo_status rc = fo_sq_scalar(q, err, op, stream_id, &exists,
                                "SELECT count(*) FROM broadcast WHERE app = ? "
                                "AND stream_id = ?", "ss", app, stream_id);

    if (rc != FO_OK) {
        return rc;
    }
    if (!exists) {
        return FO_NOT_FOUND;
    }
    return fo_err(err, FO_CONFLICT, "sqlite: %s %s/%s: session %s does not "
                  "own it", op, app, stream_id, session_id);
}

/* A column of NODE_COLS or BC_COLS, in order, and the member it fills:
 * text into a char array of size bytes, an integer of size bytes, a
 * double, or a role. */
typedef struct {
    char type;
    size_t off, size;
} sq_col;

#define COL(t, T, f) { t, offsetof(T, f), sizeof(((T *) 0)->f) }

/* 'i' columns of 4 bytes are int or int32_t members, written as one. */
_Static_assert(sizeof(int) == sizeof(int32_t), "int is 32 bits");

static const sq_col node_cols[] = {
    COL('t', fo_node, id), COL('t', fo_node, ip),
    COL('i', fo_node, http_port), COL('i', fo_node, rtmp_port),
    COL('r', fo_node, role), COL('t', fo_node, node_group),
    COL('d', fo_node, cpu), COL('i', fo_node, process_rss),
    COL('i', fo_node, active_streams), COL('i', fo_node, viewers),
    COL('d', fo_node, db_query_avg_ms), COL('i', fo_node, last_update_ms),
    COL('d', fo_node, mem_percent), COL('d', fo_node, process_cpu),
    COL('d', fo_node, load1), COL('d', fo_node, repl_lag_ms),
    COL('i', fo_node, origin_ok_ms), COL('i', fo_node, origin_fail_ms),
    COL('i', fo_node, egress_bps),
};

static const sq_col bc_cols[] = {
    COL('t', fo_broadcast, app), COL('t', fo_broadcast, stream_id),
    COL('t', fo_broadcast, name), COL('t', fo_broadcast, status),
    COL('t', fo_broadcast, type), COL('t', fo_broadcast, publish_type),
    COL('t', fo_broadcast, origin_address),
    COL('i', fo_broadcast, origin_http_port),
    COL('t', fo_broadcast, origin_node), COL('t', fo_broadcast, session_id),
    COL('i', fo_broadcast, date), COL('i', fo_broadcast, start_time),
    COL('i', fo_broadcast, update_time),
    COL('i', fo_broadcast, hls_viewer_count),
    COL('i', fo_broadcast, dash_viewer_count),
    COL('i', fo_broadcast, bitrate), COL('t', fo_broadcast, extra),
    COL('i', fo_broadcast, auto_created), COL('d', fo_broadcast, speed),
    COL('t', fo_broadcast, renditions),
};

static const sq_col progress_cols[] = {
    COL('i', fo_progress, hls_sequence),
    COL('i', fo_progress, hls_discontinuity),
    COL('i', fo_progress, dash_start_ms), COL('i', fo_progress, dash_period),
    COL('i', fo_progress, dash_period_start_ms),
    COL('i', fo_progress, dash_end_ms), COL('i', fo_progress, dash_number),
    COL('i', fo_progress, written_ms), COL('i', fo_progress, bitrate),
    COL('d', fo_progress, speed), COL('t', fo_progress, renditions),
};

static const sq_col session_cols[] = {
    COL('t', fo_session, app), COL('t', fo_session, stream_id),
    COL('t', fo_session, session_id), COL('t', fo_session, node_id),
    COL('t', fo_session, origin_address),
    COL('i', fo_session, origin_http_port),
    COL('i', fo_session, start_time), COL('i', fo_session, end_time),
    COL('t', fo_session, end_reason),
};

/* Fills rec (zeroed first, size bytes) from the current row, column i
 * into cols[i]. */
static void read_row(sqlite3_stmt *st, const sq_col *cols, size_t n,
                     void *rec, size_t size)
{
    char role[16];

    memset(rec, 0, size);
    for (size_t i = 0; i < n; i++) {
        char *p = (char *) rec + cols[i].off;

        switch (cols[i].type) {
        case 't':
            fo_sq_col_text(st, (int) i, p, cols[i].size);
            break;
        case 'r':
            fo_sq_col_text(st, (int) i, role, sizeof(role));
            *(fo_role *) p = fo_role_parse(role);
            break;
        case 'd':
            *(double *) p = sqlite3_column_double(st, (int) i);
            break;
        default:
            if (cols[i].size == sizeof(int64_t)) {
                *(int64_t *) p = sqlite3_column_int64(st, (int) i);
            } else {
                *(int32_t *) p = sqlite3_column_int(st, (int) i);
            }
            break;
        }
    }
}

void fo_sq_read_node(sqlite3_stmt *st, int64_t now, int64_t dead_after,
                     fo_node *n)
{
    read_row(st, node_cols, sizeof(node_cols) / sizeof(node_cols[0]), n,
             sizeof(*n));
    n->alive = fo_node_fresh(n->last_update_ms, now, dead_after);
}

void fo_sq_read_broadcast(sqlite3_stmt *st, fo_broadcast *b)
{
    read_row(st, bc_cols, sizeof(bc_cols) / sizeof(bc_cols[0]), b,
             sizeof(*b));
}

void fo_sq_read_progress(sqlite3_stmt *st, fo_progress *p)
{
    read_row(st, progress_cols,
             sizeof(progress_cols) / sizeof(progress_cols[0]), p, sizeof(*p));
}

void fo_sq_read_session(sqlite3_stmt *st, fo_session *s)
{
    read_row(st, session_cols, sizeof(session_cols) / sizeof(session_cols[0]),
             s, sizeof(*s));
}
