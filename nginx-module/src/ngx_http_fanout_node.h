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
    int64_t                     origin_ok_ms;   /* last good origin fetch */
    int64_t                     origin_fail_ms; /* last failed one; 0 none */
    uint64_t                    bytes_out;      /* sent to viewers, ever */
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


/* /proc at the previous beat, in clock ticks */
typedef struct {
    uint64_t                    busy;           /* the machine's */
    uint64_t                    total;
    uint64_t                    procs;          /* the edge's processes' */
} ngx_http_fanout_cpu_t;


/* The node module's counters and gauges (fanout_status), in
 * ngx_http_fanout_node_metrics order. */
enum {
    NGX_HTTP_FANOUT_M_HEARTBEATS = 0,
    NGX_HTTP_FANOUT_M_HEARTBEAT_ERRORS,
    NGX_HTTP_FANOUT_M_CPU,                  /* gauges from here on */
    NGX_HTTP_FANOUT_M_MEMORY,
    NGX_HTTP_FANOUT_M_LOAD1,
    NGX_HTTP_FANOUT_M_PROCESS_CPU,
    NGX_HTTP_FANOUT_M_PROCESS_RSS,
    NGX_HTTP_FANOUT_M_QUERY,
    NGX_HTTP_FANOUT_M_REPL_LAG,
    NGX_HTTP_FANOUT_M_HEARTBEAT_TIME,
    NGX_HTTP_FANOUT_M_NODE_N
};


extern ngx_module_t  ngx_http_fanout_node_module;
extern ngx_http_fanout_metric_t  ngx_http_fanout_node_metrics[];


/*
 * Called from postconfiguration: handler runs on worker 0 at every beat.
 * Returns the update period (0: this edge does not heartbeat, and the
 * handler never runs), or NGX_CONF_UNSET_MSEC on an error.
 */
ngx_msec_t ngx_http_fanout_node_add_beat(ngx_conf_t *cf,
    ngx_http_fanout_beat_pt handler, void *data);


/*
 * ngx_http_fanout_node_load.c: in a pool thread, reads /proc into node's
 * cpu, mem_percent, load1 (the machine), process_cpu and process_rss (the
 * edge's nginx processes); CPU shares cover the time since the previous
 * call, whose counters cpu keeps.
 */
void ngx_http_fanout_node_sample(ngx_http_fanout_cpu_t *cpu, fo_node *node);

/* On the event loop, after a heartbeat the store took: node's figures
 * (and the replication lag the store measured, -1 unknown) into the
 * gauges. */
void ngx_http_fanout_node_gauges(ngx_atomic_t *m, fo_node *node,
    double repl_lag_ms);


#endif /* _NGX_HTTP_FANOUT_NODE_H_INCLUDED_ */
