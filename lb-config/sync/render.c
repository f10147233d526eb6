/*
 * render.c — the upstream blocks of render.h.
 */
#include "render.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node_check.h"

#define MAX_GROUPS 64

int lb_append(lb_text *t, const char *fmt, ...)
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

/* One upstream block: the nodes in use of a kind, of one group or all. */
static int upstream(lb_text *t, const char *name, const fo_node *nodes,
                    const unsigned char *use, size_t n, pool_kind kind,
                    const char *group)
{
    int servers = 0;

    /* Viewers stay on one edge (their playlists never go back; see
     * lb.conf); origins take the least loaded. */
    if (lb_append(t, "upstream %s {\n    %s;\n", name,
                  kind == EDGE_HTTP ? "hash $remote_addr consistent"
                                    : "least_conn") != 0)
    {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const fo_node *nd = &nodes[i];
        fo_role want = kind == EDGE_HTTP ? FO_ROLE_EDGE : FO_ROLE_ORIGIN;
        int port = kind == ORIGIN_RTMP ? nd->rtmp_port : nd->http_port;
        char addr[FO_ADDR_MAX + 16];

        if (!use[i] || nd->role != want || port <= 0
            || (group != NULL && strcmp(nd->node_group, group) != 0)
            || lb_server_addr(nd, port, addr, sizeof(addr)) != 0)
        {
            continue;
        }
        /* Passive health on top of heartbeats: a node that stops answering
         * is skipped for a while before the store marks it dead. */
        if (lb_append(t, "    server %s max_fails=2 fail_timeout=5s;  # %s\n",
                      addr, nd->id) != 0)
        {
            return -1;
        }
        servers++;
    }
    if (servers == 0) {
        /* nginx wants at least one server; this one answers 502 at once. */
        if (lb_append(t, "    server 127.0.0.1:9 down;  # no alive node\n")
            != 0)
        {
            return -1;
        }
    }
    /* The workers share the pool's state: without a zone each worker
     * balances only its own connections (least_conn, max_fails), and the
     * sum over the workers can be uneven.  1 KiB a server is room to
     * spare (a peer takes a few hundred bytes). */
    if (lb_append(t, "    zone %s %dk;\n", name, 64 + servers) != 0) {
        return -1;
    }
    /* HTTP: reuse connections to the nodes.  Without a pool every request
     * opens one, and when an edge dies its viewers' next requests all
     * connect to the others at once: past their accept queue the SYNs are
     * dropped, the connects time out, max_fails marks the healthy edges
     * down too, and the LB answers everyone 502 (no live upstreams).  The
     * figure is idle connections kept per LB worker. */
    if (kind != ORIGIN_RTMP && lb_append(t, "    keepalive 32;\n") != 0) {
        return -1;
    }
    return lb_append(t, "}\n\n");
}

/* The distinct valid groups of every node, in use or not (a group whose
 * nodes are all dead keeps its block, which a site may name), at most
 * MAX_GROUPS. */
static size_t collect_groups(const fo_node *nodes, size_t n,
                             char groups[][FO_ID_MAX])
{
    size_t ngroups = 0;

    for (size_t i = 0; i < n; i++) {
        size_t g = 0;

        if (!fo_valid_id(nodes[i].node_group, FO_ID_MAX)) {
            continue;
        }
        while (g < ngroups && strcmp(groups[g], nodes[i].node_group) != 0) {
            g++;
        }
        if (g == ngroups && ngroups < MAX_GROUPS) {
            snprintf(groups[ngroups++], FO_ID_MAX, "%s", nodes[i].node_group);
        }
    }
    return ngroups;
}

int lb_render(const fo_node *nodes, const unsigned char *use, size_t n,
              lb_text *http, lb_text *stream)
{
    static const char head[] = "# Rendered by fanout-lb-sync from the "
                               "cluster store; do not edit.\n\n";
    char groups[MAX_GROUPS][FO_ID_MAX];
    size_t ngroups = collect_groups(nodes, n, groups);
    int rc = 0;

    rc |= lb_append(http, "%s", head);
    rc |= lb_append(stream, "%s", head);
    rc |= upstream(http, "fanout_edges", nodes, use, n, EDGE_HTTP, NULL);
    rc |= upstream(http, "fanout_origins", nodes, use, n, ORIGIN_HTTP, NULL);
    rc |= upstream(stream, "fanout_rtmp", nodes, use, n, ORIGIN_RTMP, NULL);
    for (size_t g = 0; g < ngroups; g++) {
        char name[128];

        snprintf(name, sizeof(name), "fanout_edges_%s", groups[g]);
        rc |= upstream(http, name, nodes, use, n, EDGE_HTTP, groups[g]);
        snprintf(name, sizeof(name), "fanout_origins_%s", groups[g]);
        rc |= upstream(http, name, nodes, use, n, ORIGIN_HTTP, groups[g]);
        snprintf(name, sizeof(name), "fanout_rtmp_%s", groups[g]);
        rc |= upstream(stream, name, nodes, use, n, ORIGIN_RTMP, groups[g]);
    }
    return rc;
}
