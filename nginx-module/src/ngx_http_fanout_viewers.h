/*
 * ngx_http_fanout_viewers.h — the viewer zone's layout, shared by the
 * recorder (ngx_http_fanout_viewers.c) and worker 0's reporter
 * (ngx_http_fanout_viewers_report.c).
 */
#ifndef _NGX_HTTP_FANOUT_VIEWERS_H_INCLUDED_
#define _NGX_HTTP_FANOUT_VIEWERS_H_INCLUDED_


#include "ngx_http_fanout_module.h"


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


struct ngx_http_fanout_vshctx_s {
    ngx_rbtree_t                rbtree;
    ngx_rbtree_node_t           sentinel;
    ngx_queue_t                 streams;
    ngx_uint_t                  nstreams;
    ngx_uint_t                  max_streams;
    ngx_uint_t                  nbuckets;
    ngx_http_fanout_viewer_t   *viewers;    /* nbuckets * WAYS */
};


/* The viewer's time is past the window (signed: another worker's cached
 * clock may be a little ahead of ours). */
#define ngx_http_fanout_expired(now, seen, window)                            \
    ((int32_t) ((uint32_t) (now) - (seen)) >= (int32_t) (window))


void ngx_http_fanout_vstream_free(ngx_http_fanout_main_conf_t *fmcf,
    ngx_http_fanout_vstream_t *st);


#endif /* _NGX_HTTP_FANOUT_VIEWERS_H_INCLUDED_ */
