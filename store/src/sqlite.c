/*
 * sqlite.c — the embedded backend: one database file shared by every
 * process on the machine.  WAL lets readers run beside the one writer;
 * the busy timeout bounds every wait for the write lock; multi-statement
 * operations run in BEGIN IMMEDIATE transactions, which is what makes
 * claim a compare-and-set across processes.
 *
 * This file holds the schema, opening and the operations; binding
 * arguments and reading rows are in sqlite_rows.c.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend.h"
#include "sqlite_rows.h"

extern const char fo_schema_sql[];      /* sql/schema.sql, embedded */

static int64_t clock_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

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

/* Applies each "-- migration N" section of the schema with N > the
 * database's user_version, one transaction each.  Several processes may
 * open a new file at once: the version is re-read under the write lock. */
static fo_status migrate(sq *q, fo_error *err)
{
    static const char marker[] = "-- migration ";
    const char *p = strstr(fo_schema_sql, marker);

    while (p != NULL) {
        int n = atoi(p + sizeof(marker) - 1), v = 0;
        const char *next = strstr(p + 1, marker);
        size_t len = next ? (size_t) (next - p) : strlen(p);
        char *section = malloc(len + 1);

        if (section == NULL) {
            return fo_err(err, FO_ERR, "sqlite: migrate: out of memory");
        }
        memcpy(section, p, len);
        section[len] = '\0';

        if (fo_sq_exec(q, "BEGIN IMMEDIATE") != SQLITE_OK) {
            free(section);
            return fo_sq_fail(q, err, "migrate", "begin");
        }
        if (user_version(q, &v) != SQLITE_OK
            || (v < n && fo_sq_exec(q, section) != SQLITE_OK))
        {
            free(section);
            fo_status rc = fo_sq_fail(q, err, "migrate to", "schema");
            fo_sq_exec(q, "ROLLBACK");
            return rc;
        }
        free(section);
        if (v < n) {
            char pragma[64];

            snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", n);
            if (fo_sq_exec(q, pragma) != SQLITE_OK) {
                fo_status rc = fo_sq_fail(q, err, "migrate", "version");
                fo_sq_exec(q, "ROLLBACK");
                return rc;
            }
        }
        if (fo_sq_exec(q, "COMMIT") != SQLITE_OK) {
            fo_status rc = fo_sq_fail(q, err, "migrate", "commit");
            fo_sq_exec(q, "ROLLBACK");
            return rc;
        }
        p = next;
    }
    return FO_OK;
}

static void sq_close(void *impl)
{
    sq *q = impl;

    if (q != NULL) {
        sqlite3_close(q->db);
        free(q);
    }
}

static fo_status sq_open(const fo_uri *uri, const fo_backend_conf *conf,
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
        sq_close(q);
        return rc;
    }
    sqlite3_busy_timeout(q->db, conf->timeout_ms);
    if (fo_sq_exec(q, "PRAGMA journal_mode = WAL") != SQLITE_OK
        || fo_sq_exec(q, "PRAGMA synchronous = NORMAL") != SQLITE_OK)
    {
        rc = fo_sq_fail(q, err, "open", "pragma");
        sq_close(q);
        return rc;
    }
    rc = migrate(q, err);
    if (rc != FO_OK) {
        sq_close(q);
        return rc;
    }
    *impl = q;
    return FO_OK;
}

static fo_status sq_now(void *impl, int64_t *now_ms, fo_error *err)
{
    (void) impl;
    (void) err;
    *now_ms = clock_now();
    return FO_OK;
}
/* ---- nodes -------------------------------------------------------------- */

static fo_status sq_node_heartbeat(void *impl, const fo_node *n,
                                   fo_error *err)
{
    sq *q = impl;

    return fo_sq_run(q, err, "heartbeat", n->id, NULL,
                     "INSERT INTO cluster_node (" NODE_COLS ") VALUES "
                     "(?,?,?,?,?,?,?,?,?,?,?,?) "
                     "ON CONFLICT (id) DO UPDATE SET "
                     "ip = excluded.ip, http_port = excluded.http_port, "
                     "rtmp_port = excluded.rtmp_port, role = excluded.role, "
                     "node_group = excluded.node_group, cpu = excluded.cpu, "
                     "memory = excluded.memory, "
                     "active_streams = excluded.active_streams, "
                     "viewers = excluded.viewers, "
                     "db_query_avg_ms = excluded.db_query_avg_ms, "
                     "last_update_time = excluded.last_update_time",
                     "ssiissdiiidi", n->id, n->ip, (int64_t) n->http_port,
                     (int64_t) n->rtmp_port,
                     n->role == FO_ROLE_EDGE ? "edge" : "origin",
                     n->node_group[0] ? n->node_group : "default", n->cpu,
                     n->memory, (int64_t) n->active_streams,
                     (int64_t) n->viewers, n->db_query_avg_ms, clock_now());
}

static fo_status sq_node_get(void *impl, const char *id, fo_node *out,
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
        fo_sq_read_node(st, clock_now(), q->conf.dead_after_ms, out);
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW) {
        return FO_OK;
    }
    return rc == SQLITE_DONE ? FO_NOT_FOUND
                             : fo_sq_fail(q, err, "node get", id);
}

static fo_status sq_node_list(void *impl, size_t offset, fo_node *out,
                              size_t cap, size_t *n, fo_error *err)
{
    sq *q = impl;
    sqlite3_stmt *st;
    int64_t now = clock_now();
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

static fo_status sq_node_count(void *impl, int64_t *count, fo_error *err)
{
    return fo_sq_scalar(impl, err, "node count", "", count,
                        "SELECT count(*) FROM cluster_node", "", NULL, NULL);
}

static fo_status sq_node_delete(void *impl, const char *id, fo_error *err)
{
    int changes = 0;
    fo_status rc = fo_sq_run(impl, err, "node delete", id, &changes,
                             "DELETE FROM cluster_node WHERE id = ?", "s", id);

    return rc == FO_OK && changes == 0 ? FO_NOT_FOUND : rc;
}

/* ---- broadcasts ----------------------------------------------------------- */

static fo_status sq_broadcast_create(void *impl, const fo_broadcast *b,
                                     fo_error *err)
{
    int64_t now = clock_now();

    return fo_sq_run(impl, err, "create", b->stream_id, NULL,
                     "INSERT INTO broadcast (" BC_COLS ") VALUES "
                     "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                     "sssssssissiiiiiis", b->app, b->stream_id, b->name,
                     b->status, b->type, b->publish_type, b->origin_address,
                     (int64_t) b->origin_http_port, b->origin_node,
                     b->session_id, now, b->start_time, now,
                     b->hls_viewer_count, b->dash_viewer_count, b->bitrate,
                     b->extra);
}

static fo_status sq_broadcast_get(void *impl, const char *app,
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

static fo_status sq_broadcast_update(void *impl, const fo_broadcast *b,
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
                   b->dash_viewer_count, b->extra, clock_now(), b->app,
                   b->stream_id);
    return rc == FO_OK && changes == 0 ? FO_NOT_FOUND : rc;
}

static fo_status sq_broadcast_delete(void *impl, const char *app,
                                     const char *stream_id, fo_error *err)
{
    sq *q = impl;
    int changes = 0;
    fo_status rc;

    if (fo_sq_exec(q, "BEGIN IMMEDIATE") != SQLITE_OK) {
        return fo_sq_fail(q, err, "delete", stream_id);
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
    if (rc != FO_OK || fo_sq_exec(q, "COMMIT") != SQLITE_OK) {
        if (rc == FO_OK) {
            rc = fo_sq_fail(q, err, "delete", stream_id);
        }
        fo_sq_exec(q, "ROLLBACK");
        return rc;
    }
    return changes == 0 ? FO_NOT_FOUND : FO_OK;
}

/* The search filter shared by list and count: ?1 is the search text, ""
 * for all.  lower() and instr() are ASCII and byte-wise, like
 * fo_broadcast_matches(). */
#define SEARCH_WHERE                                                      \
    "app = ?2 AND (?1 = '' OR instr(lower(name), lower(?1)) > 0 "         \
    "OR instr(lower(stream_id), lower(?1)) > 0)"

static fo_status sq_broadcast_list(void *impl, const char *app,
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

static fo_status sq_broadcast_count(void *impl, const char *app,
                                    const char *search, int64_t *count,
                                    fo_error *err)
{
    return fo_sq_scalar(impl, err, "count", app, count,
                        "SELECT count(*) FROM broadcast WHERE " SEARCH_WHERE,
                        "ss", search ? search : "", app);
}

static fo_status sq_broadcast_count_active(void *impl, const char *app,
                                           int64_t *count, fo_error *err)
{
    return fo_sq_scalar(impl, err, "count active", app, count,
                        "SELECT count(*) FROM broadcast WHERE app = ? "
                        "AND status = 'broadcasting'", "s", app, NULL);
}

/* ---- publishing ------------------------------------------------------------ */

/* Is the owner node of a broadcast alive?  p names the parameter that
 * holds the oldest heartbeat time still fresh. */
#define OWNER_ALIVE(p)                                                    \
    "EXISTS (SELECT 1 FROM cluster_node WHERE id = broadcast.origin_node " \
    "AND last_update_time >= " p ")"

static fo_status sq_stream_claim(void *impl, const fo_claim *c,
                                 fo_error *err)
{
    sq *q = impl;
    sqlite3_stmt *st;
    int64_t now = clock_now(), fresh = now - q->conf.dead_after_ms;
    char owner[FO_ID_MAX] = "";
    int rc, held = 0, exists = 0;
    fo_status s;

    /* The write lock first: the read and the write below are one step. */
    if (fo_sq_exec(q, "BEGIN IMMEDIATE") != SQLITE_OK) {
        return fo_sq_fail(q, err, "claim", c->stream_id);
    }
    rc = fo_sq_prep(q, &st, "SELECT status = 'broadcasting' "
                    "AND session_id != ?1 AND " OWNER_ALIVE("?2")
                    ", origin_node FROM broadcast "
                    "WHERE app = ?3 AND stream_id = ?4", "siss", c->session_id,
                    fresh, c->app, c->stream_id);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            exists = 1;
            held = sqlite3_column_int(st, 0);
            fo_sq_col_text(st, 1, owner, sizeof(owner));
        }
        sqlite3_finalize(st);
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        s = fo_sq_fail(q, err, "claim", c->stream_id);
        goto rollback;
    }
    if (held) {
        s = fo_err(err, FO_CONFLICT,
                   "sqlite: claim %s/%s: broadcasting on live node %s",
                   c->app, c->stream_id, owner);
        goto rollback;
    }
    if (exists) {
        s = fo_sq_run(q, err, "claim", c->stream_id, NULL,
                      "UPDATE broadcast SET status = 'broadcasting', "
                      "publish_type = ?, origin_address = ?, "
                      "origin_http_port = ?, origin_node = ?, "
                      "session_id = ?, start_time = ?, update_time = ? "
                      "WHERE app = ? AND stream_id = ?",
                      "ssissiiss", c->publish_type, c->address,
                      (int64_t) c->http_port, c->node_id, c->session_id, now,
                      now, c->app, c->stream_id);
    } else {
        s = fo_sq_run(q, err, "claim", c->stream_id, NULL,
                      "INSERT INTO broadcast (app, stream_id, name, status, "
                      "type, publish_type, origin_address, origin_http_port, "
                      "origin_node, session_id, date, start_time, "
                      "update_time) VALUES (?, ?, ?, 'broadcasting', "
                      "'liveStream', ?, ?, ?, ?, ?, ?, ?, ?)",
                      "sssssissiii", c->app, c->stream_id, c->stream_id,
                      c->publish_type, c->address, (int64_t) c->http_port,
                      c->node_id, c->session_id, now, now, now);
    }
    if (s != FO_OK) {
        goto rollback;
    }
    if (fo_sq_exec(q, "COMMIT") != SQLITE_OK) {
        s = fo_sq_fail(q, err, "claim", c->stream_id);
        goto rollback;
    }
    return FO_OK;

rollback:
    fo_sq_exec(q, "ROLLBACK");
    return s;
}

static fo_status sq_stream_release(void *impl, const char *app,
                                   const char *stream_id,
                                   const char *session_id, fo_error *err)
{
    sq *q = impl;
    int changes = 0;
    int64_t exists = 0;
    fo_status rc;

    rc = fo_sq_run(q, err, "release", stream_id, &changes,
                   "UPDATE broadcast SET status = 'finished', update_time = ? "
                   "WHERE app = ? AND stream_id = ? AND session_id = ? "
                   "AND status = 'broadcasting'", "isss", clock_now(), app,
                   stream_id, session_id);
    if (rc != FO_OK || changes == 1) {
        return rc;
    }
    rc = fo_sq_scalar(q, err, "release", stream_id, &exists,
                      "SELECT count(*) FROM broadcast WHERE app = ? "
                      "AND stream_id = ?", "ss", app, stream_id);
    if (rc != FO_OK) {
        return rc;
    }
    if (!exists) {
        return FO_NOT_FOUND;
    }
    return fo_err(err, FO_CONFLICT,
                  "sqlite: release %s/%s: session %s does not own it",
                  app, stream_id, session_id);
}

static fo_status sq_stream_lookup(void *impl, const char *app,
                                  const char *stream_id, fo_origin *out,
                                  fo_error *err)
{
    sq *q = impl;
    sqlite3_stmt *st;
    int rc = fo_sq_prep(q, &st, "SELECT origin_address, origin_http_port, "
                        "origin_node, session_id, status, " OWNER_ALIVE("?1")
                        " FROM broadcast WHERE app = ?2 AND stream_id = ?3",
                        "iss", clock_now() - q->conf.dead_after_ms, app,
                        stream_id);

    if (rc != SQLITE_OK) {
        return fo_sq_fail(q, err, "lookup", stream_id);
    }
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        memset(out, 0, sizeof(*out));
        fo_sq_col_text(st, 0, out->address, sizeof(out->address));
        out->http_port = sqlite3_column_int(st, 1);
        fo_sq_col_text(st, 2, out->node_id, sizeof(out->node_id));
        fo_sq_col_text(st, 3, out->session_id, sizeof(out->session_id));
        fo_sq_col_text(st, 4, out->status, sizeof(out->status));
        out->node_alive = sqlite3_column_int(st, 5);
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW) {
        return FO_OK;
    }
    return rc == SQLITE_DONE ? FO_NOT_FOUND
                             : fo_sq_fail(q, err, "lookup", stream_id);
}

static fo_status sq_stream_reap_dead(void *impl, int64_t *reaped,
                                     fo_error *err)
{
    sq *q = impl;
    int64_t now = clock_now();
    int changes = 0;
    fo_status rc;

    rc = fo_sq_run(q, err, "reap", "", &changes,
                   "UPDATE broadcast SET status = 'finished', "
                   "update_time = ?1 WHERE status = 'broadcasting' "
                   "AND NOT " OWNER_ALIVE("?2"), "ii", now,
                   now - q->conf.dead_after_ms);
    *reaped = changes;
    return rc;
}

/* ---- viewers -------------------------------------------------------------- */

static fo_status sq_viewers_report(void *impl, const char *node_id,
                                   const char *app, const char *stream_id,
                                   int64_t hls, int64_t dash, fo_error *err)
{
    sq *q = impl;
    int64_t now = clock_now();
    int changes = 0;
    fo_status rc;

    if (fo_sq_exec(q, "BEGIN IMMEDIATE") != SQLITE_OK) {
        return fo_sq_fail(q, err, "viewers", stream_id);
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
    if (rc != FO_OK || fo_sq_exec(q, "COMMIT") != SQLITE_OK) {
        if (rc == FO_OK) {
            rc = fo_sq_fail(q, err, "viewers", stream_id);
        }
        fo_sq_exec(q, "ROLLBACK");
        return rc;
    }
    return changes == 0 ? FO_NOT_FOUND : FO_OK;
}

/* ---- app settings, VoD ------------------------------------------------------ */

static fo_status sq_app_settings_put(void *impl, const char *app,
                                     const char *json, fo_error *err)
{
    return fo_sq_run(impl, err, "settings put", app, NULL,
                     "INSERT INTO app_settings (app, settings, update_time) "
                     "VALUES (?, ?, ?) ON CONFLICT (app) DO UPDATE SET "
                     "settings = excluded.settings, "
                     "update_time = excluded.update_time", "ssi", app, json,
                     clock_now());
}

static fo_status sq_app_settings_get(void *impl, const char *app, char *json,
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

static fo_status sq_vod_put(void *impl, const fo_vod *v, fo_error *err)
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
                     v->duration_ms, clock_now());
}

static fo_status sq_vod_count(void *impl, const char *app, int64_t *count,
                              fo_error *err)
{
    return fo_sq_scalar(impl, err, "vod count", app, count,
                        "SELECT count(*) FROM vod WHERE app = ?", "s", app,
                        NULL);
}

static fo_status sq_vod_delete(void *impl, const char *app,
                               const char *vod_id, fo_error *err)
{
    int changes = 0;
    fo_status rc = fo_sq_run(impl, err, "vod delete", vod_id, &changes,
                             "DELETE FROM vod WHERE app = ? AND vod_id = ?",
                             "ss", app, vod_id);

    return rc == FO_OK && changes == 0 ? FO_NOT_FOUND : rc;
}

const fo_backend_ops fo_sqlite_ops = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .now = sq_now,
    .node_heartbeat = sq_node_heartbeat,
    .node_get = sq_node_get,
    .node_list = sq_node_list,
    .node_count = sq_node_count,
    .node_delete = sq_node_delete,
    .broadcast_create = sq_broadcast_create,
    .broadcast_get = sq_broadcast_get,
    .broadcast_update = sq_broadcast_update,
    .broadcast_delete = sq_broadcast_delete,
    .broadcast_list = sq_broadcast_list,
    .broadcast_count = sq_broadcast_count,
    .broadcast_count_active = sq_broadcast_count_active,
    .stream_claim = sq_stream_claim,
    .stream_release = sq_stream_release,
    .stream_lookup = sq_stream_lookup,
    .stream_reap_dead = sq_stream_reap_dead,
    .viewers_report = sq_viewers_report,
    .app_settings_put = sq_app_settings_put,
    .app_settings_get = sq_app_settings_get,
    .vod_put = sq_vod_put,
    .vod_count = sq_vod_count,
    .vod_delete = sq_vod_delete,
};
