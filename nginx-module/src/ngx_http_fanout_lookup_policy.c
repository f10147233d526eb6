/*
 * ngx_http_fanout_lookup_policy.c — what the lookup module answers when
 * the stream has no usable origin:
 *
 *   lost       no live origin (gone, the store failing with nothing to
 *              fall back on, or the origin that just failed named again):
 *              the lost hook (ngx_http_fanout_cache_last.c: the last
 *              playlist, in its grace) may answer
 *   fallback   the store failed and no mapping is known: a static origin
 *              of fanout_origin_nodes, round robin, else 503 with
 *              Retry-After
 */
#include "ngx_http_fanout_lookup.h"


/*
 * No live origin: the lost hook may answer (the grace: NGX_OK), or say the
 * stream is in its grace with nothing to send (503 with Retry-After, the
 * status returned), or NGX_DECLINED (the normal answer).
 */
ngx_int_t
ngx_http_fanout_lost(ngx_http_request_t *r,
    ngx_http_fanout_lookup_main_conf_t *lmcf, ngx_http_fanout_ctx_t *ctx)
{
    ngx_int_t  rc;

    rc = lmcf->lost ? lmcf->lost(r, ctx) : NGX_DECLINED;

    if (rc == NGX_BUSY) {
        ngx_http_fanout_count(lmcf->metrics, NGX_HTTP_FANOUT_M_UNAVAILABLE);
        ctx->phase = NGX_HTTP_FANOUT_PHASE_DONE;
        ctx->status = NGX_HTTP_SERVICE_UNAVAILABLE;
        ctx->lookup_status = NGX_HTTP_FANOUT_LS_UNAVAILABLE;

        if (ngx_http_fanout_retry_after(r, 1) != NGX_OK) {
            return NGX_ERROR;
        }

        return ctx->status;
    }

    if (rc != NGX_OK) {
        return NGX_DECLINED;
    }

    ctx->status = 0;
    ctx->phase = NGX_HTTP_FANOUT_PHASE_DONE;

    return NGX_OK;
}


/* A Retry-After header of s seconds. */
ngx_int_t
ngx_http_fanout_retry_after(ngx_http_request_t *r, ngx_uint_t s)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->value.data = ngx_pnalloc(r->pool, NGX_INT_T_LEN);
    if (h->value.data == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "Retry-After");
    h->value.len = ngx_sprintf(h->value.data, "%ui", s) - h->value.data;

    return NGX_OK;
}


/*
 * The store failed and no mapping is known: a static origin, round robin
 * over fanout_origin_nodes (next: the one after the one that just failed),
 * else 503 with Retry-After.
 */
ngx_int_t
ngx_http_fanout_fallback(ngx_http_request_t *r,
    ngx_http_fanout_lookup_main_conf_t *lmcf,
    ngx_http_fanout_lookup_loc_conf_t *llcf, ngx_http_fanout_ctx_t *ctx,
    ngx_uint_t next)
{
    ngx_int_t    rc;
    ngx_str_t   *nodes;
    ngx_uint_t   i, n;

    ctx->phase = NGX_HTTP_FANOUT_PHASE_DONE;

    if (lmcf->origin_nodes && lmcf->origin_nodes->nelts) {
        nodes = lmcf->origin_nodes->elts;
        n = lmcf->origin_nodes->nelts;

        if (next) {
            i = (ctx->fallback_index + 1) % n;

        } else {
            i = ngx_atomic_fetch_add(&lmcf->sh->rr, 1) % n;
        }

        ctx->fallback = 1;
        ctx->fallback_index = i;
        ctx->answer.origin_len = nodes[i].len;
        ngx_memcpy(ctx->answer.origin, nodes[i].data, nodes[i].len);
        ctx->status = 0;
        ctx->lookup_status = NGX_HTTP_FANOUT_LS_FALLBACK;

        ngx_http_fanout_count(lmcf->metrics, NGX_HTTP_FANOUT_M_FALLBACKS);

        return NGX_DECLINED;
    }

    rc = ngx_http_fanout_lost(r, lmcf, ctx);

    if (rc != NGX_DECLINED) {
        return rc == NGX_OK ? NGX_DECLINED : rc;
    }

    ngx_http_fanout_count(lmcf->metrics, NGX_HTTP_FANOUT_M_UNAVAILABLE);

    ctx->status = NGX_HTTP_SERVICE_UNAVAILABLE;
    ctx->lookup_status = NGX_HTTP_FANOUT_LS_UNAVAILABLE;

    if (ngx_http_fanout_retry_after(r, ngx_max((llcf->negative_ttl + 999)
                                               / 1000, 1))
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    return ctx->status;
}
