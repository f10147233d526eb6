/*
 * ngx_http_fanout_cache_last.c — the last playlist or MPD this edge
 * served for each path, whatever origin or publish session it came from,
 * with its position in the stream (ngx_http_fanout_position.c).  In the
 * zone fanout_playlist_cache, beside the copies: a tree keyed by $uri and
 * a queue by refresh time.
 *
 * Two uses:
 *
 *   monotonic  an answer from another origin or session than the last
 *              one is held until its body is in (ngx_http_fanout_cache_
 *              fill.c); when it is older than the last one, and that one
 *              was refreshed by a live origin less than
 *              fanout_playlist_grace ago, the last one is sent instead.
 *              A viewer never sees this edge's playlist go back.
 *   stale      the store still names as live the origin that just
 *              failed (paused, cut off: the store declares it dead within
 *              its dead timeout): the last playlist as it was, up to
 *              fanout_playlist_stale after its last live refresh.
 *   grace      the stream has no live origin (the lookup module's lost
 *              hook): from the first such answer, for
 *              fanout_playlist_grace, the last playlist as it was,
 *              without ENDLIST; then, for fanout_playlist_final, its
 *              final form (ENDLIST, MPD type="static"); then the normal
 *              answer (404).  A copy older than stale + grace when the
 *              stream is first found lost starts no grace.
 *              A segment, or a playlist with no copy here, of a stream
 *              in its grace: 503 (ngx_http_fanout_cache_stream.c).
 *
 * Bounded: entries older than stale + 2 x grace + final go at the next
 * store; a full
 * zone drops the oldest entries, a few at a time.
 */
#include "ngx_http_fanout_cache.h"


static ngx_int_t ngx_http_fanout_last_send(ngx_http_request_t *r,
    ngx_http_fanout_cache_main_conf_t *camcf, ngx_http_fanout_mcopy_t *m,
    ngx_uint_t final);
static ngx_http_fanout_mcopy_t *ngx_http_fanout_last_copy(
    ngx_pool_t *pool, ngx_http_fanout_last_entry_t *e, ngx_uint_t final);
static ngx_http_fanout_mcopy_t *ngx_http_fanout_last_graced(
    ngx_http_request_t *r, ngx_http_fanout_cache_main_conf_t *camcf,
    ngx_http_fanout_cache_loc_conf_t *calcf, ngx_http_fanout_last_entry_t *e,
    uint64_t now, ngx_uint_t *final);
static void ngx_http_fanout_last_put(ngx_http_request_t *r,
    ngx_http_fanout_cache_main_conf_t *camcf, ngx_http_fanout_ctx_t *ctx,
    ngx_http_fanout_capture_t *cap, ngx_http_fanout_position_t *pos,
    uint64_t now);
static void ngx_http_fanout_last_expire(
    ngx_http_fanout_cache_main_conf_t *camcf, uint64_t now, uint64_t keep,
    ngx_uint_t n);


/* Entries a grace can still answer from: stale, then grace and final. */
#define ngx_http_fanout_last_keep(calcf)                                     \
    ((calcf)->playlist_stale + 2 * (calcf)->playlist_grace                   \
     + (calcf)->playlist_final)


/*
 * Under the lock: no live origin (gone, dead, or the store failing).  The
 * grace begins now, when this entry was refreshed recently enough (within
 * fanout_playlist_stale + grace), and runs for fanout_playlist_grace: the
 * last playlist as it was; then its final form for fanout_playlist_final;
 * then nothing (the normal answer).
 */
static ngx_http_fanout_mcopy_t *
ngx_http_fanout_last_graced(ngx_http_request_t *r,
    ngx_http_fanout_cache_main_conf_t *camcf,
    ngx_http_fanout_cache_loc_conf_t *calcf,
    ngx_http_fanout_last_entry_t *e, uint64_t now, ngx_uint_t *final)
{
    uint64_t  lost;

    if (ngx_http_fanout_last_lost_since(camcf, calcf, e, now, &lost)
        != NGX_OK)
    {
        return NULL;
    }

    if (lost <= calcf->playlist_grace && !e->pos.ended) {
        return ngx_http_fanout_last_copy(r->pool, e, 0);
    }

    if (lost <= calcf->playlist_grace + calcf->playlist_final) {
        *final = 1;
        return ngx_http_fanout_last_copy(r->pool, e, !e->pos.ended);
    }

    ngx_http_fanout_last_delete(camcf, e);

    return NULL;
}


/*
 * The lookup module's lost hook: no live origin for the stream.  NGX_OK:
 * the last playlist (in the grace) or its final form is in the ctx and
 * the copies' content handler sends it; NGX_DECLINED: the normal answer.
 */
ngx_int_t
ngx_http_fanout_last_lost(ngx_http_request_t *r, ngx_http_fanout_ctx_t *ctx)
{
    uint64_t                            now, age;
    ngx_int_t                           busy;
    ngx_uint_t                          final;
    ngx_http_fanout_mcopy_t            *m;
    ngx_http_fanout_last_entry_t       *e;
    ngx_http_fanout_cache_loc_conf_t   *calcf;
    ngx_http_fanout_cache_main_conf_t  *camcf;

    calcf = ngx_http_get_module_loc_conf(r, ngx_http_fanout_cache_module);
    camcf = ngx_http_get_module_main_conf(r, ngx_http_fanout_cache_module);

    if (!calcf->playlist_cache || calcf->playlist_grace == 0
        || camcf->sh == NULL || ctx->play_exchange || r != r->main
        || !(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD)))
    {
        return NGX_DECLINED;
    }

    now = ngx_http_fanout_wall_msec();

    /* the stream's grace begins with its first lost request, any kind */
    busy = ngx_http_fanout_last_stream_lost(ctx, camcf, calcf, now);

    if (ctx->kind != NGX_HTTP_FANOUT_KIND_HLS
        && ctx->kind != NGX_HTTP_FANOUT_KIND_DASH)
    {
        return busy;
    }

    m = NULL;
    final = 0;

    ngx_shmtx_lock(&camcf->pool->mutex);

    e = ngx_http_fanout_last_find(camcf, &r->uri);

    if (e) {
        age = ngx_http_fanout_last_age(e, now);

        if (ctx->answer.state == NGX_HTTP_FANOUT_FOUND) {
            /* the store still names the failed origin as live: stale */
            if (age <= calcf->playlist_stale && !e->pos.ended) {
                m = ngx_http_fanout_last_copy(r->pool, e, 0);
            }

        } else {
            m = ngx_http_fanout_last_graced(r, camcf, calcf, e, now, &final);
        }
    }

    ngx_shmtx_unlock(&camcf->pool->mutex);

    if (m == NULL) {
        return e ? NGX_DECLINED : busy;
    }

    return ngx_http_fanout_last_send(r, camcf, m, final);
}


/* The last playlist (final: its final form) is this request's answer. */
static ngx_int_t
ngx_http_fanout_last_send(ngx_http_request_t *r,
    ngx_http_fanout_cache_main_conf_t *camcf, ngx_http_fanout_mcopy_t *m,
    ngx_uint_t final)
{
    ngx_http_fanout_cache_ctx_t  *cctx;

    cctx = ngx_http_fanout_cache_get_ctx(r);

    if (cctx == NULL) {
        return NGX_ERROR;
    }

    cctx->mem = m;
    cctx->mem_hit = 1;
    cctx->last = final ? 2 : 1;

    if (final) {
        ngx_http_fanout_mc_count(camcf, FINAL);

    } else {
        ngx_http_fanout_mc_count(camcf, GRACE);
    }

    r->content_handler = ngx_http_fanout_cache_send;

    return NGX_OK;
}


/*
 * The header filter's question: an answer from another origin or session
 * than the last one served for the path, while that one is in its grace?
 * Then it may be older, and waits for its body.
 */
ngx_uint_t
ngx_http_fanout_last_hold(ngx_http_request_t *r,
    ngx_http_fanout_capture_t *cap)
{
    uint64_t                            now;
    ngx_uint_t                          hold;
    ngx_http_fanout_last_entry_t       *e;
    ngx_http_fanout_cache_loc_conf_t   *calcf;
    ngx_http_fanout_cache_main_conf_t  *camcf;

    calcf = ngx_http_get_module_loc_conf(r, ngx_http_fanout_cache_module);
    camcf = ngx_http_get_module_main_conf(r, ngx_http_fanout_cache_module);

    if (calcf->playlist_grace == 0) {
        return 0;
    }

    now = ngx_http_fanout_wall_msec();

    ngx_shmtx_lock(&camcf->pool->mutex);

    e = ngx_http_fanout_last_find(camcf, &r->uri);

    hold = e != NULL && e->source != cap->source && e->pos.known
           && ngx_http_fanout_last_age(e, now) <= calcf->playlist_grace;

    ngx_shmtx_unlock(&camcf->pool->mutex);

    return hold;
}


/* r's answer is the origin's now: a stale proxy cache answer says
 * nothing about the origin. */
static ngx_uint_t
ngx_http_fanout_last_live(ngx_http_request_t *r)
{
#if (NGX_HTTP_CACHE)
    if (r->upstream && (r->upstream->cache_status == NGX_HTTP_CACHE_STALE
                        || r->upstream->cache_status
                           == NGX_HTTP_CACHE_UPDATING))
    {
        return 0;
    }
#endif

    return 1;
}


/*
 * A complete answer from the stream's origin.  NULL: send it (it is
 * recorded as the last one when it is not older).  Else the last one, to
 * send instead, while it is in its grace: the answer was held and is
 * older, or lists a segment this edge could not fetch (cap->lost: its
 * origin died between listing and sending it; a segment that stays lost
 * so delays the path's playlists by a grace at most).
 */
ngx_http_fanout_mcopy_t *
ngx_http_fanout_last_offer(ngx_http_request_t *r, ngx_http_fanout_ctx_t *ctx,
    ngx_http_fanout_capture_t *cap)
{
    u_char                             *body;
    uint64_t                            now;
    ngx_uint_t                          live;
    ngx_http_fanout_mcopy_t            *m;
    ngx_http_fanout_position_t          pos;
    ngx_http_fanout_last_entry_t       *e;
    ngx_http_fanout_cache_loc_conf_t   *calcf;
    ngx_http_fanout_cache_main_conf_t  *camcf;

    calcf = ngx_http_get_module_loc_conf(r, ngx_http_fanout_cache_module);
    camcf = ngx_http_get_module_main_conf(r, ngx_http_fanout_cache_module);

    if (calcf->playlist_grace == 0) {
        return NULL;
    }

    body = cap->data + cap->ctype_len + cap->headers_len;

    if (ctx->kind == NGX_HTTP_FANOUT_KIND_DASH) {
        (void) ngx_http_fanout_position_dash(body, cap->body_len, &pos);

    } else {
        (void) ngx_http_fanout_position_hls(body, cap->body_len, &pos);
    }

    live = ngx_http_fanout_last_live(r);
    now = ngx_http_fanout_wall_msec();
    m = NULL;

    ngx_shmtx_lock(&camcf->pool->mutex);

    e = ngx_http_fanout_last_find(camcf, &r->uri);

    if (e && ngx_http_fanout_last_age(e, now) <= calcf->playlist_grace
        && (cap->lost
            || (e->pos.known && pos.known
                && ngx_http_fanout_position_cmp(&pos, &e->pos) < 0)))
    {
        /* lists a lost segment, or older than what this edge served */
        if (cap->held) {
            m = ngx_http_fanout_last_copy(r->pool, e, 0);
        }

    } else if (live) {
        ngx_http_fanout_last_put(r, camcf, ctx, cap, &pos, now);
        ngx_http_fanout_last_stream_put(camcf, calcf, ctx, &pos, now);
    }

    ngx_shmtx_unlock(&camcf->pool->mutex);

    if (m && cap->lost) {
        ngx_http_fanout_mc_count(camcf, PREFETCH_LOST);

        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "fanout: \"%V\" lists a segment this edge could not "
                      "fetch, serving the one before", &r->uri);

    } else if (m) {
        ngx_http_fanout_mc_count(camcf, OLDER);

        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "fanout: \"%V\" from %*s is older than the one served,"
                      " serving that", &r->uri, ctx->answer.origin_len,
                      ctx->answer.origin);
    }

    return m;
}


/* Under the lock: the answer becomes the path's last one. */
static void
ngx_http_fanout_last_put(ngx_http_request_t *r,
    ngx_http_fanout_cache_main_conf_t *camcf, ngx_http_fanout_ctx_t *ctx,
    ngx_http_fanout_capture_t *cap, ngx_http_fanout_position_t *pos,
    uint64_t now)
{
    size_t                              len, size;
    ngx_http_fanout_last_entry_t       *e;
    ngx_http_fanout_cache_loc_conf_t   *calcf;

    calcf = ngx_http_get_module_loc_conf(r, ngx_http_fanout_cache_module);
    len = cap->ctype_len + cap->headers_len + cap->body_len;

    e = ngx_http_fanout_last_find(camcf, &r->uri);

    if (e && e->source == cap->source && e->ctype_len == cap->ctype_len
        && e->headers_len == cap->headers_len && e->body_len == cap->body_len
        && ngx_memcmp(e->data + e->sn.str.len, cap->data, len) == 0)
    {
        /* the same answer again: only its time */
        ngx_http_fanout_last_touch(camcf, e, now);
        return;
    }

    if (e) {
        ngx_http_fanout_last_delete(camcf, e);
    }

    size = offsetof(ngx_http_fanout_last_entry_t, data) + r->uri.len + len;

    e = ngx_http_fanout_last_new(camcf, calcf, &r->uri, size, now);
    if (e == NULL) {
        return;
    }

    e->source = cap->source;
    e->dash = ctx->kind == NGX_HTTP_FANOUT_KIND_DASH;
    e->pos = *pos;
    e->last_modified_time = cap->last_modified_time;
    e->ctype_len = cap->ctype_len;
    e->headers_len = cap->headers_len;
    e->body_len = cap->body_len;

    ngx_memcpy(e->data + r->uri.len, cap->data, len);
}


/*
 * Under the lock: a new entry of size bytes (the key first in its data),
 * refreshed now, in the tree and at the new end of the queue; its other
 * fields zero.  Entries past keeping go first; without room, the oldest
 * last answers, then the copies.  NULL: no room (counted).
 */
ngx_http_fanout_last_entry_t *
ngx_http_fanout_last_new(ngx_http_fanout_cache_main_conf_t *camcf,
    ngx_http_fanout_cache_loc_conf_t *calcf, ngx_str_t *key, size_t size,
    uint64_t now)
{
    ngx_http_fanout_last_entry_t  *e;

    ngx_http_fanout_last_expire(camcf, now,
                                ngx_http_fanout_last_keep(calcf),
                                NGX_HTTP_FANOUT_MC_EVICT);

    e = ngx_slab_alloc_locked(camcf->pool, size);

    if (e == NULL) {
        ngx_http_fanout_last_expire(camcf, now, 0, NGX_HTTP_FANOUT_MC_EVICT);

        e = (ngx_http_fanout_last_entry_t *)
                ngx_http_fanout_cache_alloc(camcf, size, now);

        if (e == NULL) {
            ngx_http_fanout_mc_count(camcf, NO_ROOM);
            return NULL;
        }
    }

    ngx_memzero(e, offsetof(ngx_http_fanout_last_entry_t, data));
    e->sn.node.key = ngx_crc32_short(key->data, key->len);
    e->sn.str.len = key->len;
    e->sn.str.data = e->data;
    e->refreshed = now;
    e->size = size;
    ngx_memcpy(e->data, key->data, key->len);

    ngx_rbtree_insert(&camcf->sh->last, &e->sn.node);
    ngx_queue_insert_head(&camcf->sh->last_lru, &e->lru);

    ngx_http_fanout_mc_gauge(camcf, LAST_ENTRIES, 1);
    ngx_http_fanout_mc_gauge(camcf, BYTES, size);

    return e;
}


/* Under the lock: refreshed by a live origin now; newest in the queue. */
void
ngx_http_fanout_last_touch(ngx_http_fanout_cache_main_conf_t *camcf,
    ngx_http_fanout_last_entry_t *e, uint64_t now)
{
    e->refreshed = now;
    e->lost = 0;
    ngx_queue_remove(&e->lru);
    ngx_queue_insert_head(&camcf->sh->last_lru, &e->lru);
}


/*
 * Under the lock: the stream of e found lost now.  Its grace begins, when
 * e was refreshed recently enough (within fanout_playlist_stale + grace):
 * *since is the time since it began.  NGX_DECLINED: too old, e deleted.
 */
ngx_int_t
ngx_http_fanout_last_lost_since(ngx_http_fanout_cache_main_conf_t *camcf,
    ngx_http_fanout_cache_loc_conf_t *calcf, ngx_http_fanout_last_entry_t *e,
    uint64_t now, uint64_t *since)
{
    if (e->lost == 0) {
        if (ngx_http_fanout_last_age(e, now)
            > calcf->playlist_stale + calcf->playlist_grace)
        {
            ngx_http_fanout_last_delete(camcf, e);
            return NGX_DECLINED;
        }

        e->lost = now;
    }

    *since = now > e->lost ? now - e->lost : 0;

    return NGX_OK;
}


/*
 * Under the lock: the entry in the request pool; final: its final form
 * (ENDLIST, MPD type="static"), without ETag and Last-Modified.
 */
static ngx_http_fanout_mcopy_t *
ngx_http_fanout_last_copy(ngx_pool_t *pool, ngx_http_fanout_last_entry_t *e,
    ngx_uint_t final)
{
    u_char                   *src;
    size_t                    head, room;
    ngx_http_fanout_mcopy_t  *m;

    head = e->ctype_len + e->headers_len;
    room = head + e->body_len + (final ? NGX_HTTP_FANOUT_END_ROOM : 0);

    m = ngx_palloc(pool, sizeof(ngx_http_fanout_mcopy_t) + room);
    if (m == NULL) {
        return NULL;
    }

    src = e->data + e->sn.str.len;

    m->data = (u_char *) (m + 1);
    m->rewritten = final;
    m->last_modified_time = e->last_modified_time;
    m->ctype_len = e->ctype_len;
    m->headers_len = e->headers_len;
    m->body_len = e->body_len;

    ngx_memcpy(m->data, src, head);

    if (!final) {
        ngx_memcpy(m->data + head, src + head, e->body_len);
        return m;
    }

    m->body_len = (uint32_t) ngx_http_fanout_position_end(e->dash,
                                  src + head, e->body_len, m->data + head,
                                  room - head);

    return m->body_len ? m : NULL;
}


ngx_http_fanout_last_entry_t *
ngx_http_fanout_last_find(ngx_http_fanout_cache_main_conf_t *camcf,
    ngx_str_t *uri)
{
    return (ngx_http_fanout_last_entry_t *)
        ngx_str_rbtree_lookup(&camcf->sh->last, uri,
                              ngx_crc32_short(uri->data, uri->len));
}


void
ngx_http_fanout_last_delete(ngx_http_fanout_cache_main_conf_t *camcf,
    ngx_http_fanout_last_entry_t *e)
{
    ngx_rbtree_delete(&camcf->sh->last, &e->sn.node);
    ngx_queue_remove(&e->lru);

    ngx_http_fanout_mc_gauge(camcf, LAST_ENTRIES, (ngx_atomic_int_t) -1);
    ngx_http_fanout_mc_gauge(camcf, BYTES, -(ngx_atomic_int_t) e->size);

    ngx_slab_free_locked(camcf->pool, e);
}


/* Under the lock: up to n entries at the old end older than keep ms. */
static void
ngx_http_fanout_last_expire(ngx_http_fanout_cache_main_conf_t *camcf,
    uint64_t now, uint64_t keep, ngx_uint_t n)
{
    ngx_queue_t                   *q;
    ngx_http_fanout_last_entry_t  *e;

    while (n-- && !ngx_queue_empty(&camcf->sh->last_lru)) {
        q = ngx_queue_last(&camcf->sh->last_lru);
        e = ngx_queue_data(q, ngx_http_fanout_last_entry_t, lru);

        if (ngx_http_fanout_last_age(e, now) <= keep) {
            return;
        }

        ngx_http_fanout_last_delete(camcf, e);
    }
}
