/*
 * ngx_http_fanout_node_load.c — the machine's load and the edge's own, as
 * its heartbeat reports them and fanout_status shows them (the node
 * gauges, under the origin's names: fanout_node_*).  Sampled in a pool
 * thread (file reads block, if only on /proc); a figure that cannot be
 * read stays what it was.  The parsers are pure (ngx_http_fanout_proc.c).
 *
 * The edge's process figures cover every nginx process of this instance:
 * the master and its children (workers, cache manager and loader), found
 * through /proc/MASTER/task/MASTER/children; without that file (a kernel
 * without CONFIG_PROC_CHILDREN, or master_process off), this process.
 */
#include "ngx_http_fanout_node.h"
#include "ngx_http_fanout_proc.h"


/* Enough for the "cpu " line of /proc/stat, the head of /proc/meminfo,
 * and a /proc/PID/stat. */
#define NGX_HTTP_FANOUT_PROC_BUF  1024

/* The edge's processes counted at most (a children list longer than
 * this is cut: workers beyond it are not counted). */
#define NGX_HTTP_FANOUT_PROCS_MAX  256


/* The gauges' names and help are the origin's (core/metrics.h). */
ngx_http_fanout_metric_t  ngx_http_fanout_node_metrics[] = {
    { ngx_string("heartbeats"), 0, "Heartbeats the store took." },
    { ngx_string("heartbeat_errors"), 0,
      "Heartbeats that failed or could not be started." },
    { ngx_string("fanout_node_cpu_percent"), 1000,
      "Machine CPU busy, percent of all cores (cpu)." },
    { ngx_string("fanout_node_memory_percent"), 1000,
      "Machine memory used, percent: (MemTotal - MemAvailable) / "
      "MemTotal." },
    { ngx_string("fanout_node_load1"), 1000,
      "1-minute load average of the machine." },
    { ngx_string("fanout_node_process_cpu_percent"), 1000,
      "This process's CPU, percent of all cores (processCpu)." },
    { ngx_string("fanout_node_process_resident_bytes"), 1,
      "This process's resident memory in bytes (processMemory)." },
    { ngx_string("fanout_node_store_query_avg_seconds"), 1000000,
      "Mean duration of cluster store calls (dbQueryAverageTimeMs / "
      "1000)." },
    { ngx_string("fanout_node_replication_lag_seconds"), 1000,
      "MongoDB replica set replication lag (replicationLagMs / 1000); -1 "
      "unknown or not MongoDB." },
    { ngx_string("fanout_node_heartbeat_timestamp_seconds"), 1000,
      "Unix time of this node's last heartbeat the store took." }
};


/* The start of a /proc file, NUL-terminated: its length, or -1. */
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

    buf[n > 0 ? n : 0] = '\0';

    return n;
}


/* One process's CPU ticks and resident pages, added to the sums. */
static ngx_uint_t
ngx_http_fanout_proc_add(ngx_pid_t pid, uint64_t *ticks, uint64_t *pages)
{
    char      path[64];
    u_char    buf[NGX_HTTP_FANOUT_PROC_BUF];
    ssize_t   n;
    uint64_t  t, r;

    (void) ngx_sprintf((u_char *) path, "/proc/%P/stat%Z", pid);
    n = ngx_http_fanout_read_proc(path, buf, sizeof(buf));

    if (n <= 0 || !ngx_http_fanout_proc_pid_ticks(buf, n, &t)) {
        return 0;
    }

    (void) ngx_sprintf((u_char *) path, "/proc/%P/statm%Z", pid);
    n = ngx_http_fanout_read_proc(path, buf, sizeof(buf));

    if (n <= 0 || !ngx_http_fanout_proc_statm(buf, n, &r)) {
        return 0;
    }

    *ticks += t;
    *pages += r;

    return 1;
}


/* The ticks and pages of this instance's nginx processes; 0 if none. */
static ngx_uint_t
ngx_http_fanout_procs(uint64_t *ticks, uint64_t *pages)
{
    char        path[64];
    u_char      buf[NGX_HTTP_FANOUT_PROCS_MAX * 8], *p, *last;
    ssize_t     n;
    ngx_pid_t   master, pid;
    ngx_uint_t  found;

    *ticks = 0;
    *pages = 0;

    master = (ngx_process == NGX_PROCESS_WORKER) ? getppid() : 0;

    if (master <= 1) {
        return ngx_http_fanout_proc_add(ngx_pid, ticks, pages);
    }

    (void) ngx_sprintf((u_char *) path, "/proc/%P/task/%P/children%Z",
                       master, master);
    n = ngx_http_fanout_read_proc(path, buf, sizeof(buf));

    if (n <= 0) {
        return ngx_http_fanout_proc_add(ngx_pid, ticks, pages);
    }

    found = ngx_http_fanout_proc_add(master, ticks, pages);
    last = buf + n;

    for (p = buf; p < last; /* void */) {
        while (p < last && *p == ' ') {
            p++;
        }

        for (pid = 0; p < last && *p >= '0' && *p <= '9'; p++) {
            pid = pid * 10 + (*p - '0');
        }

        if (pid <= 0) {
            break;
        }

        /* a child that exited between the list and its files: skipped */
        found += ngx_http_fanout_proc_add(pid, ticks, pages);
    }

    return found;
}


/* The machine's CPU, and the edge's processes' share of it. */
static void
ngx_http_fanout_node_cpu(ngx_http_fanout_cpu_t *cpu, fo_node *node)
{
    u_char    buf[NGX_HTTP_FANOUT_PROC_BUF];
    double    pct;
    ssize_t   n;
    uint64_t  busy, total, ticks, pages;

    n = ngx_http_fanout_read_proc("/proc/stat", buf, sizeof(buf));

    if (n <= 0 || !ngx_http_fanout_proc_stat(buf, n, &busy, &total)) {
        return;
    }

    pct = ngx_http_fanout_proc_percent(cpu->busy, busy, cpu->total, total);
    if (pct >= 0) {
        node->cpu = pct;
    }

    if (ngx_http_fanout_procs(&ticks, &pages)) {
        /* a process that exited takes its ticks along: skip that beat */
        pct = ngx_http_fanout_proc_percent(cpu->procs, ticks, cpu->total,
                                           total);
        if (pct >= 0 && cpu->procs) {
            node->process_cpu = pct;
        }

        node->process_rss = (int64_t) (pages * ngx_pagesize);
        cpu->procs = ticks;
    }

    cpu->busy = busy;
    cpu->total = total;
}


void
ngx_http_fanout_node_sample(ngx_http_fanout_cpu_t *cpu, fo_node *node)
{
    u_char   buf[NGX_HTTP_FANOUT_PROC_BUF];
    ssize_t  n;

    ngx_http_fanout_node_cpu(cpu, node);

    n = ngx_http_fanout_read_proc("/proc/meminfo", buf, sizeof(buf));

    if (n > 0) {
        (void) ngx_http_fanout_proc_meminfo(buf, n, &node->mem_percent);
    }

    n = ngx_http_fanout_read_proc("/proc/loadavg", buf, sizeof(buf));

    if (n > 0) {
        (void) ngx_http_fanout_proc_loadavg(buf, n, &node->load1);
    }
}


void
ngx_http_fanout_node_gauges(ngx_atomic_t *m, fo_node *n, double repl_lag_ms)
{
    ngx_time_t  *tp;

    tp = ngx_timeofday();

    ngx_http_fanout_gauge_set(m, NGX_HTTP_FANOUT_M_CPU, n->cpu, 1000);
    ngx_http_fanout_gauge_set(m, NGX_HTTP_FANOUT_M_MEMORY, n->mem_percent,
                              1000);
    ngx_http_fanout_gauge_set(m, NGX_HTTP_FANOUT_M_LOAD1, n->load1, 1000);
    ngx_http_fanout_gauge_set(m, NGX_HTTP_FANOUT_M_PROCESS_CPU,
                              n->process_cpu, 1000);
    m[NGX_HTTP_FANOUT_M_PROCESS_RSS] = (ngx_atomic_uint_t) n->process_rss;
    /* ms -> s with 6 decimals: microseconds */
    ngx_http_fanout_gauge_set(m, NGX_HTTP_FANOUT_M_QUERY, n->db_query_avg_ms,
                              1000);
    ngx_http_fanout_gauge_set(m, NGX_HTTP_FANOUT_M_REPL_LAG,
                              repl_lag_ms < 0 ? -1000.0 : repl_lag_ms,
                              1);
    m[NGX_HTTP_FANOUT_M_HEARTBEAT_TIME] =
        (ngx_atomic_uint_t) tp->sec * 1000 + tp->msec;
}
