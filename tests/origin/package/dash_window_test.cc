// tests/origin/package/dash_window_test.cc — the MPD's window
// (dashWindowSize): its own count over the segments HLS lists too, and
// the default that outlasts an origin's pause (segment_store.h).
#include <gtest/gtest.h>

#include <utility>

#include "../core/fake_clock.h"
#include "package/segment_store.h"
#include "test_media.h"

namespace fanout::package {
namespace {

std::string body(const std::optional<Resource>& r)
{
    return r ? r->body->str() : std::string();
}

// The MPD lists its own window (dashWindowSize) over the segments HLS
// lists too, once a DASH player reads it: before, it lists what HLS does
// and the store holds only that + the extra segments; read, the held
// segments grow by one a segment up to the MPD's window + the extra ones,
// its timeShiftBufferDepth with them; unread for a minute, back.
struct DashWindow : ::testing::Test {
    static PackagerConfig config()
    {
        PackagerConfig c;  // hlsTime 2 s, dead after 20 s: watched 60 s
        c.hls_list_size = 3;
        c.dash_window_size = 6;
        c.extra_segments = 2;
        return c;
    }
    fanout::test::FakeClock clock;
    std::unique_ptr<SegmentStore> store =
        make_segment_store(config(), nullptr, clock);
    std::shared_ptr<media::StreamSink> sink;
    std::vector<media::Frame> frames = test::av_frames(60000);
    size_t next = 0;

    void SetUp() override
    {
        sink = store->open(StreamKey{"live", "cam"}, "s1");
        sink->on_video_config(test::h264_config());
        sink->on_audio_config(test::aac_config());
    }
    // Frames before `ms`: segments 0 .. ms / 2000 - 2 closed.
    void feed_until(int64_t ms)
    {
        while (next < frames.size() && frames[next].dts_ms < ms)
            sink->on_frame(frames[next++]);
    }
    std::string mpd() { return body(store->find("live", "cam/cam.mpd")); }
    // The held segments' numbers, first and last (-1: none).
    std::pair<int, int> held() const
    {
        int first = -1, last = -1;
        for (int n = 0; n < 40; n++) {
            if (!store->find("live", "cam/s1-v-" + std::to_string(n) + ".m4s"))
                continue;
            if (first < 0) first = n;
            last = n;
        }
        return {first, last};
    }
};

TEST_F(DashWindow, HeldForTheMpdOnceADashPlayerReadsIt)
{
    feed_until(20000);  // 0..8 closed, nobody reads the MPD
    EXPECT_EQ(held(), std::make_pair(4, 8));  // HLS's 3 + 2
    std::string m = mpd();  // a DASH player: watched from here on
    EXPECT_NE(m.find("startNumber=\"6\""), std::string::npos) << m;
    EXPECT_NE(m.find("timeShiftBufferDepth=\"PT6.000S\""), std::string::npos);

    feed_until(24000);  // 9, 10: nothing leaves, the MPD grows
    EXPECT_EQ(held(), std::make_pair(4, 10));
    m = mpd();
    EXPECT_NE(m.find("startNumber=\"6\""), std::string::npos) << m;
    EXPECT_NE(m.find("timeShiftBufferDepth=\"PT10.000S\""), std::string::npos);

    feed_until(40000);  // ..18: the MPD's 6 + 2
    EXPECT_EQ(held(), std::make_pair(11, 18));
    m = mpd();
    EXPECT_NE(m.find("startNumber=\"13\""), std::string::npos) << m;
    EXPECT_NE(m.find("timeShiftBufferDepth=\"PT12.000S\""), std::string::npos);
    EXPECT_NE(m.find("<S t=\"2340000\" d=\"180000\" r=\"5\"/>"),
              std::string::npos)
        << m;
    std::string pl = body(store->find("live", "cam.m3u8"));
    EXPECT_NE(pl.find("#EXT-X-MEDIA-SEQUENCE:16\n"), std::string::npos) << pl;

    clock.advance(std::chrono::milliseconds(61000));  // unread for 61 s
    feed_until(44000);  // 19, 20: back to HLS's 3 + 2
    EXPECT_EQ(held(), std::make_pair(16, 20));
    m = mpd();
    EXPECT_NE(m.find("startNumber=\"18\""), std::string::npos) << m;
    EXPECT_NE(m.find("timeShiftBufferDepth=\"PT6.000S\""), std::string::npos);
}

// dashWindowSize 0: enough to outlast an origin's pause of the dead
// timeout and the edges' grace (segment_store.h), at least hlsListSize.
TEST(DashWindowSize, DefaultOutlastsThePause)
{
    PackagerConfig c;  // hlsTime 2 s, dead after 20 s
    EXPECT_EQ(dash_window_segments(c), 16);  // 10 + grace 4 + 1 + 1
    c.hls_time_ms = 6000;
    EXPECT_EQ(dash_window_segments(c), 10);  // ceil(20 / 6) = 4, + 6
    c.dead_after_ms = 2000;
    c.hls_list_size = 20;
    EXPECT_EQ(dash_window_segments(c), 20);
    c.dead_after_ms = 100 * 600000;  // the longest dead timeout
    c.hls_time_ms = 1000;
    EXPECT_EQ(dash_window_segments(c), 1000);  // bounded as the setting
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
