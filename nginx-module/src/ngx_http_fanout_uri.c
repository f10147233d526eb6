/*
 * ngx_http_fanout_uri.c — request path -> (app, stream, kind).
 *
 * Pure: no allocation, no I/O, no nginx header (the rendition rule is
 * auth/'s fo_stream_scope, shared with signed playback).  Everything that
 * is not exactly the grammar in ngx_http_fanout_uri.h is rejected here,
 * before a byte can reach the store: characters outside [A-Za-z0-9_.-/],
 * empty path segments, "." and ".." segments (whatever encoding the client
 * used, nginx has decoded it into r->uri by now), and over-long names.
 */
#include "ngx_http_fanout_uri.h"
#include "fanout/stream_scope.h"

#define NGX_HTTP_FANOUT_SEGS  5     /* one more than the deepest path */

typedef struct {
    const unsigned char  *p;
    size_t                len;
} ngx_http_fanout_seg_t;


static int
ngx_http_fanout_id_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}


static int
ngx_http_fanout_dots(const unsigned char *p, size_t len)
{
    return (len == 1 && p[0] == '.')
           || (len == 2 && p[0] == '.' && p[1] == '.');
}


static int
ngx_http_fanout_seg_is(const ngx_http_fanout_seg_t *s, const char *lit,
    size_t len)
{
    size_t  i;

    if (s->len != len) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (s->p[i] != (unsigned char) lit[i]) {
            return 0;
        }
    }

    return 1;
}


/*
 * Splits file into base and extension at the last dot and maps the
 * extension to a kind.  Returns 0 for an unknown or missing extension.
 */
static int
ngx_http_fanout_file_kind(const ngx_http_fanout_seg_t *file, size_t *base_len,
    ngx_http_fanout_kind_e *kind)
{
    size_t                 i;
    ngx_http_fanout_seg_t  ext;

    for (i = file->len; i > 0; i--) {
        if (file->p[i - 1] == '.') {
            break;
        }
    }

    if (i <= 1) {
        return 0;                   /* no dot, or nothing before it */
    }

    *base_len = i - 1;
    ext.p = file->p + i;
    ext.len = file->len - i;

    if (ngx_http_fanout_seg_is(&ext, "m3u8", 4)) {
        *kind = NGX_HTTP_FANOUT_KIND_HLS;

    } else if (ngx_http_fanout_seg_is(&ext, "mpd", 3)) {
        *kind = NGX_HTTP_FANOUT_KIND_DASH;

    } else if (ngx_http_fanout_seg_is(&ext, "mp4", 3)) {
        *kind = NGX_HTTP_FANOUT_KIND_INIT;

    } else if (ngx_http_fanout_seg_is(&ext, "m4s", 3)
               || ngx_http_fanout_seg_is(&ext, "ts", 2))
    {
        *kind = NGX_HTTP_FANOUT_KIND_SEGMENT;

    } else {
        return 0;
    }

    return 1;
}


/*
 * Pass 1: every byte and every segment, whatever the layout.  The first
 * NGX_HTTP_FANOUT_SEGS segments go to segs; *n counts them all, and
 * *trailing says the path ends in "/".
 */
static ngx_http_fanout_uri_rc_e
ngx_http_fanout_split(const unsigned char *path, size_t len,
    ngx_http_fanout_seg_t *segs, size_t *n, int *trailing)
{
    size_t  i, start, seg_len;

    *n = 0;
    *trailing = 0;
    start = 1;

    for (i = 1; i <= len; i++) {

        if (i < len && path[i] != '/') {
            if (!ngx_http_fanout_id_char(path[i])) {
                return NGX_HTTP_FANOUT_URI_BAD;
            }
            continue;
        }

        seg_len = i - start;

        if (seg_len == 0) {
            if (i == len) {
                *trailing = 1;      /* "/LiveApp/streams/" */
                break;
            }
            return NGX_HTTP_FANOUT_URI_BAD;     /* "//" */
        }

        if (seg_len > NGX_HTTP_FANOUT_FILE_MAX
            || ngx_http_fanout_dots(path + start, seg_len))
        {
            return NGX_HTTP_FANOUT_URI_BAD;
        }

        if (*n < NGX_HTTP_FANOUT_SEGS) {
            segs[*n].p = path + start;
            segs[*n].len = seg_len;
        }

        (*n)++;
        start = i + 1;
    }

    return NGX_HTTP_FANOUT_URI_OK;
}


ngx_http_fanout_uri_rc_e
ngx_http_fanout_uri_parse(const unsigned char *path, size_t len,
    ngx_http_fanout_uri_t *out)
{
    size_t                    n, base_len, stream_len;
    int                       trailing;
    const unsigned            char      *stream;
    ngx_http_fanout_kind_e    kind;
    ngx_http_fanout_uri_rc_e  rc;
    ngx_http_fanout_seg_t     segs[NGX_HTTP_FANOUT_SEGS];

    if (path == 0 || len == 0 || path[0] != '/'
        || len > NGX_HTTP_FANOUT_PATH_MAX)
    {
        return NGX_HTTP_FANOUT_URI_BAD;
    }

    rc = ngx_http_fanout_split(path, len, segs, &n, &trailing);
    if (rc != NGX_HTTP_FANOUT_URI_OK) {
        return rc;
    }

    /* Pass 2: the layout. */

    if (trailing || n < 3 || n > 4
        || !ngx_http_fanout_seg_is(&segs[1], "streams", 7))
    {
        return NGX_HTTP_FANOUT_URI_NOT_STREAM;
    }

    if (segs[0].len > NGX_HTTP_FANOUT_APP_MAX) {
        return NGX_HTTP_FANOUT_URI_BAD;
    }

    if (n == 3) {
        /* /{app}/streams/{s}.m3u8, or /{app}/streams/time: the clock (a
         * stream is never served without an extension) */
        if (ngx_http_fanout_seg_is(&segs[2], "time", 4)) {
            kind = NGX_HTTP_FANOUT_KIND_TIME;
            base_len = 4;

        } else if (!ngx_http_fanout_file_kind(&segs[2], &base_len, &kind)
                   || kind != NGX_HTTP_FANOUT_KIND_HLS)
        {
            return NGX_HTTP_FANOUT_URI_NOT_STREAM;
        }

        stream = segs[2].p;
        stream_len = base_len;

    } else {
        /* /{app}/streams/{s}/{file}.{ext} */
        if (!ngx_http_fanout_file_kind(&segs[3], &base_len, &kind)) {
            return NGX_HTTP_FANOUT_URI_NOT_STREAM;
        }

        stream = segs[2].p;
        stream_len = segs[2].len;
    }

    /* "time" has no rendition suffix */
    stream_len = fo_stream_scope((const char *) stream, stream_len);

    if (stream_len > NGX_HTTP_FANOUT_STREAM_MAX
        || ngx_http_fanout_dots(stream, stream_len))
    {
        return NGX_HTTP_FANOUT_URI_BAD;
    }

    out->app = segs[0].p;
    out->app_len = segs[0].len;
    out->stream = stream;
    out->rendition = (n == 3 ? base_len : segs[2].len) != stream_len;
    out->stream_len = stream_len;
    out->kind = kind;

    return NGX_HTTP_FANOUT_URI_OK;
}


const char *
ngx_http_fanout_kind_name(ngx_http_fanout_kind_e kind)
{
    switch (kind) {
    case NGX_HTTP_FANOUT_KIND_HLS:
        return "hls";
    case NGX_HTTP_FANOUT_KIND_DASH:
        return "dash";
    case NGX_HTTP_FANOUT_KIND_INIT:
        return "init";
    case NGX_HTTP_FANOUT_KIND_SEGMENT:
        return "segment";
    case NGX_HTTP_FANOUT_KIND_TIME:
        return "time";
    }

    return "unknown";
}


/* The index of the first byte of stop in src[i..len), or len. */
static size_t
ngx_http_fanout_skip_value(const unsigned char *src, size_t i, size_t len,
    const char *stop)
{
    const char  *c;

    for ( /* void */ ; i < len; i++) {
        for (c = stop; *c; c++) {
            if (src[i] == (unsigned char) *c) {
                return i;
            }
        }
    }

    return len;
}


/* src[i..] begins with the NUL-terminated word. */
static int
ngx_http_fanout_at(const unsigned char *src, size_t i, size_t len,
    const char *word)
{
    for ( /* void */ ; *word; word++, i++) {
        if (i >= len || src[i] != (unsigned char) *word) {
            return 0;
        }
    }

    return 1;
}


size_t
ngx_http_fanout_redact(unsigned char *dst, const unsigned char *src,
    size_t len)
{
    int     query;
    size_t  i, n, from, to;

    query = 0;
    n = 0;
    i = 0;

    while (i < len) {
        dst[n++] = src[i];

        if (src[i] == ' ' && query) {
            query = 0;                   /* the protocol after the target */

        } else if (src[i] == '?') {
            query = 1;
        }

        if (!query && ngx_http_fanout_at(src, i, len, "/t=")) {
            from = i + 3;                /* the element's value */
            to = ngx_http_fanout_skip_value(src, from, len, "/? ");

        } else if (query && (src[i] == '?' || src[i] == '&')
                   && ngx_http_fanout_at(src, i + 1, len, "token="))
        {
            from = i + 7;                /* the parameter's value */
            to = ngx_http_fanout_skip_value(src, from, len, "&# ");

        } else {
            i++;
            continue;
        }

        for (i++; i < from; i++) {      /* "t=", "token=" */
            dst[n++] = src[i];
        }

        if (to > from) {
            dst[n++] = '-';
        }

        i = to;
    }

    return n;
}
