/*
 * store.c — the generic layer: URI dispatch, argument checks, one mutex
 * per handle, call timing.  Backends see only valid arguments.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend.h"
#include "store_internal.h"

static int valid_addr(const char *a, size_t max)
{
    size_t n = strnlen(a, max);

    if (n == 0 || n == max) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        char c = a[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == ':'
              || c == '[' || c == ']'))
        {
            return 0;
        }
    }
    return 1;
}

fo_status fo_store_bad(fo_error *err, const char *op, const char *what)
{
    return fo_err(err, FO_ERR_INVALID, "store: %s: invalid %s", op, what);
}

fo_status fo_store_check_key(const char *op, const char *app,
                             const char *stream_id, fo_error *err)
{
    if (!fo_valid_id(app, FO_ID_MAX)) {
        return fo_store_bad(err, op, "app name");
    }
    if (stream_id != NULL && !fo_valid_id(stream_id, FO_STREAM_MAX)) {
        return fo_store_bad(err, op, "stream id");
    }
    return FO_OK;
}

fo_status fo_store_open(const char *uri, fo_store **out, fo_error *err)
{
    fo_uri u;
    fo_store *s;
    fo_status rc;

    *out = NULL;
    rc = fo_uri_parse(uri, &u, err);
    if (rc != FO_OK) {
        return rc;
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return fo_err(err, FO_ERR, "store: out of memory");
    }
    if (strcmp(u.scheme, "sqlite") == 0) {
        s->ops = &fo_sqlite_ops;
    } else if (strcmp(u.scheme, "redis") == 0) {
        s->ops = &fo_redis_ops;
    } else {
        s->ops = &fo_mongo_ops;
    }
    s->conf.connect_timeout_ms = u.connect_timeout_ms;
    s->conf.timeout_ms = u.timeout_ms;
    s->conf.dead_after_ms = (int64_t) u.update_period_ms * u.dead_factor;

    rc = s->ops->open(&u, &s->conf, &s->impl, err);
    if (rc != FO_OK) {
        free(s);
        return rc;
    }
    pthread_mutex_init(&s->lock, NULL);
    *out = s;
    return FO_OK;
}

void fo_store_close(fo_store *s)
{
    if (s == NULL) {
        return;
    }
    s->ops->close(s->impl);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

const char *fo_store_backend(const fo_store *s)
{
    return s->ops->name;
}

int64_t fo_store_dead_after_ms(const fo_store *s)
{
    return s->conf.dead_after_ms;
}

double fo_store_avg_query_ms(const fo_store *s, uint64_t *calls)
{
    fo_store *m = (fo_store *) s;   /* the lock is not part of the value */
    double avg;

    pthread_mutex_lock(&m->lock);
    avg = m->calls ? m->total_ms / (double) m->calls : 0.0;
    if (calls != NULL) {
        *calls = m->calls;
    }
    pthread_mutex_unlock(&m->lock);
    return avg;
}

double fo_store_recent_query_ms(const fo_store *s, uint64_t *calls)
{
    fo_store *m = (fo_store *) s;   /* the lock is not part of the value */
    double avg;

    pthread_mutex_lock(&m->lock);
    avg = fo_query_window_mean(&m->recent);
    if (calls != NULL) {
        *calls = m->recent.count;
    }
    pthread_mutex_unlock(&m->lock);
    return avg;
}

fo_status fo_store_now(fo_store *s, int64_t *now_ms, fo_error *err)
{
    CALL(s, now, now_ms, err);
}

/* ---- nodes ---------------------------------------------------------- */

fo_status fo_node_heartbeat(fo_store *s, const fo_node *n, fo_error *err)
{
    if (!fo_valid_id(n->id, FO_ID_MAX)) {
        return fo_store_bad(err, "heartbeat", "node id");
    }
    if (!valid_addr(n->ip, FO_ADDR_MAX)) {
        return fo_store_bad(err, "heartbeat", "node address");
    }
    if (n->role != FO_ROLE_ORIGIN && n->role != FO_ROLE_EDGE) {
        return fo_store_bad(err, "heartbeat", "role");
    }
    if (n->node_group[0] != '\0' && !fo_valid_id(n->node_group, FO_ID_MAX)) {
        return fo_store_bad(err, "heartbeat", "node group");
    }
    if (n->http_port < 0 || n->http_port > 65535 || n->rtmp_port < 0
        || n->rtmp_port > 65535)
    {
        return fo_store_bad(err, "heartbeat", "port");
    }
    CALL(s, node_heartbeat, n, err);
}

fo_status fo_node_get(fo_store *s, const char *id, fo_node *out,
                      fo_error *err)
{
    if (!fo_valid_id(id, FO_ID_MAX)) {
        return fo_store_bad(err, "node get", "node id");
    }
    CALL(s, node_get, id, out, err);
}

fo_status fo_node_list(fo_store *s, size_t offset, fo_node *out, size_t cap,
                       size_t *n, fo_error *err)
{
    *n = 0;
    if (cap == 0) {
        return FO_OK;
    }
    CALL(s, node_list, offset, out, cap, n, err);
}

fo_status fo_node_count(fo_store *s, int64_t *count, fo_error *err)
{
    CALL(s, node_count, count, err);
}

fo_status fo_node_delete(fo_store *s, const char *id, fo_error *err)
{
    if (!fo_valid_id(id, FO_ID_MAX)) {
        return fo_store_bad(err, "node delete", "node id");
    }
    CALL(s, node_delete, id, err);
}

/* ---- broadcasts ----------------------------------------------------- */

static int valid_status(const char *st)
{
    return strcmp(st, FO_STATUS_CREATED) == 0
           || strcmp(st, FO_STATUS_BROADCASTING) == 0
           || strcmp(st, FO_STATUS_FINISHED) == 0
           || strcmp(st, FO_STATUS_ERROR) == 0;
}

static fo_status check_broadcast(const char *op, const fo_broadcast *b,
                                 unsigned mask, fo_error *err)
{
    fo_status rc = check_key(op, b->app, b->stream_id, err);

    if (rc != FO_OK) {
        return rc;
    }
    if (!TERMINATED(b->name) || !TERMINATED(b->type)
        || !TERMINATED(b->publish_type) || !TERMINATED(b->extra)
        || !TERMINATED(b->status) || !TERMINATED(b->origin_address)
        || !TERMINATED(b->origin_node) || !TERMINATED(b->session_id))
    {
        return fo_store_bad(err, op, "string field (not terminated)");
    }
    if ((mask & FO_F_STATUS) && !valid_status(b->status)) {
        return fo_store_bad(err, op, "status");
    }
    if ((mask & FO_F_EXTRA) && b->extra[0] != '\0' && b->extra[0] != '{') {
        return fo_store_bad(err, op, "extra (must be a JSON object)");
    }
    if ((mask & FO_F_BITRATE) && b->bitrate < 0) {
        return fo_store_bad(err, op, "bitrate");
    }
    if ((mask & FO_F_VIEWERS)
        && (b->hls_viewer_count < 0 || b->dash_viewer_count < 0))
    {
        return fo_store_bad(err, op, "viewer count");
    }
    return FO_OK;
}

fo_status fo_broadcast_create(fo_store *s, const fo_broadcast *b,
                              fo_error *err)
{
    fo_broadcast c = *b;
    fo_status rc;

    /* Live figures belong to a publishing session's progress put. */
    c.speed = 0;
    c.renditions[0] = '\0';
    fo_broadcast_defaults(&c);
    rc = check_broadcast("create", &c, ~0u, err);
    if (rc != FO_OK) {
        return rc;
    }
    CALL(s, broadcast_create, &c, err);
}

fo_status fo_broadcast_get(fo_store *s, const char *app,
                           const char *stream_id, fo_broadcast *out,
                           fo_error *err)
{
    CHECKED_CALL(s, check_key("get", app, stream_id, err),
                 broadcast_get, app, stream_id, out, err);
}

fo_status fo_broadcast_update(fo_store *s, const fo_broadcast *b,
                              unsigned mask, fo_error *err)
{
    CHECKED_CALL(s, check_broadcast("update", b, mask, err),
                 broadcast_update, b, mask, err);
}

fo_status fo_broadcast_delete(fo_store *s, const char *app,
                              const char *stream_id, fo_error *err)
{
    CHECKED_CALL(s, check_key("delete", app, stream_id, err),
                 broadcast_delete, app, stream_id, err);
}

fo_status fo_broadcast_list(fo_store *s, const char *app,
                            const fo_list_query *q, size_t offset,
                            fo_broadcast *out, size_t cap, size_t *n,
                            fo_error *err)
{
    static const fo_list_query none = { FO_SORT_NONE, 0, NULL };
    fo_status rc = check_key("list", app, NULL, err);

    *n = 0;
    if (rc != FO_OK) {
        return rc;
    }
    if (q == NULL) {
        q = &none;
    }
    if (q->sort_by < FO_SORT_NONE || q->sort_by > FO_SORT_STATUS) {
        return fo_store_bad(err, "list", "sort key");
    }
    if (cap == 0) {
        return FO_OK;
    }
    CALL(s, broadcast_list, app, q, offset, out, cap, n, err);
}

fo_status fo_broadcast_count(fo_store *s, const char *app,
                             const char *search, int64_t *count,
                             fo_error *err)
{
    CHECKED_CALL(s, check_key("count", app, NULL, err),
                 broadcast_count, app, search, count, err);
}

fo_status fo_broadcast_count_active(fo_store *s, const char *app,
                                    int64_t *count, fo_error *err)
{
    CHECKED_CALL(s, check_key("count active", app, NULL, err),
                 broadcast_count_active, app, count, err);
}

/* ---- publishing ----------------------------------------------------- */

fo_status fo_stream_claim(fo_store *s, const fo_claim *c, fo_error *err)
{
    fo_status rc = check_key("claim", c->app, c->stream_id, err);

    if (rc != FO_OK) {
        return rc;
    }
    if (!fo_valid_id(c->node_id, FO_ID_MAX)) {
        return fo_store_bad(err, "claim", "node id");
    }
    if (!fo_valid_id(c->session_id, FO_ID_MAX)) {
        return fo_store_bad(err, "claim", "session id");
    }
    if (c->address == NULL || !valid_addr(c->address, FO_ADDR_MAX)) {
        return fo_store_bad(err, "claim", "address");
    }
    if (c->http_port < 0 || c->http_port > 65535) {
        return fo_store_bad(err, "claim", "port");
    }
    if (c->publish_type == NULL || strnlen(c->publish_type, 32) == 32) {
        return fo_store_bad(err, "claim", "publish type");
    }
    if (c->take_over_session != NULL
        && !fo_valid_id(c->take_over_session, FO_ID_MAX))
    {
        return fo_store_bad(err, "claim", "session to take over");
    }
    CALL(s, stream_claim, c, err);
}

fo_status fo_stream_release(fo_store *s, const char *app,
                            const char *stream_id, const char *session_id,
                            fo_error *err)
{
    fo_status rc = check_key("release", app, stream_id, err);

    if (rc != FO_OK) {
        return rc;
    }
    if (!fo_valid_id(session_id, FO_ID_MAX)) {
        return fo_store_bad(err, "release", "session id");
    }
    CALL(s, stream_release, app, stream_id, session_id, err);
}

static fo_status lookup(fo_store *s, const char *app, const char *stream_id,
                        fo_origin *out, fo_error *err)
{
    CHECKED_CALL(s, check_key("lookup", app, stream_id, err),
                 stream_lookup, app, stream_id, out, err);
}

/* What store.h says of lost_ms, from the backend's raw fields. */
static int64_t lost_since(const fo_origin *o, int64_t dead_after_ms)
{
    if (strcmp(o->status, FO_STATUS_FINISHED) == 0
        || strcmp(o->status, FO_STATUS_ERROR) == 0) {
        return o->update_time;
    }
    if (strcmp(o->status, FO_STATUS_BROADCASTING) == 0 && !o->node_alive
        && o->node_seen_ms > 0) {
        return o->node_seen_ms + dead_after_ms;
    }
    return 0;
}

fo_status fo_stream_lookup(fo_store *s, const char *app,
                           const char *stream_id, fo_origin *out,
                           fo_error *err)
{
    fo_status rc = lookup(s, app, stream_id, out, err);

    if (rc == FO_OK) {
        out->lost_ms = lost_since(out, s->conf.dead_after_ms);
    }
    return rc;
}

fo_status fo_stream_reap_dead(fo_store *s, int64_t *reaped, fo_error *err)
{
    int64_t dummy;

    CALL(s, stream_reap_dead, reaped ? reaped : &dummy, err);
}

/* ---- continuation, history ----------------------------------------- */

fo_status fo_stream_progress_put(fo_store *s, const char *app,
                                 const char *stream_id,
                                 const char *session_id,
                                 const fo_progress *p, fo_error *err)
{
    fo_status rc = check_key("progress put", app, stream_id, err);

    if (rc != FO_OK) {
        return rc;
    }
    if (!fo_valid_id(session_id, FO_ID_MAX)) {
        return fo_store_bad(err, "progress put", "session id");
    }
    if (p == NULL || p->hls_sequence < 0 || p->hls_discontinuity < 0
        || p->dash_start_ms < 0 || p->dash_period < 0
        || p->dash_period_start_ms < 0 || p->dash_end_ms < 0
        || p->dash_number < 0 || p->bitrate < 0 || !(p->speed >= 0))
    {
        return fo_store_bad(err, "progress put", "progress (a number < 0)");
    }
    if (strnlen(p->renditions, FO_RENDITIONS_MAX) == FO_RENDITIONS_MAX) {
        return fo_store_bad(err, "progress put", "renditions (too long)");
    }
    CALL(s, stream_progress_put, app, stream_id, session_id, p, err);
}

fo_status fo_stream_progress_get(fo_store *s, const char *app,
                                 const char *stream_id, fo_progress *out,
                                 fo_error *err)
{
    memset(out, 0, sizeof(*out));
    CHECKED_CALL(s, check_key("progress get", app, stream_id, err),
                 stream_progress_get, app, stream_id, out, err);
}

fo_status fo_stream_live_progress(fo_store *s, const char *app,
                                  const char *after, fo_live_progress *out,
                                  size_t cap, size_t *n, fo_error *err)
{
    fo_status rc = check_key("live progress", app, NULL, err);

    *n = 0;
    if (rc == FO_OK && after != NULL && after[0] != '\0'
        && !fo_valid_id(after, FO_STREAM_MAX)) {
        rc = bad(err, "live progress", "stream id (after)");
    }
    if (rc != FO_OK || cap == 0) {
        return rc;
    }
    CALL(s, stream_live_progress, app, after ? after : "", out, cap, n, err);
}

fo_status fo_stream_history(fo_store *s, const char *app,
                            const char *stream_id, size_t offset,
                            fo_session *out, size_t cap, size_t *n,
                            fo_error *err)
{
    fo_status rc = check_key("history", app, stream_id, err);

    *n = 0;
    if (rc != FO_OK || cap == 0) {
        return rc;
    }
    CALL(s, stream_history, app, stream_id, offset, out, cap, n, err);
}

fo_status fo_viewers_report(fo_store *s, const char *node_id,
                            const char *app, const char *stream_id,
                            int64_t hls, int64_t dash, fo_error *err)
{
    fo_status rc = check_key("viewers", app, stream_id, err);

    if (rc != FO_OK) {
        return rc;
    }
    if (!fo_valid_id(node_id, FO_ID_MAX)) {
        return fo_store_bad(err, "viewers", "node id");
    }
    if (hls < 0 || dash < 0) {
        return fo_store_bad(err, "viewers", "count");
    }
    CALL(s, viewers_report, node_id, app, stream_id, hls, dash, err);
}

/* ---- app settings, VoD ---------------------------------------------- */

fo_status fo_app_settings_put(fo_store *s, const char *app,
                              const char *json, fo_error *err)
{
    fo_status rc = check_key("settings put", app, NULL, err);

    if (rc != FO_OK) {
        return rc;
    }
    if (json == NULL || json[0] != '{'
        || strnlen(json, FO_EXTRA_MAX) == FO_EXTRA_MAX)
    {
        return fo_store_bad(err, "settings put", "settings (a JSON object, < 2 KiB)");
    }
    CALL(s, app_settings_put, app, json, err);
}

fo_status fo_app_settings_get(fo_store *s, const char *app, char *json,
                              size_t cap, fo_error *err)
{
    fo_status rc = check_key("settings get", app, NULL, err);

    if (rc != FO_OK) {
        return rc;
    }
    if (cap == 0) {
        return fo_store_bad(err, "settings get", "buffer size");
    }
    CALL(s, app_settings_get, app, json, cap, err);
}

/* ---- one-time tokens ------------------------------------------------- */

static int valid_token_type(const char *type)
{
    return strcmp(type, FO_TOKEN_PUBLISH) == 0
           || strcmp(type, FO_TOKEN_PLAY) == 0;
}

fo_status fo_token_put(fo_store *s, const fo_token *t, fo_error *err)
{
    fo_status rc = check_key("token put", t->app, t->stream_id, err);

    if (rc != FO_OK) {
        return rc;
    }
    if (!fo_valid_id(t->token_id, FO_ID_MAX)) {
        return fo_store_bad(err, "token put", "token id");
    }
    if (!TERMINATED(t->type) || !valid_token_type(t->type)) {
        return fo_store_bad(err, "token put", "type (publish or play)");
    }
    if (t->expire_date <= 0 || t->expire_date > INT64_MAX / 1000) {
        return fo_store_bad(err, "token put", "expire date");
    }
    CALL(s, token_put, t, err);
}

fo_status fo_token_consume(fo_store *s, const char *token_id,
                           const char *app, const char *stream_id,
                           const char *type, fo_error *err)
{
    fo_status rc = check_key("token consume", app, stream_id, err);

    if (rc != FO_OK) {
        return rc;
    }
    /* A token that cannot be an id cannot have been stored: not found,
     * without telling a guesser anything more (and without its text). */
    if (token_id == NULL || !fo_valid_id(token_id, FO_ID_MAX)) {
        return fo_err(err, FO_NOT_FOUND, "store: token consume: no such "
                      "token");
    }
    if (type == NULL || !valid_token_type(type)) {
        return fo_store_bad(err, "token consume", "type (publish or play)");
    }
    CALL(s, token_consume, token_id, app, stream_id, type, err);
}

fo_status fo_vod_put(fo_store *s, const fo_vod *v, fo_error *err)
{
    fo_status rc = check_key("vod put", v->app, v->vod_id, err);

    if (rc != FO_OK) {
        return rc;
    }
    if (v->stream_id[0] != '\0' && !fo_valid_id(v->stream_id, FO_STREAM_MAX)) {
        return fo_store_bad(err, "vod put", "stream id");
    }
    if (!TERMINATED(v->name) || !TERMINATED(v->file_path)
        || v->duration_ms < 0)
    {
        return fo_store_bad(err, "vod put", "field");
    }
    CALL(s, vod_put, v, err);
}

fo_status fo_vod_count(fo_store *s, const char *app, int64_t *count,
                       fo_error *err)
{
    CHECKED_CALL(s, check_key("vod count", app, NULL, err),
                 vod_count, app, count, err);
}

fo_status fo_vod_delete(fo_store *s, const char *app, const char *vod_id,
                        fo_error *err)
{
    CHECKED_CALL(s, check_key("vod delete", app, vod_id, err),
                 vod_delete, app, vod_id, err);
}
