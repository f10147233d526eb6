// tests/origin/transcode/load_monitor_test.cc — when the transcoder sheds
// a rendition, driven by made-up times (no clock, no sleeping).
#include "transcode/load_monitor.h"

#include <gtest/gtest.h>

namespace fanout::transcode {
namespace {

using std::chrono::milliseconds;
using TimePoint = LoadMonitor::TimePoint;

TimePoint at(int64_t ms)
{
    return TimePoint(milliseconds(ms));
}

// A live source at 30 fps: frame i arrives at i*33 ms; the transcoder
// needs cost_ms per frame.  Returns the frames at which it shed.
std::vector<int> simulate(LoadMonitor& m, int frames, int cost_ms,
                          int cost_after_shed_ms = -1)
{
    std::vector<int> sheds;
    int64_t now = 0;
    for (int i = 0; i < frames; i++) {
        const int64_t arrived = i * 33;
        now = std::max(now, arrived) + cost_ms;
        if (m.on_frame(arrived, at(arrived), at(now))) {
            sheds.push_back(i);
            if (cost_after_shed_ms >= 0) cost_ms = cost_after_shed_ms;
        }
    }
    return sheds;
}

TEST(LoadMonitor, KeepingUpNeverSheds)
{
    LoadMonitor m;
    EXPECT_TRUE(simulate(m, 3000, 30).empty());
    EXPECT_NEAR(m.speed(), 1.0, 0.05);
    EXPECT_LE(m.lag(), milliseconds(30));
}

TEST(LoadMonitor, ShedsWhenLagPassesTheBound)
{
    LoadMonitor m;  // max_lag 2000 ms
    // 50 ms per 33 ms frame: frame i is done at 50 (i + 1), its lag is
    // 17 i + 50 ms, past 2000 ms at frame 115; shedding brings the cost to
    // 20 ms: no second shed.
    std::vector<int> sheds = simulate(m, 2000, 50, 20);
    ASSERT_EQ(sheds.size(), 1u);
    EXPECT_EQ(sheds[0], 115);
    EXPECT_EQ(m.sheds(), 1u);
    EXPECT_LT(m.lag(), milliseconds(100));  // the backlog drained
}

TEST(LoadMonitor, ShedsAgainAfterCooldownWhileStillSlow)
{
    LoadMonitor m;
    // Shedding does not help at all: one more shed per cooldown (3 s of
    // wall time = 60 frames at 50 ms).
    std::vector<int> sheds = simulate(m, 400, 50);
    ASSERT_GE(sheds.size(), 3u);
    for (size_t i = 1; i < sheds.size(); i++)
        EXPECT_EQ(sheds[i] - sheds[i - 1], 60);
}

TEST(LoadMonitor, WaitsWhileTheBacklogShrinks)
{
    LoadMonitor m;
    // After the shed, 30 ms per frame: faster than real time, the lag
    // stays above 2 s for a while but shrinks; no second shed.
    std::vector<int> sheds = simulate(m, 2000, 50, 30);
    EXPECT_EQ(sheds.size(), 1u);
}

TEST(LoadMonitor, UnknownArrivalTimeIsNoLag)
{
    LoadMonitor m;
    for (int i = 0; i < 1000; i++)
        EXPECT_FALSE(m.on_frame(i * 33, TimePoint{}, at(i * 100)));
    EXPECT_NEAR(m.speed(), 0.33, 0.01);  // speed is still measured
}

}  // namespace
}  // namespace fanout::transcode
