/*
 * sqlite.c — the embedded backend: one database file shared by every
 * process on the machine.  WAL lets readers run beside the one writer;
 * the busy timeout bounds every wait for the write lock; multi-statement
 * operations run in BEGIN IMMEDIATE transactions, which is what makes
 * claim a compare-and-set across processes.
 *
 * This file holds the schema, opening, nodes, app settings, one-time
 * tokens, VoD and the ops table; broadcasts and their viewers are in
 * sqlite_broadcast.c, claim, release, lookup and reap in sqlite_publish.c,
 * binding arguments and reading rows in sqlite_rows.c.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "sqlite_rows.h"

extern const char fo_schema_sql[];      /* sql/schema.sql, embedded */

/* ---- open, schema ------------------------------------------------------ */

static int user_version(sq *q, int *v)
{
    sqlite3_stmt *st;
    int rc = fo_sq_prep(q, &st, "PRAGMA user_version", "");

    if (rc != SQLITE_OK) {
        return rc;
    }
    rc = sqlite3_step(st);
    *v = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? SQLITE_OK : rc;
}

/* Applies migration section n unless the database has it, in one
 * transaction: the version is re-read under the write lock, so several
 * processes may open a new file at once. */
static fo_status migrate_one(sq *q, const char *section, int n,
                             fo_error *err)
{
    char pragma[64];
    int v = 0;
    fo_status rc = fo_sq_begin(q, err, "migrate", "begin");

    if (rc != FO_OK) {
        return rc;
    }
    if (user_version(q, &v) != SQLITE_OK
        || (v < n && fo_sq_exec(q, section) != SQLITE_OK))
    {
        rc = fo_sq_fail(q, err, "migrate to", "schema");
    } else if (v < n) {
        snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", n);
        if (fo_sq_exec(q, pragma) != SQLITE_OK) {
            rc = fo_sq_fail(q, err, "migrate", "version");
        }
    }
    return fo_sq_end(q, err, rc, "migrate", "commit");
}

/* Applies each "-- migration N" section of the schema with N > the
 * database's user_version. */
static fo_status migrate(sq *q, fo_error *err)
{
    static const char marker[] = "-- migration ";
    const char *p = strstr(fo_schema_sql, marker);
    fo_status rc = FO_OK;

    while (p != NULL && rc == FO_OK) {
        const char *next = strstr(p + 1, marker);
        char *section = next ? strndup(p, (size_t) (next - p)) : strdup(p);

        if (section == NULL) {
            return fo_err(err, FO_ERR, "sqlite: migrate: out of memory");
        }
        rc = migrate_one(q, section, atoi(p + sizeof(marker) - 1), err);
        free(section);
        p = next;
    }
    return rc;
}

void fo_sq_close(void *impl)
{
    sq *q = impl;

    if (q != NULL) {
        sqlite3_close(q->db);
        free(q);
    }
}

fo_status fo_sq_open(const fo_uri *uri, const fo_backend_conf *conf,
                     void **impl, fo_error *err)
{
    sq *q = calloc(1, sizeof(*q));
    fo_status rc;

    if (q == NULL) {
        return fo_err(err, FO_ERR, "sqlite: out of memory");
    }
    q->conf = *conf;
    fo_strlcpy(q->path, uri->path, sizeof(q->path));
    /* The generic layer serialises calls, so the connection needs no mutex
     * of its own. */
    if (sqlite3_open_v2(q->path, &q->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                            | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK)
    {
        rc = fo_err(err, FO_ERR, "sqlite: open %s: %s", q->path,
                    q->db ? sqlite3_errmsg(q->db) : "out of memory");
        fo_sq_close(q);
        return rc;
    }
    sqlite3_busy_timeout(q->db, conf->timeout_ms);
    if (fo_sq_exec(q, "PRAGMA journal_mode = WAL") != SQLITE_OK
        || fo_sq_exec(q, "PRAGMA synchronous = NORMAL") != SQLITE_OK)
    {
        rc = fo_sq_fail(q, err, "open", "pragma");
        fo_sq_close(q);
        return rc;
    }
    rc = migrate(q, err);
    if (rc != FO_OK) {
        fo_sq_close(q);
        return rc;
    }
    *impl = q;
    return FO_OK;
}

fo_status fo_sq_now(void *impl, int64_t *now_ms, fo_error *err)
{
    (void) impl;
    (void) err;
    *now_ms = fo_sq_clock();
    return FO_OK;
}

/* ---- nodes -------------------------------------------------------------- */

fo_status fo_sq_node_heartbeat(void *impl, const fo_node *n,
                               fo_error *err)
{
    sq *q = impl;

    return fo_sq_run(q, err, "heartbeat", n->id, NULL,
                     "INSERT INTO cluster_node (" NODE_COLS ") VALUES "
                     "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
                     "ON CONFLICT (id) DO UPDATE SET "
                     "ip = excluded.ip, http_port = excluded.http_port, "
                     "rtmp_port = excluded.rtmp_port, role = excluded.role, "
                     "node_group = excluded.node_group, cpu = excluded.cpu, "
                     "process_rss = excluded.process_rss, "
                     "active_streams = excluded.active_streams, "
                     "viewers = excluded.viewers, "
                     "db_query_avg_ms = excluded.db_query_avg_ms, "
                     "last_update_time = excluded.last_update_time, "
                     "mem_percent = excluded.mem_percent, "
                     "process_cpu = excluded.process_cpu, "
                     "load1 = excluded.load1, "
                     "repl_lag_ms = excluded.repl_lag_ms, "
                     "origin_ok_ms = excluded.origin_ok_ms, "
                     "origin_fail_ms = excluded.origin_fail_ms, "
                     "egress_bps = excluded.egress_bps",
                     "ssiissdiiididdddiii", n->id, n->ip,
                     (int64_t) n->http_port, (int64_t) n->rtmp_port,
                     fo_role_name(n->role),
                     n->node_group[0] ? n->node_group : "default", n->cpu,
                     n->process_rss, (int64_t) n->active_streams,
                     (int64_t) n->viewers, n->db_query_avg_ms, fo_sq_clock(),
                     n->mem_percent, n->process_cpu, n->load1,
                     n->repl_lag_ms < 0 ? -1.0 : n->repl_lag_ms,
                     n->origin_ok_ms, n->origin_fail_ms, n->egress_bps);
}

fo_status fo_sq_node_get(void *impl, const char *id, fo_node *out,
                         fo_error *err)
{
    sq *q = impl;
    sqlite3_stmt *st;
    int rc = fo_sq_prep(q, &st, "SELECT " NODE_COLS " FROM cluster_node "
                        "WHERE id = ?", "s", id);

    if (rc != SQLITE_OK) {
        return fo_sq_fail(q, err, "node get", id);
    }
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        fo_sq_read_node(st, fo_sq_clock(), q->conf.dead_after_ms, out);
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW) {
        return FO_OK;
    }
    return rc == SQLITE_DONE ? FO_NOT_FOUND
                             : fo_sq_fail(q, err, "node get", id);
}

fo_status fo_sq_node_list(void *impl, size_t offset, fo_node *out,
                          size_t cap, size_t *n, fo_error *err)
{
    sq *q = impl;
    sqlite3_stmt *st;
    int64_t now = fo_sq_clock();
    int rc = fo_sq_prep(q, &st, "SELECT " NODE_COLS " FROM cluster_node "
                        "ORDER BY id LIMIT ? OFFSET ?", "ii", (int64_t) cap,
                        (int64_t) offset);

    if (rc != SQLITE_OK) {
        return fo_sq_fail(q, err, "node list", "");
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < cap) {
        fo_sq_read_node(st, now, q->conf.dead_after_ms, &out[(*n)++]);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW
               ? FO_OK : fo_sq_fail(q, err, "node list", "");
}

fo_status fo_sq_node_count(void *impl, int64_t *count, fo_error *err)
{
    return fo_sq_scalar(impl, err, "node count", "", count,
                        "SELECT count(*) FROM cluster_node", "", NULL, NULL);
}

/* The node and its samples, in one transaction. */
fo_status fo_sq_node_delete(void *impl, const char *id, fo_error *err)
{
    int changes = 0;
    fo_status rc = fo_sq_begin(impl, err, "node delete", id);

    if (rc != FO_OK) {
        return rc;
    }
    rc = fo_sq_run(impl, err, "node delete", id, &changes,
                   "DELETE FROM cluster_node WHERE id = ?", "s", id);
    if (rc == FO_OK) {
        rc = fo_sq_run(impl, err, "node delete", id, NULL,
                       "DELETE FROM node_sample WHERE node_id = ?", "s", id);
    }
    rc = fo_sq_end(impl, err, rc, "node delete", id);
    return rc == FO_OK && changes == 0 ? FO_NOT_FOUND : rc;
}

/* ---- app settings, VoD -------------------------------------------------- */

fo_status fo_sq_app_settings_put(void *impl, const char *app,
                                 const char *json, fo_error *err)
{
    return fo_sq_run(impl, err, "settings put", app, NULL,
                     "INSERT INTO app_settings (app, settings, update_time) "
                     "VALUES (?, ?, ?) ON CONFLICT (app) DO UPDATE SET "
                     "settings = excluded.settings, "
                     "update_time = excluded.update_time", "ssi", app, json,
                     fo_sq_clock());
}

fo_status fo_sq_app_settings_get(void *impl, const char *app, char *json,
                                 size_t cap, fo_error *err)
{
    sq *q = impl;
    sqlite3_stmt *st;
    fo_status s = FO_OK;
    int rc = fo_sq_prep(q, &st, "SELECT settings FROM app_settings "
                        "WHERE app = ?", "s", app);

    if (rc != SQLITE_OK) {
        return fo_sq_fail(q, err, "settings get", app);
    }
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *t = (const char *) sqlite3_column_text(st, 0);

        if (fo_strlcpy(json, t ? t : "", cap) != 0) {
            s = fo_err(err, FO_ERR, "sqlite: settings get %s: buffer of %zu "
                       "bytes too small", app, cap);
        }
    } else if (rc == SQLITE_DONE) {
        s = FO_NOT_FOUND;
    } else {
        s = fo_sq_fail(q, err, "settings get", app);
    }
    sqlite3_finalize(st);
    return s;
}

fo_status fo_sq_vod_put(void *impl, const fo_vod *v, fo_error *err)
{
    return fo_sq_run(impl, err, "vod put", v->vod_id, NULL,
                     "INSERT INTO vod (app, vod_id, stream_id, name, "
                     "file_path, duration_ms, creation_date) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?) "
                     "ON CONFLICT (app, vod_id) DO UPDATE SET "
                     "stream_id = excluded.stream_id, name = excluded.name, "
                     "file_path = excluded.file_path, "
                     "duration_ms = excluded.duration_ms, "
                     "creation_date = excluded.creation_date", "sssssii",
                     v->app, v->vod_id, v->stream_id, v->name, v->file_path,
                     v->duration_ms, fo_sq_clock());
}

fo_status fo_sq_vod_count(void *impl, const char *app, int64_t *count,
                          fo_error *err)
{
    return fo_sq_scalar(impl, err, "vod count", app, count,
                        "SELECT count(*) FROM vod WHERE app = ?", "s", app,
                        NULL);
}

fo_status fo_sq_vod_delete(void *impl, const char *app,
                           const char *vod_id, fo_error *err)
{
    int changes = 0;
    fo_status rc = fo_sq_run(impl, err, "vod delete", vod_id, &changes,
                             "DELETE FROM vod WHERE app = ? AND vod_id = ?",
                             "ss", app, vod_id);

    return rc == FO_OK && changes == 0 ? FO_NOT_FOUND : rc;
}

/* ---- one-time tokens ----------------------------------------------------
 * Messages name the stream, never the token: it is a secret. */

fo_status fo_sq_token_put(void *impl, const fo_token *t, fo_error *err)
{
    int64_t now_s = fo_sq_clock() / 1000;
    fo_status rc = fo_sq_run(impl, err, "token put", t->stream_id, NULL,
                             "DELETE FROM stream_token WHERE expire_date <= ?",
                             "i", now_s);

    if (rc != FO_OK) {
        return rc;
    }
    return fo_sq_run(impl, err, "token put", t->stream_id, NULL,
                     "INSERT INTO stream_token (token_id, app, stream_id, "
                     "type, expire_date) VALUES (?, ?, ?, ?, ?)", "ssssi",
                     t->token_id, t->app, t->stream_id, t->type,
                     t->expire_date);
}

/* One DELETE with every condition: SQLite runs it under the write lock,
 * so of two origins consuming the same token one changes the row. */
fo_status fo_sq_token_consume(void *impl, const char *token_id,
                              const char *app, const char *stream_id,
                              const char *type, fo_error *err)
{
    int changes = 0;
    fo_status rc = fo_sq_run(impl, err, "token consume", stream_id, &changes,
                             "DELETE FROM stream_token WHERE token_id = ? "
                             "AND app = ? AND stream_id = ? AND type = ? "
                             "AND expire_date > ?", "ssssi", token_id, app,
                             stream_id, type, fo_sq_clock() / 1000);

    return rc == FO_OK && changes == 0 ? FO_NOT_FOUND : rc;
}

const fo_backend_ops fo_sqlite_ops = FO_BACKEND_OPS("sqlite", fo_sq);
