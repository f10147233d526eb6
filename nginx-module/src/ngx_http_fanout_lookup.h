/*
 * ngx_http_fanout_lookup.h — ngx_http_fanout_lookup_module: which origin
 * publishes a stream.
 *
 *   ngx_http_fanout_lookup_module.c   directives, configuration, variables
 *   ngx_http_fanout_lookup_handler.c  the precontent phase handler
 *   ngx_http_fanout_lookup_policy.c   no usable origin: the lost hook,
 *                                     fanout_origin_nodes, 503
 *   ngx_http_fanout_lookup_origins.c  the log phase: the last good and
 *                                     failed origin fetch (heartbeat)
 *   ngx_http_fanout_time.c            /{app}/streams/time
 *   ngx_http_fanout_signed.c          signed playback URLs: the token
 *                                     element, checked and removed
 *   ngx_http_fanout_answers.c         the answers every worker shares (the
 *                                     zone fanout_lookups)
 *   ngx_http_fanout_lookup.c          store lookups on the thread pool,
 *                                     coalescing, resuming the waiters
 *
 * Its request ctx is what the modules after it read: the stream
 * (key, kind) and the answer the request is proxied with.
 */
#ifndef _NGX_HTTP_FANOUT_LOOKUP_H_INCLUDED_
#define _NGX_HTTP_FANOUT_LOOKUP_H_INCLUDED_


#include "ngx_http_fanout.h"
#include "fanout/playback_token.h"


/* How often a worker re-reads the answers while another worker looks up. */
#define NGX_HTTP_FANOUT_POLL_MS     5


/* What the answers zone knows about a stream. */
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
    uint64_t                    lost_ms;    /* GONE: since when the store
                                               says the stream has had no
                                               live origin (Unix ms); 0
                                               never live, or unknown */
    size_t                      origin_len;
    u_char                      origin[NGX_HTTP_FANOUT_ORIGIN_MAX];
} ngx_http_fanout_answer_t;


/* What the answers zone tells the handler (ngx_http_fanout_answer_get). */
typedef enum {
    NGX_HTTP_FANOUT_ANSWERED = 0,   /* fresh answer */
    NGX_HTTP_FANOUT_STALE,          /* stale mapping; a refresh is running */
    NGX_HTTP_FANOUT_STALE_START,    /* stale mapping; caller starts refresh */
    NGX_HTTP_FANOUT_START,          /* nothing usable; caller looks up */
    NGX_HTTP_FANOUT_WAIT_LOCAL,     /* this worker's lookup is running */
    NGX_HTTP_FANOUT_WAIT_REMOTE     /* another worker's lookup is running */
} ngx_http_fanout_action_e;


/* The module's counters (fanout_status), in ngx_http_fanout_lookup_metrics
 * order. */
enum {
    NGX_HTTP_FANOUT_M_REQUESTS = 0,
    NGX_HTTP_FANOUT_M_HITS,
    NGX_HTTP_FANOUT_M_NEGATIVE_HITS,
    NGX_HTTP_FANOUT_M_STALE,
    NGX_HTTP_FANOUT_M_MISSES,
    NGX_HTTP_FANOUT_M_WAITS_LOCAL,
    NGX_HTTP_FANOUT_M_WAITS_REMOTE,
    NGX_HTTP_FANOUT_M_STORE_LOOKUPS,
    NGX_HTTP_FANOUT_M_STORE_FOUND,
    NGX_HTTP_FANOUT_M_STORE_GONE,
    NGX_HTTP_FANOUT_M_STORE_ERRORS,
    NGX_HTTP_FANOUT_M_FALLBACKS,
    NGX_HTTP_FANOUT_M_UNAVAILABLE,
    NGX_HTTP_FANOUT_M_INVALIDATIONS,
    NGX_HTTP_FANOUT_M_REJECTED,
    NGX_HTTP_FANOUT_M_TAKEOVERS,
    NGX_HTTP_FANOUT_M_PLAY_MISSING,
    NGX_HTTP_FANOUT_M_PLAY_BAD,
    NGX_HTTP_FANOUT_M_PLAY_EXPIRED,
    NGX_HTTP_FANOUT_M_BYTES_OUT,
    NGX_HTTP_FANOUT_M_ENTRIES,      /* gauges from here on */
    NGX_HTTP_FANOUT_M_MAPPED,
    NGX_HTTP_FANOUT_M_INFLIGHT,
    NGX_HTTP_FANOUT_M_ORIGIN_OK,    /* wall-clock ms; 0 none */
    NGX_HTTP_FANOUT_M_ORIGIN_FAIL,
    NGX_HTTP_FANOUT_M_LOOKUP_N
};


typedef struct {
    ngx_rbtree_t                rbtree;
    ngx_rbtree_node_t           sentinel;
    ngx_queue_t                 lru;
    ngx_uint_t                  version;    /* answers and lookup tokens */
    ngx_atomic_t                rr;         /* fanout_origin_nodes */
} ngx_http_fanout_answers_sh_t;


typedef struct ngx_http_fanout_ctx_s  ngx_http_fanout_ctx_t;

/*
 * found: called when a request is to be proxied to the stream's own origin
 * (not a fallback).  lost: when the stream has no live origin (gone, the
 * store failing with nothing to fall back on, or the origin that just
 * failed named again).  NGX_OK when it set another content handler,
 * NGX_DECLINED, NGX_ERROR; found also NGX_AGAIN: the request waits (its
 * `blocked` raised, its phase WAITING) and the hook wakes it, phase
 * DONE, to be proxied (a segment this edge is prefetching); lost also
 * NGX_BUSY: the stream is in its grace but there is nothing to send for
 * this request (a segment): 503 with Retry-After, which players retry,
 * rather than a 404, which they give up on.  The cache module's playlist
 * copies (found) and the last playlist it served (lost, the grace) hook
 * in here.
 */
typedef ngx_int_t (*ngx_http_fanout_found_pt)(ngx_http_request_t *r,
    ngx_http_fanout_ctx_t *ctx);


typedef struct {
    ngx_http_fanout_main_conf_t  *fmcf;         /* the store, the pool */

    ngx_shm_zone_t               *zone;         /* fanout_lookups */
    size_t                        zone_size;
    ngx_http_fanout_answers_sh_t *sh;
    ngx_slab_pool_t              *shpool;
    ngx_atomic_t                 *metrics;

    ngx_msec_t                    timeout;
    ngx_array_t                  *origin_nodes; /* ngx_str_t "host:port" */
    ngx_http_fanout_found_pt      found;
    ngx_http_fanout_found_pt      lost;         /* no live origin: the
                                                   last playlist (grace) */
    fo_pt_keyring                *play_keys;    /* fanout_play_keys */

    /* per worker process */
    ngx_rbtree_t                  pending;      /* lookups in flight here */
    ngx_rbtree_node_t             pending_sentinel;
    unsigned                      store_failing:1;
} ngx_http_fanout_lookup_main_conf_t;


typedef struct {
    ngx_flag_t                  lookup;
    ngx_flag_t                  invalidate;
    ngx_msec_t                  ttl;
    ngx_msec_t                  negative_ttl;
    ngx_array_t                *apps;           /* ngx_str_t */
    ngx_flag_t                  play_signed;
} ngx_http_fanout_lookup_loc_conf_t;


typedef enum {
    NGX_HTTP_FANOUT_PHASE_NEW = 0,  /* path not parsed yet */
    NGX_HTTP_FANOUT_PHASE_LOOKING,  /* parsed; ask the answers */
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
struct ngx_http_fanout_ctx_s {
    ngx_http_request_t         *request;
    ngx_queue_t                 queue;          /* in a lookup's waiters */
    ngx_event_t                 deadline;       /* of a wait */
    ngx_event_t                 hold;           /* the found hook's wait */
    ngx_msec_t                  hold_start;
    uint32_t                    hold_mark;
    ngx_str_t                   uri;            /* the r->uri parsed */
    ngx_str_t                   token;          /* its signed-path element's
                                                   token, removed from
                                                   r->uri; or empty */
    ngx_uint_t                  phase;
    ngx_uint_t                  status;         /* 0: proxy to the origin */
    ngx_uint_t                  lookup_status;
    ngx_http_fanout_kind_e      kind;
    uint32_t                    hash;
    unsigned                    queued:1;
    unsigned                    waited:1;
    unsigned                    retried:1;
    unsigned                    fallback:1;
    unsigned                    failed:1;       /* failed_crc is set */
    unsigned                    failed_down:1;  /* and it did not answer
                                                   (502, 504): gone */
    unsigned                    play_exchange:1; /* a playlist's ?token=
                                                   for the origin to trade
                                                   for a signed path: no
                                                   cache, no edge token */
    uint32_t                    failed_crc;     /* origin + session that
                                                   failed (the retry) */
    ngx_uint_t                  fallback_index;
    ngx_str_t                   key;            /* "app/stream" in keybuf */
    u_char                      keybuf[NGX_HTTP_FANOUT_KEY_MAX];
    char                        app[FO_ID_MAX];
    char                        stream[FO_STREAM_MAX];
    ngx_http_fanout_answer_t    answer;
};


/*
 * What this worker's requests for one stream wait on; malloc'ed, freed
 * when it answers.  Either a store lookup on the thread pool, or a watch
 * on another worker's lookup: then one timer per worker and stream
 * re-reads the answers, not one per request.
 */
typedef struct {
    ngx_str_node_t              sn;             /* in lmcf->pending */
    ngx_queue_t                 waiters;        /* ngx_http_fanout_ctx_t */
    ngx_http_fanout_task_t      task;
    ngx_event_t                 watch;          /* another worker's lookup */
    ngx_http_fanout_lookup_main_conf_t *lmcf;
    ngx_uint_t                  token;
    ngx_msec_t                  ttl;            /* of the first waiter */
    ngx_msec_t                  negative_ttl;
    unsigned                    watching:1;

    /* read and written by the pool thread only while the task runs */
    char                        app[FO_ID_MAX];
    char                        stream[FO_STREAM_MAX];
    fo_origin                   origin;

    u_char                      key[NGX_HTTP_FANOUT_KEY_MAX];
} ngx_http_fanout_lookup_t;


extern ngx_module_t  ngx_http_fanout_lookup_module;


/* The request's lookup ctx, or NULL: what the other modules read. */
ngx_http_fanout_ctx_t *ngx_http_fanout_get_ctx(ngx_http_request_t *r);

/* ngx_http_fanout_lookup_handler.c */
ngx_int_t ngx_http_fanout_lookup_handler(ngx_http_request_t *r);

/* ngx_http_fanout_lookup_origins.c: the log phase handler */
ngx_int_t ngx_http_fanout_origins_log_handler(ngx_http_request_t *r);

/* ngx_http_fanout_lookup_policy.c */
ngx_int_t ngx_http_fanout_lost(ngx_http_request_t *r,
    ngx_http_fanout_lookup_main_conf_t *lmcf, ngx_http_fanout_ctx_t *ctx);
ngx_int_t ngx_http_fanout_retry_after(ngx_http_request_t *r, ngx_uint_t s);
ngx_int_t ngx_http_fanout_fallback(ngx_http_request_t *r,
    ngx_http_fanout_lookup_main_conf_t *lmcf,
    ngx_http_fanout_lookup_loc_conf_t *llcf, ngx_http_fanout_ctx_t *ctx,
    ngx_uint_t next);

/* ngx_http_fanout_time.c: /{app}/streams/time */
ngx_int_t ngx_http_fanout_time_start(ngx_http_request_t *r,
    ngx_http_fanout_ctx_t *ctx);
ngx_int_t ngx_http_fanout_time_handler(ngx_http_request_t *r);
uint32_t ngx_http_fanout_answer_crc(ngx_http_fanout_answer_t *answer);

/* ngx_http_fanout_signed.c: signed playback URLs (fanout_play_*) */
char *ngx_http_fanout_play_keys(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_int_t ngx_http_fanout_signed_strip(ngx_http_request_t *r,
    ngx_http_fanout_ctx_t *ctx);
ngx_int_t ngx_http_fanout_signed_check(ngx_http_request_t *r,
    ngx_http_fanout_lookup_main_conf_t *lmcf,
    ngx_http_fanout_lookup_loc_conf_t *llcf, ngx_http_fanout_ctx_t *ctx);
ngx_int_t ngx_http_fanout_play_token(ngx_http_request_t *r,
    ngx_http_fanout_ctx_t *ctx, ngx_str_t *token);
ngx_int_t ngx_http_fanout_signed_add_variables(ngx_conf_t *cf);

/* ngx_http_fanout_lookup_module.c */
ngx_int_t ngx_http_fanout_lookup_add_variables(ngx_conf_t *cf);

/* ngx_http_fanout_answers.c */
ngx_int_t ngx_http_fanout_answers_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
ngx_http_fanout_action_e ngx_http_fanout_answer_get(
    ngx_http_fanout_lookup_main_conf_t *lmcf, ngx_str_t *key, uint32_t hash,
    ngx_msec_t ttl, ngx_msec_t negative_ttl, ngx_uint_t local,
    ngx_http_fanout_answer_t *answer, ngx_uint_t *token);
void ngx_http_fanout_answer_put(ngx_http_fanout_lookup_main_conf_t *lmcf,
    ngx_str_t *key, uint32_t hash, ngx_uint_t token,
    ngx_http_fanout_answer_t *result, ngx_http_fanout_answer_t *out);
void ngx_http_fanout_answer_invalidate(
    ngx_http_fanout_lookup_main_conf_t *lmcf, ngx_str_t *key, uint32_t hash,
    ngx_uint_t version);

/* ngx_http_fanout_lookup.c */
ngx_http_fanout_lookup_t *ngx_http_fanout_lookup_find(
    ngx_http_fanout_lookup_main_conf_t *lmcf, ngx_str_t *key, uint32_t hash);
ngx_int_t ngx_http_fanout_lookup_start(
    ngx_http_fanout_lookup_main_conf_t *lmcf,
    ngx_http_fanout_lookup_loc_conf_t *llcf, ngx_http_fanout_ctx_t *ctx,
    ngx_uint_t token, ngx_http_fanout_lookup_t **lkp);
ngx_int_t ngx_http_fanout_lookup_watch(
    ngx_http_fanout_lookup_main_conf_t *lmcf,
    ngx_http_fanout_lookup_loc_conf_t *llcf, ngx_http_fanout_ctx_t *ctx,
    ngx_http_fanout_lookup_t **lkp);
void ngx_http_fanout_lookup_wait(ngx_http_fanout_lookup_t *lk,
    ngx_http_fanout_ctx_t *ctx);
void ngx_http_fanout_wake(ngx_http_request_t *r);


#endif /* _NGX_HTTP_FANOUT_LOOKUP_H_INCLUDED_ */
