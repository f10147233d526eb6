/*
 * ngx_http_fanout_lookup_module — which origin publishes a stream.
 *
 * For /{app}/streams/... requests in a location with `fanout_lookup on`,
 * a precontent phase handler (ngx_http_fanout_lookup_handler.c) finds the
 * origin that publishes the stream and sets $fanout_origin for
 * `proxy_pass http://$fanout_origin;`.  Answers are shared by every worker
 * in the zone fanout_lookups (ngx_http_fanout_answers.c); store calls
 * block, so they run on the thread pool (ngx_http_fanout_lookup.c).
 *
 * This file: the directives and configuration (the variables:
 * ngx_http_fanout_lookup_variables.c).
 */
#include "ngx_http_fanout_lookup.h"
#include "ngx_http_fanout_node.h"


static void *ngx_http_fanout_lookup_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_fanout_lookup_init_main_conf(ngx_conf_t *cf,
    void *conf);
static void *ngx_http_fanout_lookup_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_fanout_lookup_merge_loc_conf(ngx_conf_t *cf,
    void *parent, void *child);
static char *ngx_http_fanout_origin_nodes(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_fanout_apps(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static ngx_int_t ngx_http_fanout_lookup_preconfiguration(ngx_conf_t *cf);
static ngx_int_t ngx_http_fanout_lookup_postconfiguration(ngx_conf_t *cf);
static void ngx_http_fanout_lookup_beat(void *data,
    ngx_http_fanout_load_t *load);
static ngx_int_t ngx_http_fanout_lookup_init_process(ngx_cycle_t *cycle);


static ngx_command_t  ngx_http_fanout_lookup_commands[] = {

    { ngx_string("fanout_lookup"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_fanout_lookup_loc_conf_t, lookup),
      NULL },

    { ngx_string("fanout_lookup_zone"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_fanout_lookup_main_conf_t, zone_size),
      NULL },

    /* its old name: "cache" now means the response cache only */
    { ngx_string("fanout_cache_zone"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_fanout_lookup_main_conf_t, zone_size),
      NULL },

    { ngx_string("fanout_lookup_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_fanout_lookup_main_conf_t, timeout),
      NULL },

    { ngx_string("fanout_origin_nodes"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_fanout_origin_nodes,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("fanout_lookup_ttl"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_fanout_lookup_loc_conf_t, ttl),
      NULL },

    { ngx_string("fanout_lookup_negative_ttl"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_fanout_lookup_loc_conf_t, negative_ttl),
      NULL },

    { ngx_string("fanout_apps"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_fanout_apps,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("fanout_play_signed"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_fanout_lookup_loc_conf_t, play_signed),
      NULL },

    { ngx_string("fanout_play_keys"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_fanout_play_keys,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("fanout_invalidate"),
      NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_fanout_lookup_loc_conf_t, invalidate),
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_fanout_lookup_module_ctx = {
    ngx_http_fanout_lookup_preconfiguration,  /* preconfiguration */
    ngx_http_fanout_lookup_postconfiguration, /* postconfiguration */

    ngx_http_fanout_lookup_create_main_conf,  /* create main configuration */
    ngx_http_fanout_lookup_init_main_conf,    /* init main configuration */

    NULL,                                     /* create server configuration */
    NULL,                                     /* merge server configuration */

    ngx_http_fanout_lookup_create_loc_conf,   /* create location conf */
    ngx_http_fanout_lookup_merge_loc_conf     /* merge location conf */
};


ngx_module_t  ngx_http_fanout_lookup_module = {
    NGX_MODULE_V1,
    &ngx_http_fanout_lookup_module_ctx,     /* module context */
    ngx_http_fanout_lookup_commands,        /* module directives */
    NGX_HTTP_MODULE,                        /* module type */
    NULL,                                   /* init master */
    NULL,                                   /* init module */
    ngx_http_fanout_lookup_init_process,    /* init process */
    NULL,                                   /* init thread */
    NULL,                                   /* exit thread */
    NULL,                                   /* exit process */
    NULL,                                   /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_http_fanout_metric_t  ngx_http_fanout_lookup_metrics[] = {
    { ngx_string("requests"), 0, "Requests the lookup handler took." },
    { ngx_string("hits"), 0, "Fresh mappings found in the answers zone." },
    { ngx_string("negative_hits"), 0,
      "Fresh answers that the stream is not broadcasting (404)." },
    { ngx_string("stale"), 0,
      "Requests proxied on a stale mapping while it is refreshed." },
    { ngx_string("misses"), 0, "Requests that waited for a lookup." },
    { ngx_string("waits_local"), 0,
      "Requests queued on a lookup of their own worker." },
    { ngx_string("waits_remote"), 0,
      "Requests queued on another worker's lookup." },
    { ngx_string("store_lookups"), 0, "Lookups sent to the store." },
    { ngx_string("store_found"), 0,
      "Store lookups that found a broadcasting origin." },
    { ngx_string("store_gone"), 0,
      "Store lookups that found no broadcasting stream." },
    { ngx_string("store_errors"), 0,
      "Store lookups that failed, timed out or could not start." },
    { ngx_string("fallbacks"), 0,
      "Requests sent to fanout_origin_nodes (store failing)." },
    { ngx_string("unavailable"), 0,
      "Requests answered 503 (store failing, no origin known)." },
    { ngx_string("invalidations"), 0,
      "Mappings dropped after their origin failed." },
    { ngx_string("rejected"), 0,
      "Requests rejected without a lookup (method, path, app)." },
    { ngx_string("takeovers"), 0,
      "Lookups taken over from a worker that died or hung." },
    { ngx_string("play_missing"), 0,
      "Requests refused 403: fanout_play_signed and no token." },
    { ngx_string("play_bad"), 0,
      "Requests refused 403: a malformed, tampered or unknown-key token, "
      "or one for another stream or address." },
    { ngx_string("play_expired"), 0,
      "Requests refused 403: an expired token." },
    { ngx_string("bytes_out"), 0,
      "Bytes sent to viewers for stream requests (egress)." },
    { ngx_string("entries"), 1, "Streams in the answers zone." },
    { ngx_string("mapped"), 1, "Streams mapped to an origin now." },
    { ngx_string("inflight"), 1, "Store lookups running now." },
    { ngx_string("origin_ok_timestamp_seconds"), 1000,
      "Unix time of the last fetch an origin answered (0: none)." },
    { ngx_string("origin_fail_timestamp_seconds"), 1000,
      "Unix time of the last failed fetch from an origin: connect error, "
      "timeout, 502 or 504 (0: none)." }
};


static ngx_str_t  ngx_http_fanout_lookup_zone_name =
    ngx_string("fanout_lookups");
static ngx_str_t  ngx_http_fanout_default_app = ngx_string("LiveApp");


static void *
ngx_http_fanout_lookup_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_fanout_lookup_main_conf_t  *lmcf;

    lmcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_fanout_lookup_main_conf_t));
    if (lmcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     lmcf->origin_nodes = NULL;
     *     lmcf->found = NULL;
     */

    lmcf->zone_size = NGX_CONF_UNSET_SIZE;
    lmcf->timeout = NGX_CONF_UNSET_MSEC;

    return lmcf;
}


static char *
ngx_http_fanout_lookup_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_fanout_lookup_main_conf_t *lmcf = conf;

    if (ngx_http_fanout_store_uri(cf) == NULL) {
        return NGX_CONF_OK;         /* idle */
    }

    lmcf->fmcf = ngx_http_conf_get_module_main_conf(cf,
                                                    ngx_http_fanout_module);

    ngx_conf_init_size_value(lmcf->zone_size, 1024 * 1024);
    ngx_conf_init_msec_value(lmcf->timeout, 5000);

    if (lmcf->zone_size < 8 * ngx_pagesize) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"fanout_lookup_zone\" must be at least %uzk",
                           8 * ngx_pagesize / 1024);
        return NGX_CONF_ERROR;
    }

    if (lmcf->timeout == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"fanout_lookup_timeout\" must be positive");
        return NGX_CONF_ERROR;
    }

    lmcf->zone = ngx_shared_memory_add(cf, &ngx_http_fanout_lookup_zone_name,
                                       lmcf->zone_size,
                                       &ngx_http_fanout_lookup_module);
    if (lmcf->zone == NULL) {
        return NGX_CONF_ERROR;
    }

    lmcf->zone->init = ngx_http_fanout_answers_init_zone;
    lmcf->zone->data = lmcf;

    return NGX_CONF_OK;
}


static void *
ngx_http_fanout_lookup_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_fanout_lookup_loc_conf_t  *llcf;

    llcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_fanout_lookup_loc_conf_t));
    if (llcf == NULL) {
        return NULL;
    }

    llcf->lookup = NGX_CONF_UNSET;
    llcf->invalidate = NGX_CONF_UNSET;
    llcf->ttl = NGX_CONF_UNSET_MSEC;
    llcf->negative_ttl = NGX_CONF_UNSET_MSEC;
    llcf->apps = NGX_CONF_UNSET_PTR;
    llcf->play_signed = NGX_CONF_UNSET;

    return llcf;
}


static char *
ngx_http_fanout_lookup_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child)
{
    ngx_http_fanout_lookup_loc_conf_t *prev = parent;
    ngx_http_fanout_lookup_loc_conf_t *conf = child;

    ngx_str_t                           *app;
    ngx_http_fanout_lookup_main_conf_t  *lmcf;

    ngx_conf_merge_value(conf->lookup, prev->lookup, 0);
    ngx_conf_merge_value(conf->play_signed, prev->play_signed, 0);
    ngx_conf_merge_value(conf->invalidate, prev->invalidate, 0);
    ngx_conf_merge_msec_value(conf->ttl, prev->ttl, 1000);
    ngx_conf_merge_msec_value(conf->negative_ttl, prev->negative_ttl, 500);
    ngx_conf_merge_ptr_value(conf->apps, prev->apps, NULL);

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

    lmcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_fanout_lookup_module);

    if (conf->play_signed && lmcf->play_keys == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"fanout_play_signed\" requires "
                           "\"fanout_play_keys\" in http{}");
        return NGX_CONF_ERROR;
    }

    if ((conf->lookup || conf->invalidate)
        && ngx_http_fanout_store_uri(cf) == NULL)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"fanout_lookup\" requires \"fanout_store\"");
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_fanout_origin_nodes(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_fanout_lookup_main_conf_t  *lmcf = conf;

    u_char      *p;
    ngx_str_t   *value, *node;
    ngx_url_t    u;
    ngx_uint_t   i;

    if (lmcf->origin_nodes != NULL) {
        return "is duplicate";
    }

    lmcf->origin_nodes = ngx_array_create(cf->pool, cf->args->nelts - 1,
                                          sizeof(ngx_str_t));
    if (lmcf->origin_nodes == NULL) {
        return NGX_CONF_ERROR;
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {
        ngx_memzero(&u, sizeof(ngx_url_t));

        u.url = value[i];
        u.default_port = 5080;
        u.no_resolve = 1;

        if (ngx_parse_url(cf->pool, &u) != NGX_OK || u.uri.len
            || u.host.len == 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "%s in fanout_origin_nodes \"%V\"",
                               u.err ? u.err : "invalid host:port", &u.url);
            return NGX_CONF_ERROR;
        }

        node = ngx_array_push(lmcf->origin_nodes);
        if (node == NULL) {
            return NGX_CONF_ERROR;
        }

        /* "host:port" as $fanout_origin carries it ([v6] keeps brackets) */
        node->data = ngx_pnalloc(cf->pool, u.host.len + 1 + NGX_INT_T_LEN);
        if (node->data == NULL) {
            return NGX_CONF_ERROR;
        }

        p = ngx_sprintf(node->data, "%V:%d", &u.host, (int) u.port);
        node->len = p - node->data;

        if (node->len >= NGX_HTTP_FANOUT_ORIGIN_MAX) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "too long origin \"%V\"", &u.url);
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_fanout_apps(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_fanout_lookup_loc_conf_t *llcf = conf;

    ngx_str_t   *value, *app;
    ngx_uint_t   i;

    if (llcf->apps != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    llcf->apps = ngx_array_create(cf->pool, cf->args->nelts - 1,
                                  sizeof(ngx_str_t));
    if (llcf->apps == NULL) {
        return NGX_CONF_ERROR;
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {
        if (ngx_http_fanout_check_id(cf, "fanout_apps", &value[i])
            != NGX_CONF_OK)
        {
            return NGX_CONF_ERROR;
        }

        app = ngx_array_push(llcf->apps);
        if (app == NULL) {
            return NGX_CONF_ERROR;
        }

        *app = value[i];
    }

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_fanout_lookup_preconfiguration(ngx_conf_t *cf)
{
    if (ngx_http_fanout_signed_add_variables(cf) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_http_fanout_lookup_add_variables(cf);
}


static ngx_int_t
ngx_http_fanout_lookup_postconfiguration(ngx_conf_t *cf)
{
    ngx_http_handler_pt                 *h;
    ngx_http_core_main_conf_t           *cmcf;
    ngx_http_fanout_lookup_main_conf_t  *lmcf;

    if (ngx_http_fanout_store_uri(cf) == NULL) {
        return NGX_OK;
    }

    lmcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_fanout_lookup_module);

    /*
     * precontent, not access: it must run for every request whatever
     * `satisfy` says, and it is where try_files and mirror wait too.
     */
    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_PRECONTENT_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_fanout_lookup_handler;

    /* how the origins answered, once the request is done */
    h = ngx_array_push(&cmcf->phases[NGX_HTTP_LOG_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_fanout_origins_log_handler;

    if (ngx_http_fanout_node_add_beat(cf, ngx_http_fanout_lookup_beat, lmcf)
        == NGX_CONF_UNSET_MSEC)
    {
        return NGX_ERROR;
    }

    return ngx_http_fanout_metrics_add(cf, ngx_http_fanout_lookup_metrics,
                                       NGX_HTTP_FANOUT_M_LOOKUP_N,
                                       &lmcf->metrics);
}


/* Worker 0's heartbeat: how many streams this edge maps now, when an
 * origin last answered and last failed, and the bytes stream requests
 * have sent to viewers (the node module makes the egress rate of it). */
static void
ngx_http_fanout_lookup_beat(void *data, ngx_http_fanout_load_t *load)
{
    ngx_http_fanout_lookup_main_conf_t *lmcf = data;

    load->streams = lmcf->metrics[NGX_HTTP_FANOUT_M_MAPPED];
    load->origin_ok_ms = (int64_t) lmcf->metrics[NGX_HTTP_FANOUT_M_ORIGIN_OK];
    load->origin_fail_ms =
        (int64_t) lmcf->metrics[NGX_HTTP_FANOUT_M_ORIGIN_FAIL];
    load->bytes_out = (uint64_t) lmcf->metrics[NGX_HTTP_FANOUT_M_BYTES_OUT];
}


static ngx_int_t
ngx_http_fanout_lookup_init_process(ngx_cycle_t *cycle)
{
    ngx_http_fanout_lookup_main_conf_t  *lmcf;

    lmcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_fanout_lookup_module);

    if (lmcf) {
        ngx_rbtree_init(&lmcf->pending, &lmcf->pending_sentinel,
                        ngx_str_rbtree_insert_value);
    }

    return NGX_OK;
}
