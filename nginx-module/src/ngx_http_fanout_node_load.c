/*
 * ngx_http_fanout_node_load.c — the machine's load as this edge's
 * heartbeat reports it.  Called in a pool thread (file reads block); a
 * value that cannot be read stays what it was.
 */
#include "ngx_http_fanout_node.h"


/* The start of a /proc file: its length, or -1. */
static ssize_t
ngx_http_fanout_read_proc(const char *path, u_char *buf, size_t size)
{
    int      fd;
    ssize_t  n;

    fd = open(path, O_RDONLY);
    if (fd == -1) {
        return -1;
    }

    n = read(fd, buf, size - 1);
    (void) close(fd);

    return n;
}


/*
 * Machine CPU use since the previous call, percent of all cores
 * (/proc/stat), or prev when it cannot be read.
 */
double
ngx_http_fanout_node_cpu(ngx_http_fanout_cpu_t *cpu, double prev)
{
    ssize_t     n;
    uint64_t    v[8], busy, total;
    ngx_uint_t  i;
    u_char      buf[256], *p, *last;

    n = ngx_http_fanout_read_proc("/proc/stat", buf, sizeof(buf));

    if (n <= 4 || ngx_strncmp(buf, "cpu ", 4) != 0) {
        return prev;
    }

    p = buf + 4;
    last = buf + n;

    /* user nice system idle iowait irq softirq steal */
    for (i = 0; i < 8; i++) {
        while (p < last && *p == ' ') {
            p++;
        }

        v[i] = 0;
        while (p < last && *p >= '0' && *p <= '9') {
            v[i] = v[i] * 10 + (*p++ - '0');
        }
    }

    total = v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];
    busy = total - v[3] - v[4];

    if (cpu->total && total > cpu->total && busy >= cpu->busy) {
        prev = 100.0 * (double) (busy - cpu->busy)
               / (double) (total - cpu->total);
    }

    cpu->busy = busy;
    cpu->total = total;

    return prev;
}


/* This process's resident memory (/proc/self/statm), or prev. */
int64_t
ngx_http_fanout_node_memory(int64_t prev)
{
    ssize_t   n;
    uint64_t  resident;
    u_char    buf[256], *p, *last;

    n = ngx_http_fanout_read_proc("/proc/self/statm", buf, sizeof(buf));

    if (n <= 0) {
        return prev;
    }

    p = buf;
    last = buf + n;

    while (p < last && *p != ' ') {         /* size */
        p++;
    }

    resident = 0;
    while (++p < last && *p >= '0' && *p <= '9') {
        resident = resident * 10 + (*p - '0');
    }

    return (int64_t) (resident * ngx_pagesize);
}
