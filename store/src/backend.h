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

typedef struct fo_backend_ops {
    const char *name;

    fo_status (*open)(const fo_uri *uri, const fo_backend_conf *conf,
                      void **impl, fo_error *err);
    void (*close)(void *impl);
    fo_status (*now)(void *impl, int64_t *now_ms, fo_error *err);

    fo_status (*node_heartbeat)(void *impl, const fo_node *n, fo_error *err);
    fo_status (*node_get)(void *impl, const char *id, fo_node *out,
                          fo_error *err);
    fo_status (*node_list)(void *impl, size_t offset, fo_node *out,
                           size_t cap, size_t *n, fo_error *err);
    fo_status (*node_count)(void *impl, int64_t *count, fo_error *err);
    fo_status (*node_delete)(void *impl, const char *id, fo_error *err);

    fo_status (*broadcast_create)(void *impl, const fo_broadcast *b,
                                  fo_error *err);
    fo_status (*broadcast_get)(void *impl, const char *app,
                               const char *stream_id, fo_broadcast *out,
                               fo_error *err);
    fo_status (*broadcast_update)(void *impl, const fo_broadcast *b,
                                  unsigned mask, fo_error *err);
    fo_status (*broadcast_delete)(void *impl, const char *app,
                                  const char *stream_id, fo_error *err);
    fo_status (*broadcast_list)(void *impl, const char *app,
                                const fo_list_query *q, size_t offset,
                                fo_broadcast *out, size_t cap, size_t *n,
                                fo_error *err);
    fo_status (*broadcast_count)(void *impl, const char *app,
                                 const char *search, int64_t *count,
                                 fo_error *err);
    fo_status (*broadcast_count_active)(void *impl, const char *app,
                                        int64_t *count, fo_error *err);

    fo_status (*stream_claim)(void *impl, const fo_claim *c, fo_error *err);
    fo_status (*stream_release)(void *impl, const char *app,
                                const char *stream_id,
                                const char *session_id, fo_error *err);
    fo_status (*stream_lookup)(void *impl, const char *app,
                               const char *stream_id, fo_origin *out,
                               fo_error *err);
    fo_status (*stream_reap_dead)(void *impl, int64_t *reaped,
                                  fo_error *err);

    fo_status (*viewers_report)(void *impl, const char *node_id,
                                const char *app, const char *stream_id,
                                int64_t hls, int64_t dash, fo_error *err);

    fo_status (*app_settings_put)(void *impl, const char *app,
                                  const char *json, fo_error *err);
    fo_status (*app_settings_get)(void *impl, const char *app, char *json,
                                  size_t cap, fo_error *err);

    fo_status (*vod_put)(void *impl, const fo_vod *v, fo_error *err);
    fo_status (*vod_count)(void *impl, const char *app, int64_t *count,
                           fo_error *err);
    fo_status (*vod_delete)(void *impl, const char *app, const char *vod_id,
                            fo_error *err);
} fo_backend_ops;

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

/* 1 when b matches search (NULL/"" matches all): case-insensitive
 * substring of name or stream id. */
int fo_broadcast_matches(const fo_broadcast *b, const char *search);

/* Filters all[0..n) by q->search, sorts by q, copies the page
 * [offset, offset+cap) to out.  Reorders all in place. */
void fo_broadcast_page(fo_broadcast *all, size_t n, const fo_list_query *q,
                       size_t offset, fo_broadcast *out, size_t cap,
                       size_t *nout);

/* Defaults applied on create: status, type, publish_type when empty. */
void fo_broadcast_defaults(fo_broadcast *b);

/* Ordering used by lists with FO_SORT_NONE and by node lists: byte order
 * of ids (strcmp). */

#endif /* FANOUT_STORE_BACKEND_H */
