// tests/origin/package/dash_window_test.cc — the MPD's window
// (dashWindowSize): its own count over the segments HLS lists too, and
// the default that outlasts an origin's pause (segment_store.h).
#include <gtest/gtest.h>

#include "package/segment_store.h"
#include "test_media.h"

namespace fanout::package {
namespace {

std::string body(const std::optional<Resource>& r)
{
    return r ? r->body->str() : std::string();
}

// The MPD lists its own window (dashWindowSize) over the same segments:
// HLS the last hlsListSize, the MPD the last dashWindowSize, with a
// timeShiftBufferDepth of that many hlsTime; the larger window and the
// extra segments are held.
TEST(DashWindow, TheMpdListsItsOwnWindow)
{
    PackagerConfig c;
    c.hls_list_size = 3;
    c.dash_window_size = 6;
    c.extra_segments = 2;
    auto store = make_segment_store(c);
    auto sink = store->open(StreamKey{"live", "cam"}, "s1");
    sink->on_video_config(test::h264_config());
    sink->on_audio_config(test::aac_config());
    for (const auto& f : test::av_frames(40000))
        sink->on_frame(f);
    // 19 closed: 0..18.  HLS lists 16..18, the MPD 13..18; 11..18 held.
    std::string pl = body(store->find("live", "cam.m3u8"));
    EXPECT_NE(pl.find("#EXT-X-MEDIA-SEQUENCE:16\n"), std::string::npos) << pl;
    std::string mpd = body(store->find("live", "cam/cam.mpd"));
    EXPECT_NE(mpd.find("timeShiftBufferDepth=\"PT12.000S\""), std::string::npos)
        << mpd;
    EXPECT_NE(mpd.find("startNumber=\"13\""), std::string::npos) << mpd;
    EXPECT_NE(mpd.find("<S t=\"2340000\" d=\"180000\" r=\"5\"/>"),
              std::string::npos)
        << mpd;
    for (int n = 0; n < 19; n++) {
        std::string name = "cam/s1-v-" + std::to_string(n) + ".m4s";
        EXPECT_EQ(store->find("live", name).has_value(), n >= 11) << name;
    }
}

// dashWindowSize 0: enough to outlast an origin's pause of the dead
// timeout and the edges' grace (segment_store.h), at least hlsListSize.
TEST(DashWindow, DefaultOutlastsThePause)
{
    PackagerConfig c;  // hlsTime 2 s, dead after 20 s
    EXPECT_EQ(dash_window_segments(c), 16);  // 10 + grace 4 + 1 + 1
    c.hls_time_ms = 6000;
    EXPECT_EQ(dash_window_segments(c), 10);  // ceil(20 / 6) = 4, + 6
    c.dead_after_ms = 2000;
    c.hls_list_size = 20;
    EXPECT_EQ(dash_window_segments(c), 20);
    c.dash_window_size = 7;  // set: as set
    EXPECT_EQ(dash_window_segments(c), 7);

    Config origin;  // origin.properties' defaults
    origin.update_period_ms = 1000;
    origin.dash_window_size = 0;
    PackagerConfig p = packager_config(origin);
    EXPECT_EQ(p.dead_after_ms, 4000);
    EXPECT_EQ(dash_window_segments(p), 8);  // 2 + 6
}

}  // namespace
}  // namespace fanout::package
