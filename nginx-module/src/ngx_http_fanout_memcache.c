/*
 * ngx_http_fanout_memcache.c — HLS playlists and DASH MPDs served from
 * shared memory (fanout_playlist_cache).
 *
 * A playlist is small and asked for by every viewer every target
 * duration; nginx's proxy_cache hit path (key MD5, open, fstat, read and
 * parse of the cached header, upstream set-up, sendfile) costs half again
 * what a static file does.  So a copy of each playlist the proxy cache
 * holds lives in the zone fanout_playlists, and a request that finds a
 * fresh copy is answered from it by the module's own content handler:
 * no file, no upstream.
 *
 * Filling: a header and a body filter (ngx_http_fanout_memfill.c) copy
 * a 200 answer to a GET in such a location, as the proxy (a fresh origin fetch, or a proxy_cache hit)
 * sends it: its status, Content-Type and headers (Cache-Control, ETag,
 * Last-Modified...) and at most fanout_playlist_cache_max_size bytes of
 * body, whole (Content-Length known and matched).  Only what the proxy
 * cache keeps, and with its expiry: the copy is fresh until the proxy
 * cache entry it copies expires (r->cache->valid_sec, whole seconds, as
 * nginx checks it), and never longer than fanout_playlist_cache_valid
 * after it was stored.  So the memory never makes a playlist older than
 * proxy_cache alone would.
 *
 * The key is the proxy cache's own (edge.conf:
 * $fanout_origin/$fanout_session$uri); a response whose proxy_cache_key is anything else is
 * not copied.  Each copy also records the mapping's generation
 * (answer.gen), which changes when the stream moves to another origin or
 * session, or is found again after being lost (fanout_invalidate, gone):
 * a copy from before is never served again.
 *
 * The zone: a slab of entries (key, expiry, generation, headers, body) in
 * an rbtree and an LRU queue, one mutex.  A hit is one lock, one rbtree
 * walk and one copy into the request pool; a full zone drops expired,
 * then least recently used entries; no room only means no memory hit.
 */
#include "ngx_http_fanout_module.h"
#include "ngx_http_fanout_memcache.h"


/* A copy out of the zone, in the request pool. */
struct ngx_http_fanout_mcopy_s {
    u_char                     *data;       /* type, headers, body */
    time_t                      last_modified_time;
    uint32_t                    ctype_len;
    uint32_t                    headers_len;
    uint32_t                    body_len;
};


static ngx_int_t ngx_http_fanout_memcache_send(ngx_http_request_t *r);
static void ngx_http_fanout_memcache_delete(ngx_http_fanout_main_conf_t *fmcf,
    ngx_http_fanout_mc_entry_t *e);
static void ngx_http_fanout_memcache_evict(ngx_http_fanout_main_conf_t *fmcf,
    uint64_t now);
static ngx_int_t ngx_http_fanout_cache_status_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);


static ngx_str_t  ngx_http_fanout_cache_status_name =
    ngx_string("fanout_cache_status");
static ngx_str_t  ngx_http_fanout_mem = ngx_string("MEM");


typedef struct {
    ngx_str_t   name;
    size_t      offset;
} ngx_http_fanout_mc_stat_name_t;


#define ngx_http_fanout_mc_stat(name, field)                                  \
    { ngx_string(name), offsetof(ngx_http_fanout_mc_stats_t, field) }

static ngx_http_fanout_mc_stat_name_t  ngx_http_fanout_mc_stat_names[] = {
    ngx_http_fanout_mc_stat("playlist_hits", hits),
    ngx_http_fanout_mc_stat("playlist_misses", misses),
    ngx_http_fanout_mc_stat("playlist_stores", stores),
    ngx_http_fanout_mc_stat("playlist_too_big", too_big),
    ngx_http_fanout_mc_stat("playlist_no_room", no_room),
    ngx_http_fanout_mc_stat("playlist_evictions", evictions),
    ngx_http_fanout_mc_stat("playlist_entries", entries),
    ngx_http_fanout_mc_stat("playlist_bytes", bytes),
    { ngx_null_string, 0 }
};


/* Past its proxy cache entry's expiry, or its fanout_playlist_cache_valid. */
#define ngx_http_fanout_memcache_expired(e, now)                              \
    ((e)->expires <= (now)                                                    \
     || (ngx_msec_int_t) ((e)->deadline - ngx_current_msec) <= 0)


static ngx_inline uint64_t
ngx_http_fanout_wall_msec(void)
{
    ngx_time_t  *tp;

    tp = ngx_timeofday();

    return (uint64_t) tp->sec * 1000 + tp->msec;
}


ngx_int_t
ngx_http_fanout_memcache_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_fanout_main_conf_t  *ofmcf = data;

    size_t                        len;
    ngx_slab_pool_t              *pool;
    ngx_http_fanout_mcshctx_t    *sh;
    ngx_http_fanout_main_conf_t  *fmcf;

    fmcf = shm_zone->data;

    if (ofmcf && ofmcf->mcsh) {
        /* reload: the copies stay; they carry their own expiry */
        fmcf->mcsh = ofmcf->mcsh;
        fmcf->mcpool = ofmcf->mcpool;
        return NGX_OK;
    }

    pool = (ngx_slab_pool_t *) shm_zone->shm.addr;
    fmcf->mcpool = pool;

    if (shm_zone->shm.exists) {
        fmcf->mcsh = pool->data;
        return NGX_OK;
    }

    sh = ngx_slab_calloc(pool, sizeof(ngx_http_fanout_mcshctx_t));
    if (sh == NULL) {
        return NGX_ERROR;
    }

    ngx_rbtree_init(&sh->rbtree, &sh->sentinel, ngx_str_rbtree_insert_value);
    ngx_queue_init(&sh->lru);

    len = sizeof(" in fanout_playlist_cache_zone \"\"") + shm_zone->shm.name.len;

    pool->log_ctx = ngx_slab_alloc(pool, len);
    if (pool->log_ctx == NULL) {
        return NGX_ERROR;
    }

    ngx_sprintf(pool->log_ctx, " in fanout_playlist_cache_zone \"%V\"%Z",
                &shm_zone->shm.name);

    /* a full zone is handled: old copies go, or the answer is not kept */
    pool->log_nomem = 0;

    pool->data = sh;
    fmcf->mcsh = sh;

    return NGX_OK;
}


ngx_int_t
ngx_http_fanout_memcache_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var;

    var = ngx_http_add_variable(cf, &ngx_http_fanout_cache_status_name,
                                NGX_HTTP_VAR_NOCACHEABLE);
    if (var == NULL) {
        return NGX_ERROR;
    }

    var->get_handler = ngx_http_fanout_cache_status_variable;

    return NGX_OK;
}


/* merge_loc_conf: the location's fanout_playlist_cache_* values. */
char *
ngx_http_fanout_memcache_merge(ngx_conf_t *cf,
    ngx_http_fanout_loc_conf_t *prev, ngx_http_fanout_loc_conf_t *conf)
{
    ngx_http_fanout_main_conf_t  *fmcf;

    ngx_conf_merge_value(conf->playlist_cache, prev->playlist_cache, 0);
    ngx_conf_merge_size_value(conf->playlist_max_size,
                              prev->playlist_max_size, 64 * 1024);
    ngx_conf_merge_msec_value(conf->playlist_valid, prev->playlist_valid,
                              1000);

    /* a copy is held whole in the request pool while it is made */
    if (conf->playlist_max_size == 0
        || conf->playlist_max_size > 16 * 1024 * 1024)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"fanout_playlist_cache_max_size\" must be "
                           "1 to 16m");
        return NGX_CONF_ERROR;
    }

    if (conf->playlist_valid == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"fanout_playlist_cache_valid\" must be positive");
        return NGX_CONF_ERROR;
    }

    if (conf->lookup && conf->playlist_cache) {
        fmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_fanout_module);
        fmcf->mc_used = 1;
    }

    return NGX_CONF_OK;
}


/* postconfiguration: the filters, and the zone if a location uses it. */
ngx_int_t
ngx_http_fanout_memcache_init(ngx_conf_t *cf)
{
    static ngx_str_t              name = ngx_string("fanout_playlists");
    ngx_http_fanout_main_conf_t  *fmcf;

    fmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_fanout_module);

    if (fmcf->uri.data == NULL || !fmcf->mc_used) {
        return NGX_OK;
    }

    if (fmcf->mc_zone_size == NGX_CONF_UNSET_SIZE) {
        fmcf->mc_zone_size = 8 * 1024 * 1024;
    }

    if (fmcf->mc_zone_size < 8 * ngx_pagesize) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "\"fanout_playlist_cache_zone\" must be at least %uzk",
                      8 * ngx_pagesize / 1024);
        return NGX_ERROR;
    }

    fmcf->mc_zone = ngx_shared_memory_add(cf, &name, fmcf->mc_zone_size,
                                          &ngx_http_fanout_module);
    if (fmcf->mc_zone == NULL) {
        return NGX_ERROR;
    }

    fmcf->mc_zone->init = ngx_http_fanout_memcache_init_zone;
    fmcf->mc_zone->data = fmcf;

    ngx_http_fanout_memfill_init(cf);

    return NGX_OK;
}


/*
 * The precontent handler found the stream's mapping (not a fallback
 * origin).  NGX_OK: a fresh copy is in ctx->mem and the module's content
 * handler will send it; NGX_DECLINED: proxy as usual; NGX_ERROR.
 */
ngx_int_t
ngx_http_fanout_memcache_find(ngx_http_request_t *r,
    ngx_http_fanout_main_conf_t *fmcf, ngx_http_fanout_loc_conf_t *flcf,
    ngx_http_fanout_ctx_t *ctx)
{
    size_t                       len;
    uint32_t                     hash;
    uint64_t                     now;
    ngx_str_t                    key;
    ngx_http_fanout_mcopy_t     *m;
    ngx_http_fanout_mc_entry_t  *e;
    u_char                       buf[NGX_HTTP_FANOUT_MC_KEY_MAX];

    if (!flcf->playlist_cache
        || fmcf->mcsh == NULL
        || r != r->main
        || !(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))
        || (ctx->kind != NGX_HTTP_FANOUT_KIND_HLS
            && ctx->kind != NGX_HTTP_FANOUT_KIND_DASH))
    {
        return NGX_DECLINED;
    }

    key.data = buf;
    key.len = ngx_http_fanout_memcache_key(ctx, r, buf);

    if (key.len == 0) {
        return NGX_DECLINED;
    }

    hash = ngx_crc32_short(key.data, key.len);
    now = ngx_http_fanout_wall_msec();

    ngx_shmtx_lock(&fmcf->mcpool->mutex);

    e = (ngx_http_fanout_mc_entry_t *)
            ngx_str_rbtree_lookup(&fmcf->mcsh->rbtree, &key, hash);

    if (e && ngx_http_fanout_memcache_expired(e, now)) {
        ngx_http_fanout_memcache_delete(fmcf, e);
        e = NULL;
    }

    /* a copy made under another mapping of the stream is never served */
    if (e == NULL || e->gen != ctx->answer.gen) {
        ngx_shmtx_unlock(&fmcf->mcpool->mutex);
        ngx_http_fanout_mc_count(fmcf, misses);
        return NGX_DECLINED;
    }

    len = e->ctype_len + e->headers_len + e->body_len;

    /* the copy's description and its bytes: one allocation */
    m = ngx_palloc(r->pool, sizeof(ngx_http_fanout_mcopy_t) + len);
    if (m == NULL) {
        ngx_shmtx_unlock(&fmcf->mcpool->mutex);
        return NGX_ERROR;
    }

    m->data = (u_char *) (m + 1);
    m->last_modified_time = e->last_modified_time;
    m->ctype_len = e->ctype_len;
    m->headers_len = e->headers_len;
    m->body_len = e->body_len;

    ngx_memcpy(m->data, e->data + e->sn.str.len, len);

    ngx_queue_remove(&e->lru);
    ngx_queue_insert_head(&fmcf->mcsh->lru, &e->lru);

    ngx_shmtx_unlock(&fmcf->mcpool->mutex);

    ngx_http_fanout_mc_count(fmcf, hits);

    ctx->mem = m;
    ctx->mem_hit = 1;
    r->content_handler = ngx_http_fanout_memcache_send;

    return NGX_OK;
}


/* The content handler of a memory hit: the copy, as the proxy sent it. */
static ngx_int_t
ngx_http_fanout_memcache_send(ngx_http_request_t *r)
{
    u_char                       *p, *end;
    ngx_int_t                     rc;
    ngx_buf_t                    *b;
    ngx_chain_t                   out;
    ngx_table_elt_t              *h;
    ngx_http_fanout_ctx_t        *ctx;
    ngx_http_fanout_mcopy_t      *m;
    ngx_http_fanout_mc_header_t   rec;

    ctx = ngx_http_fanout_get_ctx(r);

    if (ctx == NULL || ctx->mem == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    m = ctx->mem;

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = m->body_len;
    r->headers_out.last_modified_time = m->last_modified_time;

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

        h = ngx_list_push(&r->headers_out.headers);
        if (h == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
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
    b->pos = end;
    b->last = end + m->body_len;
    b->memory = 1;
    b->last_buf = 1;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


/*
 * The complete answer goes to the zone, fresh until its proxy cache entry
 * expires and at most fanout_playlist_cache_valid; a stale one (served
 * while the proxy cache refreshes it) or one the proxy cache does not keep
 * is not stored.
 */
void
ngx_http_fanout_memcache_store(ngx_http_request_t *r,
    ngx_http_fanout_main_conf_t *fmcf, ngx_http_fanout_loc_conf_t *flcf,
    ngx_http_fanout_capture_t *cap)
{
#if (NGX_HTTP_CACHE)
    size_t                       len, size;
    uint32_t                     hash;
    uint64_t                     now, expires;
    ngx_uint_t                   n;
    ngx_http_fanout_mc_entry_t  *e;

    if (r->cache == NULL || r->cache->valid_sec <= 0
        || !(r->cached || r->upstream->cacheable))
    {
        return;
    }

    now = ngx_http_fanout_wall_msec();
    expires = ngx_min((uint64_t) (r->cache->valid_sec + 1) * 1000,
                      now + flcf->playlist_valid);

    if (expires <= now) {
        return;
    }

    len = cap->end - cap->data;
    size = offsetof(ngx_http_fanout_mc_entry_t, data) + cap->key.len + len;
    hash = ngx_crc32_short(cap->key.data, cap->key.len);

    ngx_shmtx_lock(&fmcf->mcpool->mutex);

    e = (ngx_http_fanout_mc_entry_t *)
            ngx_str_rbtree_lookup(&fmcf->mcsh->rbtree, &cap->key, hash);

    if (e) {
        if (e->gen == cap->gen && e->expires >= expires
            && !ngx_http_fanout_memcache_expired(e, now))
        {
            /* another worker stored the same answer, or a newer one */
            ngx_shmtx_unlock(&fmcf->mcpool->mutex);
            return;
        }

        ngx_http_fanout_memcache_delete(fmcf, e);
    }

    ngx_http_fanout_memcache_evict(fmcf, now);

    for (n = 0; /* void */ ; n++) {
        e = ngx_slab_alloc_locked(fmcf->mcpool, size);

        if (e) {
            break;
        }

        /* no room: the least recently used copies go, a few at most */
        if (n == NGX_HTTP_FANOUT_MC_EVICT
            || ngx_queue_empty(&fmcf->mcsh->lru))
        {
            ngx_shmtx_unlock(&fmcf->mcpool->mutex);
            ngx_http_fanout_mc_count(fmcf, no_room);
            return;
        }

        e = ngx_queue_data(ngx_queue_last(&fmcf->mcsh->lru),
                           ngx_http_fanout_mc_entry_t, lru);

        if (e->expires > now) {
            ngx_http_fanout_mc_count(fmcf, evictions);
        }

        ngx_http_fanout_memcache_delete(fmcf, e);
    }

    e->sn.node.key = hash;
    e->sn.str.len = cap->key.len;
    e->sn.str.data = e->data;
    e->expires = expires;
    e->deadline = ngx_current_msec + flcf->playlist_valid;
    e->gen = cap->gen;
    e->last_modified_time = cap->last_modified_time;
    e->size = size;
    e->ctype_len = cap->ctype_len;
    e->headers_len = cap->headers_len;
    e->body_len = cap->body_len;

    ngx_memcpy(e->data, cap->key.data, cap->key.len);
    ngx_memcpy(e->data + cap->key.len, cap->data, len);

    ngx_rbtree_insert(&fmcf->mcsh->rbtree, &e->sn.node);
    ngx_queue_insert_head(&fmcf->mcsh->lru, &e->lru);

    (void) ngx_atomic_fetch_add(&fmcf->mcsh->stats.entries, 1);
    (void) ngx_atomic_fetch_add(&fmcf->mcsh->stats.bytes, size);

    ngx_shmtx_unlock(&fmcf->mcpool->mutex);

    ngx_http_fanout_mc_count(fmcf, stores);

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "fanout: stored \"%V\" (%uz bytes) for %uLms",
                   &cap->key, len, expires - now);
#endif
}


/*
 * The key edge.conf gives proxy_cache_key: $fanout_origin/$fanout_session$uri
 * ("/" and the session's 8 hex digits between origin and path).
 */
size_t
ngx_http_fanout_memcache_key(ngx_http_fanout_ctx_t *ctx,
    ngx_http_request_t *r, u_char *buf)
{
    u_char  *p;

    if (ctx->answer.origin_len == 0
        || ctx->answer.origin_len + 1 + NGX_HTTP_FANOUT_SESSION_LEN
           + r->uri.len > NGX_HTTP_FANOUT_MC_KEY_MAX)
    {
        return 0;
    }

    p = ngx_cpymem(buf, ctx->answer.origin, ctx->answer.origin_len);
    *p++ = '/';
    p = ngx_http_fanout_session_hex(p, ctx->answer.session);
    p = ngx_cpymem(p, r->uri.data, r->uri.len);

    return p - buf;
}


static void
ngx_http_fanout_memcache_delete(ngx_http_fanout_main_conf_t *fmcf,
    ngx_http_fanout_mc_entry_t *e)
{
    ngx_rbtree_delete(&fmcf->mcsh->rbtree, &e->sn.node);
    ngx_queue_remove(&e->lru);

    (void) ngx_atomic_fetch_add(&fmcf->mcsh->stats.entries,
                                (ngx_atomic_int_t) -1);
    (void) ngx_atomic_fetch_add(&fmcf->mcsh->stats.bytes,
                                -(ngx_atomic_int_t) e->size);

    ngx_slab_free_locked(fmcf->mcpool, e);
}


/* Expired copies at the least recently used end, a few at most. */
static void
ngx_http_fanout_memcache_evict(ngx_http_fanout_main_conf_t *fmcf,
    uint64_t now)
{
    ngx_uint_t                   n;
    ngx_queue_t                 *q, *prev;
    ngx_http_fanout_mc_entry_t  *e;

    n = 0;

    for (q = ngx_queue_last(&fmcf->mcsh->lru);
         q != ngx_queue_sentinel(&fmcf->mcsh->lru)
         && n < NGX_HTTP_FANOUT_MC_EVICT;
         q = prev)
    {
        prev = ngx_queue_prev(q);
        n++;

        e = ngx_queue_data(q, ngx_http_fanout_mc_entry_t, lru);

        if (ngx_http_fanout_memcache_expired(e, now)) {
            ngx_http_fanout_memcache_delete(fmcf, e);
        }
    }
}


/* $fanout_cache_status: MEM for a memory hit, else $upstream_cache_status. */
static ngx_int_t
ngx_http_fanout_cache_status_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_uint_t              n;
    ngx_http_fanout_ctx_t  *ctx;

    ctx = ngx_http_fanout_get_ctx(r);

    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    if (ctx && ctx->mem_hit) {
        v->len = ngx_http_fanout_mem.len;
        v->data = ngx_http_fanout_mem.data;
        return NGX_OK;
    }

#if (NGX_HTTP_CACHE)
    if (r->upstream && r->upstream->cache_status) {
        n = r->upstream->cache_status - 1;
        v->len = ngx_http_cache_status[n].len;
        v->data = ngx_http_cache_status[n].data;
        return NGX_OK;
    }
#else
    (void) n;
#endif

    v->not_found = 1;

    return NGX_OK;
}


size_t
ngx_http_fanout_memcache_status_len(void)
{
    size_t                           len;
    ngx_http_fanout_mc_stat_name_t  *s;

    len = 0;

    for (s = ngx_http_fanout_mc_stat_names; s->name.len; s++) {
        len += s->name.len + 1 + NGX_ATOMIC_T_LEN + 1;
    }

    return len;
}


/* The zone's counters for fanout_status, if the zone exists. */
u_char *
ngx_http_fanout_memcache_status(ngx_http_fanout_main_conf_t *fmcf, u_char *p)
{
    ngx_atomic_t                    *value;
    ngx_http_fanout_mc_stat_name_t  *s;

    if (fmcf->mcsh == NULL) {
        return p;
    }

    for (s = ngx_http_fanout_mc_stat_names; s->name.len; s++) {
        value = (ngx_atomic_t *) ((u_char *) &fmcf->mcsh->stats + s->offset);
        p = ngx_sprintf(p, "%V %uA\n", &s->name, *value);
    }

    return p;
}
