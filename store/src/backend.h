/*
 * backend.h — what a store backend implements (like SQLite's VFS).
 *
 * The generic layer (store.c) validates arguments, serialises calls on a
 * handle, times them and formats errors; a backend only talks to its
 * server.  Backend functions may assume:
 *   - every id argument passed fo_valid_id();
 *   - pointers are non-NULL, except where store.h says they may be NULL;
 *   - no other call runs on the same impl concurrently.
 * They must bound every wait by conf->timeout_ms / connect_timeout_ms and
 * fill err (via fo_err) on any status other than FO_OK / FO_NOT_FOUND.
 */
#ifndef FANOUT_STORE_BACKEND_H
#define FANOUT_STORE_BACKEND_H

#include "fanout/store.h"
#include "uri.h"

typedef struct {
    int connect_timeout_ms;
    int timeout_ms;
    int64_t dead_after_ms;      /* update_period_ms * dead_factor */
} fo_backend_conf;

/* The operations, one type each; store.h says what each must do. */
typedef fo_status fo_op_open(const fo_uri *uri, const fo_backend_conf *conf,
                             void **impl, fo_error *err);
typedef void fo_op_close(void *impl);
typedef fo_status fo_op_now(void *impl, int64_t *now_ms, fo_error *err);

typedef fo_status fo_op_node_heartbeat(void *impl, const fo_node *n,
                                       fo_error *err);
typedef fo_status fo_op_node_get(void *impl, const char *id, fo_node *out,
                                 fo_error *err);
typedef fo_status fo_op_node_list(void *impl, size_t offset, fo_node *out,
                                  size_t cap, size_t *n, fo_error *err);
typedef fo_status fo_op_node_count(void *impl, int64_t *count,
                                   fo_error *err);
typedef fo_status fo_op_node_delete(void *impl, const char *id,
                                    fo_error *err);

typedef fo_status fo_op_broadcast_create(void *impl, const fo_broadcast *b,
                                         fo_error *err);
typedef fo_status fo_op_broadcast_get(void *impl, const char *app,
                                      const char *stream_id,
                                      fo_broadcast *out, fo_error *err);
typedef fo_status fo_op_broadcast_update(void *impl, const fo_broadcast *b,
                                         unsigned mask, fo_error *err);
typedef fo_status fo_op_broadcast_delete(void *impl, const char *app,
                                         const char *stream_id,
                                         fo_error *err);
typedef fo_status fo_op_broadcast_list(void *impl, const char *app,
                                       const fo_list_query *q, size_t offset,
                                       fo_broadcast *out, size_t cap,
                                       size_t *n, fo_error *err);
typedef fo_status fo_op_broadcast_count(void *impl, const char *app,
                                        const char *search, int64_t *count,
                                        fo_error *err);
typedef fo_status fo_op_broadcast_count_active(void *impl, const char *app,
                                               int64_t *count,
                                               fo_error *err);

typedef fo_status fo_op_broadcast_expire_auto(void *impl,
                                              int64_t retention_ms,
                                              size_t max, int64_t *deleted,
                                              fo_error *err);

typedef fo_status fo_op_stream_claim(void *impl, const fo_claim *c,
                                     fo_error *err);
typedef fo_status fo_op_stream_release(void *impl, const char *app,
                                       const char *stream_id,
                                       const char *session_id,
                                       fo_error *err);
typedef fo_status fo_op_stream_lookup(void *impl, const char *app,
                                      const char *stream_id, fo_origin *out,
                                      fo_error *err);
typedef fo_status fo_op_stream_reap_dead(void *impl, int64_t *reaped,
                                         fo_error *err);
typedef fo_status fo_op_stream_progress_put(void *impl, const char *app,
                                            const char *stream_id,
                                            const char *session_id,
                                            const fo_progress *p,
                                            fo_error *err);
typedef fo_status fo_op_stream_progress_get(void *impl, const char *app,
                                            const char *stream_id,
                                            fo_progress *out, fo_error *err);
typedef fo_status fo_op_stream_live_progress(void *impl, const char *app,
                                             const char *after,
                                             fo_live_progress *out,
                                             size_t cap, size_t *n,
                                             fo_error *err);
typedef fo_status fo_op_stream_history(void *impl, const char *app,
                                       const char *stream_id, size_t offset,
                                       fo_session *out, size_t cap,
                                       size_t *n, fo_error *err);

typedef fo_status fo_op_viewers_report(void *impl, const char *node_id,
                                       const char *app,
                                       const char *stream_id, int64_t hls,
                                       int64_t dash, fo_error *err);

typedef fo_status fo_op_app_settings_put(void *impl, const char *app,
                                         const char *json, fo_error *err);
typedef fo_status fo_op_app_settings_get(void *impl, const char *app,
                                         char *json, size_t cap,
                                         fo_error *err);

typedef fo_status fo_op_token_put(void *impl, const fo_token *t,
                                  fo_error *err);
typedef fo_status fo_op_token_consume(void *impl, const char *token_id,
                                      const char *app, const char *stream_id,
                                      const char *type, fo_error *err);

typedef fo_status fo_op_vod_put(void *impl, const fo_vod *v, fo_error *err);
typedef fo_status fo_op_vod_count(void *impl, const char *app,
                                  int64_t *count, fo_error *err);
typedef fo_status fo_op_vod_delete(void *impl, const char *app,
                                   const char *vod_id, fo_error *err);

typedef fo_status fo_op_lease_acquire(void *impl, const char *name,
                                     const char *holder, int64_t ttl_ms,
                                     int *held, fo_error *err);
typedef fo_status fo_op_lease_release(void *impl, const char *name,
                                     const char *holder, fo_error *err);
typedef fo_status fo_op_alert_put(void *impl, const fo_alert *a,
                                 fo_error *err);
typedef fo_status fo_op_alert_list(void *impl, int ended, fo_alert *out,
                                  size_t cap, size_t *n, fo_error *err);
typedef fo_status fo_op_node_sample_put(void *impl, const fo_node_sample *v,
                                       int64_t keep_ms, fo_error *err);
typedef fo_status fo_op_node_samples(void *impl, const char *node_id,
                                    int64_t since_ms, fo_node_sample *out,
                                    size_t cap, size_t *n, fo_error *err);
typedef fo_status fo_op_user_create(void *impl, const fo_user *u,
                                    fo_error *err);
typedef fo_status fo_op_user_get(void *impl, const char *email,
                                 fo_user *out, fo_error *err);
typedef fo_status fo_op_user_count(void *impl, int64_t *count,
                                   fo_error *err);
typedef fo_status fo_op_user_revoke(void *impl, const char *email,
                                    int64_t *at_ms, fo_error *err);

typedef fo_status fo_op_login_failure_add(void *impl, const char *key,
                                          int64_t window_ms,
                                          int64_t *failures,
                                          int64_t *retry_ms, fo_error *err);
typedef fo_status fo_op_login_failures_get(void *impl, const char *key,
                                           int64_t *failures,
                                           int64_t *retry_ms, fo_error *err);
typedef fo_status fo_op_login_failures_clear(void *impl, const char *key,
                                             fo_error *err);

/* Every operation, in the order above: X(p, op) for each.  A backend
 * whose functions are named <p>_<op> declares them all with
 * FO_BACKEND_DECLARE(p) and builds its table with FO_BACKEND_OPS, so a
 * missing one fails the link rather than leaving a NULL in the table. */
#define FO_BACKEND_EACH_OP(X, p)                                          \
    X(p, open) X(p, close) X(p, now)                                      \
    X(p, node_heartbeat) X(p, node_get) X(p, node_list)                   \
    X(p, node_count) X(p, node_delete)                                    \
    X(p, broadcast_create) X(p, broadcast_get) X(p, broadcast_update)     \
    X(p, broadcast_delete) X(p, broadcast_list) X(p, broadcast_count)     \
    X(p, broadcast_count_active)                                          \
    X(p, stream_claim) X(p, stream_release) X(p, stream_lookup)           \
    X(p, stream_reap_dead) X(p, stream_progress_put)                      \
    X(p, stream_progress_get) X(p, stream_live_progress)                  \
    X(p, stream_history)                                                  \
    X(p, viewers_report)                                                  \
    X(p, app_settings_put) X(p, app_settings_get)                         \
    X(p, token_put) X(p, token_consume)                                   \
    X(p, vod_put) X(p, vod_count) X(p, vod_delete)                        \
    X(p, broadcast_expire_auto)                                           \
    X(p, lease_acquire) X(p, lease_release) X(p, alert_put)               \
    X(p, alert_list) X(p, node_sample_put) X(p, node_samples)             \
    X(p, user_create) X(p, user_get) X(p, user_count) X(p, user_revoke)   \
    X(p, login_failure_add) X(p, login_failures_get)                      \
    X(p, login_failures_clear)

#define FO_OP_MEMBER(p, op) fo_op_##op *op;
#define FO_OP_DECLARE(p, op) fo_op_##op p##_##op;
#define FO_OP_INIT(p, op) .op = p##_##op,

typedef struct fo_backend_ops {
    const char *name;
    FO_BACKEND_EACH_OP(FO_OP_MEMBER, unused)
} fo_backend_ops;

/* Declares p_open ... p_vod_delete. */
#define FO_BACKEND_DECLARE(p) FO_BACKEND_EACH_OP(FO_OP_DECLARE, p)

/* The initializer of a backend's table: its name, then p_<op> for each
 * operation. */
#define FO_BACKEND_OPS(label, p)                                          \
    { .name = (label), FO_BACKEND_EACH_OP(FO_OP_INIT, p) }

extern const fo_backend_ops fo_sqlite_ops;
extern const fo_backend_ops fo_redis_ops;
extern const fo_backend_ops fo_mongo_ops;

/* Fills err (when not NULL) and returns code. */
fo_status fo_err(fo_error *err, fo_status code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Bounded copy; always NUL-terminates.  Returns 0, or -1 if truncated. */
int fo_strlcpy(char *dst, const char *src, size_t cap);

/* ---- shared record logic, so backends agree on semantics ------------- */

/* The liveness rule: a node whose last heartbeat was at last_update_ms
 * is alive at now when it spoke within dead_after ms. */
int fo_node_fresh(int64_t last_update_ms, int64_t now, int64_t dead_after);

/* How every backend stores a role: "origin" or "edge". */
const char *fo_role_name(fo_role role);

/* The role named s ("edge"); anything else, NULL included, is an
 * origin. */
fo_role fo_role_parse(const char *s);

/* 1 when b matches search (NULL/"" matches all): case-insensitive
 * substring of name or stream id. */
int fo_broadcast_matches(const fo_broadcast *b, const char *search);

/* The owner fields of b (address, port, node, session, status) into out;
 * node_alive is 0: the backend judges it. */
void fo_broadcast_origin(const fo_broadcast *b, fo_origin *out);

/* Defaults applied on create: status, type, publish_type when empty. */
void fo_broadcast_defaults(fo_broadcast *b);

/* How many sessions of a stream the history keeps: a claim that starts
 * a session drops the ones older than the last FO_HISTORY_KEEP (SQLite
 * and MongoDB number a stream's sessions 1, 2, ... and drop those
 * numbered <= the new one's - FO_HISTORY_KEEP; Redis trims its list,
 * LTRIM 0 99 in redis_lua.c). */
#define FO_HISTORY_KEEP 100

/* The list order (store/README.md): q's key, reversed when descending,
 * ties by stream id ascending.  For a backend that orders records
 * itself (Redis's walks). */
int fo_broadcast_cmp(const fo_broadcast *a, const fo_broadcast *b,
                     const fo_list_query *q);

/* Ordering used by lists with FO_SORT_NONE and by node lists: byte order
 * of ids (strcmp). */

#endif /* FANOUT_STORE_BACKEND_H */
