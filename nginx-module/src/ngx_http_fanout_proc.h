/*
 * ngx_http_fanout_proc.h — the /proc files an edge's heartbeat reads:
 * the machine's CPU (/proc/stat), memory (/proc/meminfo) and load
 * (/proc/loadavg), and a process's CPU time (/proc/PID/stat) and resident
 * pages (/proc/PID/statm); and the rate of a byte counter between two
 * heartbeats (the edge's egress).
 *
 * Pure functions over bytes, as the path parser: no allocation, no I/O,
 * no nginx header; nginx-module/tests/ compiles this file on its own.
 * Each returns 1 when it found what it reads, else 0 (and leaves the
 * outputs alone).
 */
#ifndef NGX_HTTP_FANOUT_PROC_H
#define NGX_HTTP_FANOUT_PROC_H

#include <stddef.h>
#include <stdint.h>

/* The aggregate "cpu " line of /proc/stat, in clock ticks: total (user
 * nice system idle iowait irq softirq steal; guest is already in user)
 * and busy (total - idle - iowait). */
int ngx_http_fanout_proc_stat(const unsigned char *p, size_t len,
    uint64_t *busy, uint64_t *total);

/* /proc/meminfo: (MemTotal - MemAvailable) / MemTotal in percent, 0..100
 * (MemFree where the kernel has no MemAvailable). */
int ngx_http_fanout_proc_meminfo(const unsigned char *p, size_t len,
    double *used_percent);

/* /proc/loadavg: the 1-minute load average. */
int ngx_http_fanout_proc_loadavg(const unsigned char *p, size_t len,
    double *load1);

/* /proc/PID/stat: utime + stime, in clock ticks (the command name may
 * hold spaces and parentheses). */
int ngx_http_fanout_proc_pid_ticks(const unsigned char *p, size_t len,
    uint64_t *ticks);

/* /proc/PID/statm: resident pages (its second field). */
int ngx_http_fanout_proc_statm(const unsigned char *p, size_t len,
    uint64_t *resident);

/* CPU use between two samples, percent 0..100: 100 * d(part) / d(total),
 * or -1 when the samples cannot be compared (first one, counters reset). */
double ngx_http_fanout_proc_percent(uint64_t part0, uint64_t part1,
    uint64_t total0, uint64_t total1);

/* A byte counter's rate between two samples, bits per second: bytes
 * delta * 8 * 1000 / elapsed ms, rounded down and at most INT64_MAX; 0
 * when the samples cannot be compared (ms0 == 0: no previous sample;
 * ms1 <= ms0; the counter went back). */
int64_t ngx_http_fanout_proc_rate_bps(uint64_t bytes0, uint64_t bytes1,
    uint64_t ms0, uint64_t ms1);

/* A byte counter's rate over at least the last `window` ms: each sample
 * answers the rate since the newest earlier sample that is `window` ms
 * old or more (the oldest kept, before there is one; 0 on the first), so
 * that a node beating every 500 ms reports neither a 500 ms burst nor a
 * 500 ms silence.  At most NGX_HTTP_FANOUT_RATE_SAMPLES are kept.  Zero
 * it, set window, then call ngx_http_fanout_proc_rate_sample(). */
#define NGX_HTTP_FANOUT_RATE_SAMPLES  64

typedef struct {
    uint64_t  window;                                /* ms */
    uint64_t  ms[NGX_HTTP_FANOUT_RATE_SAMPLES];      /* never 0 */
    uint64_t  bytes[NGX_HTTP_FANOUT_RATE_SAMPLES];
    unsigned  first;                                 /* the oldest */
    unsigned  n;
} ngx_http_fanout_rate_window_t;

int64_t ngx_http_fanout_proc_rate_sample(ngx_http_fanout_rate_window_t *w,
    uint64_t now_ms, uint64_t bytes);

#endif /* NGX_HTTP_FANOUT_PROC_H */
