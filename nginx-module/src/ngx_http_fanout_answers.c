/*
 * ngx_http_fanout_answers.c — the store's answers, shared by every worker.
 *
 * One slab zone (fanout_lookup_zone, named fanout_lookups) holds an
 * rbtree of entries keyed by "app/stream" (crc32 + bytes,
 * ngx_str_node_t) and an LRU queue.  An entry is the last answer of the store
 * for that stream, when it arrived, and who is looking it up right now:
 * that in-flight mark is what lets one lookup per stream run in the whole
 * edge.  Entries outlive their TTL on purpose: a mapping is served stale
 * while it is refreshed, and when the store fails.
 */
#include "ngx_http_fanout_lookup.h"


/* Unused entries go after this long (mappings much later: stale-if-error). */
#define NGX_HTTP_FANOUT_IDLE        60000
#define NGX_HTTP_FANOUT_KEEP        3600000

/*
 * How long ago `then` was.  Each worker caches its own ngx_current_msec,
 * and a stamp in the zone may come from a worker whose clock was read
 * later than this one's: that is "just now", not 49 days ago.
 */
#define ngx_http_fanout_since(now, then)                                      \
    ((ngx_msec_int_t) ((now) - (then)) > 0 ? (now) - (then) : 0)

#define ngx_http_fanout_gauge(lmcf, name, n)                                  \
    (void) ngx_atomic_fetch_add(&(lmcf)->metrics[NGX_HTTP_FANOUT_M_ ## name], \
                                n)


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
    ngx_http_fanout_answers_sh_t *sh, ngx_str_t *key, uint32_t hash);
static ngx_http_fanout_entry_t *ngx_http_fanout_entry_create(
    ngx_http_fanout_lookup_main_conf_t *lmcf, ngx_str_t *key, uint32_t hash,
    ngx_msec_t now);
static void ngx_http_fanout_entry_delete(
    ngx_http_fanout_lookup_main_conf_t *lmcf, ngx_http_fanout_entry_t *e);
static void ngx_http_fanout_expire(ngx_http_fanout_lookup_main_conf_t *lmcf,
    ngx_msec_t now, ngx_uint_t force);
static ngx_uint_t ngx_http_fanout_mark(
    ngx_http_fanout_lookup_main_conf_t *lmcf, ngx_http_fanout_entry_t *e,
    ngx_str_t *key, uint32_t hash, ngx_msec_t now);
static ngx_uint_t ngx_http_fanout_fresh(ngx_http_fanout_entry_t *e,
    ngx_msec_t ttl, ngx_msec_t negative_ttl, ngx_msec_t now);


ngx_int_t
ngx_http_fanout_answers_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_fanout_lookup_main_conf_t  *olmcf = data;

    ngx_http_fanout_lookup_main_conf_t  *lmcf;

    lmcf = shm_zone->data;

    if (olmcf) {
        /* reload: keep the answers and counters of the previous cycle */
        lmcf->sh = olmcf->sh;
        lmcf->shpool = olmcf->shpool;
        return NGX_OK;
    }

    lmcf->shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        lmcf->sh = lmcf->shpool->data;
        return NGX_OK;
    }

    lmcf->sh = ngx_slab_calloc(lmcf->shpool,
                               sizeof(ngx_http_fanout_answers_sh_t));
    if (lmcf->sh == NULL) {
        return NGX_ERROR;
    }

    lmcf->shpool->data = lmcf->sh;

    ngx_rbtree_init(&lmcf->sh->rbtree, &lmcf->sh->sentinel,
                    ngx_str_rbtree_insert_value);
    ngx_queue_init(&lmcf->sh->lru);

    /* a full zone is handled: the least recently used entries make room */
    return ngx_http_fanout_zone_log(shm_zone, "fanout_lookup_zone");
}


/*
 * The hit path: one lock, one rbtree walk, one copy into the request ctx.
 * No system call (the shmtx spins on an atomic; it only sleeps under
 * heavy contention) and no allocation.
 */
ngx_http_fanout_action_e
ngx_http_fanout_answer_get(ngx_http_fanout_lookup_main_conf_t *lmcf,
    ngx_str_t *key, uint32_t hash, ngx_msec_t ttl, ngx_msec_t negative_ttl,
    ngx_uint_t local, ngx_http_fanout_answer_t *answer, ngx_uint_t *token)
{
    ngx_msec_t                now;
    ngx_uint_t                stale;
    ngx_http_fanout_entry_t  *e;

    now = ngx_current_msec;
    stale = 0;

    ngx_shmtx_lock(&lmcf->shpool->mutex);

    e = ngx_http_fanout_entry_find(lmcf->sh, key, hash);

    if (e) {
        e->used = now;
        ngx_queue_remove(&e->lru);
        ngx_queue_insert_head(&lmcf->sh->lru, &e->lru);

        if (ngx_http_fanout_fresh(e, ttl, negative_ttl, now)) {
            *answer = e->answer;
            ngx_shmtx_unlock(&lmcf->shpool->mutex);
            return NGX_HTTP_FANOUT_ANSWERED;
        }

        if (e->answer.state == NGX_HTTP_FANOUT_FOUND) {
            /* stale-while-revalidate: the mapping is still the best bet */
            *answer = e->answer;
            answer->stale = 1;
            stale = 1;
        }
    }

    if (local) {
        ngx_shmtx_unlock(&lmcf->shpool->mutex);
        return stale ? NGX_HTTP_FANOUT_STALE : NGX_HTTP_FANOUT_WAIT_LOCAL;
    }

    if (e && e->token && e->owner != ngx_pid
        && ngx_http_fanout_since(now, e->inflight_since) < lmcf->timeout)
    {
        ngx_shmtx_unlock(&lmcf->shpool->mutex);
        return stale ? NGX_HTTP_FANOUT_STALE : NGX_HTTP_FANOUT_WAIT_REMOTE;
    }

    *token = ngx_http_fanout_mark(lmcf, e, key, hash, now);

    ngx_shmtx_unlock(&lmcf->shpool->mutex);

    return stale ? NGX_HTTP_FANOUT_STALE_START : NGX_HTTP_FANOUT_START;
}


/*
 * Under the lock: the caller looks key up; its in-flight mark, on e or a
 * new entry (none if the zone has no room), is the token returned.  A
 * mark left by a worker that died or hung is taken over.
 */
static ngx_uint_t
ngx_http_fanout_mark(ngx_http_fanout_lookup_main_conf_t *lmcf,
    ngx_http_fanout_entry_t *e, ngx_str_t *key, uint32_t hash, ngx_msec_t now)
{
    ngx_uint_t  token;

    if (e == NULL) {
        e = ngx_http_fanout_entry_create(lmcf, key, hash, now);

        if (e) {
            ngx_http_fanout_gauge(lmcf, INFLIGHT, 1);
        }

    } else if (e->token) {
        ngx_http_fanout_count(lmcf->metrics, NGX_HTTP_FANOUT_M_TAKEOVERS);

    } else {
        ngx_http_fanout_gauge(lmcf, INFLIGHT, 1);
    }

    token = ++lmcf->sh->version;

    if (e) {
        e->token = token;
        e->inflight_since = now;
        e->owner = ngx_pid;
    }

    return token;
}


/*
 * Records the store's answer for key and clears the in-flight mark of the
 * lookup that got it (token).  A store error keeps a known mapping, marked
 * stale (stale-if-error).  *out is what the zone now says.
 */
void
ngx_http_fanout_answer_put(ngx_http_fanout_lookup_main_conf_t *lmcf,
    ngx_str_t *key, uint32_t hash, ngx_uint_t token,
    ngx_http_fanout_answer_t *result, ngx_http_fanout_answer_t *out)
{
    ngx_msec_t                     now;
    ngx_uint_t                     was_found, gen;
    ngx_http_fanout_entry_t       *e;
    ngx_http_fanout_answers_sh_t  *sh;

    sh = lmcf->sh;
    now = ngx_current_msec;

    ngx_shmtx_lock(&lmcf->shpool->mutex);

    e = ngx_http_fanout_entry_find(sh, key, hash);

    if (e == NULL) {
        e = ngx_http_fanout_entry_create(lmcf, key, hash, now);

        if (e == NULL) {
            *out = *result;
            out->version = ++sh->version;
            out->gen = out->version;
            ngx_shmtx_unlock(&lmcf->shpool->mutex);
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
            ngx_http_fanout_gauge(lmcf, MAPPED,
                                  was_found ? (ngx_atomic_int_t) -1 : 1);
        }
    }

    e->updated = now;

    if (token && e->token == token) {
        e->token = 0;
        ngx_http_fanout_gauge(lmcf, INFLIGHT, (ngx_atomic_int_t) -1);
    }

    *out = e->answer;

    ngx_shmtx_unlock(&lmcf->shpool->mutex);
}


/*
 * Drops the mapping a request was proxied with (version), unless it has
 * been replaced since: a thousand requests failing on one dead origin
 * cause one invalidation, and one lookup.
 */
void
ngx_http_fanout_answer_invalidate(ngx_http_fanout_lookup_main_conf_t *lmcf,
    ngx_str_t *key, uint32_t hash, ngx_uint_t version)
{
    ngx_http_fanout_entry_t  *e;

    ngx_shmtx_lock(&lmcf->shpool->mutex);

    e = ngx_http_fanout_entry_find(lmcf->sh, key, hash);

    if (e && e->answer.state == NGX_HTTP_FANOUT_FOUND
        && e->answer.version == version)
    {
        e->answer.state = NGX_HTTP_FANOUT_EMPTY;
        e->answer.stale = 0;
        e->answer.origin_len = 0;
        ngx_http_fanout_gauge(lmcf, MAPPED, (ngx_atomic_int_t) -1);
        ngx_http_fanout_count(lmcf->metrics, NGX_HTTP_FANOUT_M_INVALIDATIONS);
    }

    ngx_shmtx_unlock(&lmcf->shpool->mutex);
}


static ngx_uint_t
ngx_http_fanout_fresh(ngx_http_fanout_entry_t *e, ngx_msec_t ttl,
    ngx_msec_t negative_ttl, ngx_msec_t now)
{
    ngx_msec_t  age;

    age = ngx_http_fanout_since(now, e->updated);

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
ngx_http_fanout_entry_find(ngx_http_fanout_answers_sh_t *sh, ngx_str_t *key,
    uint32_t hash)
{
    return (ngx_http_fanout_entry_t *) ngx_str_rbtree_lookup(&sh->rbtree, key,
                                                             hash);
}


static ngx_http_fanout_entry_t *
ngx_http_fanout_entry_create(ngx_http_fanout_lookup_main_conf_t *lmcf,
    ngx_str_t *key, uint32_t hash, ngx_msec_t now)
{
    size_t                    size;
    ngx_http_fanout_entry_t  *e;

    size = offsetof(ngx_http_fanout_entry_t, key) + key->len;

    ngx_http_fanout_expire(lmcf, now, 0);

    e = ngx_slab_alloc_locked(lmcf->shpool, size);

    if (e == NULL) {
        ngx_http_fanout_expire(lmcf, now, 1);

        e = ngx_slab_alloc_locked(lmcf->shpool, size);
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

    ngx_rbtree_insert(&lmcf->sh->rbtree, &e->sn.node);
    ngx_queue_insert_head(&lmcf->sh->lru, &e->lru);

    ngx_http_fanout_gauge(lmcf, ENTRIES, 1);

    return e;
}


static void
ngx_http_fanout_entry_delete(ngx_http_fanout_lookup_main_conf_t *lmcf,
    ngx_http_fanout_entry_t *e)
{
    ngx_rbtree_delete(&lmcf->sh->rbtree, &e->sn.node);
    ngx_queue_remove(&e->lru);

    if (e->answer.state == NGX_HTTP_FANOUT_FOUND) {
        ngx_http_fanout_gauge(lmcf, MAPPED, (ngx_atomic_int_t) -1);
    }

    ngx_http_fanout_gauge(lmcf, ENTRIES, (ngx_atomic_int_t) -1);

    ngx_slab_free_locked(lmcf->shpool, e);
}


/*
 * From the least recently used end: without force, drop up to two entries
 * nobody asked for in a long while; with force (the zone is full), drop
 * the oldest ones whatever they hold.  Never an entry being looked up.
 */
static void
ngx_http_fanout_expire(ngx_http_fanout_lookup_main_conf_t *lmcf,
    ngx_msec_t now, ngx_uint_t force)
{
    ngx_uint_t                visited, dropped;
    ngx_msec_t                idle;
    ngx_queue_t              *q, *prev;
    ngx_http_fanout_entry_t  *e;

    dropped = 0;
    visited = 0;

    for (q = ngx_queue_last(&lmcf->sh->lru);
         q != ngx_queue_sentinel(&lmcf->sh->lru) && visited < 16;
         q = prev)
    {
        prev = ngx_queue_prev(q);
        visited++;

        e = ngx_queue_data(q, ngx_http_fanout_entry_t, lru);

        if (e->token) {
            continue;
        }

        if (!force) {
            idle = ngx_http_fanout_since(now, e->used);

            if (idle < NGX_HTTP_FANOUT_IDLE
                || (e->answer.state == NGX_HTTP_FANOUT_FOUND
                    && idle < NGX_HTTP_FANOUT_KEEP))
            {
                return;
            }
        }

        ngx_http_fanout_entry_delete(lmcf, e);

        if (++dropped == 2) {
            return;
        }
    }
}
