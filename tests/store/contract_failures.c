/*
 * contract_failures.c — the contract suite's bad input and failures: bad
 * arguments and URIs, a server that goes away and comes back, one that
 * was never there.
 */
#include <signal.h>
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

/* The takeover, progress and history calls' bad input. */
static void bad_continuation_arguments(fixture *f)
{
    fo_claim c = make_claim("LiveApp", "ok", "origin-a", "s");
    fo_progress p = { 0 }, got;
    fo_session h[2];
    size_t n = 7;
    fo_error err;

    c.take_over_session = "not valid";
    assert_int_equal(fo_stream_claim(f->s, &c, &err), FO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "session to take over"));
    assert_int_equal(fo_stream_progress_put(f->s, "LiveApp", "ok", "a b", &p,
                                            &err), FO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "session id"));
    assert_int_equal(fo_stream_progress_put(f->s, "LiveApp", "..", "s", &p,
                                            NULL), FO_ERR_INVALID);
    assert_int_equal(fo_stream_progress_put(f->s, "LiveApp", "ok", "s", NULL,
                                            NULL), FO_ERR_INVALID);
    p.dash_end_ms = -1;
    assert_int_equal(fo_stream_progress_put(f->s, "LiveApp", "ok", "s", &p,
                                            &err), FO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "progress"));
    p.dash_end_ms = 0;
    p.dash_period_start_ms = -1;
    assert_int_equal(fo_stream_progress_put(f->s, "LiveApp", "ok", "s", &p,
                                            &err), FO_ERR_INVALID);
    got.hls_sequence = 5;
    assert_int_equal(fo_stream_progress_get(f->s, "Live/App", "ok", &got,
                                            NULL), FO_ERR_INVALID);
    assert_int_equal(got.hls_sequence, 0);
    assert_int_equal(fo_stream_history(f->s, "LiveApp", "a/b", 0, h, 2, &n,
                                       NULL), FO_ERR_INVALID);
    assert_int_equal(n, 0);
}

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
    bad_continuation_arguments(f);
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

/* The continuation's calls while the server is down: FO_ERR, bounded.
 * Returns the longest wait, took included. */
static double outage_continuation(fo_store *s, double took)
{
    fo_progress p = { 0 };
    fo_session h[2];
    size_t n;
    fo_error err;

    for (int i = 0; i < 3; i++) {
        double t0 = now_s();
        fo_status rc = i == 0 ? fo_stream_progress_put(s, "LiveApp", "x", "s1",
                                                       &p, &err)
                       : i == 1 ? fo_stream_progress_get(s, "LiveApp", "x", &p,
                                                         &err)
                                : fo_stream_history(s, "LiveApp", "x", 0, h, 2,
                                                    &n, &err);

        assert_int_equal(rc, FO_ERR);
        assert_non_null(strstr(err.msg, server.kind));
        took = took > now_s() - t0 ? took : now_s() - t0;
    }
    return took;
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
    fo_progress p = { 0 };
    fo_error err;
    double t0, took = 0;

    (void) f;
    test_server_uri(&server, contract_next_ns(), "connect_timeout_ms=300&timeout_ms=300",
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
        t0 = now_s();
        assert_int_equal(fo_stream_progress_put(s, "LiveApp", "x", "s1", &p,
                                                &err), FO_ERR);
        assert_non_null(strstr(err.msg, "progress put"));
        took = took > now_s() - t0 ? took : now_s() - t0;
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
        took = outage_continuation(s, took);
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
    OK(fo_stream_progress_put(s, "LiveApp", "x", "s1", &p, ERR));
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

const contract_suite contract_failures = CONTRACT_SUITE(
    CONTRACT_TEST(test_bad_arguments),
    cmocka_unit_test(test_malformed_uris),
    CONTRACT_TEST(test_server_outage),
    cmocka_unit_test(test_unreachable_server));
