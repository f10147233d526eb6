/*
 * ngx_http_fanout_xml.c — see ngx_http_fanout_xml.h.
 */

#include <string.h>

#include "ngx_http_fanout_xml.h"


const unsigned char *
ngx_http_fanout_xml_find(const unsigned char *p, const unsigned char *end,
    const char *needle)
{
    size_t  n = strlen(needle);

    for ( /* void */ ; (size_t) (end - p) >= n; p++) {
        if (*p == (unsigned char) needle[0] && memcmp(p, needle, n) == 0) {
            return p;
        }
    }

    return NULL;
}


/* The next element "<name" (followed by a space, '/' or '>') in [p, end). */
const unsigned char *
ngx_http_fanout_xml_element(const unsigned char *p, const unsigned char *end,
    const char *name)
{
    size_t                n = strlen(name);
    const unsigned char  *e;

    while ((e = ngx_http_fanout_xml_find(p, end, name)) != NULL) {
        if (e + n < end && (e[n] == ' ' || e[n] == '\t' || e[n] == '\n'
                            || e[n] == '\r' || e[n] == '/' || e[n] == '>'))
        {
            return e;
        }

        p = e + n;
    }

    return NULL;
}


/* The last needle in [start, before). */
const unsigned char *
ngx_http_fanout_xml_rfind(const unsigned char *start,
    const unsigned char *before, const char *needle)
{
    size_t                n = strlen(needle);
    const unsigned char  *p;

    if ((size_t) (before - start) < n) {
        return NULL;
    }

    for (p = before - n; p >= start; p--) {
        if (memcmp(p, needle, n) == 0) {
            return p;
        }

        if (p == start) {
            break;
        }
    }

    return NULL;
}


/* The value of attribute `name` of the element at el, up to its '>'. */
int
ngx_http_fanout_xml_attr(const unsigned char *el, const unsigned char *end,
    const char *name, ngx_http_fanout_xml_str_t *v)
{
    size_t                n = strlen(name);
    unsigned char         q;
    const unsigned char  *p, *gt, *close;

    gt = memchr(el, '>', (size_t) (end - el));
    if (gt == NULL) {
        return 0;
    }

    for (p = el + 1; p + n + 2 < gt; p++) {
        if (*p == '"' || *p == '\'') {          /* skip a value */
            close = memchr(p + 1, *p, (size_t) (gt - p - 1));
            if (close == NULL) {
                return 0;
            }
            p = close;
            continue;
        }

        if ((p[-1] != ' ' && p[-1] != '\t' && p[-1] != '\n' && p[-1] != '\r')
            || memcmp(p, name, n) != 0 || p[n] != '='
            || (p[n + 1] != '"' && p[n + 1] != '\''))
        {
            continue;
        }

        q = p[n + 1];
        close = memchr(p + n + 2, q, (size_t) (gt - (p + n + 2)));
        if (close == NULL) {
            return 0;
        }

        v->p = p + n + 2;
        v->len = (size_t) (close - v->p);
        return 1;
    }

    return 0;
}


/* A decimal attribute: 1 when present and valid, with *out set. */
int
ngx_http_fanout_xml_attr_u64(const unsigned char *el,
    const unsigned char *end, const char *name, uint64_t limit,
    uint64_t *out)
{
    size_t                     i;
    uint64_t                   v;
    ngx_http_fanout_xml_str_t  s;

    if (!ngx_http_fanout_xml_attr(el, end, name, &s) || s.len == 0
        || s.len > 20)
    {
        return 0;
    }

    v = 0;

    for (i = 0; i < s.len; i++) {
        if (s.p[i] < '0' || s.p[i] > '9' || v > (limit - (s.p[i] - '0')) / 10)
        {
            return 0;
        }
        v = v * 10 + (uint64_t) (s.p[i] - '0');
    }

    *out = v;
    return 1;
}
