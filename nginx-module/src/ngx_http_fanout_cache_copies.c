/*
 * ngx_http_fanout_cache_copies.c — the playlist copies in shared memory.
 *
 * The key is the proxy cache's own (edge.conf:
 * $fanout_origin/$fanout_session$uri); a response whose proxy_cache_key
 * is anything else is not copied.  A copy is fresh until the proxy cache
 * entry it copies expires (r->cache->valid_sec, whole seconds, as nginx
 * checks it), and never longer than fanout_playlist_cache_valid after it
 * was stored: the memory never makes a playlist older than proxy_cache
 * alone would.  Each copy also records the mapping's generation
 * (answer.gen), which changes when the stream moves to another origin or
 * session, or is found again after being lost (fanout_invalidate, gone):
 * a copy from before is never served again.
 *
 * nginx keeps a cache entry's validity in whole seconds, so
 * proxy_cache_valid 1s lasts 1-2 s.  When a copy expires by
 * fanout_playlist_cache_valid while its proxy cache entry is still valid,
 * the one request that finds it so refreshes it past the proxy cache
 * ($fanout_playlist_refresh, for proxy_cache_bypass): a playlist is then
 * never more than about fanout_playlist_cache_valid old.  Until that
 * answer is stored (after its newest segments' prefetch), the others are
 * answered from the copy as it was, for one more fanout_playlist_cache_valid
 * at most: the proxy cache entry already holds the new answer, and a poll
 * that read it would wait for the same prefetch.
 *
 * The zone: a slab of entries (key, expiry, generation, headers, body) in
 * an rbtree and an LRU queue, one mutex.  A hit is one lock, one rbtree
 * walk and one copy into the request pool; a full zone drops expired,
 * then least recently used entries; no room only means no memory hit.
 */
#include "ngx_http_fanout_cache.h"


static ngx_http_fanout_mcopy_t *ngx_http_fanout_cache_copy(ngx_pool_t *pool,
    ngx_http_fanout_mc_entry_t *e);
static ngx_uint_t ngx_http_fanout_cache_expire(
    ngx_http_fanout_cache_main_conf_t *camcf,
    ngx_http_fanout_cache_loc_conf_t *calcf, ngx_http_fanout_mc_entry_t *e,
    ngx_uint_t gen);
static ngx_uint_t ngx_http_fanout_cache_stored(ngx_http_request_t *r,
    ngx_http_fanout_capture_t *cap, uint32_t hash, uint64_t expires,
    uint64_t now);
static void ngx_http_fanout_cache_delete(
    ngx_http_fanout_cache_main_conf_t *camcf, ngx_http_fanout_mc_entry_t *e);
static void ngx_http_fanout_cache_evict(
    ngx_http_fanout_cache_main_conf_t *camcf, uint64_t now);


/* Past its proxy cache entry's expiry, or its fanout_playlist_cache_valid. */
#define ngx_http_fanout_cache_expired(e, now)                              \
    ((e)->expires <= (now)                                                    \
     || (ngx_msec_int_t) ((e)->deadline - ngx_current_msec) <= 0)


ngx_int_t
ngx_http_fanout_cache_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_fanout_cache_main_conf_t  *ocamcf = data;

    ngx_slab_pool_t                    *pool;
    ngx_http_fanout_cache_sh_t         *sh;
    ngx_http_fanout_cache_main_conf_t  *camcf;

    camcf = shm_zone->data;

    if (ocamcf && ocamcf->sh) {
        /* reload: the copies stay; they carry their own expiry */
        camcf->sh = ocamcf->sh;
        camcf->pool = ocamcf->pool;
        return NGX_OK;
    }

    pool = (ngx_slab_pool_t *) shm_zone->shm.addr;
    camcf->pool = pool;

    if (shm_zone->shm.exists) {
        camcf->sh = pool->data;
        return NGX_OK;
    }

    sh = ngx_slab_calloc(pool, sizeof(ngx_http_fanout_cache_sh_t));
    if (sh == NULL) {
        return NGX_ERROR;
    }

    ngx_rbtree_init(&sh->rbtree, &sh->sentinel, ngx_str_rbtree_insert_value);
    ngx_queue_init(&sh->lru);
    ngx_rbtree_init(&sh->last, &sh->last_sentinel,
                    ngx_str_rbtree_insert_value);
    ngx_queue_init(&sh->last_lru);
    sh->epoch = (uint32_t) ngx_random();

    pool->data = sh;
    camcf->sh = sh;

    /* a full zone is handled: old copies go, or the answer is not kept */
    return ngx_http_fanout_zone_log(shm_zone, "fanout_playlist_cache_zone");
}


/*
 * This request found its copy expired while the proxy cache entry is
 * still valid: it fetches the playlist from the origin, past the proxy
 * cache ($fanout_playlist_refresh), and the answer refreshes both.
 */
static ngx_int_t
ngx_http_fanout_cache_refresh(ngx_http_request_t *r,
    ngx_http_fanout_cache_main_conf_t *camcf)
{
    ngx_http_fanout_cache_ctx_t  *cctx;

    cctx = ngx_http_fanout_cache_get_ctx(r);

    if (cctx == NULL) {
        return NGX_ERROR;
    }

    cctx->refresh = 1;
    ngx_http_fanout_mc_count(camcf, REFRESHES);

    return NGX_DECLINED;
}


/*
 * Under the lock, a copy found expired: 1 when the request that found it
 * is to refresh it (its proxy cache entry is still valid), and the others
 * are answered from it meanwhile, for one more fanout_playlist_cache_valid
 * at most; else it is deleted, 0.
 */
static ngx_uint_t
ngx_http_fanout_cache_expire(ngx_http_fanout_cache_main_conf_t *camcf,
    ngx_http_fanout_cache_loc_conf_t *calcf, ngx_http_fanout_mc_entry_t *e,
    ngx_uint_t gen)
{
    uint64_t  now;

    now = ngx_http_fanout_wall_msec();

    if (e->gen == gen && e->proxy_expires > now) {
        e->expires = ngx_min(e->proxy_expires, now + calcf->playlist_valid);
        e->deadline = ngx_current_msec + calcf->playlist_valid;
        return 1;
    }

    ngx_http_fanout_cache_delete(camcf, e);

    return 0;
}


/*
 * The lookup module's found hook for a playlist or MPD: the request is to
 * be proxied to the stream's own origin.  NGX_OK: a fresh copy is in the
 * ctx and this module's content handler will send it; NGX_DECLINED: proxy
 * as usual; NGX_ERROR.
 */
ngx_int_t
ngx_http_fanout_cache_find(ngx_http_request_t *r, ngx_http_fanout_ctx_t *ctx)
{
    uint32_t                            hash;
    ngx_str_t                           key;
    ngx_http_fanout_mcopy_t            *m;
    ngx_http_fanout_mc_entry_t         *e;
    ngx_http_fanout_cache_ctx_t        *cctx;
    ngx_http_fanout_cache_loc_conf_t   *calcf;
    ngx_http_fanout_cache_main_conf_t  *camcf;
    ngx_uint_t                          refresh;
    u_char                              buf[NGX_HTTP_FANOUT_MC_KEY_MAX];

    calcf = ngx_http_get_module_loc_conf(r, ngx_http_fanout_cache_module);
    camcf = ngx_http_get_module_main_conf(r, ngx_http_fanout_cache_module);

    if (!calcf->playlist_cache
        || camcf->sh == NULL
        || ctx->play_exchange
        || r != r->main
        || !(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))
        || (ctx->kind != NGX_HTTP_FANOUT_KIND_HLS
            && ctx->kind != NGX_HTTP_FANOUT_KIND_DASH))
    {
        return NGX_DECLINED;
    }

    key.data = buf;
    key.len = ngx_http_fanout_cache_key(ctx, r, buf);

    if (key.len == 0) {
        return NGX_DECLINED;
    }

    hash = ngx_crc32_short(key.data, key.len);

    ngx_shmtx_lock(&camcf->pool->mutex);

    e = (ngx_http_fanout_mc_entry_t *)
            ngx_str_rbtree_lookup(&camcf->sh->rbtree, &key, hash);

    refresh = 0;

    if (e && ngx_http_fanout_cache_expired(e, ngx_http_fanout_wall_msec())) {
        refresh = ngx_http_fanout_cache_expire(camcf, calcf, e,
                                               ctx->answer.gen);
        e = NULL;
    }

    /* a copy made under another mapping of the stream is never served */
    if (e == NULL || e->gen != ctx->answer.gen) {
        ngx_shmtx_unlock(&camcf->pool->mutex);
        ngx_http_fanout_mc_count(camcf, MISSES);
        return refresh ? ngx_http_fanout_cache_refresh(r, camcf)
                       : NGX_DECLINED;
    }

    m = ngx_http_fanout_cache_copy(r->pool, e);
    cctx = ngx_http_fanout_cache_get_ctx(r);

    if (m == NULL || cctx == NULL) {
        ngx_shmtx_unlock(&camcf->pool->mutex);
        return NGX_ERROR;
    }

    ngx_queue_remove(&e->lru);
    ngx_queue_insert_head(&camcf->sh->lru, &e->lru);

    ngx_shmtx_unlock(&camcf->pool->mutex);

    ngx_http_fanout_mc_count(camcf, HITS);

    cctx->mem = m;
    cctx->mem_hit = 1;

    r->content_handler = ngx_http_fanout_cache_send;

    return NGX_OK;
}


/* Under the lock: the entry's type, headers and body, in the pool. */
static ngx_http_fanout_mcopy_t *
ngx_http_fanout_cache_copy(ngx_pool_t *pool, ngx_http_fanout_mc_entry_t *e)
{
    size_t                    len;
    ngx_http_fanout_mcopy_t  *m;

    len = e->ctype_len + e->headers_len + e->body_len;

    /* the copy's description and its bytes: one allocation */
    m = ngx_palloc(pool, sizeof(ngx_http_fanout_mcopy_t) + len);
    if (m == NULL) {
        return NULL;
    }

    m->data = (u_char *) (m + 1);
    m->rewritten = 0;
    m->last_modified_time = e->last_modified_time;
    m->ctype_len = e->ctype_len;
    m->headers_len = e->headers_len;
    m->body_len = e->body_len;

    ngx_memcpy(m->data, e->data + e->sn.str.len, len);

    return m;
}


/* The content handler of a memory hit: the copy, as the proxy sent it. */
ngx_int_t
ngx_http_fanout_cache_send(ngx_http_request_t *r)
{
    ngx_int_t                     rc;
    ngx_buf_t                    *b;
    ngx_chain_t                   out;
    ngx_http_fanout_mcopy_t      *m;
    ngx_http_fanout_cache_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_fanout_cache_module);

    if (ctx == NULL || ctx->mem == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    m = ctx->mem;

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    if (ngx_http_fanout_cache_headers(r, m) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->allow_ranges = 1;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* stored bodies are never empty */
    b->pos = m->data + m->ctype_len + m->headers_len;
    b->last = b->pos + m->body_len;
    b->memory = 1;
    b->last_buf = 1;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


/*
 * The status, type and header records of the copy as r's headers_out
 * (without ETag and Last-Modified when its body is not theirs).
 */
ngx_int_t
ngx_http_fanout_cache_headers(ngx_http_request_t *r,
    ngx_http_fanout_mcopy_t *m)
{
    u_char                       *p, *end;
    ngx_table_elt_t              *h;
    ngx_http_fanout_mc_header_t   rec;

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = m->body_len;
    r->headers_out.last_modified_time = m->rewritten
                                        ? -1 : m->last_modified_time;

    if (m->ctype_len) {
        r->headers_out.content_type.data = m->data;
        r->headers_out.content_type.len = m->ctype_len;
        r->headers_out.content_type_len = m->ctype_len;
    }

    p = m->data + m->ctype_len;
    end = p + m->headers_len;

    while (p < end) {
        ngx_memcpy(&rec, p, sizeof(ngx_http_fanout_mc_header_t));
        p += sizeof(ngx_http_fanout_mc_header_t);

        if (m->rewritten && rec.flags) {
            p += 2 * rec.key_len + rec.value_len;
            continue;
        }

        h = ngx_list_push(&r->headers_out.headers);
        if (h == NULL) {
            return NGX_ERROR;
        }

        h->hash = 1;
        h->key.len = rec.key_len;
        h->key.data = p;
        p += rec.key_len;
        h->lowcase_key = p;
        p += rec.key_len;
        h->value.len = rec.value_len;
        h->value.data = p;
        p += rec.value_len;
#if (nginx_version >= 1023000)
        h->next = NULL;
#endif

        if (rec.flags == NGX_HTTP_FANOUT_MC_ETAG) {
            r->headers_out.etag = h;

        } else if (rec.flags == NGX_HTTP_FANOUT_MC_LAST_MOD) {
            r->headers_out.last_modified = h;
        }
    }

    return NGX_OK;
}


/*
 * The complete answer goes to the zone, fresh until its proxy cache entry
 * expires and at most fanout_playlist_cache_valid; a stale one (served
 * while the proxy cache refreshes it) or one the proxy cache does not keep
 * is not stored.
 */
void
ngx_http_fanout_cache_store(ngx_http_request_t *r,
    ngx_http_fanout_capture_t *cap)
{
#if (NGX_HTTP_CACHE)
    size_t                              len, size;
    uint32_t                            hash;
    uint64_t                            now, expires;
    ngx_http_fanout_mc_entry_t         *e;
    ngx_http_fanout_cache_loc_conf_t   *calcf;
    ngx_http_fanout_cache_main_conf_t  *camcf;

    if (r->cache == NULL || r->cache->valid_sec <= 0
        || !(r->cached || r->upstream->cacheable))
    {
        return;
    }

    calcf = ngx_http_get_module_loc_conf(r, ngx_http_fanout_cache_module);
    camcf = ngx_http_get_module_main_conf(r, ngx_http_fanout_cache_module);

    /* aged from the answer's arrival, not from the end of its wait */
    now = ngx_http_fanout_wall_msec();
    expires = ngx_min((uint64_t) (r->cache->valid_sec + 1) * 1000,
                      cap->wall + calcf->playlist_valid);

    if (expires <= now) {
        return;
    }

    len = cap->end - cap->data;
    size = offsetof(ngx_http_fanout_mc_entry_t, data) + cap->key.len + len;
    hash = ngx_crc32_short(cap->key.data, cap->key.len);

    ngx_shmtx_lock(&camcf->pool->mutex);

    if (ngx_http_fanout_cache_stored(r, cap, hash, expires, now)) {
        ngx_shmtx_unlock(&camcf->pool->mutex);
        return;
    }

    e = ngx_http_fanout_cache_alloc(camcf, size, now);

    if (e == NULL) {
        ngx_shmtx_unlock(&camcf->pool->mutex);
        ngx_http_fanout_mc_count(camcf, NO_ROOM);
        return;
    }

    e->sn.node.key = hash;
    e->sn.str.len = cap->key.len;
    e->sn.str.data = e->data;
    e->expires = expires;
    e->deadline = cap->msec + calcf->playlist_valid;
    e->proxy_expires = (uint64_t) (r->cache->valid_sec + 1) * 1000;
    e->gen = cap->gen;
    e->last_modified_time = cap->last_modified_time;
    e->size = size;
    e->ctype_len = cap->ctype_len;
    e->headers_len = cap->headers_len;
    e->body_len = cap->body_len;

    ngx_memcpy(e->data, cap->key.data, cap->key.len);
    ngx_memcpy(e->data + cap->key.len, cap->data, len);

    ngx_rbtree_insert(&camcf->sh->rbtree, &e->sn.node);
    ngx_queue_insert_head(&camcf->sh->lru, &e->lru);

    ngx_http_fanout_mc_gauge(camcf, ENTRIES, 1);
    ngx_http_fanout_mc_gauge(camcf, BYTES, size);

    ngx_shmtx_unlock(&camcf->pool->mutex);

    ngx_http_fanout_mc_count(camcf, STORES);

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "fanout: stored \"%V\" (%uz bytes) for %uLms",
                   &cap->key, len, expires - now);
#endif
}


/*
 * Under the lock: 1 when another worker stored the same answer, or a
 * newer one; an older copy of it is dropped, and so is the copy kept for
 * r's refresh ($fanout_playlist_refresh) when r is one.
 */
static ngx_uint_t
ngx_http_fanout_cache_stored(ngx_http_request_t *r,
    ngx_http_fanout_capture_t *cap, uint32_t hash, uint64_t expires,
    uint64_t now)
{
    ngx_uint_t                          refresh;
    ngx_http_fanout_mc_entry_t         *e;
    ngx_http_fanout_cache_ctx_t        *cctx;
    ngx_http_fanout_cache_main_conf_t  *camcf;

    camcf = ngx_http_get_module_main_conf(r, ngx_http_fanout_cache_module);
    cctx = ngx_http_get_module_ctx(r, ngx_http_fanout_cache_module);
    refresh = (cctx && cctx->refresh);

    e = (ngx_http_fanout_mc_entry_t *)
            ngx_str_rbtree_lookup(&camcf->sh->rbtree, &cap->key, hash);

    if (e == NULL) {
        return 0;
    }

    if (!refresh && e->gen == cap->gen && e->expires >= expires
        && !ngx_http_fanout_cache_expired(e, now))
    {
        return 1;
    }

    ngx_http_fanout_cache_delete(camcf, e);

    return 0;
}


/*
 * Under the lock: room for an entry of size bytes.  Expired copies at the
 * least recently used end go first; then, while there is no room, the
 * least recently used copies, a few at most.  NULL: no room.
 */
ngx_http_fanout_mc_entry_t *
ngx_http_fanout_cache_alloc(ngx_http_fanout_cache_main_conf_t *camcf,
    size_t size, uint64_t now)
{
    ngx_uint_t                   n;
    ngx_http_fanout_mc_entry_t  *e;

    ngx_http_fanout_cache_evict(camcf, now);

    for (n = 0; /* void */ ; n++) {
        e = ngx_slab_alloc_locked(camcf->pool, size);

        if (e) {
            return e;
        }

        if (n == NGX_HTTP_FANOUT_MC_EVICT || ngx_queue_empty(&camcf->sh->lru))
        {
            return NULL;
        }

        e = ngx_queue_data(ngx_queue_last(&camcf->sh->lru),
                           ngx_http_fanout_mc_entry_t, lru);

        if (e->expires > now) {
            ngx_http_fanout_mc_count(camcf, EVICTIONS);
        }

        ngx_http_fanout_cache_delete(camcf, e);
    }
}


static void
ngx_http_fanout_cache_delete(ngx_http_fanout_cache_main_conf_t *camcf,
    ngx_http_fanout_mc_entry_t *e)
{
    ngx_rbtree_delete(&camcf->sh->rbtree, &e->sn.node);
    ngx_queue_remove(&e->lru);

    ngx_http_fanout_mc_gauge(camcf, ENTRIES, (ngx_atomic_int_t) -1);
    ngx_http_fanout_mc_gauge(camcf, BYTES, -(ngx_atomic_int_t) e->size);

    ngx_slab_free_locked(camcf->pool, e);
}


/* Expired copies at the least recently used end, a few at most. */
static void
ngx_http_fanout_cache_evict(ngx_http_fanout_cache_main_conf_t *camcf,
    uint64_t now)
{
    ngx_uint_t                   n;
    ngx_queue_t                 *q, *prev;
    ngx_http_fanout_mc_entry_t  *e;

    n = 0;

    for (q = ngx_queue_last(&camcf->sh->lru);
         q != ngx_queue_sentinel(&camcf->sh->lru)
         && n < NGX_HTTP_FANOUT_MC_EVICT;
         q = prev)
    {
        prev = ngx_queue_prev(q);
        n++;

        e = ngx_queue_data(q, ngx_http_fanout_mc_entry_t, lru);

        if (ngx_http_fanout_cache_expired(e, now)) {
            ngx_http_fanout_cache_delete(camcf, e);
        }
    }
}
