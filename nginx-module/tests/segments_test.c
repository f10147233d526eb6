/*
 * segments_test.c — the newest segments a playlist or MPD lists
 * (src/ngx_http_fanout_segments.c, compiled on its own), over byte vectors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ngx_http_fanout_segments.h"

#define BYTES(lit)  (const unsigned char *) (lit), sizeof(lit) - 1

static unsigned char  out[4096];

/* The names written, joined with ' ' (empty when none). */
static const char *
names(int dash, const unsigned char *p, size_t len, size_t per_track,
    size_t max)
{
    static char  joined[4096];
    size_t       n, i, at;

    memset(out, 0xee, sizeof(out));
    n = ngx_http_fanout_segments_newest(dash, p, len, per_track, out,
                                        sizeof(out), max);
    joined[0] = '\0';
    at = 0;

    for (i = 0; i < n; i++) {
        size_t  l = strlen((char *) out + at);

        if (i) {
            strcat(joined, " ");
        }
        strcat(joined, (char *) out + at);
        at += l + 1;
    }

    return joined;
}

static void
test_hls(void **state)
{
    (void) state;

    assert_string_equal(names(0, BYTES(
        "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:7\n"
        "#EXT-X-MAP:URI=\"s1/ab12-init.mp4\"\n"
        "#EXTINF:2.000,\ns1/ab12-7.m4s\n#EXTINF:2.000,\ns1/ab12-8.m4s\n"
        "#EXTINF:2.000,\ns1/ab12-9.m4s\n"), 2, 16),
        "s1/ab12-8.m4s s1/ab12-9.m4s");

    /* CRLF, blanks, a BOM, an absolute path; fewer than asked */
    assert_string_equal(names(0, BYTES(
        "\xef\xbb\xbf#EXTM3U\r\n#EXTINF:2,\r\n  /LiveApp/streams/s/a-1.ts \r\n"
        "\r\n#EXT-X-DISCONTINUITY\r\n#EXTINF:2,\r\nb-2.ts\r\n"), 3, 16),
        "/LiveApp/streams/s/a-1.ts b-2.ts");

    /* at most max names */
    assert_string_equal(names(0, BYTES(
        "#EXTM3U\n#EXTINF:2,\na.ts\n#EXTINF:2,\nb.ts\n#EXTINF:2,\nc.ts\n"),
        3, 2), "a.ts b.ts");
}

static void
test_hls_skipped(void **state)
{
    (void) state;

    /* a master playlist lists playlists */
    assert_string_equal(names(0, BYTES(
        "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000\ns_360p800kbps.m3u8\n"),
        3, 16), "");
    /* not a playlist */
    assert_string_equal(names(0, BYTES("a.ts\nb.ts\n"), 3, 16), "");
    /* another host, a query, a protocol-relative URL, a traversal-free
     * but odd byte: skipped one by one, the rest kept */
    assert_string_equal(names(0, BYTES(
        "#EXTM3U\n#EXTINF:2,\nhttp://evil/x.ts\n#EXTINF:2,\n//evil/y.ts\n"
        "#EXTINF:2,\nz.ts?token=1\n#EXTINF:2,\nsp ace.ts\n"
        "#EXTINF:2,\nok.ts\n"), 5, 16), "ok.ts");
    /* nothing asked */
    assert_string_equal(names(0, BYTES("#EXTM3U\n#EXTINF:2,\na.ts\n"), 0, 16),
                        "");
}

/* The MPD fanout-origin writes (package/dash_mpd.cc), two Periods. */
static const char  mpd[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\" type=\"dynamic\""
    " publishTime=\"2026-12-06T03:45:01.123Z\">\n"
    "  <Period id=\"p0\" start=\"PT0.000S\">\n"
    "    <AdaptationSet id=\"0\" contentType=\"video\">\n"
    "      <SegmentTemplate timescale=\"90000\" initialization=\"old-v-init.mp4\""
    " media=\"old-v-$Number$.m4s\" startNumber=\"0\">\n"
    "        <SegmentTimeline>\n"
    "          <S t=\"0\" d=\"90\"/>\n"
    "        </SegmentTimeline>\n"
    "      </SegmentTemplate>\n"
    "      <Representation id=\"v\" codecs=\"avc1.64001f\"/>\n"
    "    </AdaptationSet>\n"
    "  </Period>\n"
    "  <Period id=\"p1\" start=\"PT20.000S\">\n"
    "    <AdaptationSet id=\"0\" contentType=\"video\">\n"
    "      <SegmentTemplate timescale=\"90000\" presentationTimeOffset=\"5\""
    " initialization=\"ab-v-init.mp4\" media=\"ab-v-$Number$.m4s\""
    " startNumber=\"11\">\n"
    "        <SegmentTimeline>\n"
    "          <S t=\"1800000\" d=\"180000\" r=\"2\"/>\n"
    "          <S d=\"183000\"/>\n"
    "        </SegmentTimeline>\n"
    "      </SegmentTemplate>\n"
    "      <Representation id=\"v\" codecs=\"avc1.64001f\"/>\n"
    "    </AdaptationSet>\n"
    "    <AdaptationSet id=\"1\" contentType=\"audio\">\n"
    "      <SegmentTemplate timescale='48000' media='ab-a-$Number%05d$.m4s'>\n"
    "        <SegmentTimeline><S t=\"0\" d=\"96000\" r=\"4\"/>"
    "</SegmentTimeline>\n"
    "      </SegmentTemplate>\n"
    "      <Representation id=\"a\"><AudioChannelConfiguration value=\"2\"/>"
    "</Representation>\n"
    "    </AdaptationSet>\n"
    "  </Period>\n"
    "</MPD>\n";

static void
test_dash(void **state)
{
    (void) state;

    /* each template's initialization segment first */
    assert_string_equal(names(1, BYTES(mpd), 2, 64),
        "old-v-init.mp4 old-v-0.m4s ab-v-init.mp4 ab-v-13.m4s ab-v-14.m4s "
        "ab-a-00004.m4s ab-a-00005.m4s");
    assert_string_equal(names(1, BYTES(mpd), 1, 64),
        "old-v-init.mp4 old-v-0.m4s ab-v-init.mp4 ab-v-14.m4s ab-a-00005.m4s");
    assert_string_equal(names(1, BYTES(mpd), 2, 3),
        "old-v-init.mp4 old-v-0.m4s ab-v-init.mp4");
}

static void
test_dash_templates(void **state)
{
    (void) state;

    /* $RepresentationID$ and $Time$: each Representation of the set */
    assert_string_equal(names(1, BYTES(
        "<MPD><Period><AdaptationSet>"
        "<SegmentTemplate media=\"$RepresentationID$/t$Time$.m4s\" "
        "initialization=\"$RepresentationID$/init.mp4\">"
        "<SegmentTimeline><S t=\"100\" d=\"10\" r=\"1\"/><S t=\"200\" d=\"5\"/>"
        "</SegmentTimeline></SegmentTemplate>"
        "<Representation id=\"720p\" bandwidth=\"1\"/>"
        "<Representation id=\"360p\" bandwidth=\"1\"></Representation>"
        "</AdaptationSet></Period></MPD>"), 2, 64),
        "720p/init.mp4 720p/t110.m4s 720p/t200.m4s "
        "360p/init.mp4 360p/t110.m4s 360p/t200.m4s");

    /* "$$" is a dollar, which no name this edge fetches has: skipped;
     * $Bandwidth$ and unknown identifiers: the template is skipped */
    assert_string_equal(names(1, BYTES(
        "<MPD><Period><AdaptationSet>"
        "<SegmentTemplate media=\"a$$-$Number$.m4s\"><SegmentTimeline>"
        "<S d=\"1\"/></SegmentTimeline></SegmentTemplate>"
        "<SegmentTemplate media=\"b-$Bandwidth$-$Number$.m4s\">"
        "<SegmentTimeline><S d=\"1\"/></SegmentTimeline></SegmentTemplate>"
        "<SegmentTemplate media=\"c-$Number$.m4s\"><SegmentTimeline>"
        "<S d=\"1\" r=\"2\"/></SegmentTimeline></SegmentTemplate>"
        "</AdaptationSet></Period></MPD>"), 1, 64),
        "c-3.m4s");
}

static void
test_dash_uncountable(void **state)
{
    (void) state;

    /* open-ended repeat, a missing or zero d, a huge r: no names */
    assert_string_equal(names(1, BYTES(
        "<MPD><SegmentTemplate media=\"x-$Number$.m4s\"><SegmentTimeline>"
        "<S t=\"0\" d=\"10\" r=\"-1\"/></SegmentTimeline></SegmentTemplate>"
        "</MPD>"), 2, 64), "");
    assert_string_equal(names(1, BYTES(
        "<MPD><SegmentTemplate media=\"x-$Number$.m4s\"><SegmentTimeline>"
        "<S t=\"0\"/></SegmentTimeline></SegmentTemplate></MPD>"), 2, 64), "");
    assert_string_equal(names(1, BYTES(
        "<MPD><SegmentTemplate media=\"x-$Number$.m4s\"><SegmentTimeline>"
        "<S d=\"0\"/></SegmentTimeline></SegmentTemplate></MPD>"), 2, 64), "");
    assert_string_equal(names(1, BYTES(
        "<MPD><SegmentTemplate media=\"x-$Number$.m4s\"><SegmentTimeline>"
        "<S d=\"281474976710656\" r=\"999999999\"/><S d=\"1\" r=\"999999999\"/>"
        "</SegmentTimeline></SegmentTemplate></MPD>"), 2, 64), "");
    /* a huge r within bounds is counted, not looped over */
    assert_string_equal(names(1, BYTES(
        "<MPD><SegmentTemplate media=\"x-$Number$.m4s\" startNumber=\"0\">"
        "<SegmentTimeline><S d=\"2\" r=\"999999999\"/></SegmentTimeline>"
        "</SegmentTemplate></MPD>"), 2, 64), "x-999999998.m4s x-999999999.m4s");
    /* no timeline, a truncated document, not an MPD */
    assert_string_equal(names(1, BYTES(
        "<MPD><SegmentTemplate media=\"x-$Number$.m4s\" duration=\"2\"/></MPD>"),
        2, 64), "");
    assert_string_equal(names(1, BYTES(
        "<MPD><SegmentTemplate media=\"x-$Number$.m4s\"><SegmentTimeline>"
        "<S d=\"2\""), 2, 64), "");
    assert_string_equal(names(1, BYTES("#EXTM3U\n#EXTINF:2,\na.ts\n"), 2, 64),
                        "");
}

static void
test_small_out(void **state)
{
    size_t  n;

    (void) state;

    /* out too small for the second name: the first only, NUL-terminated */
    memset(out, 0xee, sizeof(out));
    n = ngx_http_fanout_segments_newest(0, BYTES(
        "#EXTM3U\n#EXTINF:2,\nabc.ts\n#EXTINF:2,\ndefgh.ts\n"), 2, out, 10, 16);
    assert_int_equal(n, 1);
    assert_string_equal((char *) out, "abc.ts");
    assert_int_equal(out[7], 0xee);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hls),
        cmocka_unit_test(test_hls_skipped),
        cmocka_unit_test(test_dash),
        cmocka_unit_test(test_dash_templates),
        cmocka_unit_test(test_dash_uncountable),
        cmocka_unit_test(test_small_out),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
