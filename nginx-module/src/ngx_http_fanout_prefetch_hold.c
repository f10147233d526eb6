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
 * flight, the walk over them.  Bounded: a mark ends
 * NGX_HTTP_FANOUT_HOLD_MAX after it was made (its worker may have died),
 * and a request waits no longer than that;
 * with every slot taken, a prefetch is not marked and its viewers wait
 * on the lock as before.  Two paths with one crc32 only make a viewer
 * wait for the other's prefetch.
 */
#include "ngx_http_fanout_cache.h"


#define NGX_HTTP_FANOUT_HOLD_MAX   2000     /* ms */
#define NGX_HTTP_FANOUT_HOLD_POLL  5        /* ms */


static ngx_uint_t ngx_http_fanout_prefetching(ngx_http_fanout_cache_sh_t *sh,
    ngx_atomic_uint_t mark);
static void ngx_http_fanout_prefetch_held(ngx_event_t *ev);


static ngx_atomic_uint_t
ngx_http_fanout_prefetch_key(u_char *path, size_t len)
{
    uint32_t  crc;

    crc = ngx_crc32_short(path, len);

    return crc ? crc : 1;
}


/* Marks a prefetch of path in flight; the slot, or NULL when all are
 * taken. */
ngx_http_fanout_prefetch_slot_t *
ngx_http_fanout_prefetch_mark(ngx_http_fanout_cache_main_conf_t *camcf,
    ngx_str_t *path, ngx_atomic_uint_t *mark)
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
            s->until = now + NGX_HTTP_FANOUT_HOLD_MAX;

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
 * else NGX_DECLINED.  The prefetch's own request goes on.
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

    ngx_http_fanout_mc_count(camcf, PREFETCH_HOLDS);

    ctx->hold.handler = ngx_http_fanout_prefetch_held;
    ctx->hold.data = ctx;
    ctx->hold.log = r->connection->log;
    ctx->hold_start = ngx_current_msec;
    ctx->hold_mark = (uint32_t) mark;

    r->main->blocked++;
    ngx_add_timer(&ctx->hold, NGX_HTTP_FANOUT_HOLD_POLL);

    return NGX_AGAIN;
}


static ngx_uint_t
ngx_http_fanout_prefetching(ngx_http_fanout_cache_sh_t *sh,
    ngx_atomic_uint_t mark)
{
    ngx_uint_t                        i;
    ngx_msec_t                        now;
    ngx_http_fanout_prefetch_slot_t  *s;

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
