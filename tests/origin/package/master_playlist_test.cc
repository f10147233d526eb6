// tests/origin/package/master_playlist_test.cc — exact master playlist text.
#include "package/master_playlist.h"

#include <gtest/gtest.h>

namespace fanout::package {
namespace {

TEST(MasterPlaylist, EveryAttributeHighestBandwidthFirst)
{
    std::vector<HlsVariant> v = {
        {"cam_360p800kbps.m3u8", 910000, 820000, 640, 360,
         "avc1.64001e,mp4a.40.2", "30.000"},
        {"cam.m3u8", 2700000, 2400000, 1280, 720, "avc1.64001f,mp4a.40.2",
         "29.970"},
        {"cam_240p400kbps.m3u8", 450000, 0, 426, 240, "avc1.640015", ""},
    };
    EXPECT_EQ(render_master_playlist(v),
              "#EXTM3U\n"
              "#EXT-X-VERSION:7\n"
              "#EXT-X-INDEPENDENT-SEGMENTS\n"
              "#EXT-X-STREAM-INF:BANDWIDTH=2700000,AVERAGE-BANDWIDTH=2400000,"
              "RESOLUTION=1280x720,CODECS=\"avc1.64001f,mp4a.40.2\","
              "FRAME-RATE=29.970\n"
              "cam.m3u8\n"
              "#EXT-X-STREAM-INF:BANDWIDTH=910000,AVERAGE-BANDWIDTH=820000,"
              "RESOLUTION=640x360,CODECS=\"avc1.64001e,mp4a.40.2\","
              "FRAME-RATE=30.000\n"
              "cam_360p800kbps.m3u8\n"
              "#EXT-X-STREAM-INF:BANDWIDTH=450000,RESOLUTION=426x240,"
              "CODECS=\"avc1.640015\"\n"
              "cam_240p400kbps.m3u8\n");
}

TEST(MasterPlaylist, AudioOnlyAndUnknowns)
{
    EXPECT_EQ(
        render_master_playlist({{"radio.m3u8", 0, 0, 0, 0, "mp4a.40.2", ""}}),
        "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n"
        "#EXT-X-STREAM-INF:BANDWIDTH=1,CODECS=\"mp4a.40.2\"\n"
        "radio.m3u8\n");
    EXPECT_EQ(render_master_playlist({}),
              "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n");
}

}  // namespace
}  // namespace fanout::package
