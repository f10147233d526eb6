// tests/origin/package/hls_playlist_test.cc — exact playlist text.
#include "package/hls_playlist.h"

#include <gtest/gtest.h>

namespace fanout::package {
namespace {

TEST(HlsPlaylist, Fmp4LiveWindow)
{
    HlsPlaylist p;
    p.media_sequence = 7;
    p.segments = {
        {"cam/s1-7.m4s", 2.0, false, "cam/s1-init.mp4", 1700000000000},
        {"cam/s1-8.m4s", 2.04, false, "cam/s1-init.mp4", 1700000002000},
        {"cam/s1-9.m4s", 1.96, false, "cam/s1-init.mp4", 1700000004040},
    };
    EXPECT_EQ(render_hls_playlist(p),
              "#EXTM3U\n"
              "#EXT-X-VERSION:7\n"
              "#EXT-X-TARGETDURATION:2\n"
              "#EXT-X-MEDIA-SEQUENCE:7\n"
              "#EXT-X-INDEPENDENT-SEGMENTS\n"
              "#EXT-X-MAP:URI=\"cam/s1-init.mp4\"\n"
              "#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:20.000Z\n"
              "#EXTINF:2.000,\n"
              "cam/s1-7.m4s\n"
              "#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:22.000Z\n"
              "#EXTINF:2.040,\n"
              "cam/s1-8.m4s\n"
              "#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:24.040Z\n"
              "#EXTINF:1.960,\n"
              "cam/s1-9.m4s\n");
}

TEST(HlsPlaylist, DiscontinuityNewMapAndEnd)
{
    HlsPlaylist p;
    p.media_sequence = 3;
    p.discontinuity_sequence = 2;
    p.target_duration_s = 2;
    p.ended = true;
    p.segments = {
        {"s/a-3.m4s", 2.0, false, "s/a-init-1.mp4", std::nullopt},
        {"s/a-4.m4s", 1.5, true, "s/a-init-2.mp4", std::nullopt},
        {"s/a-5.m4s", 0.52, true, "s/a-init-2.mp4", std::nullopt},
    };
    EXPECT_EQ(render_hls_playlist(p),
              "#EXTM3U\n"
              "#EXT-X-VERSION:7\n"
              "#EXT-X-TARGETDURATION:2\n"
              "#EXT-X-MEDIA-SEQUENCE:3\n"
              "#EXT-X-DISCONTINUITY-SEQUENCE:2\n"
              "#EXT-X-INDEPENDENT-SEGMENTS\n"
              "#EXT-X-MAP:URI=\"s/a-init-1.mp4\"\n"
              "#EXTINF:2.000,\n"
              "s/a-3.m4s\n"
              "#EXT-X-DISCONTINUITY\n"
              "#EXT-X-MAP:URI=\"s/a-init-2.mp4\"\n"
              "#EXTINF:1.500,\n"
              "s/a-4.m4s\n"
              "#EXT-X-DISCONTINUITY\n"
              "#EXTINF:0.520,\n"
              "s/a-5.m4s\n"
              "#EXT-X-ENDLIST\n");
}

TEST(HlsPlaylist, TransportStreamVersion3WithoutMap)
{
    HlsPlaylist p;
    p.version = 3;
    p.segments = {{"s/x-0.ts", 4.0, false, "", std::nullopt}};
    EXPECT_EQ(render_hls_playlist(p),
              "#EXTM3U\n"
              "#EXT-X-VERSION:3\n"
              "#EXT-X-TARGETDURATION:4\n"
              "#EXT-X-MEDIA-SEQUENCE:0\n"
              "#EXT-X-INDEPENDENT-SEGMENTS\n"
              "#EXTINF:4.000,\n"
              "s/x-0.ts\n");
}

TEST(HlsPlaylist, TargetDurationRoundsThePrintedValueToTheNearest)
{
    EXPECT_EQ(target_of_extinf(2.0), 2);
    EXPECT_EQ(target_of_extinf(2.0006), 2);  // prints as 2.001
    EXPECT_EQ(target_of_extinf(2.033), 2);  // 2 s hlsTime, a frame over
    EXPECT_EQ(target_of_extinf(2.4994), 2);  // prints as 2.499
    EXPECT_EQ(target_of_extinf(2.4996), 3);  // prints as 2.500: halves up
    EXPECT_EQ(target_of_extinf(2.96), 3);
    EXPECT_EQ(target_of_extinf(0.2), 0);  // the playlist keeps at least 1
}

TEST(HlsPlaylist, Iso8601)
{
    EXPECT_EQ(iso8601_ms(0), "1970-01-01T00:00:00.000Z");
    EXPECT_EQ(iso8601_ms(1700000000123), "2023-11-14T22:13:20.123Z");
}

}  // namespace
}  // namespace fanout::package
