/*
 * contract_test.c — one suite, run unchanged against every backend:
 *
 *   contract_test sqlite | redis | mongodb
 *
 * Real servers: the harness starts redis-server or the MongoDB-wire test
 * server on loopback (or uses FANOUT_TEST_MONGODB_URI).  Every test works
 * in its own namespace (file, redis db, mongo database).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fanout/store.h"
#include "server_harness.h"

static test_server server;
static int next_ns = 1;

typedef struct {
    fo_store *s;
    char uri[1024];
} fixture;

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long) (ms % 1000) * 1000000L };

    nanosleep(&ts, NULL);
}

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static fo_store *open_or_fail(const char *uri)
{
    fo_store *s = NULL;
    fo_error err = { 0 };
    fo_status rc = fo_store_open(uri, &s, &err);

    if (rc != FO_OK) {
        fail_msg("open %s: %s", uri, err.msg);
    }
    return s;
}

/* A fresh namespace; liveness window 600 ms so silence tests stay short. */
static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));

    test_server_uri(&server, next_ns++,
                    "update_period_ms=200&dead_factor=3", f->uri,
                    sizeof(f->uri));
    f->s = open_or_fail(f->uri);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;

    fo_store_close(f->s);
    free(f);
    return 0;
}

#define OK(call)                                                          \
    do {                                                                  \
        fo_error e_ = { 0 };                                              \
        fo_status r_ = (call);                                            \
        if (r_ != FO_OK) {                                                \
            fail_msg("%s -> %s: %s", #call, fo_status_str(r_), e_.msg);   \
        }                                                                 \
    } while (0)
#define ERR (&e_)

static fo_node make_node(const char *id, fo_role role, const char *ip)
{
    fo_node n;

    memset(&n, 0, sizeof(n));
    snprintf(n.id, sizeof(n.id), "%s", id);
    snprintf(n.ip, sizeof(n.ip), "%s", ip);
    snprintf(n.node_group, sizeof(n.node_group), "default");
    n.role = role;
    n.http_port = 5080;
    n.rtmp_port = role == FO_ROLE_ORIGIN ? 1935 : 0;
    return n;
}

static fo_claim make_claim(const char *app, const char *stream,
                           const char *node, const char *session)
{
    fo_claim c = { app, stream, node, "127.0.1.1", 5080, session, "RTMP" };

    return c;
}

/* ---- basics ------------------------------------------------------------- */

static void test_open_and_clock(void **state)
{
    fixture *f = *state;
    int64_t now = 0;

    assert_string_equal(fo_store_backend(f->s), server.kind);
    assert_int_equal(fo_store_dead_after_ms(f->s), 600);
    OK(fo_store_now(f->s, &now, ERR));
    /* The servers run on this machine: their clock is ours, give or take. */
    assert_true(llabs(now - (int64_t) time(NULL) * 1000) < 60000);
}

static void test_node_heartbeat_roundtrip(void **state)
{
    fixture *f = *state;
    fo_node n = make_node("origin-1", FO_ROLE_ORIGIN, "127.0.1.1"), got;

    n.cpu = 12.5;
    n.memory = 123456789;
    n.active_streams = 3;
    n.viewers = 42;
    n.db_query_avg_ms = 0.75;
    OK(fo_node_heartbeat(f->s, &n, ERR));
    OK(fo_node_get(f->s, "origin-1", &got, ERR));
    assert_string_equal(got.ip, "127.0.1.1");
    assert_int_equal(got.role, FO_ROLE_ORIGIN);
    assert_string_equal(got.node_group, "default");
    assert_int_equal(got.http_port, 5080);
    assert_int_equal(got.rtmp_port, 1935);
    assert_true(got.cpu == 12.5);
    assert_int_equal(got.memory, 123456789);
    assert_int_equal(got.active_streams, 3);
    assert_int_equal(got.viewers, 42);
    assert_true(got.db_query_avg_ms == 0.75);
    assert_true(got.alive);
    assert_true(got.last_update_ms > 0);
    assert_int_equal(fo_node_get(f->s, "nobody", &got, NULL), FO_NOT_FOUND);
}

static void test_node_silence_is_death(void **state)
{
    fixture *f = *state;
    fo_node n = make_node("edge-1", FO_ROLE_EDGE, "127.0.2.1"), got;
    int64_t first;

    OK(fo_node_heartbeat(f->s, &n, ERR));
    OK(fo_node_get(f->s, "edge-1", &got, ERR));
    assert_true(got.alive);
    assert_int_equal(got.role, FO_ROLE_EDGE);
    first = got.last_update_ms;
    sleep_ms(900);                      /* > 600 ms dead_after */
    OK(fo_node_get(f->s, "edge-1", &got, ERR));
    assert_false(got.alive);
    OK(fo_node_heartbeat(f->s, &n, ERR));
    OK(fo_node_get(f->s, "edge-1", &got, ERR));
    assert_true(got.alive);
    assert_true(got.last_update_ms >= first + 800);
}

static void test_node_list_count_delete(void **state)
{
    fixture *f = *state;
    fo_node out[8];
    size_t n = 0;
    int64_t count = 0;
    const char *ids[] = { "n3", "n1", "n5", "n2", "n4" };

    for (int i = 0; i < 5; i++) {
        fo_node nd = make_node(ids[i], FO_ROLE_ORIGIN, "127.0.1.9");

        OK(fo_node_heartbeat(f->s, &nd, ERR));
    }
    OK(fo_node_heartbeat(f->s, &(fo_node) { .id = "n1", .ip = "10.0.0.1" },
                         ERR));   /* an upsert, not a second row */
    OK(fo_node_count(f->s, &count, ERR));
    assert_int_equal(count, 5);
    OK(fo_node_list(f->s, 0, out, 2, &n, ERR));
    assert_int_equal(n, 2);
    assert_string_equal(out[0].id, "n1");
    assert_string_equal(out[0].ip, "10.0.0.1");
    assert_string_equal(out[1].id, "n2");
    OK(fo_node_list(f->s, 2, out, 8, &n, ERR));
    assert_int_equal(n, 3);
    assert_string_equal(out[0].id, "n3");
    assert_string_equal(out[2].id, "n5");
    OK(fo_node_list(f->s, 9, out, 8, &n, ERR));
    assert_int_equal(n, 0);
    OK(fo_node_delete(f->s, "n3", ERR));
    assert_int_equal(fo_node_delete(f->s, "n3", NULL), FO_NOT_FOUND);
    OK(fo_node_count(f->s, &count, ERR));
    assert_int_equal(count, 4);
}

/* ---- broadcasts ----------------------------------------------------------- */

static fo_broadcast make_bc(const char *app, const char *id, const char *name)
{
    fo_broadcast b;

    memset(&b, 0, sizeof(b));
    snprintf(b.app, sizeof(b.app), "%s", app);
    snprintf(b.stream_id, sizeof(b.stream_id), "%s", id);
    snprintf(b.name, sizeof(b.name), "%s", name);
    return b;
}

static void test_broadcast_crud(void **state)
{
    fixture *f = *state;
    fo_broadcast b = make_bc("LiveApp", "cam1", ""), got;
    fo_error err;

    snprintf(b.extra, sizeof(b.extra), "{\"description\":\"lobby\"}");
    OK(fo_broadcast_create(f->s, &b, ERR));
    assert_int_equal(fo_broadcast_create(f->s, &b, &err), FO_CONFLICT);
    OK(fo_broadcast_get(f->s, "LiveApp", "cam1", &got, ERR));
    assert_string_equal(got.name, "cam1");          /* defaulted */
    assert_string_equal(got.status, "created");
    assert_string_equal(got.type, "liveStream");
    assert_string_equal(got.extra, "{\"description\":\"lobby\"}");
    assert_true(got.date > 0);
    assert_int_equal(got.date, got.update_time);
    /* Apps are separate namespaces. */
    assert_int_equal(fo_broadcast_get(f->s, "OtherApp", "cam1", &got, NULL),
                     FO_NOT_FOUND);

    sleep_ms(5);
    b = make_bc("LiveApp", "cam1", "Lobby camera");
    b.bitrate = 2500000;
    snprintf(b.status, sizeof(b.status), "error");  /* not in the mask */
    OK(fo_broadcast_update(f->s, &b, FO_F_NAME | FO_F_BITRATE, ERR));
    OK(fo_broadcast_get(f->s, "LiveApp", "cam1", &got, ERR));
    assert_string_equal(got.name, "Lobby camera");
    assert_int_equal(got.bitrate, 2500000);
    assert_string_equal(got.status, "created");
    assert_string_equal(got.extra, "{\"description\":\"lobby\"}");
    assert_true(got.update_time > got.date);

    b.hls_viewer_count = 7;
    b.dash_viewer_count = 8;
    OK(fo_broadcast_update(f->s, &b, FO_F_VIEWERS | FO_F_STATUS, ERR));
    OK(fo_broadcast_get(f->s, "LiveApp", "cam1", &got, ERR));
    assert_int_equal(got.hls_viewer_count, 7);
    assert_int_equal(got.dash_viewer_count, 8);
    assert_string_equal(got.status, "error");

    b = make_bc("LiveApp", "ghost", "x");
    assert_int_equal(fo_broadcast_update(f->s, &b, FO_F_NAME, NULL),
                     FO_NOT_FOUND);
    OK(fo_broadcast_delete(f->s, "LiveApp", "cam1", ERR));
    assert_int_equal(fo_broadcast_delete(f->s, "LiveApp", "cam1", NULL),
                     FO_NOT_FOUND);
    assert_int_equal(fo_broadcast_get(f->s, "LiveApp", "cam1", &got, NULL),
                     FO_NOT_FOUND);
}

static void ids_of(const fo_broadcast *out, size_t n, char *buf, size_t cap)
{
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(buf);

        snprintf(buf + l, cap - l, "%s%s", i ? "," : "", out[i].stream_id);
    }
}

static void test_broadcast_list_sort_search(void **state)
{
    fixture *f = *state;
    fo_broadcast out[10];
    fo_list_query q = { FO_SORT_NONE, 0, NULL };
    size_t n;
    int64_t count;
    char ids[256];
    /* stream id, name, status: created in this order, so date ascends. */
    const char *rows[][3] = {
        { "s4", "Delta", "finished" }, { "s1", "alpha", "created" },
        { "s3", "Charlie", "broadcasting" }, { "s2", "bravo", "created" },
        { "s5", "Echo alpha", "broadcasting" },
    };

    for (int i = 0; i < 5; i++) {
        fo_broadcast b = make_bc("LiveApp", rows[i][0], rows[i][1]);

        snprintf(b.status, sizeof(b.status), "%s", rows[i][2]);
        OK(fo_broadcast_create(f->s, &b, ERR));
        sleep_ms(3);                    /* distinct creation dates */
    }
    fo_broadcast other = make_bc("Other", "s9", "alpha");
    OK(fo_broadcast_create(f->s, &other, ERR));

    OK(fo_broadcast_list(f->s, "LiveApp", &q, 0, out, 10, &n, ERR));
    ids_of(out, n, ids, sizeof(ids));
    assert_string_equal(ids, "s1,s2,s3,s4,s5");

    OK(fo_broadcast_list(f->s, "LiveApp", &q, 1, out, 2, &n, ERR));
    ids_of(out, n, ids, sizeof(ids));
    assert_string_equal(ids, "s2,s3");

    q.sort_by = FO_SORT_NAME;           /* byte order: capitals first */
    OK(fo_broadcast_list(f->s, "LiveApp", &q, 0, out, 10, &n, ERR));
    ids_of(out, n, ids, sizeof(ids));
    assert_string_equal(ids, "s3,s4,s5,s1,s2");

    q.sort_by = FO_SORT_DATE;
    q.descending = 1;
    OK(fo_broadcast_list(f->s, "LiveApp", &q, 0, out, 10, &n, ERR));
    ids_of(out, n, ids, sizeof(ids));
    assert_string_equal(ids, "s5,s2,s3,s1,s4");

    q.sort_by = FO_SORT_STATUS;         /* ties by stream id ascending */
    q.descending = 0;
    OK(fo_broadcast_list(f->s, "LiveApp", &q, 0, out, 10, &n, ERR));
    ids_of(out, n, ids, sizeof(ids));
    assert_string_equal(ids, "s3,s5,s1,s2,s4");

    q.sort_by = FO_SORT_NONE;
    q.search = "ALPHA";                 /* case-insensitive, name or id */
    OK(fo_broadcast_list(f->s, "LiveApp", &q, 0, out, 10, &n, ERR));
    ids_of(out, n, ids, sizeof(ids));
    assert_string_equal(ids, "s1,s5");
    q.search = "s4";
    OK(fo_broadcast_list(f->s, "LiveApp", &q, 0, out, 10, &n, ERR));
    ids_of(out, n, ids, sizeof(ids));
    assert_string_equal(ids, "s4");
    q.search = "%";                     /* no wildcard semantics */
    OK(fo_broadcast_list(f->s, "LiveApp", &q, 0, out, 10, &n, ERR));
    assert_int_equal(n, 0);

    OK(fo_broadcast_count(f->s, "LiveApp", NULL, &count, ERR));
    assert_int_equal(count, 5);
    OK(fo_broadcast_count(f->s, "LiveApp", "alpha", &count, ERR));
    assert_int_equal(count, 2);
    OK(fo_broadcast_count_active(f->s, "LiveApp", &count, ERR));
    assert_int_equal(count, 2);
    OK(fo_broadcast_count(f->s, "Empty", NULL, &count, ERR));
    assert_int_equal(count, 0);
}

/* ---- publishing ------------------------------------------------------------ */

static void test_claim_release(void **state)
{
    fixture *f = *state;
    fo_node a = make_node("origin-a", FO_ROLE_ORIGIN, "127.0.1.1");
    fo_node b = make_node("origin-b", FO_ROLE_ORIGIN, "127.0.1.2");
    fo_claim ca = make_claim("LiveApp", "stream1", "origin-a", "sess-a1");
    fo_claim cb = make_claim("LiveApp", "stream1", "origin-b", "sess-b1");
    fo_broadcast got;
    fo_origin o;
    fo_error err;

    cb.address = "127.0.1.2";
    cb.http_port = 5081;
    OK(fo_node_heartbeat(f->s, &a, ERR));
    OK(fo_node_heartbeat(f->s, &b, ERR));

    OK(fo_stream_claim(f->s, &ca, ERR));
    OK(fo_broadcast_get(f->s, "LiveApp", "stream1", &got, ERR));
    assert_string_equal(got.status, "broadcasting");
    assert_string_equal(got.name, "stream1");
    assert_string_equal(got.type, "liveStream");
    assert_string_equal(got.publish_type, "RTMP");
    assert_string_equal(got.origin_address, "127.0.1.1");
    assert_string_equal(got.origin_node, "origin-a");
    assert_string_equal(got.session_id, "sess-a1");
    assert_true(got.start_time > 0);

    /* A live owner holds it. */
    assert_int_equal(fo_stream_claim(f->s, &cb, &err), FO_CONFLICT);
    assert_non_null(strstr(err.msg, "origin-a"));
    /* The owner may claim again (idempotent). */
    OK(fo_stream_claim(f->s, &ca, ERR));

    OK(fo_stream_lookup(f->s, "LiveApp", "stream1", &o, ERR));
    assert_string_equal(o.address, "127.0.1.1");
    assert_int_equal(o.http_port, 5080);
    assert_string_equal(o.node_id, "origin-a");
    assert_string_equal(o.session_id, "sess-a1");
    assert_string_equal(o.status, "broadcasting");
    assert_true(o.node_alive);
    assert_int_equal(fo_stream_lookup(f->s, "LiveApp", "nope", &o, NULL),
                     FO_NOT_FOUND);

    /* Only the owning session releases. */
    assert_int_equal(fo_stream_release(f->s, "LiveApp", "stream1", "sess-b1",
                                       NULL), FO_CONFLICT);
    assert_int_equal(fo_stream_release(f->s, "LiveApp", "nope", "sess-a1",
                                       NULL), FO_NOT_FOUND);
    OK(fo_stream_release(f->s, "LiveApp", "stream1", "sess-a1", ERR));
    OK(fo_broadcast_get(f->s, "LiveApp", "stream1", &got, ERR));
    assert_string_equal(got.status, "finished");
    assert_int_equal(fo_stream_release(f->s, "LiveApp", "stream1", "sess-a1",
                                       NULL), FO_CONFLICT);

    /* Finished: anyone may publish it again. */
    OK(fo_stream_claim(f->s, &cb, ERR));
    OK(fo_stream_lookup(f->s, "LiveApp", "stream1", &o, ERR));
    assert_string_equal(o.node_id, "origin-b");
    assert_string_equal(o.address, "127.0.1.2");
    assert_int_equal(o.http_port, 5081);
    assert_string_equal(o.session_id, "sess-b1");

    /* A broadcast created through the API is claimable too. */
    fo_broadcast pre = make_bc("LiveApp", "planned", "Planned show");
    OK(fo_broadcast_create(f->s, &pre, ERR));
    fo_claim cp = make_claim("LiveApp", "planned", "origin-a", "sess-p");
    OK(fo_stream_claim(f->s, &cp, ERR));
    OK(fo_broadcast_get(f->s, "LiveApp", "planned", &got, ERR));
    assert_string_equal(got.status, "broadcasting");
    assert_string_equal(got.name, "Planned show");
}

static void test_dead_owner_can_be_taken_over(void **state)
{
    fixture *f = *state;
    fo_node a = make_node("origin-a", FO_ROLE_ORIGIN, "127.0.1.1");
    fo_node b = make_node("origin-b", FO_ROLE_ORIGIN, "127.0.1.2");
    fo_claim ca = make_claim("LiveApp", "s", "origin-a", "sess-a");
    fo_claim cb = make_claim("LiveApp", "s", "origin-b", "sess-b");
    fo_claim cg = make_claim("LiveApp", "g", "ghost", "sess-g");
    fo_claim cg2 = make_claim("LiveApp", "g", "origin-b", "sess-g2");
    fo_origin o;

    OK(fo_node_heartbeat(f->s, &a, ERR));
    OK(fo_stream_claim(f->s, &ca, ERR));
    assert_int_equal(fo_stream_claim(f->s, &cb, NULL), FO_CONFLICT);

    sleep_ms(900);                      /* origin-a falls silent */
    OK(fo_node_heartbeat(f->s, &b, ERR));
    OK(fo_stream_lookup(f->s, "LiveApp", "s", &o, ERR));
    assert_false(o.node_alive);
    assert_string_equal(o.status, "broadcasting");
    OK(fo_stream_claim(f->s, &cb, ERR));
    OK(fo_stream_lookup(f->s, "LiveApp", "s", &o, ERR));
    assert_string_equal(o.node_id, "origin-b");
    assert_true(o.node_alive);
    /* The old session can no longer finish it. */
    assert_int_equal(fo_stream_release(f->s, "LiveApp", "s", "sess-a", NULL),
                     FO_CONFLICT);

    /* An owner that never registered counts as gone. */
    OK(fo_stream_claim(f->s, &cg, ERR));
    OK(fo_stream_claim(f->s, &cg2, ERR));
}

static void test_reap_dead(void **state)
{
    fixture *f = *state;
    fo_node a = make_node("origin-a", FO_ROLE_ORIGIN, "127.0.1.1");
    fo_node b = make_node("origin-b", FO_ROLE_ORIGIN, "127.0.1.2");
    fo_claim c1 = make_claim("LiveApp", "on-a-1", "origin-a", "s1");
    fo_claim c2 = make_claim("LiveApp", "on-a-2", "origin-a", "s2");
    fo_claim c3 = make_claim("LiveApp", "on-b", "origin-b", "s3");
    fo_broadcast got;
    int64_t reaped = -1, active = 0;

    OK(fo_node_heartbeat(f->s, &a, ERR));
    OK(fo_node_heartbeat(f->s, &b, ERR));
    OK(fo_stream_claim(f->s, &c1, ERR));
    OK(fo_stream_claim(f->s, &c2, ERR));
    OK(fo_stream_claim(f->s, &c3, ERR));
    OK(fo_stream_reap_dead(f->s, &reaped, ERR));
    assert_int_equal(reaped, 0);

    sleep_ms(500);
    OK(fo_node_heartbeat(f->s, &b, ERR));   /* b stays alive, a does not */
    sleep_ms(400);
    OK(fo_stream_reap_dead(f->s, &reaped, ERR));
    assert_int_equal(reaped, 2);
    OK(fo_broadcast_get(f->s, "LiveApp", "on-a-1", &got, ERR));
    assert_string_equal(got.status, "finished");
    OK(fo_broadcast_get(f->s, "LiveApp", "on-b", &got, ERR));
    assert_string_equal(got.status, "broadcasting");
    OK(fo_broadcast_count_active(f->s, "LiveApp", &active, ERR));
    assert_int_equal(active, 1);
    OK(fo_stream_reap_dead(f->s, NULL, ERR));
}

/* Claims from several handles at once: exactly one winner per stream. */
#define RACE_STREAMS 20

typedef struct {
    const char *uri;
    const char *node;
    int wins;
    int errors;
    pthread_barrier_t *go;
} racer;

static int race_claims(const char *uri, const char *node, pthread_barrier_t *go,
                       int *errors)
{
    fo_store *s = NULL;
    int wins = 0;

    if (fo_store_open(uri, &s, NULL) != FO_OK) {
        *errors = RACE_STREAMS;
        return 0;
    }
    if (go != NULL) {
        pthread_barrier_wait(go);
    }
    for (int i = 0; i < RACE_STREAMS; i++) {
        char stream[32], session[64];
        fo_claim c = make_claim("Race", stream, node, session);
        fo_status rc;

        snprintf(stream, sizeof(stream), "race%d", i);
        snprintf(session, sizeof(session), "%s-%d", node, i);
        rc = fo_stream_claim(s, &c, NULL);
        if (rc == FO_OK) {
            wins++;
        } else if (rc != FO_CONFLICT) {
            (*errors)++;
        }
    }
    fo_store_close(s);
    return wins;
}

static void *racer_main(void *arg)
{
    racer *r = arg;

    r->wins = race_claims(r->uri, r->node, r->go, &r->errors);
    return NULL;
}

static void register_racers(fixture *f)
{
    fo_node a = make_node("racer-a", FO_ROLE_ORIGIN, "127.0.1.1");
    fo_node b = make_node("racer-b", FO_ROLE_ORIGIN, "127.0.1.2");

    OK(fo_node_heartbeat(f->s, &a, ERR));
    OK(fo_node_heartbeat(f->s, &b, ERR));
}

static void assert_one_owner_each(fixture *f, int total_wins)
{
    assert_int_equal(total_wins, RACE_STREAMS);
    for (int i = 0; i < RACE_STREAMS; i++) {
        char stream[32];
        fo_origin o;

        snprintf(stream, sizeof(stream), "race%d", i);
        OK(fo_stream_lookup(f->s, "Race", stream, &o, ERR));
        assert_string_equal(o.status, "broadcasting");
    }
}

static void test_claim_race_threads(void **state)
{
    fixture *f = *state;
    pthread_barrier_t go;
    racer r[2] = { { f->uri, "racer-a", 0, 0, &go },
                   { f->uri, "racer-b", 0, 0, &go } };
    pthread_t t[2];

    register_racers(f);
    pthread_barrier_init(&go, NULL, 2);
    for (int i = 0; i < 2; i++) {
        pthread_create(&t[i], NULL, racer_main, &r[i]);
    }
    for (int i = 0; i < 2; i++) {
        pthread_join(t[i], NULL);
    }
    pthread_barrier_destroy(&go);
    assert_int_equal(r[0].errors + r[1].errors, 0);
    assert_one_owner_each(f, r[0].wins + r[1].wins);
}

static void test_claim_race_processes(void **state)
{
    fixture *f = *state;
    const char *nodes[2] = { "racer-a", "racer-b" };
    int pipes[2][2], total = 0;
    pid_t pid[2];

    register_racers(f);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(pipe(pipes[i]), 0);
        pid[i] = fork();
        assert_true(pid[i] >= 0);
        if (pid[i] == 0) {
            int errors = 0, wins;

            wins = race_claims(f->uri, nodes[i], NULL, &errors);
            wins = errors ? -1 : wins;
            if (write(pipes[i][1], &wins, sizeof(wins)) != sizeof(wins)) {
                _exit(2);
            }
            _exit(0);
        }
        close(pipes[i][1]);
    }
    for (int i = 0; i < 2; i++) {
        int wins = -1, status = 0;

        assert_int_equal(read(pipes[i][0], &wins, sizeof(wins)),
                         sizeof(wins));
        close(pipes[i][0]);
        waitpid(pid[i], &status, 0);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        assert_true(wins >= 0);
        total += wins;
    }
    assert_one_owner_each(f, total);
}

/* ---- viewers, settings, VoD --------------------------------------------------- */

static void test_viewers_sum_over_nodes(void **state)
{
    fixture *f = *state;
    fo_broadcast b = make_bc("LiveApp", "show", "Show"), got;

    OK(fo_broadcast_create(f->s, &b, ERR));
    OK(fo_viewers_report(f->s, "edge-1", "LiveApp", "show", 10, 2, ERR));
    OK(fo_viewers_report(f->s, "edge-2", "LiveApp", "show", 5, 1, ERR));
    OK(fo_broadcast_get(f->s, "LiveApp", "show", &got, ERR));
    assert_int_equal(got.hls_viewer_count, 15);
    assert_int_equal(got.dash_viewer_count, 3);
    OK(fo_viewers_report(f->s, "edge-1", "LiveApp", "show", 4, 0, ERR));
    OK(fo_broadcast_get(f->s, "LiveApp", "show", &got, ERR));
    assert_int_equal(got.hls_viewer_count, 9);
    assert_int_equal(got.dash_viewer_count, 1);
    /* edge-2's report goes stale: only fresh reports count. */
    sleep_ms(900);
    OK(fo_viewers_report(f->s, "edge-1", "LiveApp", "show", 3, 0, ERR));
    OK(fo_broadcast_get(f->s, "LiveApp", "show", &got, ERR));
    assert_int_equal(got.hls_viewer_count, 3);
    assert_int_equal(got.dash_viewer_count, 0);
    assert_int_equal(fo_viewers_report(f->s, "edge-1", "LiveApp", "nope", 1,
                                       1, NULL), FO_NOT_FOUND);
}

static void test_app_settings(void **state)
{
    fixture *f = *state;
    char json[FO_EXTRA_MAX], tiny[4];
    fo_error err;

    assert_int_equal(fo_app_settings_get(f->s, "LiveApp", json, sizeof(json),
                                         NULL), FO_NOT_FOUND);
    OK(fo_app_settings_put(f->s, "LiveApp", "{\"hlsTime\":2}", ERR));
    OK(fo_app_settings_put(f->s, "LiveApp", "{\"hlsTime\":4}", ERR));
    OK(fo_app_settings_get(f->s, "LiveApp", json, sizeof(json), ERR));
    assert_string_equal(json, "{\"hlsTime\":4}");
    assert_int_equal(fo_app_settings_get(f->s, "LiveApp", tiny, sizeof(tiny),
                                         &err), FO_ERR);
    assert_int_equal(fo_app_settings_put(f->s, "LiveApp", "not json", NULL),
                     FO_ERR_INVALID);
}

static void test_vod(void **state)
{
    fixture *f = *state;
    fo_vod v;
    int64_t count = -1;

    memset(&v, 0, sizeof(v));
    snprintf(v.app, sizeof(v.app), "LiveApp");
    snprintf(v.vod_id, sizeof(v.vod_id), "vod1");
    snprintf(v.stream_id, sizeof(v.stream_id), "cam1");
    snprintf(v.name, sizeof(v.name), "cam1 recording");
    snprintf(v.file_path, sizeof(v.file_path), "streams/cam1.mp4");
    v.duration_ms = 60000;
    OK(fo_vod_put(f->s, &v, ERR));
    OK(fo_vod_put(f->s, &v, ERR));      /* upsert */
    snprintf(v.vod_id, sizeof(v.vod_id), "vod2");
    OK(fo_vod_put(f->s, &v, ERR));
    OK(fo_vod_count(f->s, "LiveApp", &count, ERR));
    assert_int_equal(count, 2);
    OK(fo_vod_delete(f->s, "LiveApp", "vod1", ERR));
    assert_int_equal(fo_vod_delete(f->s, "LiveApp", "vod1", NULL),
                     FO_NOT_FOUND);
    OK(fo_vod_count(f->s, "LiveApp", &count, ERR));
    assert_int_equal(count, 1);
}

/* ---- bad input, outages ----------------------------------------------------------- */

static void test_bad_arguments(void **state)
{
    fixture *f = *state;
    fo_broadcast b = make_bc("LiveApp", "../etc", "x"), got;
    fo_claim c = make_claim("LiveApp", "a/b", "origin-a", "s");
    fo_node n = make_node("bad id", FO_ROLE_ORIGIN, "127.0.0.1");
    fo_error err;
    int64_t calls_before;
    uint64_t calls;

    fo_store_avg_query_ms(f->s, &calls);
    calls_before = (int64_t) calls;
    assert_int_equal(fo_broadcast_create(f->s, &b, &err), FO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "stream id"));
    assert_int_equal(fo_broadcast_get(f->s, "LiveApp", "..", &got, NULL),
                     FO_ERR_INVALID);
    assert_int_equal(fo_broadcast_get(f->s, "Live App", "x", &got, NULL),
                     FO_ERR_INVALID);
    assert_int_equal(fo_stream_claim(f->s, &c, NULL), FO_ERR_INVALID);
    assert_int_equal(fo_node_heartbeat(f->s, &n, &err), FO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "node id"));
    b = make_bc("LiveApp", "ok", "x");
    snprintf(b.status, sizeof(b.status), "bogus");
    assert_int_equal(fo_broadcast_update(f->s, &b, FO_F_STATUS, NULL),
                     FO_ERR_INVALID);
    /* Rejected before reaching the backend. */
    fo_store_avg_query_ms(f->s, &calls);
    assert_int_equal((int64_t) calls, calls_before);
}

static void test_malformed_uris(void **state)
{
    (void) state;
    const char *bad[] = {
        "", "nonsense", "ftp://x", "sqlite://relative.db", "sqlite:///",
        "redis://", "redis://host:0", "redis://host:99999", "redis://h:p",
        "redis://host/notanumber", "redis://host?timeout_ms=abc",
        "redis://host?bogus=1", "mongodb://", "sqlite:///tmp/x.db?dead_factor=0",
        "redis://ho st:6379",
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        fo_store *s = (fo_store *) 1;
        fo_error err = { 0 };

        assert_int_equal(fo_store_open(bad[i], &s, &err), FO_ERR_INVALID);
        assert_null(s);
        assert_true(strlen(err.msg) > 0);
        assert_non_null(strstr(err.msg, "store URI"));
    }
}

/* The server goes away: calls fail within their timeouts, never hang,
 * and the same handle works again once it is back. */
static void test_server_outage(void **state)
{
    fixture *f = *state;
    char uri[1024];
    fo_store *s;
    fo_node n = make_node("o1", FO_ROLE_ORIGIN, "127.0.1.1");
    fo_claim c = make_claim("LiveApp", "x", "o1", "s1");
    fo_error err;
    double t0, took;

    (void) f;
    test_server_uri(&server, next_ns++, "connect_timeout_ms=300&timeout_ms=300",
                    uri, sizeof(uri));
    s = open_or_fail(uri);
    OK(fo_node_heartbeat(s, &n, ERR));

    if (strcmp(server.kind, "sqlite") == 0) {
        /* SQLite has no server: its outage is another process holding the
         * write lock.  The busy timeout bounds the wait. */
        fo_store *holder = open_or_fail(uri);
        char path[1024];
        pid_t pid;
        int ready[2];

        snprintf(path, sizeof(path), "%s", uri + strlen("sqlite://"));
        *strchr(path, '?') = '\0';
        fo_store_close(holder);
        assert_int_equal(pipe(ready), 0);
        pid = fork();
        if (pid == 0) {
            char cmd[1200];

            snprintf(cmd, sizeof(cmd),
                     "(echo 'BEGIN EXCLUSIVE;'; echo 'SELECT 1;'; sleep 3) "
                     "| sqlite3 '%s' >/dev/null", path);
            if (write(ready[1], "x", 1) != 1) {
                _exit(2);
            }
            _exit(system(cmd) == 0 ? 0 : 1);
        }
        char x;
        assert_int_equal(read(ready[0], &x, 1), 1);
        sleep_ms(500);                  /* the shell has the lock now */
        t0 = now_s();
        assert_int_equal(fo_stream_claim(s, &c, &err), FO_ERR);
        took = now_s() - t0;
        assert_non_null(strstr(err.msg, "sqlite"));
        waitpid(pid, NULL, 0);
        close(ready[0]);
        close(ready[1]);
    } else if (!test_server_controllable(&server)) {
        skip();
    } else {
        test_server_stop(&server);
        t0 = now_s();
        assert_int_equal(fo_stream_claim(s, &c, &err), FO_ERR);
        took = now_s() - t0;
        assert_non_null(strstr(err.msg, server.kind));
        fprintf(stderr, "  outage error after %.2f s: %s\n", took, err.msg);
        assert_int_equal(test_server_restart(&server), 0);
    }
    /* Bounded: a few timeouts at most, never a hang. */
    assert_true(took < 3.0);
    /* Recovery: the same handle works again (in-memory test servers come
     * back empty, so register again before claiming). */
    for (int i = 0; i < 50 && fo_node_heartbeat(s, &n, NULL) != FO_OK; i++) {
        sleep_ms(100);
    }
    OK(fo_node_heartbeat(s, &n, ERR));
    OK(fo_stream_claim(s, &c, ERR));
    fo_store_close(s);
}

static void test_unreachable_server(void **state)
{
    (void) state;
    fo_store *s = NULL;
    fo_error err = { 0 };
    double t0 = now_s();
    /* Port 1 on loopback: nothing listens there. */
    fo_status rc;

    if (strcmp(server.kind, "sqlite") == 0) {
        rc = fo_store_open("sqlite:///nonexistent-dir/x/y.db", &s, &err);
        assert_int_equal(rc, FO_ERR);
        assert_non_null(strstr(err.msg, "nonexistent-dir"));
        return;
    }
    if (strcmp(server.kind, "redis") == 0) {
        rc = fo_store_open("redis://127.0.0.1:1?connect_timeout_ms=300", &s,
                           &err);
    } else {
        rc = fo_store_open("mongodb://127.0.0.1:1/x?connect_timeout_ms=300",
                           &s, &err);
        if (rc == FO_OK) {
            /* The driver connects lazily: the first call must fail. */
            fo_node n = make_node("o1", FO_ROLE_ORIGIN, "127.0.1.1");

            rc = fo_node_heartbeat(s, &n, &err);
            fo_store_close(s);
        }
    }
    assert_int_equal(rc, FO_ERR);
    assert_non_null(strstr(err.msg, "127.0.0.1:1"));
    assert_true(now_s() - t0 < 3.0);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_and_clock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_node_heartbeat_roundtrip, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_node_silence_is_death, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_node_list_count_delete, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_broadcast_crud, setup, teardown),
        cmocka_unit_test_setup_teardown(test_broadcast_list_sort_search,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_claim_release, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dead_owner_can_be_taken_over,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_reap_dead, setup, teardown),
        cmocka_unit_test_setup_teardown(test_claim_race_threads, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_claim_race_processes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_viewers_sum_over_nodes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_app_settings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vod, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
        cmocka_unit_test(test_malformed_uris),
        cmocka_unit_test_setup_teardown(test_server_outage, setup, teardown),
        cmocka_unit_test(test_unreachable_server),
    };
    char group[64];
    int failed;

    if (argc != 2) {
        fprintf(stderr, "usage: %s sqlite|redis|mongodb\n", argv[0]);
        return 2;
    }
    if (test_server_start(&server, argv[1]) != 0) {
        return 1;
    }
    snprintf(group, sizeof(group), "store contract (%s%s)", argv[1],
             server.external_uri[0] ? ", external server" : "");
    failed = _cmocka_run_group_tests(group, tests,
                                     sizeof(tests) / sizeof(tests[0]), NULL,
                                     NULL);
    test_server_destroy(&server);
    return failed == 0 ? 0 : 1;
}
