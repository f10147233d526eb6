/*
 * position_test.c — where a playlist or MPD is in its stream
 * (src/ngx_http_fanout_position.c, compiled on its own), over byte vectors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ngx_http_fanout_position.h"

#define BYTES(lit)  (const unsigned char *) (lit), sizeof(lit) - 1

static ngx_http_fanout_position_t
hls(const unsigned char *p, size_t len)
{
    ngx_http_fanout_position_t  pos;

    assert_int_equal(ngx_http_fanout_position_hls(p, len, &pos), 1);
    return pos;
}

static void
test_hls_media(void **state)
{
    ngx_http_fanout_position_t  a;

    (void) state;
    a = hls(BYTES("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n"
                  "#EXT-X-MEDIA-SEQUENCE:7\n#EXTINF:2.000,\na-7.ts\n"
                  "#EXTINF:2.000,\na-8.ts\n#EXTINF:2.000,\na-9.ts\n"));
    assert_true(a.known);
    assert_false(a.ended);
    assert_int_equal(a.major, 0);
    assert_int_equal(a.minor, 10);

    /* CRLF, a discontinuity sequence, the end */
    a = hls(BYTES("#EXTM3U\r\n#EXT-X-MEDIA-SEQUENCE:41\r\n"
                  "#EXT-X-DISCONTINUITY-SEQUENCE:2\r\n#EXTINF:2,\r\nx.ts\r\n"
                  "#EXT-X-DISCONTINUITY\r\n#EXTINF:2,\r\ny.ts\r\n"
                  "#EXT-X-ENDLIST\r\n"));
    assert_true(a.known);
    assert_true(a.ended);
    assert_int_equal(a.major, 2);
    assert_int_equal(a.minor, 43);

    /* no media sequence tag: it is 0 */
    a = hls(BYTES("#EXTM3U\n#EXTINF:2,\nx.ts"));
    assert_true(a.known);
    assert_int_equal(a.minor, 1);

    /* a sequence and no segment yet */
    a = hls(BYTES("#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:5\n"));
    assert_true(a.known);
    assert_int_equal(a.minor, 5);
}

static void
test_hls_unplaced(void **state)
{
    ngx_http_fanout_position_t  a;

    (void) state;
    /* a master playlist has no position */
    a = hls(BYTES("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000\n"
                  "s1_480p.m3u8\n"));
    assert_false(a.known);

    /* malformed numbers are ignored, not trusted */
    a = hls(BYTES("#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:-3\n"
                  "#EXT-X-DISCONTINUITY-SEQUENCE:1x\n#EXTINF:2,\na.ts\n"));
    assert_true(a.known);
    assert_int_equal(a.major, 0);
    assert_int_equal(a.minor, 1);
    a = hls(BYTES("#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:99999999999999999999\n"));
    assert_false(a.known);
    a = hls(BYTES("#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:\n"));
    assert_false(a.known);

    /* not a playlist */
    assert_int_equal(ngx_http_fanout_position_hls(BYTES("<html>"), &a), 0);
    assert_int_equal(ngx_http_fanout_position_hls(BYTES(""), &a), 0);
    assert_int_equal(ngx_http_fanout_position_hls(NULL, 0, &a), 0);
    assert_int_equal(ngx_http_fanout_position_hls(BYTES("#EXTM3"), &a), 0);
}

static void
test_dash(void **state)
{
    ngx_http_fanout_position_t  a, b;

    (void) state;
    assert_int_equal(ngx_http_fanout_position_dash(BYTES(
        "<?xml version=\"1.0\"?>\n<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\""
        " type=\"dynamic\" availabilityStartTime=\"2026-12-06T03:00:00.000Z\""
        " publishTime=\"2026-12-06T03:45:01.123Z\">\n<Period id=\"0\"/>"
        "</MPD>\n"), &a), 1);
    assert_true(a.known);
    assert_false(a.ended);
    /* 2026-12-06T03:45:01.123Z */
    assert_int_equal(a.minor, UINT64_C(1796528701123));

    assert_int_equal(ngx_http_fanout_position_dash(BYTES(
        "<MPD type=\"static\" publishTime=\"2026-12-06T03:45:02Z\">"), &b), 1);
    assert_true(b.ended);
    assert_true(ngx_http_fanout_position_cmp(&a, &b) < 0);

    /* no publishTime, a bad one, an attribute whose name only ends so */
    assert_int_equal(ngx_http_fanout_position_dash(BYTES(
        "<MPD type=\"dynamic\">"), &a), 1);
    assert_false(a.known);
    assert_int_equal(ngx_http_fanout_position_dash(BYTES(
        "<MPD publishTime=\"2026-13-06T03:45:02Z\">"), &a), 1);
    assert_false(a.known);
    assert_int_equal(ngx_http_fanout_position_dash(BYTES(
        "<MPD xpublishTime=\"2026-12-06T03:45:02Z\">"), &a), 1);
    assert_false(a.known);
    assert_int_equal(ngx_http_fanout_position_dash(BYTES(
        "<MPD publishTime=\"2026-12-06T03:45:02Z"), &a), 1);
    assert_false(a.known);
    assert_int_equal(ngx_http_fanout_position_dash(BYTES("<MPDX>"), &a), 0);
    assert_int_equal(ngx_http_fanout_position_dash(BYTES("#EXTM3U"), &a), 0);
}

static void
test_order(void **state)
{
    ngx_http_fanout_position_t  a = { 0, 10, 1, 0 }, b = { 0, 11, 1, 0 },
                                c = { 1, 3, 1, 0 };

    (void) state;
    assert_true(ngx_http_fanout_position_cmp(&a, &b) < 0);
    assert_true(ngx_http_fanout_position_cmp(&b, &a) > 0);
    assert_true(ngx_http_fanout_position_cmp(&a, &a) == 0);
    /* a later discontinuity sequence is newer, whatever the media sequence */
    assert_true(ngx_http_fanout_position_cmp(&b, &c) < 0);
}

static void
test_end(void **state)
{
    size_t                      n;
    unsigned char               out[256];
    ngx_http_fanout_position_t  a;

    (void) state;
    n = ngx_http_fanout_position_end(0, BYTES("#EXTM3U\n#EXTINF:2,\na.ts"),
                                     out, sizeof(out));
    assert_int_equal(n, 39);
    assert_memory_equal(out, "#EXTM3U\n#EXTINF:2,\na.ts\n#EXT-X-ENDLIST\n", n);
    assert_int_equal(ngx_http_fanout_position_hls(out, n, &a), 1);
    assert_true(a.ended);

    /* without the times: static only */
    n = ngx_http_fanout_position_end(1, BYTES("<MPD type=\"dynamic\" a=\"1\">"),
                                     out, sizeof(out));
    assert_int_equal(n, 25);
    assert_memory_equal(out, "<MPD type=\"static\" a=\"1\">", n);
    assert_int_equal(ngx_http_fanout_position_dash(out, n, &a), 1);
    assert_true(a.ended);

    /* with them: the duration a static MPD needs (dash.js refuses one
     * without), from availabilityStartTime to publishTime */
    n = ngx_http_fanout_position_end(1, BYTES(
        "<?xml?>\n<MPD type=\"dynamic\""
        " availabilityStartTime=\"2026-12-07T03:20:40.160Z\""
        " publishTime=\"2026-12-07T03:20:56.015Z\">\n<Period/></MPD>\n"),
        out, sizeof(out));
    {
        static const char  want[] =
            "<?xml?>\n<MPD type=\"static\""
            " mediaPresentationDuration=\"PT15.855S\""
            " availabilityStartTime=\"2026-12-07T03:20:40.160Z\""
            " publishTime=\"2026-12-07T03:20:56.015Z\">\n<Period/></MPD>\n";

        assert_int_equal(n, sizeof(want) - 1);
        assert_memory_equal(out, want, n);
    }
    assert_int_equal(ngx_http_fanout_position_dash(out, n, &a), 1);
    assert_true(a.ended);

    /* a publishTime before the start: no duration */
    n = ngx_http_fanout_position_end(1, BYTES(
        "<MPD type=\"dynamic\" availabilityStartTime=\"2026-12-07T03:20:40Z\""
        " publishTime=\"2026-12-07T03:20:39Z\">"), out, sizeof(out));
    assert_true(n > 0 && n < sizeof(out));
    out[n] = '\0';
    assert_non_null(strstr((char *) out, "type=\"static\""));
    assert_null(strstr((char *) out, "mediaPresentationDuration"));

    /* too small */
    assert_int_equal(ngx_http_fanout_position_end(0, BYTES("#EXTM3U\n"), out,
                                                  8), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hls_media),
        cmocka_unit_test(test_hls_unplaced),
        cmocka_unit_test(test_dash),
        cmocka_unit_test(test_order),
        cmocka_unit_test(test_end),
    };

    return cmocka_run_group_tests_name("edge_position", tests, NULL, NULL);
}
