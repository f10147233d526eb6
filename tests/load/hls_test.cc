// tests/load/hls_test.cc — playlists as fanout-origin writes them
// (origin/src/package/hls_playlist.cc, master_playlist.cc) and edge cases.
#include "hls.h"

#include <gtest/gtest.h>

namespace fanout::load {
namespace {

TEST(Hls, MasterVariantsInOrder)
{
    auto p = parse_hls(
        "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n"
        "#EXT-X-STREAM-INF:BANDWIDTH=2500000,AVERAGE-BANDWIDTH=2000000,"
        "RESOLUTION=1280x720,CODECS=\"avc1.64001f,mp4a.40.2\",FRAME-RATE=30\n"
        "cam1.m3u8\n"
        "#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360,CODECS=\"avc1."
        "64001e\"\n"
        "cam1_360p800kbps.m3u8\n");
    ASSERT_TRUE(p.ok()) << p.error().message();
    EXPECT_TRUE(p->master);
    ASSERT_EQ(p->variants.size(), 2u);
    EXPECT_EQ(p->variants[0].uri, "cam1.m3u8");
    EXPECT_EQ(p->variants[0].bandwidth, 2500000u);
    EXPECT_EQ(p->variants[0].height, 720);
    EXPECT_EQ(p->variants[1].uri, "cam1_360p800kbps.m3u8");
    EXPECT_EQ(p->variants[1].width, 640);
}

TEST(Hls, MediaSegmentsWithMapAndProgramDateTime)
{
    auto p = parse_hls(
        "#EXTM3U\r\n#EXT-X-VERSION:7\r\n#EXT-X-TARGETDURATION:2\r\n"
        "#EXT-X-MEDIA-SEQUENCE:41\r\n#EXT-X-INDEPENDENT-SEGMENTS\r\n"
        "#EXT-X-MAP:URI=\"cam1/s1-init.mp4\"\r\n"
        "#EXT-X-PROGRAM-DATE-TIME:2026-12-06T16:35:00.250Z\r\n"
        "#EXTINF:2.000,\r\ncam1/s1-41.m4s\r\n"
        "#EXTINF:1.960,\r\ncam1/s1-42.m4s\r\n#EXT-X-ENDLIST\r\n");
    ASSERT_TRUE(p.ok()) << p.error().message();
    EXPECT_FALSE(p->master);
    EXPECT_EQ(p->target_duration_s, 2);
    EXPECT_TRUE(p->ended);
    ASSERT_EQ(p->segments.size(), 2u);
    EXPECT_EQ(p->segments[0].sequence, 41u);
    EXPECT_EQ(p->segments[1].sequence, 42u);
    EXPECT_EQ(p->segments[1].map_uri, "cam1/s1-init.mp4");
    EXPECT_DOUBLE_EQ(p->segments[1].duration_s, 1.96);
    ASSERT_TRUE(p->segments[0].program_date_time_ms);
    EXPECT_EQ(*p->segments[0].program_date_time_ms, 1796574900250);
    EXPECT_FALSE(p->segments[1].program_date_time_ms);
}

TEST(Hls, Rejects)
{
    EXPECT_FALSE(parse_hls("").ok());
    EXPECT_FALSE(parse_hls("<MPD/>").ok());
    EXPECT_FALSE(parse_hls("#EXTM3U\nseg.ts\n").ok());
    EXPECT_FALSE(parse_hls("#EXTM3U\n#EXTINF:x,\nseg.ts\n").ok());
    EXPECT_FALSE(parse_hls("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\na.m3u8\n"
                           "#EXTINF:1,\nb.ts\n")
                     .ok());
}

TEST(Hls, Iso8601)
{
    EXPECT_EQ(parse_iso8601_ms("1970-01-01T00:00:01.5Z"), 1500);
    EXPECT_EQ(parse_iso8601_ms("1970-01-01T01:00:00+01:00"), 0);
    EXPECT_EQ(parse_iso8601_ms("1970-01-01T00:00:00-00:30"), 1800000);
    EXPECT_FALSE(parse_iso8601_ms("yesterday"));
    EXPECT_FALSE(parse_iso8601_ms("1970-13-01T00:00:00Z"));
    EXPECT_FALSE(parse_iso8601_ms("1970-01-01T00:00:00 CET"));
}

TEST(Hls, ResolvePath)
{
    EXPECT_EQ(resolve_path("/LiveApp/streams/cam1.m3u8", "cam1/s-1.m4s"),
              "/LiveApp/streams/cam1/s-1.m4s");
    EXPECT_EQ(resolve_path("/LiveApp/streams/cam1.m3u8?token=x", "a.m3u8"),
              "/LiveApp/streams/a.m3u8");
    EXPECT_EQ(resolve_path("/a/b.m3u8", "/c/d.ts"), "/c/d.ts");
    EXPECT_EQ(resolve_path("/a/b.m3u8", "http://h:1/c/d.ts?x=1"),
              "/c/d.ts?x=1");
    EXPECT_EQ(resolve_path("/a/b.m3u8", "http://h:1"), "/");
}

}  // namespace
}  // namespace fanout::load
