/*
 * evaluator_reads.c — what one alert evaluation pass reads of an app's
 * streams, the two ways, on a store console_seed filled:
 *
 *   evaluator_reads URI [APP]
 *
 * "list": every broadcast in pages of 100 (fo_broadcast_list) and a
 * progress get per broadcasting one, as origin/src/alerts/evaluator.cc
 * did; "live": fo_stream_live_progress in pages of 500, as it does now.
 * Prints one markdown row per way: streams found, store calls, ms (the
 * best of 3 passes).  Exit 1 when a call fails or the two disagree.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fanout/store.h"

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}

/* Live streams found, or -1; *calls store calls made. */
static long by_list(fo_store *s, const char *app, long *calls)
{
    static fo_broadcast page[100];
    long live = 0;
    fo_error err;

    for (size_t off = 0;; off += 100) {
        size_t n = 0;

        (*calls)++;
        if (fo_broadcast_list(s, app, NULL, off, page, 100, &n, &err)
            != FO_OK) {
            fprintf(stderr, "evaluator_reads: list: %s\n", err.msg);
            return -1;
        }
        for (size_t i = 0; i < n; i++) {
            fo_progress p;

            if (strcmp(page[i].status, FO_STATUS_BROADCASTING) != 0) {
                continue;
            }
            (*calls)++;
            if (fo_stream_progress_get(s, app, page[i].stream_id, &p, &err)
                != FO_OK) {
                fprintf(stderr, "evaluator_reads: progress: %s\n", err.msg);
                return -1;
            }
            live++;
        }
        if (n < 100) {
            return live;
        }
    }
}

static long by_live(fo_store *s, const char *app, long *calls)
{
    static fo_live_progress page[500];
    char after[FO_STREAM_MAX] = "";
    long live = 0;
    fo_error err;

    for (;;) {
        size_t n = 0;

        (*calls)++;
        if (fo_stream_live_progress(s, app, after, page, 500, &n, &err)
            != FO_OK) {
            fprintf(stderr, "evaluator_reads: live: %s\n", err.msg);
            return -1;
        }
        live += (long) n;
        if (n < 500) {
            return live;
        }
        snprintf(after, sizeof(after), "%s", page[n - 1].stream_id);
    }
}

typedef long (*way_fn)(fo_store *s, const char *app, long *calls);

static long row(fo_store *s, const char *app, const char *name, way_fn fn)
{
    double best = 1e18;
    long live = -1, calls = 0;

    for (int i = 0; i < 3; i++) {
        double t0 = now_ms();

        calls = 0;
        live = fn(s, app, &calls);
        if (live < 0) {
            return -1;
        }
        double ms = now_ms() - t0;
        best = ms < best ? ms : best;
    }
    printf("| %s | %s | %ld | %ld | %.1f |\n", fo_store_backend(s), name,
           live, calls, best);
    return live;
}

int main(int argc, char **argv)
{
    fo_store *s = NULL;
    fo_error err;
    const char *app = argc > 2 ? argv[2] : "LiveApp";

    if (argc < 2) {
        fprintf(stderr, "usage: evaluator_reads URI [APP]\n");
        return 2;
    }
    if (fo_store_open(argv[1], &s, &err) != FO_OK) {
        fprintf(stderr, "evaluator_reads: open: %s\n", err.msg);
        return 1;
    }
    long a = row(s, app, "list + progress per stream (before)", by_list);
    long b = row(s, app, "fo_stream_live_progress (now)", by_live);
    fo_store_close(s);
    return a >= 0 && a == b ? 0 : 1;
}
