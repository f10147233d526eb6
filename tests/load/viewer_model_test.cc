// tests/load/viewer_model_test.cc — the simulated player's decisions and
// buffer on a fake clock (load/src/viewer_model.h).
#include "viewer_model.h"

#include <gtest/gtest.h>

namespace fanout::load {
namespace {

TEST(PlayerBuffer, StartsOnceEnoughIsBuffered)
{
    PlayerBuffer b(4);
    b.add(10, 2);
    EXPECT_FALSE(b.playing());
    EXPECT_FALSE(b.startup_s());
    b.add(10.5, 2);
    EXPECT_TRUE(b.playing());
    EXPECT_DOUBLE_EQ(*b.startup_s(), 0.5);
    b.advance(13);
    EXPECT_DOUBLE_EQ(b.buffered_s(), 1.5);
    EXPECT_EQ(b.stalls(), 0u);
}

TEST(PlayerBuffer, StartupCountsFromJoin)
{
    PlayerBuffer b(0);
    b.join(3);
    b.join(4);  // only the first counts
    b.add(3.25, 2);
    EXPECT_DOUBLE_EQ(*b.startup_s(), 0.25);
    b.advance(5);
    EXPECT_DOUBLE_EQ(b.buffered_s(), 0.25) << "drains from playback start";
}

TEST(PlayerBuffer, SteadyDownloadsNeverStall)
{
    PlayerBuffer b(0);  // plays from the first segment
    for (int i = 0; i < 100; i++)
        b.add(2.0 * i + 1.9, 2);  // each just in time
    b.advance(200);
    EXPECT_EQ(b.stalls(), 0u);
    EXPECT_DOUBLE_EQ(b.stalled_s(), 0);
}

TEST(PlayerBuffer, RunningDryIsOneStallUntilTheNextSegment)
{
    PlayerBuffer b(0);
    b.add(0, 2);  // plays 0..2
    b.add(1, 2);  // buffer to 4
    b.advance(5);  // dry at 4
    EXPECT_FALSE(b.playing());
    EXPECT_EQ(b.stalls(), 1u);
    EXPECT_DOUBLE_EQ(b.dry_since(), 4);
    b.advance(6);
    EXPECT_EQ(b.stalls(), 1u) << "one stall however long";
    b.add(6.5, 2);
    EXPECT_TRUE(b.playing());
    EXPECT_DOUBLE_EQ(b.stalled_s(), 2.5);
    b.add(7, 2);
    b.advance(10);
    EXPECT_EQ(b.stalls(), 1u);
}

TEST(PlayerBuffer, StallCountedWhenTheSegmentLandsAfterDry)
{
    PlayerBuffer b(0);
    b.add(0, 1);
    b.add(3, 1);  // dry at 1, refilled at 3: advance inside add sees it
    EXPECT_EQ(b.stalls(), 1u);
    EXPECT_DOUBLE_EQ(b.stalled_s(), 2);
}

std::vector<HlsVariant> ladder()
{
    return {{"src.m3u8", 3000000, 1280, 720},
            {"360.m3u8", 800000, 640, 360},
            {"240.m3u8", 400000, 426, 240}};
}

TEST(ChooseVariant, FixedIndexClamped)
{
    EXPECT_EQ(choose_variant(ladder(), {0, std::nullopt}), 0u);
    EXPECT_EQ(choose_variant(ladder(), {2, std::nullopt}), 2u);
    EXPECT_EQ(choose_variant(ladder(), {9, std::nullopt}), 2u);
    EXPECT_EQ(choose_variant({}, {1, std::nullopt}), 0u);
}

TEST(ChooseVariant, ByBandwidth)
{
    EXPECT_EQ(choose_variant(ladder(), {0, 10000000}), 0u);
    EXPECT_EQ(choose_variant(ladder(), {0, 1000000}), 1u);
    EXPECT_EQ(choose_variant(ladder(), {0, 800000}), 1u);
    EXPECT_EQ(choose_variant(ladder(), {0, 100}), 2u) << "the lowest";
}

HlsPlaylist live(uint64_t first, int count)
{
    HlsPlaylist p;
    p.target_duration_s = 2;
    for (int i = 0; i < count; i++)
        p.segments.push_back(
            {"s" + std::to_string(first + i), 2, first + i, "", std::nullopt});
    return p;
}

TEST(PlanSegments, JoinBehindTheLiveEdgeThenEveryNewOne)
{
    // The plan points into the playlist: each is kept while it is read.
    const HlsPlaylist first = live(10, 5), next_list = live(11, 5),
                      far = live(30, 5), empty = live(0, 0), two = live(0, 2);
    SegmentPlan join = plan_segments(first, std::nullopt, 3);
    ASSERT_EQ(join.fetch.size(), 3u);
    EXPECT_EQ(join.fetch[0]->sequence, 12u);
    SegmentPlan next = plan_segments(next_list, 14, 3);
    ASSERT_EQ(next.fetch.size(), 1u);
    EXPECT_EQ(next.fetch[0]->sequence, 15u);
    EXPECT_EQ(next.skipped, 0u);
    EXPECT_TRUE(plan_segments(next_list, 15, 3).fetch.empty());
    SegmentPlan behind = plan_segments(far, 20, 3);
    EXPECT_EQ(behind.skipped, 9u);
    EXPECT_EQ(behind.fetch.size(), 5u);
    EXPECT_TRUE(plan_segments(empty, std::nullopt, 3).fetch.empty());
    EXPECT_EQ(plan_segments(two, std::nullopt, 3).fetch.size(), 2u);
}

TEST(ReloadDelay, TargetDurationOrHalf)
{
    EXPECT_DOUBLE_EQ(reload_delay_s(2, true), 2);
    EXPECT_DOUBLE_EQ(reload_delay_s(2, false), 1);
    EXPECT_DOUBLE_EQ(reload_delay_s(0, true), 1);
}

TEST(StreamPicker, UniformAndZipf)
{
    StreamPicker uniform(4, 0);
    EXPECT_EQ(uniform.pick(0), 0u);
    EXPECT_EQ(uniform.pick(0.3), 1u);
    EXPECT_EQ(uniform.pick(0.99), 3u);
    // Zipf s=1 over 3: weights 1, 1/2, 1/3 → cdf 6/11, 9/11, 1.
    StreamPicker zipf(3, 1);
    EXPECT_EQ(zipf.pick(0.54), 0u);
    EXPECT_EQ(zipf.pick(0.55), 1u);
    EXPECT_EQ(zipf.pick(0.81), 1u);
    EXPECT_EQ(zipf.pick(0.82), 2u);
    EXPECT_EQ(zipf.pick(1.0), 2u) << "clamped";
}

TEST(RateLimiter, SpacesEvents)
{
    RateLimiter r(10);
    EXPECT_DOUBLE_EQ(r.reserve(5), 0);
    EXPECT_NEAR(r.reserve(5), 0.1, 1e-9);
    EXPECT_NEAR(r.reserve(5), 0.2, 1e-9);
    EXPECT_DOUBLE_EQ(r.reserve(100), 0) << "no credit saved up for later";
}

}  // namespace
}  // namespace fanout::load
