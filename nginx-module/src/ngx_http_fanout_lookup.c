/*
 * ngx_http_fanout_lookup.c — store lookups off the event loop.
 *
 * A lookup is a thread-pool task (fo_stream_lookup blocks: network, disk;
 * ngx_http_fanout_store.c).
 * Each worker keeps its lookups in flight in an rbtree by stream key, and
 * the requests of that worker that need the same answer queue on it; the
 * completion handler, back on the event loop, writes the answer to shared
 * memory and resumes them.  A worker whose requests need a stream another
 * worker is looking up (the in-flight mark in the answers zone) puts a watch
 * in the same rbtree instead: one timer re-reads the answers zone every
 * NGX_HTTP_FANOUT_POLL_MS and resumes them the same way.
 */
#include "ngx_http_fanout_lookup.h"


static fo_status ngx_http_fanout_lookup_thread(ngx_http_fanout_task_t *t);
static void ngx_http_fanout_lookup_done(ngx_http_fanout_task_t *t);
static void ngx_http_fanout_lookup_watcher(ngx_event_t *ev);
static void ngx_http_fanout_lookup_finish(ngx_http_fanout_lookup_t *lk,
    ngx_http_fanout_answer_t *answer);
static void ngx_http_fanout_lookup_result(ngx_http_fanout_lookup_t *lk,
    ngx_http_fanout_answer_t *result);
static ngx_int_t ngx_http_fanout_origin_format(fo_origin *o, u_char *buf,
    size_t *len);


ngx_http_fanout_lookup_t *
ngx_http_fanout_lookup_find(ngx_http_fanout_lookup_main_conf_t *lmcf,
    ngx_str_t *key, uint32_t hash)
{
    return (ngx_http_fanout_lookup_t *) ngx_str_rbtree_lookup(&lmcf->pending,
                                                              key, hash);
}


/* A new lookup or watch for ctx's stream, not yet in lmcf->pending. */
static ngx_http_fanout_lookup_t *
ngx_http_fanout_lookup_create(ngx_http_fanout_lookup_main_conf_t *lmcf,
    ngx_http_fanout_lookup_loc_conf_t *llcf, ngx_http_fanout_ctx_t *ctx)
{
    ngx_http_fanout_lookup_t  *lk;

    lk = ngx_calloc(sizeof(ngx_http_fanout_lookup_t),
                    ctx->request->connection->log);
    if (lk == NULL) {
        return NULL;
    }

    ngx_memcpy(lk->key, ctx->key.data, ctx->key.len);
    lk->sn.str.data = lk->key;
    lk->sn.str.len = ctx->key.len;
    lk->sn.node.key = ctx->hash;

    /* both NUL-terminated and checked by fo_valid_id in the handler */
    (void) ngx_cpystrn((u_char *) lk->app, (u_char *) ctx->app, FO_ID_MAX);
    (void) ngx_cpystrn((u_char *) lk->stream, (u_char *) ctx->stream,
                       FO_STREAM_MAX);

    lk->lmcf = lmcf;
    lk->ttl = llcf->ttl;
    lk->negative_ttl = llcf->negative_ttl;
    ngx_queue_init(&lk->waiters);

    ngx_http_fanout_task_init(&lk->task, lmcf->fmcf,
                              ngx_http_fanout_lookup_thread,
                              ngx_http_fanout_lookup_done, lk);

    lk->watch.data = lk;
    lk->watch.handler = ngx_http_fanout_lookup_watcher;
    lk->watch.log = ngx_cycle->log;

    return lk;
}


/* Posts lk's store call, holding the in-flight mark token. */
static ngx_int_t
ngx_http_fanout_lookup_post(ngx_http_fanout_lookup_t *lk, ngx_uint_t token)
{
    lk->token = token;
    lk->watching = 0;

    if (ngx_http_fanout_task_post(&lk->task) != NGX_OK) {
        return NGX_ERROR;
    }

    ngx_http_fanout_count(lk->lmcf->metrics,
                          NGX_HTTP_FANOUT_M_STORE_LOOKUPS);

    return NGX_OK;
}


/*
 * The store call could not be posted: release the in-flight mark as a
 * store error; *answer is what the zone holds then.
 */
static void
ngx_http_fanout_lookup_failed(ngx_http_fanout_lookup_main_conf_t *lmcf,
    ngx_str_t *key, uint32_t hash, ngx_uint_t token,
    ngx_http_fanout_answer_t *answer)
{
    ngx_http_fanout_answer_t  failed;

    ngx_log_error(NGX_LOG_ERR, ngx_cycle->log, 0,
                  "fanout: cannot start the lookup of \"%V\"", key);

    ngx_http_fanout_count(lmcf->metrics,
                          NGX_HTTP_FANOUT_M_STORE_ERRORS);

    ngx_memzero(&failed, sizeof(ngx_http_fanout_answer_t));
    failed.state = NGX_HTTP_FANOUT_ERROR;

    ngx_http_fanout_answer_put(lmcf, key, hash, token, &failed, answer);
}


/*
 * Posts the lookup of ctx's stream, holding the in-flight mark token.
 * NGX_OK: *lkp is running; queue on it or not.  NGX_ERROR: nothing runs,
 * the mark is released as a store error and ctx->answer says what the
 * zone now holds.
 */
ngx_int_t
ngx_http_fanout_lookup_start(ngx_http_fanout_lookup_main_conf_t *lmcf,
    ngx_http_fanout_lookup_loc_conf_t *llcf, ngx_http_fanout_ctx_t *ctx,
    ngx_uint_t token, ngx_http_fanout_lookup_t **lkp)
{
    ngx_http_fanout_lookup_t  *lk;

    lk = ngx_http_fanout_lookup_create(lmcf, llcf, ctx);

    if (lk == NULL || ngx_http_fanout_lookup_post(lk, token) != NGX_OK) {
        if (lk) {
            ngx_free(lk);
        }

        ngx_http_fanout_lookup_failed(lmcf, &ctx->key, ctx->hash, token,
                                      &ctx->answer);
        return NGX_ERROR;
    }

    ngx_rbtree_insert(&lmcf->pending, &lk->sn.node);

    *lkp = lk;

    return NGX_OK;
}


/*
 * Another worker is looking ctx's stream up: this worker watches the
 * answers zone for its answer, once for all of its requests.
 */
ngx_int_t
ngx_http_fanout_lookup_watch(ngx_http_fanout_lookup_main_conf_t *lmcf,
    ngx_http_fanout_lookup_loc_conf_t *llcf, ngx_http_fanout_ctx_t *ctx,
    ngx_http_fanout_lookup_t **lkp)
{
    ngx_http_fanout_lookup_t  *lk;

    lk = ngx_http_fanout_lookup_create(lmcf, llcf, ctx);
    if (lk == NULL) {
        return NGX_ERROR;
    }

    lk->watching = 1;
    ngx_rbtree_insert(&lmcf->pending, &lk->sn.node);
    ngx_add_timer(&lk->watch, NGX_HTTP_FANOUT_POLL_MS);

    *lkp = lk;

    return NGX_OK;
}


/*
 * The request waits for lk; ngx_http_fanout_lookup_done resumes it, or
 * the deadline (fanout_lookup_timeout) does with a store error.  The
 * deadline is also what keeps a gracefully exiting worker alive for its
 * waiting requests: nginx leaves once no non-cancelable timer is left.
 */
void
ngx_http_fanout_lookup_wait(ngx_http_fanout_lookup_t *lk,
    ngx_http_fanout_ctx_t *ctx)
{
    ngx_queue_insert_tail(&lk->waiters, &ctx->queue);
    ctx->queued = 1;
    ctx->phase = NGX_HTTP_FANOUT_PHASE_WAITING;
    ctx->request->main->blocked++;

    ngx_add_timer(&ctx->deadline, lk->lmcf->timeout);
}


/*
 * Resumes a request that returned NGX_AGAIN from the phase handler, the
 * way a finished subrequest resumes its parent (auth_request): post it
 * and run the connection's posted requests.  blocked kept it alive
 * meanwhile; if it was terminated while waiting, its write_event_handler
 * is now ngx_http_request_finalizer, and that is what runs.
 */
void
ngx_http_fanout_wake(ngx_http_request_t *r)
{
    ngx_connection_t  *c;

    c = r->connection;

    r->main->blocked--;

    if (ngx_http_post_request(r, NULL) != NGX_OK) {
        r->write_event_handler(r);
    }

    ngx_http_run_posted_requests(c);
}


/* In a pool thread. */
static fo_status
ngx_http_fanout_lookup_thread(ngx_http_fanout_task_t *t)
{
    ngx_http_fanout_lookup_t *lk = t->data;

    fo_store  *st;

    st = ngx_http_fanout_task_store(t);
    if (st == NULL) {
        return FO_ERR;
    }

    return fo_stream_lookup(st, lk->app, lk->stream, &lk->origin, &t->err);
}


static void
ngx_http_fanout_lookup_done(ngx_http_fanout_task_t *t)
{
    ngx_http_fanout_lookup_t *lk = t->data;

    ngx_http_fanout_answer_t  result, answer;

    ngx_http_fanout_lookup_result(lk, &result);

    ngx_http_fanout_answer_put(lk->lmcf, &lk->sn.str,
                              (uint32_t) lk->sn.node.key, lk->token, &result,
                              &answer);

    ngx_http_fanout_lookup_finish(lk, &answer);
}


/*
 * The watch on another worker's lookup: re-read the answers zone.  Its
 * answer goes to this worker's waiters.  If the other worker died or
 * hangs past fanout_lookup_timeout (its mark is then stale), or the
 * answer was invalidated meanwhile, this worker looks up itself.
 */
static void
ngx_http_fanout_lookup_watcher(ngx_event_t *ev)
{
    ngx_http_fanout_lookup_t *lk = ev->data;

    ngx_uint_t                 token;
    ngx_queue_t               *q;
    ngx_http_fanout_ctx_t     *ctx;
    ngx_http_fanout_answer_t   answer;

    token = 0;

    switch (ngx_http_fanout_answer_get(lk->lmcf, &lk->sn.str,
                                      (uint32_t) lk->sn.node.key, lk->ttl,
                                      lk->negative_ttl, 0, &answer, &token))
    {
    case NGX_HTTP_FANOUT_WAIT_REMOTE:
        ngx_add_timer(&lk->watch, NGX_HTTP_FANOUT_POLL_MS);
        return;

    case NGX_HTTP_FANOUT_START:
    case NGX_HTTP_FANOUT_STALE_START:
        if (ngx_http_fanout_lookup_post(lk, token) == NGX_OK) {
            /* the waiters get a full deadline for this worker's lookup */
            for (q = ngx_queue_head(&lk->waiters);
                 q != ngx_queue_sentinel(&lk->waiters);
                 q = ngx_queue_next(q))
            {
                ctx = ngx_queue_data(q, ngx_http_fanout_ctx_t, queue);
                ngx_add_timer(&ctx->deadline, lk->lmcf->timeout);
            }

            return;
        }

        ngx_http_fanout_lookup_failed(lk->lmcf, &lk->sn.str,
                                      (uint32_t) lk->sn.node.key, token,
                                      &answer);
        break;

    default: /* NGX_HTTP_FANOUT_ANSWERED, NGX_HTTP_FANOUT_STALE */
        break;
    }

    ngx_http_fanout_lookup_finish(lk, &answer);
}


/* Hands the answer to every waiter and frees lk. */
static void
ngx_http_fanout_lookup_finish(ngx_http_fanout_lookup_t *lk,
    ngx_http_fanout_answer_t *answer)
{
    ngx_queue_t            *q;
    ngx_http_fanout_ctx_t  *ctx;

    ngx_rbtree_delete(&lk->lmcf->pending, &lk->sn.node);

    /*
     * Each waiter leaves the queue before it runs: running it may finish
     * it and free its pool, and the queue must not point there.
     */
    while (!ngx_queue_empty(&lk->waiters)) {
        q = ngx_queue_head(&lk->waiters);
        ngx_queue_remove(q);

        ctx = ngx_queue_data(q, ngx_http_fanout_ctx_t, queue);
        ctx->queued = 0;
        ctx->answer = *answer;
        ctx->phase = NGX_HTTP_FANOUT_PHASE_ANSWERED;

        if (ctx->deadline.timer_set) {
            ngx_del_timer(&ctx->deadline);
        }

        ngx_http_fanout_wake(ctx->request);
    }

    ngx_free(lk);
}


/* The store's reply as an answer; logs a failing store once. */
static void
ngx_http_fanout_lookup_result(ngx_http_fanout_lookup_t *lk,
    ngx_http_fanout_answer_t *result)
{
    ngx_http_fanout_lookup_main_conf_t  *lmcf;

    lmcf = lk->lmcf;

    ngx_memzero(result, sizeof(ngx_http_fanout_answer_t));

    switch (lk->task.rc) {

    case FO_OK:
        if (ngx_strcmp(lk->origin.status, FO_STATUS_BROADCASTING) != 0
            || !lk->origin.node_alive)
        {
            result->state = NGX_HTTP_FANOUT_GONE;
            result->lost_ms = lk->origin.lost_ms > 0
                              ? (uint64_t) lk->origin.lost_ms : 0;
            ngx_http_fanout_count(lmcf->metrics,
                          NGX_HTTP_FANOUT_M_STORE_GONE);
            break;
        }

        if (ngx_http_fanout_origin_format(&lk->origin, result->origin,
                                          &result->origin_len)
            != NGX_OK)
        {
            ngx_log_error(NGX_LOG_ERR, ngx_cycle->log, 0,
                          "fanout: %s/%s: unusable origin address \"%s\" "
                          "port %d in the store", lk->app, lk->stream,
                          lk->origin.address, lk->origin.http_port);
            result->state = NGX_HTTP_FANOUT_ERROR;
            ngx_http_fanout_count(lmcf->metrics,
                          NGX_HTTP_FANOUT_M_STORE_ERRORS);
            break;
        }

        result->state = NGX_HTTP_FANOUT_FOUND;
        result->session = ngx_crc32_short((u_char *) lk->origin.session_id,
                                          ngx_strnlen((u_char *)
                                                      lk->origin.session_id,
                                                      FO_ID_MAX));
        ngx_http_fanout_count(lmcf->metrics,
                          NGX_HTTP_FANOUT_M_STORE_FOUND);
        break;

    case FO_NOT_FOUND:
        result->state = NGX_HTTP_FANOUT_GONE;
        ngx_http_fanout_count(lmcf->metrics,
                          NGX_HTTP_FANOUT_M_STORE_GONE);
        break;

    default:
        result->state = NGX_HTTP_FANOUT_ERROR;
        ngx_http_fanout_count(lmcf->metrics,
                          NGX_HTTP_FANOUT_M_STORE_ERRORS);

        if (!lmcf->store_failing) {
            lmcf->store_failing = 1;
            ngx_log_error(NGX_LOG_ERR, ngx_cycle->log, 0,
                          "fanout: store lookup failed: %s", lk->task.err.msg);
        }

        return;
    }

    if (lmcf->store_failing) {
        lmcf->store_failing = 0;
        ngx_log_error(NGX_LOG_NOTICE, ngx_cycle->log, 0,
                      "fanout: store answers again");
    }
}


/*
 * "host:port" for proxy_pass, "[v6]:port" for an IPv6 literal.  What the
 * store holds was written by other nodes: it must look like an address.
 */
static ngx_int_t
ngx_http_fanout_origin_format(fo_origin *o, u_char *buf, size_t *len)
{
    u_char      *p, c;
    size_t       n;
    ngx_uint_t   colon;

    n = ngx_strnlen((u_char *) o->address, FO_ADDR_MAX);

    if (n == 0 || n == FO_ADDR_MAX || o->http_port <= 0
        || o->http_port > 65535)
    {
        return NGX_ERROR;
    }

    colon = 0;

    for (p = (u_char *) o->address; p < (u_char *) o->address + n; p++) {
        c = *p;

        if (c == ':') {
            colon = 1;
            continue;
        }

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '.' || c == '-'))
        {
            return NGX_ERROR;
        }
    }

    if (colon) {
        p = ngx_sprintf(buf, "[%*s]:%d", n, o->address, o->http_port);

    } else {
        p = ngx_sprintf(buf, "%*s:%d", n, o->address, o->http_port);
    }

    *len = p - buf;

    return NGX_OK;
}
