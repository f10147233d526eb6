/*
 * ngx_http_fanout_cache_fill.c — filling fanout_playlist_cache: a header
 * and a body filter copy the answers the proxy sends for playlists and
 * MPDs (a fresh origin fetch, or a proxy_cache hit) and hand each complete
 * one to ngx_http_fanout_cache_store (ngx_http_fanout_cache_copies.c).
 *
 * The module loads after nginx's own filters, so its filters run first:
 * they see the proxy's answer before add_header, not_modified or gzip
 * change it.  Only a 200 to a GET of the main request, in a location with
 * fanout_playlist_cache on, from the stream's own origin (not a fallback)
 * and through the proxy cache, with a Content-Length of at most
 * fanout_playlist_cache_max_size, whose proxy_cache_key is the memory's
 * key ($fanout_origin/$fanout_session$uri).
 *
 * Such an answer is held when it may not go out as it is: from another
 * origin or session than the last one served for the path
 * (ngx_http_fanout_cache_last.c), or listing segments, with
 * fanout_prefetch on.  The header filter passes nothing on until the body
 * is in; the answer then waits while a segment it lists is being
 * prefetched (ngx_http_fanout_prefetch_hold.c), and either it goes out
 * or the last one does: when it is older, or lists a segment this edge
 * could not fetch.
 */
#include "ngx_http_fanout_cache.h"


static ngx_int_t ngx_http_fanout_cache_header_filter(
    ngx_http_request_t *r);
static ngx_int_t ngx_http_fanout_cache_body_filter(ngx_http_request_t *r,
    ngx_chain_t *in);
static ngx_int_t ngx_http_fanout_cache_capture(ngx_http_request_t *r,
    ngx_http_fanout_cache_main_conf_t *camcf,
    ngx_http_fanout_cache_loc_conf_t *calcf, ngx_http_fanout_ctx_t *ctx);
static ngx_http_fanout_capture_t *ngx_http_fanout_capture_create(
    ngx_http_request_t *r, ngx_str_t *key, size_t hlen, uint32_t body);
static ngx_uint_t ngx_http_fanout_cache_same_key(ngx_http_request_t *r,
    u_char *key, size_t len);
static size_t ngx_http_fanout_cache_records(ngx_http_request_t *r,
    u_char *p);
static ngx_int_t ngx_http_fanout_cache_take(ngx_http_fanout_capture_t *cap,
    ngx_buf_t *b);
static void ngx_http_fanout_cache_clear_headers(ngx_http_request_t *r);


static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;
static ngx_http_output_body_filter_pt    ngx_http_next_body_filter;


/* postconfiguration, when a location uses fanout_playlist_cache */
void
ngx_http_fanout_cache_fill_init(ngx_conf_t *cf)
{
    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_fanout_cache_header_filter;

    ngx_http_next_body_filter = ngx_http_top_body_filter;
    ngx_http_top_body_filter = ngx_http_fanout_cache_body_filter;
}


/*
 * First in the header filter chain (the module loads after nginx's
 * filters): it sees what the proxy made of the origin's or the cache's
 * answer, before add_header, not_modified, gzip.  A copy starts when the
 * answer may be stored; the body filter fills it.
 */
static ngx_int_t
ngx_http_fanout_cache_header_filter(ngx_http_request_t *r)
{
    ngx_http_fanout_ctx_t              *ctx;
    ngx_http_fanout_cache_ctx_t        *cctx;
    ngx_http_fanout_cache_loc_conf_t   *calcf;
    ngx_http_fanout_cache_main_conf_t  *camcf;

    calcf = ngx_http_get_module_loc_conf(r, ngx_http_fanout_cache_module);

    if (!calcf->playlist_cache
        || r != r->main
        || r->method != NGX_HTTP_GET
        || r->headers_out.status != NGX_HTTP_OK
        || r->upstream == NULL
#if (NGX_HTTP_CACHE)
        || r->cache == NULL
#endif
        )
    {
        return ngx_http_next_header_filter(r);
    }

    camcf = ngx_http_get_module_main_conf(r, ngx_http_fanout_cache_module);
    ctx = ngx_http_fanout_get_ctx(r);
    cctx = ngx_http_get_module_ctx(r, ngx_http_fanout_cache_module);

    if (camcf->sh == NULL
        || ctx == NULL
        || (cctx && cctx->mem_hit)
        || ctx->key.len == 0
        || ctx->status != 0
        || ctx->fallback
        || ctx->play_exchange
        || ctx->phase != NGX_HTTP_FANOUT_PHASE_DONE
        || ctx->answer.state != NGX_HTTP_FANOUT_FOUND
        || (ctx->kind != NGX_HTTP_FANOUT_KIND_HLS
            && ctx->kind != NGX_HTTP_FANOUT_KIND_DASH))
    {
        return ngx_http_next_header_filter(r);
    }

    if (ngx_http_fanout_cache_capture(r, camcf, calcf, ctx) == NGX_ERROR) {
        return NGX_ERROR;
    }

    cctx = ngx_http_get_module_ctx(r, ngx_http_fanout_cache_module);

    if (cctx && cctx->capture
        && (ngx_http_fanout_prefetch_on(r, calcf)
            || ngx_http_fanout_last_hold(r, cctx->capture)))
    {
        /* the body decides what goes out (ngx_http_fanout_cache_release) */
        cctx->capture->held = 1;
        return NGX_OK;
    }

    return ngx_http_next_header_filter(r);
}


/* Starts the ctx's capture with the type and headers, or declines. */
static ngx_int_t
ngx_http_fanout_cache_capture(ngx_http_request_t *r,
    ngx_http_fanout_cache_main_conf_t *camcf,
    ngx_http_fanout_cache_loc_conf_t *calcf, ngx_http_fanout_ctx_t *ctx)
{
#if (NGX_HTTP_CACHE)
    size_t                        hlen, klen;
    off_t                         body;
    ngx_str_t                     key;
    ngx_http_fanout_cache_ctx_t  *cctx;
    u_char                        buf[NGX_HTTP_FANOUT_MC_KEY_MAX];

    body = r->headers_out.content_length_n;

    if (body <= 0 || body > (off_t) calcf->playlist_max_size) {
        ngx_http_fanout_mc_count(camcf, TOO_BIG);
        return NGX_DECLINED;
    }

    /* only a copy of what the proxy cache keeps under the same key */
    klen = ngx_http_fanout_cache_key(ctx, r, buf);

    if (klen == 0 || !ngx_http_fanout_cache_same_key(r, buf, klen)) {
        return NGX_DECLINED;
    }

    hlen = ngx_http_fanout_cache_records(r, NULL);

    if (hlen == (size_t) NGX_ERROR) {
        return NGX_DECLINED;
    }

    if (hlen > NGX_HTTP_FANOUT_MC_HEADERS_MAX
        || r->headers_out.content_type.len > 0xffff)
    {
        ngx_http_fanout_mc_count(camcf, TOO_BIG);
        return NGX_DECLINED;
    }

    cctx = ngx_http_fanout_cache_get_ctx(r);

    if (cctx == NULL) {
        return NGX_ERROR;
    }

    key.data = buf;
    key.len = klen;

    cctx->capture = ngx_http_fanout_capture_create(r, &key, hlen,
                                                   (uint32_t) body);
    if (cctx->capture == NULL) {
        return NGX_ERROR;
    }

    cctx->capture->gen = ctx->answer.gen;
    cctx->capture->source = ngx_http_fanout_answer_crc(&ctx->answer);

    return NGX_OK;

#else
    return NGX_DECLINED;
#endif
}


/* The copy of r's answer: type and header records now, the body to come. */
static ngx_http_fanout_capture_t *
ngx_http_fanout_capture_create(ngx_http_request_t *r, ngx_str_t *key,
    size_t hlen, uint32_t body)
{
    u_char                     *p;
    size_t                      len;
    ngx_http_fanout_capture_t  *cap;

    cap = ngx_pcalloc(r->pool, sizeof(ngx_http_fanout_capture_t));
    if (cap == NULL) {
        return NULL;
    }

    len = r->headers_out.content_type.len + hlen + body;

    cap->key.data = ngx_pnalloc(r->pool, key->len + len);
    if (cap->key.data == NULL) {
        return NULL;
    }

    cap->key.len = key->len;
    ngx_memcpy(cap->key.data, key->data, key->len);

    cap->data = cap->key.data + key->len;
    cap->end = cap->data + len;
    cap->last_modified_time = r->headers_out.last_modified_time;
    cap->wall = ngx_http_fanout_wall_msec();
    cap->msec = ngx_current_msec;
    cap->ctype_len = r->headers_out.content_type.len;
    cap->headers_len = hlen;
    cap->body_len = body;

    p = ngx_cpymem(cap->data, r->headers_out.content_type.data,
                   r->headers_out.content_type.len);

    p += ngx_http_fanout_cache_records(r, p);

    cap->last = p;

    return cap;
}


#if (NGX_HTTP_CACHE)

/* The proxy cache's key of r is key. */
static ngx_uint_t
ngx_http_fanout_cache_same_key(ngx_http_request_t *r, u_char *key,
    size_t len)
{
    size_t       n;
    ngx_str_t   *k;
    ngx_uint_t   i;

    n = 0;
    k = r->cache->keys.elts;

    for (i = 0; i < r->cache->keys.nelts; i++) {
        if (n + k[i].len > len || ngx_memcmp(key + n, k[i].data, k[i].len))
        {
            return 0;
        }

        n += k[i].len;
    }

    return n == len;
}

#endif


/*
 * The response headers as records (ngx_http_fanout_mc_header_t, the name,
 * its lowercase form, the value), written at p; with p NULL only their
 * size.  NGX_ERROR when a name or value is too long for a record.
 */
static size_t
ngx_http_fanout_cache_records(ngx_http_request_t *r, u_char *p)
{
    size_t                        size;
    ngx_uint_t                    i;
    ngx_list_part_t              *part;
    ngx_table_elt_t              *h;
    ngx_http_fanout_mc_header_t   rec;

    size = 0;
    part = &r->headers_out.headers.part;
    h = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].hash == 0) {
            continue;
        }

        if (h[i].key.len > 0xffff || h[i].value.len > 0xffff) {
            return (size_t) NGX_ERROR;
        }

        size += sizeof(ngx_http_fanout_mc_header_t) + 2 * h[i].key.len
                + h[i].value.len;

        if (p == NULL) {
            continue;
        }

        rec.flags = 0;
        rec.pad = 0;
        rec.key_len = (uint16_t) h[i].key.len;
        rec.value_len = (uint16_t) h[i].value.len;

        if (&h[i] == r->headers_out.etag) {
            rec.flags = NGX_HTTP_FANOUT_MC_ETAG;

        } else if (&h[i] == r->headers_out.last_modified) {
            rec.flags = NGX_HTTP_FANOUT_MC_LAST_MOD;
        }

        p = ngx_cpymem(p, &rec, sizeof(ngx_http_fanout_mc_header_t));
        p = ngx_cpymem(p, h[i].key.data, h[i].key.len);
        ngx_strlow(p, h[i].key.data, h[i].key.len);
        p += h[i].key.len;
        p = ngx_cpymem(p, h[i].value.data, h[i].value.len);
    }

    return size;
}


/*
 * Copies the body as it passes (memory buffers, or the cache file's
 * buffer: a pread of at most fanout_playlist_cache_max_size, once per
 * playlist refresh); when the last buffer has passed and the length is
 * right, offers it as the path's last answer and stores the copy.  A held
 * answer passes nothing on until then.
 */
static ngx_int_t
ngx_http_fanout_cache_body_filter(ngx_http_request_t *r, ngx_chain_t *in)
{
    ngx_int_t                     rc;
    ngx_uint_t                    done;
    ngx_chain_t                  *cl;
    ngx_http_fanout_ctx_t        *lctx;
    ngx_http_fanout_capture_t    *cap;
    ngx_http_fanout_cache_ctx_t  *ctx;

    if (r != r->main) {
        return ngx_http_next_body_filter(r, in);
    }

    ctx = ngx_http_get_module_ctx(r, ngx_http_fanout_cache_module);

    if (ctx == NULL || ctx->capture == NULL
        || (ctx->capture->failed && !ctx->capture->held))
    {
        return ngx_http_next_body_filter(r, in);
    }

    cap = ctx->capture;

    if (cap->failed || ngx_http_fanout_waiting(r)) {
        /* held: already sent (the writer's flush goes on), or waiting for
         * its prefetches: nothing more from the proxy */
        return in == NULL && !ngx_http_fanout_waiting(r)
               ? ngx_http_next_body_filter(r, in) : NGX_OK;
    }

    done = 0;

    for (cl = in; cl; cl = cl->next) {
        rc = ngx_http_fanout_cache_take(cap, cl->buf);

        if (rc != NGX_OK) {
            cap->failed = 1;

            if (cap->held) {
                /* more than Content-Length, or the file failed */
                return NGX_ERROR;
            }

            break;
        }

        if (cl->buf->last_buf) {
            done = 1;
            break;
        }
    }

    if (cap->held) {
        if (!done || ngx_http_fanout_playlist_wait(r, cap) == NGX_AGAIN) {
            return NGX_OK;
        }

        return ngx_http_fanout_cache_release(r, cap);
    }

    if (done) {
        cap->failed = 1;        /* done, either way */

        if (cap->last == cap->end) {
            lctx = ngx_http_fanout_get_ctx(r);

            if (lctx) {
                (void) ngx_http_fanout_last_offer(r, lctx, cap);
            }

            ngx_http_fanout_cache_store(r, cap);
        }
    }

    return ngx_http_next_body_filter(r, in);
}


/* One buffer into the capture; a held answer consumes it. */
static ngx_int_t
ngx_http_fanout_cache_take(ngx_http_fanout_capture_t *cap, ngx_buf_t *b)
{
    off_t    size;
    ssize_t  n;

    if (ngx_buf_in_memory(b)) {
        size = b->last - b->pos;

        if (size > cap->end - cap->last) {
            return NGX_ERROR;
        }

        cap->last = ngx_cpymem(cap->last, b->pos, (size_t) size);

        if (cap->held) {
            b->pos = b->last;
        }

    } else if (b->in_file) {
        size = b->file_last - b->file_pos;

        if (size > cap->end - cap->last) {
            return NGX_ERROR;
        }

        n = ngx_read_file(b->file, cap->last, (size_t) size, b->file_pos);

        if (n != (ssize_t) size) {
            return NGX_ERROR;
        }

        cap->last += size;

        if (cap->held) {
            b->file_pos = b->file_last;
        }
    }

    return NGX_OK;
}


/*
 * A held answer is complete and waits no more: the answer itself goes out
 * (and is stored) when it is not older than the last one served and lists
 * no lost segment, else the last one.
 */
ngx_int_t
ngx_http_fanout_cache_release(ngx_http_request_t *r,
    ngx_http_fanout_capture_t *cap)
{
    ngx_int_t                 rc;
    ngx_buf_t                *b;
    ngx_chain_t               out;
    ngx_http_fanout_ctx_t    *lctx;
    ngx_http_fanout_mcopy_t  *m;

    cap->failed = 1;            /* sent: later calls pass nothing */

    if (cap->last != cap->end) {
        return NGX_ERROR;       /* shorter than its Content-Length */
    }

    lctx = ngx_http_fanout_get_ctx(r);
    m = lctx ? ngx_http_fanout_last_offer(r, lctx, cap) : NULL;

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_ERROR;
    }

    if (m) {
        ngx_http_fanout_cache_clear_headers(r);

        if (ngx_http_fanout_cache_headers(r, m) != NGX_OK) {
            return NGX_ERROR;
        }

        b->pos = m->data + m->ctype_len + m->headers_len;
        b->last = b->pos + m->body_len;

    } else {
        ngx_http_fanout_cache_store(r, cap);

        b->pos = cap->data + cap->ctype_len + cap->headers_len;
        b->last = b->pos + cap->body_len;
    }

    r->headers_out.content_length_n = b->last - b->pos;

    if (r->headers_out.content_length) {
        r->headers_out.content_length->hash = 0;
        r->headers_out.content_length = NULL;
    }

    rc = ngx_http_next_header_filter(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    b->memory = 1;
    b->last_buf = 1;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_next_body_filter(r, &out);
}


/* The proxy's headers go: the last answer's replace them. */
static void
ngx_http_fanout_cache_clear_headers(ngx_http_request_t *r)
{
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    part = &r->headers_out.headers.part;
    h = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        h[i].hash = 0;
    }

    r->headers_out.etag = NULL;
    r->headers_out.last_modified = NULL;
    r->headers_out.expires = NULL;
    r->headers_out.content_type.len = 0;
}
