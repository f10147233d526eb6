/*
 * ngx_http_fanout_position.h — where a live playlist or MPD is in its
 * stream, so that an edge can tell an older answer from a newer one.
 *
 * Pure functions over bytes, as the path parser: no allocation, no I/O,
 * no nginx header; nginx-module/tests/ compiles this file on its own.
 *
 *   HLS media playlist   (EXT-X-DISCONTINUITY-SEQUENCE,
 *                         EXT-X-MEDIA-SEQUENCE + the segments it lists)
 *   DASH MPD             (0, publishTime in ms since the epoch)
 *
 * A master playlist (no segments, no media sequence) or an MPD without a
 * publishTime has no position: it is never compared.
 */
#ifndef NGX_HTTP_FANOUT_POSITION_H
#define NGX_HTTP_FANOUT_POSITION_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t  major;    /* HLS: discontinuity sequence; DASH: 0 */
    uint64_t  minor;    /* HLS: media sequence + segments; DASH: publishTime */
    int       known;    /* 1: major and minor were found */
    int       ended;    /* HLS: EXT-X-ENDLIST; DASH: type="static" */
} ngx_http_fanout_position_t;

/* 1 when p is an #EXTM3U playlist; fills *pos.  0: not a playlist. */
int ngx_http_fanout_position_hls(const unsigned char *p, size_t len,
    ngx_http_fanout_position_t *pos);

/* 1 when p has an <MPD element; fills *pos.  0: not an MPD. */
int ngx_http_fanout_position_dash(const unsigned char *p, size_t len,
    ngx_http_fanout_position_t *pos);

/* <0, 0, >0 as a is before, at, after b (both known). */
int ngx_http_fanout_position_cmp(const ngx_http_fanout_position_t *a,
    const ngx_http_fanout_position_t *b);

/*
 * The stream's final answer from its last live one, written to out (room
 * for len + NGX_HTTP_FANOUT_END_ROOM bytes): an HLS playlist gets
 * "#EXT-X-ENDLIST", an MPD's type="dynamic" becomes type="static" with a
 * mediaPresentationDuration (publishTime - availabilityStartTime, when
 * both parse).  Returns the length written, 0 when out is too small.
 */
#define NGX_HTTP_FANOUT_END_ROOM  64

size_t ngx_http_fanout_position_end(int dash, const unsigned char *p,
    size_t len, unsigned char *out, size_t size);

#endif /* NGX_HTTP_FANOUT_POSITION_H */
