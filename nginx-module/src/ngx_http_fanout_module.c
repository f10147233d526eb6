/*
 * ngx_http_fanout_module — the edge's shared layer: the cluster store
 * (fanout_store), the thread pool its calls run on (fanout_thread_pool),
 * and the fanout_status page.  The other fanout modules do the work
 * (ngx_http_fanout.h has the map); without fanout_store they all stay
 * idle and nginx runs as if the module were not loaded.
 */
#include "ngx_http_fanout.h"


static void *ngx_http_fanout_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_fanout_init_main_conf(ngx_conf_t *cf, void *conf);
static char *ngx_http_fanout_store(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static ngx_int_t ngx_http_fanout_init_process(ngx_cycle_t *cycle);
static void ngx_http_fanout_exit_process(ngx_cycle_t *cycle);


static ngx_command_t  ngx_http_fanout_commands[] = {

    { ngx_string("fanout_store"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_fanout_store,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("fanout_thread_pool"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_fanout_main_conf_t, thread_pool_name),
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
    NULL,                                   /* preconfiguration */
    NULL,                                   /* postconfiguration */

    ngx_http_fanout_create_main_conf,       /* create main configuration */
    ngx_http_fanout_init_main_conf,         /* init main configuration */

    NULL,                                   /* create server configuration */
    NULL,                                   /* merge server configuration */

    NULL,                                   /* create location configuration */
    NULL                                    /* merge location configuration */
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


static ngx_str_t  ngx_http_fanout_default_pool = ngx_string("default");


static void *
ngx_http_fanout_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_fanout_main_conf_t  *fmcf;

    /*
     * set by ngx_pcalloc():
     *
     *     fmcf->uri = { 0, NULL };
     *     fmcf->thread_pool_name = { 0, NULL };
     *     fmcf->metrics_zone = NULL;
     */

    fmcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_fanout_main_conf_t));

    return fmcf;
}


static char *
ngx_http_fanout_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_fanout_main_conf_t *fmcf = conf;

    if (fmcf->uri.data == NULL) {
        return NGX_CONF_OK;         /* the modules are idle */
    }

    if (fmcf->thread_pool_name.data == NULL) {
        fmcf->thread_pool_name = ngx_http_fanout_default_pool;
    }

    /* an unknown pool name fails later, in thread_pool's init_conf */
    fmcf->thread_pool = ngx_thread_pool_add(cf, &fmcf->thread_pool_name);
    if (fmcf->thread_pool == NULL) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_fanout_store(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_fanout_main_conf_t  *fmcf = conf;

    u_char     *uri;
    fo_error    err;
    fo_store   *probe;
    ngx_str_t  *value;

    if (fmcf->uri.data != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    uri = ngx_pnalloc(cf->pool, value[1].len + 1);
    if (uri == NULL) {
        return NGX_CONF_ERROR;
    }

    (void) ngx_cpystrn(uri, value[1].data, value[1].len + 1);

    /*
     * Opening checks the URI and the server now, while the operator
     * watches `nginx -t`; workers open their own handles later, in pool
     * threads (a handle must not cross fork()).
     */
    if (fo_store_open((const char *) uri, &probe, &err) != FO_OK) {
        if (err.code == FO_ERR_INVALID) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%s", err.msg);
            return NGX_CONF_ERROR;
        }

        /* An unreachable store is not a configuration error: the edge
         * starts and serves what it can (stale mappings, static origins). */
        ngx_conf_log_error(NGX_LOG_WARN, cf, 0, "%s", err.msg);

    } else {
        fo_store_close(probe);
    }

    fmcf->uri.data = uri;
    fmcf->uri.len = value[1].len;

    return NGX_CONF_OK;
}


/*
 * A zone's slab pool names its directive in "no memory" messages, and
 * stays quiet about them: every zone here handles a full pool itself.
 */
ngx_int_t
ngx_http_fanout_zone_log(ngx_shm_zone_t *shm_zone, const char *directive)
{
    size_t            len;
    ngx_slab_pool_t  *pool;

    pool = (ngx_slab_pool_t *) shm_zone->shm.addr;
    len = sizeof(" in  \"\"") + ngx_strlen(directive) + shm_zone->shm.name.len;

    pool->log_ctx = ngx_slab_alloc(pool, len);
    if (pool->log_ctx == NULL) {
        return NGX_ERROR;
    }

    ngx_sprintf(pool->log_ctx, " in %s \"%V\"%Z", directive,
                &shm_zone->shm.name);

    pool->log_nomem = 0;

    return NGX_OK;
}


/* A module's table of variables, ended by ngx_http_null_variable. */
ngx_int_t
ngx_http_fanout_add_variables(ngx_conf_t *cf, ngx_http_variable_t *vars)
{
    ngx_http_variable_t  *var, *v;

    for (v = vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}


/* Node ids, groups and app names obey the store's rule (fo_valid_id). */
char *
ngx_http_fanout_check_id(ngx_conf_t *cf, const char *directive, ngx_str_t *id)
{
    if (id->len > 0 && id->len < FO_ID_MAX
        && fo_valid_id_len((const char *) id->data, id->len, FO_ID_MAX))
    {
        return NGX_CONF_OK;
    }

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid name \"%V\" in \"%s\": 1 to %d characters "
                       "of A-Z a-z 0-9 _ . -", id, directive, FO_ID_MAX - 1);

    return NGX_CONF_ERROR;
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

    return ngx_http_fanout_stores_init(cycle, fmcf);
}


static void
ngx_http_fanout_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_fanout_main_conf_t  *fmcf;

    fmcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_fanout_module);

    if (fmcf && fmcf->uri.data) {
        ngx_http_fanout_stores_close(fmcf);
    }
}
