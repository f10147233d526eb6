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
 * Worker 0 counts and reports them: ngx_http_fanout_viewers_report.c.
 * This file: the recorder.
 */
#include "ngx_http_fanout_viewers.h"


static uint64_t ngx_http_fanout_viewer_key(ngx_http_request_t *r,
    ngx_http_fanout_viewers_loc_conf_t *vlcf, ngx_http_fanout_ctx_t *ctx,
    ngx_uint_t kind);
static void ngx_http_fanout_viewers_record(
    ngx_http_fanout_viewers_main_conf_t *vmcf, ngx_str_t *skey, uint32_t shash,
    ngx_uint_t kind, uint64_t vkey);
static ngx_http_fanout_vstream_t *ngx_http_fanout_vstream_get(
    ngx_http_fanout_viewers_main_conf_t *vmcf, ngx_str_t *key, uint32_t hash);


/*
 * The log phase.  Cheap for everything that is not a playlist: a few
 * comparisons.  For a playlist: the viewer's hash (no allocation:
 * ngx_http_arg points into the request line) and one record.
 */
ngx_int_t
ngx_http_fanout_viewers_handler(ngx_http_request_t *r)
{
    ngx_uint_t                            kind;
    ngx_http_fanout_ctx_t                *ctx;
    ngx_http_fanout_viewers_loc_conf_t   *vlcf;
    ngx_http_fanout_viewers_main_conf_t  *vmcf;

    if (r != r->main || r->method != NGX_HTTP_GET) {
        return NGX_OK;
    }

    if (r->headers_out.status != NGX_HTTP_OK
        && r->headers_out.status != NGX_HTTP_NOT_MODIFIED)
    {
        return NGX_OK;
    }

    vlcf = ngx_http_get_module_loc_conf(r, ngx_http_fanout_viewers_module);
    vmcf = ngx_http_get_module_main_conf(r,
                                         ngx_http_fanout_viewers_module);

    /* without a heartbeat nothing would report, or clear, the entries */
    if (!vlcf->viewers || vmcf->sh == NULL || vmcf->period == 0) {
        return NGX_OK;
    }

    ctx = ngx_http_fanout_get_ctx(r);

    /* only what the stream's origin (or a fallback origin) answered; a
     * stream gone from the store (its last playlist, the grace) is not */
    if (ctx == NULL || ctx->key.len == 0 || ctx->status != 0
        || ctx->phase != NGX_HTTP_FANOUT_PHASE_DONE
        || ctx->answer.state == NGX_HTTP_FANOUT_GONE)
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

    ngx_http_fanout_viewers_record(vmcf, &ctx->key, ctx->hash, kind,
                                   ngx_http_fanout_viewer_key(r, vlcf, ctx,
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


/* The client address (after realip, if configured) into h. */
static uint64_t
ngx_http_fanout_hash_address(uint64_t h, ngx_http_request_t *r)
{
    struct sockaddr  *sa;

    sa = r->connection->sockaddr;

    switch (sa->sa_family) {

#if (NGX_HAVE_INET6)
    case AF_INET6:
        return ngx_http_fanout_hash64(h,
                   (u_char *) &((struct sockaddr_in6 *) sa)->sin6_addr, 16);
#endif

    case AF_INET:
        return ngx_http_fanout_hash64(h,
                   (u_char *) &((struct sockaddr_in *) sa)->sin_addr, 4);

    default:
        return h;
    }
}


/*
 * (stream, kind, viewer): the first non-empty argument of
 * fanout_viewer_args, by name and value, folded into one of
 * fanout_viewer_ids_per_address ids of the client address (so that one
 * address inventing ?sid= values counts as that many viewers at most;
 * viewers behind one NAT are counted up to it, give or take a collision);
 * else the client address and the User-Agent.  Never 0 (a free entry).
 */
static uint64_t
ngx_http_fanout_viewer_key(ngx_http_request_t *r,
    ngx_http_fanout_viewers_loc_conf_t *vlcf, ngx_http_fanout_ctx_t *ctx,
    ngx_uint_t kind)
{
    u_char            tag;
    uint64_t          h, id;
    ngx_str_t        *name, value;
    ngx_uint_t        i;

    h = ngx_http_fanout_hash64(0xcbf29ce484222325ULL, ctx->key.data,
                               ctx->key.len);
    tag = (u_char) kind;
    h = ngx_http_fanout_hash64(h, &tag, 1);

    name = vlcf->args->elts;

    for (i = 0; i < vlcf->args->nelts; i++) {
        if (ngx_http_arg(r, name[i].data, name[i].len, &value) == NGX_OK
            && value.len)
        {
            tag = '=';
            id = ngx_http_fanout_hash64(0xcbf29ce484222325ULL, name[i].data,
                                        name[i].len);
            id = ngx_http_fanout_hash64(id, &tag, 1);
            id = ngx_http_fanout_hash64(id, value.data, value.len);

            tag = 'a';
            h = ngx_http_fanout_hash64(h, &tag, 1);

            if (vlcf->ids_per_address) {
                h = ngx_http_fanout_hash_address(h, r);
                id %= vlcf->ids_per_address;
            }

            h = ngx_http_fanout_hash64(h, (u_char *) &id, sizeof(id));
            goto done;
        }
    }

    tag = 'c';
    h = ngx_http_fanout_hash64(h, &tag, 1);
    h = ngx_http_fanout_hash_address(h, r);

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
ngx_http_fanout_viewers_record(ngx_http_fanout_viewers_main_conf_t *vmcf,
    ngx_str_t *skey, uint32_t shash, ngx_uint_t kind, uint64_t vkey)
{
    uint32_t                    now, tag;
    ngx_uint_t                  i;
    ngx_http_fanout_viewer_t   *b, *v, *take, *oldest;
    ngx_http_fanout_vshctx_t   *vsh;
    ngx_http_fanout_vstream_t  *st;

    vsh = vmcf->sh;
    now = (uint32_t) ngx_current_msec;

    ngx_shmtx_lock(&vmcf->pool->mutex);

    st = ngx_http_fanout_vstream_get(vmcf, skey, shash);

    if (st == NULL) {
        ngx_shmtx_unlock(&vmcf->pool->mutex);
        ngx_http_fanout_count(vmcf->metrics, NGX_HTTP_FANOUT_MV_STREAMS_FULL);
        return;
    }

    /* a node outlives its viewers: the reporter relies on it */
    if ((int32_t) (now - st->seen) > 0) {
        st->seen = now;
    }

    tag = (uint32_t) ((u_char *) st - (u_char *) vmcf->pool) | kind;

    b = &vsh->viewers[(vkey ^ (vkey >> 32)) % vsh->nbuckets
                      * NGX_HTTP_FANOUT_WAYS];
    take = NULL;
    oldest = b;

    for (i = 0; i < NGX_HTTP_FANOUT_WAYS; i++) {
        v = &b[i];

        if (v->key == vkey && v->stream == tag) {
            v->seen = now;
            ngx_shmtx_unlock(&vmcf->pool->mutex);
            return;
        }

        if (take) {
            continue;
        }

        if (v->key == 0
            || ngx_http_fanout_expired(now, v->seen, vmcf->window))
        {
            take = v;

        } else if ((int32_t) (v->seen - oldest->seen) < 0) {
            oldest = v;
        }
    }

    if (take == NULL) {
        /* the bucket is full of live viewers: the least recent goes */
        take = oldest;
        ngx_http_fanout_count(vmcf->metrics, NGX_HTTP_FANOUT_MV_EVICTIONS);
    }

    take->key = vkey;
    take->seen = now;
    take->stream = tag;

    ngx_shmtx_unlock(&vmcf->pool->mutex);
}


/* The stream's node, created if needed; NULL when there is no room. */
static ngx_http_fanout_vstream_t *
ngx_http_fanout_vstream_get(ngx_http_fanout_viewers_main_conf_t *vmcf,
    ngx_str_t *key, uint32_t hash)
{
    ngx_http_fanout_vshctx_t   *vsh;
    ngx_http_fanout_vstream_t  *st;

    vsh = vmcf->sh;

    st = (ngx_http_fanout_vstream_t *) ngx_str_rbtree_lookup(&vsh->rbtree, key,
                                                             hash);
    if (st) {
        return st;
    }

    if (vsh->nstreams >= vsh->max_streams) {
        return NULL;
    }

    st = ngx_slab_alloc_locked(vmcf->pool,
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


void
ngx_http_fanout_vstream_free(ngx_http_fanout_viewers_main_conf_t *vmcf,
    ngx_http_fanout_vstream_t *st)
{
    ngx_rbtree_delete(&vmcf->sh->rbtree, &st->sn.node);
    ngx_queue_remove(&st->queue);
    vmcf->sh->nstreams--;

    ngx_slab_free_locked(vmcf->pool, st);
}
