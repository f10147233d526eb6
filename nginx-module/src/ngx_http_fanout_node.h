/*
 * ngx_http_fanout_node.h — ngx_http_fanout_node_module: this edge as a
 * node of the cluster, and its heartbeat.
 *
 * Other modules contribute to the heartbeat with a beat handler
 * (ngx_http_fanout_node_add_beat): worker 0 calls each one every
 * fanout_update_period, before it sends the beat; a handler adds what
 * its module knows (streams mapped, viewers) and may start its own
 * periodic work there.
 */
#ifndef _NGX_HTTP_FANOUT_NODE_H_INCLUDED_
#define _NGX_HTTP_FANOUT_NODE_H_INCLUDED_


#include "ngx_http_fanout.h"


/* What the modules add to a heartbeat. */
typedef struct {
    ngx_uint_t                  streams;        /* mapped now */
    ngx_uint_t                  viewers;        /* live, at the last count */
} ngx_http_fanout_load_t;

typedef void (*ngx_http_fanout_beat_pt)(void *data,
    ngx_http_fanout_load_t *load);


typedef struct {
    ngx_str_t                   id;             /* NUL-terminated */
    ngx_str_t                   host;           /* NUL-terminated */
    ngx_int_t                   port;
    ngx_str_t                   group;          /* NUL-terminated */
    ngx_msec_t                  update_period;  /* 0: no heartbeat */
    ngx_array_t                 beats;          /* beat handlers */
    ngx_atomic_t               *metrics;
} ngx_http_fanout_node_main_conf_t;


/* /proc/stat at the previous beat */
typedef struct {
    uint64_t                    busy;
    uint64_t                    total;
} ngx_http_fanout_cpu_t;


extern ngx_module_t  ngx_http_fanout_node_module;


/*
 * Called from postconfiguration: handler runs on worker 0 at every beat.
 * Returns the update period (0: this edge does not heartbeat, and the
 * handler never runs), or NGX_CONF_UNSET_MSEC on an error.
 */
ngx_msec_t ngx_http_fanout_node_add_beat(ngx_conf_t *cf,
    ngx_http_fanout_beat_pt handler, void *data);


/* ngx_http_fanout_node_load.c */
double ngx_http_fanout_node_cpu(ngx_http_fanout_cpu_t *cpu, double prev);
int64_t ngx_http_fanout_node_memory(int64_t prev);


#endif /* _NGX_HTTP_FANOUT_NODE_H_INCLUDED_ */
