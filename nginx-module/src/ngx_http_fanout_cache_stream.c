/*
 * ngx_http_fanout_cache_stream.c — a stream's own entry among the last
 * playlists (ngx_http_fanout_cache_last.c): when its grace began.
 *
 * A segment, or a playlist with no copy here, of a stream in its grace is
 * answered 503 with Retry-After: its playlist lists segments the lost
 * origin still has, and may have again when it comes back (a pause, a
 * partition); players retry a 503 and give up on a 404 (hls.js at once).
 * The grace is the playlists': it begins with the stream's first request
 * found lost, if the stream was live here within fanout_playlist_stale +
 * grace, and lasts fanout_playlist_grace; a stream whose last playlist
 * ended has none.  A stream this edge has no entry for (never served
 * here, or this edge restarted) has the store's grace instead: it began
 * when the store says the stream lost its live origin (its release or
 * reap, or its owner's heartbeat going stale: fo_origin.lost_ms), so a
 * viewer the LB moves here during a failover is not told 404.
 *
 * One entry per stream in the same tree and queue, keyed "app/stream"
 * (no "/" first: never a $uri), with no body, refreshed with each fresh
 * playlist of the stream; it expires with them.
 */
#include "ngx_http_fanout_cache.h"


/*
 * A request of a stream found lost: its grace begins (the stream's entry),
 * if it was live here recently enough.  NGX_BUSY while it lasts: what a
 * request with nothing of its own to send (a segment, a playlist this
 * edge has no copy of) answers, 503; else NGX_DECLINED.  Only when the
 * store has no live origin for it: an origin that failed and is still
 * named is the stale case, whose segments answer for themselves.
 */
ngx_int_t
ngx_http_fanout_last_stream_lost(ngx_http_fanout_ctx_t *ctx,
    ngx_http_fanout_cache_main_conf_t *camcf,
    ngx_http_fanout_cache_loc_conf_t *calcf, uint64_t now)
{
    uint64_t                       since;
    ngx_int_t                      rc;
    ngx_http_fanout_last_entry_t  *e;

    if (ctx->answer.state == NGX_HTTP_FANOUT_FOUND || ctx->key.len == 0) {
        return NGX_DECLINED;
    }

    rc = NGX_DECLINED;

    ngx_shmtx_lock(&camcf->pool->mutex);

    e = ngx_http_fanout_last_find(camcf, &ctx->key);

    if (e
        && ngx_http_fanout_last_lost_since(camcf, calcf, e, now, &since)
           == NGX_OK)
    {
        if (!e->pos.ended && since <= calcf->playlist_grace) {
            rc = NGX_BUSY;
        }

    } else if (ctx->answer.state == NGX_HTTP_FANOUT_GONE
               && ctx->answer.lost_ms != 0)
    {
        /* nothing here: the store's word (a lost_ms ahead of this clock
         * counts as just now) */
        since = now > ctx->answer.lost_ms ? now - ctx->answer.lost_ms : 0;

        if (since <= calcf->playlist_grace) {
            rc = NGX_BUSY;
        }
    }

    ngx_shmtx_unlock(&camcf->pool->mutex);

    return rc;
}


/*
 * Under the lock: the stream was live just now (a fresh playlist from its
 * origin): its entry, with no body, keyed by "app/stream".
 */
void
ngx_http_fanout_last_stream_put(ngx_http_fanout_cache_main_conf_t *camcf,
    ngx_http_fanout_cache_loc_conf_t *calcf, ngx_http_fanout_ctx_t *ctx,
    ngx_http_fanout_position_t *pos, uint64_t now)
{
    ngx_http_fanout_last_entry_t  *e;

    if (ctx->key.len == 0) {
        return;
    }

    e = ngx_http_fanout_last_find(camcf, &ctx->key);

    if (e) {
        ngx_http_fanout_last_touch(camcf, e, now);

    } else {
        e = ngx_http_fanout_last_new(camcf, calcf, &ctx->key,
                                     offsetof(ngx_http_fanout_last_entry_t,
                                              data)
                                     + ctx->key.len, now);
        if (e == NULL) {
            return;
        }
    }

    if (pos->known) {
        e->pos.ended = pos->ended;
    }
}
