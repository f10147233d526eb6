/*
 * ngx_http_fanout_lookup_handler.c — the precontent phase handler of
 * ngx_http_fanout_lookup_module, and its failure policy.
 *
 * Per request: parse the path (ngx_http_fanout_uri.c), ask the answers
 * zone (ngx_http_fanout_answers.c), and act on what it says:
 *
 *   fresh answer         proxy ($fanout_origin), 404, or the failure policy
 *   stale mapping        proxy to it now; one request refreshes it
 *   nothing usable       look up on the thread pool; wait (NGX_AGAIN)
 *   lookup elsewhere     this worker's: queue on it; another worker's:
 *                        queue on this worker's watch of the answers
 *                        (ngx_http_fanout_lookup.c)
 *
 * Failure policy when the store fails (ngx_http_fanout_lookup_policy.c):
 * the last known mapping (kept in shared memory past its TTL), else
 * fanout_origin_nodes, else 503; with no live origin the lost hook (the
 * last playlist, its grace) answers first.  In a location with `fanout_invalidate on` (the error_page target after
 * the origin failed) the mapping that failed is dropped and looked up
 * once more; ctx->retried makes that happen once per request.
 */
#include "ngx_http_fanout_lookup.h"


static ngx_http_fanout_ctx_t *ngx_http_fanout_create_ctx(
    ngx_http_request_t *r);
static void ngx_http_fanout_cleanup(void *data);
static void ngx_http_fanout_deadline(ngx_event_t *ev);
static ngx_int_t ngx_http_fanout_parse(ngx_http_request_t *r,
    ngx_http_fanout_lookup_main_conf_t *lmcf,
    ngx_http_fanout_lookup_loc_conf_t *llcf, ngx_http_fanout_ctx_t *ctx);
static ngx_int_t ngx_http_fanout_set_stream(ngx_http_fanout_ctx_t *ctx,
    ngx_http_fanout_uri_t *u);
static ngx_int_t ngx_http_fanout_lookup(ngx_http_request_t *r,
    ngx_http_fanout_lookup_main_conf_t *lmcf,
    ngx_http_fanout_lookup_loc_conf_t *llcf, ngx_http_fanout_ctx_t *ctx);
static ngx_int_t ngx_http_fanout_retry(ngx_http_request_t *r,
    ngx_http_fanout_lookup_main_conf_t *lmcf,
    ngx_http_fanout_lookup_loc_conf_t *llcf, ngx_http_fanout_ctx_t *ctx);
static ngx_int_t ngx_http_fanout_finish(ngx_http_request_t *r,
    ngx_http_fanout_lookup_main_conf_t *lmcf,
    ngx_http_fanout_lookup_loc_conf_t *llcf, ngx_http_fanout_ctx_t *ctx);

static ngx_int_t ngx_http_fanout_app_allowed(
    ngx_http_fanout_lookup_loc_conf_t *llcf, ngx_http_fanout_uri_t *u);
static void ngx_http_fanout_wait(ngx_http_fanout_lookup_main_conf_t *lmcf,
    ngx_http_fanout_ctx_t *ctx, ngx_http_fanout_lookup_t *lk);


ngx_int_t
ngx_http_fanout_lookup_handler(ngx_http_request_t *r)
{
    ngx_int_t                            rc;
    ngx_http_fanout_ctx_t               *ctx;
    ngx_http_fanout_lookup_loc_conf_t   *llcf;
    ngx_http_fanout_lookup_main_conf_t  *lmcf;

    llcf = ngx_http_get_module_loc_conf(r, ngx_http_fanout_lookup_module);

    if (!llcf->lookup) {
        return NGX_DECLINED;
    }

    lmcf = ngx_http_get_module_main_conf(r, ngx_http_fanout_lookup_module);

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
        return ngx_http_fanout_finish(r, lmcf, llcf, ctx);

    case NGX_HTTP_FANOUT_PHASE_LOOKING:
        return ngx_http_fanout_lookup(r, lmcf, llcf, ctx);

    case NGX_HTTP_FANOUT_PHASE_DONE:
        if (ctx->uri.data == r->uri.data && ctx->uri.len == r->uri.len) {

            if (llcf->invalidate && !ctx->retried) {
                return ngx_http_fanout_retry(r, lmcf, llcf, ctx);
            }

            return ctx->status ? (ngx_int_t) ctx->status : NGX_DECLINED;
        }

        /* internally redirected to another path: a new question */
        ctx->retried = 0;
        ctx->fallback = 0;
        ctx->failed = 0;
        ctx->failed_down = 0;

        /* fall through */

    default: /* NGX_HTTP_FANOUT_PHASE_NEW */
        rc = ngx_http_fanout_parse(r, lmcf, llcf, ctx);
        if (rc != NGX_OK) {
            return rc;
        }

        return ngx_http_fanout_lookup(r, lmcf, llcf, ctx);
    }
}


static ngx_int_t
ngx_http_fanout_parse(ngx_http_request_t *r,
    ngx_http_fanout_lookup_main_conf_t *lmcf,
    ngx_http_fanout_lookup_loc_conf_t *llcf, ngx_http_fanout_ctx_t *ctx)
{
    ngx_http_fanout_uri_t   u;

    ngx_http_fanout_count(lmcf->metrics, NGX_HTTP_FANOUT_M_REQUESTS);

    /* before anything reads the path: the store key, $uri, the caches */
    if (ngx_http_fanout_signed_strip(r, ctx) != NGX_OK) {
        return NGX_ERROR;
    }

    ctx->uri = r->uri;
    ctx->key.len = 0;
    ctx->waited = 0;
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

    if (!ngx_http_fanout_app_allowed(llcf, &u)) {
        ctx->status = NGX_HTTP_NOT_FOUND;
        goto rejected;
    }

    if (u.kind == NGX_HTTP_FANOUT_KIND_TIME) {
        return ngx_http_fanout_time_start(r, ctx);  /* no store, no origin */
    }

    if (ngx_http_fanout_set_stream(ctx, &u) != NGX_OK) {
        ctx->status = NGX_HTTP_BAD_REQUEST;
        goto rejected;
    }

    /* its own counters: a refused token is not a malformed request */
    ctx->status = ngx_http_fanout_signed_check(r, lmcf, llcf, ctx);
    if (ctx->status != NGX_OK) {
        return ctx->status;
    }

    ctx->status = 0;
    ctx->lookup_status = NGX_HTTP_FANOUT_LS_NONE;
    ctx->phase = NGX_HTTP_FANOUT_PHASE_LOOKING;

    return NGX_OK;

rejected:

    ngx_http_fanout_count(lmcf->metrics, NGX_HTTP_FANOUT_M_REJECTED);

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "fanout: rejected \"%V\": %ui", &r->uri, ctx->status);

    return ctx->status;
}


/* ctx's app, stream, store key and kind from the parsed path. */
static ngx_int_t
ngx_http_fanout_set_stream(ngx_http_fanout_ctx_t *ctx,
    ngx_http_fanout_uri_t *u)
{
    u_char  *p;

    /* the parser bounds both; fo_valid_id is the store's own rule */
    p = ngx_cpymem(ctx->app, u->app, u->app_len);
    *p = '\0';
    p = ngx_cpymem(ctx->stream, u->stream, u->stream_len);
    *p = '\0';

    if (!fo_valid_id(ctx->app, FO_ID_MAX)
        || !fo_valid_id(ctx->stream, FO_STREAM_MAX))
    {
        return NGX_DECLINED;
    }

    p = ngx_cpymem(ctx->keybuf, u->app, u->app_len);
    *p++ = '/';
    p = ngx_cpymem(p, u->stream, u->stream_len);

    ctx->key.data = ctx->keybuf;
    ctx->key.len = p - ctx->keybuf;
    ctx->hash = ngx_crc32_short(ctx->key.data, ctx->key.len);
    ctx->kind = u->kind;

    return NGX_OK;
}


static ngx_int_t
ngx_http_fanout_lookup(ngx_http_request_t *r,
    ngx_http_fanout_lookup_main_conf_t *lmcf,
    ngx_http_fanout_lookup_loc_conf_t *llcf, ngx_http_fanout_ctx_t *ctx)
{
    ngx_uint_t                 token;
    ngx_http_fanout_lookup_t  *lk;

    lk = ngx_http_fanout_lookup_find(lmcf, &ctx->key, ctx->hash);
    token = 0;

    switch (ngx_http_fanout_answer_get(lmcf, &ctx->key, ctx->hash, llcf->ttl,
                                      llcf->negative_ttl, lk != NULL,
                                      &ctx->answer, &token))
    {

    case NGX_HTTP_FANOUT_ANSWERED:
        if (ctx->waited) {
            ctx->lookup_status = NGX_HTTP_FANOUT_LS_MISS;

        } else if (ctx->answer.state == NGX_HTTP_FANOUT_FOUND) {
            ngx_http_fanout_count(lmcf->metrics, NGX_HTTP_FANOUT_M_HITS);
            ctx->lookup_status = ctx->answer.stale ? NGX_HTTP_FANOUT_LS_STALE
                                                   : NGX_HTTP_FANOUT_LS_HIT;

        } else if (ctx->answer.state == NGX_HTTP_FANOUT_GONE) {
            ngx_http_fanout_count(lmcf->metrics,
                                  NGX_HTTP_FANOUT_M_NEGATIVE_HITS);
            ctx->lookup_status = NGX_HTTP_FANOUT_LS_NEGATIVE;
        }

        /* a cached store error goes on to the failure policy uncounted */

        return ngx_http_fanout_finish(r, lmcf, llcf, ctx);

    case NGX_HTTP_FANOUT_STALE_START:
        /* a failed start leaves the stale mapping in ctx->answer */
        (void) ngx_http_fanout_lookup_start(lmcf, llcf, ctx, token, &lk);

        /* fall through */

    case NGX_HTTP_FANOUT_STALE:
        ngx_http_fanout_count(lmcf->metrics, NGX_HTTP_FANOUT_M_STALE);
        ctx->lookup_status = NGX_HTTP_FANOUT_LS_STALE;

        return ngx_http_fanout_finish(r, lmcf, llcf, ctx);

    case NGX_HTTP_FANOUT_START:
        ngx_http_fanout_count(lmcf->metrics, NGX_HTTP_FANOUT_M_MISSES);
        ctx->lookup_status = NGX_HTTP_FANOUT_LS_MISS;

        if (ngx_http_fanout_lookup_start(lmcf, llcf, ctx, token, &lk)
            != NGX_OK)
        {
            return ngx_http_fanout_finish(r, lmcf, llcf, ctx);
        }

        ctx->waited = 1;
        ngx_http_fanout_lookup_wait(lk, ctx);

        return NGX_AGAIN;

    case NGX_HTTP_FANOUT_WAIT_REMOTE:
        if (ngx_http_fanout_lookup_watch(lmcf, llcf, ctx, &lk) != NGX_OK) {
            ngx_memzero(&ctx->answer, sizeof(ngx_http_fanout_answer_t));
            ctx->answer.state = NGX_HTTP_FANOUT_ERROR;
            return ngx_http_fanout_finish(r, lmcf, llcf, ctx);
        }

        /* fall through */

    default: /* NGX_HTTP_FANOUT_WAIT_LOCAL */
        ngx_http_fanout_wait(lmcf, ctx, lk);
        return NGX_AGAIN;
    }
}


/* The request queues on a lookup that runs, here or in another worker. */
static void
ngx_http_fanout_wait(ngx_http_fanout_lookup_main_conf_t *lmcf,
    ngx_http_fanout_ctx_t *ctx, ngx_http_fanout_lookup_t *lk)
{
    if (!ctx->waited) {
        ngx_http_fanout_count(lmcf->metrics, NGX_HTTP_FANOUT_M_MISSES);

        if (lk->watching) {
            ngx_http_fanout_count(lmcf->metrics,
                                  NGX_HTTP_FANOUT_M_WAITS_REMOTE);

        } else {
            ngx_http_fanout_count(lmcf->metrics,
                                  NGX_HTTP_FANOUT_M_WAITS_LOCAL);
        }

        ctx->waited = 1;
    }

    ctx->lookup_status = NGX_HTTP_FANOUT_LS_MISS;
    ngx_http_fanout_lookup_wait(lk, ctx);
}


/* One of the apps of fanout_apps. */
static ngx_int_t
ngx_http_fanout_app_allowed(ngx_http_fanout_lookup_loc_conf_t *llcf,
    ngx_http_fanout_uri_t *u)
{
    ngx_str_t   *app;
    ngx_uint_t   i;

    app = llcf->apps->elts;

    for (i = 0; i < llcf->apps->nelts; i++) {
        if (app[i].len == u->app_len
            && ngx_strncmp(app[i].data, u->app, u->app_len) == 0)
        {
            return 1;
        }
    }

    return 0;
}


/*
 * Did the origin just tried not answer at all (refused, reset, timed out:
 * nginx's 502 and 504), rather than answer 404?  Then it is gone or
 * wedged, and a successor the store may name already has, in the first
 * seconds of its takeover, no playlist yet.
 */
static ngx_uint_t
ngx_http_fanout_upstream_down(ngx_http_request_t *r)
{
    ngx_http_upstream_state_t  *state;

    if (r->upstream_states == NULL || r->upstream_states->nelts == 0) {
        return 0;
    }

    state = r->upstream_states->elts;
    state += r->upstream_states->nelts - 1;

    return state->status == NGX_HTTP_BAD_GATEWAY
           || state->status == NGX_HTTP_GATEWAY_TIME_OUT;
}


/* The origin failed (error_page): drop its mapping, ask once more. */
static ngx_int_t
ngx_http_fanout_retry(ngx_http_request_t *r,
    ngx_http_fanout_lookup_main_conf_t *lmcf,
    ngx_http_fanout_lookup_loc_conf_t *llcf, ngx_http_fanout_ctx_t *ctx)
{
    ctx->retried = 1;

    if (ctx->status) {
        /* our own 404 or 503: nothing was proxied, nothing to retry */
        return ctx->status;
    }

    if (ctx->fallback) {
        return ngx_http_fanout_fallback(r, lmcf, llcf, ctx, 1);
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "fanout: origin %*s failed, looking up again",
                   ctx->answer.origin_len, ctx->answer.origin);

    ngx_http_fanout_answer_invalidate(lmcf, &ctx->key, ctx->hash,
                                     ctx->answer.version);

    /* named again, this origin gets no second try: the grace answers */
    ctx->failed = 1;
    ctx->failed_crc = ngx_http_fanout_answer_crc(&ctx->answer);
    ctx->failed_down = ngx_http_fanout_upstream_down(r);
    ctx->waited = 0;
    ctx->phase = NGX_HTTP_FANOUT_PHASE_LOOKING;

    return ngx_http_fanout_lookup(r, lmcf, llcf, ctx);
}


static ngx_int_t
ngx_http_fanout_finish(ngx_http_request_t *r,
    ngx_http_fanout_lookup_main_conf_t *lmcf,
    ngx_http_fanout_lookup_loc_conf_t *llcf, ngx_http_fanout_ctx_t *ctx)
{
    ngx_int_t  rc;

    ctx->phase = NGX_HTTP_FANOUT_PHASE_DONE;

    switch (ctx->answer.state) {

    case NGX_HTTP_FANOUT_FOUND:
        ctx->status = 0;

        /*
         * The origin that failed, named again; or one that did not answer
         * at all, whose successor is named: its takeover is seconds old,
         * and asking it now would give the player a 404 (the successor
         * has no playlist before its first segment).  The last playlist
         * answers (stale: fanout_playlist_stale), once: the next poll
         * asks the successor, and finds the last one again until it has
         * its own.
         */
        if (ctx->failed
            && (ctx->failed_down
                || ctx->failed_crc
                   == ngx_http_fanout_answer_crc(&ctx->answer))
            && (rc = ngx_http_fanout_lost(r, lmcf, ctx)) != NGX_DECLINED)
        {
            return rc == NGX_OK ? NGX_DECLINED : rc;
        }

        /* e.g. a fresh copy of the playlist (ngx_http_fanout_cache_module) */
        rc = lmcf->found ? lmcf->found(r, ctx) : NGX_DECLINED;

        if (rc == NGX_ERROR) {
            return NGX_ERROR;
        }

        if (rc == NGX_AGAIN) {
            ctx->phase = NGX_HTTP_FANOUT_PHASE_WAITING;
            return NGX_AGAIN;
        }

        return NGX_DECLINED;

    case NGX_HTTP_FANOUT_GONE:
        if (ctx->lookup_status != NGX_HTTP_FANOUT_LS_MISS) {
            ctx->lookup_status = NGX_HTTP_FANOUT_LS_NEGATIVE;
        }

        rc = ngx_http_fanout_lost(r, lmcf, ctx);

        if (rc != NGX_DECLINED) {
            return rc == NGX_OK ? NGX_DECLINED : rc;
        }

        ctx->status = NGX_HTTP_NOT_FOUND;
        return ctx->status;

    default: /* NGX_HTTP_FANOUT_ERROR */
        return ngx_http_fanout_fallback(r, lmcf, llcf, ctx, 0);
    }
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

    ctx = ngx_http_get_module_ctx(r, ngx_http_fanout_lookup_module);

    if (ctx == NULL && (r->internal || r->filter_finalize)) {

        for (cln = r->pool->cleanup; cln; cln = cln->next) {
            if (cln->handler != ngx_http_fanout_cleanup) {
                continue;
            }

            ctx = cln->data;

            if (ctx->request == r) {
                ngx_http_set_ctx(r, ctx, ngx_http_fanout_lookup_module);
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

    ngx_http_set_ctx(r, ctx, ngx_http_fanout_lookup_module);

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

    if (ctx->hold.timer_set) {
        ngx_del_timer(&ctx->hold);
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

    ngx_http_fanout_lookup_main_conf_t  *lmcf;

    if (ctx->queued) {
        ngx_queue_remove(&ctx->queue);
        ctx->queued = 0;
    }

    ngx_log_error(NGX_LOG_WARN, ev->log, 0,
                  "fanout: gave up waiting for the lookup of \"%V\"",
                  &ctx->key);

    lmcf = ngx_http_get_module_main_conf(ctx->request,
                                         ngx_http_fanout_lookup_module);
    ngx_http_fanout_count(lmcf->metrics, NGX_HTTP_FANOUT_M_STORE_ERRORS);

    ngx_memzero(&ctx->answer, sizeof(ngx_http_fanout_answer_t));
    ctx->answer.state = NGX_HTTP_FANOUT_ERROR;
    ctx->phase = NGX_HTTP_FANOUT_PHASE_ANSWERED;

    ngx_http_fanout_wake(ctx->request);
}
