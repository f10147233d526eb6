/*
 * ngx_http_fanout_signed.c — signed playback URLs at the edge
 * (fanout_play_signed, fanout_play_keys; the token: auth/, shared with
 * the origin, fanout/playback_token.h).
 *
 * A signed URL carries its token as a path element that relative URIs
 * inherit, /{app}/streams/t=<token>/{rest}.  The phase handler removes
 * the element from r->uri before anything reads the path, so the store
 * lookup, $uri in proxy_pass and proxy_cache_key, the playlist copies and
 * the prefetches all see /{app}/streams/{rest}: a thousand viewers with a
 * thousand tokens share one cache entry and one origin fetch.
 *
 * The origin is not sent the viewer's token: $fanout_play_token is a
 * token the edge signs for the stream's scope, unbound, valid
 * NGX_HTTP_FANOUT_PLAY_FORWARD seconds, sent as X-Fanout-Play-Token (the
 * origin checks it with the same keys), and evaluated only when a
 * request really goes upstream.  A viewer's address-bound token could not
 * be checked there (the origin sees the edge), and one that expires
 * between the edge and the origin would fail a fetch many viewers wait on.
 *
 * The check is one HMAC over ~60 bytes on the stack (three SHA-256
 * blocks), one CRYPTO_memcmp, and the new r->uri in the request pool; no
 * store call, no system call.
 */
#include "ngx_http_fanout_lookup.h"


#define NGX_HTTP_FANOUT_PLAY_FORWARD  60    /* s: edge -> origin, prefetch */


static ngx_int_t ngx_http_fanout_play_token_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_fanout_play_exchange_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_fanout_request_line_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_fanout_exchange(ngx_http_request_t *r,
    ngx_http_fanout_ctx_t *ctx);


static ngx_http_variable_t  ngx_http_fanout_signed_vars[] = {

    { ngx_string("fanout_play_token"), NULL,
      ngx_http_fanout_play_token_variable, 0, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("fanout_play_exchange"), NULL,
      ngx_http_fanout_play_exchange_variable, 0, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("fanout_request_line"), NULL,
      ngx_http_fanout_request_line_variable, 0, NGX_HTTP_VAR_NOCACHEABLE, 0 },

      ngx_http_null_variable
};

static ngx_str_t  ngx_http_fanout_play_header = ngx_string(FO_PT_HEADER);


char *
ngx_http_fanout_play_keys(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_fanout_lookup_main_conf_t  *lmcf = conf;

    char       err[128];
    ngx_str_t  *value, file;

    if (lmcf->play_keys != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;
    file = value[1];

    if (ngx_conf_full_name(cf->cycle, &file, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    lmcf->play_keys = ngx_pcalloc(cf->pool, sizeof(fo_pt_keyring));
    if (lmcf->play_keys == NULL) {
        return NGX_CONF_ERROR;
    }

    /* file.data is NUL-terminated by ngx_conf_full_name */
    if (fo_pt_keyring_load((char *) file.data, lmcf->play_keys, err,
                           sizeof(err))
        != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"fanout_play_keys\" \"%V\": %s", &file, err);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


ngx_int_t
ngx_http_fanout_signed_add_variables(ngx_conf_t *cf)
{
    return ngx_http_fanout_add_variables(cf, ngx_http_fanout_signed_vars);
}


/*
 * Removes a token element from r->uri, keeping the token in ctx->token
 * (it points into the old r->uri, which lives as long as the request).
 * A path without one is left as it is.
 */
ngx_int_t
ngx_http_fanout_signed_strip(ngx_http_request_t *r, ngx_http_fanout_ctx_t *ctx)
{
    u_char  *p;
    size_t   to, tl, eo, el;

    ngx_str_null(&ctx->token);

    if (!fo_pt_find_element((char *) r->uri.data, r->uri.len, &to, &tl, &eo,
                            &el))
    {
        return NGX_OK;
    }

    p = ngx_pnalloc(r->pool, r->uri.len - el);
    if (p == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(p, r->uri.data, eo);
    ngx_memcpy(p + eo, r->uri.data + eo + el, r->uri.len - eo - el);

    ctx->token.data = r->uri.data + to;
    ctx->token.len = tl;
    r->uri.data = p;
    r->uri.len -= el;

    return NGX_OK;
}


/* The X-Fanout-Play-Token header (edges to themselves: prefetches). */
static void
ngx_http_fanout_header_token(ngx_http_request_t *r, ngx_str_t *token)
{
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                return;
            }
            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].key.len == ngx_http_fanout_play_header.len
            && ngx_strncasecmp(h[i].key.data, ngx_http_fanout_play_header.data,
                               h[i].key.len) == 0)
        {
            *token = h[i].value;
            return;
        }
    }
}


/*
 * An unsigned playlist request with ?token= (Ant Media's play tokens, or
 * a signed-URL token given as the query): the origin checks it, once per
 * viewer session, and answers a 302 to the playlist under a signed path
 * (origin/src/http/play_access.h).  The edge passes it on uncached
 * ($fanout_play_exchange in proxy_cache_bypass and proxy_no_cache, no
 * playlist copy) and without a token of its own, so that the origin sees
 * the viewer's.
 */
static ngx_int_t
ngx_http_fanout_exchange(ngx_http_request_t *r, ngx_http_fanout_ctx_t *ctx)
{
    ngx_str_t  value;

    if (ctx->kind != NGX_HTTP_FANOUT_KIND_HLS
        && ctx->kind != NGX_HTTP_FANOUT_KIND_DASH)
    {
        return 0;
    }

    return ngx_http_arg(r, (u_char *) "token", 5, &value) == NGX_OK
           && value.len > 0;
}


/*
 * NGX_OK when signing is off for the location, or the request's token is
 * valid for its app/stream; else NGX_HTTP_FORBIDDEN, counted.  Runs after
 * the path was parsed (ctx->app, ctx->stream: the scope).
 */
ngx_int_t
ngx_http_fanout_signed_check(ngx_http_request_t *r,
    ngx_http_fanout_lookup_main_conf_t *lmcf,
    ngx_http_fanout_lookup_loc_conf_t *llcf, ngx_http_fanout_ctx_t *ctx)
{
    ngx_str_t  token, *addr;
    fo_pt_rc   rc;

    if (!llcf->play_signed) {
        return NGX_OK;
    }

    token = ctx->token;

    if (token.len == 0) {
        ngx_http_fanout_header_token(r, &token);
    }

    if (token.len == 0 && ngx_http_fanout_exchange(r, ctx)) {
        ctx->play_exchange = 1;
        return NGX_OK;
    }

    if (token.len == 0) {
        ngx_http_fanout_count(lmcf->metrics, NGX_HTTP_FANOUT_M_PLAY_MISSING);
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "fanout: play of \"%s/%s\" refused: no token",
                      ctx->app, ctx->stream);
        return NGX_HTTP_FORBIDDEN;
    }

    addr = &r->connection->addr_text;

    rc = fo_pt_verify(lmcf->play_keys, (char *) token.data, token.len,
                      ctx->app, ngx_strlen(ctx->app), ctx->stream,
                      ngx_strlen(ctx->stream), (int64_t) ngx_time(),
                      (char *) addr->data, addr->len);

    if (rc == FO_PT_OK) {
        return NGX_OK;
    }

    ngx_http_fanout_count(lmcf->metrics, rc == FO_PT_EXPIRED
                                         ? NGX_HTTP_FANOUT_M_PLAY_EXPIRED
                                         : NGX_HTTP_FANOUT_M_PLAY_BAD);
    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "fanout: play of \"%s/%s\" refused: %s token",
                  ctx->app, ctx->stream, fo_pt_rc_name(rc));

    return NGX_HTTP_FORBIDDEN;
}


/*
 * A token this edge signs for the request's stream: for the origin (the
 * variable) and for its own prefetches.  Empty when the location does not
 * sign or the request is not a stream's.
 */
ngx_int_t
ngx_http_fanout_play_token(ngx_http_request_t *r, ngx_http_fanout_ctx_t *ctx,
    ngx_str_t *token)
{
    size_t                               n;
    ngx_http_fanout_lookup_loc_conf_t   *llcf;
    ngx_http_fanout_lookup_main_conf_t  *lmcf;

    ngx_str_null(token);

    llcf = ngx_http_get_module_loc_conf(r, ngx_http_fanout_lookup_module);
    lmcf = ngx_http_get_module_main_conf(r, ngx_http_fanout_lookup_module);

    if (ctx == NULL || ctx->key.len == 0 || lmcf->play_keys == NULL
        || !llcf->play_signed || ctx->play_exchange)
    {
        return NGX_OK;
    }

    token->data = ngx_pnalloc(r->pool, FO_PT_TOKEN_MAX);
    if (token->data == NULL) {
        return NGX_ERROR;
    }

    n = fo_pt_sign(lmcf->play_keys, ctx->app, ngx_strlen(ctx->app),
                   ctx->stream, ngx_strlen(ctx->stream),
                   (int64_t) ngx_time() + NGX_HTTP_FANOUT_PLAY_FORWARD, NULL,
                   0, (char *) token->data, FO_PT_TOKEN_MAX);
    token->len = n;

    return n ? NGX_OK : NGX_ERROR;
}


static ngx_int_t
ngx_http_fanout_play_token_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_str_t  token;

    if (ngx_http_fanout_play_token(r, ngx_http_fanout_get_ctx(r), &token)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (token.len == 0) {
        v->not_found = 1;
        return NGX_OK;
    }

    v->data = token.data;
    v->len = token.len;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;

    return NGX_OK;
}


/* "1" for a token exchange (see ngx_http_fanout_exchange), else empty. */
static ngx_int_t
ngx_http_fanout_play_exchange_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_fanout_ctx_t  *ctx;

    ctx = ngx_http_fanout_get_ctx(r);

    if (ctx == NULL || !ctx->play_exchange) {
        v->not_found = 1;
        return NGX_OK;
    }

    v->data = (u_char *) "1";
    v->len = 1;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;

    return NGX_OK;
}


/*
 * $request without its playback tokens (ngx_http_fanout_redact): what
 * edge.conf's access log writes, so that a log reader cannot replay a
 * viewer's URL.  Evaluated once per logged request.
 */
static ngx_int_t
ngx_http_fanout_request_line_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_str_t  *line;

    line = &r->main->request_line;

    v->data = ngx_pnalloc(r->pool, line->len ? line->len : 1);
    if (v->data == NULL) {
        return NGX_ERROR;
    }

    v->len = ngx_http_fanout_redact(v->data, line->data, line->len);
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;

    return NGX_OK;
}
