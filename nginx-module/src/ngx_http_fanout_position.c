/*
 * ngx_http_fanout_position.c — the position of a live playlist or MPD in
 * its stream (ngx_http_fanout_position.h).  Pure: no allocation, no I/O.
 * Numbers longer than 19 digits, malformed tags and truncated input are
 * not errors: a playlist the parser cannot place has no position and is
 * served as it is.
 */
#include "ngx_http_fanout_position.h"

#include <stdio.h>
#include <string.h>

#define NGX_HTTP_FANOUT_DIGITS_MAX  19


/* The decimal number at p[0..len), or -1. */
static int
ngx_http_fanout_pos_number(const unsigned char *p, size_t len, uint64_t *v)
{
    size_t  i;

    *v = 0;

    for (i = 0; i < len && p[i] >= '0' && p[i] <= '9'; i++) {
        if (i == NGX_HTTP_FANOUT_DIGITS_MAX) {
            return -1;
        }

        *v = *v * 10 + (uint64_t) (p[i] - '0');
    }

    if (i == 0) {
        return -1;
    }

    /* trailing blanks (a CR) only */
    for (/* void */; i < len; i++) {
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r') {
            return -1;
        }
    }

    return 0;
}


static int
ngx_http_fanout_pos_prefix(const unsigned char *p, size_t len,
    const char *lit)
{
    size_t  n;

    n = strlen(lit);

    return len >= n && memcmp(p, lit, n) == 0;
}


int
ngx_http_fanout_position_hls(const unsigned char *p, size_t len,
    ngx_http_fanout_position_t *pos)
{
    int             has_seq;
    size_t          i, start, n;
    uint64_t        v, seq, segments, disc;
    const unsigned  char *line;

    memset(pos, 0, sizeof(*pos));

    if (p == NULL || !ngx_http_fanout_pos_prefix(p, len, "#EXTM3U")) {
        return 0;
    }

    has_seq = 0;
    seq = 0;
    disc = 0;
    segments = 0;

    for (start = 0; start < len; start = i + 1) {

        for (i = start; i < len && p[i] != '\n'; i++) { /* void */ }

        line = p + start;
        n = i - start;

        if (ngx_http_fanout_pos_prefix(line, n, "#EXTINF:")) {
            segments++;

        } else if (ngx_http_fanout_pos_prefix(line, n,
                                              "#EXT-X-MEDIA-SEQUENCE:"))
        {
            if (ngx_http_fanout_pos_number(line + 22, n - 22, &v) == 0) {
                seq = v;
                has_seq = 1;
            }

        } else if (ngx_http_fanout_pos_prefix(line, n,
                                       "#EXT-X-DISCONTINUITY-SEQUENCE:"))
        {
            if (ngx_http_fanout_pos_number(line + 30, n - 30, &v) == 0) {
                disc = v;
            }

        } else if (ngx_http_fanout_pos_prefix(line, n, "#EXT-X-ENDLIST")) {
            pos->ended = 1;
        }
    }

    if (segments == 0 && !has_seq) {
        return 1;                   /* a master playlist: no position */
    }

    pos->known = 1;
    pos->major = disc;
    pos->minor = seq + segments;

    return 1;
}


/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t
ngx_http_fanout_pos_days(int64_t y, int64_t m, int64_t d)
{
    int64_t  era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return era * 146097 + doe - 719468;
}


/* n digits at p, or -1. */
static int64_t
ngx_http_fanout_pos_fixed(const unsigned char *p, size_t n)
{
    size_t   i;
    int64_t  v;

    v = 0;

    for (i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return -1;
        }
        v = v * 10 + (p[i] - '0');
    }

    return v;
}


/* "YYYY-MM-DDTHH:MM:SS[.fff...]Z" at p[0..len) -> ms, or -1. */
static int64_t
ngx_http_fanout_pos_iso8601(const unsigned char *p, size_t len)
{
    size_t   i;
    int64_t  y, mo, d, h, mi, s, ms, scale;

    if (len < 20 || p[4] != '-' || p[7] != '-' || p[10] != 'T'
        || p[13] != ':' || p[16] != ':')
    {
        return -1;
    }

    y = ngx_http_fanout_pos_fixed(p, 4);
    mo = ngx_http_fanout_pos_fixed(p + 5, 2);
    d = ngx_http_fanout_pos_fixed(p + 8, 2);
    h = ngx_http_fanout_pos_fixed(p + 11, 2);
    mi = ngx_http_fanout_pos_fixed(p + 14, 2);
    s = ngx_http_fanout_pos_fixed(p + 17, 2);

    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23
        || mi < 0 || mi > 59 || s < 0 || s > 60)
    {
        return -1;
    }

    ms = 0;
    i = 19;

    if (p[i] == '.') {
        scale = 100;

        for (i++; i < len && p[i] >= '0' && p[i] <= '9'; i++) {
            ms += (p[i] - '0') * scale;
            scale /= 10;
        }
    }

    if (i >= len || p[i] != 'Z') {
        return -1;
    }

    return ((ngx_http_fanout_pos_days(y, mo, d) * 24 + h) * 60 + mi) * 60000
           + s * 1000 + ms;
}


/* The value of attribute name="..." in p[0..len), or NULL. */
static const unsigned char *
ngx_http_fanout_pos_attr(const unsigned char *p, size_t len,
    const char *name, size_t *vlen)
{
    size_t                n, i;
    const unsigned char  *v;

    n = strlen(name);

    for (i = 0; i + n + 2 <= len; i++) {
        if (memcmp(p + i, name, n) != 0 || p[i + n] != '='
            || p[i + n + 1] != '"'
            || (i > 0 && p[i - 1] != ' ' && p[i - 1] != '\n'
                && p[i - 1] != '\t' && p[i - 1] != '\r'))
        {
            continue;
        }

        v = p + i + n + 2;

        for (*vlen = 0; v + *vlen < p + len && v[*vlen] != '"'; (*vlen)++) {
            /* void */
        }

        return v + *vlen < p + len ? v : NULL;
    }

    return NULL;
}


/* The <MPD ...> start tag in p[0..len), its length (to its '>' or the
 * end) in *n; NULL when there is none. */
static const unsigned char *
ngx_http_fanout_pos_mpd_tag(const unsigned char *p, size_t len, size_t *n)
{
    size_t                i;
    const unsigned char  *mpd;

    for (i = 0; i + 5 <= len; i++) {
        if (memcmp(p + i, "<MPD", 4) == 0
            && (p[i + 4] == ' ' || p[i + 4] == '\n' || p[i + 4] == '\r'
                || p[i + 4] == '\t' || p[i + 4] == '>'))
        {
            break;
        }
    }

    if (i + 5 > len) {
        return NULL;
    }

    mpd = p + i;

    for (*n = 0; mpd + *n < p + len && mpd[*n] != '>'; (*n)++) { /* void */ }

    return mpd;
}


int
ngx_http_fanout_position_dash(const unsigned char *p, size_t len,
    ngx_http_fanout_position_t *pos)
{
    size_t                n, vlen;
    int64_t               ms;
    const unsigned char  *mpd, *v;

    memset(pos, 0, sizeof(*pos));

    if (p == NULL) {
        return 0;
    }

    mpd = ngx_http_fanout_pos_mpd_tag(p, len, &n);

    if (mpd == NULL) {
        return 0;
    }

    v = ngx_http_fanout_pos_attr(mpd, n, "type", &vlen);
    pos->ended = v != NULL && vlen == 6 && memcmp(v, "static", 6) == 0;

    v = ngx_http_fanout_pos_attr(mpd, n, "publishTime", &vlen);

    if (v != NULL) {
        ms = ngx_http_fanout_pos_iso8601(v, vlen);

        if (ms >= 0) {
            pos->known = 1;
            pos->minor = (uint64_t) ms;
        }
    }

    return 1;
}


int
ngx_http_fanout_position_cmp(const ngx_http_fanout_position_t *a,
    const ngx_http_fanout_position_t *b)
{
    if (a->major != b->major) {
        return a->major < b->major ? -1 : 1;
    }

    if (a->minor != b->minor) {
        return a->minor < b->minor ? -1 : 1;
    }

    return 0;
}


/* publishTime - availabilityStartTime of an <MPD ...> tag, in ms; -1. */
static int64_t
ngx_http_fanout_pos_duration(const unsigned char *mpd, size_t n)
{
    size_t                vlen;
    int64_t               start, publish;
    const unsigned char  *v;

    v = ngx_http_fanout_pos_attr(mpd, n, "availabilityStartTime", &vlen);
    start = v ? ngx_http_fanout_pos_iso8601(v, vlen) : -1;

    v = ngx_http_fanout_pos_attr(mpd, n, "publishTime", &vlen);
    publish = v ? ngx_http_fanout_pos_iso8601(v, vlen) : -1;

    if (start < 0 || publish < start
        || publish - start > (int64_t) 1000 * 86400 * 366 * 100)
    {
        return -1;
    }

    return publish - start;
}


size_t
ngx_http_fanout_position_end(int dash, const unsigned char *p, size_t len,
    unsigned char *out, size_t size)
{
    size_t                n, m, vlen, rest;
    int64_t               dur;
    const unsigned char  *mpd, *v;
    static const char     endlist[] = "#EXT-X-ENDLIST\n";

    if (size < len + NGX_HTTP_FANOUT_END_ROOM) {
        return 0;
    }

    memcpy(out, p, len);

    if (!dash) {
        n = len;

        if (n > 0 && out[n - 1] != '\n') {
            out[n++] = '\n';
        }

        memcpy(out + n, endlist, sizeof(endlist) - 1);

        return n + sizeof(endlist) - 1;
    }

    /*
     * type="dynamic" -> type="static", with mediaPresentationDuration
     * (a static MPD needs it: dash.js refuses one without): from
     * availabilityStartTime to publishTime, which the origin sets when it
     * lists a segment, so where its last one ends.
     */
    mpd = ngx_http_fanout_pos_mpd_tag(p, len, &n);
    v = mpd ? ngx_http_fanout_pos_attr(mpd, n, "type", &vlen) : NULL;

    if (v == NULL || vlen != 7 || memcmp(v, "dynamic", 7) != 0) {
        return len;
    }

    dur = ngx_http_fanout_pos_duration(mpd, n);

    m = v - p;
    memcpy(out + m, "static\"", 7);
    m += 7;

    if (dur >= 0) {
        m += snprintf((char *) out + m, NGX_HTTP_FANOUT_END_ROOM,
                      " mediaPresentationDuration=\"PT%lld.%03lldS\"",
                      (long long) (dur / 1000), (long long) (dur % 1000));
    }

    rest = (size_t) (v - p) + 8;        /* past dynamic" */
    memcpy(out + m, p + rest, len - rest);

    return m + len - rest;
}
