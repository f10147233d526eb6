/*
 * ngx_http_fanout_shm.c — the answer cache every worker shares.
 *
 * One slab zone (fanout_cache_zone) holds an rbtree of entries keyed by
 * "app/stream" (crc32 + bytes, ngx_str_node_t), an LRU queue, and the
 * counters fanout_status prints.  An entry is the last answer of the store
 * for that stream, when it arrived, and who is looking it up right now:
 * that in-flight mark is what lets one lookup per stream run in the whole
 * edge.  Entries outlive their TTL on purpose: a mapping is served stale
 * while it is refreshed, and when the store fails.
 */
#include "ngx_http_fanout_module.h"


/* Unused entries go after this long (mappings much later: stale-if-error). */
#define NGX_HTTP_FANOUT_IDLE        60000
#define NGX_HTTP_FANOUT_KEEP        3600000


typedef struct {
    ngx_str_node_t              sn;         /* key: "app/stream" */
    ngx_queue_t                 lru;
    ngx_msec_t                  updated;    /* when the answer arrived */
    ngx_msec_t                  used;
    ngx_msec_t                  inflight_since;
    ngx_uint_t                  token;      /* lookup in flight; 0: none */
    ngx_pid_t                   owner;      /* the worker running it */
    ngx_http_fanout_answer_t    answer;
    u_char                      key[1];
} ngx_http_fanout_entry_t;


static ngx_http_fanout_entry_t *ngx_http_fanout_entry_find(
    ngx_http_fanout_shctx_t *sh, ngx_str_t *key, uint32_t hash);
static ngx_http_fanout_entry_t *ngx_http_fanout_entry_create(
    ngx_http_fanout_main_conf_t *fmcf, ngx_str_t *key, uint32_t hash,
    ngx_msec_t now);
static void ngx_http_fanout_entry_delete(ngx_http_fanout_main_conf_t *fmcf,
    ngx_http_fanout_entry_t *e);
static void ngx_http_fanout_expire(ngx_http_fanout_main_conf_t *fmcf,
    ngx_msec_t now, ngx_uint_t force);
static ngx_uint_t ngx_http_fanout_fresh(ngx_http_fanout_entry_t *e,
    ngx_msec_t ttl, ngx_msec_t negative_ttl, ngx_msec_t now);


ngx_int_t
ngx_http_fanout_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_fanout_main_conf_t  *ofmcf = data;

    size_t                        len;
    ngx_http_fanout_main_conf_t  *fmcf;

    fmcf = shm_zone->data;

    if (ofmcf) {
        /* reload: keep the answers and counters of the previous cycle */
        fmcf->sh = ofmcf->sh;
        fmcf->shpool = ofmcf->shpool;
        return NGX_OK;
    }

    fmcf->shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        fmcf->sh = fmcf->shpool->data;
        return NGX_OK;
    }

    fmcf->sh = ngx_slab_calloc(fmcf->shpool, sizeof(ngx_http_fanout_shctx_t));
    if (fmcf->sh == NULL) {
        return NGX_ERROR;
    }

    fmcf->shpool->data = fmcf->sh;

    ngx_rbtree_init(&fmcf->sh->rbtree, &fmcf->sh->sentinel,
                    ngx_str_rbtree_insert_value);
    ngx_queue_init(&fmcf->sh->lru);

    len = sizeof(" in fanout_cache_zone \"\"") + shm_zone->shm.name.len;

    fmcf->shpool->log_ctx = ngx_slab_alloc(fmcf->shpool, len);
    if (fmcf->shpool->log_ctx == NULL) {
        return NGX_ERROR;
    }

    ngx_sprintf(fmcf->shpool->log_ctx, " in fanout_cache_zone \"%V\"%Z",
                &shm_zone->shm.name);

    /* a full zone is handled: the least recently used entries make room */
    fmcf->shpool->log_nomem = 0;

    return NGX_OK;
}


/*
 * The cache-hit path: one lock, one rbtree walk, one copy into the request
 * ctx.  No system call (the shmtx spins on an atomic; it only sleeps under
 * heavy contention) and no allocation.
 */
ngx_http_fanout_action_e
ngx_http_fanout_cache_get(ngx_http_fanout_main_conf_t *fmcf, ngx_str_t *key,
    uint32_t hash, ngx_msec_t ttl, ngx_msec_t negative_ttl, ngx_uint_t local,
    ngx_http_fanout_answer_t *answer, ngx_uint_t *token)
{
    ngx_msec_t                now;
    ngx_uint_t                stale;
    ngx_http_fanout_entry_t  *e;
    ngx_http_fanout_shctx_t  *sh;

    sh = fmcf->sh;
    now = ngx_current_msec;
    stale = 0;

    ngx_shmtx_lock(&fmcf->shpool->mutex);

    e = ngx_http_fanout_entry_find(sh, key, hash);

    if (e) {
        e->used = now;
        ngx_queue_remove(&e->lru);
        ngx_queue_insert_head(&sh->lru, &e->lru);

        if (ngx_http_fanout_fresh(e, ttl, negative_ttl, now)) {
            *answer = e->answer;
            ngx_shmtx_unlock(&fmcf->shpool->mutex);
            return NGX_HTTP_FANOUT_ANSWERED;
        }

        if (e->answer.state == NGX_HTTP_FANOUT_FOUND) {
            /* stale-while-revalidate: the mapping is still the best bet */
            *answer = e->answer;
            answer->stale = 1;
            stale = 1;
        }

        if (local) {
            ngx_shmtx_unlock(&fmcf->shpool->mutex);
            return stale ? NGX_HTTP_FANOUT_STALE : NGX_HTTP_FANOUT_WAIT_LOCAL;
        }

        if (e->token) {
            if (e->owner != ngx_pid
                && now - e->inflight_since < fmcf->lookup_timeout)
            {
                ngx_shmtx_unlock(&fmcf->shpool->mutex);
                return stale ? NGX_HTTP_FANOUT_STALE
                             : NGX_HTTP_FANOUT_WAIT_REMOTE;
            }

            /* its worker died or hung: this request takes the lookup over */
            ngx_http_fanout_count(fmcf, takeovers);

        } else {
            (void) ngx_atomic_fetch_add(&sh->stats.inflight, 1);
        }

    } else {
        if (local) {
            ngx_shmtx_unlock(&fmcf->shpool->mutex);
            return NGX_HTTP_FANOUT_WAIT_LOCAL;
        }

        e = ngx_http_fanout_entry_create(fmcf, key, hash, now);

        if (e) {
            (void) ngx_atomic_fetch_add(&sh->stats.inflight, 1);
        }
    }

    *token = ++sh->version;

    if (e) {
        e->token = *token;
        e->inflight_since = now;
        e->owner = ngx_pid;
    }

    ngx_shmtx_unlock(&fmcf->shpool->mutex);

    return stale ? NGX_HTTP_FANOUT_STALE_START : NGX_HTTP_FANOUT_START;
}


/*
 * Records the store's answer for key and clears the in-flight mark of the
 * lookup that got it (token).  A store error keeps a known mapping, marked
 * stale (stale-if-error).  *out is what the cache now says.
 */
void
ngx_http_fanout_cache_put(ngx_http_fanout_main_conf_t *fmcf, ngx_str_t *key,
    uint32_t hash, ngx_uint_t token, ngx_http_fanout_answer_t *result,
    ngx_http_fanout_answer_t *out)
{
    ngx_msec_t                now;
    ngx_uint_t                was_found, gen;
    ngx_http_fanout_entry_t  *e;
    ngx_http_fanout_shctx_t  *sh;

    sh = fmcf->sh;
    now = ngx_current_msec;

    ngx_shmtx_lock(&fmcf->shpool->mutex);

    e = ngx_http_fanout_entry_find(sh, key, hash);

    if (e == NULL) {
        e = ngx_http_fanout_entry_create(fmcf, key, hash, now);

        if (e == NULL) {
            *out = *result;
            out->version = ++sh->version;
            out->gen = out->version;
            ngx_shmtx_unlock(&fmcf->shpool->mutex);
            return;
        }
    }

    was_found = (e->answer.state == NGX_HTTP_FANOUT_FOUND);

    if (result->state == NGX_HTTP_FANOUT_ERROR && was_found) {
        e->answer.stale = 1;

    } else {
        /* the playlists stored under the old mapping are not served again */
        if (result->state == NGX_HTTP_FANOUT_FOUND
            && was_found
            && e->answer.session == result->session
            && e->answer.origin_len == result->origin_len
            && ngx_memcmp(e->answer.origin, result->origin,
                          result->origin_len) == 0)
        {
            gen = e->answer.gen;

        } else {
            gen = ++sh->version;
        }

        e->answer = *result;
        e->answer.stale = 0;
        e->answer.version = ++sh->version;
        e->answer.gen = gen;

        if (was_found != (result->state == NGX_HTTP_FANOUT_FOUND)) {
            (void) ngx_atomic_fetch_add(&sh->stats.mapped,
                                        was_found ? (ngx_atomic_int_t) -1 : 1);
        }
    }

    e->updated = now;

    if (token && e->token == token) {
        e->token = 0;
        (void) ngx_atomic_fetch_add(&sh->stats.inflight, (ngx_atomic_int_t) -1);
    }

    *out = e->answer;

    ngx_shmtx_unlock(&fmcf->shpool->mutex);
}


/*
 * Drops the mapping a request was proxied with (version), unless it has
 * been replaced since: a thousand requests failing on one dead origin
 * cause one invalidation, and one lookup.
 */
void
ngx_http_fanout_cache_invalidate(ngx_http_fanout_main_conf_t *fmcf,
    ngx_str_t *key, uint32_t hash, ngx_uint_t version)
{
    ngx_http_fanout_entry_t  *e;

    ngx_shmtx_lock(&fmcf->shpool->mutex);

    e = ngx_http_fanout_entry_find(fmcf->sh, key, hash);

    if (e && e->answer.state == NGX_HTTP_FANOUT_FOUND
        && e->answer.version == version)
    {
        e->answer.state = NGX_HTTP_FANOUT_EMPTY;
        e->answer.stale = 0;
        e->answer.origin_len = 0;
        (void) ngx_atomic_fetch_add(&fmcf->sh->stats.mapped,
                                    (ngx_atomic_int_t) -1);
        ngx_http_fanout_count(fmcf, invalidations);
    }

    ngx_shmtx_unlock(&fmcf->shpool->mutex);
}


static ngx_uint_t
ngx_http_fanout_fresh(ngx_http_fanout_entry_t *e, ngx_msec_t ttl,
    ngx_msec_t negative_ttl, ngx_msec_t now)
{
    ngx_msec_t  age;

    age = now - e->updated;

    switch (e->answer.state) {

    case NGX_HTTP_FANOUT_FOUND:
        /* after a store error, ask again only every negative TTL */
        return age < (e->answer.stale ? negative_ttl : ttl);

    case NGX_HTTP_FANOUT_GONE:
    case NGX_HTTP_FANOUT_ERROR:
        return age < negative_ttl;

    default:
        return 0;
    }
}


static ngx_http_fanout_entry_t *
ngx_http_fanout_entry_find(ngx_http_fanout_shctx_t *sh, ngx_str_t *key,
    uint32_t hash)
{
    return (ngx_http_fanout_entry_t *) ngx_str_rbtree_lookup(&sh->rbtree, key,
                                                             hash);
}


static ngx_http_fanout_entry_t *
ngx_http_fanout_entry_create(ngx_http_fanout_main_conf_t *fmcf,
    ngx_str_t *key, uint32_t hash, ngx_msec_t now)
{
    size_t                    size;
    ngx_http_fanout_entry_t  *e;

    size = offsetof(ngx_http_fanout_entry_t, key) + key->len;

    ngx_http_fanout_expire(fmcf, now, 0);

    e = ngx_slab_alloc_locked(fmcf->shpool, size);

    if (e == NULL) {
        ngx_http_fanout_expire(fmcf, now, 1);

        e = ngx_slab_alloc_locked(fmcf->shpool, size);
        if (e == NULL) {
            return NULL;
        }
    }

    ngx_memzero(e, offsetof(ngx_http_fanout_entry_t, key));
    ngx_memcpy(e->key, key->data, key->len);

    e->sn.node.key = hash;
    e->sn.str.len = key->len;
    e->sn.str.data = e->key;
    e->used = now;

    ngx_rbtree_insert(&fmcf->sh->rbtree, &e->sn.node);
    ngx_queue_insert_head(&fmcf->sh->lru, &e->lru);

    (void) ngx_atomic_fetch_add(&fmcf->sh->stats.entries, 1);

    return e;
}


static void
ngx_http_fanout_entry_delete(ngx_http_fanout_main_conf_t *fmcf,
    ngx_http_fanout_entry_t *e)
{
    ngx_rbtree_delete(&fmcf->sh->rbtree, &e->sn.node);
    ngx_queue_remove(&e->lru);

    if (e->answer.state == NGX_HTTP_FANOUT_FOUND) {
        (void) ngx_atomic_fetch_add(&fmcf->sh->stats.mapped,
                                    (ngx_atomic_int_t) -1);
    }

    (void) ngx_atomic_fetch_add(&fmcf->sh->stats.entries,
                                (ngx_atomic_int_t) -1);

    ngx_slab_free_locked(fmcf->shpool, e);
}


/*
 * From the least recently used end: without force, drop up to two entries
 * nobody asked for in a long while; with force (the zone is full), drop
 * the oldest ones whatever they hold.  Never an entry being looked up.
 */
static void
ngx_http_fanout_expire(ngx_http_fanout_main_conf_t *fmcf, ngx_msec_t now,
    ngx_uint_t force)
{
    ngx_uint_t                visited, dropped;
    ngx_msec_t                idle;
    ngx_queue_t              *q, *prev;
    ngx_http_fanout_entry_t  *e;

    dropped = 0;
    visited = 0;

    for (q = ngx_queue_last(&fmcf->sh->lru);
         q != ngx_queue_sentinel(&fmcf->sh->lru) && visited < 16;
         q = prev)
    {
        prev = ngx_queue_prev(q);
        visited++;

        e = ngx_queue_data(q, ngx_http_fanout_entry_t, lru);

        if (e->token) {
            continue;
        }

        if (!force) {
            idle = now - e->used;

            if (idle < NGX_HTTP_FANOUT_IDLE
                || (e->answer.state == NGX_HTTP_FANOUT_FOUND
                    && idle < NGX_HTTP_FANOUT_KEEP))
            {
                return;
            }
        }

        ngx_http_fanout_entry_delete(fmcf, e);

        if (++dropped == 2) {
            return;
        }
    }
}
