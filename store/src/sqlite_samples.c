/*
 * sqlite_samples.c — the sqlite:// backend's node samples (table
 * node_sample, sql/schema.sql migration 8).
 */
#include <sqlite3.h>

#include "backend.h"
#include "sqlite_rows.h"

/* One transaction: the insert only while the node exists, then the trim
 * of every node's old samples (the time index makes it a range delete). */
fo_status fo_sq_node_sample_put(void *impl, const fo_node_sample *v,
                                int64_t keep_ms, fo_error *err)
{
    sq *q = impl;
    int64_t now = fo_sq_clock();
    int changes = 0;
    fo_status rc = fo_sq_begin(q, err, "node sample put", v->node_id);

    if (rc != FO_OK) {
        return rc;
    }
    rc = fo_sq_run(q, err, "node sample put", v->node_id, &changes,
                   "INSERT OR REPLACE INTO node_sample (node_id, time_ms, "
                   "cpu, mem_percent, viewers, db_query_avg_ms) "
                   "SELECT id, ?, ?, ?, ?, ? FROM cluster_node WHERE id = ?",
                   "iddids", now, v->cpu, v->mem_percent,
                   (int64_t) v->viewers, v->db_query_avg_ms, v->node_id);
    if (rc == FO_OK && changes == 0) {
        rc = fo_err(err, FO_NOT_FOUND, "sqlite: node sample put %s: no such "
                    "node", v->node_id);
    }
    if (rc == FO_OK) {
        rc = fo_sq_run(q, err, "node sample trim", v->node_id, NULL,
                       "DELETE FROM node_sample WHERE time_ms < ?", "i",
                       now - keep_ms);
    }
    return fo_sq_end(q, err, rc, "node sample put", v->node_id);
}

#define SAMPLE_COLS                                                       \
    "node_id, time_ms, cpu, mem_percent, viewers, db_query_avg_ms"

fo_status fo_sq_node_samples(void *impl, const char *node_id,
                             int64_t since_ms, fo_node_sample *out,
                             size_t cap, size_t *n, fo_error *err)
{
    sq *q = impl;
    sqlite3_stmt *st;
    const char *arg = node_id != NULL ? node_id : "*";
    int rc = node_id != NULL
                 ? fo_sq_prep(q, &st, "SELECT " SAMPLE_COLS " FROM node_sample "
                              "WHERE node_id = ? AND time_ms >= ? "
                              "ORDER BY time_ms LIMIT ?", "sii", node_id,
                              since_ms, (int64_t) cap)
                 : fo_sq_prep(q, &st, "SELECT " SAMPLE_COLS " FROM node_sample "
                              "WHERE time_ms >= ? ORDER BY node_id, time_ms "
                              "LIMIT ?", "ii", since_ms, (int64_t) cap);

    if (rc != SQLITE_OK) {
        return fo_sq_fail(q, err, "node samples", arg);
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < cap) {
        fo_node_sample *v = &out[(*n)++];

        fo_sq_col_text(st, 0, v->node_id, sizeof v->node_id);
        v->time_ms = sqlite3_column_int64(st, 1);
        v->cpu = sqlite3_column_double(st, 2);
        v->mem_percent = sqlite3_column_double(st, 3);
        v->viewers = (int32_t) sqlite3_column_int64(st, 4);
        v->db_query_avg_ms = sqlite3_column_double(st, 5);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW
               ? FO_OK
               : fo_sq_fail(q, err, "node samples", arg);
}
