/*
 * ngx_http_fanout_viewers.h — ngx_http_fanout_viewers_module: distinct
 * HLS and DASH viewers per stream, reported to the store.
 *
 *   ngx_http_fanout_viewers_module.c  directives, configuration, the zone
 *   ngx_http_fanout_viewers.c         the log-phase recorder
 *   ngx_http_fanout_viewers_report.c  worker 0's count and reports
 */
#ifndef _NGX_HTTP_FANOUT_VIEWERS_H_INCLUDED_
#define _NGX_HTTP_FANOUT_VIEWERS_H_INCLUDED_


#include "ngx_http_fanout_lookup.h"
#include "ngx_http_fanout_node.h"


#define NGX_HTTP_FANOUT_WAYS        32      /* viewer entries per bucket */
#define NGX_HTTP_FANOUT_HLS         0
#define NGX_HTTP_FANOUT_DASH        1


/* 16 bytes: a 1m zone holds ~49k viewers. */
typedef struct {
    uint64_t                    key;        /* 0: free */
    uint32_t                    seen;       /* (uint32_t) ngx_current_msec */
    uint32_t                    stream;     /* node offset in zone | kind */
} ngx_http_fanout_viewer_t;


typedef struct {
    ngx_str_node_t              sn;         /* "app/stream" */
    ngx_queue_t                 queue;      /* vsh->streams */
    uint32_t                    seen;       /* >= every viewer's seen */
    uint32_t                    live[2];    /* at the last count */
    uint32_t                    counting[2];
    ngx_uint_t                  zero_tries; /* zero reports still due */
    u_char                      key[1];
} ngx_http_fanout_vstream_t;


typedef struct {
    ngx_rbtree_t                rbtree;
    ngx_rbtree_node_t           sentinel;
    ngx_queue_t                 streams;
    ngx_uint_t                  nstreams;
    ngx_uint_t                  max_streams;
    ngx_uint_t                  nbuckets;
    ngx_http_fanout_viewer_t   *viewers;    /* nbuckets * WAYS */
} ngx_http_fanout_vshctx_t;


/* The module's counters (fanout_status), in ngx_http_fanout_viewers_metrics
 * order. */
enum {
    NGX_HTTP_FANOUT_MV_EVICTIONS = 0,
    NGX_HTTP_FANOUT_MV_STREAMS_FULL,
    NGX_HTTP_FANOUT_MV_REPORTS,
    NGX_HTTP_FANOUT_MV_REPORT_ERRORS,
    NGX_HTTP_FANOUT_MV_HLS,         /* gauges from here on */
    NGX_HTTP_FANOUT_MV_DASH,
    NGX_HTTP_FANOUT_MV_STREAMS,
    NGX_HTTP_FANOUT_MV_N
};


typedef struct ngx_http_fanout_reporter_s  ngx_http_fanout_reporter_t;


typedef struct {
    ngx_http_fanout_main_conf_t *fmcf;          /* the store, the pool */
    ngx_shm_zone_t             *zone;           /* fanout_viewers */
    size_t                      zone_size;
    ngx_msec_t                  window;
    ngx_msec_t                  period;         /* of the reports; 0: none */
    ngx_http_fanout_vshctx_t   *sh;
    ngx_slab_pool_t            *pool;
    ngx_atomic_t               *metrics;
    ngx_http_fanout_reporter_t *reporter;       /* worker 0 */
} ngx_http_fanout_viewers_main_conf_t;


typedef struct {
    ngx_flag_t                  viewers;
    ngx_array_t                *args;           /* ngx_str_t; empty: off */
    ngx_uint_t                  ids_per_address; /* 0: no cap */
} ngx_http_fanout_viewers_loc_conf_t;


/* The viewer's time is past the window (signed: another worker's cached
 * clock may be a little ahead of ours). */
#define ngx_http_fanout_expired(now, seen, window)                            \
    ((int32_t) ((uint32_t) (now) - (seen)) >= (int32_t) (window))


extern ngx_module_t  ngx_http_fanout_viewers_module;


/* ngx_http_fanout_viewers.c */
ngx_int_t ngx_http_fanout_viewers_handler(ngx_http_request_t *r);
void ngx_http_fanout_vstream_free(ngx_http_fanout_viewers_main_conf_t *vmcf,
    ngx_http_fanout_vstream_t *st);

/* ngx_http_fanout_viewers_report.c */
ngx_int_t ngx_http_fanout_viewers_init_reporter(ngx_cycle_t *cycle,
    ngx_http_fanout_viewers_main_conf_t *vmcf);
void ngx_http_fanout_viewers_beat(void *data, ngx_http_fanout_load_t *load);


#endif /* _NGX_HTTP_FANOUT_VIEWERS_H_INCLUDED_ */
