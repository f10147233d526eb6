/*
 * proc_fuzz.c — libFuzzer target for the heartbeat's /proc parsers
 * (src/ngx_http_fanout_proc.c): any bytes, no crash, no read out of
 * bounds, and what they find is in range.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "ngx_http_fanout_proc.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    double    pct, load;
    uint64_t  busy, total, ticks, pages;

    if (ngx_http_fanout_proc_stat(data, size, &busy, &total)
        && busy > total)
    {
        abort();
    }

    if (ngx_http_fanout_proc_meminfo(data, size, &pct)
        && (pct < 0 || pct > 100))
    {
        abort();
    }

    if (ngx_http_fanout_proc_loadavg(data, size, &load) && load < 0) {
        abort();
    }

    (void) ngx_http_fanout_proc_pid_ticks(data, size, &ticks);
    (void) ngx_http_fanout_proc_statm(data, size, &pages);

    return 0;
}
