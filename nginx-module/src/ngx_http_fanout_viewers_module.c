/*
 * ngx_http_fanout_viewers_module — distinct HLS and DASH viewers per
 * stream, counted by the edge and reported to the store (hlsViewerCount,
 * dashViewerCount).
 *
 * A log-phase handler records each playlist or MPD the edge served in the
 * zone fanout_viewers (ngx_http_fanout_viewers.c); worker 0 counts the
 * zone and reports the counts at every heartbeat of this node
 * (ngx_http_fanout_viewers_report.c).  Without a heartbeat nothing would
 * report, or clear, the entries: then nothing is recorded either.
 *
 * This file: the directives, configuration and the zone.
 */
#include "ngx_http_fanout_viewers.h"


static void *ngx_http_fanout_viewers_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_fanout_viewers_init_main_conf(ngx_conf_t *cf,
    void *conf);
static void *ngx_http_fanout_viewers_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_fanout_viewers_merge_loc_conf(ngx_conf_t *cf,
    void *parent, void *child);
static char *ngx_http_fanout_viewer_args(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static ngx_int_t ngx_http_fanout_viewers_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
static ngx_int_t ngx_http_fanout_viewers_postconfiguration(ngx_conf_t *cf);
static ngx_int_t ngx_http_fanout_viewers_init_process(ngx_cycle_t *cycle);


static ngx_command_t  ngx_http_fanout_viewers_commands[] = {

    { ngx_string("fanout_viewer_zone"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_fanout_viewers_main_conf_t, zone_size),
      NULL },

    { ngx_string("fanout_viewer_window"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_fanout_viewers_main_conf_t, window),
      NULL },

    { ngx_string("fanout_viewers"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_fanout_viewers_loc_conf_t, viewers),
      NULL },

    { ngx_string("fanout_viewer_ids_per_address"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_fanout_viewers_loc_conf_t, ids_per_address),
      NULL },

    { ngx_string("fanout_viewer_args"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_fanout_viewer_args,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_fanout_viewers_module_ctx = {
    NULL,                                       /* preconfiguration */
    ngx_http_fanout_viewers_postconfiguration,  /* postconfiguration */

    ngx_http_fanout_viewers_create_main_conf,   /* create main configuration */
    ngx_http_fanout_viewers_init_main_conf,     /* init main configuration */

    NULL,                                       /* create server conf */
    NULL,                                       /* merge server conf */

    ngx_http_fanout_viewers_create_loc_conf,    /* create location conf */
    ngx_http_fanout_viewers_merge_loc_conf      /* merge location conf */
};


ngx_module_t  ngx_http_fanout_viewers_module = {
    NGX_MODULE_V1,
    &ngx_http_fanout_viewers_module_ctx,    /* module context */
    ngx_http_fanout_viewers_commands,       /* module directives */
    NGX_HTTP_MODULE,                        /* module type */
    NULL,                                   /* init master */
    NULL,                                   /* init module */
    ngx_http_fanout_viewers_init_process,   /* init process */
    NULL,                                   /* init thread */
    NULL,                                   /* exit thread */
    NULL,                                   /* exit process */
    NULL,                                   /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_http_fanout_metric_t  ngx_http_fanout_viewers_metrics[] = {
    { ngx_string("viewer_evictions"), 0,
      "Live viewers dropped from a full bucket of the zone." },
    { ngx_string("viewer_streams_full"), 0,
      "Viewers not counted: no room for their stream in the zone." },
    { ngx_string("viewer_reports"), 0, "Viewer counts the store took." },
    { ngx_string("viewer_report_errors"), 0,
      "Viewer counts that failed or were left for the next period." },
    { ngx_string("viewers_hls"), 1, "Live HLS viewers at the last count." },
    { ngx_string("viewers_dash"), 1, "Live DASH viewers at the last count." },
    { ngx_string("viewer_streams"), 1,
      "Streams with live viewers at the last count." }
};


static ngx_str_t  ngx_http_fanout_viewers_zone_name =
    ngx_string("fanout_viewers");
static ngx_str_t  ngx_http_fanout_default_viewer_args[] = {
    ngx_string("sid"), ngx_string("session"), ngx_string("token")
};


static void *
ngx_http_fanout_viewers_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_fanout_viewers_main_conf_t  *vmcf;

    vmcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_fanout_viewers_main_conf_t));
    if (vmcf == NULL) {
        return NULL;
    }

    vmcf->zone_size = NGX_CONF_UNSET_SIZE;
    vmcf->window = NGX_CONF_UNSET_MSEC;

    return vmcf;
}


static char *
ngx_http_fanout_viewers_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_fanout_viewers_main_conf_t *vmcf = conf;

    if (ngx_http_fanout_store_uri(cf) == NULL) {
        return NGX_CONF_OK;         /* idle */
    }

    vmcf->fmcf = ngx_http_conf_get_module_main_conf(cf,
                                                    ngx_http_fanout_module);

    ngx_conf_init_size_value(vmcf->zone_size, 1024 * 1024);
    ngx_conf_init_msec_value(vmcf->window, 10000);

    /* viewer entries hold a stream's offset in the zone in 32 bits */
    if (vmcf->zone_size < 8 * ngx_pagesize
        || vmcf->zone_size > 1024 * 1024 * 1024)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"fanout_viewer_zone\" must be %uzk to 1g",
                           8 * ngx_pagesize / 1024);
        return NGX_CONF_ERROR;
    }

    /* times are compared in 32 bits of milliseconds */
    if (vmcf->window < 1000 || vmcf->window > 3600000) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"fanout_viewer_window\" must be 1s to 1h");
        return NGX_CONF_ERROR;
    }

    vmcf->zone = ngx_shared_memory_add(cf, &ngx_http_fanout_viewers_zone_name,
                                       vmcf->zone_size,
                                       &ngx_http_fanout_viewers_module);
    if (vmcf->zone == NULL) {
        return NGX_CONF_ERROR;
    }

    vmcf->zone->init = ngx_http_fanout_viewers_init_zone;
    vmcf->zone->data = vmcf;

    return NGX_CONF_OK;
}


static void *
ngx_http_fanout_viewers_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_fanout_viewers_loc_conf_t  *vlcf;

    vlcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_fanout_viewers_loc_conf_t));
    if (vlcf == NULL) {
        return NULL;
    }

    vlcf->viewers = NGX_CONF_UNSET;
    vlcf->args = NGX_CONF_UNSET_PTR;
    vlcf->ids_per_address = NGX_CONF_UNSET_UINT;

    return vlcf;
}


static char *
ngx_http_fanout_viewers_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child)
{
    ngx_http_fanout_viewers_loc_conf_t *prev = parent;
    ngx_http_fanout_viewers_loc_conf_t *conf = child;

    ngx_str_t   *arg;
    ngx_uint_t   i;

    ngx_conf_merge_value(conf->viewers, prev->viewers, 1);
    ngx_conf_merge_ptr_value(conf->args, prev->args, NULL);
    ngx_conf_merge_uint_value(conf->ids_per_address, prev->ids_per_address,
                              64);

    if (conf->ids_per_address > 1000000) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"fanout_viewer_ids_per_address\" must be "
                           "0 to 1000000");
        return NGX_CONF_ERROR;
    }

    if (conf->args != NULL) {
        return NGX_CONF_OK;
    }

    conf->args = ngx_array_create(cf->pool, 3, sizeof(ngx_str_t));
    if (conf->args == NULL) {
        return NGX_CONF_ERROR;
    }

    for (i = 0; i < 3; i++) {
        arg = ngx_array_push(conf->args);
        if (arg == NULL) {
            return NGX_CONF_ERROR;
        }

        *arg = ngx_http_fanout_default_viewer_args[i];
    }

    return NGX_CONF_OK;
}


/* fanout_viewer_args name ... | off */
static char *
ngx_http_fanout_viewer_args(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_fanout_viewers_loc_conf_t *vlcf = conf;

    ngx_str_t   *value, *arg;
    ngx_uint_t   i;

    if (vlcf->args != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    vlcf->args = ngx_array_create(cf->pool, cf->args->nelts - 1,
                                         sizeof(ngx_str_t));
    if (vlcf->args == NULL) {
        return NGX_CONF_ERROR;
    }

    value = cf->args->elts;

    if (cf->args->nelts == 2 && ngx_strcmp(value[1].data, "off") == 0) {
        return NGX_CONF_OK;         /* address and User-Agent only */
    }

    for (i = 1; i < cf->args->nelts; i++) {
        if (value[i].len == 0) {
            return "has an empty argument name";
        }

        arg = ngx_array_push(vlcf->args);
        if (arg == NULL) {
            return NGX_CONF_ERROR;
        }

        *arg = value[i];
    }

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_fanout_viewers_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_fanout_viewers_main_conf_t  *ovmcf = data;

    size_t                                free;
    ngx_uint_t                            nviewers;
    ngx_slab_pool_t                      *pool;
    ngx_http_fanout_vshctx_t             *vsh;
    ngx_http_fanout_viewers_main_conf_t  *vmcf;

    vmcf = shm_zone->data;

    if (ovmcf) {
        /* reload: the viewers seen so far stay counted */
        vmcf->sh = ovmcf->sh;
        vmcf->pool = ovmcf->pool;
        return NGX_OK;
    }

    pool = (ngx_slab_pool_t *) shm_zone->shm.addr;
    vmcf->pool = pool;

    if (shm_zone->shm.exists) {
        vmcf->sh = pool->data;
        return NGX_OK;
    }

    vsh = ngx_slab_calloc(pool, sizeof(ngx_http_fanout_vshctx_t));
    if (vsh == NULL) {
        return NGX_ERROR;
    }

    ngx_rbtree_init(&vsh->rbtree, &vsh->sentinel, ngx_str_rbtree_insert_value);
    ngx_queue_init(&vsh->streams);

    /* a full zone is handled: the stream is not counted, and said so */
    if (ngx_http_fanout_zone_log(shm_zone, "fanout_viewer_zone") != NGX_OK) {
        return NGX_ERROR;
    }

    /* 3/4 of the free pages for viewers, the rest for stream nodes */
    free = pool->pfree * ngx_pagesize;

    nviewers = free / 4 * 3 / sizeof(ngx_http_fanout_viewer_t);
    vsh->nbuckets = nviewers / NGX_HTTP_FANOUT_WAYS;

    if (vsh->nbuckets == 0) {
        return NGX_ERROR;
    }

    vsh->viewers = ngx_slab_calloc(pool, vsh->nbuckets * NGX_HTTP_FANOUT_WAYS
                                         * sizeof(ngx_http_fanout_viewer_t));
    if (vsh->viewers == NULL) {
        return NGX_ERROR;
    }

    /* nodes take 128 bytes of slab for ordinary names, 512 at most */
    vsh->max_streams = ngx_max(pool->pfree * ngx_pagesize / 128, 1);

    pool->data = vsh;
    vmcf->sh = vsh;

    return NGX_OK;
}


static ngx_int_t
ngx_http_fanout_viewers_postconfiguration(ngx_conf_t *cf)
{
    ngx_http_handler_pt                  *h;
    ngx_http_core_main_conf_t            *cmcf;
    ngx_http_fanout_viewers_main_conf_t  *vmcf;

    if (ngx_http_fanout_store_uri(cf) == NULL) {
        return NGX_OK;
    }

    vmcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_fanout_viewers_module);

    /* viewers are counted once the answer is known: status and all */
    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_LOG_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_fanout_viewers_handler;

    vmcf->period = ngx_http_fanout_node_add_beat(cf,
                                                 ngx_http_fanout_viewers_beat,
                                                 vmcf);
    if (vmcf->period == NGX_CONF_UNSET_MSEC) {
        return NGX_ERROR;
    }

    return ngx_http_fanout_metrics_add(cf, ngx_http_fanout_viewers_metrics,
                                       NGX_HTTP_FANOUT_MV_N, &vmcf->metrics);
}


/* Worker 0 reports, if this edge heartbeats. */
static ngx_int_t
ngx_http_fanout_viewers_init_process(ngx_cycle_t *cycle)
{
    ngx_http_fanout_viewers_main_conf_t  *vmcf;

    if ((ngx_process != NGX_PROCESS_WORKER
         && ngx_process != NGX_PROCESS_SINGLE)
        || ngx_worker != 0)
    {
        return NGX_OK;
    }

    vmcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_fanout_viewers_module);

    if (vmcf == NULL || vmcf->period == 0 || vmcf->sh == NULL) {
        return NGX_OK;
    }

    return ngx_http_fanout_viewers_init_reporter(cycle, vmcf);
}
