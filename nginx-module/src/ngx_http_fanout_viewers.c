/*
 * ngx_http_fanout_viewers.c — distinct HLS and DASH viewers per stream.
 *
 * A log-phase handler records each playlist or MPD the edge served (a
 * GET answered 200 or 304 from the stream's origin, $fanout_kind hls or
 * dash): a 64-bit hash of (stream, kind, viewer) and the time, in the
 * shared zone fanout_viewers.  The viewer is the first non-empty query
 * argument named by fanout_viewer_args (default: sid, session, token),
 * else the client address and User-Agent.  A viewer is live while it
 * polled within fanout_viewer_window.
 *
 * The zone: a fixed table of viewer entries (3/4 of it), 32 entries per
 * bucket, and an rbtree of stream nodes in the rest (slab).  Recording is
 * one lock, one rbtree lookup and one bucket scan: no system call, no
 * allocation except a new stream's node in the slab.  Eviction: a new
 * viewer takes a free or expired entry of its bucket, else the least
 * recently seen one (viewer_evictions).  A stream that finds no room for
 * its node is not counted (viewer_streams_full).
 *
 * Worker 0, on its heartbeat timer (every fanout_update_period), posts
 * one thread-pool task that counts the live entries of each stream and
 * clears expired ones (the whole table: on the event loop that would stall
 * the worker, 2.5 ms for a 4m zone), then calls fo_viewers_report for
 * every stream with viewers, and with zeros for a stream whose viewers
 * left (until the store took it, at most NGX_HTTP_FANOUT_ZERO_TRIES
 * periods).  Only then is the stream's node freed.  The thread takes the
 * zone's lock per chunk of entries: a worker recording a viewer waits for
 * one chunk at most.
 */
#include "ngx_http_fanout_module.h"


#define NGX_HTTP_FANOUT_WAYS        32      /* viewer entries per bucket */
#define NGX_HTTP_FANOUT_CHUNK       1024    /* entries counted per lock */
#define NGX_HTTP_FANOUT_ZERO_TRIES  3
#define NGX_HTTP_FANOUT_HLS         0
#define NGX_HTTP_FANOUT_DASH        1


/* 16 bytes: a 1m zone holds ~49k viewers. */
typedef struct {
    uint64_t                    key;        /* 0: free */
    uint32_t                    seen;       /* (uint32_t) ngx_current_msec */
    uint32_t                    stream;     /* node offset in zone | kind */
} ngx_http_fanout_viewer_t;


typedef struct {
    ngx_str_node_t              sn;         /* "app/stream" */
    ngx_queue_t                 queue;      /* vsh->streams */
    uint32_t                    seen;       /* >= every viewer's seen */
    uint32_t                    live[2];    /* at the last count */
    uint32_t                    counting[2];
    ngx_uint_t                  zero_tries; /* zero reports still due */
    u_char                      key[1];
} ngx_http_fanout_vstream_t;


struct ngx_http_fanout_vshctx_s {
    ngx_rbtree_t                rbtree;
    ngx_rbtree_node_t           sentinel;
    ngx_queue_t                 streams;
    ngx_uint_t                  nstreams;
    ngx_uint_t                  max_streams;
    ngx_uint_t                  nbuckets;
    ngx_http_fanout_viewer_t   *viewers;    /* nbuckets * WAYS */
};


typedef struct {
    size_t                      key_len;
    u_char                      key[NGX_HTTP_FANOUT_KEY_MAX];
    uint32_t                    hash;
    int64_t                     live[2];
    fo_status                   rc;         /* FO_ERR until sent */
} ngx_http_fanout_report_t;


/* Worker 0's reporter; the task owns what follows busy while it runs. */
struct ngx_http_fanout_reporter_s {
    ngx_thread_task_t           task;
    ngx_http_fanout_main_conf_t *fmcf;
    ngx_uint_t                  cap;
    ngx_uint_t                  busy;
    ngx_uint_t                  failing;

    uint32_t                    now;        /* the tick's ngx_current_msec */
    ngx_http_fanout_report_t   *reports;
    ngx_uint_t                  nreports;
    ngx_uint_t                  errors;
    fo_error                    err;
};


static uint64_t ngx_http_fanout_viewer_key(ngx_http_request_t *r,
    ngx_http_fanout_loc_conf_t *flcf, ngx_http_fanout_ctx_t *ctx,
    ngx_uint_t kind);
static void ngx_http_fanout_viewers_record(ngx_http_fanout_main_conf_t *fmcf,
    ngx_str_t *skey, uint32_t shash, ngx_uint_t kind, uint64_t vkey);
static ngx_http_fanout_vstream_t *ngx_http_fanout_vstream_get(
    ngx_http_fanout_main_conf_t *fmcf, ngx_str_t *key, uint32_t hash);
static void ngx_http_fanout_vstream_free(ngx_http_fanout_main_conf_t *fmcf,
    ngx_http_fanout_vstream_t *st);
static void ngx_http_fanout_viewers_count(ngx_http_fanout_reporter_t *rp);
static void ngx_http_fanout_report_thread(void *data, ngx_log_t *log);
static void ngx_http_fanout_report_done(ngx_event_t *ev);


/* The viewer's time is past the window (signed: another worker's cached
 * clock may be a little ahead of ours). */
#define ngx_http_fanout_expired(now, seen, window)                            \
    ((int32_t) ((uint32_t) (now) - (seen)) >= (int32_t) (window))


ngx_int_t
ngx_http_fanout_viewers_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_fanout_main_conf_t  *ofmcf = data;

    size_t                        free, len;
    ngx_uint_t                    nviewers;
    ngx_slab_pool_t              *pool;
    ngx_http_fanout_vshctx_t     *vsh;
    ngx_http_fanout_main_conf_t  *fmcf;

    fmcf = shm_zone->data;

    if (ofmcf) {
        /* reload: the viewers seen so far stay counted */
        fmcf->vsh = ofmcf->vsh;
        fmcf->vpool = ofmcf->vpool;
        return NGX_OK;
    }

    pool = (ngx_slab_pool_t *) shm_zone->shm.addr;
    fmcf->vpool = pool;

    if (shm_zone->shm.exists) {
        fmcf->vsh = pool->data;
        return NGX_OK;
    }

    vsh = ngx_slab_calloc(pool, sizeof(ngx_http_fanout_vshctx_t));
    if (vsh == NULL) {
        return NGX_ERROR;
    }

    ngx_rbtree_init(&vsh->rbtree, &vsh->sentinel, ngx_str_rbtree_insert_value);
    ngx_queue_init(&vsh->streams);

    len = sizeof(" in fanout_viewer_zone \"\"") + shm_zone->shm.name.len;

    pool->log_ctx = ngx_slab_alloc(pool, len);
    if (pool->log_ctx == NULL) {
        return NGX_ERROR;
    }

    ngx_sprintf(pool->log_ctx, " in fanout_viewer_zone \"%V\"%Z",
                &shm_zone->shm.name);

    /* a full zone is handled: the stream is not counted, and said so */
    pool->log_nomem = 0;

    /* 3/4 of the free pages for viewers, the rest for stream nodes */
    free = pool->pfree * ngx_pagesize;

    nviewers = free / 4 * 3 / sizeof(ngx_http_fanout_viewer_t);
    vsh->nbuckets = nviewers / NGX_HTTP_FANOUT_WAYS;

    if (vsh->nbuckets == 0) {
        return NGX_ERROR;
    }

    vsh->viewers = ngx_slab_calloc(pool, vsh->nbuckets * NGX_HTTP_FANOUT_WAYS
                                         * sizeof(ngx_http_fanout_viewer_t));
    if (vsh->viewers == NULL) {
        return NGX_ERROR;
    }

    /* nodes take 128 bytes of slab for ordinary names, 512 at most */
    vsh->max_streams = ngx_max(pool->pfree * ngx_pagesize / 128, 1);

    pool->data = vsh;
    fmcf->vsh = vsh;

    return NGX_OK;
}


/*
 * The log phase.  Cheap for everything that is not a playlist: a few
 * comparisons.  For a playlist: the viewer's hash (no allocation:
 * ngx_http_arg points into the request line) and one record.
 */
ngx_int_t
ngx_http_fanout_viewers_handler(ngx_http_request_t *r)
{
    ngx_uint_t                    kind;
    ngx_http_fanout_ctx_t        *ctx;
    ngx_http_fanout_loc_conf_t   *flcf;
    ngx_http_fanout_main_conf_t  *fmcf;

    if (r != r->main || r->method != NGX_HTTP_GET) {
        return NGX_OK;
    }

    if (r->headers_out.status != NGX_HTTP_OK
        && r->headers_out.status != NGX_HTTP_NOT_MODIFIED)
    {
        return NGX_OK;
    }

    flcf = ngx_http_get_module_loc_conf(r, ngx_http_fanout_module);
    fmcf = ngx_http_get_module_main_conf(r, ngx_http_fanout_module);

    /* without a heartbeat nothing would report, or clear, the entries */
    if (!flcf->viewers || fmcf->vsh == NULL || fmcf->update_period == 0) {
        return NGX_OK;
    }

    ctx = ngx_http_fanout_get_ctx(r);

    /* only what the stream's origin (or a fallback origin) answered */
    if (ctx == NULL || ctx->key.len == 0 || ctx->status != 0
        || ctx->phase != NGX_HTTP_FANOUT_PHASE_DONE)
    {
        return NGX_OK;
    }

    switch (ctx->kind) {

    case NGX_HTTP_FANOUT_KIND_HLS:
        kind = NGX_HTTP_FANOUT_HLS;
        break;

    case NGX_HTTP_FANOUT_KIND_DASH:
        kind = NGX_HTTP_FANOUT_DASH;
        break;

    default:
        return NGX_OK;
    }

    ngx_http_fanout_viewers_record(fmcf, &ctx->key, ctx->hash, kind,
                                   ngx_http_fanout_viewer_key(r, flcf, ctx,
                                                              kind));

    return NGX_OK;
}


/* FNV-1a, 64 bits. */
static uint64_t
ngx_http_fanout_hash64(uint64_t h, u_char *p, size_t len)
{
    while (len--) {
        h ^= *p++;
        h *= 0x100000001b3ULL;
    }

    return h;
}


/*
 * (stream, kind, viewer): the first non-empty argument of
 * fanout_viewer_args, by name and value; else the client address (after
 * realip, if configured) and the User-Agent.  Never 0 (a free entry).
 */
static uint64_t
ngx_http_fanout_viewer_key(ngx_http_request_t *r,
    ngx_http_fanout_loc_conf_t *flcf, ngx_http_fanout_ctx_t *ctx,
    ngx_uint_t kind)
{
    u_char           tag;
    uint64_t         h;
    ngx_str_t       *name, value;
    ngx_uint_t       i;
    struct sockaddr  *sa;

    h = ngx_http_fanout_hash64(0xcbf29ce484222325ULL, ctx->key.data,
                               ctx->key.len);
    tag = (u_char) kind;
    h = ngx_http_fanout_hash64(h, &tag, 1);

    name = flcf->viewer_args->elts;

    for (i = 0; i < flcf->viewer_args->nelts; i++) {
        if (ngx_http_arg(r, name[i].data, name[i].len, &value) == NGX_OK
            && value.len)
        {
            tag = 'a';
            h = ngx_http_fanout_hash64(h, &tag, 1);
            h = ngx_http_fanout_hash64(h, name[i].data, name[i].len);
            tag = '=';
            h = ngx_http_fanout_hash64(h, &tag, 1);
            h = ngx_http_fanout_hash64(h, value.data, value.len);
            goto done;
        }
    }

    tag = 'c';
    h = ngx_http_fanout_hash64(h, &tag, 1);

    sa = r->connection->sockaddr;

    switch (sa->sa_family) {

#if (NGX_HAVE_INET6)
    case AF_INET6:
        h = ngx_http_fanout_hash64(h,
                (u_char *) &((struct sockaddr_in6 *) sa)->sin6_addr, 16);
        break;
#endif

    case AF_INET:
        h = ngx_http_fanout_hash64(h,
                (u_char *) &((struct sockaddr_in *) sa)->sin_addr, 4);
        break;

    default:
        break;
    }

    tag = '\n';
    h = ngx_http_fanout_hash64(h, &tag, 1);

    if (r->headers_in.user_agent) {
        h = ngx_http_fanout_hash64(h, r->headers_in.user_agent->value.data,
                                   r->headers_in.user_agent->value.len);
    }

done:

    return h ? h : 1;
}


static void
ngx_http_fanout_viewers_record(ngx_http_fanout_main_conf_t *fmcf,
    ngx_str_t *skey, uint32_t shash, ngx_uint_t kind, uint64_t vkey)
{
    uint32_t                    now, tag;
    ngx_uint_t                  i;
    ngx_http_fanout_viewer_t   *b, *v, *take, *oldest;
    ngx_http_fanout_vshctx_t   *vsh;
    ngx_http_fanout_vstream_t  *st;

    vsh = fmcf->vsh;
    now = (uint32_t) ngx_current_msec;

    ngx_shmtx_lock(&fmcf->vpool->mutex);

    st = ngx_http_fanout_vstream_get(fmcf, skey, shash);

    if (st == NULL) {
        ngx_shmtx_unlock(&fmcf->vpool->mutex);
        ngx_http_fanout_count(fmcf, viewer_streams_full);
        return;
    }

    /* a node outlives its viewers: the reporter relies on it */
    if ((int32_t) (now - st->seen) > 0) {
        st->seen = now;
    }

    tag = (uint32_t) ((u_char *) st - (u_char *) fmcf->vpool) | kind;

    b = &vsh->viewers[(vkey ^ (vkey >> 32)) % vsh->nbuckets
                      * NGX_HTTP_FANOUT_WAYS];
    take = NULL;
    oldest = b;

    for (i = 0; i < NGX_HTTP_FANOUT_WAYS; i++) {
        v = &b[i];

        if (v->key == vkey && v->stream == tag) {
            v->seen = now;
            ngx_shmtx_unlock(&fmcf->vpool->mutex);
            return;
        }

        if (take) {
            continue;
        }

        if (v->key == 0
            || ngx_http_fanout_expired(now, v->seen, fmcf->viewer_window))
        {
            take = v;

        } else if ((int32_t) (v->seen - oldest->seen) < 0) {
            oldest = v;
        }
    }

    if (take == NULL) {
        /* the bucket is full of live viewers: the least recent goes */
        take = oldest;
        ngx_http_fanout_count(fmcf, viewer_evictions);
    }

    take->key = vkey;
    take->seen = now;
    take->stream = tag;

    ngx_shmtx_unlock(&fmcf->vpool->mutex);
}


/* The stream's node, created if needed; NULL when there is no room. */
static ngx_http_fanout_vstream_t *
ngx_http_fanout_vstream_get(ngx_http_fanout_main_conf_t *fmcf, ngx_str_t *key,
    uint32_t hash)
{
    ngx_http_fanout_vshctx_t   *vsh;
    ngx_http_fanout_vstream_t  *st;

    vsh = fmcf->vsh;

    st = (ngx_http_fanout_vstream_t *) ngx_str_rbtree_lookup(&vsh->rbtree, key,
                                                             hash);
    if (st) {
        return st;
    }

    if (vsh->nstreams >= vsh->max_streams) {
        return NULL;
    }

    st = ngx_slab_alloc_locked(fmcf->vpool,
                               offsetof(ngx_http_fanout_vstream_t, key)
                               + key->len);
    if (st == NULL) {
        return NULL;
    }

    ngx_memzero(st, offsetof(ngx_http_fanout_vstream_t, key));
    ngx_memcpy(st->key, key->data, key->len);

    st->sn.node.key = hash;
    st->sn.str.len = key->len;
    st->sn.str.data = st->key;
    st->seen = (uint32_t) ngx_current_msec;

    ngx_rbtree_insert(&vsh->rbtree, &st->sn.node);
    ngx_queue_insert_tail(&vsh->streams, &st->queue);
    vsh->nstreams++;

    return st;
}


static void
ngx_http_fanout_vstream_free(ngx_http_fanout_main_conf_t *fmcf,
    ngx_http_fanout_vstream_t *st)
{
    ngx_rbtree_delete(&fmcf->vsh->rbtree, &st->sn.node);
    ngx_queue_remove(&st->queue);
    fmcf->vsh->nstreams--;

    ngx_slab_free_locked(fmcf->vpool, st);
}


/* Worker 0, at start: the reporter and its report array. */
ngx_int_t
ngx_http_fanout_viewers_init_worker(ngx_cycle_t *cycle,
    ngx_http_fanout_main_conf_t *fmcf)
{
    ngx_http_fanout_reporter_t  *rp;

    if (fmcf->vsh == NULL) {
        return NGX_OK;
    }

    rp = ngx_pcalloc(cycle->pool, sizeof(ngx_http_fanout_reporter_t));
    if (rp == NULL) {
        return NGX_ERROR;
    }

    rp->fmcf = fmcf;
    rp->cap = fmcf->vsh->max_streams;
    rp->reports = ngx_palloc(cycle->pool,
                             rp->cap * sizeof(ngx_http_fanout_report_t));
    if (rp->reports == NULL) {
        return NGX_ERROR;
    }

    rp->task.ctx = rp;
    rp->task.handler = ngx_http_fanout_report_thread;
    rp->task.event.data = rp;
    rp->task.event.handler = ngx_http_fanout_report_done;
    rp->task.event.log = cycle->log;

    fmcf->reporter = rp;

    return NGX_OK;
}


/*
 * Worker 0, every fanout_update_period: post the count and the reports,
 * unless the previous ones are still running (slow store).  Returns the
 * edge's live viewers (HLS + DASH) at the last count, for its heartbeat.
 */
ngx_uint_t
ngx_http_fanout_viewers_tick(ngx_http_fanout_main_conf_t *fmcf)
{
    ngx_http_fanout_reporter_t  *rp;

    rp = fmcf->reporter;

    if (rp == NULL) {
        return 0;
    }

    if (!rp->busy) {
        rp->now = (uint32_t) ngx_current_msec;
        rp->nreports = 0;
        rp->errors = 0;

        if (ngx_thread_task_post(fmcf->thread_pool, &rp->task) == NGX_OK) {
            rp->busy = 1;

        } else {
            ngx_http_fanout_count(fmcf, viewer_report_errors);
        }
    }

    return fmcf->sh->stats.viewers_hls + fmcf->sh->stats.viewers_dash;
}


/*
 * In a pool thread: counts each stream's live viewers and clears expired
 * entries, one chunk of the table per lock (workers record meanwhile);
 * then, under one lock, publishes the counts, fills rp's reports and frees
 * the nodes of streams whose viewers left and whose zero was reported.
 *
 * A node is freed only when its own time is past the window: it is never
 * older than any of its viewers, so every entry that still points to it
 * is expired, and expired entries are cleared before they are followed.
 */
static void
ngx_http_fanout_viewers_count(ngx_http_fanout_reporter_t *rp)
{
    uint32_t                      now;
    ngx_uint_t                    i, end, total, streams, hls, dash;
    ngx_queue_t                  *q, *next;
    ngx_http_fanout_viewer_t     *v;
    ngx_http_fanout_vshctx_t     *vsh;
    ngx_http_fanout_report_t     *rep;
    ngx_http_fanout_vstream_t    *st;
    ngx_http_fanout_main_conf_t  *fmcf;

    fmcf = rp->fmcf;
    vsh = fmcf->vsh;
    now = rp->now;
    total = vsh->nbuckets * NGX_HTTP_FANOUT_WAYS;

    ngx_shmtx_lock(&fmcf->vpool->mutex);

    for (q = ngx_queue_head(&vsh->streams);
         q != ngx_queue_sentinel(&vsh->streams);
         q = ngx_queue_next(q))
    {
        st = ngx_queue_data(q, ngx_http_fanout_vstream_t, queue);
        st->counting[0] = 0;
        st->counting[1] = 0;
    }

    ngx_shmtx_unlock(&fmcf->vpool->mutex);

    for (i = 0; i < total; i = end) {
        end = ngx_min(i + NGX_HTTP_FANOUT_CHUNK, total);

        ngx_shmtx_lock(&fmcf->vpool->mutex);

        for (v = &vsh->viewers[i]; v < &vsh->viewers[end]; v++) {
            if (v->key == 0) {
                continue;
            }

            if (ngx_http_fanout_expired(now, v->seen, fmcf->viewer_window)) {
                v->key = 0;
                continue;
            }

            st = (ngx_http_fanout_vstream_t *)
                     ((u_char *) fmcf->vpool + (v->stream & ~1u));
            st->counting[v->stream & 1]++;
        }

        ngx_shmtx_unlock(&fmcf->vpool->mutex);
    }

    hls = 0;
    dash = 0;
    streams = 0;

    ngx_shmtx_lock(&fmcf->vpool->mutex);

    for (q = ngx_queue_head(&vsh->streams);
         q != ngx_queue_sentinel(&vsh->streams);
         q = next)
    {
        next = ngx_queue_next(q);
        st = ngx_queue_data(q, ngx_http_fanout_vstream_t, queue);

        st->live[0] = st->counting[0];
        st->live[1] = st->counting[1];
        hls += st->live[0];
        dash += st->live[1];

        if (st->live[0] || st->live[1]) {
            streams++;
            st->zero_tries = NGX_HTTP_FANOUT_ZERO_TRIES;

        } else if (st->zero_tries) {
            st->zero_tries--;

        } else {
            if (ngx_http_fanout_expired(now, st->seen, fmcf->viewer_window)) {
                ngx_http_fanout_vstream_free(fmcf, st);
            }

            continue;
        }

        if (rp->nreports == rp->cap) {
            continue;
        }

        rep = &rp->reports[rp->nreports++];
        rep->key_len = st->sn.str.len;
        ngx_memcpy(rep->key, st->key, st->sn.str.len);
        rep->hash = (uint32_t) st->sn.node.key;
        rep->live[0] = st->live[0];
        rep->live[1] = st->live[1];
        rep->rc = FO_ERR;
    }

    ngx_shmtx_unlock(&fmcf->vpool->mutex);

    fmcf->sh->stats.viewers_hls = hls;
    fmcf->sh->stats.viewers_dash = dash;
    fmcf->sh->stats.viewer_streams = streams;
}


/*
 * In a pool thread: the count, then one fo_viewers_report per stream,
 * within one update period (a slow store must not make every report
 * stale: what is left is sent next period, counted afresh).
 */
static void
ngx_http_fanout_report_thread(void *data, ngx_log_t *log)
{
    ngx_http_fanout_reporter_t *rp = data;

    char                       app[FO_ID_MAX], stream[FO_STREAM_MAX];
    u_char                    *slash;
    fo_error                   err;
    fo_store                  *st;
    ngx_uint_t                 i;
    ngx_msec_t                 start;
    struct timespec            ts;
    ngx_http_fanout_report_t  *rep;

    ngx_http_fanout_viewers_count(rp);

    if (rp->nreports == 0) {
        return;
    }

    st = ngx_http_fanout_store_get(rp->fmcf, &rp->err);
    if (st == NULL) {
        rp->errors = rp->nreports;
        return;
    }

    (void) clock_gettime(CLOCK_MONOTONIC, &ts);
    start = (ngx_msec_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;

    for (i = 0; i < rp->nreports; i++) {
        rep = &rp->reports[i];

        /* "app/stream": the parser and fo_valid_id bounded both */
        slash = ngx_strlchr(rep->key, rep->key + rep->key_len, '/');
        if (slash == NULL) {
            continue;
        }

        ngx_memcpy(app, rep->key, slash - rep->key);
        app[slash - rep->key] = '\0';
        ngx_memcpy(stream, slash + 1, rep->key + rep->key_len - slash - 1);
        stream[rep->key + rep->key_len - slash - 1] = '\0';

        rep->rc = fo_viewers_report(st, (char *) rp->fmcf->node_id.data, app,
                                    stream, rep->live[0], rep->live[1], &err);

        if (rep->rc != FO_OK && rep->rc != FO_NOT_FOUND) {
            if (rp->errors++ == 0) {
                rp->err = err;
            }
        }

        (void) clock_gettime(CLOCK_MONOTONIC, &ts);

        if (i + 1 < rp->nreports
            && (ngx_msec_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000 - start
               >= rp->fmcf->update_period)
        {
            if (rp->errors == 0) {
                (void) ngx_snprintf((u_char *) rp->err.msg,
                                    sizeof(rp->err.msg),
                                    "the store is slow: %ui left for the next "
                                    "period%Z", rp->nreports - i - 1);
            }

            rp->errors += rp->nreports - i - 1;
            break;
        }
    }

    ngx_http_fanout_store_put(rp->fmcf, st);
}


/*
 * Back on worker 0's loop.  A zero the store took needs no repeating; a
 * broadcast that is gone (FO_NOT_FOUND) is not an error: it was deleted.
 */
static void
ngx_http_fanout_report_done(ngx_event_t *ev)
{
    ngx_http_fanout_reporter_t *rp = ev->data;

    ngx_str_t                     key;
    ngx_uint_t                    i, sent;
    ngx_http_fanout_report_t     *rep;
    ngx_http_fanout_vstream_t    *st;
    ngx_http_fanout_main_conf_t  *fmcf;

    fmcf = rp->fmcf;
    rp->busy = 0;
    sent = 0;

    ngx_shmtx_lock(&fmcf->vpool->mutex);

    for (i = 0; i < rp->nreports; i++) {
        rep = &rp->reports[i];

        if (rep->rc != FO_OK && rep->rc != FO_NOT_FOUND) {
            continue;
        }

        sent++;

        if (rep->live[0] || rep->live[1]) {
            continue;
        }

        key.data = rep->key;
        key.len = rep->key_len;

        st = (ngx_http_fanout_vstream_t *)
                 ngx_str_rbtree_lookup(&fmcf->vsh->rbtree, &key, rep->hash);

        if (st && st->live[0] == 0 && st->live[1] == 0) {
            st->zero_tries = 0;
        }
    }

    ngx_shmtx_unlock(&fmcf->vpool->mutex);

    (void) ngx_atomic_fetch_add(&fmcf->sh->stats.viewer_reports, sent);

    if (rp->errors) {
        (void) ngx_atomic_fetch_add(&fmcf->sh->stats.viewer_report_errors,
                                    rp->errors);

        if (!rp->failing) {
            rp->failing = 1;
            ngx_log_error(NGX_LOG_ERR, ev->log, 0,
                          "fanout: %ui of %ui viewer reports failed: %s",
                          rp->errors, rp->nreports, rp->err.msg);
        }

    } else if (rp->failing) {
        rp->failing = 0;
        ngx_log_error(NGX_LOG_NOTICE, ev->log, 0,
                      "fanout: viewer reports reach the store again");
    }

    rp->nreports = 0;
}
