/*
 * fanout-lb-sync — keeps the load balancer's upstreams equal to the alive
 * nodes in the cluster store.
 *
 * Every period it reads the nodes, renders the upstream blocks (all nodes,
 * and one block per nodeGroup) into DIR/upstreams-http.conf (edges and
 * origins' HTTP) and DIR/upstreams-stream.conf (origins' RTMP), and when
 * the text changed: checks the whole configuration with the test command
 * (`nginx -t ...`), then reloads nginx.  Every record is checked again
 * first (node_check.h): a node with a field nginx must not see is left
 * out and named in the log, and so is one nginx refuses (a host name it
 * cannot resolve, found by install.c), while every other change goes in.
 * A configuration that fails the test otherwise is rolled back and nginx
 * keeps running the old one.  While the store is unreachable nothing
 * changes.
 *
 *   fanout-lb-sync --store URI --dir DIR [--period-ms 5000] [--once]
 *                  [--test-cmd CMD] [--reload-cmd CMD]
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fanout/store.h"
#include "install.h"
#include "log.h"
#include "node_check.h"

#define MAX_NODES 4096

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
    (void) sig;
    stopping = 1;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: fanout-lb-sync --store URI --dir DIR [--period-ms N] "
            "[--once]\n"
            "                      [--test-cmd CMD] [--reload-cmd CMD]\n");
    exit(2);
}

typedef struct {
    const char *uri, *dir, *test_cmd, *reload_cmd;
    long period_ms;
    int once;
} options;

/* The command line into o; exits with the usage on anything else. */
static void parse_args(int argc, char **argv, options *o)
{
    o->period_ms = 5000;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--store") == 0 && i + 1 < argc) {
            o->uri = argv[++i];
        } else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
            o->dir = argv[++i];
        } else if (strcmp(argv[i], "--period-ms") == 0 && i + 1 < argc) {
            o->period_ms = strtol(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--test-cmd") == 0 && i + 1 < argc) {
            o->test_cmd = argv[++i];
        } else if (strcmp(argv[i], "--reload-cmd") == 0 && i + 1 < argc) {
            o->reload_cmd = argv[++i];
        } else if (strcmp(argv[i], "--once") == 0) {
            o->once = 1;
        } else {
            usage();
        }
    }
    if (o->uri == NULL || o->dir == NULL || o->period_ms < 100
        || o->period_ms > 3600000)
    {
        usage();
    }
}

/* Every node, page by page, at most MAX_NODES of them. */
static fo_status list_nodes(fo_store *s, fo_node *nodes, size_t *n,
                            fo_error *err)
{
    size_t got = 0;
    fo_status st;

    *n = 0;
    do {
        st = fo_node_list(s, *n, nodes + *n, MAX_NODES - *n, &got, err);
        *n += got;
    } while (st == FO_OK && got > 0 && *n < MAX_NODES);
    return st;
}

/* The value of a node's field that lb_node_fault named, for a log line. */
static void field_value(const fo_node *nd, const char *field, char *out,
                        size_t cap)
{
    if (strcmp(field, "id") == 0) {
        lb_printable(nd->id, sizeof(nd->id), out, cap);
    } else if (strcmp(field, "node group") == 0) {
        lb_printable(nd->node_group, sizeof(nd->node_group), out, cap);
    } else if (strcmp(field, "role") == 0) {
        snprintf(out, cap, "%d", (int) nd->role);
    } else if (strcmp(field, "http port") == 0) {
        snprintf(out, cap, "%d", nd->http_port);
    } else if (strcmp(field, "rtmp port") == 0) {
        snprintf(out, cap, "%d", nd->rtmp_port);
    } else {
        lb_printable(nd->ip, sizeof(nd->ip), out, cap);
    }
}

/* FNV-1a over len bytes. */
static uint64_t fnv(uint64_t h, const void *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        h = (h ^ ((const unsigned char *) p)[i]) * 1099511628211ULL;
    }
    return h;
}

/* A string field up to its NUL (or its end), and a NUL after it. */
static uint64_t fnv_field(uint64_t h, const char *s, size_t size)
{
    return fnv(fnv(h, s, strnlen(s, size)), "", 1);
}

/* One line per alive node left out, when the set of them (records and
 * reasons) differs from the last round's: a node that stays bad is
 * named once, not every period. */
static void log_left_out(const lb_round *r, uint64_t *last)
{
    uint64_t h = 14695981039346656037ULL;

    for (size_t i = 0; i < r->n; i++) {
        const fo_node *nd = &r->nodes[i];
        int ports[3] = { nd->http_port, nd->rtmp_port, (int) nd->role };

        if (r->why[i] != NULL) {
            h = fnv_field(h, nd->id, sizeof(nd->id));
            h = fnv_field(h, nd->ip, sizeof(nd->ip));
            h = fnv_field(h, nd->node_group, sizeof(nd->node_group));
            h = fnv(h, ports, sizeof(ports));
            h = fnv(h, r->why[i], strlen(r->why[i]));
        }
    }
    if (h == *last) {
        return;
    }
    *last = h;
    for (size_t i = 0; i < r->n; i++) {
        const char *why = r->why[i];
        char id[FO_ID_MAX * 4], value[FO_ADDR_MAX * 4];
        int tested = why == LB_REFUSED || why == LB_UNTESTED;

        if (why == NULL) {
            continue;
        }
        lb_printable(r->nodes[i].id, FO_ID_MAX, id, sizeof(id));
        field_value(&r->nodes[i], tested ? "address" : why, value,
                    sizeof(value));
        if (strcmp(why, "id") == 0) {
            lb_log("node \"%s\" left out: invalid id", id);
            continue;
        }
        lb_log("node \"%s\" left out: %s%s \"%s\"%s%s", id,
               tested ? "" : "invalid ", tested ? "address" : why, value,
               tested ? " " : "", tested ? why : "");
    }
}

/* Checks the nodes read, renders those alive and valid, installs them,
 * and logs a reload and the nodes left out.  At most MAX_NODES a round. */
static void render_and_install(const options *o, const fo_node *nodes,
                               size_t n, uint64_t *left_out)
{
    static unsigned char use[MAX_NODES];
    static const char *why[MAX_NODES];
    lb_round r = { 0 };
    int up = 0;

    r.dir = o->dir;
    r.test_cmd = o->test_cmd;
    r.reload_cmd = o->reload_cmd;
    r.budget_ms = o->period_ms / 2;    /* the rest of the period is rest */
    r.nodes = nodes;
    r.n = n;
    r.use = use;
    r.why = why;
    for (size_t i = 0; i < n; i++) {
        const char *fault = lb_node_fault(&nodes[i]);

        why[i] = nodes[i].alive ? fault : NULL;
        use[i] = nodes[i].alive && fault == NULL;
    }
    if (lb_install(&r) == 1) {
        for (size_t i = 0; i < n; i++) {
            up += use[i];
        }
        lb_log("upstreams updated: %d alive node(s) of %zu", up, n);
    }
    log_left_out(&r, left_out);
}

/* One round: read the nodes and, when the store answers, bring the
 * upstream files in line.  *store_ok is whether the store answered, so
 * that an outage is logged when it starts and when it ends, not every
 * round. */
static void sync_once(fo_store *s, const options *o, fo_node *nodes,
                      int *store_ok, uint64_t *left_out)
{
    size_t n = 0;
    fo_error err;

    if (list_nodes(s, nodes, &n, &err) != FO_OK) {
        if (*store_ok) {
            lb_log("store unreachable, upstreams unchanged: %s", err.msg);
        }
        *store_ok = 0;
        return;
    }
    if (!*store_ok) {
        lb_log("store reachable again");
    }
    *store_ok = 1;
    render_and_install(o, nodes, n, left_out);
}

/* Waits period_ms, or less when a signal asks us to stop. */
static void wait_period(long period_ms)
{
    for (long slept = 0; slept < period_ms && !stopping; slept += 50) {
        struct timespec ts = { 0, 50 * 1000000L };

        nanosleep(&ts, NULL);
    }
}

int main(int argc, char **argv)
{
    options o = { 0 };
    int store_ok = 1;
    uint64_t left_out = 0;
    fo_store *s = NULL;
    fo_node *nodes;
    fo_error err;

    parse_args(argc, argv, &o);
    if (fo_store_open(o.uri, &s, &err) != FO_OK) {
        lb_log("%s", err.msg);
        return 1;
    }
    nodes = calloc(MAX_NODES, sizeof(*nodes));
    if (nodes == NULL) {
        lb_log("out of memory");
        return 1;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);

    while (!stopping) {
        sync_once(s, &o, nodes, &store_ok, &left_out);
        if (o.once) {
            break;
        }
        wait_period(o.period_ms);
    }
    free(nodes);
    fo_store_close(s);
    return store_ok ? 0 : 1;
}
