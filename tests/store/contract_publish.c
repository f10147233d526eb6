/*
 * contract_publish.c — the contract suite's publishing: claim, release,
 * lookup, takeover from a dead owner, reap, and claims racing from
 * threads and from processes.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <sys/wait.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "contract.h"

/* Wall-clock Unix ms: the clock the store stamps its writes with. */
static int64_t wall_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

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
    int64_t t0 = wall_ms();

    OK(fo_stream_release(f->s, "LiveApp", "stream1", "sess-a1", ERR));
    int64_t t1 = wall_ms();

    OK(fo_broadcast_get(f->s, "LiveApp", "stream1", &got, ERR));
    assert_string_equal(got.status, "finished");
    OK(fo_stream_lookup(f->s, "LiveApp", "stream1", &o, ERR));
    assert_in_range(o.lost_ms, t0, t1);             /* since its release */
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
    OK(fo_stream_lookup(f->s, "LiveApp", "planned", &o, ERR));
    assert_int_equal(o.lost_ms, 0);                 /* never published */
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

    int64_t t0 = wall_ms();

    OK(fo_node_heartbeat(f->s, &a, ERR));
    int64_t t1 = wall_ms();

    OK(fo_stream_claim(f->s, &ca, ERR));
    assert_int_equal(fo_stream_claim(f->s, &cb, NULL), FO_CONFLICT);
    OK(fo_stream_lookup(f->s, "LiveApp", "s", &o, ERR));
    assert_int_equal(o.lost_ms, 0);                     /* live */

    sleep_ms(900);                      /* origin-a falls silent */
    OK(fo_node_heartbeat(f->s, &b, ERR));
    OK(fo_stream_lookup(f->s, "LiveApp", "s", &o, ERR));
    assert_false(o.node_alive);
    assert_string_equal(o.status, "broadcasting");
    /* Lost when a's heartbeat went stale: its last one + 600 ms. */
    assert_in_range(o.node_seen_ms, t0, t1);
    assert_in_range(o.lost_ms, t0 + 600, t1 + 600);
    OK(fo_stream_claim(f->s, &cb, ERR));
    OK(fo_stream_lookup(f->s, "LiveApp", "s", &o, ERR));
    assert_string_equal(o.node_id, "origin-b");
    assert_true(o.node_alive);
    assert_int_equal(o.lost_ms, 0);
    /* The old session can no longer finish it. */
    assert_int_equal(fo_stream_release(f->s, "LiveApp", "s", "sess-a", NULL),
                     FO_CONFLICT);

    /* An owner that never registered counts as gone, lost since when
     * nobody can say. */
    OK(fo_stream_claim(f->s, &cg, ERR));
    OK(fo_stream_lookup(f->s, "LiveApp", "g", &o, ERR));
    assert_false(o.node_alive);
    assert_int_equal(o.node_seen_ms, 0);
    assert_int_equal(o.lost_ms, 0);
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
    int64_t t0 = wall_ms();

    OK(fo_stream_reap_dead(f->s, &reaped, ERR));
    int64_t t1 = wall_ms();

    assert_int_equal(reaped, 2);
    /* Reaped: lost since the reap, the broadcast's update_time. */
    fo_origin o;

    OK(fo_stream_lookup(f->s, "LiveApp", "on-a-1", &o, ERR));
    assert_string_equal(o.status, "finished");
    assert_in_range(o.lost_ms, t0, t1);
    assert_int_equal(o.lost_ms, o.update_time);
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
        /* The history agrees: one session, the winner's, live. */
        fo_session h[3];
        size_t n = 0;

        OK(fo_stream_history(f->s, "Race", stream, 0, h, 3, &n, ERR));
        assert_int_equal(n, 1);
        assert_string_equal(h[0].session_id, o.session_id);
        assert_int_equal(h[0].end_time, 0);
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

const contract_suite contract_publish = CONTRACT_SUITE(
    CONTRACT_TEST(test_claim_release),
    CONTRACT_TEST(test_dead_owner_can_be_taken_over),
    CONTRACT_TEST(test_reap_dead),
    CONTRACT_TEST(test_claim_race_threads),
    CONTRACT_TEST(test_claim_race_processes));
