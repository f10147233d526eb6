/*
 * uri_fuzz.c — libFuzzer target for the edge's request-path parser.
 *
 * Whatever it accepts must be inside the input, within the store's bounds,
 * made of id characters only, and never "." or "..": that is the promise
 * the module relies on before a name reaches the store.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_http_fanout_uri.h"

static int
valid_id(const unsigned char *p, size_t len, size_t max)
{
    size_t  i;

    if (len == 0 || len > max) {
        return 0;
    }
    if ((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
    {
        return 0;
    }
    for (i = 0; i < len; i++) {
        unsigned char c = p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
        {
            return 0;
        }
    }
    return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ngx_http_fanout_uri_t     u;
    ngx_http_fanout_uri_rc_e  rc;
    unsigned char            *copy, *out;
    size_t                    n;

    /* A private copy so ASan sees any read past the end. */
    copy = malloc(size ? size : 1);
    if (copy == NULL) {
        return 0;
    }
    memcpy(copy, data, size);

    rc = ngx_http_fanout_uri_parse(copy, size, &u);

    if (rc == NGX_HTTP_FANOUT_URI_OK) {
        if (u.app < copy || u.app + u.app_len > copy + size
            || u.stream < copy || u.stream + u.stream_len > copy + size
            || !valid_id(u.app, u.app_len, NGX_HTTP_FANOUT_APP_MAX)
            || !valid_id(u.stream, u.stream_len, NGX_HTTP_FANOUT_STREAM_MAX)
            || u.kind > NGX_HTTP_FANOUT_KIND_SEGMENT
            || (u.rendition != 0 && u.rendition != 1)
            || size > NGX_HTTP_FANOUT_PATH_MAX)
        {
            abort();
        }

    } else if (rc != NGX_HTTP_FANOUT_URI_BAD
               && rc != NGX_HTTP_FANOUT_URI_NOT_STREAM)
    {
        abort();
    }

    /* The access log's redaction never grows a line, never reads or
     * writes out of bounds, and leaves nothing to redact. */
    out = malloc(size ? size : 1);
    if (out == NULL) {
        free(copy);
        return 0;
    }
    n = ngx_http_fanout_redact(out, copy, size);
    if (n > size || ngx_http_fanout_redact(out, out, n) != n) {
        abort();
    }

    free(out);
    free(copy);
    return 0;
}
