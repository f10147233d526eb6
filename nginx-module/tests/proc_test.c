/*
 * proc_test.c — the heartbeat's /proc parsers (src/ngx_http_fanout_proc.c,
 * compiled on its own), over byte vectors recorded on Linux 6.1.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ngx_http_fanout_proc.h"

#define BYTES(lit)  (const unsigned char *) (lit), sizeof(lit) - 1

static const char stat_2cpu[] =
    "cpu  2255 34 2290 22625563 6290 127 456 0 0 0\n"
    "cpu0 1132 34 1441 11311610 3144 0 333 0 0 0\n"
    "cpu1 1123 0 849 11313953 3146 127 123 0 0 0\n"
    "intr 114930548 113199788 3 0 5 263 0 0 0 0 0 0 0 0 0 0 0\n"
    "ctxt 1990473\nbtime 1062191376\nprocesses 2915\n";

static const char meminfo[] =
    "MemTotal:        8131912 kB\nMemFree:          502656 kB\n"
    "MemAvailable:    6099660 kB\nBuffers:          176408 kB\n"
    "Cached:          5125416 kB\nSwapCached:            0 kB\n"
    "SwapTotal:       1003516 kB\nSwapFree:        1003516 kB\n";

static void
test_stat(void **state)
{
    uint64_t  busy = 7, total = 7;

    (void) state;
    assert_int_equal(ngx_http_fanout_proc_stat(BYTES(stat_2cpu), &busy,
                                               &total), 1);
    assert_int_equal(total, 2255 + 34 + 2290 + 22625563 + 6290 + 127 + 456);
    assert_int_equal(busy, 2255 + 34 + 2290 + 127 + 456);

    /* an old kernel: four fields */
    assert_int_equal(ngx_http_fanout_proc_stat(BYTES("cpu  1 2 3 4\n"),
                                               &busy, &total), 1);
    assert_int_equal(total, 10);
    assert_int_equal(busy, 6);

    busy = total = 7;
    assert_int_equal(ngx_http_fanout_proc_stat(BYTES("cpu0 1 2 3 4\n"),
                                               &busy, &total), 0);
    assert_int_equal(ngx_http_fanout_proc_stat(BYTES("cpu  1 2\n"),
                                               &busy, &total), 0);
    assert_int_equal(ngx_http_fanout_proc_stat(BYTES(""), &busy, &total), 0);
    assert_int_equal(ngx_http_fanout_proc_stat(
                         BYTES("cpu  99999999999999999999999 1 1 1\n"),
                         &busy, &total), 0);
    assert_int_equal(ngx_http_fanout_proc_stat(
                         BYTES("cpu  9000000000000000000 "
                               "9000000000000000000 "
                               "9000000000000000000 1\n"),
                         &busy, &total), 0);     /* the sum overflows */
    assert_int_equal(busy, 7);      /* untouched on failure */
    assert_int_equal(total, 7);
}

static void
test_meminfo(void **state)
{
    double  used = -1;

    (void) state;
    assert_int_equal(ngx_http_fanout_proc_meminfo(BYTES(meminfo), &used), 1);
    assert_true(used > 24.99 && used < 25.0);   /* 2032252 / 8131912 */

    /* before MemAvailable (Linux < 3.14): MemFree */
    assert_int_equal(ngx_http_fanout_proc_meminfo(
                         BYTES("MemTotal: 1000 kB\nMemFree: 100 kB\n"),
                         &used), 1);
    assert_true(used == 90.0);

    /* a key inside another does not count: "SwapMemTotal" */
    used = -1;
    assert_int_equal(ngx_http_fanout_proc_meminfo(
                         BYTES("XMemTotal: 10 kB\nMemFree: 1 kB\n"), &used),
                     0);
    assert_int_equal(ngx_http_fanout_proc_meminfo(
                         BYTES("MemTotal: 0 kB\nMemFree: 0 kB\n"), &used), 0);
    assert_int_equal(ngx_http_fanout_proc_meminfo(
                         BYTES("MemTotal: 1000 kB\n"), &used), 0);
    assert_true(used == -1);

    /* a full machine reads 100, not 100.00000000000001: 100 * x / x
     * rounds over for x = 2888888888888888 (found by edge_proc_fuzz) */
    assert_int_equal(ngx_http_fanout_proc_meminfo(
                         BYTES("MemTotal: 2888888888888888 kB\n"
                               "MemFree: 0 kB\n"), &used), 1);
    assert_true(used == 100.0);

    /* available > total never makes a negative share */
    assert_int_equal(ngx_http_fanout_proc_meminfo(
                         BYTES("MemTotal: 10 kB\nMemAvailable: 20 kB\n"),
                         &used), 1);
    assert_true(used == 0);
}

static void
test_loadavg(void **state)
{
    double  load = -1;

    (void) state;
    assert_int_equal(ngx_http_fanout_proc_loadavg(
                         BYTES("0.52 0.58 0.59 1/467 12345\n"), &load), 1);
    assert_true(load > 0.5199 && load < 0.5201);
    assert_int_equal(ngx_http_fanout_proc_loadavg(
                         BYTES("12.00 3.1 0.5 2/9 1\n"), &load), 1);
    assert_true(load == 12.0);

    load = -1;
    assert_int_equal(ngx_http_fanout_proc_loadavg(BYTES(""), &load), 0);
    assert_int_equal(ngx_http_fanout_proc_loadavg(BYTES("-1 0 0"), &load), 0);
    assert_int_equal(ngx_http_fanout_proc_loadavg(BYTES("1x 0 0"), &load), 0);
    assert_true(load == -1);
}

static void
test_pid(void **state)
{
    uint64_t  ticks = 0, pages = 0;

    (void) state;
    /* nginx: worker process, as /proc/PID/stat shows it */
    assert_int_equal(ngx_http_fanout_proc_pid_ticks(BYTES(
        "4242 (nginx) S 4241 4241 4241 0 -1 4194624 1311 0 0 0 "
        "250 75 0 0 20 0 1 0 123456 67891200 2870 18446744073709551615\n"),
        &ticks), 1);
    assert_int_equal(ticks, 325);

    /* a command name with ") (" in it */
    assert_int_equal(ngx_http_fanout_proc_pid_ticks(BYTES(
        "1 (a) b (c) S 1 2 3 4 5 6 7 8 9 10 111 222 13 14 15\n"), &ticks), 1);
    assert_int_equal(ticks, 333);

    ticks = 9;
    assert_int_equal(ngx_http_fanout_proc_pid_ticks(BYTES("1 no parens"),
                                                    &ticks), 0);
    assert_int_equal(ngx_http_fanout_proc_pid_ticks(BYTES("1 (x) S 1 2"),
                                                    &ticks), 0);
    assert_int_equal(ticks, 9);

    assert_int_equal(ngx_http_fanout_proc_statm(BYTES("16575 2870 812 254 0 "
                                                      "1300 0\n"), &pages),
                     1);
    assert_int_equal(pages, 2870);
    assert_int_equal(ngx_http_fanout_proc_statm(BYTES("16575"), &pages), 0);
}

static void
test_percent(void **state)
{
    (void) state;
    assert_true(ngx_http_fanout_proc_percent(100, 150, 1000, 1200) == 25.0);
    assert_true(ngx_http_fanout_proc_percent(0, 0, 0, 100) == -1);  /* first */
    assert_true(ngx_http_fanout_proc_percent(5, 6, 100, 100) == -1);
    assert_true(ngx_http_fanout_proc_percent(9, 6, 100, 200) == -1);
    assert_true(ngx_http_fanout_proc_percent(0, 500, 100, 200) == 100.0);
}

/* Beats every 500 ms, bytes only in some periods: the rate is over the
 * last 5 s, not one period. */
static void
test_rate_window(void **state)
{
    ngx_http_fanout_rate_window_t  w;
    uint64_t                       t;

    (void) state;
    memset(&w, 0, sizeof(w));
    w.window = 5000;

    assert_int_equal(ngx_http_fanout_proc_rate_sample(&w, 1000, 0), 0);
    /* 62.5 kB in 0.5 s */
    assert_int_equal(ngx_http_fanout_proc_rate_sample(&w, 1500, 62500),
                     1000000);
    /* nothing more: still over everything since t=1000 */
    assert_int_equal(ngx_http_fanout_proc_rate_sample(&w, 2000, 62500),
                     500000);
    for (t = 2500; t <= 6000; t += 500) {
        ngx_http_fanout_proc_rate_sample(&w, t, 62500);
    }
    /* the newest sample >= 5 s old is t=1500: nothing since */
    assert_int_equal(ngx_http_fanout_proc_rate_sample(&w, 6500, 62500), 0);

    /* a period as long as the window is one period */
    memset(&w, 0, sizeof(w));
    w.window = 5000;
    ngx_http_fanout_proc_rate_sample(&w, 1, 0);
    assert_int_equal(ngx_http_fanout_proc_rate_sample(&w, 5001, 625000),
                     1000000);
    assert_int_equal(ngx_http_fanout_proc_rate_sample(&w, 10001, 1875000),
                     2000000);

    /* at most NGX_HTTP_FANOUT_RATE_SAMPLES kept: 1 Mbit/s throughout */
    memset(&w, 0, sizeof(w));
    w.window = 1000000;
    for (t = 1; t <= 1000; t += 10) {
        ngx_http_fanout_proc_rate_sample(&w, t, t * 125);
    }
    assert_int_equal(w.n, NGX_HTTP_FANOUT_RATE_SAMPLES);
    assert_int_equal(ngx_http_fanout_proc_rate_sample(&w, 1001, 1001 * 125),
                     1000000);
}

static void
test_rate(void **state)
{
    (void) state;
    /* 1 250 000 bytes in 5 s: 2 Mbit/s */
    assert_int_equal(ngx_http_fanout_proc_rate_bps(1000, 1251000, 10000,
                                                   15000), 2000000);
    /* 1 byte in 3 ms: 2666.66 bit/s, rounded down */
    assert_int_equal(ngx_http_fanout_proc_rate_bps(0, 1, 1, 4), 2666);
    /* 7 bytes in 2 ms: 3 whole bytes per ms and the remainder's share */
    assert_int_equal(ngx_http_fanout_proc_rate_bps(0, 7, 100, 102), 28000);
    assert_int_equal(ngx_http_fanout_proc_rate_bps(0, 5000, 0, 5000), 0);
    assert_int_equal(ngx_http_fanout_proc_rate_bps(0, 5000, 900, 900), 0);
    assert_int_equal(ngx_http_fanout_proc_rate_bps(0, 5000, 900, 800), 0);
    assert_int_equal(ngx_http_fanout_proc_rate_bps(9, 5, 100, 200), 0);
    assert_int_equal(ngx_http_fanout_proc_rate_bps(5, 5, 100, 200), 0);
    /* no overflow: 2^60 bytes in 1 ms is past INT64_MAX bits/s */
    assert_true(ngx_http_fanout_proc_rate_bps(0, (uint64_t) 1 << 60, 1, 2)
                == INT64_MAX);
    assert_int_equal(ngx_http_fanout_proc_rate_bps(0, (uint64_t) 1 << 50, 1,
                                                   1001),
                     (int64_t) 8 * ((int64_t) 1 << 50));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stat),
        cmocka_unit_test(test_meminfo),
        cmocka_unit_test(test_loadavg),
        cmocka_unit_test(test_pid),
        cmocka_unit_test(test_percent),
        cmocka_unit_test(test_rate),
        cmocka_unit_test(test_rate_window),
    };

    return cmocka_run_group_tests_name("edge_proc", tests, NULL, NULL);
}
