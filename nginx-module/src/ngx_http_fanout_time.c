/*
 * ngx_http_fanout_time.c — GET/HEAD /{app}/streams/time: the edge's UTC
 * clock for DASH players (the origins' live MPDs carry
 * <UTCTiming schemeIdUri="urn:mpeg:dash:utc:http-iso:2014"
 * value=".../{app}/streams/time"/>), so that a viewer's skewed clock does
 * not make dash.js ask for segments that do not exist yet, and dash.js
 * never looks for a time server on the internet.
 *
 * Answered here, in the lookup module's precontent handler: no store
 * lookup, no origin.  ISO 8601 with milliseconds, text/plain,
 * Cache-Control: no-store.  CORS headers come from edge.conf (add_header
 * ... always), as for every answer under /{app}/streams/.
 */
#include "ngx_http_fanout_lookup.h"


#define NGX_HTTP_FANOUT_TIME_LEN  (sizeof("2026-12-06T03:45:01.123Z") - 1)


/* The parser found /{app}/streams/time: this module answers it. */
ngx_int_t
ngx_http_fanout_time_start(ngx_http_request_t *r, ngx_http_fanout_ctx_t *ctx)
{
    ctx->kind = NGX_HTTP_FANOUT_KIND_TIME;
    ctx->status = 0;
    ctx->lookup_status = NGX_HTTP_FANOUT_LS_NONE;
    r->content_handler = ngx_http_fanout_time_handler;

    return NGX_DECLINED;
}


ngx_int_t
ngx_http_fanout_time_handler(ngx_http_request_t *r)
{
    u_char           *p;
    ngx_tm_t          tm;
    ngx_int_t         rc;
    ngx_buf_t        *b;
    ngx_chain_t       out;
    struct timeval    tv;
    ngx_table_elt_t  *h;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    /* the clock now, not the event loop's cached time */
    ngx_gettimeofday(&tv);
    ngx_gmtime(tv.tv_sec, &tm);

    p = ngx_pnalloc(r->pool, NGX_HTTP_FANOUT_TIME_LEN);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    (void) ngx_sprintf(p, "%4d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                       tm.ngx_tm_year, tm.ngx_tm_mon, tm.ngx_tm_mday,
                       tm.ngx_tm_hour, tm.ngx_tm_min, tm.ngx_tm_sec,
                       (int) (tv.tv_usec / 1000));

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "Cache-Control");
    ngx_str_set(&h->value, "no-store");

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = NGX_HTTP_FANOUT_TIME_LEN;
    ngx_str_set(&r->headers_out.content_type, "text/plain");
    r->headers_out.content_type_len = r->headers_out.content_type.len;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->pos = p;
    b->last = p + NGX_HTTP_FANOUT_TIME_LEN;
    b->memory = 1;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


/* Which origin and publish session an answer names, as one number. */
uint32_t
ngx_http_fanout_answer_crc(ngx_http_fanout_answer_t *answer)
{
    uint32_t  crc;

    ngx_crc32_init(crc);
    ngx_crc32_update(&crc, answer->origin, answer->origin_len);
    ngx_crc32_update(&crc, (u_char *) &answer->session,
                     sizeof(answer->session));
    ngx_crc32_final(crc);

    return crc;
}
