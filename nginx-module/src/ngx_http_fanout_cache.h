/*
 * ngx_http_fanout_cache.h — ngx_http_fanout_cache_module: what the edge
 * adds to nginx's response cache (proxy_cache).  "Cache" in the fanout
 * directives and variables means this, and only this:
 *
 *   fanout_playlist_cache*   copies of the playlists and MPDs the proxy
 *                            cache holds, in the zone fanout_playlist_cache,
 *                            answered without the proxy
 *   $fanout_cache_status     MEM for such a copy, else the proxy cache's
 *   $fanout_cache_offset     where the origin's answer starts in the proxy
 *                            cache file (fanout/cache_pad.h)
 *
 *   ngx_http_fanout_cache_module.c  directives, configuration, variables
 *   ngx_http_fanout_cache_copies.c  the zone: finding, sending, storing
 *   ngx_http_fanout_cache_fill.c    the filters that copy the proxy's
 *                                   answers (and hold one that may be
 *                                   older than the last one served)
 *   ngx_http_fanout_cache_last.c    the last playlist served per path:
 *                                   never serve an older one; serve it
 *                                   while the stream has no live origin
 *                                   (fanout_playlist_grace)
 *   ngx_http_fanout_prefetch.c      fanout_prefetch: the newest segments
 *                                   a fresh playlist lists, fetched into
 *                                   the proxy cache at once
 *   ngx_http_fanout_prefetch_hold.c a viewer's request for a segment
 *                                   being prefetched waits for it
 */
#ifndef _NGX_HTTP_FANOUT_CACHE_H_INCLUDED_
#define _NGX_HTTP_FANOUT_CACHE_H_INCLUDED_


#include "ngx_http_fanout_lookup.h"
#include "ngx_http_fanout_position.h"


/* A record per header in the copy: its flags, then key, lower-case key,
 * value. */
#define NGX_HTTP_FANOUT_MC_ETAG         1
#define NGX_HTTP_FANOUT_MC_LAST_MOD     2

#define NGX_HTTP_FANOUT_MC_HEADERS_MAX  4096    /* bytes of records */
#define NGX_HTTP_FANOUT_EPOCH_LEN       8       /* hex digits */
#define NGX_HTTP_FANOUT_MC_KEY_MAX      (NGX_HTTP_FANOUT_ORIGIN_MAX + 1       \
                                         + NGX_HTTP_FANOUT_SESSION_LEN        \
                                         + NGX_HTTP_FANOUT_EPOCH_LEN          \
                                         + NGX_HTTP_FANOUT_PATH_MAX)
#define NGX_HTTP_FANOUT_MC_EVICT        8       /* per allocation attempt */

/* Prefetches in flight, edge-wide: a viewer's request for such a segment
 * waits for it (ngx_http_fanout_prefetch_hold.c). */
#define NGX_HTTP_FANOUT_PREFETCH_SLOTS  256
/* Segments whose prefetch got a failed answer, edge-wide, for
 * NGX_HTTP_FANOUT_LOST_KEEP ms (past a playlist's proxy cache entry, 1-2
 * s, and its wait, 2 s): a playlist that lists one is answered with the
 * one before (ngx_http_fanout_prefetch_hold.c). */
#define NGX_HTTP_FANOUT_LOST_SLOTS      32
#define NGX_HTTP_FANOUT_LOST_KEEP       4000
/* Names a playlist's prefetch covers, and how long a prefetch may take
 * in all (ngx_http_fanout_prefetch.c). */
#define NGX_HTTP_FANOUT_PREFETCH_NAMES    32
#define NGX_HTTP_FANOUT_PREFETCH_TIMEOUT  10000     /* ms */
/* r->buffered while a playlist waits for its prefetches (the bit nginx's
 * image and xslt filters use: never in a stream location). */
#define NGX_HTTP_FANOUT_BUFFERED        0x08
#define ngx_http_fanout_waiting(r)  ((r)->buffered & NGX_HTTP_FANOUT_BUFFERED)
/* The User-Agent of the edge's requests to itself: never held. */
#define NGX_HTTP_FANOUT_PREFETCH_UA     "fanout-prefetch"

typedef struct {
    u_char                      flags;
    u_char                      pad;
    uint16_t                    key_len;
    uint16_t                    value_len;
} ngx_http_fanout_mc_header_t;


typedef struct {
    ngx_str_node_t              sn;         /* key: the proxy cache key */
    ngx_queue_t                 lru;
    uint64_t                    expires;    /* wall clock, ms */
    ngx_msec_t                  deadline;   /* ngx_current_msec: the cap,
                                               whatever the wall clock does */
    ngx_uint_t                  gen;        /* of the mapping */
    uint64_t                    proxy_expires;  /* wall ms: its proxy
                                               cache entry's expiry */
    time_t                      last_modified_time;
    size_t                      size;       /* this allocation */
    uint32_t                    ctype_len;
    uint32_t                    headers_len;
    uint32_t                    body_len;
    u_char                      data[1];    /* key, type, headers, body */
} ngx_http_fanout_mc_entry_t;


/*
 * A prefetch in flight: the crc32 of the segment's path (never 0; 0: the
 * slot is free) and when the mark ends whatever happens to the worker
 * that made it (ngx_current_msec, one monotonic clock for all workers).
 */
typedef struct {
    ngx_atomic_t                mark;
    ngx_atomic_t                until;
} ngx_http_fanout_prefetch_slot_t;


/* The module's counters (fanout_status), in ngx_http_fanout_cache_metrics
 * order. */
enum {
    NGX_HTTP_FANOUT_MC_HITS = 0,
    NGX_HTTP_FANOUT_MC_MISSES,
    NGX_HTTP_FANOUT_MC_STORES,
    NGX_HTTP_FANOUT_MC_TOO_BIG,
    NGX_HTTP_FANOUT_MC_NO_ROOM,
    NGX_HTTP_FANOUT_MC_EVICTIONS,
    NGX_HTTP_FANOUT_MC_OLDER,
    NGX_HTTP_FANOUT_MC_GRACE,
    NGX_HTTP_FANOUT_MC_FINAL,
    NGX_HTTP_FANOUT_MC_REFRESHES,
    NGX_HTTP_FANOUT_MC_PREFETCHES,
    NGX_HTTP_FANOUT_MC_PREFETCH_FAILED,
    NGX_HTTP_FANOUT_MC_PREFETCH_SKIPPED,
    NGX_HTTP_FANOUT_MC_PREFETCH_HOLDS,
    NGX_HTTP_FANOUT_MC_PREFETCH_WAITS,
    NGX_HTTP_FANOUT_MC_PREFETCH_LOST,
    NGX_HTTP_FANOUT_MC_ENTRIES,     /* gauges from here on */
    NGX_HTTP_FANOUT_MC_BYTES,
    NGX_HTTP_FANOUT_MC_LAST_ENTRIES,
    NGX_HTTP_FANOUT_MC_N
};


/*
 * The last playlist or MPD served for a path (whatever origin or session
 * it came from), with its position in the stream.
 */
typedef struct {
    ngx_str_node_t              sn;         /* key: $uri */
    ngx_queue_t                 lru;        /* by refresh, newest first */
    uint64_t                    refreshed;  /* wall ms: a live origin's */
    uint64_t                    lost;       /* wall ms: the grace began;
                                               0: not lost since */
    uint32_t                    source;     /* origin and session, crc32 */
    unsigned                    dash:1;
    ngx_http_fanout_position_t  pos;
    time_t                      last_modified_time;
    size_t                      size;
    uint32_t                    ctype_len;
    uint32_t                    headers_len;
    uint32_t                    body_len;
    u_char                      data[1];    /* key, type, headers, body */
} ngx_http_fanout_last_entry_t;


typedef struct {
    ngx_rbtree_t                rbtree;
    ngx_rbtree_node_t           sentinel;
    ngx_queue_t                 lru;
    ngx_rbtree_t                last;       /* ngx_http_fanout_last_entry_t */
    ngx_rbtree_node_t           last_sentinel;
    ngx_queue_t                 last_lru;
    /* Drawn when the zone is made (a start, not a reload), and part of
     * the playlists' proxy_cache_key ($fanout_cache_epoch): the proxy
     * cache's files outlive a restart, the last playlists served do not,
     * so a playlist cached before it must not be answered after it. */
    uint32_t                    epoch;
    ngx_http_fanout_prefetch_slot_t  prefetching[
                                    NGX_HTTP_FANOUT_PREFETCH_SLOTS];
    ngx_atomic_t                prefetch_marks; /* slots taken from free:
                                                   0, nothing to look for */
    /* a ring: mark, and until when it counts */
    ngx_http_fanout_prefetch_slot_t  lost[NGX_HTTP_FANOUT_LOST_SLOTS];
    ngx_atomic_t                lost_next;
} ngx_http_fanout_cache_sh_t;


/* A copy out of the zone, in the request pool. */
typedef struct {
    u_char                     *data;       /* type, headers, body */
    time_t                      last_modified_time;
    uint32_t                    ctype_len;
    uint32_t                    headers_len;
    uint32_t                    body_len;
    unsigned                    rewritten:1;    /* body made here: no
                                                   ETag, Last-Modified */
} ngx_http_fanout_mcopy_t;


/* A response being copied; everything in the request pool. */
typedef struct {
    u_char                     *data;       /* type, headers, body */
    u_char                     *last;
    u_char                     *end;
    time_t                      last_modified_time;
    uint32_t                    ctype_len;
    uint32_t                    headers_len;
    uint32_t                    body_len;
    ngx_uint_t                  gen;
    ngx_str_t                   key;
    uint32_t                    source;     /* ngx_http_fanout_answer_crc */
    uint64_t                    wall;       /* its header came: wall ms, */
    ngx_msec_t                  msec;       /* and ngx_current_msec */
    unsigned                    failed:1;
    unsigned                    held:1;     /* the header waits for the
                                               body: it may be older, or
                                               list segments in flight */
    unsigned                    lost:1;     /* a segment it lists could
                                               not be fetched */
    ngx_uint_t                  nmarks;
    ngx_atomic_uint_t           marks[NGX_HTTP_FANOUT_PREFETCH_NAMES];
    /* while it waits, its own path is marked: the same playlist's other
     * requests wait for it, not for the proxy cache lock */
    ngx_http_fanout_prefetch_slot_t  *self;
    ngx_atomic_uint_t           self_mark;
} ngx_http_fanout_capture_t;


typedef struct {
    ngx_shm_zone_t             *zone;       /* fanout_playlist_cache */
    size_t                      zone_size;
    ngx_http_fanout_cache_sh_t *sh;
    ngx_slab_pool_t            *pool;
    ngx_atomic_t               *metrics;
    unsigned                    used:1;     /* a location enables it */
} ngx_http_fanout_cache_main_conf_t;


typedef struct {
    ngx_flag_t                  playlist_cache;
    size_t                      playlist_max_size;
    ngx_msec_t                  playlist_valid;
    ngx_msec_t                  playlist_grace;
    ngx_msec_t                  playlist_final;
    ngx_msec_t                  playlist_stale;
    ngx_uint_t                  prefetch_segments;  /* 0: off */
    ngx_addr_t                 *prefetch_addr;  /* NULL: the request's */
} ngx_http_fanout_cache_loc_conf_t;


/* Per request; a redirect drops it, and with it a copy half made. */
typedef struct {
    ngx_http_fanout_mcopy_t    *mem;        /* what a memory hit sends */
    ngx_http_fanout_capture_t  *capture;    /* a response being stored */
    unsigned                    mem_hit:1;
    unsigned                    last:2;     /* 1: GRACE, 2: FINAL */
    unsigned                    refresh:1;  /* $fanout_playlist_refresh */
} ngx_http_fanout_cache_ctx_t;


#define ngx_http_fanout_mc_count(camcf, i)                                    \
    ngx_http_fanout_count((camcf)->metrics, NGX_HTTP_FANOUT_MC_ ## i)
#define ngx_http_fanout_mc_gauge(camcf, i, n)                                 \
    (void) ngx_atomic_fetch_add(&(camcf)->metrics[NGX_HTTP_FANOUT_MC_ ## i], n)


extern ngx_module_t  ngx_http_fanout_cache_module;


static ngx_inline uint64_t
ngx_http_fanout_wall_msec(void)
{
    ngx_time_t  *tp;

    tp = ngx_timeofday();

    return (uint64_t) tp->sec * 1000 + tp->msec;
}


/* ngx_http_fanout_cache_copies.c */
ngx_int_t ngx_http_fanout_cache_send(ngx_http_request_t *r);
ngx_int_t ngx_http_fanout_cache_headers(ngx_http_request_t *r,
    ngx_http_fanout_mcopy_t *m);
ngx_http_fanout_mc_entry_t *ngx_http_fanout_cache_alloc(
    ngx_http_fanout_cache_main_conf_t *camcf, size_t size, uint64_t now);
ngx_int_t ngx_http_fanout_cache_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
ngx_int_t ngx_http_fanout_cache_find(ngx_http_request_t *r,
    ngx_http_fanout_ctx_t *ctx);
u_char *ngx_http_fanout_cache_epoch_hex(
    ngx_http_fanout_cache_main_conf_t *camcf, u_char *p);
size_t ngx_http_fanout_cache_key(ngx_http_fanout_ctx_t *ctx,
    ngx_http_request_t *r, u_char *buf);
void ngx_http_fanout_cache_store(ngx_http_request_t *r,
    ngx_http_fanout_capture_t *cap);

/* ngx_http_fanout_cache_fill.c */
void ngx_http_fanout_cache_fill_init(ngx_conf_t *cf);
ngx_int_t ngx_http_fanout_cache_release(ngx_http_request_t *r,
    ngx_http_fanout_capture_t *cap);

/* ngx_http_fanout_cache_last.c */
#define ngx_http_fanout_last_age(e, now)                                     \
    ((now) > (e)->refreshed ? (now) - (e)->refreshed : 0)

ngx_int_t ngx_http_fanout_last_lost(ngx_http_request_t *r,
    ngx_http_fanout_ctx_t *ctx);
ngx_http_fanout_last_entry_t *ngx_http_fanout_last_find(
    ngx_http_fanout_cache_main_conf_t *camcf, ngx_str_t *uri);
void ngx_http_fanout_last_delete(ngx_http_fanout_cache_main_conf_t *camcf,
    ngx_http_fanout_last_entry_t *e);
ngx_http_fanout_last_entry_t *ngx_http_fanout_last_new(
    ngx_http_fanout_cache_main_conf_t *camcf,
    ngx_http_fanout_cache_loc_conf_t *calcf, ngx_str_t *key, size_t size,
    uint64_t now);
void ngx_http_fanout_last_touch(ngx_http_fanout_cache_main_conf_t *camcf,
    ngx_http_fanout_last_entry_t *e, uint64_t now);
ngx_int_t ngx_http_fanout_last_lost_since(
    ngx_http_fanout_cache_main_conf_t *camcf,
    ngx_http_fanout_cache_loc_conf_t *calcf, ngx_http_fanout_last_entry_t *e,
    uint64_t now, uint64_t *since);

/* ngx_http_fanout_cache_stream.c */
ngx_int_t ngx_http_fanout_last_stream_lost(ngx_http_fanout_ctx_t *ctx,
    ngx_http_fanout_cache_main_conf_t *camcf,
    ngx_http_fanout_cache_loc_conf_t *calcf, uint64_t now);
void ngx_http_fanout_last_stream_put(ngx_http_fanout_cache_main_conf_t *camcf,
    ngx_http_fanout_cache_loc_conf_t *calcf, ngx_http_fanout_ctx_t *ctx,
    ngx_http_fanout_position_t *pos, uint64_t now);
ngx_uint_t ngx_http_fanout_last_hold(ngx_http_request_t *r,
    ngx_http_fanout_capture_t *cap);
ngx_http_fanout_mcopy_t *ngx_http_fanout_last_offer(ngx_http_request_t *r,
    ngx_http_fanout_ctx_t *ctx, ngx_http_fanout_capture_t *cap);

/* ngx_http_fanout_prefetch.c */
char *ngx_http_fanout_prefetch_set(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_uint_t ngx_http_fanout_prefetch_on(ngx_http_request_t *r,
    ngx_http_fanout_cache_loc_conf_t *calcf);
ngx_uint_t ngx_http_fanout_prefetch(ngx_http_request_t *r,
    ngx_http_fanout_ctx_t *ctx, u_char *p, size_t len, ngx_uint_t start,
    ngx_atomic_uint_t *marks);

/* ngx_http_fanout_prefetch_hold.c */
ngx_http_fanout_cache_ctx_t *ngx_http_fanout_cache_get_ctx(
    ngx_http_request_t *r);
ngx_http_fanout_prefetch_slot_t *ngx_http_fanout_prefetch_mark(
    ngx_http_fanout_cache_main_conf_t *camcf, ngx_str_t *path,
    ngx_atomic_uint_t *mark, ngx_msec_t ttl);
void ngx_http_fanout_prefetch_unmark(ngx_http_fanout_cache_main_conf_t *camcf,
    ngx_http_fanout_prefetch_slot_t *s, ngx_atomic_uint_t mark);
ngx_int_t ngx_http_fanout_prefetch_hold(ngx_http_request_t *r,
    ngx_http_fanout_ctx_t *ctx);
ngx_atomic_uint_t ngx_http_fanout_prefetch_key(u_char *path, size_t len);
ngx_uint_t ngx_http_fanout_prefetching(ngx_http_fanout_cache_sh_t *sh,
    ngx_atomic_uint_t mark);
void ngx_http_fanout_prefetch_lost(ngx_http_fanout_cache_main_conf_t *camcf,
    ngx_atomic_uint_t mark);
ngx_int_t ngx_http_fanout_playlist_wait(ngx_http_request_t *r,
    ngx_http_fanout_capture_t *cap);


#endif /* _NGX_HTTP_FANOUT_CACHE_H_INCLUDED_ */
