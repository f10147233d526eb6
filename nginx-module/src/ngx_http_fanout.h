/*
 * ngx_http_fanout.h — the edge's shared layer, and the map of its modules.
 *
 * The edge (ngx_http_fanout_module.so) is five nginx modules in one file
 * set; each owns its configuration, its request ctx and its zone:
 *
 *   ngx_http_fanout_module         the shared layer: fanout_store,
 *                                  fanout_thread_pool, the store handle
 *                                  pool and the thread-pool task
 *                                  (ngx_http_fanout_store.c), the counters
 *                                  and the fanout_status page
 *                                  (ngx_http_fanout_metrics.c)
 *   ngx_http_fanout_node_module    this edge as a cluster node: the
 *                                  heartbeat (ngx_http_fanout_node.c)
 *   ngx_http_fanout_lookup_module  stream -> origin: the phase handler,
 *                                  the answers zone, lookups on the pool
 *                                  (ngx_http_fanout_lookup*.c,
 *                                  ngx_http_fanout_answers.c)
 *   ngx_http_fanout_cache_module   the response cache's helpers: playlist
 *                                  copies in memory, $fanout_cache_*
 *                                  (ngx_http_fanout_cache*.c)
 *   ngx_http_fanout_viewers_module viewer accounting and its reports
 *                                  (ngx_http_fanout_viewers*.c)
 *
 * Each depends only on the ones above it in this list.
 */
#ifndef _NGX_HTTP_FANOUT_H_INCLUDED_
#define _NGX_HTTP_FANOUT_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_thread_pool.h>

#include <pthread.h>

#include "fanout/store.h"
#include "ngx_http_fanout_uri.h"


#if !(NGX_THREADS)
#error ngx_http_fanout_module needs nginx built --with-threads
#endif


#define NGX_HTTP_FANOUT_KEY_MAX     (NGX_HTTP_FANOUT_APP_MAX + 1              \
                                     + NGX_HTTP_FANOUT_STREAM_MAX)
/* "[" address "]:" port */
#define NGX_HTTP_FANOUT_ORIGIN_MAX  (FO_ADDR_MAX + 8)

/* A publish session as $fanout_session and the cache keys write it: the 8
 * hex digits of its crc32. */
#define NGX_HTTP_FANOUT_SESSION_LEN  8
#define ngx_http_fanout_session_hex(p, session)                               \
    ngx_sprintf(p, "%08xD", (uint32_t) (session))

/* Idle store handles a worker keeps (one is in use per running task). */
#define NGX_HTTP_FANOUT_STORES      64


typedef struct ngx_http_fanout_task_s  ngx_http_fanout_task_t;
typedef struct ngx_http_fanout_main_conf_s  ngx_http_fanout_main_conf_t;

/* In a pool thread: the blocking work; ngx_http_fanout_task_store()
 * gives it a store handle when it needs one. */
typedef fo_status (*ngx_http_fanout_task_pt)(ngx_http_fanout_task_t *t);

/* Back on the event loop, once the work is done. */
typedef void (*ngx_http_fanout_done_pt)(ngx_http_fanout_task_t *t);


/* A store call on the thread pool; the task owns rc and err while busy. */
struct ngx_http_fanout_task_s {
    ngx_thread_task_t           task;
    ngx_http_fanout_main_conf_t *fmcf;      /* its pool and handles */
    ngx_http_fanout_task_pt     handler;
    ngx_http_fanout_done_pt     done;
    void                       *data;
    fo_store                   *store;      /* taken while the task runs */
    fo_status                   rc;
    fo_error                    err;
    unsigned                    busy:1;     /* posted, not done */
};


/*
 * One counter or gauge of the fanout_status page.  gauge > 1 is a gauge
 * holding a signed fixed-point value, value * gauge (a power of ten: 1000
 * shows 1234 as 1.234, -1000 as -1.000); ngx_http_fanout_gauge_set()
 * stores one.  A name that starts with "fanout_" is the whole name: the
 * node gauges share the origin's names (fanout_node_*), so one Prometheus
 * rule covers both roles.
 */
typedef struct {
    ngx_str_t                   name;       /* without fanout_edge_, _total */
    ngx_uint_t                  gauge;      /* 0: a counter, 1: a gauge,
                                             * > 1: a gauge, times this */
    char                       *help;
} ngx_http_fanout_metric_t;

#define ngx_http_fanout_gauge_set(values, i, v, scale)                        \
    ((values)[i] = (ngx_atomic_uint_t) (ngx_atomic_int_t)                     \
                   ((v) * (double) (scale) + ((v) < 0 ? -0.5 : 0.5)))

#define ngx_http_fanout_count(values, i)                                      \
    (void) ngx_atomic_fetch_add(&(values)[i], 1)


struct ngx_http_fanout_main_conf_s {
    ngx_str_t                   uri;            /* NUL-terminated */
    ngx_str_t                   thread_pool_name;
    ngx_thread_pool_t          *thread_pool;

    ngx_array_t                 metrics;        /* of metrics sources */
    ngx_uint_t                  nvalues;
    ngx_shm_zone_t             *metrics_zone;

    /* per worker process, set up in init_process */
    pthread_mutex_t             stores_mutex;   /* idle store handles */
    fo_store                   *stores[NGX_HTTP_FANOUT_STORES];
    ngx_uint_t                  nstores;
    unsigned                    stores_ready:1;
};


extern ngx_module_t  ngx_http_fanout_module;


/* The store's URI, or NULL when the edge has no fanout_store (idle). */
#define ngx_http_fanout_store_uri(cf)                                         \
    (((ngx_http_fanout_main_conf_t *) ngx_http_conf_get_module_main_conf(    \
         cf, ngx_http_fanout_module))->uri.data)


/* ngx_http_fanout_store.c */
ngx_int_t ngx_http_fanout_stores_init(ngx_cycle_t *cycle,
    ngx_http_fanout_main_conf_t *fmcf);
void ngx_http_fanout_stores_close(ngx_http_fanout_main_conf_t *fmcf);
void ngx_http_fanout_task_init(ngx_http_fanout_task_t *t,
    ngx_http_fanout_main_conf_t *fmcf, ngx_http_fanout_task_pt handler,
    ngx_http_fanout_done_pt done, void *data);
ngx_int_t ngx_http_fanout_task_post(ngx_http_fanout_task_t *t);
fo_store *ngx_http_fanout_task_store(ngx_http_fanout_task_t *t);

/* ngx_http_fanout_metrics.c */
ngx_int_t ngx_http_fanout_metrics_add(ngx_conf_t *cf,
    ngx_http_fanout_metric_t *metrics, ngx_uint_t n, ngx_atomic_t **values);
char *ngx_http_fanout_status(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);

/* ngx_http_fanout_module.c */
ngx_int_t ngx_http_fanout_add_variables(ngx_conf_t *cf,
    ngx_http_variable_t *vars);
ngx_int_t ngx_http_fanout_zone_log(ngx_shm_zone_t *shm_zone,
    const char *directive);
char *ngx_http_fanout_check_id(ngx_conf_t *cf, const char *directive,
    ngx_str_t *id);


#endif /* _NGX_HTTP_FANOUT_H_INCLUDED_ */
