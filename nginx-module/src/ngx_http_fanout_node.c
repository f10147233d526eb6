/*
 * ngx_http_fanout_node_module — this edge as a node of the cluster.
 *
 * Worker 0 alone heartbeats (one record per edge, not per worker): a
 * timer on its event loop posts fo_node_heartbeat to the thread pool
 * every fanout_update_period.  The record carries role edge, the address
 * and group from the configuration, the machine's CPU %, memory % and
 * load average and the edge's processes' CPU % and resident bytes
 * (ngx_http_fanout_node_load.c), and what the other modules add through
 * their beat handlers: how many streams the edge maps now, its live
 * viewers, its last good and failed origin fetches, and its egress: the
 * bits per second stream requests sent to viewers over at least the
 * last 5 s (egress_bps, 0 on the first beat).  What the store took
 * is on the fanout_status page too, under the origin's names
 * (fanout_node_*).
 */
#include "ngx_http_fanout_node.h"
#include "ngx_http_fanout_proc.h"

#include <ifaddrs.h>
#include <net/if.h>


typedef struct {
    ngx_http_fanout_beat_pt     handler;
    void                       *data;
} ngx_http_fanout_beat_t;


/* Worker 0's heartbeat; the task owns node and cpu while busy. */
typedef struct {
    ngx_http_fanout_task_t            task;
    ngx_event_t                       timer;
    ngx_http_fanout_node_main_conf_t *nmcf;
    ngx_uint_t                        failing;
    fo_node                           node;
    ngx_http_fanout_cpu_t             cpu;
    double                            repl_lag_ms;  /* what the store took */
    ngx_http_fanout_rate_window_t     egress;   /* bytes_out's samples */
} ngx_http_fanout_heartbeat_t;


static void *ngx_http_fanout_node_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_fanout_node_init_main_conf(ngx_conf_t *cf, void *conf);
static char *ngx_http_fanout_node_address(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_fanout_node_default_id(ngx_conf_t *cf,
    ngx_http_fanout_node_main_conf_t *nmcf);
static ngx_int_t ngx_http_fanout_node_default_host(ngx_conf_t *cf,
    ngx_str_t *host);
static ngx_int_t ngx_http_fanout_node_postconfiguration(ngx_conf_t *cf);
static ngx_int_t ngx_http_fanout_node_init_process(ngx_cycle_t *cycle);
static void ngx_http_fanout_node_timer(ngx_event_t *ev);
/* what egress_bps spans at least (ms): the default heartbeat period */
#define NGX_HTTP_FANOUT_EGRESS_WINDOW  5000


static void ngx_http_fanout_node_egress(ngx_http_fanout_heartbeat_t *hb,
    uint64_t bytes_out);
static fo_status ngx_http_fanout_node_beat(ngx_http_fanout_task_t *t);
static void ngx_http_fanout_node_done(ngx_http_fanout_task_t *t);


static ngx_command_t  ngx_http_fanout_node_commands[] = {

    { ngx_string("fanout_node_id"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_fanout_node_main_conf_t, id),
      NULL },

    { ngx_string("fanout_node_address"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_fanout_node_address,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("fanout_node_group"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_fanout_node_main_conf_t, group),
      NULL },

    { ngx_string("fanout_update_period"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_fanout_node_main_conf_t, update_period),
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_fanout_node_module_ctx = {
    NULL,                                   /* preconfiguration */
    ngx_http_fanout_node_postconfiguration, /* postconfiguration */

    ngx_http_fanout_node_create_main_conf,  /* create main configuration */
    ngx_http_fanout_node_init_main_conf,    /* init main configuration */

    NULL,                                   /* create server configuration */
    NULL,                                   /* merge server configuration */

    NULL,                                   /* create location configuration */
    NULL                                    /* merge location configuration */
};


ngx_module_t  ngx_http_fanout_node_module = {
    NGX_MODULE_V1,
    &ngx_http_fanout_node_module_ctx,       /* module context */
    ngx_http_fanout_node_commands,          /* module directives */
    NGX_HTTP_MODULE,                        /* module type */
    NULL,                                   /* init master */
    NULL,                                   /* init module */
    ngx_http_fanout_node_init_process,      /* init process */
    NULL,                                   /* init thread */
    NULL,                                   /* exit thread */
    NULL,                                   /* exit process */
    NULL,                                   /* exit master */
    NGX_MODULE_V1_PADDING
};


static void *
ngx_http_fanout_node_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_fanout_node_main_conf_t  *nmcf;

    nmcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_fanout_node_main_conf_t));
    if (nmcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     nmcf->id, host, group = { 0, NULL };
     */

    nmcf->port = NGX_CONF_UNSET;
    nmcf->update_period = NGX_CONF_UNSET_MSEC;

    if (ngx_array_init(&nmcf->beats, cf->pool, 2,
                       sizeof(ngx_http_fanout_beat_t))
        != NGX_OK)
    {
        return NULL;
    }

    return nmcf;
}


static char *
ngx_http_fanout_node_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_fanout_node_main_conf_t *nmcf = conf;

    if (ngx_http_fanout_store_uri(cf) == NULL) {
        nmcf->update_period = 0;
        return NGX_CONF_OK;         /* idle */
    }

    ngx_conf_init_msec_value(nmcf->update_period, 5000);

    if (nmcf->id.data == NULL
        && ngx_http_fanout_node_default_id(cf, nmcf) != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    if (ngx_http_fanout_check_id(cf, "fanout_node_id", &nmcf->id)
        != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    if (nmcf->group.data == NULL) {
        ngx_str_set(&nmcf->group, "default");
    }

    if (ngx_http_fanout_check_id(cf, "fanout_node_group", &nmcf->group)
        != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    if (nmcf->host.data == NULL) {
        if (ngx_http_fanout_node_default_host(cf, &nmcf->host) != NGX_OK) {
            return NGX_CONF_ERROR;
        }

        nmcf->port = 80;
    }

    return NGX_CONF_OK;
}


/* "edge-" + host name, with what an id cannot hold made '-'. */
static char *
ngx_http_fanout_node_default_id(ngx_conf_t *cf,
    ngx_http_fanout_node_main_conf_t *nmcf)
{
    u_char     *p;
    size_t      len;
    ngx_str_t   id;

    len = ngx_min(5 + cf->cycle->hostname.len, FO_ID_MAX - 1);

    id.data = ngx_pnalloc(cf->pool, len + 1);
    if (id.data == NULL) {
        return NGX_CONF_ERROR;
    }

    p = ngx_cpymem(id.data, "edge-", 5);
    ngx_memcpy(p, cf->cycle->hostname.data, len - 5);

    for ( /* void */ ; p < id.data + len; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
              || (*p >= '0' && *p <= '9')
              || *p == '_' || *p == '.' || *p == '-'))
        {
            *p = '-';
        }
    }

    id.data[len] = '\0';
    id.len = len;
    nmcf->id = id;

    return NGX_CONF_OK;
}


static char *
ngx_http_fanout_node_address(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_fanout_node_main_conf_t *nmcf = conf;

    ngx_str_t  *value, host;
    ngx_url_t   u;

    if (nmcf->host.data != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    ngx_memzero(&u, sizeof(ngx_url_t));

    u.url = value[1];
    u.default_port = 80;
    u.no_resolve = 1;

    if (ngx_parse_url(cf->pool, &u) != NGX_OK || u.uri.len
        || u.host.len == 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "%s in fanout_node_address \"%V\"",
                           u.err ? u.err : "invalid host[:port]", &u.url);
        return NGX_CONF_ERROR;
    }

    host = u.host;

    /* the store holds a bare address: [v6] loses its brackets */
    if (host.len > 2 && host.data[0] == '[') {
        host.data++;
        host.len -= 2;
    }

    if (host.len >= FO_ADDR_MAX) {
        return "is too long";
    }

    nmcf->host.data = ngx_pnalloc(cf->pool, host.len + 1);
    if (nmcf->host.data == NULL) {
        return NGX_CONF_ERROR;
    }

    (void) ngx_cpystrn(nmcf->host.data, host.data, host.len + 1);
    nmcf->host.len = host.len;
    nmcf->port = u.port;

    return NGX_CONF_OK;
}


/* The first IPv4 address of an interface that is up and not loopback. */
static ngx_int_t
ngx_http_fanout_node_default_host(ngx_conf_t *cf, ngx_str_t *host)
{
    size_t           len;
    struct ifaddrs  *ifs, *ifa;

    host->data = ngx_pnalloc(cf->pool, NGX_INET_ADDRSTRLEN + 1);
    if (host->data == NULL) {
        return NGX_ERROR;
    }

    len = 0;

    if (getifaddrs(&ifs) == 0) {
        for (ifa = ifs; ifa; ifa = ifa->ifa_next) {
            if (ifa->ifa_addr == NULL
                || ifa->ifa_addr->sa_family != AF_INET
                || !(ifa->ifa_flags & IFF_UP)
                || (ifa->ifa_flags & IFF_LOOPBACK))
            {
                continue;
            }

            len = ngx_inet_ntop(AF_INET,
                                &((struct sockaddr_in *) ifa->ifa_addr)
                                    ->sin_addr,
                                host->data, NGX_INET_ADDRSTRLEN);
            break;
        }

        freeifaddrs(ifs);
    }

    if (len == 0) {
        len = ngx_cpystrn(host->data, (u_char *) "127.0.0.1", 10) - host->data;
    }

    host->data[len] = '\0';
    host->len = len;

    return NGX_OK;
}


ngx_msec_t
ngx_http_fanout_node_add_beat(ngx_conf_t *cf, ngx_http_fanout_beat_pt handler,
    void *data)
{
    ngx_http_fanout_beat_t            *beat;
    ngx_http_fanout_node_main_conf_t  *nmcf;

    nmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_fanout_node_module);

    if (nmcf->update_period == 0) {
        return 0;
    }

    beat = ngx_array_push(&nmcf->beats);
    if (beat == NULL) {
        return NGX_CONF_UNSET_MSEC;
    }

    beat->handler = handler;
    beat->data = data;

    return nmcf->update_period;
}


static ngx_int_t
ngx_http_fanout_node_postconfiguration(ngx_conf_t *cf)
{
    ngx_http_fanout_node_main_conf_t  *nmcf;

    if (ngx_http_fanout_store_uri(cf) == NULL) {
        return NGX_OK;
    }

    nmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_fanout_node_module);

    return ngx_http_fanout_metrics_add(cf, ngx_http_fanout_node_metrics,
                                       NGX_HTTP_FANOUT_M_NODE_N,
                                       &nmcf->metrics);
}


static ngx_int_t
ngx_http_fanout_node_init_process(ngx_cycle_t *cycle)
{
    fo_node                           *n;
    ngx_http_fanout_heartbeat_t       *hb;
    ngx_http_fanout_main_conf_t       *fmcf;
    ngx_http_fanout_node_main_conf_t  *nmcf;

    if ((ngx_process != NGX_PROCESS_WORKER
         && ngx_process != NGX_PROCESS_SINGLE)
        || ngx_worker != 0)
    {
        return NGX_OK;
    }

    nmcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_fanout_node_module);

    if (nmcf == NULL || nmcf->update_period == 0) {
        return NGX_OK;
    }

    fmcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_fanout_module);

    hb = ngx_pcalloc(cycle->pool, sizeof(ngx_http_fanout_heartbeat_t));
    if (hb == NULL) {
        return NGX_ERROR;
    }

    hb->nmcf = nmcf;
    hb->egress.window = NGX_HTTP_FANOUT_EGRESS_WINDOW;

    n = &hb->node;
    (void) ngx_cpystrn((u_char *) n->id, nmcf->id.data, FO_ID_MAX);
    (void) ngx_cpystrn((u_char *) n->ip, nmcf->host.data, FO_ADDR_MAX);
    (void) ngx_cpystrn((u_char *) n->node_group, nmcf->group.data,
                       FO_ID_MAX);
    n->http_port = (int) nmcf->port;
    n->rtmp_port = 0;
    n->role = FO_ROLE_EDGE;

    ngx_http_fanout_task_init(&hb->task, fmcf, ngx_http_fanout_node_beat,
                              ngx_http_fanout_node_done, hb);

    hb->timer.handler = ngx_http_fanout_node_timer;
    hb->timer.data = hb;
    hb->timer.log = cycle->log;
    /* a shutting-down worker does not wait for the next beat */
    hb->timer.cancelable = 1;

    /* the first beat right away, so the edge shows up as it starts */
    ngx_add_timer(&hb->timer, 1);

    return NGX_OK;
}


static void
ngx_http_fanout_node_timer(ngx_event_t *ev)
{
    ngx_http_fanout_heartbeat_t *hb = ev->data;

    ngx_uint_t                         i;
    ngx_http_fanout_beat_t            *beat;
    ngx_http_fanout_load_t             load;
    ngx_http_fanout_node_main_conf_t  *nmcf;

    nmcf = hb->nmcf;

    if (ngx_exiting) {
        return;
    }

    /* the modules' own periodic work runs whether or not a beat does */
    ngx_memzero(&load, sizeof(ngx_http_fanout_load_t));
    beat = nmcf->beats.elts;

    for (i = 0; i < nmcf->beats.nelts; i++) {
        beat[i].handler(beat[i].data, &load);
    }

    /* a beat still running (slow store) is not doubled */
    if (!hb->task.busy) {
        hb->node.active_streams = (int32_t) ngx_min(load.streams,
                                                    NGX_MAX_INT32_VALUE);
        hb->node.viewers = (int32_t) ngx_min(load.viewers,
                                             NGX_MAX_INT32_VALUE);
        hb->node.origin_ok_ms = load.origin_ok_ms;
        hb->node.origin_fail_ms = load.origin_fail_ms;
        ngx_http_fanout_node_egress(hb, load.bytes_out);

        if (ngx_http_fanout_task_post(&hb->task) != NGX_OK) {
            ngx_http_fanout_count(nmcf->metrics,
                                  NGX_HTTP_FANOUT_M_HEARTBEAT_ERRORS);
        }
    }

    ngx_add_timer(&hb->timer, nmcf->update_period);
}


/* The egress rate over at least the last 5 s (the default heartbeat
 * period; 0 on the first beat): bytes stream requests sent to viewers,
 * as bits per second.  On the event loop. */
static void
ngx_http_fanout_node_egress(ngx_http_fanout_heartbeat_t *hb,
    uint64_t bytes_out)
{
    ngx_msec_t  now;

    /* never 0, which means "no previous sample" */
    now = ngx_current_msec ? ngx_current_msec : 1;

    hb->node.egress_bps = ngx_http_fanout_proc_rate_sample(&hb->egress, now,
                                                           bytes_out);
}


/* In a pool thread. */
static fo_status
ngx_http_fanout_node_beat(ngx_http_fanout_task_t *t)
{
    ngx_http_fanout_heartbeat_t *hb = t->data;

    fo_node     stored;
    fo_store   *st;
    uint64_t    calls;
    fo_status   rc;

    st = ngx_http_fanout_task_store(t);
    if (st == NULL) {
        return FO_ERR;
    }

    ngx_http_fanout_node_sample(&hb->cpu, &hb->node);
    hb->node.db_query_avg_ms = fo_store_avg_query_ms(st, &calls);
    hb->node.repl_lag_ms = -1;              /* the store measures it */

    rc = fo_node_heartbeat(st, &hb->node, &t->err);

    /* the lag the store measured (mongodb://), for fanout_status */
    hb->repl_lag_ms = -1;

    if (rc == FO_OK && ngx_strcmp(fo_store_backend(st), "mongodb") == 0
        && fo_node_get(st, hb->node.id, &stored, NULL) == FO_OK)
    {
        hb->repl_lag_ms = stored.repl_lag_ms;
    }

    return rc;
}


static void
ngx_http_fanout_node_done(ngx_http_fanout_task_t *t)
{
    ngx_http_fanout_heartbeat_t *hb = t->data;

    ngx_log_t  *log;

    log = t->task.event.log;

    if (t->rc == FO_OK) {
        ngx_http_fanout_count(hb->nmcf->metrics,
                              NGX_HTTP_FANOUT_M_HEARTBEATS);
        ngx_http_fanout_node_gauges(hb->nmcf->metrics, &hb->node,
                                    hb->repl_lag_ms);

        if (hb->failing) {
            hb->failing = 0;
            ngx_log_error(NGX_LOG_NOTICE, log, 0,
                          "fanout: node \"%s\" heartbeats again", hb->node.id);
        }

        return;
    }

    ngx_http_fanout_count(hb->nmcf->metrics,
                          NGX_HTTP_FANOUT_M_HEARTBEAT_ERRORS);

    if (!hb->failing) {
        hb->failing = 1;
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "fanout: heartbeat of node \"%s\" failed: %s",
                      hb->node.id, t->err.msg);
    }
}
