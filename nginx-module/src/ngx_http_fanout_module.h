/*
 * ngx_http_fanout_module.h — types shared by the edge module's files.
 *
 *   ngx_http_fanout_module.c  directives, configuration, the phase handler,
 *                             variables
 *   ngx_http_fanout_shm.c     the shared-memory answer cache (slab, rbtree,
 *                             LRU, counters)
 *   ngx_http_fanout_lookup.c  store lookups on the thread pool, coalescing,
 *                             resuming the requests that wait
 *   ngx_http_fanout_node.c    this edge's heartbeat in the store
 *   ngx_http_fanout_viewers.c viewer accounting: the log-phase recorder
 *                             and its shared zone
 *   ngx_http_fanout_viewers_report.c worker 0's count of the zone and
 *                             its reports to the store
 *   ngx_http_fanout_memcache.c playlists and MPDs served from shared
 *                             memory (fanout_playlist_cache): zone, hits
 *   ngx_http_fanout_memfill.c the filters that copy the proxy's answers
 *   ngx_http_fanout_status.c  the fanout_status page
 *   ngx_http_fanout_uri.c     the request-path parser (pure)
 */
#ifndef _NGX_HTTP_FANOUT_MODULE_H_INCLUDED_
#define _NGX_HTTP_FANOUT_MODULE_H_INCLUDED_


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

/* How often a worker re-reads the cache while another worker looks up. */
#define NGX_HTTP_FANOUT_POLL_MS     5


/* What the cache knows about a stream. */
typedef enum {
    NGX_HTTP_FANOUT_EMPTY = 0,      /* nothing (new, or invalidated) */
    NGX_HTTP_FANOUT_FOUND,          /* broadcasting on a live origin */
    NGX_HTTP_FANOUT_GONE,           /* unknown, not broadcasting, origin dead */
    NGX_HTTP_FANOUT_ERROR           /* store failed, no mapping known */
} ngx_http_fanout_state_e;


typedef struct {
    ngx_uint_t                  state;
    ngx_uint_t                  version;    /* changes with every answer */
    ngx_uint_t                  gen;        /* changes when the mapping does:
                                               another origin or session, or
                                               found again after a loss */
    uint32_t                    session;    /* crc32 of the publish session */
    unsigned                    stale:1;    /* FOUND kept after an error */
    size_t                      origin_len;
    u_char                      origin[NGX_HTTP_FANOUT_ORIGIN_MAX];
} ngx_http_fanout_answer_t;


/* What the cache tells the phase handler to do (ngx_http_fanout_cache_get). */
typedef enum {
    NGX_HTTP_FANOUT_ANSWERED = 0,   /* fresh answer */
    NGX_HTTP_FANOUT_STALE,          /* stale mapping; a refresh is running */
    NGX_HTTP_FANOUT_STALE_START,    /* stale mapping; caller starts refresh */
    NGX_HTTP_FANOUT_START,          /* nothing usable; caller looks up */
    NGX_HTTP_FANOUT_WAIT_LOCAL,     /* this worker's lookup is running */
    NGX_HTTP_FANOUT_WAIT_REMOTE     /* another worker's lookup is running */
} ngx_http_fanout_action_e;


/* Counters every worker adds to; fanout_status prints them in this order. */
typedef struct {
    ngx_atomic_t                requests;
    ngx_atomic_t                hits;
    ngx_atomic_t                negative_hits;
    ngx_atomic_t                stale;
    ngx_atomic_t                misses;
    ngx_atomic_t                waits_local;
    ngx_atomic_t                waits_remote;
    ngx_atomic_t                store_lookups;
    ngx_atomic_t                store_found;
    ngx_atomic_t                store_gone;
    ngx_atomic_t                store_errors;
    ngx_atomic_t                fallbacks;
    ngx_atomic_t                unavailable;
    ngx_atomic_t                invalidations;
    ngx_atomic_t                rejected;
    ngx_atomic_t                takeovers;
    ngx_atomic_t                heartbeats;
    ngx_atomic_t                heartbeat_errors;
    ngx_atomic_t                viewer_evictions;
    ngx_atomic_t                viewer_streams_full;
    ngx_atomic_t                viewer_reports;
    ngx_atomic_t                viewer_report_errors;
    ngx_atomic_t                entries;    /* gauges from here on */
    ngx_atomic_t                mapped;
    ngx_atomic_t                inflight;
    ngx_atomic_t                viewers_hls;
    ngx_atomic_t                viewers_dash;
    ngx_atomic_t                viewer_streams;
} ngx_http_fanout_stats_t;

#define ngx_http_fanout_count(fmcf, field)                                    \
    (void) ngx_atomic_fetch_add(&(fmcf)->sh->stats.field, 1)


typedef struct {
    ngx_rbtree_t                rbtree;
    ngx_rbtree_node_t           sentinel;
    ngx_queue_t                 lru;
    ngx_uint_t                  version;    /* answers and lookup tokens */
    ngx_atomic_t                rr;         /* fanout_origin_nodes */
    ngx_http_fanout_stats_t     stats;
} ngx_http_fanout_shctx_t;


typedef struct ngx_http_fanout_node_s  ngx_http_fanout_node_t;
typedef struct ngx_http_fanout_mcshctx_s  ngx_http_fanout_mcshctx_t;
typedef struct ngx_http_fanout_mcopy_s  ngx_http_fanout_mcopy_t;
typedef struct ngx_http_fanout_capture_s  ngx_http_fanout_capture_t;
typedef struct ngx_http_fanout_vshctx_s  ngx_http_fanout_vshctx_t;
typedef struct ngx_http_fanout_reporter_s  ngx_http_fanout_reporter_t;


typedef struct {
    ngx_str_t                   uri;            /* NUL-terminated */

    ngx_shm_zone_t             *shm_zone;
    size_t                      zone_size;
    ngx_http_fanout_shctx_t    *sh;
    ngx_slab_pool_t            *shpool;

    ngx_str_t                   thread_pool_name;
    ngx_thread_pool_t          *thread_pool;
    ngx_msec_t                  lookup_timeout;

    ngx_array_t                *origin_nodes;   /* ngx_str_t "host:port" */

    ngx_str_t                   node_id;        /* NUL-terminated */
    ngx_str_t                   node_host;      /* NUL-terminated */
    ngx_int_t                   node_port;
    ngx_str_t                   node_group;     /* NUL-terminated */
    ngx_msec_t                  update_period;

    ngx_shm_zone_t             *viewer_zone;
    size_t                      viewer_zone_size;
    ngx_msec_t                  viewer_window;
    ngx_http_fanout_vshctx_t   *vsh;
    ngx_slab_pool_t            *vpool;

    ngx_shm_zone_t             *mc_zone;        /* fanout_playlists */
    size_t                      mc_zone_size;
    ngx_http_fanout_mcshctx_t  *mcsh;
    ngx_slab_pool_t            *mcpool;
    unsigned                    mc_used:1;      /* a location enables it */

    /* per worker process, set up in init_process */
    pthread_mutex_t             stores_mutex;   /* idle store handles */
    fo_store                   *stores[NGX_HTTP_FANOUT_STORES];
    ngx_uint_t                  nstores;
    unsigned                    stores_ready:1;
    unsigned                    store_failing:1;
    ngx_rbtree_t                pending;        /* lookups in flight here */
    ngx_rbtree_node_t           pending_sentinel;
    ngx_http_fanout_node_t     *node;
    ngx_http_fanout_reporter_t *reporter;       /* worker 0 */
} ngx_http_fanout_main_conf_t;


typedef struct {
    ngx_flag_t                  lookup;
    ngx_flag_t                  invalidate;
    ngx_msec_t                  ttl;
    ngx_msec_t                  negative_ttl;
    ngx_array_t                *apps;           /* ngx_str_t */
    ngx_flag_t                  viewers;
    ngx_array_t                *viewer_args;    /* ngx_str_t; empty: off */
    ngx_flag_t                  playlist_cache;
    size_t                      playlist_max_size;
    ngx_msec_t                  playlist_valid;
} ngx_http_fanout_loc_conf_t;


typedef enum {
    NGX_HTTP_FANOUT_PHASE_NEW = 0,  /* path not parsed yet */
    NGX_HTTP_FANOUT_PHASE_LOOKING,  /* parsed; ask the cache */
    NGX_HTTP_FANOUT_PHASE_WAITING,  /* queued on a lookup or a watch */
    NGX_HTTP_FANOUT_PHASE_ANSWERED, /* a lookup it waited for answered */
    NGX_HTTP_FANOUT_PHASE_DONE
} ngx_http_fanout_phase_e;


/* $fanout_lookup_status */
typedef enum {
    NGX_HTTP_FANOUT_LS_NONE = 0,
    NGX_HTTP_FANOUT_LS_HIT,
    NGX_HTTP_FANOUT_LS_MISS,
    NGX_HTTP_FANOUT_LS_STALE,
    NGX_HTTP_FANOUT_LS_NEGATIVE,
    NGX_HTTP_FANOUT_LS_FALLBACK,
    NGX_HTTP_FANOUT_LS_UNAVAILABLE,
    NGX_HTTP_FANOUT_LS_REJECTED
} ngx_http_fanout_lookup_status_e;


/*
 * Per request, in the request pool.  It also hangs off a pool cleanup so
 * it survives the ctx reset of internal redirects and named locations
 * (the error_page retry), as ngx_http_realip_module's does.
 */
typedef struct {
    ngx_http_request_t         *request;
    ngx_queue_t                 queue;          /* in a lookup's waiters */
    ngx_event_t                 deadline;       /* of a wait */
    ngx_str_t                   uri;            /* the r->uri parsed */
    ngx_uint_t                  phase;
    ngx_uint_t                  status;         /* 0: proxy to the origin */
    ngx_uint_t                  lookup_status;
    ngx_http_fanout_kind_e      kind;
    uint32_t                    hash;
    unsigned                    queued:1;
    unsigned                    waited:1;
    unsigned                    retried:1;
    unsigned                    fallback:1;
    unsigned                    mem_hit:1;      /* served from fanout_playlists */
    ngx_http_fanout_mcopy_t    *mem;            /* what it serves */
    ngx_http_fanout_capture_t  *capture;        /* a response being stored */
    ngx_uint_t                  fallback_index;
    ngx_str_t                   key;            /* "app/stream" in keybuf */
    u_char                      keybuf[NGX_HTTP_FANOUT_KEY_MAX];
    char                        app[FO_ID_MAX];
    char                        stream[FO_STREAM_MAX];
    ngx_http_fanout_answer_t    answer;
} ngx_http_fanout_ctx_t;


/*
 * What this worker's requests for one stream wait on; malloc'ed, freed
 * when it answers.  Either a store lookup on the thread pool, or a watch
 * on another worker's lookup: then one timer per worker and stream
 * re-reads the shared cache, not one per request.
 */
typedef struct {
    ngx_str_node_t              sn;             /* in fmcf->pending */
    ngx_queue_t                 waiters;        /* ngx_http_fanout_ctx_t */
    ngx_thread_task_t           task;
    ngx_event_t                 watch;          /* another worker's lookup */
    ngx_http_fanout_main_conf_t *fmcf;
    ngx_uint_t                  token;
    ngx_msec_t                  ttl;            /* of the first waiter */
    ngx_msec_t                  negative_ttl;
    unsigned                    watching:1;

    /* read and written by the pool thread only while the task runs */
    char                        app[FO_ID_MAX];
    char                        stream[FO_STREAM_MAX];
    fo_status                   rc;
    fo_origin                   origin;
    fo_error                    err;

    u_char                      key[NGX_HTTP_FANOUT_KEY_MAX];
} ngx_http_fanout_lookup_t;


extern ngx_module_t  ngx_http_fanout_module;


/* ngx_http_fanout_shm.c */
ngx_int_t ngx_http_fanout_init_zone(ngx_shm_zone_t *shm_zone, void *data);
ngx_http_fanout_action_e ngx_http_fanout_cache_get(
    ngx_http_fanout_main_conf_t *fmcf, ngx_str_t *key, uint32_t hash,
    ngx_msec_t ttl, ngx_msec_t negative_ttl, ngx_uint_t local,
    ngx_http_fanout_answer_t *answer, ngx_uint_t *token);
void ngx_http_fanout_cache_put(ngx_http_fanout_main_conf_t *fmcf,
    ngx_str_t *key, uint32_t hash, ngx_uint_t token,
    ngx_http_fanout_answer_t *result, ngx_http_fanout_answer_t *out);
void ngx_http_fanout_cache_invalidate(ngx_http_fanout_main_conf_t *fmcf,
    ngx_str_t *key, uint32_t hash, ngx_uint_t version);

/* ngx_http_fanout_lookup.c */
ngx_http_fanout_lookup_t *ngx_http_fanout_lookup_find(
    ngx_http_fanout_main_conf_t *fmcf, ngx_str_t *key, uint32_t hash);
ngx_int_t ngx_http_fanout_lookup_start(ngx_http_fanout_main_conf_t *fmcf,
    ngx_http_fanout_loc_conf_t *flcf, ngx_http_fanout_ctx_t *ctx,
    ngx_uint_t token, ngx_http_fanout_lookup_t **lkp);
ngx_int_t ngx_http_fanout_lookup_watch(ngx_http_fanout_main_conf_t *fmcf,
    ngx_http_fanout_loc_conf_t *flcf, ngx_http_fanout_ctx_t *ctx,
    ngx_http_fanout_lookup_t **lkp);
void ngx_http_fanout_lookup_wait(ngx_http_fanout_lookup_t *lk,
    ngx_http_fanout_ctx_t *ctx);
void ngx_http_fanout_wake(ngx_http_request_t *r);
fo_store *ngx_http_fanout_store_get(ngx_http_fanout_main_conf_t *fmcf,
    fo_error *err);
void ngx_http_fanout_store_put(ngx_http_fanout_main_conf_t *fmcf,
    fo_store *st);
ngx_int_t ngx_http_fanout_lookup_init_worker(ngx_cycle_t *cycle,
    ngx_http_fanout_main_conf_t *fmcf);
void ngx_http_fanout_lookup_exit_worker(ngx_http_fanout_main_conf_t *fmcf);

/* ngx_http_fanout_node.c */
ngx_int_t ngx_http_fanout_node_init_worker(ngx_cycle_t *cycle,
    ngx_http_fanout_main_conf_t *fmcf);

/* ngx_http_fanout_handler.c */
ngx_http_fanout_ctx_t *ngx_http_fanout_get_ctx(ngx_http_request_t *r);

/* ngx_http_fanout_viewers.c, ngx_http_fanout_viewers_report.c */
ngx_int_t ngx_http_fanout_viewers_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
ngx_int_t ngx_http_fanout_viewers_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_fanout_viewers_init_worker(ngx_cycle_t *cycle,
    ngx_http_fanout_main_conf_t *fmcf);
ngx_uint_t ngx_http_fanout_viewers_tick(ngx_http_fanout_main_conf_t *fmcf);

/* ngx_http_fanout_memcache.c */
ngx_int_t ngx_http_fanout_memcache_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
ngx_int_t ngx_http_fanout_memcache_add_variables(ngx_conf_t *cf);
char *ngx_http_fanout_memcache_merge(ngx_conf_t *cf,
    ngx_http_fanout_loc_conf_t *prev, ngx_http_fanout_loc_conf_t *conf);
ngx_int_t ngx_http_fanout_memcache_init(ngx_conf_t *cf);
ngx_int_t ngx_http_fanout_memcache_find(ngx_http_request_t *r,
    ngx_http_fanout_main_conf_t *fmcf, ngx_http_fanout_loc_conf_t *flcf,
    ngx_http_fanout_ctx_t *ctx);
u_char *ngx_http_fanout_memcache_status(ngx_http_fanout_main_conf_t *fmcf,
    u_char *p);
size_t ngx_http_fanout_memcache_status_len(void);

/* ngx_http_fanout_conf.c: the directives' arguments */
char *ngx_http_fanout_store(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
char *ngx_http_fanout_origin_nodes(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_fanout_node_address(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_fanout_apps(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
char *ngx_http_fanout_viewer_args(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_fanout_check_id(ngx_conf_t *cf, const char *directive,
    ngx_str_t *id);
ngx_int_t ngx_http_fanout_default_host(ngx_conf_t *cf, ngx_str_t *host);

/* ngx_http_fanout_status.c */
char *ngx_http_fanout_status(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);


#endif /* _NGX_HTTP_FANOUT_MODULE_H_INCLUDED_ */
