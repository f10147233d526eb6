/*
 * ngx_http_fanout_proc.c — the /proc files of an edge's heartbeat (see
 * ngx_http_fanout_proc.h).
 */
#include <string.h>

#include "ngx_http_fanout_proc.h"


/* Skips spaces, then reads an unsigned decimal; 0 when there is none. */
static int
proc_u64(const unsigned char **pp, const unsigned char *last, uint64_t *v)
{
    const unsigned char  *p = *pp;
    uint64_t              n = 0;

    while (p < last && (*p == ' ' || *p == '\t')) {
        p++;
    }

    if (p == last || *p < '0' || *p > '9') {
        return 0;
    }

    while (p < last && *p >= '0' && *p <= '9') {
        if (n > (UINT64_MAX - 9) / 10) {
            return 0;
        }
        n = n * 10 + (uint64_t) (*p++ - '0');
    }

    *pp = p;
    *v = n;
    return 1;
}


/* An unsigned decimal with an optional fraction ("0.52"). */
static int
proc_decimal(const unsigned char **pp, const unsigned char *last, double *v)
{
    uint64_t  whole;
    double    scale, frac;

    if (!proc_u64(pp, last, &whole)) {
        return 0;
    }

    frac = 0;

    if (*pp < last && **pp == '.') {
        scale = 0.1;
        for ((*pp)++; *pp < last && **pp >= '0' && **pp <= '9'; (*pp)++) {
            frac += scale * (**pp - '0');
            scale /= 10;
        }
    }

    *v = (double) whole + frac;
    return 1;
}


int
ngx_http_fanout_proc_stat(const unsigned char *p, size_t len,
    uint64_t *busy, uint64_t *total)
{
    int                   i;
    uint64_t              v[8], sum;
    const unsigned char  *last = p + len;

    if (len < 4 || p[0] != 'c' || p[1] != 'p' || p[2] != 'u' || p[3] != ' ')
    {
        return 0;
    }

    p += 4;

    /* user nice system idle, then iowait irq softirq steal if present */
    for (i = 0; i < 8; i++) {
        v[i] = 0;
        if (!proc_u64(&p, last, &v[i]) && i < 4) {
            return 0;
        }
    }

    for (sum = 0, i = 0; i < 8; i++) {
        if (v[i] > UINT64_MAX - sum) {
            return 0;           /* not a real counter */
        }
        sum += v[i];
    }

    *total = sum;
    *busy = sum - v[3] - v[4];
    return 1;
}


/* The kB value of "key:" at a line start in p, or 0 when absent. */
static int
proc_meminfo_key(const unsigned char *p, size_t len, const char *key,
    uint64_t *kb)
{
    size_t                n, i;
    const unsigned char  *last = p + len, *q;

    for (n = 0; key[n]; n++) { /* void */ }

    for (i = 0; i + n < len; i++) {
        if ((i == 0 || p[i - 1] == '\n')
            && p[i + n] == ':'
            && memcmp(p + i, key, n) == 0)
        {
            q = p + i + n + 1;
            return proc_u64(&q, last, kb);
        }
    }

    return 0;
}


int
ngx_http_fanout_proc_meminfo(const unsigned char *p, size_t len,
    double *used_percent)
{
    uint64_t  total, avail;

    if (!proc_meminfo_key(p, len, "MemTotal", &total) || total == 0) {
        return 0;
    }

    if (!proc_meminfo_key(p, len, "MemAvailable", &avail)
        && !proc_meminfo_key(p, len, "MemFree", &avail))
    {
        return 0;
    }

    if (avail > total) {
        avail = total;
    }

    /* The fraction first: x / x is exactly 1, so a full machine reads
     * 100, never 100.00000000000001 (100 * x / x can round over). */
    *used_percent = (double) (total - avail) / (double) total * 100.0;
    return 1;
}


int
ngx_http_fanout_proc_loadavg(const unsigned char *p, size_t len,
    double *load1)
{
    double                v;
    const unsigned char  *q = p;

    if (!proc_decimal(&q, p + len, &v)
        || (q < p + len && *q != ' ' && *q != '\n'))
    {
        return 0;
    }

    *load1 = v;
    return 1;
}


int
ngx_http_fanout_proc_pid_ticks(const unsigned char *p, size_t len,
    uint64_t *ticks)
{
    int                   field;
    uint64_t              v, utime;
    const unsigned char  *q, *last = p + len;

    /* "pid (comm) state ppid ...": comm may hold ") ", so the last ')' */
    for (q = last; q > p && q[-1] != ')'; q--) { /* void */ }

    if (q == p) {
        return 0;
    }

    /* q is after ')': field 3 (state) is next, utime is 14, stime 15 */
    for (field = 3; field < 14; field++) {
        while (q < last && *q == ' ') {
            q++;
        }
        while (q < last && *q != ' ') {
            q++;
        }
    }

    if (!proc_u64(&q, last, &utime) || !proc_u64(&q, last, &v)) {
        return 0;
    }

    *ticks = utime + v;
    return 1;
}


int
ngx_http_fanout_proc_statm(const unsigned char *p, size_t len,
    uint64_t *resident)
{
    uint64_t              size;
    const unsigned char  *q = p;

    if (!proc_u64(&q, p + len, &size) || !proc_u64(&q, p + len, resident)) {
        return 0;
    }

    return 1;
}


double
ngx_http_fanout_proc_percent(uint64_t part0, uint64_t part1,
    uint64_t total0, uint64_t total1)
{
    double  pct;

    if (total0 == 0 || total1 <= total0 || part1 < part0) {
        return -1;
    }

    pct = 100.0 * (double) (part1 - part0) / (double) (total1 - total0);

    return pct > 100.0 ? 100.0 : pct;
}


int64_t
ngx_http_fanout_proc_rate_bps(uint64_t bytes0, uint64_t bytes1,
    uint64_t ms0, uint64_t ms1)
{
    uint64_t  d, ms, whole;

    if (ms0 == 0 || ms1 <= ms0 || bytes1 < bytes0) {
        return 0;
    }

    d = bytes1 - bytes0;
    ms = ms1 - ms0;

    /* d * 8000 / ms in two parts, so that d * 8000 cannot overflow: the
     * remainder is below ms, and ms is a heartbeat period */
    whole = d / ms;

    if (whole > (uint64_t) INT64_MAX / 8000) {
        return INT64_MAX;
    }

    return (int64_t) (whole * 8000 + (d % ms) * 8000 / ms);
}


int64_t
ngx_http_fanout_proc_rate_sample(ngx_http_fanout_rate_window_t *w,
    uint64_t now_ms, uint64_t bytes)
{
    unsigned  second, last;
    int64_t   bps;

    /* drop the oldest while the next one is old enough on its own */
    while (w->n >= 2) {
        second = (w->first + 1) % NGX_HTTP_FANOUT_RATE_SAMPLES;

        if (now_ms < w->ms[second] || now_ms - w->ms[second] < w->window) {
            break;
        }

        w->first = second;
        w->n--;
    }

    bps = 0;

    if (w->n > 0) {
        bps = ngx_http_fanout_proc_rate_bps(w->bytes[w->first], bytes,
                                            w->ms[w->first], now_ms);
    }

    if (w->n == NGX_HTTP_FANOUT_RATE_SAMPLES) {
        w->first = (w->first + 1) % NGX_HTTP_FANOUT_RATE_SAMPLES;
        w->n--;
    }

    last = (w->first + w->n) % NGX_HTTP_FANOUT_RATE_SAMPLES;
    w->ms[last] = now_ms;
    w->bytes[last] = bytes;
    w->n++;

    return bps;
}
