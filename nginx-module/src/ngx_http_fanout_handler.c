/*
 * ngx_http_fanout_handler.c — the precontent phase handler and the
 * $fanout_* variables.
 *
 * Per request: parse the path (ngx_http_fanout_uri.c), ask the shared
 * cache, and act on what it says:
 *
 *   fresh answer         proxy ($fanout_origin), 404, or the failure policy
 *   stale mapping        proxy to it now; one request refreshes it
 *   nothing usable       look up on the thread pool; wait (NGX_AGAIN)
 *   lookup elsewhere     this worker's: queue on it; another worker's:
 *                        queue on this worker's watch of the shared cache
 *                        (ngx_http_fanout_lookup.c)
 *
 * Failure policy when the store fails: the last known mapping (kept in
 * shared memory past its TTL), else fanout_origin_nodes, else 503.
 * In a location with `fanout_invalidate on` (the error_page target after
 * the origin failed) the mapping that failed is dropped and looked up
 * once more; ctx->retried makes that happen once per request.
 */
#include "ngx_http_fanout_module.h"


ngx_int_t ngx_http_fanout_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_fanout_add_variables(ngx_conf_t *cf);

static ngx_http_fanout_ctx_t *ngx_http_fanout_create_ctx(
    ngx_http_request_t *r);
static void ngx_http_fanout_cleanup(void *data);
static void ngx_http_fanout_deadline(ngx_event_t *ev);
static ngx_int_t ngx_http_fanout_parse(ngx_http_request_t *r,
    ngx_http_fanout_main_conf_t *fmcf, ngx_http_fanout_loc_conf_t *flcf,
    ngx_http_fanout_ctx_t *ctx);
static ngx_int_t ngx_http_fanout_lookup(ngx_http_request_t *r,
    ngx_http_fanout_main_conf_t *fmcf, ngx_http_fanout_loc_conf_t *flcf,
    ngx_http_fanout_ctx_t *ctx);
static ngx_int_t ngx_http_fanout_retry(ngx_http_request_t *r,
    ngx_http_fanout_main_conf_t *fmcf, ngx_http_fanout_loc_conf_t *flcf,
    ngx_http_fanout_ctx_t *ctx);
static ngx_int_t ngx_http_fanout_finish(ngx_http_request_t *r,
    ngx_http_fanout_main_conf_t *fmcf, ngx_http_fanout_loc_conf_t *flcf,
    ngx_http_fanout_ctx_t *ctx);
static ngx_int_t ngx_http_fanout_fallback(ngx_http_request_t *r,
    ngx_http_fanout_main_conf_t *fmcf, ngx_http_fanout_loc_conf_t *flcf,
    ngx_http_fanout_ctx_t *ctx, ngx_uint_t next);

static ngx_int_t ngx_http_fanout_origin_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_fanout_request_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_fanout_cache_offset_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);


#define NGX_HTTP_FANOUT_VAR_APP       0
#define NGX_HTTP_FANOUT_VAR_STREAM    1
#define NGX_HTTP_FANOUT_VAR_KIND      2
#define NGX_HTTP_FANOUT_VAR_STATUS    3
#define NGX_HTTP_FANOUT_VAR_RETRY     4

#define NGX_HTTP_FANOUT_VAR_ORIGIN    0
#define NGX_HTTP_FANOUT_VAR_SESSION   1

/*
 * $fanout_cache_offset is offered only when the proxy buffer can take the
 * cache file's header, an origin's header block of up to 2 KiB and the
 * up to one page of padding that aligns the body behind it.
 */
#define NGX_HTTP_FANOUT_PAD_ROOM      (4096 + 2048)


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

    { ngx_string("fanout_cache_offset"), NULL,
      ngx_http_fanout_cache_offset_variable, 0, NGX_HTTP_VAR_NOCACHEABLE, 0 },

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
ngx_http_fanout_handler(ngx_http_request_t *r)
{
    ngx_int_t                     rc;
    ngx_http_fanout_ctx_t        *ctx;
    ngx_http_fanout_loc_conf_t   *flcf;
    ngx_http_fanout_main_conf_t  *fmcf;

    flcf = ngx_http_get_module_loc_conf(r, ngx_http_fanout_module);

    if (!flcf->lookup) {
        return NGX_DECLINED;
    }

    fmcf = ngx_http_get_module_main_conf(r, ngx_http_fanout_module);

    ctx = ngx_http_fanout_get_ctx(r);

    if (ctx == NULL) {
        ctx = ngx_http_fanout_create_ctx(r);
        if (ctx == NULL) {
            return NGX_ERROR;
        }
    }

    switch (ctx->phase) {

    case NGX_HTTP_FANOUT_PHASE_WAITING:
        /* a spurious run of the phases (e.g. an HTTP/2 window update) */
        return NGX_AGAIN;

    case NGX_HTTP_FANOUT_PHASE_ANSWERED:
        return ngx_http_fanout_finish(r, fmcf, flcf, ctx);

    case NGX_HTTP_FANOUT_PHASE_LOOKING:
        return ngx_http_fanout_lookup(r, fmcf, flcf, ctx);

    case NGX_HTTP_FANOUT_PHASE_DONE:
        /* proxied this time (a memory hit sets the content handler anew) */
        ctx->mem_hit = 0;
        ctx->capture = NULL;

        if (ctx->uri.data == r->uri.data && ctx->uri.len == r->uri.len) {

            if (flcf->invalidate && !ctx->retried) {
                return ngx_http_fanout_retry(r, fmcf, flcf, ctx);
            }

            return ctx->status ? (ngx_int_t) ctx->status : NGX_DECLINED;
        }

        /* internally redirected to another path: a new question */
        ctx->retried = 0;
        ctx->fallback = 0;

        /* fall through */

    default: /* NGX_HTTP_FANOUT_PHASE_NEW */
        rc = ngx_http_fanout_parse(r, fmcf, flcf, ctx);
        if (rc != NGX_OK) {
            return rc;
        }

        return ngx_http_fanout_lookup(r, fmcf, flcf, ctx);
    }
}


static ngx_int_t
ngx_http_fanout_parse(ngx_http_request_t *r, ngx_http_fanout_main_conf_t *fmcf,
    ngx_http_fanout_loc_conf_t *flcf, ngx_http_fanout_ctx_t *ctx)
{
    u_char                 *p;
    ngx_str_t              *app;
    ngx_uint_t              i;
    ngx_http_fanout_uri_t   u;

    ngx_http_fanout_count(fmcf, requests);

    ctx->uri = r->uri;
    ctx->key.len = 0;
    ctx->waited = 0;
    ctx->mem_hit = 0;
    ctx->capture = NULL;
    ctx->phase = NGX_HTTP_FANOUT_PHASE_DONE;
    ctx->lookup_status = NGX_HTTP_FANOUT_LS_REJECTED;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        ctx->status = NGX_HTTP_NOT_ALLOWED;
        goto rejected;
    }

    switch (ngx_http_fanout_uri_parse(r->uri.data, r->uri.len, &u)) {

    case NGX_HTTP_FANOUT_URI_OK:
        break;

    case NGX_HTTP_FANOUT_URI_BAD:
        ctx->status = NGX_HTTP_BAD_REQUEST;
        goto rejected;

    default:
        ctx->status = NGX_HTTP_NOT_FOUND;
        goto rejected;
    }

    app = flcf->apps->elts;

    for (i = 0; i < flcf->apps->nelts; i++) {
        if (app[i].len == u.app_len
            && ngx_strncmp(app[i].data, u.app, u.app_len) == 0)
        {
            break;
        }
    }

    if (i == flcf->apps->nelts) {
        ctx->status = NGX_HTTP_NOT_FOUND;
        goto rejected;
    }

    /* the parser bounds both; fo_valid_id is the store's own rule */
    p = ngx_cpymem(ctx->app, u.app, u.app_len);
    *p = '\0';
    p = ngx_cpymem(ctx->stream, u.stream, u.stream_len);
    *p = '\0';

    if (!fo_valid_id(ctx->app, FO_ID_MAX)
        || !fo_valid_id(ctx->stream, FO_STREAM_MAX))
    {
        ctx->status = NGX_HTTP_BAD_REQUEST;
        goto rejected;
    }

    p = ngx_cpymem(ctx->keybuf, u.app, u.app_len);
    *p++ = '/';
    p = ngx_cpymem(p, u.stream, u.stream_len);

    ctx->key.data = ctx->keybuf;
    ctx->key.len = p - ctx->keybuf;
    ctx->hash = ngx_crc32_short(ctx->key.data, ctx->key.len);
    ctx->kind = u.kind;
    ctx->status = 0;
    ctx->lookup_status = NGX_HTTP_FANOUT_LS_NONE;
    ctx->phase = NGX_HTTP_FANOUT_PHASE_LOOKING;

    return NGX_OK;

rejected:

    ngx_http_fanout_count(fmcf, rejected);

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "fanout: rejected \"%V\": %ui", &r->uri, ctx->status);

    return ctx->status;
}


static ngx_int_t
ngx_http_fanout_lookup(ngx_http_request_t *r, ngx_http_fanout_main_conf_t *fmcf,
    ngx_http_fanout_loc_conf_t *flcf, ngx_http_fanout_ctx_t *ctx)
{
    ngx_uint_t                 token;
    ngx_http_fanout_lookup_t  *lk;

    lk = ngx_http_fanout_lookup_find(fmcf, &ctx->key, ctx->hash);
    token = 0;

    switch (ngx_http_fanout_cache_get(fmcf, &ctx->key, ctx->hash, flcf->ttl,
                                      flcf->negative_ttl, lk != NULL,
                                      &ctx->answer, &token))
    {

    case NGX_HTTP_FANOUT_ANSWERED:
        if (ctx->waited) {
            ctx->lookup_status = NGX_HTTP_FANOUT_LS_MISS;

        } else if (ctx->answer.state == NGX_HTTP_FANOUT_FOUND) {
            ngx_http_fanout_count(fmcf, hits);
            ctx->lookup_status = ctx->answer.stale ? NGX_HTTP_FANOUT_LS_STALE
                                                   : NGX_HTTP_FANOUT_LS_HIT;

        } else if (ctx->answer.state == NGX_HTTP_FANOUT_GONE) {
            ngx_http_fanout_count(fmcf, negative_hits);
            ctx->lookup_status = NGX_HTTP_FANOUT_LS_NEGATIVE;
        }

        /* a cached store error goes on to the failure policy uncounted */

        return ngx_http_fanout_finish(r, fmcf, flcf, ctx);

    case NGX_HTTP_FANOUT_STALE_START:
        /* a failed start leaves the stale mapping in ctx->answer */
        (void) ngx_http_fanout_lookup_start(fmcf, flcf, ctx, token, &lk);

        /* fall through */

    case NGX_HTTP_FANOUT_STALE:
        ngx_http_fanout_count(fmcf, stale);
        ctx->lookup_status = NGX_HTTP_FANOUT_LS_STALE;

        return ngx_http_fanout_finish(r, fmcf, flcf, ctx);

    case NGX_HTTP_FANOUT_START:
        ngx_http_fanout_count(fmcf, misses);
        ctx->lookup_status = NGX_HTTP_FANOUT_LS_MISS;

        if (ngx_http_fanout_lookup_start(fmcf, flcf, ctx, token, &lk)
            != NGX_OK)
        {
            return ngx_http_fanout_finish(r, fmcf, flcf, ctx);
        }

        ctx->waited = 1;
        ngx_http_fanout_lookup_wait(lk, ctx);

        return NGX_AGAIN;

    case NGX_HTTP_FANOUT_WAIT_REMOTE:
        if (ngx_http_fanout_lookup_watch(fmcf, flcf, ctx, &lk) != NGX_OK) {
            ngx_memzero(&ctx->answer, sizeof(ngx_http_fanout_answer_t));
            ctx->answer.state = NGX_HTTP_FANOUT_ERROR;
            return ngx_http_fanout_finish(r, fmcf, flcf, ctx);
        }

        /* fall through */

    default: /* NGX_HTTP_FANOUT_WAIT_LOCAL */
        if (!ctx->waited) {
            ngx_http_fanout_count(fmcf, misses);

            if (lk->watching) {
                ngx_http_fanout_count(fmcf, waits_remote);

            } else {
                ngx_http_fanout_count(fmcf, waits_local);
            }

            ctx->waited = 1;
        }

        ctx->lookup_status = NGX_HTTP_FANOUT_LS_MISS;
        ngx_http_fanout_lookup_wait(lk, ctx);

        return NGX_AGAIN;
    }
}


/* The origin failed (error_page): drop its mapping, ask once more. */
static ngx_int_t
ngx_http_fanout_retry(ngx_http_request_t *r, ngx_http_fanout_main_conf_t *fmcf,
    ngx_http_fanout_loc_conf_t *flcf, ngx_http_fanout_ctx_t *ctx)
{
    ctx->retried = 1;

    if (ctx->status) {
        /* our own 404 or 503: nothing was proxied, nothing to retry */
        return ctx->status;
    }

    if (ctx->fallback) {
        return ngx_http_fanout_fallback(r, fmcf, flcf, ctx, 1);
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "fanout: origin %*s failed, looking up again",
                   ctx->answer.origin_len, ctx->answer.origin);

    ngx_http_fanout_cache_invalidate(fmcf, &ctx->key, ctx->hash,
                                     ctx->answer.version);

    ctx->waited = 0;
    ctx->phase = NGX_HTTP_FANOUT_PHASE_LOOKING;

    return ngx_http_fanout_lookup(r, fmcf, flcf, ctx);
}


static ngx_int_t
ngx_http_fanout_finish(ngx_http_request_t *r, ngx_http_fanout_main_conf_t *fmcf,
    ngx_http_fanout_loc_conf_t *flcf, ngx_http_fanout_ctx_t *ctx)
{
    ctx->phase = NGX_HTTP_FANOUT_PHASE_DONE;

    switch (ctx->answer.state) {

    case NGX_HTTP_FANOUT_FOUND:
        ctx->status = 0;

        /* a fresh copy of the playlist: served by the module's handler */
        if (ngx_http_fanout_memcache_find(r, fmcf, flcf, ctx) == NGX_ERROR) {
            return NGX_ERROR;
        }

        return NGX_DECLINED;

    case NGX_HTTP_FANOUT_GONE:
        if (ctx->lookup_status != NGX_HTTP_FANOUT_LS_MISS) {
            ctx->lookup_status = NGX_HTTP_FANOUT_LS_NEGATIVE;
        }

        ctx->status = NGX_HTTP_NOT_FOUND;
        return ctx->status;

    default: /* NGX_HTTP_FANOUT_ERROR */
        return ngx_http_fanout_fallback(r, fmcf, flcf, ctx, 0);
    }
}


/*
 * The store failed and no mapping is known: a static origin, round robin
 * over fanout_origin_nodes (next: the one after the one that just failed),
 * else 503 with Retry-After.
 */
static ngx_int_t
ngx_http_fanout_fallback(ngx_http_request_t *r,
    ngx_http_fanout_main_conf_t *fmcf, ngx_http_fanout_loc_conf_t *flcf,
    ngx_http_fanout_ctx_t *ctx, ngx_uint_t next)
{
    ngx_str_t        *nodes;
    ngx_uint_t        i, n;
    ngx_table_elt_t  *h;

    ctx->phase = NGX_HTTP_FANOUT_PHASE_DONE;

    if (fmcf->origin_nodes && fmcf->origin_nodes->nelts) {
        nodes = fmcf->origin_nodes->elts;
        n = fmcf->origin_nodes->nelts;

        if (next) {
            i = (ctx->fallback_index + 1) % n;

        } else {
            i = ngx_atomic_fetch_add(&fmcf->sh->rr, 1) % n;
        }

        ctx->fallback = 1;
        ctx->fallback_index = i;
        ctx->answer.origin_len = nodes[i].len;
        ngx_memcpy(ctx->answer.origin, nodes[i].data, nodes[i].len);
        ctx->status = 0;
        ctx->lookup_status = NGX_HTTP_FANOUT_LS_FALLBACK;

        ngx_http_fanout_count(fmcf, fallbacks);

        return NGX_DECLINED;
    }

    ngx_http_fanout_count(fmcf, unavailable);

    ctx->status = NGX_HTTP_SERVICE_UNAVAILABLE;
    ctx->lookup_status = NGX_HTTP_FANOUT_LS_UNAVAILABLE;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->value.data = ngx_pnalloc(r->pool, NGX_TIME_T_LEN);
    if (h->value.data == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "Retry-After");
    h->value.len = ngx_sprintf(h->value.data, "%M",
                               ngx_max((flcf->negative_ttl + 999) / 1000, 1))
                   - h->value.data;

    return ctx->status;
}


/*
 * The ctx, also after an internal redirect or a named location cleared
 * r->ctx: then it is found through the request pool's cleanup (as
 * ngx_http_realip_module does).  Subrequests share the pool: match r.
 */
ngx_http_fanout_ctx_t *
ngx_http_fanout_get_ctx(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t     *cln;
    ngx_http_fanout_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_fanout_module);

    if (ctx == NULL && (r->internal || r->filter_finalize)) {

        for (cln = r->pool->cleanup; cln; cln = cln->next) {
            if (cln->handler != ngx_http_fanout_cleanup) {
                continue;
            }

            ctx = cln->data;

            if (ctx->request == r) {
                ngx_http_set_ctx(r, ctx, ngx_http_fanout_module);
                return ctx;
            }
        }

        return NULL;
    }

    return ctx;
}


static ngx_http_fanout_ctx_t *
ngx_http_fanout_create_ctx(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t     *cln;
    ngx_http_fanout_ctx_t  *ctx;

    cln = ngx_pool_cleanup_add(r->pool, sizeof(ngx_http_fanout_ctx_t));
    if (cln == NULL) {
        return NULL;
    }

    ctx = cln->data;
    ngx_memzero(ctx, sizeof(ngx_http_fanout_ctx_t));

    ctx->request = r;
    ctx->deadline.handler = ngx_http_fanout_deadline;
    ctx->deadline.data = ctx;
    ctx->deadline.log = r->connection->log;

    cln->handler = ngx_http_fanout_cleanup;

    ngx_http_set_ctx(r, ctx, ngx_http_fanout_module);

    return ctx;
}


/*
 * The pool goes: the request must not stay queued on a lookup or armed on
 * a timer.  `blocked` keeps a waiting request's pool alive, so this only
 * matters if something frees it regardless.
 */
static void
ngx_http_fanout_cleanup(void *data)
{
    ngx_http_fanout_ctx_t *ctx = data;

    if (ctx->queued) {
        ngx_queue_remove(&ctx->queue);
        ctx->queued = 0;
    }

    if (ctx->deadline.timer_set) {
        ngx_del_timer(&ctx->deadline);
    }
}


/*
 * The deadline of a waiting request (fanout_lookup_timeout) passed: it
 * leaves the queue and takes the failure policy as for a store error
 * (it would not have waited had a mapping been there to use).
 */
static void
ngx_http_fanout_deadline(ngx_event_t *ev)
{
    ngx_http_fanout_ctx_t *ctx = ev->data;

    ngx_http_fanout_main_conf_t  *fmcf;

    if (ctx->queued) {
        ngx_queue_remove(&ctx->queue);
        ctx->queued = 0;
    }

    ngx_log_error(NGX_LOG_WARN, ev->log, 0,
                  "fanout: gave up waiting for the lookup of \"%V\"",
                  &ctx->key);

    fmcf = ngx_http_get_module_main_conf(ctx->request, ngx_http_fanout_module);
    ngx_http_fanout_count(fmcf, store_errors);

    ngx_memzero(&ctx->answer, sizeof(ngx_http_fanout_answer_t));
    ctx->answer.state = NGX_HTTP_FANOUT_ERROR;
    ctx->phase = NGX_HTTP_FANOUT_PHASE_ANSWERED;

    ngx_http_fanout_wake(ctx->request);
}


ngx_int_t
ngx_http_fanout_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

    for (v = ngx_http_fanout_vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
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


/*
 * Where the upstream's status line will begin in this request's proxy_cache
 * file: the file's own header and "\nKEY: ...\n" come first
 * (ngx_http_file_cache_create_key() sets header_start before the upstream
 * request is made).  Sent to the origin as X-Fanout-Cache-Offset, it lets
 * the origin pad its header block so that the body starts on a page
 * boundary in the file; every cache hit then sendfile()s whole pages.
 */

static ngx_int_t
ngx_http_fanout_cache_offset_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
#if (NGX_HTTP_CACHE)
    u_char  *p;
    size_t   start;

    start = (r->cache && r->upstream && r->upstream->conf)
            ? r->cache->header_start : 0;

    if (start != 0
        && start + NGX_HTTP_FANOUT_PAD_ROOM <= r->upstream->conf->buffer_size)
    {
        p = ngx_pnalloc(r->pool, NGX_SIZE_T_LEN);
        if (p == NULL) {
            return NGX_ERROR;
        }

        v->len = ngx_sprintf(p, "%uz", start) - p;
        v->data = p;
        v->valid = 1;
        v->no_cacheable = 1;
        v->not_found = 0;

        return NGX_OK;
    }
#endif

    v->not_found = 1;

    return NGX_OK;
}
