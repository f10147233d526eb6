/*
 * ngx_http_fanout_segments.c — see ngx_http_fanout_segments.h.
 *
 * The DASH side reads the subset of XML an MPD's segment addressing
 * needs: elements by name, their attributes in double or single quotes,
 * no entities (a value with '&' is not a name this edge fetches).
 * Every scan is bounded: at most NGX_HTTP_FANOUT_SEG_TEMPLATES templates
 * and NGX_HTTP_FANOUT_SEG_REPS Representations each, and a repeat count
 * is applied arithmetically, never looped over.
 */

#include <stdint.h>
#include <string.h>

#include "ngx_http_fanout_segments.h"
#include "ngx_http_fanout_xml.h"


#define NGX_HTTP_FANOUT_SEG_RING       16
#define NGX_HTTP_FANOUT_SEG_TEMPLATES  64
#define NGX_HTTP_FANOUT_SEG_REPS       64
#define NGX_HTTP_FANOUT_SEG_MAX_R      1000000000ULL
#define NGX_HTTP_FANOUT_SEG_MAX_D      (1ULL << 48)


typedef struct {
    unsigned char  *out;
    size_t          size;
    size_t          used;
    size_t          max;
    size_t          n;
} ngx_http_fanout_seg_out_t;

typedef struct {
    uint64_t  number;
    uint64_t  time;
} ngx_http_fanout_seg_pos_t;

static int
ngx_http_fanout_seg_name_ok(const unsigned char *s, size_t len)
{
    size_t  i;

    if (len == 0 || len > NGX_HTTP_FANOUT_SEGMENT_NAME_MAX
        || (len > 1 && s[0] == '/' && s[1] == '/'))
    {
        return 0;
    }

    for (i = 0; i < len; i++) {
        unsigned char c = s[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'
              || c == '~' || c == '/'))
        {
            return 0;
        }
    }

    return 1;
}


/* Appends one name (when valid and it fits); 0 when out is full. */
static int
ngx_http_fanout_seg_put(ngx_http_fanout_seg_out_t *o, const unsigned char *s,
    size_t len)
{
    if (o->n >= o->max) {
        return 0;
    }

    if (!ngx_http_fanout_seg_name_ok(s, len)) {
        return 1;
    }

    if (len + 1 > o->size - o->used) {
        return 0;
    }

    memcpy(o->out + o->used, s, len);
    o->used += len;
    o->out[o->used++] = '\0';
    o->n++;

    return 1;
}


/* ---- HLS --------------------------------------------------------------- */

static int
ngx_http_fanout_seg_prefix(const unsigned char *s, size_t len, const char *pfx)
{
    size_t  n = strlen(pfx);

    return len >= n && memcmp(s, pfx, n) == 0;
}


static size_t
ngx_http_fanout_seg_hls(const unsigned char *p, size_t len, size_t per_track,
    ngx_http_fanout_seg_out_t *o)
{
    size_t                     i, start, n, count, k;
    const unsigned char       *line;
    ngx_http_fanout_xml_str_t  ring[NGX_HTTP_FANOUT_SEG_RING];

    if (len >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) {
        p += 3;                     /* a UTF-8 byte order mark */
        len -= 3;
    }

    if (!ngx_http_fanout_seg_prefix(p, len, "#EXTM3U")) {
        return 0;
    }

    count = 0;

    for (start = 0; start < len; start = i + 1) {
        for (i = start; i < len && p[i] != '\n'; i++) { /* void */ }

        line = p + start;
        n = i - start;

        while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' '
                         || line[n - 1] == '\t'))
        {
            n--;
        }

        while (n > 0 && (line[0] == ' ' || line[0] == '\t')) {
            line++;
            n--;
        }

        if (ngx_http_fanout_seg_prefix(line, n, "#EXT-X-STREAM-INF")) {
            return 0;               /* a master playlist: no segments */
        }

        if (n == 0 || line[0] == '#') {
            continue;
        }

        ring[count % NGX_HTTP_FANOUT_SEG_RING].p = line;
        ring[count % NGX_HTTP_FANOUT_SEG_RING].len = n;
        count++;
    }

    k = count > per_track ? count - per_track : 0;

    for ( /* void */ ; k < count; k++) {
        if (!ngx_http_fanout_seg_put(o, ring[k % NGX_HTTP_FANOUT_SEG_RING].p,
                                     ring[k % NGX_HTTP_FANOUT_SEG_RING].len))
        {
            break;
        }
    }

    return o->n;
}


/* ---- DASH: timelines and templates ------------------------------------- */

/*
 * The last `keep` (number, time) pairs of the <S> elements in [p, end),
 * oldest first, into ring; returns how many, or -1 for a timeline this
 * edge cannot count (r="-1", a missing d, an overflow).
 */
static int
ngx_http_fanout_seg_timeline(const unsigned char *p, const unsigned char *end,
    uint64_t start_number, size_t keep, ngx_http_fanout_seg_pos_t *ring)
{
    size_t                     n;
    uint64_t                   t, d, r, k, count, time;
    const unsigned char       *s;
    ngx_http_fanout_xml_str_t  neg;
    ngx_http_fanout_seg_pos_t  tmp[NGX_HTTP_FANOUT_SEG_RING];

    count = 0;
    time = 0;
    n = 0;

    while ((s = ngx_http_fanout_xml_element(p, end, "<S")) != NULL) {
        if (ngx_http_fanout_xml_attr(s, end, "r", &neg) && neg.len > 0
            && neg.p[0] == '-')
        {
            return -1;              /* open-ended: no last segment */
        }

        if (!ngx_http_fanout_xml_attr_u64(s, end, "d", NGX_HTTP_FANOUT_SEG_MAX_D,
                                          &d)
            || d == 0)
        {
            return -1;
        }

        if (ngx_http_fanout_xml_attr_u64(s, end, "t", UINT64_MAX / 4, &t)) {
            time = t;
        }

        r = 0;
        if (ngx_http_fanout_xml_attr(s, end, "r", &neg)
            && !ngx_http_fanout_xml_attr_u64(s, end, "r",
                                             NGX_HTTP_FANOUT_SEG_MAX_R, &r))
        {
            return -1;
        }

        if (d > (UINT64_MAX / 4) / (r + 1)
            || time > UINT64_MAX / 4 - (r + 1) * d
            || count > UINT64_MAX / 4 - (r + 1))
        {
            return -1;
        }

        for (k = (r + 1 > keep) ? r + 1 - keep : 0; k <= r; k++) {
            ring[n % keep].number = start_number + count + k;
            ring[n % keep].time = time + k * d;
            n++;
        }

        count += r + 1;
        time += (r + 1) * d;
        p = s + 2;
    }

    if (n <= keep) {
        return (int) n;
    }

    for (k = 0; k < keep; k++) {    /* oldest first */
        tmp[k] = ring[(n + k) % keep];
    }

    memcpy(ring, tmp, keep * sizeof(ngx_http_fanout_seg_pos_t));

    return (int) keep;
}


/* Appends a decimal, zero-padded to width, to buf; 0 when it overflows. */
static int
ngx_http_fanout_seg_decimal(unsigned char *buf, size_t *used, size_t size,
    uint64_t v, size_t width)
{
    size_t         n, pad;
    unsigned char  digits[24];

    n = 0;
    do {
        digits[n++] = (unsigned char) ('0' + v % 10);
        v /= 10;
    } while (v);

    pad = width > n ? width - n : 0;

    if (*used + pad + n > size) {
        return 0;
    }

    while (pad--) {
        buf[(*used)++] = '0';
    }

    while (n) {
        buf[(*used)++] = digits[--n];
    }

    return 1;
}


/* An identifier's format tag: "" or "%0<width>d". */
static int
ngx_http_fanout_seg_width(const unsigned char *id, size_t idl, size_t *width)
{
    *width = 0;

    if (idl == 0) {
        return 1;
    }

    if (idl < 4 || idl > 5 || id[0] != '%' || id[1] != '0'
        || id[idl - 1] != 'd')
    {
        return 0;
    }

    for (id += 2, idl -= 3; idl; id++, idl--) {
        if (*id < '0' || *id > '9') {
            return 0;
        }
        *width = *width * 10 + (size_t) (*id - '0');
    }

    return 1;
}


/* media with its identifiers replaced; 0 when one is unknown or too long. */
static size_t
ngx_http_fanout_seg_expand(ngx_http_fanout_xml_str_t *media,
    ngx_http_fanout_seg_pos_t *pos, ngx_http_fanout_xml_str_t *rep,
    unsigned char *buf, size_t size)
{
    size_t                used, i, idl, width;
    uint64_t              v;
    const unsigned char  *id, *close;

    used = 0;

    for (i = 0; i < media->len; i++) {
        if (media->p[i] != '$') {
            if (used == size) {
                return 0;
            }
            buf[used++] = media->p[i];
            continue;
        }

        close = memchr(media->p + i + 1, '$', media->len - i - 1);
        if (close == NULL) {
            return 0;
        }

        id = media->p + i + 1;
        idl = (size_t) (close - id);
        i = (size_t) (close - media->p);

        if (idl == 0) {
            if (used == size) {
                return 0;
            }
            buf[used++] = '$';
            continue;
        }

        if (idl == 16 && memcmp(id, "RepresentationID", 16) == 0) {
            if (rep == NULL || rep->len > size - used) {
                return 0;
            }
            memcpy(buf + used, rep->p, rep->len);
            used += rep->len;
            continue;
        }

        if (idl >= 6 && memcmp(id, "Number", 6) == 0) {
            v = pos->number;
            id += 6;
            idl -= 6;

        } else if (idl >= 4 && memcmp(id, "Time", 4) == 0) {
            v = pos->time;
            id += 4;
            idl -= 4;

        } else {
            return 0;               /* $Bandwidth$, $SubNumber$, unknown */
        }

        if (!ngx_http_fanout_seg_width(id, idl, &width)) {
            return 0;
        }

        if (!ngx_http_fanout_seg_decimal(buf, &used, size, v, width)) {
            return 0;
        }
    }

    return used;
}


/*
 * The ids of the Representations of the AdaptationSet around the template
 * at el, into rep; returns how many (0: none found, or no set).
 */
static int
ngx_http_fanout_seg_reps(const unsigned char *doc, const unsigned char *el,
    const unsigned char *body_end, const unsigned char *end,
    ngx_http_fanout_xml_str_t *rep)
{
    int                   reps;
    const unsigned char  *set, *set_end, *r;

    set = ngx_http_fanout_xml_rfind(doc, el, "<AdaptationSet");
    set_end = ngx_http_fanout_xml_find(body_end, end, "</AdaptationSet>");

    if (set == NULL || set_end == NULL) {
        return 0;
    }

    reps = 0;

    for (r = set; reps < NGX_HTTP_FANOUT_SEG_REPS; r += 15) {
        r = ngx_http_fanout_xml_element(r, set_end, "<Representation");
        if (r == NULL) {
            break;
        }
        if (ngx_http_fanout_xml_attr(r, set_end, "id", &rep[reps])) {
            reps++;
        }
    }

    return reps;
}


/*
 * One <SegmentTemplate> at el (its element ends before body, its body
 * before body_end): its initialization segment, then its newest media
 * segments, for each Representation of its AdaptationSet when its media
 * names $RepresentationID$.  The initialization segment too: a player
 * that switches Representation while the origin is dying needs that
 * Representation's, which it never asked for before.
 */
static int
ngx_http_fanout_seg_template(const unsigned char *doc,
    const unsigned char *el, const unsigned char *body,
    const unsigned char *body_end, const unsigned char *end,
    size_t per_track, ngx_http_fanout_seg_out_t *o)
{
    int                        count, i, k, reps, has_init;
    size_t                     n;
    uint64_t                   start_number;
    unsigned char              name[NGX_HTTP_FANOUT_SEGMENT_NAME_MAX];
    ngx_http_fanout_xml_str_t  media, init, rep[NGX_HTTP_FANOUT_SEG_REPS];
    ngx_http_fanout_xml_str_t *id;
    ngx_http_fanout_seg_pos_t  ring[NGX_HTTP_FANOUT_SEG_RING];

    if (!ngx_http_fanout_xml_attr(el, end, "media", &media)) {
        return 1;
    }

    has_init = ngx_http_fanout_xml_attr(el, end, "initialization", &init);

    if (!ngx_http_fanout_xml_attr_u64(el, end, "startNumber", UINT64_MAX / 4,
                                      &start_number))
    {
        start_number = 1;
    }

    count = ngx_http_fanout_seg_timeline(body, body_end, start_number,
                                         per_track, ring);
    if (count <= 0) {
        return 1;
    }

    reps = 0;

    if (ngx_http_fanout_xml_find(media.p, media.p + media.len,
                                 "$RepresentationID$"))
    {
        reps = ngx_http_fanout_seg_reps(doc, el, body_end, end, rep);
        if (reps == 0) {
            return 1;
        }
    }

    for (i = 0; i < (reps ? reps : 1); i++) {
        id = reps ? &rep[i] : NULL;

        if (has_init) {
            n = ngx_http_fanout_seg_expand(&init, &ring[count - 1], id, name,
                                           sizeof(name));
            if (n && !ngx_http_fanout_seg_put(o, name, n)) {
                return 0;
            }
        }

        for (k = 0; k < count; k++) {
            n = ngx_http_fanout_seg_expand(&media, &ring[k], id, name,
                                           sizeof(name));
            if (n && !ngx_http_fanout_seg_put(o, name, n)) {
                return 0;
            }
        }
    }

    return 1;
}


static size_t
ngx_http_fanout_seg_dash(const unsigned char *p, size_t len, size_t per_track,
    ngx_http_fanout_seg_out_t *o)
{
    size_t                n;
    const unsigned char  *end, *el, *gt, *body_end;

    end = p + len;

    if (ngx_http_fanout_xml_element(p, end, "<MPD") == NULL) {
        return 0;
    }

    el = p;

    for (n = 0; n < NGX_HTTP_FANOUT_SEG_TEMPLATES; n++) {
        el = ngx_http_fanout_xml_element(el, end, "<SegmentTemplate");
        if (el == NULL) {
            break;
        }

        gt = memchr(el, '>', (size_t) (end - el));
        if (gt == NULL) {
            break;
        }

        if (gt[-1] == '/') {        /* no timeline: nothing to count */
            el = gt;
            continue;
        }

        body_end = ngx_http_fanout_xml_find(gt, end, "</SegmentTemplate>");
        if (body_end == NULL) {
            break;
        }

        if (!ngx_http_fanout_seg_template(p, el, gt + 1, body_end, end,
                                          per_track, o))
        {
            break;
        }

        el = body_end;
    }

    return o->n;
}


size_t
ngx_http_fanout_segments_newest(int dash, const unsigned char *p, size_t len,
    size_t per_track, unsigned char *out, size_t size, size_t max)
{
    ngx_http_fanout_seg_out_t  o;

    if (per_track == 0 || max == 0 || size == 0) {
        return 0;
    }

    if (per_track > NGX_HTTP_FANOUT_SEG_RING) {
        per_track = NGX_HTTP_FANOUT_SEG_RING;
    }

    o.out = out;
    o.size = size;
    o.used = 0;
    o.max = max;
    o.n = 0;

    return dash ? ngx_http_fanout_seg_dash(p, len, per_track, &o)
                : ngx_http_fanout_seg_hls(p, len, per_track, &o);
}
