/*
 * ngx_http_fanout_module — the edge's link to the cluster store.
 *
 * For /{app}/streams/... requests in a location with `fanout_lookup on`,
 * a precontent phase handler (ngx_http_fanout_handler.c) finds the origin
 * that publishes the stream and sets $fanout_origin for
 * `proxy_pass http://$fanout_origin;`.  Answers are cached for every
 * worker in shared memory (ngx_http_fanout_shm.c); store calls block, so
 * they run on an nginx thread pool (ngx_http_fanout_lookup.c).  Worker 0
 * registers the edge in the store and heartbeats (ngx_http_fanout_node.c).
 * A log-phase handler counts the viewers of each stream, and worker 0
 * reports them to the store (ngx_http_fanout_viewers.c).
 *
 * This file: the directive table, configuration, process start
 * (directives' arguments: ngx_http_fanout_conf.c).
 */
#include "ngx_http_fanout_module.h"


static void *ngx_http_fanout_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_fanout_init_main_conf(ngx_conf_t *cf, void *conf);
static void *ngx_http_fanout_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_fanout_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static ngx_int_t ngx_http_fanout_preconfiguration(ngx_conf_t *cf);
static ngx_int_t ngx_http_fanout_postconfiguration(ngx_conf_t *cf);
static ngx_int_t ngx_http_fanout_init_process(ngx_cycle_t *cycle);
static void ngx_http_fanout_exit_process(ngx_cycle_t *cycle);


/* in ngx_http_fanout_handler.c */
ngx_int_t ngx_http_fanout_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_fanout_add_variables(ngx_conf_t *cf);


static ngx_command_t  ngx_http_fanout_commands[] = {

    { ngx_string("fanout_store"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_fanout_store,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("fanout_cache_zone"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_fanout_main_conf_t, zone_size),
      NULL },

    { ngx_string("fanout_thread_pool"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_fanout_main_conf_t, thread_pool_name),
      NULL },

    { ngx_string("fanout_lookup_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_fanout_main_conf_t, lookup_timeout),
      NULL },

    { ngx_string("fanout_origin_nodes"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_fanout_origin_nodes,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("fanout_node_id"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_fanout_main_conf_t, node_id),
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
      offsetof(ngx_http_fanout_main_conf_t, node_group),
      NULL },

    { ngx_string("fanout_update_period"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_fanout_main_conf_t, update_period),
      NULL },

    { ngx_string("fanout_lookup"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_fanout_loc_conf_t, lookup),
      NULL },

    { ngx_string("fanout_lookup_ttl"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_fanout_loc_conf_t, ttl),
      NULL },

    { ngx_string("fanout_lookup_negative_ttl"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_fanout_loc_conf_t, negative_ttl),
      NULL },

    { ngx_string("fanout_apps"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_fanout_apps,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("fanout_invalidate"),
      NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_fanout_loc_conf_t, invalidate),
      NULL },

    { ngx_string("fanout_viewer_zone"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_fanout_main_conf_t, viewer_zone_size),
      NULL },

    { ngx_string("fanout_viewer_window"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_fanout_main_conf_t, viewer_window),
      NULL },

    { ngx_string("fanout_viewers"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_fanout_loc_conf_t, viewers),
      NULL },

    { ngx_string("fanout_viewer_args"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_fanout_viewer_args,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("fanout_playlist_cache"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_fanout_loc_conf_t, playlist_cache),
      NULL },

    { ngx_string("fanout_playlist_cache_zone"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_fanout_main_conf_t, mc_zone_size),
      NULL },

    { ngx_string("fanout_playlist_cache_max_size"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_fanout_loc_conf_t, playlist_max_size),
      NULL },

    { ngx_string("fanout_playlist_cache_valid"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_fanout_loc_conf_t, playlist_valid),
      NULL },

    { ngx_string("fanout_status"),
      NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_fanout_status,
      0,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_fanout_module_ctx = {
    ngx_http_fanout_preconfiguration,       /* preconfiguration */
    ngx_http_fanout_postconfiguration,      /* postconfiguration */

    ngx_http_fanout_create_main_conf,       /* create main configuration */
    ngx_http_fanout_init_main_conf,         /* init main configuration */

    NULL,                                   /* create server configuration */
    NULL,                                   /* merge server configuration */

    ngx_http_fanout_create_loc_conf,        /* create location configuration */
    ngx_http_fanout_merge_loc_conf          /* merge location configuration */
};


ngx_module_t  ngx_http_fanout_module = {
    NGX_MODULE_V1,
    &ngx_http_fanout_module_ctx,            /* module context */
    ngx_http_fanout_commands,               /* module directives */
    NGX_HTTP_MODULE,                        /* module type */
    NULL,                                   /* init master */
    NULL,                                   /* init module */
    ngx_http_fanout_init_process,           /* init process */
    NULL,                                   /* init thread */
    NULL,                                   /* exit thread */
    ngx_http_fanout_exit_process,           /* exit process */
    NULL,                                   /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_str_t  ngx_http_fanout_zone_name = ngx_string("fanout_cache");
static ngx_str_t  ngx_http_fanout_viewer_zone_name =
    ngx_string("fanout_viewers");
static ngx_str_t  ngx_http_fanout_default_viewer_args[] = {
    ngx_string("sid"), ngx_string("session"), ngx_string("token")
};
static ngx_str_t  ngx_http_fanout_default_pool = ngx_string("default");
static ngx_str_t  ngx_http_fanout_default_app = ngx_string("LiveApp");


static void *
ngx_http_fanout_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_fanout_main_conf_t  *fmcf;

    fmcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_fanout_main_conf_t));
    if (fmcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     fmcf->uri = { 0, NULL };
     *     fmcf->thread_pool_name = { 0, NULL };
     *     fmcf->origin_nodes = NULL;
     *     fmcf->node_id, node_host, node_group = { 0, NULL };
     */

    fmcf->zone_size = NGX_CONF_UNSET_SIZE;
    fmcf->lookup_timeout = NGX_CONF_UNSET_MSEC;
    fmcf->update_period = NGX_CONF_UNSET_MSEC;
    fmcf->node_port = NGX_CONF_UNSET;
    fmcf->viewer_zone_size = NGX_CONF_UNSET_SIZE;
    fmcf->viewer_window = NGX_CONF_UNSET_MSEC;
    fmcf->mc_zone_size = NGX_CONF_UNSET_SIZE;

    return fmcf;
}


static char *
ngx_http_fanout_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_fanout_main_conf_t *fmcf = conf;

    u_char     *p;
    size_t      len;
    ngx_str_t   id;

    if (fmcf->uri.data == NULL) {
        return NGX_CONF_OK;         /* the module is idle */
    }

    ngx_conf_init_size_value(fmcf->zone_size, 1024 * 1024);
    ngx_conf_init_msec_value(fmcf->lookup_timeout, 5000);
    ngx_conf_init_msec_value(fmcf->update_period, 5000);
    ngx_conf_init_size_value(fmcf->viewer_zone_size, 1024 * 1024);
    ngx_conf_init_msec_value(fmcf->viewer_window, 10000);

    if (fmcf->zone_size < 8 * ngx_pagesize) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"fanout_cache_zone\" must be at least %uzk",
                           8 * ngx_pagesize / 1024);
        return NGX_CONF_ERROR;
    }

    /* viewer entries hold a stream's offset in the zone in 32 bits */
    if (fmcf->viewer_zone_size < 8 * ngx_pagesize
        || fmcf->viewer_zone_size > 1024 * 1024 * 1024)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"fanout_viewer_zone\" must be %uzk to 1g",
                           8 * ngx_pagesize / 1024);
        return NGX_CONF_ERROR;
    }

    /* times are compared in 32 bits of milliseconds */
    if (fmcf->viewer_window < 1000 || fmcf->viewer_window > 3600000) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"fanout_viewer_window\" must be 1s to 1h");
        return NGX_CONF_ERROR;
    }

    if (fmcf->lookup_timeout == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"fanout_lookup_timeout\" must be positive");
        return NGX_CONF_ERROR;
    }

    if (fmcf->thread_pool_name.data == NULL) {
        fmcf->thread_pool_name = ngx_http_fanout_default_pool;
    }

    /* an unknown pool name fails later, in thread_pool's init_conf */
    fmcf->thread_pool = ngx_thread_pool_add(cf, &fmcf->thread_pool_name);
    if (fmcf->thread_pool == NULL) {
        return NGX_CONF_ERROR;
    }

    if (fmcf->node_id.data == NULL) {
        /* "edge-" + host name, with what an id cannot hold made '-' */
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
        fmcf->node_id = id;
    }

    if (ngx_http_fanout_check_id(cf, "fanout_node_id", &fmcf->node_id)
        != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    if (fmcf->node_group.data == NULL) {
        ngx_str_set(&fmcf->node_group, "default");
    }

    if (ngx_http_fanout_check_id(cf, "fanout_node_group", &fmcf->node_group)
        != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    if (fmcf->node_host.data == NULL) {
        if (ngx_http_fanout_default_host(cf, &fmcf->node_host) != NGX_OK) {
            return NGX_CONF_ERROR;
        }

        fmcf->node_port = 80;
    }

    fmcf->shm_zone = ngx_shared_memory_add(cf, &ngx_http_fanout_zone_name,
                                           fmcf->zone_size,
                                           &ngx_http_fanout_module);
    if (fmcf->shm_zone == NULL) {
        return NGX_CONF_ERROR;
    }

    fmcf->shm_zone->init = ngx_http_fanout_init_zone;
    fmcf->shm_zone->data = fmcf;

    fmcf->viewer_zone = ngx_shared_memory_add(cf,
                                              &ngx_http_fanout_viewer_zone_name,
                                              fmcf->viewer_zone_size,
                                              &ngx_http_fanout_module);
    if (fmcf->viewer_zone == NULL) {
        return NGX_CONF_ERROR;
    }

    fmcf->viewer_zone->init = ngx_http_fanout_viewers_init_zone;
    fmcf->viewer_zone->data = fmcf;

    return NGX_CONF_OK;
}


static void *
ngx_http_fanout_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_fanout_loc_conf_t  *flcf;

    flcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_fanout_loc_conf_t));
    if (flcf == NULL) {
        return NULL;
    }

    flcf->lookup = NGX_CONF_UNSET;
    flcf->invalidate = NGX_CONF_UNSET;
    flcf->ttl = NGX_CONF_UNSET_MSEC;
    flcf->negative_ttl = NGX_CONF_UNSET_MSEC;
    flcf->apps = NGX_CONF_UNSET_PTR;
    flcf->viewers = NGX_CONF_UNSET;
    flcf->viewer_args = NGX_CONF_UNSET_PTR;
    flcf->playlist_cache = NGX_CONF_UNSET;
    flcf->playlist_max_size = NGX_CONF_UNSET_SIZE;
    flcf->playlist_valid = NGX_CONF_UNSET_MSEC;

    return flcf;
}


static char *
ngx_http_fanout_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_fanout_loc_conf_t *prev = parent;
    ngx_http_fanout_loc_conf_t *conf = child;

    ngx_str_t                    *app, *arg;
    ngx_uint_t                    i;
    ngx_http_fanout_main_conf_t  *fmcf;

    ngx_conf_merge_value(conf->lookup, prev->lookup, 0);
    ngx_conf_merge_value(conf->invalidate, prev->invalidate, 0);
    ngx_conf_merge_msec_value(conf->ttl, prev->ttl, 1000);
    ngx_conf_merge_msec_value(conf->negative_ttl, prev->negative_ttl, 500);
    ngx_conf_merge_ptr_value(conf->apps, prev->apps, NULL);
    ngx_conf_merge_value(conf->viewers, prev->viewers, 1);
    ngx_conf_merge_ptr_value(conf->viewer_args, prev->viewer_args, NULL);

    if (conf->viewer_args == NULL) {
        conf->viewer_args = ngx_array_create(cf->pool, 3, sizeof(ngx_str_t));
        if (conf->viewer_args == NULL) {
            return NGX_CONF_ERROR;
        }

        for (i = 0; i < 3; i++) {
            arg = ngx_array_push(conf->viewer_args);
            if (arg == NULL) {
                return NGX_CONF_ERROR;
            }

            *arg = ngx_http_fanout_default_viewer_args[i];
        }
    }

    if (conf->apps == NULL) {
        conf->apps = ngx_array_create(cf->pool, 1, sizeof(ngx_str_t));
        if (conf->apps == NULL) {
            return NGX_CONF_ERROR;
        }

        app = ngx_array_push(conf->apps);
        if (app == NULL) {
            return NGX_CONF_ERROR;
        }

        *app = ngx_http_fanout_default_app;
    }

    if (conf->ttl == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"fanout_lookup_ttl\" must be positive");
        return NGX_CONF_ERROR;
    }

    if (conf->lookup || conf->invalidate) {
        fmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_fanout_module);

        if (fmcf->uri.data == NULL) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"fanout_lookup\" requires \"fanout_store\"");
            return NGX_CONF_ERROR;
        }
    }

    return ngx_http_fanout_memcache_merge(cf, prev, conf);
}


static ngx_int_t
ngx_http_fanout_preconfiguration(ngx_conf_t *cf)
{
    if (ngx_http_fanout_add_variables(cf) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_http_fanout_memcache_add_variables(cf);
}


static ngx_int_t
ngx_http_fanout_postconfiguration(ngx_conf_t *cf)
{
    ngx_http_handler_pt        *h;
    ngx_http_core_main_conf_t  *cmcf;

    /*
     * precontent, not access: it must run for every request whatever
     * `satisfy` says, and it is where try_files and mirror wait too.
     */
    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_PRECONTENT_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_fanout_handler;

    /* viewers are counted once the answer is known: status and all */
    h = ngx_array_push(&cmcf->phases[NGX_HTTP_LOG_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_fanout_viewers_handler;

    /* fanout_playlist_cache: its zone and filters, if a location uses it */
    return ngx_http_fanout_memcache_init(cf);
}


static ngx_int_t
ngx_http_fanout_init_process(ngx_cycle_t *cycle)
{
    ngx_http_fanout_main_conf_t  *fmcf;

    if (ngx_process != NGX_PROCESS_WORKER
        && ngx_process != NGX_PROCESS_SINGLE)
    {
        return NGX_OK;
    }

    fmcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_fanout_module);

    if (fmcf == NULL || fmcf->uri.data == NULL) {
        return NGX_OK;
    }

    /* no store handle here: opening one blocks; pool threads open them */

    if (ngx_http_fanout_lookup_init_worker(cycle, fmcf) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_http_fanout_node_init_worker(cycle, fmcf);
}


static void
ngx_http_fanout_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_fanout_main_conf_t  *fmcf;

    fmcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_fanout_module);

    if (fmcf && fmcf->uri.data) {
        ngx_http_fanout_lookup_exit_worker(fmcf);
    }
}
