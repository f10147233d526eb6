// tests/origin/transcode/segment_starts_test.cc — the segment rule run on
// the loop, read by the worker: a keyframe the worker's queue dropped does
// not shift the cadence of the ones it sees.
#include "transcode/segment_starts.h"

#include <gtest/gtest.h>

namespace fanout::transcode {
namespace {

media::Frame video(bool key, int64_t dts)
{
    media::Frame f;
    f.video = true;
    f.keyframe = key;
    f.dts_ms = dts;
    return f;
}

// Keyframes every 800 ms, hlsTime 2 s: segments start at 0, 2400, 4800.
TEST(SegmentStarts, WorkerSeesTheLoopsCadenceDespiteDrops)
{
    SegmentStarts s(2000);
    media::VideoConfig v;
    v.record = {1};
    s.on_video_config(v);
    for (int64_t t = 0; t <= 5600; t += 800)
        s.on_frame(video(true, t));
    EXPECT_TRUE(s.take(0));
    // The worker lost 800..2400 (its queue dropped them); it sees 3200.
    // A cadence of its own would start a segment there; the loop's did not.
    EXPECT_FALSE(s.take(3200));
    EXPECT_FALSE(s.take(4000));
    EXPECT_TRUE(s.take(4800));
    EXPECT_FALSE(s.take(5600));
}

TEST(SegmentStarts, NewConfigStartsAtTheNextKeyframe)
{
    SegmentStarts s(2000);
    media::VideoConfig v;
    v.record = {1};
    s.on_video_config(v);
    s.on_frame(video(true, 0));
    s.on_video_config(v);  // the same sequence header again: nothing
    s.on_frame(video(true, 800));
    v.record = {2};
    s.on_video_config(v);
    s.on_frame(video(true, 1600));
    EXPECT_TRUE(s.take(0));
    EXPECT_FALSE(s.take(800));
    EXPECT_TRUE(s.take(1600));
}

TEST(SegmentStarts, Bounded)
{
    SegmentStarts s(100);
    for (int64_t t = 0; t < 1000 * 100; t += 100)
        s.on_frame(video(true, t));
    EXPECT_FALSE(s.take(0));  // forgotten: the worker never asked
    EXPECT_TRUE(s.take(1000 * 100 - 100));
}

}  // namespace
}  // namespace fanout::transcode
