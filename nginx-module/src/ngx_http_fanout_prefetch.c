/*
 * ngx_http_fanout_prefetch.c — fanout_prefetch: when a live playlist or
 * MPD comes fresh from the origin, this edge asks itself for the newest
 * segments it lists, so that they are in the proxy cache before the
 * origin that listed them can die.
 *
 * A segment a viewer has seen listed but the edge has not fetched is
 * gone with its origin: hls.js skips it, dash.js retries it and gives
 * up.  Viewers ask for each new segment within a second or two of the
 * refresh that listed it; the prefetch asks within milliseconds.  With
 * viewers on the stream it costs the origin nothing: the edge would have
 * fetched each segment once anyway (proxy_cache_lock), and now the
 * viewers' requests find it cached.
 *
 * The request is an ordinary HTTP/1.0 GET to one of this edge's own
 * listening addresses (the one the playlist request came in on, or
 * fanout_prefetch's), made with nginx's event-driven peer connection: it
 * goes through the same location, lookup, proxy_cache_key and
 * proxy_cache_lock as a viewer's, and holds no viewer's connection (a
 * subrequest would keep the viewer's keep-alive connection until it
 * ended).  Its answer is read and dropped.  Every prefetch is bounded:
 * NGX_HTTP_FANOUT_PREFETCH_TIMEOUT in all, and at most
 * NGX_HTTP_FANOUT_PREFETCH_MAX in flight per worker (the others are
 * skipped and counted).  While it is in flight, a viewer's request for
 * the same segment waits for it, and so does the playlist that listed it:
 * no viewer is told of a segment before this edge has it, so none asks
 * for one that died with its origin (ngx_http_fanout_prefetch_hold.c).
 * A prefetch answered with a 5xx but a 504, or with a 200 shorter than
 * its Content-Length, marks its segment lost for a while; a playlist that
 * lists it is answered with the one before.
 */
#include "ngx_http_fanout_cache.h"
#include "ngx_http_fanout_head.h"
#include "ngx_http_fanout_segments.h"


#define NGX_HTTP_FANOUT_PREFETCH_MAX      64        /* per worker */
#define NGX_HTTP_FANOUT_PREFETCH_HEAD     2048      /* the answer's head */


typedef struct {
    ngx_pool_t                         *pool;
    ngx_peer_connection_t               peer;
    ngx_buf_t                          *request;
    ngx_http_fanout_cache_main_conf_t  *camcf;
    ngx_http_fanout_prefetch_slot_t    *slot;       /* its mark, or NULL */
    ngx_atomic_uint_t                   mark;
    ngx_uint_t                          status;     /* 0: none read yet */
    long long                           length;     /* -1: not given */
    off_t                               body;       /* bytes read */
    size_t                              head_len;   /* bytes in head */
    u_char                              head[NGX_HTTP_FANOUT_PREFETCH_HEAD];
} ngx_http_fanout_prefetch_t;


static ngx_uint_t  ngx_http_fanout_prefetch_in_flight;


static ngx_int_t ngx_http_fanout_prefetch_path(ngx_http_request_t *r,
    ngx_http_fanout_ctx_t *ctx, u_char *name, ngx_str_t *path);
static ngx_int_t ngx_http_fanout_prefetch_request(ngx_http_request_t *r,
    ngx_http_fanout_prefetch_t *pf, ngx_str_t *path);
static ngx_int_t ngx_http_fanout_prefetch_peer(ngx_http_request_t *r,
    ngx_http_fanout_cache_loc_conf_t *calcf, ngx_http_fanout_prefetch_t *pf);
static void ngx_http_fanout_prefetch_start(ngx_http_request_t *r,
    ngx_http_fanout_cache_loc_conf_t *calcf, ngx_str_t *path);
static void ngx_http_fanout_prefetch_write(ngx_event_t *wev);
static void ngx_http_fanout_prefetch_read(ngx_event_t *rev);
static ngx_int_t ngx_http_fanout_prefetch_head(ngx_http_fanout_prefetch_t *pf,
    size_t beyond);
static void ngx_http_fanout_prefetch_close(ngx_http_fanout_prefetch_t *pf,
    ngx_uint_t ok);


/* fanout_prefetch is on for r's location (on needs the request's own
 * address: plain HTTP, or an address given). */
ngx_uint_t
ngx_http_fanout_prefetch_on(ngx_http_request_t *r,
    ngx_http_fanout_cache_loc_conf_t *calcf)
{
    if (calcf->prefetch_segments == 0) {
        return 0;
    }

#if (NGX_HTTP_SSL)
    if (calcf->prefetch_addr == NULL && r->connection->ssl) {
        return 0;
    }
#endif

    return 1;
}


/*
 * The playlist or MPD in [p, p + len): the marks of the newest segments
 * it lists (at most NGX_HTTP_FANOUT_PREFETCH_NAMES, into marks), their
 * count; start: it came fresh from the origin, prefetch them.
 */
ngx_uint_t
ngx_http_fanout_prefetch(ngx_http_request_t *r, ngx_http_fanout_ctx_t *ctx,
    u_char *p, size_t len, ngx_uint_t start, ngx_atomic_uint_t *marks)
{
    size_t                              n, i;
    u_char                             *name;
    ngx_str_t                           path;
    ngx_uint_t                          j, k;
    ngx_atomic_uint_t                   key;
    ngx_http_fanout_cache_loc_conf_t   *calcf;
    ngx_http_fanout_cache_main_conf_t  *camcf;
    u_char                              names[NGX_HTTP_FANOUT_PREFETCH_NAMES
                                              * 64];

    calcf = ngx_http_get_module_loc_conf(r, ngx_http_fanout_cache_module);
    camcf = ngx_http_get_module_main_conf(r, ngx_http_fanout_cache_module);

    if (!ngx_http_fanout_prefetch_on(r, calcf) || len == 0
        || camcf->sh == NULL)
    {
        return 0;
    }

    n = ngx_http_fanout_segments_newest(ctx->kind == NGX_HTTP_FANOUT_KIND_DASH,
                                        p, len, calcf->prefetch_segments,
                                        names, sizeof(names),
                                        NGX_HTTP_FANOUT_PREFETCH_NAMES);

    for (i = 0, k = 0, name = names; i < n; i++, name += ngx_strlen(name) + 1)
    {
        if (ngx_http_fanout_prefetch_path(r, ctx, name, &path) != NGX_OK) {
            continue;
        }

        key = ngx_http_fanout_prefetch_key(path.data, path.len);

        /* once per path (a new publish's MPD names its first files
         * twice): a second prefetch in flight would sit on nginx's cache
         * lock, rechecked every 500 ms, and the playlist with it */
        for (j = 0; j < k && marks[j] != key; j++) { /* void */ }

        if (j < k) {
            continue;
        }

        marks[k++] = key;

        if (start && !ngx_http_fanout_prefetching(camcf->sh, key)) {
            ngx_http_fanout_prefetch_start(r, calcf, &path);
        }
    }

    return k;
}


/*
 * fanout_prefetch off | on | address[:port] [segments=N];
 * on: the address the playlist request came in on; N: 1..16, default 2.
 */
char *
ngx_http_fanout_prefetch_set(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_fanout_cache_loc_conf_t *calcf = conf;

    ngx_int_t   n;
    ngx_str_t  *value;
    ngx_url_t   u;

    if (calcf->prefetch_segments != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;
    calcf->prefetch_addr = NULL;
    calcf->prefetch_segments = 2;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        calcf->prefetch_segments = 0;
        return cf->args->nelts == 2 ? NGX_CONF_OK : "takes no segments= when off";
    }

    if (ngx_strcmp(value[1].data, "on") != 0) {
        ngx_memzero(&u, sizeof(ngx_url_t));
        u.url = value[1];
        u.default_port = 80;
        u.no_resolve = 1;

        if (ngx_parse_url(cf->pool, &u) != NGX_OK || u.naddrs != 1) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"fanout_prefetch\": \"%V\" is not an IP "
                               "address and port of this edge%s%s",
                               &value[1], u.err ? ": " : "",
                               u.err ? u.err : "");
            return NGX_CONF_ERROR;
        }

        calcf->prefetch_addr = &u.addrs[0];
    }

    if (cf->args->nelts == 3) {
        if (ngx_strncmp(value[2].data, "segments=", 9) != 0) {
            return "takes \"segments=N\" after the address";
        }

        n = ngx_atoi(value[2].data + 9, value[2].len - 9);

        if (n < 1 || n > 16) {
            return "takes segments= from 1 to 16";
        }

        calcf->prefetch_segments = (ngx_uint_t) n;
    }

    return NGX_CONF_OK;
}


/*
 * name resolved against the playlist's own path, in the request pool, with
 * its "." and ".." segments removed (an ABR MPD names a rendition's files
 * "../<s>_<r>/..."); it must then be a segment of the same app and stream
 * (the path parser's rules: no "..", no "//", no other stream).
 */
static ngx_int_t
ngx_http_fanout_prefetch_path(ngx_http_request_t *r,
    ngx_http_fanout_ctx_t *ctx, u_char *name, ngx_str_t *path)
{
    size_t                  dir, nlen;
    u_char                 *p, *q, *seg, *out;
    ngx_http_fanout_uri_t   parsed;

    nlen = ngx_strlen(name);

    if (name[0] == '/') {
        dir = 0;

    } else {
        for (dir = ctx->uri.len; dir > 0 && ctx->uri.data[dir - 1] != '/';
             dir--)
        { /* void */ }
    }

    if (dir + nlen > NGX_HTTP_FANOUT_PATH_MAX) {
        return NGX_DECLINED;
    }

    p = ngx_pnalloc(r->pool, 2 * (dir + nlen));
    if (p == NULL) {
        return NGX_ERROR;
    }

    q = ngx_cpymem(p, ctx->uri.data, dir);
    q = ngx_cpymem(q, name, nlen);

    /* RFC 3986 remove_dot_segments, over "/"-separated segments */
    out = q;
    path->data = out;

    for (seg = p; seg < q; /* void */ ) {
        u_char  *end = ngx_strlchr(seg + 1, q, '/');
        size_t   len;

        if (end == NULL) {
            end = q;
        }

        len = end - seg;                    /* with its leading '/' */

        if (len == 3 && seg[1] == '.' && seg[2] == '.') {
            while (out > path->data && *--out != '/') { /* void */ }

        } else if (!(len == 2 && seg[1] == '.')) {
            out = ngx_cpymem(out, seg, len);
        }

        seg = end;
    }

    path->len = out - path->data;

    if (ngx_http_fanout_uri_parse(path->data, path->len, &parsed)
            != NGX_HTTP_FANOUT_URI_OK
        || (parsed.kind != NGX_HTTP_FANOUT_KIND_SEGMENT
            && parsed.kind != NGX_HTTP_FANOUT_KIND_INIT)
        || parsed.app_len != ngx_strlen(ctx->app)
        || ngx_strncmp(parsed.app, ctx->app, parsed.app_len) != 0
        || parsed.stream_len != ngx_strlen(ctx->stream)
        || ngx_strncmp(parsed.stream, ctx->stream, parsed.stream_len) != 0)
    {
        return NGX_DECLINED;
    }

    return NGX_OK;
}


/* The request bytes: an HTTP/1.0 GET (the answer ends at the close). */
static ngx_int_t
ngx_http_fanout_prefetch_request(ngx_http_request_t *r,
    ngx_http_fanout_prefetch_t *pf, ngx_str_t *path)
{
    size_t      len;
    ngx_str_t  *host, token;

    static ngx_str_t  no_host = ngx_string("localhost");

    /* with fanout_play_signed, the edge's own token for the stream: the
     * path (and so the cache key) stays the viewers' */
    if (ngx_http_fanout_play_token(r, ngx_http_fanout_get_ctx(r), &token)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    host = r->headers_in.server.len ? &r->headers_in.server : &no_host;
    len = sizeof("GET  HTTP/1.0\r\nHost: \r\n"
                 "User-Agent: " NGX_HTTP_FANOUT_PREFETCH_UA "\r\n\r\n") - 1
          + path->len + host->len
          + sizeof(FO_PT_HEADER ": \r\n") - 1 + token.len;

    pf->request = ngx_create_temp_buf(pf->pool, len);
    if (pf->request == NULL) {
        return NGX_ERROR;
    }

    pf->request->last = ngx_sprintf(pf->request->last,
                                    "GET %V HTTP/1.0\r\nHost: %V\r\n"
                                    "User-Agent: "
                                    NGX_HTTP_FANOUT_PREFETCH_UA "\r\n",
                                    path, host);
    if (token.len) {
        pf->request->last = ngx_sprintf(pf->request->last,
                                        FO_PT_HEADER ": %V\r\n", &token);
    }
    *pf->request->last++ = '\r';
    *pf->request->last++ = '\n';

    return NGX_OK;
}


/* Where to connect: fanout_prefetch's address, or the request's own. */
static ngx_int_t
ngx_http_fanout_prefetch_peer(ngx_http_request_t *r,
    ngx_http_fanout_cache_loc_conf_t *calcf, ngx_http_fanout_prefetch_t *pf)
{
    if (calcf->prefetch_addr) {
        pf->peer.sockaddr = calcf->prefetch_addr->sockaddr;
        pf->peer.socklen = calcf->prefetch_addr->socklen;
        pf->peer.name = &calcf->prefetch_addr->name;

    } else {
        pf->peer.sockaddr = ngx_palloc(pf->pool, r->connection->local_socklen);
        if (pf->peer.sockaddr == NULL) {
            return NGX_ERROR;
        }
        ngx_memcpy(pf->peer.sockaddr, r->connection->local_sockaddr,
                   r->connection->local_socklen);
        pf->peer.socklen = r->connection->local_socklen;
        pf->peer.name = &r->connection->listening->addr_text;
    }

    return NGX_OK;
}


/* GET path from this edge, in a pool and connection of its own. */
static void
ngx_http_fanout_prefetch_start(ngx_http_request_t *r,
    ngx_http_fanout_cache_loc_conf_t *calcf, ngx_str_t *path)
{
    ngx_int_t                           rc;
    ngx_pool_t                         *pool;
    ngx_connection_t                   *c;
    ngx_http_fanout_prefetch_t         *pf;
    ngx_http_fanout_cache_main_conf_t  *camcf;

    camcf = ngx_http_get_module_main_conf(r, ngx_http_fanout_cache_module);

    if (ngx_http_fanout_prefetch_in_flight >= NGX_HTTP_FANOUT_PREFETCH_MAX) {
        ngx_http_fanout_mc_count(camcf, PREFETCH_SKIPPED);
        return;
    }

    if (calcf->prefetch_addr == NULL
        && ngx_connection_local_sockaddr(r->connection, NULL, 0) != NGX_OK)
    {
        return;
    }

    pool = ngx_create_pool(512, ngx_cycle->log);
    if (pool == NULL) {
        return;
    }

    pf = ngx_pcalloc(pool, sizeof(ngx_http_fanout_prefetch_t));
    if (pf == NULL) {
        ngx_destroy_pool(pool);
        return;
    }

    pf->pool = pool;
    pf->camcf = camcf;

    if (ngx_http_fanout_prefetch_request(r, pf, path) != NGX_OK
        || ngx_http_fanout_prefetch_peer(r, calcf, pf) != NGX_OK)
    {
        ngx_destroy_pool(pool);
        return;
    }

    pf->peer.get = ngx_event_get_peer;
    pf->peer.log = ngx_cycle->log;
    pf->peer.log_error = NGX_ERROR_ERR;

    ngx_http_fanout_prefetch_in_flight++;
    ngx_http_fanout_mc_count(camcf, PREFETCHES);
    /* from now on a viewer's request for it waits for it */
    pf->slot = ngx_http_fanout_prefetch_mark(camcf, path, &pf->mark,
                                   NGX_HTTP_FANOUT_PREFETCH_TIMEOUT + 1000);

    rc = ngx_event_connect_peer(&pf->peer);

    if (rc == NGX_ERROR || rc == NGX_BUSY || rc == NGX_DECLINED) {
        if (pf->peer.connection) {
            ngx_close_connection(pf->peer.connection);
            pf->peer.connection = NULL;
        }
        ngx_http_fanout_prefetch_close(pf, 0);
        return;
    }

    c = pf->peer.connection;
    c->data = pf;
    c->pool = pool;
    c->read->handler = ngx_http_fanout_prefetch_read;
    c->write->handler = ngx_http_fanout_prefetch_write;

    /* one deadline for the whole exchange, on the read event */
    ngx_add_timer(c->read, NGX_HTTP_FANOUT_PREFETCH_TIMEOUT);

    if (rc == NGX_OK) {
        ngx_http_fanout_prefetch_write(c->write);
    }
}


static void
ngx_http_fanout_prefetch_write(ngx_event_t *wev)
{
    ssize_t                      n;
    ngx_buf_t                   *b;
    ngx_connection_t            *c;
    ngx_http_fanout_prefetch_t  *pf;

    c = wev->data;
    pf = c->data;
    b = pf->request;

    while (b->pos < b->last) {
        n = c->send(c, b->pos, b->last - b->pos);

        if (n == NGX_AGAIN) {
            if (ngx_handle_write_event(wev, 0) != NGX_OK) {
                ngx_http_fanout_prefetch_close(pf, 0);
            }
            return;
        }

        if (n == NGX_ERROR || n == 0) {
            ngx_http_fanout_prefetch_close(pf, 0);
            return;
        }

        b->pos += n;
    }

    wev->handler = ngx_http_empty_handler;          /* all sent */

    if (ngx_handle_read_event(c->read, 0) != NGX_OK) {
        ngx_http_fanout_prefetch_close(pf, 0);
    }
}


/* Reads the answer to its end and drops it; its status says ok or not. */
static void
ngx_http_fanout_prefetch_read(ngx_event_t *rev)
{
    size_t                       take;
    ssize_t                      n;
    u_char                       buf[4096];
    ngx_connection_t            *c;
    ngx_http_fanout_prefetch_t  *pf;

    c = rev->data;
    pf = c->data;

    if (rev->timedout) {
        ngx_log_error(NGX_LOG_INFO, c->log, NGX_ETIMEDOUT,
                      "fanout prefetch timed out");
        ngx_http_fanout_prefetch_close(pf, 0);
        return;
    }

    for ( ;; ) {
        n = c->recv(c, buf, sizeof(buf));

        if (n == NGX_AGAIN) {
            if (ngx_handle_read_event(rev, 0) != NGX_OK) {
                ngx_http_fanout_prefetch_close(pf, 0);
            }
            return;
        }

        if (n == NGX_ERROR) {
            ngx_http_fanout_prefetch_close(pf, 0);
            return;
        }

        if (n == 0) {               /* HTTP/1.0: the end of the answer */
            ngx_http_fanout_prefetch_close(pf, pf->status == NGX_HTTP_OK
                                           && (pf->length < 0
                                               || pf->body == pf->length));
            return;
        }

        if (pf->status != 0) {
            pf->body += n;
            continue;
        }

        /* the head: its status and length, then count the body */
        take = ngx_min((size_t) n, sizeof(pf->head) - pf->head_len);
        ngx_memcpy(pf->head + pf->head_len, buf, take);
        pf->head_len += take;

        if (ngx_http_fanout_prefetch_head(pf, n - take) != NGX_OK) {
            ngx_http_fanout_prefetch_close(pf, 0);
            return;
        }
    }
}


/* pf->head has the head's bytes (beyond: more than fit): status, length,
 * body bytes once complete; NGX_ERROR: no head, or one over the buffer. */
static ngx_int_t
ngx_http_fanout_prefetch_head(ngx_http_fanout_prefetch_t *pf, size_t beyond)
{
    int   status;
    long  n;

    n = ngx_http_fanout_head_parse(pf->head, pf->head_len, &status,
                                   &pf->length);

    if (n == NGX_HTTP_FANOUT_HEAD_INCOMPLETE) {
        return pf->head_len < sizeof(pf->head) ? NGX_OK : NGX_ERROR;
    }

    if (n == NGX_HTTP_FANOUT_HEAD_INVALID) {
        return NGX_ERROR;
    }

    pf->status = (ngx_uint_t) status;
    pf->body = (off_t) (pf->head_len - (size_t) n + beyond);

    return NGX_OK;
}


static void
ngx_http_fanout_prefetch_close(ngx_http_fanout_prefetch_t *pf, ngx_uint_t ok)
{
    if (!ok) {
        ngx_http_fanout_mc_count(pf->camcf, PREFETCH_FAILED);

        /* lost: a 5xx (the origin died, or is unreachable), a 200 cut
         * short (it died mid-answer); not a 504 (paused or slow: it may
         * send it yet), a 404 (its own word), or no answer at all */
        if ((pf->status >= 500 && pf->status != NGX_HTTP_GATEWAY_TIME_OUT)
            || pf->status == NGX_HTTP_OK)
        {
            ngx_http_fanout_prefetch_lost(pf->camcf, pf->mark);
        }
    }

    if (pf->peer.connection) {
        ngx_close_connection(pf->peer.connection);
    }

    if (pf->slot) {
        ngx_http_fanout_prefetch_unmark(pf->camcf, pf->slot, pf->mark);
    }

    ngx_http_fanout_prefetch_in_flight--;
    ngx_destroy_pool(pf->pool);
}
