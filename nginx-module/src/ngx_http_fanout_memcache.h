/*
 * ngx_http_fanout_memcache.h — what the playlist cache's two files share:
 * ngx_http_fanout_memcache.c (the zone, memory hits, storing) and
 * ngx_http_fanout_memfill.c (the filters that copy the proxy's answers).
 */
#ifndef _NGX_HTTP_FANOUT_MEMCACHE_H_INCLUDED_
#define _NGX_HTTP_FANOUT_MEMCACHE_H_INCLUDED_


#include "ngx_http_fanout_module.h"


/* A record per header in the copy: its flags, then key, lower-case key,
 * value. */
#define NGX_HTTP_FANOUT_MC_ETAG         1
#define NGX_HTTP_FANOUT_MC_LAST_MOD     2

#define NGX_HTTP_FANOUT_MC_HEADERS_MAX  4096    /* bytes of records */
#define NGX_HTTP_FANOUT_MC_KEY_MAX      (NGX_HTTP_FANOUT_ORIGIN_MAX + 1       \
                                         + NGX_HTTP_FANOUT_SESSION_LEN        \
                                         + NGX_HTTP_FANOUT_PATH_MAX)
#define NGX_HTTP_FANOUT_MC_EVICT        8       /* per allocation attempt */

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
    time_t                      last_modified_time;
    size_t                      size;       /* this allocation */
    uint32_t                    ctype_len;
    uint32_t                    headers_len;
    uint32_t                    body_len;
    u_char                      data[1];    /* key, type, headers, body */
} ngx_http_fanout_mc_entry_t;


typedef struct {
    ngx_atomic_t                hits;
    ngx_atomic_t                misses;
    ngx_atomic_t                stores;
    ngx_atomic_t                too_big;
    ngx_atomic_t                no_room;
    ngx_atomic_t                evictions;
    ngx_atomic_t                entries;    /* gauges from here on */
    ngx_atomic_t                bytes;
} ngx_http_fanout_mc_stats_t;


struct ngx_http_fanout_mcshctx_s {
    ngx_rbtree_t                rbtree;
    ngx_rbtree_node_t           sentinel;
    ngx_queue_t                 lru;
    ngx_http_fanout_mc_stats_t  stats;
};


/* A response being copied; everything in the request pool. */
struct ngx_http_fanout_capture_s {
    u_char                     *data;       /* type, headers, body */
    u_char                     *last;
    u_char                     *end;
    time_t                      last_modified_time;
    uint32_t                    ctype_len;
    uint32_t                    headers_len;
    uint32_t                    body_len;
    ngx_uint_t                  gen;
    ngx_str_t                   key;
    unsigned                    failed:1;
};


#define ngx_http_fanout_mc_count(fmcf, field)                                 \
    (void) ngx_atomic_fetch_add(&(fmcf)->mcsh->stats.field, 1)


/* ngx_http_fanout_memcache.c */
size_t ngx_http_fanout_memcache_key(ngx_http_fanout_ctx_t *ctx,
    ngx_http_request_t *r, u_char *buf);
void ngx_http_fanout_memcache_store(ngx_http_request_t *r,
    ngx_http_fanout_main_conf_t *fmcf, ngx_http_fanout_loc_conf_t *flcf,
    ngx_http_fanout_capture_t *cap);

/* ngx_http_fanout_memfill.c */
void ngx_http_fanout_memfill_init(ngx_conf_t *cf);


#endif /* _NGX_HTTP_FANOUT_MEMCACHE_H_INCLUDED_ */
