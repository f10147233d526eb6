/*
 * uri.c — store URI parsing.  Pure: no I/O, no allocation, bounded reads.
 */
#include "uri.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "backend.h"

#define DEFAULT_TIMEOUT_MS 2000
#define DEFAULT_PERIOD_MS  5000
#define DEFAULT_DEAD_FACTOR 4

/* Parses a decimal integer in [lo, hi] from s[0..n).  Returns 0 or -1. */
static int parse_int(const char *s, size_t n, long lo, long hi, int *out)
{
    long v = 0;

    if (n == 0 || n > 9) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        v = v * 10 + (s[i] - '0');
    }
    if (v < lo || v > hi) {
        return -1;
    }
    *out = (int) v;
    return 0;
}

/* Copies s[0..n) into dst[cap] if it fits.  Returns 0 or -1. */
static int copy_span(char *dst, size_t cap, const char *s, size_t n)
{
    if (n >= cap) {
        return -1;
    }
    memcpy(dst, s, n);
    dst[n] = '\0';
    return 0;
}

typedef struct {
    const char *name;
    size_t offset;
    long lo, hi;
} opt_def;

static const opt_def options[] = {
    { "connect_timeout_ms", offsetof(fo_uri, connect_timeout_ms), 1, 600000 },
    { "timeout_ms", offsetof(fo_uri, timeout_ms), 1, 600000 },
    { "update_period_ms", offsetof(fo_uri, update_period_ms), 1, 3600000 },
    { "dead_factor", offsetof(fo_uri, dead_factor), 1, 1000 },
};

/* Takes our options out of the query q[0..n); appends the others to
 * out->passthrough (which already holds the URI up to '?'). */
static fo_status parse_query(const char *q, size_t n, fo_uri *out,
                             fo_error *err)
{
    size_t pos = 0, kept = 0;
    size_t plen = strlen(out->passthrough);

    while (pos < n) {
        const char *item = q + pos;
        const char *amp = memchr(item, '&', n - pos);
        size_t ilen = amp ? (size_t) (amp - item) : n - pos;
        const char *eq = memchr(item, '=', ilen);
        size_t klen = eq ? (size_t) (eq - item) : ilen;
        const opt_def *def = NULL;

        pos += ilen + (amp ? 1 : 0);
        if (ilen == 0) {
            continue;
        }
        for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
            if (strlen(options[i].name) == klen
                && memcmp(options[i].name, item, klen) == 0)
            {
                def = &options[i];
                break;
            }
        }
        if (def != NULL) {
            int *field = (int *) ((char *) out + def->offset);
            size_t vlen = eq ? ilen - klen - 1 : 0;

            if (eq == NULL
                || parse_int(eq + 1, vlen, def->lo, def->hi, field) != 0)
            {
                return fo_err(err, FO_ERR_INVALID,
                              "store URI: option %s needs an integer in "
                              "[%ld, %ld]", def->name, def->lo, def->hi);
            }
            continue;
        }
        if (strcmp(out->scheme, "mongodb") != 0) {
            return fo_err(err, FO_ERR_INVALID,
                          "store URI: unknown option '%.*s' for %s",
                          (int) (klen > 64 ? 64 : klen), item, out->scheme);
        }
        if (plen + ilen + 2 >= sizeof(out->passthrough)) {
            return fo_err(err, FO_ERR_INVALID, "store URI: too long");
        }
        out->passthrough[plen++] = kept++ ? '&' : '?';
        memcpy(out->passthrough + plen, item, ilen);
        plen += ilen;
        out->passthrough[plen] = '\0';
    }
    return FO_OK;
}

/* [[user]:password@]host[:port][/db].  The user ends at the first ':'
 * and the password at the last '@', so a password may hold both. */
static fo_status parse_redis(const char *s, size_t n, fo_uri *out,
                             fo_error *err)
{
    const char *at = NULL, *end = s + n, *slash, *colon;

    for (const char *p = s; p < end; p++) {
        if (*p == '@') {
            at = p;     /* the last '@': passwords may contain '@' */
        }
    }
    if (at != NULL) {
        const char *c = memchr(s, ':', (size_t) (at - s));

        if (c == NULL) {
            return fo_err(err, FO_ERR_INVALID,
                          "store URI: redis userinfo needs ':password'");
        }
        if (copy_span(out->user, sizeof(out->user), s, (size_t) (c - s))
            != 0)
        {
            return fo_err(err, FO_ERR_INVALID, "store URI: user too long");
        }
        if (copy_span(out->password, sizeof(out->password), c + 1,
                      (size_t) (at - c - 1)) != 0)
        {
            return fo_err(err, FO_ERR_INVALID, "store URI: password too long");
        }
        s = at + 1;
    }
    slash = memchr(s, '/', (size_t) (end - s));
    if (slash != NULL) {
        if (slash + 1 < end
            && parse_int(slash + 1, (size_t) (end - slash - 1), 0, 1000000,
                         &out->db) != 0)
        {
            return fo_err(err, FO_ERR_INVALID,
                          "store URI: redis database must be a number");
        }
        end = slash;
    }
    colon = memchr(s, ':', (size_t) (end - s));
    if (colon != NULL) {
        if (parse_int(colon + 1, (size_t) (end - colon - 1), 1, 65535,
                      &out->port) != 0)
        {
            return fo_err(err, FO_ERR_INVALID,
                          "store URI: redis port must be 1..65535");
        }
        end = colon;
    }
    if (end == s) {
        return fo_err(err, FO_ERR_INVALID, "store URI: redis host missing");
    }
    for (const char *p = s; p < end; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
              || (*p >= '0' && *p <= '9') || *p == '.' || *p == '-'
              || *p == '_'))
        {
            return fo_err(err, FO_ERR_INVALID,
                          "store URI: bad character in redis host");
        }
    }
    if (copy_span(out->host, sizeof(out->host), s, (size_t) (end - s)) != 0) {
        return fo_err(err, FO_ERR_INVALID, "store URI: redis host too long");
    }
    return FO_OK;
}

/* The URI as a whole: not empty, shorter than FO_URI_MAX, printable
 * ASCII without spaces. */
static fo_status check_bytes(const char *uri, fo_error *err)
{
    size_t len;

    if (uri == NULL || uri[0] == '\0') {
        return fo_err(err, FO_ERR_INVALID, "store URI: empty");
    }
    len = strnlen(uri, FO_URI_MAX);
    if (len >= FO_URI_MAX) {
        return fo_err(err, FO_ERR_INVALID, "store URI: longer than %d bytes",
                      FO_URI_MAX - 1);
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char) uri[i];

        if (c <= 0x20 || c >= 0x7f) {
            return fo_err(err, FO_ERR_INVALID,
                          "store URI: control, space or non-ASCII byte at %zu",
                          i);
        }
    }
    return FO_OK;
}

/* The scheme before "://" into out->scheme, one we have a backend for
 * (mongodb+srv reads as mongodb); *body is what follows "://". */
static fo_status parse_scheme(const char *uri, fo_uri *out, const char **body,
                              fo_error *err)
{
    const char *sep = strstr(uri, "://");

    if (sep == NULL || copy_span(out->scheme, sizeof(out->scheme), uri,
                                 (size_t) (sep - uri)) != 0)
    {
        return fo_err(err, FO_ERR_INVALID,
                      "store URI '%.64s': expected scheme://", uri);
    }
    if (strcmp(out->scheme, "sqlite") != 0 && strcmp(out->scheme, "redis") != 0
        && strcmp(out->scheme, "mongodb") != 0
        && strcmp(out->scheme, "mongodb+srv") != 0)
    {
        return fo_err(err, FO_ERR_INVALID,
                      "store URI: unknown scheme '%s' (sqlite, redis, "
                      "mongodb)", out->scheme);
    }
    if (strcmp(out->scheme, "mongodb+srv") == 0) {
        fo_strlcpy(out->scheme, "mongodb", sizeof(out->scheme));
    }
    *body = sep + 3;
    return FO_OK;
}

/* sqlite:///abs/path.db: body[0..blen) is an absolute path to a file. */
static fo_status parse_sqlite(const char *body, size_t blen, fo_uri *out,
                              fo_error *err)
{
    if (blen < 2 || body[0] != '/') {
        return fo_err(err, FO_ERR_INVALID,
                      "store URI: sqlite needs an absolute path "
                      "(sqlite:///abs/path.db)");
    }
    if (body[blen - 1] == '/') {
        return fo_err(err, FO_ERR_INVALID,
                      "store URI: sqlite path names a directory");
    }
    if (copy_span(out->path, sizeof(out->path), body, blen) != 0) {
        return fo_err(err, FO_ERR_INVALID, "store URI: path too long");
    }
    return FO_OK;
}

fo_status fo_uri_parse(const char *uri, fo_uri *out, fo_error *err)
{
    static const fo_uri defaults = {
        .connect_timeout_ms = DEFAULT_TIMEOUT_MS,
        .timeout_ms = DEFAULT_TIMEOUT_MS,
        .update_period_ms = DEFAULT_PERIOD_MS,
        .dead_factor = DEFAULT_DEAD_FACTOR,
    };
    const char *body = NULL, *q;
    size_t blen;
    fo_status rc;

    *out = defaults;
    rc = check_bytes(uri, err);
    if (rc == FO_OK) {
        rc = parse_scheme(uri, out, &body, err);
    }
    if (rc != FO_OK) {
        return rc;
    }
    q = strchr(body, '?');
    blen = q ? (size_t) (q - body) : strlen(body);

    /* passthrough: everything before '?', then kept options. */
    memcpy(out->passthrough, uri, (size_t) (body - uri) + blen);
    out->passthrough[(body - uri) + blen] = '\0';
    if (q != NULL) {
        rc = parse_query(q + 1, strlen(q + 1), out, err);
        if (rc != FO_OK) {
            return rc;
        }
    }

    if (strcmp(out->scheme, "sqlite") == 0) {
        return parse_sqlite(body, blen, out, err);
    }
    if (strcmp(out->scheme, "redis") == 0) {
        return parse_redis(body, blen, out, err);
    }
    if (blen == 0 || body[0] == '/') {
        return fo_err(err, FO_ERR_INVALID, "store URI: mongodb host missing");
    }
    return FO_OK;
}
