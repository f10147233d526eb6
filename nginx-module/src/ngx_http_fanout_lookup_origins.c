/*
 * ngx_http_fanout_lookup_origins.c — whether this edge reaches its
 * origins: the log phase of every request the lookup module proxied looks
 * at how its upstream tries ended, and keeps the wall-clock time of the
 * last good fetch and of the last failed one (connect error, timeout:
 * nginx's 502 and 504) in the metrics zone, so that any worker's result
 * counts.  The heartbeat reports them (origin_ok_ms, origin_fail_ms), and
 * fanout_status shows them: an edge whose last fetch failed and none
 * succeeded since has no reachable origin.  It also counts the bytes
 * stream requests sent to viewers (fanout_edge_bytes_out_total).
 */
#include "ngx_http_fanout_lookup.h"


ngx_int_t
ngx_http_fanout_origins_log_handler(ngx_http_request_t *r)
{
    int64_t                              now;
    ngx_uint_t                           i, ok, failed;
    ngx_time_t                          *tp;
    ngx_http_upstream_state_t           *state;
    ngx_http_fanout_lookup_main_conf_t  *lmcf;

    lmcf = ngx_http_get_module_main_conf(r, ngx_http_fanout_lookup_module);

    /* only the stream requests the lookup module took */
    if (r != r->main || lmcf->metrics == NULL
        || ngx_http_fanout_get_ctx(r) == NULL)
    {
        return NGX_OK;
    }

    /* this request's bytes: keepalive resets sent after each one */
    (void) ngx_atomic_fetch_add(&lmcf->metrics[NGX_HTTP_FANOUT_M_BYTES_OUT],
                                (ngx_atomic_int_t) r->connection->sent);

    /* what went to an origin (a cache hit has no upstream state) */
    if (r->upstream_states == NULL || r->upstream_states->nelts == 0) {
        return NGX_OK;
    }

    ok = 0;
    failed = 0;
    state = r->upstream_states->elts;

    /* a retry after a failure (error_page) adds its own tries */
    for (i = 0; i < r->upstream_states->nelts; i++) {
        if (state[i].status == NGX_HTTP_BAD_GATEWAY
            || state[i].status == NGX_HTTP_GATEWAY_TIME_OUT)
        {
            failed = 1;

        } else if (state[i].status != 0) {
            ok = 1;             /* it answered, if only 404 */
        }
    }

    tp = ngx_timeofday();
    now = (int64_t) tp->sec * 1000 + tp->msec;

    if (failed) {
        lmcf->metrics[NGX_HTTP_FANOUT_M_ORIGIN_FAIL] = (ngx_atomic_uint_t) now;
    }

    if (ok) {
        lmcf->metrics[NGX_HTTP_FANOUT_M_ORIGIN_OK] = (ngx_atomic_uint_t) now;
    }

    return NGX_OK;
}
