/*
 * sqlite_rows.h — the sqlite:// backend's statements: binding arguments,
 * running a statement, and reading rows into records.
 *
 * Every function here works on one sq handle, used by one thread at a
 * time (backend.h).  Those returning fo_status fill err on FO_ERR ("sqlite:
 * <op> <arg>: <why> (<path>)") and FO_CONFLICT.
 */
#ifndef FANOUT_STORE_SQLITE_ROWS_H
#define FANOUT_STORE_SQLITE_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "backend.h"

typedef struct {
    sqlite3 *db;
    fo_backend_conf conf;
    char path[1024];
} sq;

/* The operations of the ops table (backend.h), defined in sqlite.c,
 * sqlite_broadcast.c and sqlite_publish.c. */
FO_BACKEND_DECLARE(fo_sq)

/* The clock every record's times come from: this machine's, in ms since
 * the epoch (every process sharing the file reads the same one). */
int64_t fo_sq_clock(void);

/* FO_ERR naming op and arg, with SQLite's last error on q. */
fo_status fo_sq_fail(sq *q, fo_error *err, const char *op, const char *arg);

/* Runs sql (no arguments, no rows wanted); an SQLite result code. */
int fo_sq_exec(sq *q, const char *sql);

/* Starts a write transaction (BEGIN IMMEDIATE: the write lock first,
 * waiting at most the busy timeout); FO_ERR naming op and arg if not. */
fo_status fo_sq_begin(sq *q, fo_error *err, const char *op, const char *arg);

/* Ends the transaction fo_sq_begin started: COMMIT when rc is FO_OK, else
 * ROLLBACK.  Returns rc, or FO_ERR naming op and arg when COMMIT fails
 * (then it rolls back). */
fo_status fo_sq_end(sq *q, fo_error *err, fo_status rc, const char *op,
                    const char *arg);

/* Prepares sql and binds the arguments that follow, described by types:
 * 's' text (not copied: it must outlive *st), 'i' int64_t, 'd' double.
 * Returns an SQLite result code; on failure *st is NULL. */
int fo_sq_prep(sq *q, sqlite3_stmt **st, const char *sql, const char *types,
               ...);

/* Runs a statement that returns no rows, its arguments bound as by
 * fo_sq_prep.  *changes (may be NULL) gets the number of rows it changed.
 * A primary-key violation is FO_CONFLICT ("exists"). */
fo_status fo_sq_run(sq *q, fo_error *err, const char *op, const char *arg,
                    int *changes, const char *sql, const char *types, ...);

/* Runs a one-row, one-integer query with up to two text arguments. */
fo_status fo_sq_scalar(sq *q, fo_error *err, const char *op, const char *arg,
                       int64_t *out, const char *sql, const char *types,
                       const char *a1, const char *a2);

/* A session-conditional write changed nothing: FO_NOT_FOUND when the
 * broadcast is missing, else FO_CONFLICT ("session ... does not own it"). */
fo_status fo_sq_not_owned(sq *q, fo_error *err, const char *op,
                          const char *app, const char *stream_id,
                          const char *session_id);

/* Column i of the current row as text into dst[cap]; NULL reads as "". */
void fo_sq_col_text(sqlite3_stmt *st, int i, char *dst, size_t cap);

/* The columns fo_sq_read_node reads, in its order. */
#define NODE_COLS                                                         \
    "id, ip, http_port, rtmp_port, role, node_group, cpu, process_rss, "  \
    "active_streams, viewers, db_query_avg_ms, last_update_time, "        \
    "mem_percent, process_cpu, load1, repl_lag_ms, origin_ok_ms, "        \
    "origin_fail_ms, egress_bps"

/* Fills n from a row of NODE_COLS; alive when now - last update is at
 * most dead_after. */
void fo_sq_read_node(sqlite3_stmt *st, int64_t now, int64_t dead_after,
                     fo_node *n);

/* The columns fo_sq_read_broadcast reads, in its order. */
#define BC_COLS                                                           \
    "app, stream_id, name, status, type, publish_type, origin_address, "  \
    "origin_http_port, origin_node, session_id, date, start_time, "       \
    "update_time, hls_viewer_count, dash_viewer_count, bitrate, extra, "   \
    "auto_created, speed, renditions"

/* Fills b from a row of BC_COLS. */
void fo_sq_read_broadcast(sqlite3_stmt *st, fo_broadcast *b);

/* The columns fo_sq_read_progress reads, in its order. */
#define PROGRESS_COLS                                                     \
    "hls_sequence, hls_discontinuity, dash_start_ms, dash_period, "       \
    "dash_period_start_ms, dash_end_ms, dash_number, progress_time, "     \
    "bitrate, speed, renditions"

void fo_sq_read_progress(sqlite3_stmt *st, fo_progress *p);

/* The columns fo_sq_read_session reads, in its order. */
#define SESSION_COLS                                                      \
    "app, stream_id, session_id, node_id, origin_address, "               \
    "origin_http_port, start_time, end_time, end_reason"

void fo_sq_read_session(sqlite3_stmt *st, fo_session *s);

/* ---- the history, inside the caller's transaction (sqlite_history.c) --- */

/* Appends c's session to its stream's history, started at now, and drops
 * the sessions older than the last FO_HISTORY_KEEP. */
fo_status fo_sq_session_start(sq *q, fo_error *err, const fo_claim *c,
                              int64_t now);

/* Ends the live entry of session (if any: at most once) with reason;
 * with session NULL, every live entry of the stream. */
fo_status fo_sq_session_end(sq *q, fo_error *err, const char *op,
                            const char *app, const char *stream_id,
                            const char *session, int64_t now,
                            const char *reason);

#endif /* FANOUT_STORE_SQLITE_ROWS_H */
