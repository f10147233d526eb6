/*
 * contract_broadcasts.c — the contract suite's broadcasts (create, read,
 * update, delete, list, search, count), viewer sums, app settings and VoD.
 */
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

/* A status-ascending page of live streams only ("broadcasting" sorts
 * first), one that reaches past them, and another app's live streams
 * left out (Redis answers the first from its set of live keys). */
static void test_broadcast_list_status_live_first(void **state)
{
    fixture *f = *state;
    fo_list_query q = { FO_SORT_STATUS, 0, NULL };
    const char *rows[][3] = {
        { "LiveApp", "s1", "created" }, { "LiveApp", "s3", "broadcasting" },
        { "LiveApp", "s5", "broadcasting" },
        { "OtherApp", "a0", "broadcasting" },
    };
    fo_broadcast out[4];
    char ids[256];
    size_t n;

    for (int i = 0; i < 4; i++) {
        fo_broadcast b = make_bc(rows[i][0], rows[i][1], rows[i][1]);

        snprintf(b.status, sizeof(b.status), "%s", rows[i][2]);
        OK(fo_broadcast_create(f->s, &b, ERR));
    }
    OK(fo_broadcast_list(f->s, "LiveApp", &q, 0, out, 1, &n, ERR));
    ids_of(out, n, ids, sizeof(ids));
    assert_string_equal(ids, "s3");
    OK(fo_broadcast_list(f->s, "LiveApp", &q, 0, out, 2, &n, ERR));
    ids_of(out, n, ids, sizeof(ids));
    assert_string_equal(ids, "s3,s5");
    OK(fo_broadcast_list(f->s, "LiveApp", &q, 1, out, 2, &n, ERR));
    ids_of(out, n, ids, sizeof(ids));
    assert_string_equal(ids, "s5,s1");
}

const contract_suite contract_broadcasts = CONTRACT_SUITE(
    CONTRACT_TEST(test_broadcast_crud),
    CONTRACT_TEST(test_broadcast_list_sort_search),
    CONTRACT_TEST(test_broadcast_list_status_live_first),
    CONTRACT_TEST(test_viewers_sum_over_nodes),
    CONTRACT_TEST(test_app_settings),
    CONTRACT_TEST(test_vod));
