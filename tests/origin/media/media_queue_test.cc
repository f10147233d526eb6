// tests/origin/media/media_queue_test.cc — the bounded queue of one
// stream's media: drop to the next keyframe, never a config, and the two
// answers to configs that alone fill it.
#include "media/media_queue.h"

#include <gtest/gtest.h>

#include "recording_sink.h"

namespace fanout::media {
namespace {

using fanout::test::RecordingSink;
using Log = std::vector<std::string>;

Frame frame(bool video, bool key, int64_t dts, size_t size)
{
    Frame f;
    f.video = video;
    f.keyframe = video ? key : true;
    f.dts_ms = dts;
    f.data = std::vector<uint8_t>(size, 0x41);
    return f;
}

VideoConfig video_config(uint8_t tag)
{
    VideoConfig c;
    c.record = {0x01, tag};
    return c;
}

Log drain(MediaQueue& q, RecordingSink& sink)
{
    while (!q.empty())
        deliver(q.pop(), sink);
    return sink.log;
}

TEST(MediaQueue, OverflowDropsFramesToTheNextVideoKeyframe)
{
    const size_t frame_bytes = item_bytes(frame(true, true, 0, 1000));
    MediaQueue q(3 * frame_bytes + item_bytes(video_config(1)));
    ASSERT_TRUE(q.push(video_config(1)));
    ASSERT_TRUE(q.push(frame(true, true, 0, 1000)));
    ASSERT_TRUE(q.push(frame(true, false, 40, 1000)));
    ASSERT_TRUE(q.push(frame(true, false, 80, 1000)));
    EXPECT_EQ(q.dropped_frames(), 0u);
    ASSERT_TRUE(q.push(frame(false, true, 90, 1000)));  // over: all go
    EXPECT_EQ(q.dropped_frames(), 4u);
    ASSERT_TRUE(q.push(frame(false, true, 100, 10)));  // audio: waits
    ASSERT_TRUE(q.push(frame(true, true, 120, 10)));  // the restart
    ASSERT_TRUE(q.push(frame(false, true, 130, 10)));
    EXPECT_EQ(q.dropped_frames(), 5u);
    RecordingSink sink;
    EXPECT_EQ(drain(q, sink), (Log{"video_config", "video", "audio"}));
    EXPECT_EQ(sink.frames[0].dts_ms, 120);
    EXPECT_EQ(q.bytes(), 0u);
}

TEST(MediaQueue, WithoutVideoAnyFrameRestarts)
{
    MediaQueue q(1000);
    ASSERT_TRUE(q.push(frame(false, true, 0, 600)));
    ASSERT_TRUE(q.push(frame(false, true, 23, 600)));  // over: both go
    EXPECT_EQ(q.dropped_frames(), 2u);
    ASSERT_TRUE(q.push(frame(false, true, 46, 10)));
    EXPECT_EQ(q.size(), 1u);
}

TEST(MediaQueue, SkipToKeyframeOnTheOwnersWord)
{
    MediaQueue q(1u << 20);
    ASSERT_TRUE(q.push(video_config(1)));
    ASSERT_TRUE(q.push(frame(true, true, 0, 10)));
    q.skip_to_keyframe();
    EXPECT_FALSE(q.pass(frame(true, false, 40, 10)));
    EXPECT_TRUE(q.pass(frame(true, true, 80, 10)));
    EXPECT_EQ(q.dropped_frames(), 2u);
    RecordingSink sink;
    EXPECT_EQ(drain(q, sink), (Log{"video_config"}));
}

TEST(MediaQueue, ConfigsAloneOverTheBound)
{
    const size_t one = item_bytes(video_config(0));
    MediaQueue refuse(2 * one);
    EXPECT_TRUE(refuse.push(video_config(0)));
    EXPECT_TRUE(refuse.push(video_config(1)));
    EXPECT_FALSE(refuse.push(video_config(2)));  // the owner says no
    EXPECT_EQ(refuse.size(), 2u);

    MediaQueue keep(2 * one, MediaQueue::ConfigOverflow::KeepLatest);
    EXPECT_TRUE(keep.push(2500.0));
    for (uint8_t i = 0; i < 10; i++)
        EXPECT_TRUE(keep.push(video_config(i)));
    RecordingSink sink;
    Log log = drain(keep, sink);
    EXPECT_LE(log.size(), 3u);
    EXPECT_EQ(sink.videos.back().record.back(), 9);
    EXPECT_EQ(sink.metadata, (std::vector<double>{2500}));
}

}  // namespace
}  // namespace fanout::media
