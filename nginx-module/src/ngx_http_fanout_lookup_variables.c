/*
 * ngx_http_fanout_lookup_variables.c — what the lookup module tells the
 * configuration about a request: $fanout_origin and $fanout_session (the
 * answer it is proxied with), $fanout_app, $fanout_stream, $fanout_kind,
 * $fanout_lookup_status and $fanout_retry.
 */
#include "ngx_http_fanout_lookup.h"


static ngx_int_t ngx_http_fanout_origin_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_fanout_request_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);


#define NGX_HTTP_FANOUT_VAR_APP       0
#define NGX_HTTP_FANOUT_VAR_STREAM    1
#define NGX_HTTP_FANOUT_VAR_KIND      2
#define NGX_HTTP_FANOUT_VAR_STATUS    3
#define NGX_HTTP_FANOUT_VAR_RETRY     4

#define NGX_HTTP_FANOUT_VAR_ORIGIN    0
#define NGX_HTTP_FANOUT_VAR_SESSION   1


static ngx_http_variable_t  ngx_http_fanout_vars[] = {

    { ngx_string("fanout_origin"), NULL, ngx_http_fanout_origin_variable,
      NGX_HTTP_FANOUT_VAR_ORIGIN, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("fanout_session"), NULL, ngx_http_fanout_origin_variable,
      NGX_HTTP_FANOUT_VAR_SESSION, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("fanout_app"), NULL, ngx_http_fanout_request_variable,
      NGX_HTTP_FANOUT_VAR_APP, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("fanout_stream"), NULL, ngx_http_fanout_request_variable,
      NGX_HTTP_FANOUT_VAR_STREAM, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("fanout_kind"), NULL, ngx_http_fanout_request_variable,
      NGX_HTTP_FANOUT_VAR_KIND, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("fanout_lookup_status"), NULL,
      ngx_http_fanout_request_variable, NGX_HTTP_FANOUT_VAR_STATUS,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("fanout_retry"), NULL, ngx_http_fanout_request_variable,
      NGX_HTTP_FANOUT_VAR_RETRY, NGX_HTTP_VAR_NOCACHEABLE, 0 },

      ngx_http_null_variable
};


static ngx_str_t  ngx_http_fanout_lookup_status_names[] = {
    ngx_null_string,
    ngx_string("HIT"),
    ngx_string("MISS"),
    ngx_string("STALE"),
    ngx_string("NEGATIVE"),
    ngx_string("FALLBACK"),
    ngx_string("UNAVAILABLE"),
    ngx_string("REJECTED")
};


ngx_int_t
ngx_http_fanout_lookup_add_variables(ngx_conf_t *cf)
{
    return ngx_http_fanout_add_variables(cf, ngx_http_fanout_vars);
}


static ngx_int_t
ngx_http_fanout_origin_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_fanout_ctx_t  *ctx;

    ctx = ngx_http_fanout_get_ctx(r);

    if (ctx == NULL || ctx->phase != NGX_HTTP_FANOUT_PHASE_DONE
        || ctx->status != 0 || ctx->answer.origin_len == 0)
    {
        v->not_found = 1;
        return NGX_OK;
    }

    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    if (data == NGX_HTTP_FANOUT_VAR_ORIGIN) {
        v->len = ctx->answer.origin_len;
        v->data = ctx->answer.origin;
        return NGX_OK;
    }

    v->data = ngx_pnalloc(r->pool, NGX_HTTP_FANOUT_SESSION_LEN);
    if (v->data == NULL) {
        return NGX_ERROR;
    }

    v->len = ngx_http_fanout_session_hex(v->data, ctx->answer.session)
             - v->data;

    return NGX_OK;
}


static ngx_int_t
ngx_http_fanout_request_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    const char             *kind;
    ngx_http_fanout_ctx_t  *ctx;

    ctx = ngx_http_fanout_get_ctx(r);

    if (ctx == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    switch (data) {

    case NGX_HTTP_FANOUT_VAR_APP:
        v->data = (u_char *) ctx->app;
        v->len = ctx->key.len ? ngx_strlen(ctx->app) : 0;
        break;

    case NGX_HTTP_FANOUT_VAR_STREAM:
        v->data = (u_char *) ctx->stream;
        v->len = ctx->key.len ? ngx_strlen(ctx->stream) : 0;
        break;

    case NGX_HTTP_FANOUT_VAR_KIND:
        if (ctx->key.len == 0) {
            v->not_found = 1;
            break;
        }

        kind = ngx_http_fanout_kind_name(ctx->kind);
        v->data = (u_char *) kind;
        v->len = ngx_strlen(kind);
        break;

    case NGX_HTTP_FANOUT_VAR_STATUS:
        v->data = ngx_http_fanout_lookup_status_names[ctx->lookup_status].data;
        v->len = ngx_http_fanout_lookup_status_names[ctx->lookup_status].len;
        v->not_found = (v->len == 0);
        break;

    default: /* NGX_HTTP_FANOUT_VAR_RETRY */
        v->data = (u_char *) (ctx->retried ? "1" : "0");
        v->len = 1;
        break;
    }

    return NGX_OK;
}
