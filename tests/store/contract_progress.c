/*
 * contract_progress.c — the contract suite's takeover and continuation:
 * a claim that takes over a named session on a live node, the progress
 * only the owning session writes (and that claim, release, reap and
 * takeover keep), and the history of publish sessions.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "contract.h"

static fo_progress make_progress(int64_t base)
{
    fo_progress p = { .hls_sequence = base,
                      .hls_discontinuity = base + 1,
                      .dash_start_ms = 1700000000000 + base,
                      .dash_period = base + 2,
                      .dash_period_start_ms = base * 1000 - 500,
                      .dash_end_ms = base * 1000,
                      .dash_number = base + 3 };

    return p;
}

/* Fails unless the stream's progress is p (written_ms aside, which must
 * be set). */
static void assert_progress(fixture *f, const char *stream,
                            const fo_progress *p)
{
    fo_progress got;

    OK(fo_stream_progress_get(f->s, "LiveApp", stream, &got, ERR));
    assert_int_equal(got.hls_sequence, p->hls_sequence);
    assert_int_equal(got.hls_discontinuity, p->hls_discontinuity);
    assert_int_equal(got.dash_start_ms, p->dash_start_ms);
    assert_int_equal(got.dash_period, p->dash_period);
    assert_int_equal(got.dash_period_start_ms, p->dash_period_start_ms);
    assert_int_equal(got.dash_end_ms, p->dash_end_ms);
    assert_int_equal(got.dash_number, p->dash_number);
    assert_true(got.written_ms > 0);
}

/* The stream's history, newest first, into out[cap]; how many. */
static size_t history(fixture *f, const char *stream, size_t offset,
                      fo_session *out, size_t cap)
{
    size_t n = 99999;

    OK(fo_stream_history(f->s, "LiveApp", stream, offset, out, cap, &n, ERR));
    assert_true(n <= cap);
    return n;
}

static void assert_entry(const fo_session *s, const char *session,
                         const char *node, const char *reason)
{
    assert_string_equal(s->session_id, session);
    assert_string_equal(s->node_id, node);
    assert_string_equal(s->end_reason, reason);
    assert_true(s->start_time > 0);
    if (reason[0] == '\0') {
        assert_int_equal(s->end_time, 0);
    } else {
        assert_true(s->end_time >= s->start_time);
    }
}

static void heartbeat_two(fixture *f)
{
    fo_node a = make_node("origin-a", FO_ROLE_ORIGIN, "127.0.1.1");
    fo_node b = make_node("origin-b", FO_ROLE_ORIGIN, "127.0.1.2");

    OK(fo_node_heartbeat(f->s, &a, ERR));
    OK(fo_node_heartbeat(f->s, &b, ERR));
}

static void test_takeover_by_session(void **state)
{
    fixture *f = *state;
    fo_claim ca = make_claim("LiveApp", "s", "origin-a", "sess-a");
    fo_claim cb = make_claim("LiveApp", "s", "origin-b", "sess-b");
    fo_origin o;
    fo_error err;

    cb.address = "127.0.1.2";
    heartbeat_two(f);
    OK(fo_stream_claim(f->s, &ca, ERR));

    /* Both alive: no takeover without the session, nor with a wrong one. */
    assert_int_equal(fo_stream_claim(f->s, &cb, &err), FO_CONFLICT);
    cb.take_over_session = "sess-x";
    assert_int_equal(fo_stream_claim(f->s, &cb, &err), FO_CONFLICT);
    assert_non_null(strstr(err.msg, "origin-a"));
    OK(fo_stream_lookup(f->s, "LiveApp", "s", &o, ERR));
    assert_string_equal(o.session_id, "sess-a");

    /* The right session: taken over at once, its owner still alive. */
    cb.take_over_session = "sess-a";
    OK(fo_stream_claim(f->s, &cb, ERR));
    OK(fo_stream_lookup(f->s, "LiveApp", "s", &o, ERR));
    assert_string_equal(o.session_id, "sess-b");
    assert_string_equal(o.node_id, "origin-b");
    assert_string_equal(o.address, "127.0.1.2");
    assert_string_equal(o.status, "broadcasting");
    assert_true(o.node_alive);

    /* The compare is on the session: sess-a's takeover is stale now. */
    fo_claim stale = make_claim("LiveApp", "s", "origin-c", "sess-c");
    stale.take_over_session = "sess-a";
    assert_int_equal(fo_stream_claim(f->s, &stale, &err), FO_CONFLICT);
    assert_non_null(strstr(err.msg, "origin-b"));
    assert_int_equal(fo_stream_claim(f->s, &ca, NULL), FO_CONFLICT);
    assert_int_equal(fo_stream_release(f->s, "LiveApp", "s", "sess-a", NULL),
                     FO_CONFLICT);
    /* The new owner claims again, with or without the old session. */
    OK(fo_stream_claim(f->s, &cb, ERR));
    /* Not broadcasting: a takeover claim is an ordinary one. */
    OK(fo_stream_release(f->s, "LiveApp", "s", "sess-b", ERR));
    OK(fo_stream_claim(f->s, &stale, ERR));
    OK(fo_stream_lookup(f->s, "LiveApp", "s", &o, ERR));
    assert_string_equal(o.session_id, "sess-c");
    /* A missing stream too. */
    fo_claim fresh = make_claim("LiveApp", "new", "origin-a", "sess-n");
    fresh.take_over_session = "sess-gone";
    OK(fo_stream_claim(f->s, &fresh, ERR));
}

static void test_progress_owner_only(void **state)
{
    fixture *f = *state;
    fo_claim ca = make_claim("LiveApp", "s", "origin-a", "sess-a");
    fo_claim cb = make_claim("LiveApp", "s", "origin-b", "sess-b");
    fo_progress p1 = make_progress(10), p2 = make_progress(20), got;
    fo_progress p3 = make_progress(30);
    fo_broadcast bc;
    int64_t now = 0;

    heartbeat_two(f);
    assert_int_equal(fo_stream_progress_get(f->s, "LiveApp", "s", &got, NULL),
                     FO_NOT_FOUND);
    assert_int_equal(fo_stream_progress_put(f->s, "LiveApp", "s", "sess-a",
                                            &p1, NULL), FO_NOT_FOUND);
    OK(fo_stream_claim(f->s, &ca, ERR));
    OK(fo_stream_progress_get(f->s, "LiveApp", "s", &got, ERR));
    assert_int_equal(got.hls_sequence, 0);
    assert_int_equal(got.dash_number, 0);
    assert_int_equal(got.written_ms, 0);

    OK(fo_stream_progress_put(f->s, "LiveApp", "s", "sess-a", &p1, ERR));
    assert_progress(f, "s", &p1);
    OK(fo_store_now(f->s, &now, ERR));
    OK(fo_stream_progress_get(f->s, "LiveApp", "s", &got, ERR));
    assert_true(got.written_ms <= now && got.written_ms > now - 5000);
    /* Not the owner: nothing written. */
    assert_int_equal(fo_stream_progress_put(f->s, "LiveApp", "s", "sess-x",
                                            &p2, NULL), FO_CONFLICT);
    assert_progress(f, "s", &p1);
    /* Claiming again, updating the broadcast: the progress stays. */
    OK(fo_stream_claim(f->s, &ca, ERR));
    bc = make_bc("LiveApp", "s", "renamed");
    bc.bitrate = 5;
    OK(fo_broadcast_update(f->s, &bc, FO_F_NAME | FO_F_BITRATE, ERR));
    assert_progress(f, "s", &p1);

    /* Taken over: the successor reads it; the old session writes no more. */
    cb.take_over_session = "sess-a";
    OK(fo_stream_claim(f->s, &cb, ERR));
    assert_progress(f, "s", &p1);
    assert_int_equal(fo_stream_progress_put(f->s, "LiveApp", "s", "sess-a",
                                            &p3, NULL), FO_CONFLICT);
    assert_progress(f, "s", &p1);
    OK(fo_stream_progress_put(f->s, "LiveApp", "s", "sess-b", &p2, ERR));
    assert_progress(f, "s", &p2);

    /* Released: kept, and no one writes it, the last owner included. */
    OK(fo_stream_release(f->s, "LiveApp", "s", "sess-b", ERR));
    assert_progress(f, "s", &p2);
    assert_int_equal(fo_stream_progress_put(f->s, "LiveApp", "s", "sess-b",
                                            &p3, NULL), FO_CONFLICT);
    assert_progress(f, "s", &p2);
    /* The next publish, on any origin, reads it after its claim. */
    OK(fo_stream_claim(f->s, &ca, ERR));
    assert_progress(f, "s", &p2);
    OK(fo_stream_progress_put(f->s, "LiveApp", "s", "sess-a", &p3, ERR));
    assert_progress(f, "s", &p3);

    /* A broadcast made through the API has none until its owner writes. */
    bc = make_bc("LiveApp", "planned", "Planned");
    OK(fo_broadcast_create(f->s, &bc, ERR));
    OK(fo_stream_progress_get(f->s, "LiveApp", "planned", &got, ERR));
    assert_int_equal(got.hls_sequence + got.written_ms, 0);
    assert_int_equal(fo_stream_progress_put(f->s, "LiveApp", "planned",
                                            "sess-a", &p1, NULL),
                     FO_CONFLICT);
}

/* The live figures ride on the progress put: a broadcast read (get and
 * list) has them; create and update never write them; only the owning
 * session's put does; progress_get reads them back. */
static void test_live_figures(void **state)
{
    fixture *f = *state;
    fo_claim ca = make_claim("LiveApp", "live", "origin-a", "sess-a");
    fo_progress p = make_progress(5), got;
    fo_broadcast bc, rows[2];
    fo_list_query q = { FO_SORT_NONE, 0, "live" };
    size_t n = 0;
    static const char ladder[] =
        "[{\"name\":\"source\",\"height\":720,\"dropped\":false}]";

    heartbeat_two(f);
    OK(fo_stream_claim(f->s, &ca, ERR));
    OK(fo_broadcast_get(f->s, "LiveApp", "live", &bc, ERR));
    assert_int_equal(bc.bitrate, 0);
    assert_true(bc.speed == 0.0);
    assert_string_equal(bc.renditions, "");

    p.bitrate = 2500000;
    p.speed = 0.96875;
    snprintf(p.renditions, sizeof(p.renditions), "%s", ladder);
    OK(fo_stream_progress_put(f->s, "LiveApp", "live", "sess-a", &p, ERR));
    OK(fo_broadcast_get(f->s, "LiveApp", "live", &bc, ERR));
    assert_int_equal(bc.bitrate, 2500000);
    assert_true(bc.speed == 0.96875);
    assert_string_equal(bc.renditions, ladder);
    OK(fo_broadcast_list(f->s, "LiveApp", &q, 0, rows, 2, &n, ERR));
    assert_int_equal(n, 1);
    assert_true(rows[0].speed == 0.96875);
    assert_string_equal(rows[0].renditions, ladder);
    OK(fo_stream_progress_get(f->s, "LiveApp", "live", &got, ERR));
    assert_int_equal(got.bitrate, 2500000);
    assert_true(got.speed == 0.96875);
    assert_string_equal(got.renditions, ladder);

    /* An update (any mask) keeps speed and renditions. */
    bc.speed = 7;
    snprintf(bc.renditions, sizeof(bc.renditions), "[]");
    OK(fo_broadcast_update(f->s, &bc, FO_F_NAME | FO_F_EXTRA, ERR));
    OK(fo_broadcast_get(f->s, "LiveApp", "live", &bc, ERR));
    assert_true(bc.speed == 0.96875);
    assert_string_equal(bc.renditions, ladder);
    /* Another session writes nothing; a bad figure is refused. */
    p.speed = 3;
    assert_int_equal(fo_stream_progress_put(f->s, "LiveApp", "live", "sess-x",
                                            &p, NULL), FO_CONFLICT);
    p.speed = -1;
    assert_int_equal(fo_stream_progress_put(f->s, "LiveApp", "live", "sess-a",
                                            &p, NULL), FO_ERR_INVALID);
    OK(fo_broadcast_get(f->s, "LiveApp", "live", &bc, ERR));
    assert_true(bc.speed == 0.96875);
    /* A created broadcast starts with none. */
    bc = make_bc("LiveApp", "made", "Made");
    bc.speed = 4;
    OK(fo_broadcast_create(f->s, &bc, ERR));
    OK(fo_broadcast_get(f->s, "LiveApp", "made", &bc, ERR));
    assert_true(bc.speed == 0.0);
    assert_string_equal(bc.renditions, "");
}

/* A dead owner's streams: one taken over by a claim, the others reaped;
 * progress stays through both, and each session ends once. */
static void test_dead_owner_progress_history(void **state)
{
    fixture *f = *state;
    const char *streams[3] = { "s1", "s2", "s3" };
    fo_node b = make_node("origin-b", FO_ROLE_ORIGIN, "127.0.1.2");
    fo_claim cb = make_claim("LiveApp", "s3", "origin-b", "sess-b3");
    fo_progress p[3];
    fo_session h[4], again[4], s1;
    int64_t reaped = -1;

    heartbeat_two(f);
    for (int i = 0; i < 3; i++) {
        char session[16];
        fo_claim c = make_claim("LiveApp", streams[i], "origin-a", session);

        snprintf(session, sizeof(session), "sess-a%d", i + 1);
        p[i] = make_progress(100 * (i + 1));
        OK(fo_stream_claim(f->s, &c, ERR));
        OK(fo_stream_progress_put(f->s, "LiveApp", streams[i], session, &p[i],
                                  ERR));
    }
    sleep_ms(900);                      /* origin-a falls silent */
    OK(fo_node_heartbeat(f->s, &b, ERR));
    OK(fo_stream_claim(f->s, &cb, ERR)); /* dead owner: no session needed */
    OK(fo_stream_reap_dead(f->s, &reaped, ERR));
    assert_int_equal(reaped, 2);
    for (int i = 0; i < 3; i++) {
        assert_progress(f, streams[i], &p[i]);
    }
    assert_int_equal(history(f, "s1", 0, &s1, 1), 1);
    assert_entry(&s1, "sess-a1", "origin-a", FO_END_REAPED);
    assert_int_equal(history(f, "s3", 0, h, 4), 2);
    assert_entry(&h[0], "sess-b3", "origin-b", "");
    assert_entry(&h[1], "sess-a3", "origin-a", FO_END_TAKEN_OVER);

    /* Ended once: a later reap or release changes nothing. */
    OK(fo_stream_reap_dead(f->s, &reaped, ERR));
    assert_int_equal(reaped, 0);
    assert_int_equal(fo_stream_release(f->s, "LiveApp", "s1", "sess-a1",
                                       NULL), FO_CONFLICT);
    assert_int_equal(history(f, "s1", 0, again, 4), 1);
    assert_entry(&again[0], "sess-a1", "origin-a", FO_END_REAPED);
    assert_int_equal(again[0].end_time, s1.end_time);
    assert_int_equal(history(f, "s3", 0, again, 4), 2);
    assert_int_equal(again[1].end_time, h[1].end_time);
    assert_string_equal(again[1].end_reason, FO_END_TAKEN_OVER);
}

static void test_history(void **state)
{
    fixture *f = *state;
    fo_claim c1 = make_claim("LiveApp", "s", "origin-a", "sess-1");
    fo_claim c2 = make_claim("LiveApp", "s", "origin-a", "sess-2");
    fo_claim c3 = make_claim("LiveApp", "s", "origin-b", "sess-3");
    fo_session h[8], first;

    heartbeat_two(f);
    assert_int_equal(history(f, "s", 0, h, 8), 0);
    OK(fo_stream_claim(f->s, &c1, ERR));
    OK(fo_stream_claim(f->s, &c1, ERR)); /* the same session: nothing new */
    assert_int_equal(history(f, "s", 0, h, 8), 1);
    assert_entry(&h[0], "sess-1", "origin-a", "");
    assert_string_equal(h[0].app, "LiveApp");
    assert_string_equal(h[0].stream_id, "s");
    assert_string_equal(h[0].origin_address, "127.0.1.1");
    assert_int_equal(h[0].origin_http_port, 5080);

    OK(fo_stream_release(f->s, "LiveApp", "s", "sess-1", ERR));
    assert_int_equal(history(f, "s", 0, &first, 1), 1);
    assert_entry(&first, "sess-1", "origin-a", FO_END_RELEASED);
    assert_int_equal(fo_stream_release(f->s, "LiveApp", "s", "sess-1", NULL),
                     FO_CONFLICT);

    OK(fo_stream_claim(f->s, &c2, ERR));
    c3.address = "127.0.1.2";
    c3.http_port = 5081;
    c3.take_over_session = "sess-2";
    OK(fo_stream_claim(f->s, &c3, ERR));
    assert_int_equal(history(f, "s", 0, h, 8), 3);
    assert_entry(&h[0], "sess-3", "origin-b", "");
    assert_string_equal(h[0].origin_address, "127.0.1.2");
    assert_int_equal(h[0].origin_http_port, 5081);
    assert_entry(&h[1], "sess-2", "origin-a", FO_END_TAKEN_OVER);
    assert_entry(&h[2], "sess-1", "origin-a", FO_END_RELEASED);
    assert_int_equal(h[2].end_time, first.end_time);   /* ended once */
    assert_true(h[0].start_time >= h[1].start_time);
    assert_true(h[1].start_time >= h[2].start_time);

    /* Pages. */
    assert_int_equal(history(f, "s", 1, h, 1), 1);
    assert_string_equal(h[0].session_id, "sess-2");
    assert_int_equal(history(f, "s", 2, h, 8), 1);
    assert_string_equal(h[0].session_id, "sess-1");
    assert_int_equal(history(f, "s", 3, h, 8), 0);
    assert_int_equal(history(f, "s", 0, h, 0), 0);
    /* An update that stops the broadcast leaves the entry live; the next
     * claim ends it. */
    fo_broadcast up = make_bc("LiveApp", "s", "s");
    fo_claim c4 = make_claim("LiveApp", "s", "origin-a", "sess-4");

    snprintf(up.status, sizeof(up.status), "%s", FO_STATUS_FINISHED);
    OK(fo_broadcast_update(f->s, &up, FO_F_STATUS, ERR));
    assert_int_equal(history(f, "s", 0, h, 8), 3);
    assert_entry(&h[0], "sess-3", "origin-b", "");
    OK(fo_stream_claim(f->s, &c4, ERR));
    assert_int_equal(history(f, "s", 0, h, 8), 4);
    assert_entry(&h[0], "sess-4", "origin-a", "");
    assert_entry(&h[1], "sess-3", "origin-b", FO_END_TAKEN_OVER);
    assert_entry(&h[2], "sess-2", "origin-a", FO_END_TAKEN_OVER);

    /* Other streams have their own; deleting the broadcast drops it. */
    assert_int_equal(history(f, "other", 0, h, 8), 0);
    OK(fo_broadcast_delete(f->s, "LiveApp", "s", ERR));
    assert_int_equal(history(f, "s", 0, h, 8), 0);
}

#define TRIM_SESSIONS 105

/* Each claim takes over the one before: more sessions than are kept.
 * The newest FO_HISTORY_KEEP (100) stay, in order. */
static void test_history_trim(void **state)
{
    fixture *f = *state;
    static fo_session h[TRIM_SESSIONS + 10];
    char session[TRIM_SESSIONS][16];
    size_t n;

    heartbeat_two(f);
    for (int i = 0; i < TRIM_SESSIONS; i++) {
        fo_claim c = make_claim("LiveApp", "s", i % 2 ? "origin-b"
                                                      : "origin-a",
                                session[i]);

        snprintf(session[i], sizeof(session[i]), "sess-%d", i);
        c.take_over_session = i > 0 ? session[i - 1] : NULL;
        OK(fo_stream_claim(f->s, &c, ERR));
    }
    n = history(f, "s", 0, h, TRIM_SESSIONS + 10);
    assert_true(n >= 100 && n <= TRIM_SESSIONS);
    for (size_t i = 0; i < 100; i++) {
        const char *want = session[TRIM_SESSIONS - 1 - i];

        assert_entry(&h[i], want, i % 2 ? "origin-b" : "origin-a",
                     i == 0 ? "" : FO_END_TAKEN_OVER);
    }
    /* A page deep in it. */
    n = history(f, "s", 90, h, 5);
    assert_int_equal(n, 5);
    assert_string_equal(h[0].session_id, session[TRIM_SESSIONS - 91]);
    assert_string_equal(h[4].session_id, session[TRIM_SESSIONS - 95]);
}

/* Takeovers of the same session racing from several handles: one wins
 * each stream, and the old session ends once. */
#define TAKERS 3
#define TAKE_STREAMS 10

typedef struct {
    const char *uri;
    int id, wins, errors;
    pthread_barrier_t *go;
} taker;

static void *taker_main(void *arg)
{
    taker *t = arg;
    fo_store *s = NULL;

    if (fo_store_open(t->uri, &s, NULL) != FO_OK) {
        t->errors = TAKE_STREAMS;
    }
    pthread_barrier_wait(t->go);
    for (int i = 0; s != NULL && i < TAKE_STREAMS; i++) {
        char stream[16], session[32], old[32];
        fo_claim c = make_claim("LiveApp", stream, "origin-b", session);
        fo_status rc;

        snprintf(stream, sizeof(stream), "t%d", i);
        snprintf(session, sizeof(session), "taker-%d-%d", t->id, i);
        snprintf(old, sizeof(old), "old-%d", i);
        c.take_over_session = old;
        rc = fo_stream_claim(s, &c, NULL);
        t->wins += rc == FO_OK;
        t->errors += rc != FO_OK && rc != FO_CONFLICT;
    }
    fo_store_close(s);
    return NULL;
}

/* A loser must find the winner's node alive however slow the machine:
 * its own namespace with a 10 s liveness window. */
static void test_takeover_race(void **state)
{
    fixture slow, *f = &slow;
    pthread_barrier_t go;
    taker t[TAKERS];
    pthread_t th[TAKERS];
    int wins = 0;

    (void) state;
    test_server_uri(&server, contract_next_ns(),
                    "update_period_ms=1000&dead_factor=10", slow.uri,
                    sizeof(slow.uri));
    slow.s = open_or_fail(slow.uri);
    heartbeat_two(f);
    for (int i = 0; i < TAKE_STREAMS; i++) {
        char stream[16], old[32];
        fo_claim c = make_claim("LiveApp", stream, "origin-a", old);

        snprintf(stream, sizeof(stream), "t%d", i);
        snprintf(old, sizeof(old), "old-%d", i);
        OK(fo_stream_claim(f->s, &c, ERR));
    }
    pthread_barrier_init(&go, NULL, TAKERS);
    for (int i = 0; i < TAKERS; i++) {
        t[i] = (taker) { f->uri, i, 0, 0, &go };
        pthread_create(&th[i], NULL, taker_main, &t[i]);
    }
    for (int i = 0; i < TAKERS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(t[i].errors, 0);
        wins += t[i].wins;
    }
    pthread_barrier_destroy(&go);
    assert_int_equal(wins, TAKE_STREAMS);
    for (int i = 0; i < TAKE_STREAMS; i++) {
        char stream[16], old[32];
        fo_session h[4];
        fo_origin o;

        snprintf(stream, sizeof(stream), "t%d", i);
        snprintf(old, sizeof(old), "old-%d", i);
        OK(fo_stream_lookup(f->s, "LiveApp", stream, &o, ERR));
        assert_int_equal(history(f, stream, 0, h, 4), 2);
        assert_entry(&h[0], o.session_id, "origin-b", "");
        assert_entry(&h[1], old, "origin-a", FO_END_TAKEN_OVER);
    }
    fo_store_close(slow.s);
}

/* A database made before the continuation (schema migration 1 only, one
 * stream broadcasting, one node) opens, gains the columns and the table,
 * and works: its stream has no progress yet and no history, and its node
 * reads its old memory as process_rss and egress_bps (migration 11) 0. */
static void test_sqlite_upgrade(void **state)
{
    char uri[1024], path[1024], cmd[2600];
    fo_store *s;
    fo_claim c = make_claim("LiveApp", "old", "origin-a", "sess-old");
    fo_node a = make_node("origin-a", FO_ROLE_ORIGIN, "127.0.1.1"), old_node;
    fo_progress p = make_progress(7), got;
    fo_session h[2];
    size_t n = 9;

    (void) state;
    if (strcmp(server.kind, "sqlite") != 0) {
        skip();
    }
    test_server_uri(&server, contract_next_ns(), "", uri, sizeof(uri));
    snprintf(path, sizeof(path), "%s", uri + strlen("sqlite://"));
    snprintf(cmd, sizeof(cmd),
             "(sed '/^-- migration 2/,$d' '%s/sql/schema.sql'; "
             "echo \"INSERT INTO broadcast (app, stream_id, status, "
             "origin_node, session_id, date, update_time) VALUES "
             "('LiveApp', 'old', 'broadcasting', 'origin-a', 'sess-old', "
             "1, 1); INSERT INTO cluster_node (id, ip, role, memory, "
             "last_update_time) VALUES ('origin-old', '127.0.1.9', "
             "'origin', 4096, 1); PRAGMA user_version = 1;\") "
             "| sqlite3 '%s'",
             FANOUT_SOURCE_DIR, path);
    assert_int_equal(system(cmd), 0);

    s = open_or_fail(uri);
    OK(fo_node_get(s, "origin-old", &old_node, ERR));
    assert_int_equal(old_node.process_rss, 4096);
    assert_int_equal(old_node.egress_bps, 0);
    OK(fo_node_heartbeat(s, &a, ERR));
    OK(fo_stream_progress_get(s, "LiveApp", "old", &got, ERR));
    assert_int_equal(got.hls_sequence + got.written_ms, 0);
    OK(fo_stream_progress_put(s, "LiveApp", "old", "sess-old", &p, ERR));
    OK(fo_stream_progress_get(s, "LiveApp", "old", &got, ERR));
    assert_int_equal(got.dash_number, p.dash_number);
    OK(fo_stream_claim(s, &c, ERR));    /* its own session: no entry */
    OK(fo_stream_history(s, "LiveApp", "old", 0, h, 2, &n, ERR));
    assert_int_equal(n, 0);
    OK(fo_stream_release(s, "LiveApp", "old", "sess-old", ERR));
    OK(fo_stream_claim(s, &c, ERR));    /* a new publish: one */
    OK(fo_stream_history(s, "LiveApp", "old", 0, h, 2, &n, ERR));
    assert_int_equal(n, 1);
    assert_entry(&h[0], "sess-old", "origin-a", "");
    fo_store_close(s);
}

const contract_suite contract_progress = CONTRACT_SUITE(
    CONTRACT_TEST(test_takeover_by_session),
    CONTRACT_TEST(test_takeover_race),
    CONTRACT_TEST(test_progress_owner_only),
    CONTRACT_TEST(test_live_figures),
    CONTRACT_TEST(test_dead_owner_progress_history),
    CONTRACT_TEST(test_history),
    CONTRACT_TEST(test_history_trim),
    cmocka_unit_test(test_sqlite_upgrade));
