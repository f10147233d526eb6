/*
 * ngx_http_fanout_module — the edge's link to the cluster store.
 *
 * This first part opens the store named by `fanout_store` in every worker
 * and checks the URI at configuration time, so `nginx -t` rejects a bad
 * one with the store library's message.  The stream lookup (issue 4)
 * builds on it.
 */
#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "fanout/store.h"

typedef struct {
    ngx_str_t   uri;            /* fanout_store */
    fo_store   *store;          /* per worker, opened in init_process */
} ngx_http_fanout_main_conf_t;

static void *ngx_http_fanout_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_fanout_store(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static ngx_int_t ngx_http_fanout_init_process(ngx_cycle_t *cycle);
static void ngx_http_fanout_exit_process(ngx_cycle_t *cycle);

static ngx_command_t ngx_http_fanout_commands[] = {

    { ngx_string("fanout_store"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_fanout_store,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};

static ngx_http_module_t ngx_http_fanout_module_ctx = {
    NULL,                                   /* preconfiguration */
    NULL,                                   /* postconfiguration */
    ngx_http_fanout_create_main_conf,       /* create main configuration */
    NULL,                                   /* init main configuration */
    NULL,                                   /* create server configuration */
    NULL,                                   /* merge server configuration */
    NULL,                                   /* create location configuration */
    NULL                                    /* merge location configuration */
};

ngx_module_t ngx_http_fanout_module = {
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

static void *
ngx_http_fanout_create_main_conf(ngx_conf_t *cf)
{
    return ngx_pcalloc(cf->pool, sizeof(ngx_http_fanout_main_conf_t));
}

static char *
ngx_http_fanout_store(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_fanout_main_conf_t  *fmcf = conf;
    ngx_str_t                    *value;
    u_char                       *uri;
    fo_store                     *probe;
    fo_error                      err;

    if (fmcf->uri.data != NULL) {
        return "is duplicate";
    }
    value = cf->args->elts;
    uri = ngx_pnalloc(cf->pool, value[1].len + 1);
    if (uri == NULL) {
        return NGX_CONF_ERROR;
    }
    ngx_cpystrn(uri, value[1].data, value[1].len + 1);

    /* Opening checks the URI and the server now, while the operator
     * watches `nginx -t`; workers open their own handles later (a handle
     * must not cross fork()). */
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

static ngx_int_t
ngx_http_fanout_init_process(ngx_cycle_t *cycle)
{
    ngx_http_fanout_main_conf_t  *fmcf;
    fo_error                      err;

    fmcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_fanout_module);
    if (fmcf == NULL || fmcf->uri.data == NULL) {
        return NGX_OK;
    }
    if (fo_store_open((const char *) fmcf->uri.data, &fmcf->store, &err)
        != FO_OK)
    {
        ngx_log_error(NGX_LOG_WARN, cycle->log, 0,
                      "fanout: store not open yet: %s", err.msg);
        fmcf->store = NULL;
    }
    return NGX_OK;
}

static void
ngx_http_fanout_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_fanout_main_conf_t  *fmcf;

    fmcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_fanout_module);
    if (fmcf != NULL && fmcf->store != NULL) {
        fo_store_close(fmcf->store);
        fmcf->store = NULL;
    }
}
