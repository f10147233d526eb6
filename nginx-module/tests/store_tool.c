/*
 * store_tool.c — writes and reads cluster-store records for the edge's
 * integration tests, through the store library itself (so the records are
 * exactly what origins write), until the real origin takes over.
 *
 *   store_tool URI heartbeat ID IP HTTP_PORT [origin|edge [GROUP]]
 *   store_tool URI beat ID IP HTTP_PORT PERIOD_MS [CPU MEM [VIEWERS]]
 *                                                     origin heartbeats
 *                                                     until SIGTERM, with
 *                                                     machine CPU % and
 *                                                     memory % (default 0)
 *   store_tool URI claim APP STREAM NODE ADDR HTTP_PORT SESSION
 *   store_tool URI claims APP PREFIX COUNT NODE ADDR HTTP_PORT
 *                                      claims PREFIX0 .. PREFIX<COUNT-1>
 *   store_tool URI release APP STREAM SESSION
 *   store_tool URI set-status APP STREAM STATUS
 *   store_tool URI lookup APP STREAM                  key=value lines
 *   store_tool URI node ID                            key=value lines
 *   store_tool URI broadcast APP STREAM               key=value lines
 *   store_tool URI delete-node ID
 *
 * Exit status: 0 FO_OK, 1 FO_NOT_FOUND, 2 FO_CONFLICT, 3 any error, 64 usage.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fanout/store.h"

static volatile sig_atomic_t stop;

static void
on_term(int sig)
{
    (void) sig;
    stop = 1;
}

static int
finish(fo_status st, const fo_error *err)
{
    switch (st) {
    case FO_OK:
        return 0;
    case FO_NOT_FOUND:
        return 1;
    case FO_CONFLICT:
        fprintf(stderr, "store_tool: %s\n", err->msg);
        return 2;
    default:
        fprintf(stderr, "store_tool: %s\n", err->msg);
        return 3;
    }
}

static void
node_fill(fo_node *n, const char *id, const char *ip, const char *port,
    fo_role role, const char *group)
{
    memset(n, 0, sizeof(*n));
    snprintf(n->id, sizeof(n->id), "%s", id);
    snprintf(n->ip, sizeof(n->ip), "%s", ip);
    snprintf(n->node_group, sizeof(n->node_group), "%s", group);
    n->http_port = atoi(port);
    n->rtmp_port = role == FO_ROLE_ORIGIN ? 1935 : 0;
    n->role = role;
}

static int
usage(void)
{
    fprintf(stderr, "usage: store_tool URI COMMAND ARGS... (see the source)\n");
    return 64;
}

static int
cmd_heartbeat(fo_store *s, int argc, char **argv, fo_error *err)
{
    fo_node  n;

    node_fill(&n, argv[3], argv[4], argv[5],
              argc >= 7 && strcmp(argv[6], "edge") == 0 ? FO_ROLE_EDGE
                                                        : FO_ROLE_ORIGIN,
              argc >= 8 ? argv[7] : "default");
    return finish(fo_node_heartbeat(s, &n, err), err);
}

static int
cmd_beat(fo_store *s, int argc, char **argv, fo_error *err)
{
    fo_node          n;
    struct timespec  ts;

    node_fill(&n, argv[3], argv[4], argv[5], FO_ROLE_ORIGIN, "default");
    if (argc >= 9) {
        n.cpu = atof(argv[7]);
        n.mem_percent = atof(argv[8]);
    }
    if (argc >= 10) {
        n.viewers = atoi(argv[9]);
    }
    ts.tv_sec = atoi(argv[6]) / 1000;
    ts.tv_nsec = (long) (atoi(argv[6]) % 1000) * 1000000L;
    signal(SIGTERM, on_term);
    signal(SIGINT, on_term);
    while (!stop) {
        if (fo_node_heartbeat(s, &n, err) != FO_OK) {
            fprintf(stderr, "store_tool: beat: %s\n", err->msg);
        } else {
            /* tells the test the first beat is in */
            printf("beat\n");
            fflush(stdout);
        }
        nanosleep(&ts, NULL);
    }
    return 0;
}

static void
claim_fill(fo_claim *c, char **argv)
{
    memset(c, 0, sizeof(*c));
    c->app = argv[3];
    c->stream_id = argv[4];
    c->node_id = argv[5];
    c->address = argv[6];
    c->http_port = atoi(argv[7]);
    c->session_id = argv[8];
    c->publish_type = "RTMP";
}

static int
cmd_claim(fo_store *s, int argc, char **argv, fo_error *err)
{
    fo_claim  c;

    (void) argc;
    claim_fill(&c, argv);
    return finish(fo_stream_claim(s, &c, err), err);
}

/* claims APP PREFIX COUNT NODE ADDR HTTP_PORT */
static int
cmd_claims(fo_store *s, int argc, char **argv, fo_error *err)
{
    int       rc;
    char      stream[FO_STREAM_MAX], session[FO_ID_MAX];
    long      i, count;
    fo_claim  c;
    char     *args[9];

    (void) argc;
    count = atol(argv[5]);
    args[3] = argv[3];
    args[4] = stream;
    args[5] = argv[6];
    args[6] = argv[7];
    args[7] = argv[8];
    args[8] = session;
    claim_fill(&c, args);
    rc = 0;
    for (i = 0; i < count && rc == 0; i++) {
        snprintf(stream, sizeof(stream), "%s%ld", argv[4], i);
        snprintf(session, sizeof(session), "sess-%ld", i);
        rc = finish(fo_stream_claim(s, &c, err), err);
    }
    return rc;
}

static int
cmd_release(fo_store *s, int argc, char **argv, fo_error *err)
{
    (void) argc;
    return finish(fo_stream_release(s, argv[3], argv[4], argv[5], err), err);
}

static int
cmd_set_status(fo_store *s, int argc, char **argv, fo_error *err)
{
    fo_broadcast  b;

    (void) argc;
    memset(&b, 0, sizeof(b));
    snprintf(b.app, sizeof(b.app), "%s", argv[3]);
    snprintf(b.stream_id, sizeof(b.stream_id), "%s", argv[4]);
    snprintf(b.status, sizeof(b.status), "%s", argv[5]);
    return finish(fo_broadcast_update(s, &b, FO_F_STATUS, err), err);
}

static int
cmd_lookup(fo_store *s, int argc, char **argv, fo_error *err)
{
    fo_status  st;
    fo_origin  o;

    (void) argc;
    st = fo_stream_lookup(s, argv[3], argv[4], &o, err);
    if (st == FO_OK) {
        printf("status=%s\nalive=%d\naddress=%s\nhttp_port=%d\n"
               "node=%s\nsession=%s\n", o.status, o.node_alive,
               o.address, o.http_port, o.node_id, o.session_id);
    }
    return finish(st, err);
}

static int
cmd_node(fo_store *s, int argc, char **argv, fo_error *err)
{
    fo_node    n;
    fo_status  st;

    (void) argc;
    st = fo_node_get(s, argv[3], &n, err);
    if (st == FO_OK) {
        printf("id=%s\nrole=%s\nip=%s\nhttp_port=%d\ngroup=%s\n"
               "alive=%d\nlast_update_ms=%lld\nactive_streams=%d\n"
               "cpu=%.3f\nprocess_rss=%lld\nviewers=%d\n"
               "mem_percent=%.3f\nprocess_cpu=%.3f\nload1=%.3f\n"
               "repl_lag_ms=%.1f\norigin_ok_ms=%lld\norigin_fail_ms=%lld\n"
               "db_query_avg_ms=%.3f\negress_bps=%lld\n",
               n.id, n.role == FO_ROLE_EDGE ? "edge" : "origin", n.ip,
               n.http_port, n.node_group, n.alive,
               (long long) n.last_update_ms, (int) n.active_streams,
               n.cpu, (long long) n.process_rss, (int) n.viewers,
               n.mem_percent, n.process_cpu, n.load1, n.repl_lag_ms,
               (long long) n.origin_ok_ms, (long long) n.origin_fail_ms,
               n.db_query_avg_ms, (long long) n.egress_bps);
    }
    return finish(st, err);
}

static int
cmd_broadcast(fo_store *s, int argc, char **argv, fo_error *err)
{
    fo_status     st;
    fo_broadcast  b;

    (void) argc;
    st = fo_broadcast_get(s, argv[3], argv[4], &b, err);
    if (st == FO_OK) {
        printf("status=%s\nhls=%lld\ndash=%lld\n", b.status,
               (long long) b.hls_viewer_count,
               (long long) b.dash_viewer_count);
    }
    return finish(st, err);
}

static int
cmd_delete_node(fo_store *s, int argc, char **argv, fo_error *err)
{
    (void) argc;
    return finish(fo_node_delete(s, argv[3], err), err);
}

/* A command and its argc: exactly, or at least when min is set. */
static const struct {
    const char  *name;
    int          argc;
    int          min;
    int        (*run)(fo_store *s, int argc, char **argv, fo_error *err);
} commands[] = {
    { "heartbeat", 6, 1, cmd_heartbeat },
    { "beat", 7, 1, cmd_beat },
    { "claim", 9, 0, cmd_claim },
    { "claims", 9, 0, cmd_claims },
    { "release", 6, 0, cmd_release },
    { "set-status", 6, 0, cmd_set_status },
    { "lookup", 5, 0, cmd_lookup },
    { "node", 4, 0, cmd_node },
    { "broadcast", 5, 0, cmd_broadcast },
    { "delete-node", 4, 0, cmd_delete_node },
};

int
main(int argc, char **argv)
{
    int        rc;
    size_t     i;
    fo_store  *s;
    fo_error   err;
    fo_status  st;

    if (argc < 3) {
        return usage();
    }

    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(argv[2], commands[i].name) == 0
            && (argc == commands[i].argc
                || (commands[i].min && argc > commands[i].argc)))
        {
            break;
        }
    }

    memset(&err, 0, sizeof(err));

    st = fo_store_open(argv[1], &s, &err);
    if (st != FO_OK) {
        return finish(st, &err);
    }

    rc = i < sizeof(commands) / sizeof(commands[0])
         ? commands[i].run(s, argc, argv, &err) : usage();

    fo_store_close(s);
    return rc;
}
