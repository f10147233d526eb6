/*
 * console_seed.c — fills a store with a large cluster for the console
 * benchmark (bench/console/console_bench.py) and keeps it alive.
 *
 *   console_seed URI NODES STREAMS PERIOD_MS [rewrite]
 *
 * Writes NODES origin heartbeats (ids bench-node-<i>, addresses
 * 127.0.200.x, CPU 10 %, memory 40 %), then STREAMS live streams of
 * LiveApp (bench-<i>), each claimed by node i % NODES with one progress
 * write, through the store library as origins write them.  Prints
 * "SEEDED <nodes> <streams> <seconds>" on stdout, then heartbeats every
 * node every PERIOD_MS until stdin closes (the bench's end), so that the
 * nodes stay alive and their streams live.  With "rewrite", each period
 * also writes every stream's progress again, its sequence unchanged, as an
 * origin whose stream stalled does (what the streamStalled alert looks
 * for: tests/integration/test_origin_alerts_stalled.py).  Exit 0, or 1
 * with a message.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fanout/store.h"

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static void node_of(int i, fo_node *n)
{
    memset(n, 0, sizeof(*n));
    snprintf(n->id, sizeof(n->id), "bench-node-%d", i);
    snprintf(n->ip, sizeof(n->ip), "127.0.200.%d", 1 + i % 250);
    n->http_port = 5080 + i / 250;
    n->rtmp_port = 1935;
    n->role = FO_ROLE_ORIGIN;
    snprintf(n->node_group, sizeof(n->node_group), "default");
    n->cpu = 10.0;
    n->mem_percent = 40.0;
    n->process_cpu = 5.0;
    n->process_rss = (int64_t) 1 << 28;
    n->load1 = 0.5;
    n->repl_lag_ms = -1;
}

static int heartbeat_all(fo_store *s, int nodes)
{
    fo_error err;
    fo_node n;

    for (int i = 0; i < nodes; i++) {
        node_of(i, &n);
        if (fo_node_heartbeat(s, &n, &err) != FO_OK) {
            fprintf(stderr, "console_seed: heartbeat %s: %s\n", n.id,
                    err.msg);
            return -1;
        }
    }
    return 0;
}

/* Stream i's progress (its owner's session), the sequence fixed. */
static fo_status progress(fo_store *s, int i, fo_error *err)
{
    char stream[32], session[48];
    fo_progress p = { .hls_sequence = 1 + i % 1000 };

    snprintf(stream, sizeof(stream), "bench-%d", i);
    snprintf(session, sizeof(session), "bench-session-%d", i);
    return fo_stream_progress_put(s, "LiveApp", stream, session, &p, err);
}

/* Stream i, live on node i % nodes, with one progress write. */
static int seed_stream(fo_store *s, int i, int nodes)
{
    char stream[32], session[48];
    fo_node n;
    fo_error err;
    fo_status st;

    node_of(i % nodes, &n);
    snprintf(stream, sizeof(stream), "bench-%d", i);
    snprintf(session, sizeof(session), "bench-session-%d", i);
    fo_claim c = { "LiveApp", stream, n.id, n.ip, n.http_port, session,
                   "RTMP", NULL };

    st = fo_stream_claim(s, &c, &err);
    if (st == FO_OK) {
        st = progress(s, i, &err);
    }
    if (st != FO_OK) {
        fprintf(stderr, "console_seed: %s: %s\n", stream, err.msg);
        return -1;
    }
    return 0;
}

static int rewrite_all(fo_store *s, int streams)
{
    fo_error err;

    for (int i = 0; i < streams; i++) {
        if (progress(s, i, &err) != FO_OK) {
            fprintf(stderr, "console_seed: progress %d: %s\n", i, err.msg);
            return -1;
        }
    }
    return 0;
}

/* Heartbeats (and with rewrite, progress) every period_ms until stdin
 * reaches end of file. */
static int keep_alive(fo_store *s, int nodes, int streams, int rewrite,
                      int period_ms)
{
    struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
    char buf[256];

    for (;;) {
        int rc = poll(&p, 1, period_ms);
        if (rc < 0) {
            return 0;
        }
        if (rc > 0 && read(STDIN_FILENO, buf, sizeof(buf)) <= 0) {
            return 0;
        }
        if (heartbeat_all(s, nodes) != 0
            || (rewrite && rewrite_all(s, streams) != 0)) {
            return -1;
        }
    }
}

int main(int argc, char **argv)
{
    fo_store *s = NULL;
    fo_error err;
    int rc = 1;

    if (argc != 5 && !(argc == 6 && strcmp(argv[5], "rewrite") == 0)) {
        fprintf(stderr,
                "usage: console_seed URI NODES STREAMS PERIOD_MS [rewrite]\n");
        return 2;
    }
    int nodes = atoi(argv[2]), streams = atoi(argv[3]);
    int period_ms = atoi(argv[4]);
    if (nodes < 1 || streams < 0 || period_ms < 10) {
        fprintf(stderr, "console_seed: bad NODES, STREAMS or PERIOD_MS\n");
        return 2;
    }
    if (fo_store_open(argv[1], &s, &err) != FO_OK) {
        fprintf(stderr, "console_seed: open: %s\n", err.msg);
        return 1;
    }
    double t0 = now_s();
    if (heartbeat_all(s, nodes) != 0) {
        goto out;
    }
    for (int i = 0; i < streams; i++) {
        if (seed_stream(s, i, nodes) != 0) {
            goto out;
        }
    }
    if (heartbeat_all(s, nodes) != 0) {
        goto out;
    }
    printf("SEEDED %d %d %.2f\n", nodes, streams, now_s() - t0);
    fflush(stdout);
    rc = keep_alive(s, nodes, streams, argc == 6, period_ms) == 0 ? 0 : 1;
out:
    fo_store_close(s);
    return rc;
}
