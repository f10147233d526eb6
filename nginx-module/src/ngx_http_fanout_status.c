/*
 * ngx_http_fanout_status.c — the fanout_status page: the shared counters
 * as "name value" lines (text/plain), for operators and tests.
 */
#include "ngx_http_fanout_module.h"


typedef struct {
    ngx_str_t   name;
    size_t      offset;
} ngx_http_fanout_stat_name_t;


#define ngx_http_fanout_stat(field)                                           \
    { ngx_string(#field), offsetof(ngx_http_fanout_stats_t, field) }

static ngx_http_fanout_stat_name_t  ngx_http_fanout_stat_names[] = {
    ngx_http_fanout_stat(requests),
    ngx_http_fanout_stat(hits),
    ngx_http_fanout_stat(negative_hits),
    ngx_http_fanout_stat(stale),
    ngx_http_fanout_stat(misses),
    ngx_http_fanout_stat(waits_local),
    ngx_http_fanout_stat(waits_remote),
    ngx_http_fanout_stat(store_lookups),
    ngx_http_fanout_stat(store_found),
    ngx_http_fanout_stat(store_gone),
    ngx_http_fanout_stat(store_errors),
    ngx_http_fanout_stat(fallbacks),
    ngx_http_fanout_stat(unavailable),
    ngx_http_fanout_stat(invalidations),
    ngx_http_fanout_stat(rejected),
    ngx_http_fanout_stat(takeovers),
    ngx_http_fanout_stat(heartbeats),
    ngx_http_fanout_stat(heartbeat_errors),
    ngx_http_fanout_stat(viewer_evictions),
    ngx_http_fanout_stat(viewer_streams_full),
    ngx_http_fanout_stat(viewer_reports),
    ngx_http_fanout_stat(viewer_report_errors),
    ngx_http_fanout_stat(entries),
    ngx_http_fanout_stat(mapped),
    ngx_http_fanout_stat(inflight),
    ngx_http_fanout_stat(viewers_hls),
    ngx_http_fanout_stat(viewers_dash),
    ngx_http_fanout_stat(viewer_streams),
    { ngx_null_string, 0 }
};


static ngx_int_t
ngx_http_fanout_status_handler(ngx_http_request_t *r)
{
    size_t                        len;
    u_char                       *p;
    ngx_int_t                     rc;
    ngx_buf_t                    *b;
    ngx_chain_t                   out;
    ngx_atomic_t                 *value;
    ngx_http_fanout_stat_name_t  *s;
    ngx_http_fanout_main_conf_t  *fmcf;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    fmcf = ngx_http_get_module_main_conf(r, ngx_http_fanout_module);

    if (fmcf->sh == NULL) {
        return NGX_HTTP_SERVICE_UNAVAILABLE;
    }

    len = 0;
    for (s = ngx_http_fanout_stat_names; s->name.len; s++) {
        len += s->name.len + 1 + NGX_ATOMIC_T_LEN + 1;
    }

    len += ngx_http_fanout_memcache_status_len();

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = 0;
    ngx_str_set(&r->headers_out.content_type, "text/plain");
    r->headers_out.content_type_len = r->headers_out.content_type.len;

    b = ngx_create_temp_buf(r->pool, len);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = b->last;

    for (s = ngx_http_fanout_stat_names; s->name.len; s++) {
        value = (ngx_atomic_t *) ((u_char *) &fmcf->sh->stats + s->offset);
        p = ngx_sprintf(p, "%V %uA\n", &s->name, *value);
    }

    p = ngx_http_fanout_memcache_status(fmcf, p);

    b->last = p;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    r->headers_out.content_length_n = b->last - b->pos;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


/* fanout_status: this location answers with the counters. */
char *
ngx_http_fanout_status(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_fanout_status_handler;

    return NGX_CONF_OK;
}
