/*
 * ngx_http_fanout_prefetch_hold.c — a viewer's request for a segment this
 * edge is prefetching waits for the prefetch, not for nginx's cache lock.
 *
 * A fresh playlist is served to viewers at the moment its prefetches
 * start, so a viewer that asks for the newest segment within those few
 * milliseconds finds it locked (proxy_cache_lock).  nginx does not wake
 * a lock's waiters when the fetch ends: each one rechecks every 500 ms
 * (ngx_http_file_cache_lock_wait).  A segment the origin sends in 5 ms
 * then reaches such a viewer half a second late, and a player close to
 * the live edge stalls on it.
 *
 * So every prefetch in flight is marked in the playlist zone (a slot:
 * the crc32 of the segment's path, and an end), and the lookup's found
 * hook holds a viewer's request for a marked segment: it rechecks the
 * mark every NGX_HTTP_FANOUT_HOLD_POLL ms, in whichever worker it is, and
 * goes on to the proxy cache, a hit by then, as soon as the mark is
 * gone.  A count of the slots in use spares the common case, nothing in
 * flight, the walk over them.  Bounded: a mark ends with its prefetch,
 * or NGX_HTTP_FANOUT_PREFETCH_TIMEOUT + 1 s after it was made (its worker
 * may have died), and a request waits no longer than
 * NGX_HTTP_FANOUT_HOLD_MAX;
 * with every slot taken, a prefetch is not marked and its viewers wait
 * on the lock as before.  Two paths with one crc32 only make a viewer
 * wait for the other's prefetch.
 *
 * The playlist that lists a marked segment waits too, from the origin or
 * the proxy cache (ngx_http_fanout_cache_fill.c holds every such answer
 * until its body is in): it goes out once its marks are gone, so a viewer
 * learns of a segment only when this edge has it.  Without that, an
 * origin killed in the milliseconds between listing a segment and
 * sending it to the edge takes the segment with it while viewers have
 * it listed; dash.js retries such a segment three times and raises an
 * error event.  A prefetch that could not get the segment from the
 * origin (a 5xx but a 504, or a 200 cut short) marks it lost (a ring of
 * NGX_HTTP_FANOUT_LOST_SLOTS, for
 * NGX_HTTP_FANOUT_LOST_KEEP ms), and a playlist that lists a lost
 * segment is answered with the one before it, while that one is in its
 * grace (ngx_http_fanout_last_offer): the player polls again and gets
 * the stream's next answer (the stale copy, the grace, or the new
 * origin's playlist).  Bounded as the segments' holds: a playlist whose
 * segment is still in flight NGX_HTTP_FANOUT_HOLD_MAX after it began to
 * wait (its origin paused, or cut off) is answered as one listing a lost
 * segment, and so is any other while that prefetch lasts.
 */
#include "ngx_http_fanout_cache.h"


#define NGX_HTTP_FANOUT_HOLD_MAX   2000     /* ms */
#define NGX_HTTP_FANOUT_HOLD_POLL  5        /* ms */


static void ngx_http_fanout_prefetch_held(ngx_event_t *ev);
static ngx_uint_t ngx_http_fanout_playlist_pending(
    ngx_http_fanout_cache_sh_t *sh, ngx_http_fanout_capture_t *cap);
static void ngx_http_fanout_playlist_waited(ngx_event_t *ev);
static void ngx_http_fanout_playlist_unmark(void *data);


ngx_atomic_uint_t
ngx_http_fanout_prefetch_key(u_char *path, size_t len)
{
    uint32_t  crc;

    crc = ngx_crc32_short(path, len);

    return crc ? crc : 1;
}


/* Marks a prefetch of path in flight, for ttl ms at most; the slot, or
 * NULL when all are taken. */
ngx_http_fanout_prefetch_slot_t *
ngx_http_fanout_prefetch_mark(ngx_http_fanout_cache_main_conf_t *camcf,
    ngx_str_t *path, ngx_atomic_uint_t *mark, ngx_msec_t ttl)
{
    ngx_uint_t                        i;
    ngx_msec_t                        now;
    ngx_atomic_uint_t                 was;
    ngx_http_fanout_prefetch_slot_t  *s;

    if (camcf->sh == NULL) {
        return NULL;
    }

    *mark = ngx_http_fanout_prefetch_key(path->data, path->len);
    now = ngx_current_msec;

    for (i = 0; i < NGX_HTTP_FANOUT_PREFETCH_SLOTS; i++) {
        s = &camcf->sh->prefetching[i];
        was = s->mark;

        if (was != 0 && (ngx_msec_int_t) (s->until - now) > 0) {
            continue;
        }

        if (ngx_atomic_cmp_set(&s->mark, was, *mark)) {
            s->until = now + ttl;

            if (was == 0) {
                (void) ngx_atomic_fetch_add(&camcf->sh->prefetch_marks, 1);
            }

            return s;
        }
    }

    return NULL;
}


/*
 * The prefetch ended: its viewers go on (unless another took the slot
 * once the mark had ended; that one's unmark frees it and counts it).
 */
void
ngx_http_fanout_prefetch_unmark(ngx_http_fanout_cache_main_conf_t *camcf,
    ngx_http_fanout_prefetch_slot_t *s, ngx_atomic_uint_t mark)
{
    if (ngx_atomic_cmp_set(&s->mark, mark, 0)) {
        (void) ngx_atomic_fetch_add(&camcf->sh->prefetch_marks, -1);
    }
}


/*
 * The found hook, for a segment or an init segment: NGX_AGAIN when this
 * edge is prefetching it (the request waits, and is woken to be proxied),
 * else NGX_DECLINED.  The prefetch's own request goes on.  For a playlist
 * or MPD: NGX_AGAIN while another answer of it waits for its prefetches
 * (woken, it goes on to the proxy cache, which has that answer by then).
 */
ngx_int_t
ngx_http_fanout_prefetch_hold(ngx_http_request_t *r,
    ngx_http_fanout_ctx_t *ctx)
{
    ngx_atomic_uint_t                   mark;
    ngx_table_elt_t                    *ua;
    ngx_http_fanout_cache_main_conf_t  *camcf;

    static ngx_str_t  prefetch_ua = ngx_string(NGX_HTTP_FANOUT_PREFETCH_UA);

    camcf = ngx_http_get_module_main_conf(r, ngx_http_fanout_cache_module);
    ua = r->headers_in.user_agent;

    /* most of the time nothing is in flight: one load, no key */
    if (camcf->sh == NULL
        || camcf->sh->prefetch_marks == 0
        || r != r->main
        || !(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))
        || (ua && ua->value.len == prefetch_ua.len
            && ngx_strncmp(ua->value.data, prefetch_ua.data, prefetch_ua.len)
               == 0))
    {
        return NGX_DECLINED;
    }

    mark = ngx_http_fanout_prefetch_key(ctx->uri.data, ctx->uri.len);

    if (!ngx_http_fanout_prefetching(camcf->sh, mark)) {
        return NGX_DECLINED;
    }

    if (ctx->kind == NGX_HTTP_FANOUT_KIND_SEGMENT
        || ctx->kind == NGX_HTTP_FANOUT_KIND_INIT)
    {
        ngx_http_fanout_mc_count(camcf, PREFETCH_HOLDS);

    } else {
        ngx_http_fanout_mc_count(camcf, PREFETCH_WAITS);
    }

    ctx->hold.handler = ngx_http_fanout_prefetch_held;
    ctx->hold.data = ctx;
    ctx->hold.log = r->connection->log;
    ctx->hold_start = ngx_current_msec;
    ctx->hold_mark = (uint32_t) mark;

    r->main->blocked++;
    ngx_add_timer(&ctx->hold, NGX_HTTP_FANOUT_HOLD_POLL);

    return NGX_AGAIN;
}


/* A prefetch of the path with this mark is in flight. */
ngx_uint_t
ngx_http_fanout_prefetching(ngx_http_fanout_cache_sh_t *sh,
    ngx_atomic_uint_t mark)
{
    ngx_uint_t                        i;
    ngx_msec_t                        now;
    ngx_http_fanout_prefetch_slot_t  *s;

    if (sh->prefetch_marks == 0) {
        return 0;
    }

    now = ngx_current_msec;

    for (i = 0; i < NGX_HTTP_FANOUT_PREFETCH_SLOTS; i++) {
        s = &sh->prefetching[i];

        if (s->mark == mark && (ngx_msec_int_t) (s->until - now) > 0) {
            return 1;
        }
    }

    return 0;
}


static void
ngx_http_fanout_prefetch_held(ngx_event_t *ev)
{
    ngx_http_fanout_ctx_t *ctx = ev->data;

    ngx_http_fanout_cache_main_conf_t  *camcf;

    camcf = ngx_http_get_module_main_conf(ctx->request,
                                          ngx_http_fanout_cache_module);

    if (ngx_current_msec - ctx->hold_start < NGX_HTTP_FANOUT_HOLD_MAX
        && ngx_http_fanout_prefetching(camcf->sh, ctx->hold_mark))
    {
        ngx_add_timer(ev, NGX_HTTP_FANOUT_HOLD_POLL);
        return;
    }

    ctx->phase = NGX_HTTP_FANOUT_PHASE_DONE;
    ngx_http_fanout_wake(ctx->request);
}


/* A prefetch could not get its segment from the origin: it is lost. */
void
ngx_http_fanout_prefetch_lost(ngx_http_fanout_cache_main_conf_t *camcf,
    ngx_atomic_uint_t mark)
{
    ngx_uint_t                        i;
    ngx_http_fanout_prefetch_slot_t  *s;

    if (camcf->sh == NULL || mark == 0) {
        return;
    }

    i = ngx_atomic_fetch_add(&camcf->sh->lost_next, 1)
        % NGX_HTTP_FANOUT_LOST_SLOTS;
    s = &camcf->sh->lost[i];

    s->mark = 0;
    s->until = ngx_current_msec + NGX_HTTP_FANOUT_LOST_KEEP;
    s->mark = mark;
}


/*
 * A held playlist or MPD is complete: the newest segments it lists are
 * prefetched when it came from the origin just now (not from the proxy
 * cache), marked in flight before anyone sees it.  NGX_AGAIN when one of
 * them is in flight (the answer waits, r->buffered, and is released by
 * ngx_http_fanout_playlist_waited), else NGX_OK; cap->lost when one was
 * lost.
 */
ngx_int_t
ngx_http_fanout_playlist_wait(ngx_http_request_t *r,
    ngx_http_fanout_capture_t *cap)
{
    ngx_uint_t                          fresh;
    ngx_pool_cleanup_t                 *cln;
    ngx_http_fanout_ctx_t              *ctx;
    ngx_http_fanout_cache_main_conf_t  *camcf;

    camcf = ngx_http_get_module_main_conf(r, ngx_http_fanout_cache_module);
    ctx = ngx_http_fanout_get_ctx(r);

    if (ctx == NULL || camcf->sh == NULL || cap->last != cap->end) {
        return NGX_OK;
    }

    fresh = 0;

#if (NGX_HTTP_CACHE)
    fresh = r->upstream
            && (r->upstream->cache_status == NGX_HTTP_CACHE_MISS
                || r->upstream->cache_status == NGX_HTTP_CACHE_EXPIRED
                || r->upstream->cache_status == NGX_HTTP_CACHE_BYPASS);
#endif

    cap->nmarks = ngx_http_fanout_prefetch(r, ctx,
                      cap->data + cap->ctype_len + cap->headers_len,
                      cap->body_len, fresh, cap->marks);

    if (cap->nmarks == 0) {
        return NGX_OK;
    }

    if (!ngx_http_fanout_playlist_pending(camcf->sh, cap)) {
        return NGX_OK;
    }

    ngx_http_fanout_mc_count(camcf, PREFETCH_WAITS);

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NGX_OK;
    }

    cln->handler = ngx_http_fanout_playlist_unmark;
    cln->data = cap;

    cap->self = ngx_http_fanout_prefetch_mark(camcf, &ctx->uri,
                                              &cap->self_mark,
                                              NGX_HTTP_FANOUT_HOLD_MAX + 500);
    r->buffered |= NGX_HTTP_FANOUT_BUFFERED;

    ctx->hold.handler = ngx_http_fanout_playlist_waited;
    ctx->hold.data = ctx;
    ctx->hold.log = r->connection->log;
    ctx->hold_start = ngx_current_msec;

    ngx_add_timer(&ctx->hold, NGX_HTTP_FANOUT_HOLD_POLL);

    return NGX_AGAIN;
}


/* One of cap's segments in flight (and cap->lost set when one is lost). */
static ngx_uint_t
ngx_http_fanout_playlist_pending(ngx_http_fanout_cache_sh_t *sh,
    ngx_http_fanout_capture_t *cap)
{
    ngx_uint_t                        i, j;
    ngx_msec_t                        now;
    ngx_http_fanout_prefetch_slot_t  *s;

    now = ngx_current_msec;

    for (i = 0; i < cap->nmarks; i++) {
        if (ngx_http_fanout_prefetching(sh, cap->marks[i])) {
            return 1;
        }

        for (j = 0; j < NGX_HTTP_FANOUT_LOST_SLOTS; j++) {
            s = &sh->lost[j];

            if (s->mark == cap->marks[i]
                && (ngx_msec_int_t) (s->until - now) > 0)
            {
                cap->lost = 1;
            }
        }
    }

    return 0;
}


/* The poll of a waiting playlist: released when nothing it lists is in
 * flight, or NGX_HTTP_FANOUT_HOLD_MAX after it began to wait (then as
 * one that lists a lost segment). */
static void
ngx_http_fanout_playlist_waited(ngx_event_t *ev)
{
    ngx_http_fanout_ctx_t *ctx = ev->data;

    ngx_int_t                           rc;
    ngx_http_request_t                 *r;
    ngx_http_fanout_capture_t          *cap;
    ngx_http_fanout_cache_ctx_t        *cctx;
    ngx_http_fanout_cache_main_conf_t  *camcf;

    r = ctx->request;
    camcf = ngx_http_get_module_main_conf(r, ngx_http_fanout_cache_module);
    cctx = ngx_http_get_module_ctx(r, ngx_http_fanout_cache_module);
    cap = cctx ? cctx->capture : NULL;

    if (cap == NULL) {
        return;
    }

    if (ngx_http_fanout_playlist_pending(camcf->sh, cap)) {
        if (ngx_current_msec - ctx->hold_start < NGX_HTTP_FANOUT_HOLD_MAX) {
            ngx_add_timer(ev, NGX_HTTP_FANOUT_HOLD_POLL);
            return;
        }

        cap->lost = 1;          /* not here after all that time */
    }

    r->buffered &= ~NGX_HTTP_FANOUT_BUFFERED;
    ngx_http_fanout_playlist_unmark(cap);

    rc = ngx_http_fanout_cache_release(r, cap);

    if (rc == NGX_ERROR) {
        ngx_http_finalize_request(r, NGX_ERROR);
        return;
    }

    /* the writer sends what is left and ends the request */
    ngx_post_event(r->connection->write, &ngx_posted_events);
}


/* The wait is over (or its request gone): its path is no longer marked. */
static void
ngx_http_fanout_playlist_unmark(void *data)
{
    ngx_http_fanout_capture_t *cap = data;

    if (cap->self) {
        ngx_http_fanout_prefetch_unmark(
            ngx_http_cycle_get_module_main_conf(ngx_cycle,
                                                ngx_http_fanout_cache_module),
            cap->self, cap->self_mark);
        cap->self = NULL;
    }
}
