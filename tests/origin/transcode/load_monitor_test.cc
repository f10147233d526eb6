// tests/origin/transcode/load_monitor_test.cc — when the transcoder sheds
// a rendition, driven by made-up times (no clock, no sleeping).
#include "transcode/load_monitor.h"

#include <gtest/gtest.h>

namespace fanout::transcode {
namespace {

using std::chrono::milliseconds;
using TimePoint = LoadMonitor::TimePoint;

TimePoint at_ms(int64_t ms)
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
        if (m.on_frame(arrived, at_ms(arrived), at_ms(now))) {
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

// The whole process paused (SIGSTOP, a frozen VM) for pause_ms after
// frame `at`: the frames queued across it come out with the pause as
// their lag; then the publisher's backlog (the media it could not send
// meanwhile) arrives at once and is worked off at cost_ms per frame.
// Frames `from` to `at` run before it, at cost_ms, from `now`.
std::vector<int> paused(LoadMonitor& m, int from, int at, int64_t pause_ms,
                        int cost_ms, int64_t now = 0)
{
    std::vector<int> sheds;
    const int64_t resumed = std::max<int64_t>(now, at * 33) + pause_ms;
    for (int i = from; i < at + 2000; i++) {
        int64_t arrived = i * 33;
        if (i > at + 2) arrived = std::max(arrived, resumed);
        now = std::max(now, arrived) + cost_ms;
        if (i == at + 1) now = resumed + cost_ms;  // queued, then paused
        if (m.on_frame(i * 33, at_ms(arrived), at_ms(now))) sheds.push_back(i);
    }
    return sheds;
}

TEST(LoadMonitor, APauseOfTheWholeProcessShedsNothing)
{
    LoadMonitor m;
    // 22 s stopped (past the cluster's dead timeout), then 22 s of backlog
    // worked off at 10 ms per 33 ms frame: lag peaks at 22 s, then
    // ~6.6 s, speed ~3.3; no shed, and the lag is back to one frame.
    EXPECT_TRUE(paused(m, 0, 300, 22000, 10).empty());
    EXPECT_EQ(m.sheds(), 0u);
    EXPECT_LE(m.lag(), milliseconds(10));
    EXPECT_NEAR(m.speed(), 1.0, 0.05);
}

TEST(LoadMonitor, APauseAfterAShedShedsNothingMore)
{
    LoadMonitor m;
    // Overloaded (50 ms per frame): one shed, then 20 ms per frame and
    // the backlog drains; a pause later is not a second overload.
    ASSERT_EQ(simulate(m, 400, 50, 20).size(), 1u);
    ASSERT_LT(m.lag(), milliseconds(100));
    EXPECT_TRUE(paused(m, 400, 600, 22000, 20, 400 * 33 + 20).empty());
    EXPECT_EQ(m.sheds(), 1u);
}

TEST(LoadMonitor, ABurstWorkedOffFasterThanRealTimeShedsNothing)
{
    LoadMonitor m;
    // 10 s of media arrive at once (a publisher sending its buffer on
    // reconnect): lag reaches 3 s, but speed is 3.3, the backlog shrinks.
    int64_t now = 0;
    milliseconds peak{0};
    for (int i = 0; i < 600; i++) {
        const int64_t arrived = std::max<int64_t>(i * 33, 10000);
        now = std::max(now, arrived) + 10;
        EXPECT_FALSE(m.on_frame(i * 33, at_ms(arrived), at_ms(now))) << i;
        peak = std::max(peak, m.lag());
    }
    EXPECT_GT(peak, milliseconds(2000));  // past max_lag, yet no shed
    EXPECT_EQ(m.sheds(), 0u);
}

TEST(LoadMonitor, UnknownArrivalTimeIsNoLag)
{
    LoadMonitor m;
    for (int i = 0; i < 1000; i++)
        EXPECT_FALSE(m.on_frame(i * 33, TimePoint{}, at_ms(i * 100)));
    EXPECT_NEAR(m.speed(), 0.33, 0.01);  // speed is still measured
}

}  // namespace
}  // namespace fanout::transcode
