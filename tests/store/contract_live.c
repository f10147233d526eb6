/*
 * contract_live.c — the contract suite's live-stream progress
 * (fo_stream_live_progress): only the app's broadcasting streams, in
 * stream id order, with what their owners last wrote, paged after the
 * last id, over more than one of a backend's internal batches.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "contract.h"

static void claim(fixture *f, const char *app, const char *stream,
                  const char *session)
{
    fo_claim c = make_claim(app, stream, "node-a", session);

    OK(fo_stream_claim(f->s, &c, ERR));
}

static void progress(fixture *f, const char *stream, const char *session,
                     int64_t seq)
{
    fo_progress p = { .hls_sequence = seq };

    OK(fo_stream_progress_put(f->s, "LiveApp", stream, session, &p, ERR));
}

static size_t live(fixture *f, const char *app, const char *after,
                   fo_live_progress *out, size_t cap)
{
    size_t n = 99999;

    OK(fo_stream_live_progress(f->s, app, after, out, cap, &n, ERR));
    assert_true(n <= cap);
    return n;
}

/* Finished, merely created and other apps' streams are left out; a live
 * stream without progress comes with written_ms 0. */
static void test_live_progress_only_live(void **state)
{
    fixture *f = *state;
    fo_node n = make_node("node-a", FO_ROLE_ORIGIN, "10.0.0.1");
    fo_broadcast idle = make_bc("LiveApp", "idle", "created only");
    fo_live_progress out[8];

    OK(fo_node_heartbeat(f->s, &n, ERR));
    OK(fo_broadcast_create(f->s, &idle, ERR));
    claim(f, "LiveApp", "b-live", "s-b");
    claim(f, "LiveApp", "a-live", "s-a");
    claim(f, "LiveApp", "c-done", "s-c");
    claim(f, "LiveApp", "d-quiet", "s-d");
    claim(f, "OtherApp", "a-other", "s-o");
    progress(f, "a-live", "s-a", 41);
    progress(f, "b-live", "s-b", 7);
    OK(fo_stream_release(f->s, "LiveApp", "c-done", "s-c", ERR));

    size_t got = live(f, "LiveApp", NULL, out, 8);
    assert_int_equal(got, 3);
    assert_string_equal(out[0].stream_id, "a-live");
    assert_int_equal(out[0].hls_sequence, 41);
    assert_true(out[0].written_ms > 0);
    assert_string_equal(out[1].stream_id, "b-live");
    assert_int_equal(out[1].hls_sequence, 7);
    assert_string_equal(out[2].stream_id, "d-quiet");
    assert_int_equal(out[2].hls_sequence, 0);
    assert_int_equal(out[2].written_ms, 0);

    assert_int_equal(live(f, "OtherApp", "", out, 8), 1);
    assert_string_equal(out[0].stream_id, "a-other");
    assert_int_equal(live(f, "EmptyApp", NULL, out, 8), 0);
}

/* 300 streams, every third finished: pages of 7 after the last id give
 * the 200 live ones once each, in byte order, the last page short. */
static void test_live_progress_pages(void **state)
{
    fixture *f = *state;
    fo_node n = make_node("node-a", FO_ROLE_ORIGIN, "10.0.0.1");
    char stream[32], session[32], last[FO_STREAM_MAX] = "";
    fo_live_progress page[7];
    size_t seen = 0, got;

    for (int i = 0; i < 300; i++) {
        if (i % 50 == 0) {
            OK(fo_node_heartbeat(f->s, &n, ERR));
        }
        snprintf(stream, sizeof(stream), "s%03d", i);
        snprintf(session, sizeof(session), "sess-%d", i);
        claim(f, "LiveApp", stream, session);
        if (i % 3 == 2) {
            OK(fo_stream_release(f->s, "LiveApp", stream, session, ERR));
        } else {
            progress(f, stream, session, i);
        }
    }
    do {
        got = live(f, "LiveApp", last, page, 7);
        for (size_t k = 0; k < got; k++) {
            int want = (int) (seen / 2) * 3 + (int) (seen % 2);

            snprintf(stream, sizeof(stream), "s%03d", want);
            assert_string_equal(page[k].stream_id, stream);
            assert_int_equal(page[k].hls_sequence, want);
            seen++;
        }
        if (got > 0) {
            snprintf(last, sizeof(last), "%s", page[got - 1].stream_id);
        }
    } while (got == 7);
    assert_int_equal(seen, 200);
    /* after an id that is no stream: from the next one on (s299 is
     * finished) */
    assert_int_equal(live(f, "LiveApp", "s296x", page, 7), 2);
    assert_string_equal(page[0].stream_id, "s297");
    assert_string_equal(page[1].stream_id, "s298");
}

static void test_live_progress_invalid(void **state)
{
    fixture *f = *state;
    fo_live_progress out[2];
    fo_error err;
    size_t n = 5;

    assert_int_equal(fo_stream_live_progress(f->s, "bad app", NULL, out, 2,
                                             &n, &err),
                     FO_ERR_INVALID);
    assert_int_equal(n, 0);
    assert_int_equal(fo_stream_live_progress(f->s, "LiveApp", "bad id\n",
                                             out, 2, &n, &err),
                     FO_ERR_INVALID);
    n = 5;
    OK(fo_stream_live_progress(f->s, "LiveApp", NULL, out, 0, &n, ERR));
    assert_int_equal(n, 0);
}

const contract_suite contract_live = CONTRACT_SUITE(
    CONTRACT_TEST(test_live_progress_only_live),
    CONTRACT_TEST(test_live_progress_pages),
    CONTRACT_TEST(test_live_progress_invalid));
