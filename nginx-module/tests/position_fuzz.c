/*
 * position_fuzz.c — libFuzzer target for the playlist / MPD position
 * parser (src/ngx_http_fanout_position.c): any bytes, no crash, no read
 * out of bounds, and the final answer of what it parsed places as ended.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "ngx_http_fanout_position.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t                      n;
    unsigned char              *out;
    ngx_http_fanout_position_t  a, b;

    (void) ngx_http_fanout_position_hls(data, size, &a);
    (void) ngx_http_fanout_position_dash(data, size, &b);

    if (a.known && b.known) {
        (void) ngx_http_fanout_position_cmp(&a, &b);
    }

    out = malloc(size + NGX_HTTP_FANOUT_END_ROOM);
    if (out == NULL) {
        return 0;
    }

    n = ngx_http_fanout_position_end(0, data, size, out,
                                     size + NGX_HTTP_FANOUT_END_ROOM);
    if (ngx_http_fanout_position_hls(out, n, &a) == 1 && !a.ended) {
        abort();
    }

    (void) ngx_http_fanout_position_end(1, data, size, out,
                                        size + NGX_HTTP_FANOUT_END_ROOM);
    free(out);

    return 0;
}
