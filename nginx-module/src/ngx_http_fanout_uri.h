/*
 * ngx_http_fanout_uri.h — the edge's request-path parser.
 *
 * A pure function over bytes: it owns no memory, calls nothing, and needs
 * no nginx header, so the unit test and the fuzz target in
 * nginx-module/tests/ compile this file on its own.
 *
 * Accepted paths (every name is 1..max bytes of [A-Za-z0-9_.-], never
 * "." or ".."):
 *
 *   /{app}/streams/{s}.m3u8            HLS playlist
 *   /{app}/streams/{s}/{file}.m3u8     HLS playlist (rendition, variant)
 *   /{app}/streams/{s}/{file}.mpd      DASH manifest
 *   /{app}/streams/{s}/{file}.mp4      init segment
 *   /{app}/streams/{s}/{file}.m4s      media segment (CMAF)
 *   /{app}/streams/{s}/{file}.ts       media segment (MPEG-TS)
 *   /{app}/streams/time                the edge's UTC clock (DASH UTCTiming);
 *                                      stream is "time", never looked up
 *
 * The stream id is {s} with an ABR rendition suffix removed, when
 * something is left before it: a trailing "_<1-5 digits>p" (s1_720p -> s1),
 * "_<1-5 digits>p<1-7 digits>kbps" (Ant Media's %r%b rendition names,
 * s1_360p800kbps -> s1) or "_adaptive" (the master playlist, s1_adaptive
 * -> s1): fo_stream_scope (auth/include/fanout/stream_scope.h), the rule
 * signed playback tokens are scoped by.
 */
#ifndef NGX_HTTP_FANOUT_URI_H
#define NGX_HTTP_FANOUT_URI_H

#include <stddef.h>

/* Bounds from the store (fanout/store.h): FO_ID_MAX - 1, FO_STREAM_MAX - 1. */
#define NGX_HTTP_FANOUT_APP_MAX     63
#define NGX_HTTP_FANOUT_STREAM_MAX  127
#define NGX_HTTP_FANOUT_FILE_MAX    255
#define NGX_HTTP_FANOUT_PATH_MAX    512

typedef enum {
    NGX_HTTP_FANOUT_URI_OK = 0,
    NGX_HTTP_FANOUT_URI_BAD,          /* malformed or hostile: answer 400 */
    NGX_HTTP_FANOUT_URI_NOT_STREAM    /* well formed, no stream here: 404 */
} ngx_http_fanout_uri_rc_e;

typedef enum {
    NGX_HTTP_FANOUT_KIND_HLS = 0,     /* .m3u8 */
    NGX_HTTP_FANOUT_KIND_DASH,        /* .mpd */
    NGX_HTTP_FANOUT_KIND_INIT,        /* .mp4 */
    NGX_HTTP_FANOUT_KIND_SEGMENT,     /* .m4s, .ts */
    NGX_HTTP_FANOUT_KIND_TIME         /* /{app}/streams/time */
} ngx_http_fanout_kind_e;

typedef struct {
    const unsigned char     *app;         /* points into the input */
    size_t                   app_len;
    const unsigned char     *stream;      /* rendition suffix removed */
    size_t                   stream_len;
    ngx_http_fanout_kind_e   kind;
    int                      rendition;   /* 1 when a suffix was removed */
} ngx_http_fanout_uri_t;

/*
 * Parses a decoded request path (nginx's r->uri: no query string).
 * Fills *out only on NGX_HTTP_FANOUT_URI_OK; its pointers point into path.
 * The caller still checks the app against its configured list.
 */
ngx_http_fanout_uri_rc_e ngx_http_fanout_uri_parse(const unsigned char *path,
    size_t len, ngx_http_fanout_uri_t *out);

/*
 * A request line (or target) for the access log, without its playback
 * tokens: the value of every path element "t=<token>" (before the query)
 * and of every query parameter "token=" becomes "-" (an empty one stays
 * empty).  dst has room for len bytes; returns the bytes written (<= len).
 */
size_t ngx_http_fanout_redact(unsigned char *dst, const unsigned char *src,
    size_t len);

/* "hls", "dash", "init", "segment" or "time". */
const char *ngx_http_fanout_kind_name(ngx_http_fanout_kind_e kind);

#endif /* NGX_HTTP_FANOUT_URI_H */
