/*
 * segments_fuzz.c — libFuzzer target for the newest-segments parser
 * (src/ngx_http_fanout_segments.c): any bytes, no crash, no read or write
 * out of bounds, and every name written is one the edge may fetch.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_http_fanout_segments.h"

static void
check(const unsigned char *out, size_t used, size_t n)
{
    size_t  i, at, len;

    for (i = 0, at = 0; i < n; i++, at += len + 1) {
        if (at >= used) {
            abort();
        }
        const unsigned char *nul = memchr(out + at, '\0', used - at);

        if (nul == NULL) {
            abort();
        }
        len = (size_t) (nul - (out + at));
        if (len == 0 || len > NGX_HTTP_FANOUT_SEGMENT_NAME_MAX
            || memchr(out + at, ':', len) || memchr(out + at, '?', len)
            || (len > 1 && out[at] == '/' && out[at + 1] == '/'))
        {
            abort();
        }
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int            dash;
    size_t         n;
    unsigned char  out[2048];

    for (dash = 0; dash < 2; dash++) {
        n = ngx_http_fanout_segments_newest(dash, data, size, 3, out,
                                            sizeof(out), 32);
        check(out, sizeof(out), n);
    }

    return 0;
}
