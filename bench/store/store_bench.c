/*
 * store_bench.c — ops/s and p50/p99 latency of the store operations that
 * sit on hot paths: heartbeat (every node, every period), lookup-origin
 * (every edge cache miss), claim (every publish) and progress (every live
 * stream, every heartbeat period).
 *
 *   store_bench sqlite|redis|mongodb [ITERATIONS]
 *
 * One client, one handle, loopback; the server is started by the same
 * harness as the contract suite.  Prints one markdown table row per op.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fanout/store.h"
#include "server_harness.h"

static double now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec * 1e6 + (double) ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;

    return (x > y) - (x < y);
}

typedef fo_status (*op_fn)(fo_store *s, int i, fo_error *err);

static fo_status op_heartbeat(fo_store *s, int i, fo_error *err)
{
    fo_node n;

    memset(&n, 0, sizeof(n));
    snprintf(n.id, sizeof(n.id), "node-%d", i % 16);
    snprintf(n.ip, sizeof(n.ip), "127.0.1.%d", 1 + i % 16);
    n.http_port = 5080;
    n.cpu = 10.0;
    n.process_rss = 1 << 28;
    return fo_node_heartbeat(s, &n, err);
}

static fo_status op_lookup(fo_store *s, int i, fo_error *err)
{
    char stream[32];
    fo_origin o;

    snprintf(stream, sizeof(stream), "seed-%d", i % 100);
    return fo_stream_lookup(s, "LiveApp", stream, &o, err);
}

/* A publish of stream i: claim-or-create, the full compare-and-set. */
static fo_status op_claim(fo_store *s, int i, fo_error *err)
{
    char stream[32], session[32];
    fo_claim c = { "LiveApp", stream, "node-0", "127.0.1.1", 5080, session,
                   "RTMP", NULL };

    snprintf(stream, sizeof(stream), "stream-%d", i);
    snprintf(session, sizeof(session), "sess-%d", i);
    return fo_stream_claim(s, &c, err);
}

/* The owner's progress write on seeded stream i: the owner check and the
 * write, one step. */
static fo_status op_progress(fo_store *s, int i, fo_error *err)
{
    char stream[32], session[32];
    fo_progress p = { .hls_sequence = i, .hls_discontinuity = 1,
                      .dash_start_ms = 1700000000000, .dash_period = 0,
                      .dash_end_ms = (int64_t) i * 2000, .dash_number = i };

    snprintf(stream, sizeof(stream), "seed-%d", i % 100);
    snprintf(session, sizeof(session), "seed-sess-%d", i % 100);
    return fo_stream_progress_put(s, "LiveApp", stream, session, &p, err);
}

static int run(fo_store *s, const char *backend, const char *name, op_fn fn,
               int iters)
{
    double *lat = malloc(sizeof(double) * (size_t) iters), t0, total;
    fo_error err;

    if (lat == NULL) {
        return -1;
    }
    for (int i = 0; i < iters / 10; i++) {      /* warm-up */
        fn(s, iters + i, NULL);
    }
    t0 = now_us();
    for (int i = 0; i < iters; i++) {
        double a = now_us();

        if (fn(s, i, &err) != FO_OK) {
            fprintf(stderr, "%s %s: %s\n", backend, name, err.msg);
            free(lat);
            return -1;
        }
        lat[i] = now_us() - a;
    }
    total = now_us() - t0;
    qsort(lat, (size_t) iters, sizeof(double), cmp_double);
    printf("| %-7s | %-9s | %8d | %9.0f | %8.1f | %8.1f |\n", backend, name,
           iters, iters / (total / 1e6), lat[iters / 2],
           lat[(int) floor(iters * 0.99)]);
    free(lat);
    return 0;
}

int main(int argc, char **argv)
{
    test_server server;
    fo_store *s = NULL;
    fo_error err;
    char uri[1024];
    int iters = argc > 2 ? atoi(argv[2]) : 5000, rc = 0;

    if (argc < 2 || iters <= 0) {
        fprintf(stderr, "usage: %s sqlite|redis|mongodb [ITERATIONS]\n",
                argv[0]);
        return 2;
    }
    if (test_server_start(&server, argv[1]) != 0) {
        return 1;
    }
    test_server_uri(&server, 1, "", uri, sizeof(uri));
    if (fo_store_open(uri, &s, &err) != FO_OK) {
        fprintf(stderr, "open %s: %s\n", uri, err.msg);
        test_server_destroy(&server);
        return 1;
    }
    /* Lookups need streams and a live owner. */
    op_heartbeat(s, 0, NULL);
    for (int i = 0; i < 100; i++) {
        char stream[32], session[32];
        fo_claim c = { "LiveApp", stream, "node-0", "127.0.1.1", 5080,
                       session, "RTMP", NULL };

        snprintf(stream, sizeof(stream), "seed-%d", i);
        snprintf(session, sizeof(session), "seed-sess-%d", i);
        if (fo_stream_claim(s, &c, &err) != FO_OK) {
            fprintf(stderr, "seed %s: %s\n", stream, err.msg);
            rc = 1;
        }
    }
    rc |= run(s, argv[1], "heartbeat", op_heartbeat, iters);
    rc |= run(s, argv[1], "lookup", op_lookup, iters);
    rc |= run(s, argv[1], "claim", op_claim, iters);
    rc |= run(s, argv[1], "progress", op_progress, iters);
    fo_store_close(s);
    test_server_destroy(&server);
    return rc ? 1 : 0;
}
