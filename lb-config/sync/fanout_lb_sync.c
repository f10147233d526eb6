/*
 * fanout-lb-sync — keeps the load balancer's upstreams equal to the alive
 * nodes in the cluster store.
 *
 * Every period it reads the nodes, renders the upstream blocks (all nodes,
 * and one block per nodeGroup) into DIR/upstreams-http.conf (edges and
 * origins' HTTP) and DIR/upstreams-stream.conf (origins' RTMP), and when
 * the text changed: checks the whole configuration with the test command
 * (`nginx -t ...`), then reloads nginx.  A configuration that fails the
 * test is rolled back and nginx keeps running the old one.  While the
 * store is unreachable nothing changes.
 *
 *   fanout-lb-sync --store URI --dir DIR [--period-ms 5000] [--once]
 *                  [--test-cmd CMD] [--reload-cmd CMD]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fanout/store.h"

#define MAX_NODES 4096

typedef struct {
    char *buf;
    size_t len, cap;
} text;

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
    (void) sig;
    stopping = 1;
}

static void logf_(const char *fmt, ...)
{
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    va_list ap;

    gmtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
    fprintf(stderr, "%s lb-sync: ", stamp);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static int append(text *t, const char *fmt, ...)
{
    va_list ap;
    int n;

    for (;;) {
        size_t room = t->cap - t->len;

        va_start(ap, fmt);
        n = vsnprintf(t->buf ? t->buf + t->len : NULL, room, fmt, ap);
        va_end(ap);
        if (n < 0) {
            return -1;
        }
        if ((size_t) n < room) {
            t->len += (size_t) n;
            return 0;
        }
        size_t cap = (t->cap + (size_t) n + 1) * 2;
        char *b = realloc(t->buf, cap);

        if (b == NULL) {
            return -1;
        }
        t->buf = b;
        t->cap = cap;
    }
}

typedef enum { EDGE_HTTP, ORIGIN_HTTP, ORIGIN_RTMP } pool_kind;

/* One upstream block: the alive nodes of a kind, of one group or all. */
static int upstream(text *t, const char *name, const fo_node *nodes, size_t n,
                    pool_kind kind, const char *group)
{
    int servers = 0;

    if (append(t, "upstream %s {\n    least_conn;\n", name) != 0) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const fo_node *nd = &nodes[i];
        fo_role want = kind == EDGE_HTTP ? FO_ROLE_EDGE : FO_ROLE_ORIGIN;
        int port = kind == ORIGIN_RTMP ? nd->rtmp_port : nd->http_port;

        if (!nd->alive || nd->role != want || port <= 0
            || (group != NULL && strcmp(nd->node_group, group) != 0))
        {
            continue;
        }
        /* Passive health on top of heartbeats: a node that stops answering
         * is skipped for a while before the store marks it dead. */
        if (append(t, "    server %s:%d max_fails=2 fail_timeout=5s;  # %s\n",
                   nd->ip, port, nd->id) != 0)
        {
            return -1;
        }
        servers++;
    }
    if (servers == 0) {
        /* nginx wants at least one server; this one answers 502 at once. */
        if (append(t, "    server 127.0.0.1:9 down;  # no alive node\n") != 0) {
            return -1;
        }
    }
    return append(t, "}\n\n");
}

static int render(const fo_node *nodes, size_t n, text *http, text *stream)
{
    char groups[64][FO_ID_MAX];
    size_t ngroups = 0;
    int rc = 0;

    for (size_t i = 0; i < n; i++) {
        size_t g = 0;

        while (g < ngroups && strcmp(groups[g], nodes[i].node_group) != 0) {
            g++;
        }
        if (g == ngroups && ngroups < 64) {
            snprintf(groups[ngroups++], FO_ID_MAX, "%s", nodes[i].node_group);
        }
    }
    rc |= append(http, "# Rendered by fanout-lb-sync from the cluster store; "
                       "do not edit.\n\n");
    rc |= append(stream, "# Rendered by fanout-lb-sync from the cluster store; "
                         "do not edit.\n\n");
    rc |= upstream(http, "fanout_edges", nodes, n, EDGE_HTTP, NULL);
    rc |= upstream(http, "fanout_origins", nodes, n, ORIGIN_HTTP, NULL);
    rc |= upstream(stream, "fanout_rtmp", nodes, n, ORIGIN_RTMP, NULL);
    for (size_t g = 0; g < ngroups; g++) {
        char name[128];

        snprintf(name, sizeof(name), "fanout_edges_%s", groups[g]);
        rc |= upstream(http, name, nodes, n, EDGE_HTTP, groups[g]);
        snprintf(name, sizeof(name), "fanout_origins_%s", groups[g]);
        rc |= upstream(http, name, nodes, n, ORIGIN_HTTP, groups[g]);
        snprintf(name, sizeof(name), "fanout_rtmp_%s", groups[g]);
        rc |= upstream(stream, name, nodes, n, ORIGIN_RTMP, groups[g]);
    }
    return rc;
}

/* Reads a whole (small) file; NULL when it does not exist. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    if (f == NULL) {
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0
        || fseek(f, 0, SEEK_SET) != 0 || (buf = malloc((size_t) n + 1)) == NULL)
    {
        fclose(f);
        return NULL;
    }
    buf[fread(buf, 1, (size_t) n, f)] = '\0';
    fclose(f);
    return buf;
}

static int write_file(const char *path, const text *t)
{
    char tmp[4200];
    FILE *f;

    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    f = fopen(tmp, "wb");
    if (f == NULL) {
        logf_("cannot write %s: %s", tmp, strerror(errno));
        return -1;
    }
    if (fwrite(t->buf, 1, t->len, f) != t->len || fclose(f) != 0) {
        logf_("cannot write %s: %s", tmp, strerror(errno));
        return -1;
    }
    return rename(tmp, path);
}

static int run_cmd(const char *what, const char *cmd)
{
    int rc;

    if (cmd == NULL || cmd[0] == '\0') {
        return 0;
    }
    rc = system(cmd);
    if (rc != 0) {
        logf_("%s failed (%d): %s", what, rc, cmd);
        return -1;
    }
    return 0;
}

/* Installs new upstream files if they differ; tests, reloads, or rolls
 * back.  Returns 1 when nginx was reloaded, 0 when nothing changed, -1 on
 * failure. */
static int install(const char *dir, const text *http, const text *stream,
                   const char *test_cmd, const char *reload_cmd)
{
    char hpath[4096], spath[4096];
    char *old_h, *old_s;
    int same, rc = 1;

    snprintf(hpath, sizeof(hpath), "%s/upstreams-http.conf", dir);
    snprintf(spath, sizeof(spath), "%s/upstreams-stream.conf", dir);
    old_h = slurp(hpath);
    old_s = slurp(spath);
    same = old_h && old_s && strcmp(old_h, http->buf) == 0
           && strcmp(old_s, stream->buf) == 0;
    if (same) {
        free(old_h);
        free(old_s);
        return 0;
    }
    if (write_file(hpath, http) != 0 || write_file(spath, stream) != 0
        || run_cmd("configuration test", test_cmd) != 0)
    {
        /* Roll back so the files always describe a configuration that
         * passed the test. */
        if (old_h && old_s) {
            text th = { old_h, strlen(old_h), 0 }, ts = { old_s, strlen(old_s), 0 };

            write_file(hpath, &th);
            write_file(spath, &ts);
        }
        rc = -1;
    } else if (run_cmd("reload", reload_cmd) != 0) {
        rc = -1;
    }
    free(old_h);
    free(old_s);
    return rc;
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

/* Renders the nodes and installs the result, logging a reload. */
static void render_and_install(const options *o, const fo_node *nodes,
                               size_t n)
{
    text http = { 0 }, stream = { 0 };

    if (render(nodes, n, &http, &stream) != 0) {
        logf_("out of memory rendering upstreams");
    } else if (install(o->dir, &http, &stream, o->test_cmd, o->reload_cmd)
               == 1)
    {
        int up = 0;

        for (size_t i = 0; i < n; i++) {
            up += nodes[i].alive;
        }
        logf_("upstreams updated: %d alive node(s) of %zu", up, n);
    }
    free(http.buf);
    free(stream.buf);
}

/* One round: read the nodes and, when the store answers, bring the
 * upstream files in line.  *store_ok is whether the store answered, so
 * that an outage is logged when it starts and when it ends, not every
 * round. */
static void sync_once(fo_store *s, const options *o, fo_node *nodes,
                      int *store_ok)
{
    size_t n = 0;
    fo_error err;

    if (list_nodes(s, nodes, &n, &err) != FO_OK) {
        if (*store_ok) {
            logf_("store unreachable, upstreams unchanged: %s", err.msg);
        }
        *store_ok = 0;
        return;
    }
    if (!*store_ok) {
        logf_("store reachable again");
    }
    *store_ok = 1;
    render_and_install(o, nodes, n);
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
    fo_store *s = NULL;
    fo_node *nodes;
    fo_error err;

    parse_args(argc, argv, &o);
    if (fo_store_open(o.uri, &s, &err) != FO_OK) {
        logf_("%s", err.msg);
        return 1;
    }
    nodes = calloc(MAX_NODES, sizeof(*nodes));
    if (nodes == NULL) {
        logf_("out of memory");
        return 1;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);

    while (!stopping) {
        sync_once(s, &o, nodes, &store_ok);
        if (o.once) {
            break;
        }
        wait_period(o.period_ms);
    }
    free(nodes);
    fo_store_close(s);
    return store_ok ? 0 : 1;
}
