/*
 * ngx_http_fanout_head.c — the status and Content-Length of an HTTP/1.x
 * response head (ngx_http_fanout_head.h).
 */
#include "ngx_http_fanout_head.h"

#include <string.h>


#define NGX_HTTP_FANOUT_LENGTH_MAX  (1LL << 50)


static int
ngx_http_fanout_head_lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}


/* The line [p, end) is "Content-Length:" and a value: 1, and *length set
 * (-1 when the value is malformed); else 0. */
static int
ngx_http_fanout_head_length(const unsigned char *p, const unsigned char *end,
    long long *length)
{
    size_t                i;
    long long             v;
    const unsigned char  *d;

    static const char  name[] = "content-length:";

    if ((size_t) (end - p) < sizeof(name) - 1) {
        return 0;
    }

    for (i = 0; i < sizeof(name) - 1; i++) {
        if (ngx_http_fanout_head_lower(p[i]) != (unsigned char) name[i]) {
            return 0;
        }
    }

    for (p += i; p < end && (*p == ' ' || *p == '\t'); p++) { /* void */ }
    while (end > p && (end[-1] == ' ' || end[-1] == '\t')) {
        end--;
    }

    v = 0;

    for (d = p; d < end; d++) {
        if (*d < '0' || *d > '9' || v > NGX_HTTP_FANOUT_LENGTH_MAX) {
            *length = -1;
            return 1;
        }

        v = v * 10 + (*d - '0');
    }

    *length = d == p ? -1 : v;

    return 1;
}


long
ngx_http_fanout_head_parse(const unsigned char *p, size_t len, int *status,
    long long *length)
{
    int                   code;
    long long             found, v;
    const unsigned char  *line, *end, *last;

    last = p + len;

    /* "HTTP/1.x NNN" */
    if (len < 12) {
        return memcmp(p, "HTTP/1.", len < 7 ? len : 7) == 0
               ? NGX_HTTP_FANOUT_HEAD_INCOMPLETE : NGX_HTTP_FANOUT_HEAD_INVALID;
    }

    if (memcmp(p, "HTTP/1.", 7) != 0 || p[7] < '0' || p[7] > '9'
        || p[8] != ' ' || p[9] < '1' || p[9] > '5'
        || p[10] < '0' || p[10] > '9' || p[11] < '0' || p[11] > '9'
        || (len > 12 && p[12] != ' ' && p[12] != '\r' && p[12] != '\n'))
    {
        return NGX_HTTP_FANOUT_HEAD_INVALID;
    }

    code = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
    found = -2;                                 /* none yet */

    for (line = p; line < last; line = end + 1) {
        end = memchr(line, '\n', (size_t) (last - line));

        if (end == NULL) {
            return NGX_HTTP_FANOUT_HEAD_INCOMPLETE;
        }

        if (line > p && (end == line || (end == line + 1 && *line == '\r')))
        {
            *status = code;
            *length = found == -2 ? -1 : found;
            return (long) (end + 1 - p);
        }

        if (line == p
            || !ngx_http_fanout_head_length(line,
                                            end > line && end[-1] == '\r'
                                            ? end - 1 : end, &v))
        {
            continue;
        }

        if (v < 0 || (found != -2 && found != v)) {
            return NGX_HTTP_FANOUT_HEAD_INVALID;
        }

        found = v;
    }

    return NGX_HTTP_FANOUT_HEAD_INCOMPLETE;
}
