// tests/origin/hub/sink_queue_test.cc — a worker sink's inbox on its own:
// the bound when configs alone fill it, waiting with a deadline, closing.
#include "hub/sink_queue.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "../core/fake_clock.h"
#include "../media/recording_sink.h"
#include "hub_media.h"

namespace fanout::hub {
namespace {

using fanout::test::FakeClock;
using fanout::test::RecordingSink;
using Log = std::vector<std::string>;
using namespace test;
using std::chrono::milliseconds;

const milliseconds kDelay{2000};

TEST(SinkQueue, ConfigsAloneOverTheBoundKeepTheLatestOfEachKind)
{
    SinkQueue q(400, kDelay);
    q.push(audio_config());
    for (uint8_t i = 0; i < 50; i++)
        q.push(video_config(i));  // a flood
    q.push(2000.0);
    EXPECT_LE(q.queued_bytes(), 400u + 3 * sizeof(media::VideoConfig) + 64);
    RecordingSink worker;
    EXPECT_TRUE(q.drain(worker, std::chrono::steady_clock::now()));
    ASSERT_FALSE(worker.videos.empty());
    EXPECT_LT(worker.videos.size(), 6u);  // what fits in 400 bytes
    EXPECT_EQ(worker.videos.back().record.back(), 49);
    EXPECT_EQ(worker.audios.size(), 1u);
    EXPECT_EQ(worker.metadata, (std::vector<double>{2000}));
}

// A worker that stops taking, even under the byte bound, is skipped to a
// keyframe once what it has not taken waited longer than the delay.
TEST(SinkQueue, AWorkerBehindByMoreThanTheDelaySkipsToTheNextKeyframe)
{
    FakeClock clock;
    SinkQueue q(1u << 20, kDelay, clock);
    q.push(video_config());
    q.push(key(0));
    for (int i = 1; i < 50; i++) {  // 2 s of frames, 40 ms apart
        clock.advance(milliseconds(40));
        q.push(inter(i * 40));
    }
    EXPECT_EQ(q.dropped_frames(), 0u);  // 1960 ms: not yet
    clock.advance(milliseconds(41));
    q.push(inter(2000));  // 2001 ms behind
    EXPECT_EQ(q.dropped_frames(), 51u);
    q.push(inter(2040));
    q.push(key(2080));
    EXPECT_EQ(q.dropped_frames(), 52u);
    RecordingSink worker;
    EXPECT_TRUE(q.drain(worker, clock.now()));
    EXPECT_EQ(worker.log, (Log{"video_config", "video"}));
    EXPECT_EQ(worker.frames[0].dts_ms, 2080);

    // A worker that keeps up never crosses it, however long the stream.
    for (int i = 0; i < 100; i++) {
        clock.advance(milliseconds(1000));
        q.push(i % 2 ? inter(3000 + i * 40) : key(3000 + i * 40));
        EXPECT_TRUE(q.drain(worker, clock.now()));
    }
    EXPECT_EQ(q.dropped_frames(), 52u);
}

TEST(SinkQueue, DrainReturnsAtTheDeadlineWhenNothingCame)
{
    SinkQueue q(1000, kDelay);
    RecordingSink worker;
    EXPECT_TRUE(q.drain(worker, std::chrono::steady_clock::now()));
    EXPECT_TRUE(worker.log.empty());
}

TEST(SinkQueue, DrainWakesWhenAnItemArrives)
{
    SinkQueue q(100000, kDelay);
    RecordingSink worker;
    std::thread loop([&] { q.push(key(0)); });
    // Waits for the push, not for the deadline.
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (worker.frames.empty()
           && std::chrono::steady_clock::now() < deadline) {
        ASSERT_TRUE(q.drain(worker, deadline));
    }
    loop.join();
    EXPECT_EQ(worker.log, (Log{"video"}));
}

TEST(SinkQueue, NothingIsQueuedAfterTheEndOrAfterClose)
{
    SinkQueue q(100000, kDelay);
    q.push(key(0));
    q.finish();
    q.push(key(40));
    RecordingSink worker;
    EXPECT_FALSE(q.drain(worker, std::chrono::steady_clock::now()));
    EXPECT_EQ(worker.log, (Log{"video", "end"}));

    SinkQueue closed(100000, kDelay);
    closed.push(key(0));
    closed.close();
    EXPECT_TRUE(closed.closed());
    closed.push(key(40));
    closed.finish();
    EXPECT_EQ(closed.queued_bytes(), 0u);
    RecordingSink gone;
    EXPECT_FALSE(closed.drain(gone, std::chrono::steady_clock::now()));
    EXPECT_TRUE(gone.log.empty());
}

}  // namespace
}  // namespace fanout::hub
