// tests/origin/hub/hub_test.cc — one stream's fan-out: sinks that were
// there from the start, sinks that join late (configs, then the last GOP
// from its keyframe), sinks that leave, sinks on a worker's queue, and the
// end of the stream.
#include "hub/hub.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "../core/fake_clock.h"
#include "../media/recording_sink.h"
#include "hub_media.h"

namespace fanout::hub {
namespace {

using fanout::test::RecordingSink;
using Log = std::vector<std::string>;
using namespace test;

const StreamKey kKey{"live", "cam"};

std::vector<int64_t> dts_of(const RecordingSink& s)
{
    std::vector<int64_t> out;
    for (const auto& f : s.frames)
        out.push_back(f.dts_ms);
    return out;
}

// Configs, then a GOP: key 0, audio 10, inter 40, inter 80.
void publish_first_gop(Hub& hub)
{
    hub.on_video_config(video_config());
    hub.on_audio_config(audio_config());
    hub.on_metadata(2500);
    hub.on_frame(key(0));
    hub.on_frame(audio(10));
    hub.on_frame(inter(40));
    hub.on_frame(inter(80));
}

TEST(Hub, ASinkFromTheStartGetsEverythingInOrder)
{
    Hub hub(kKey);
    auto sink = std::make_shared<RecordingSink>();
    hub.subscribe(sink);
    hub.on_frame(inter(-40));  // before any keyframe: still forwarded
    publish_first_gop(hub);
    EXPECT_EQ(sink->log, (Log{"video", "video_config", "audio_config", "meta",
                              "video", "audio", "video", "video"}));
    EXPECT_EQ(hub.key(), kKey);
}

TEST(Hub, FramesAreSharedNotCopied)
{
    Hub hub(kKey);
    auto sink = std::make_shared<RecordingSink>();
    hub.subscribe(sink);
    hub.on_video_config(video_config());
    media::Frame f = key(0);
    hub.on_frame(f);
    auto late = std::make_shared<RecordingSink>();
    hub.subscribe(late);  // from the GOP the hub holds
    ASSERT_EQ(sink->frames.size(), 1u);
    ASSERT_EQ(late->frames.size(), 1u);
    EXPECT_EQ(sink->frames[0].data.data(), f.data.data());
    EXPECT_EQ(late->frames[0].data.data(), f.data.data());
}

TEST(Hub, LateJoinGetsTheConfigsThenTheLastGopFromItsKeyframe)
{
    Hub hub(kKey);
    publish_first_gop(hub);
    hub.on_frame(key(120));  // a new GOP: the first one is gone
    hub.on_frame(audio(130));
    auto late = std::make_shared<RecordingSink>();
    hub.subscribe(late);
    EXPECT_EQ(late->log,
              (Log{"video_config", "audio_config", "meta", "video", "audio"}));
    EXPECT_EQ(dts_of(*late), (std::vector<int64_t>{120, 130}));
    EXPECT_EQ(late->metadata, (std::vector<double>{2500}));
    hub.on_frame(inter(160));  // then live
    EXPECT_EQ(dts_of(*late), (std::vector<int64_t>{120, 130, 160}));
}

TEST(Hub, LateJoinWithoutAGopStartsOnTheNextKeyframe)
{
    HubOptions small;
    small.max_gop_bytes = 250;  // the GOP outgrows it: dropped
    Hub hub(kKey, small);
    publish_first_gop(hub);
    auto late = std::make_shared<RecordingSink>();
    hub.subscribe(late);
    EXPECT_EQ(late->log, (Log{"video_config", "audio_config", "meta"}));
    hub.on_frame(audio(90));
    hub.on_frame(inter(120));
    EXPECT_TRUE(late->frames.empty());
    hub.on_frame(key(160));
    hub.on_frame(audio(170));
    EXPECT_EQ(dts_of(*late), (std::vector<int64_t>{160, 170}));
}

TEST(Hub, AConfigChangeDropsTheGopCodedWithTheOldOne)
{
    Hub hub(kKey);
    publish_first_gop(hub);
    hub.on_video_config(video_config(2));
    hub.on_frame(inter(120));  // still the old GOP's: not for late sinks
    auto late = std::make_shared<RecordingSink>();
    hub.subscribe(late);
    ASSERT_EQ(late->videos.size(), 1u);
    EXPECT_EQ(late->videos[0].record.back(), 2);
    EXPECT_TRUE(late->frames.empty());
    hub.on_frame(key(160));
    EXPECT_EQ(dts_of(*late), (std::vector<int64_t>{160}));
}

TEST(Hub, AudioOnlyLateJoinStartsOnTheNextFrame)
{
    Hub hub(kKey);
    hub.on_audio_config(audio_config());
    hub.on_frame(audio(0));
    hub.on_frame(audio(23));
    auto late = std::make_shared<RecordingSink>();
    hub.subscribe(late);
    EXPECT_EQ(late->log, (Log{"audio_config"}));
    hub.on_frame(audio(46));
    EXPECT_EQ(dts_of(*late), (std::vector<int64_t>{46}));
}

TEST(Hub, ASinkThatLeavesGetsNothingMore)
{
    Hub hub(kKey);
    auto stays = std::make_shared<RecordingSink>();
    auto leaves = std::make_shared<RecordingSink>();
    hub.subscribe(stays);
    Hub::SinkId id = hub.subscribe(leaves);
    EXPECT_EQ(hub.sinks(), 2u);
    publish_first_gop(hub);
    hub.unsubscribe(id);
    EXPECT_EQ(hub.sinks(), 1u);
    hub.on_frame(key(120));
    hub.on_end();
    EXPECT_EQ(stays->frames.size(), 5u);
    EXPECT_EQ(leaves->frames.size(), 4u);
    EXPECT_EQ(stays->ends, 1);
    EXPECT_EQ(leaves->ends, 0);
}

// A sink that unsubscribes from inside its own on_frame, while the hub
// holds the last reference to it.
struct LeavingSink : RecordingSink {
    void on_frame(const media::Frame& f) override
    {
        RecordingSink::on_frame(f);
        if (frames.size() == 2) hub->unsubscribe(id);
    }
    Hub* hub = nullptr;
    Hub::SinkId id = 0;
};

TEST(Hub, ASinkMayLeaveFromInsideItsOwnCall)
{
    Hub hub(kKey);
    auto other = std::make_shared<RecordingSink>();
    auto leaving = std::make_shared<LeavingSink>();
    std::weak_ptr<LeavingSink> weak = leaving;
    leaving->hub = &hub;
    leaving->id = hub.subscribe(leaving);
    hub.subscribe(other);
    leaving.reset();  // the hub holds it alone now
    publish_first_gop(hub);
    EXPECT_TRUE(weak.expired());
    EXPECT_EQ(hub.sinks(), 1u);
    EXPECT_EQ(other->frames.size(), 4u);  // the sink after it missed nothing
}

TEST(Hub, EndOfStreamEndsEverySinkOnceThenTellsTheOwner)
{
    Log order;
    auto sink = std::make_shared<RecordingSink>();
    {
        Hub hub(kKey, {}, nullptr, [&] { order.push_back("ended"); });
        hub.subscribe(sink);
        publish_first_gop(hub);
        hub.on_end();
        order.push_back(sink->ends == 1 ? "sink ended first"
                                        : "sink not ended");
        hub.on_end();
        hub.on_frame(key(120));  // after the end: nothing
        auto after = std::make_shared<RecordingSink>();
        EXPECT_EQ(hub.subscribe(after), 0u);
        EXPECT_EQ(after->log, (Log{"end"}));
        EXPECT_EQ(hub.sinks(), 0u);
    }
    EXPECT_EQ(sink->ends, 1);
    EXPECT_EQ(sink->frames.size(), 4u);
    EXPECT_EQ(order, (Log{"ended", "sink ended first"}));
}

TEST(Hub, AHubDestroyedWithoutAnEndStillEndsTheStream)
{
    auto sink = std::make_shared<RecordingSink>();
    int ended = 0;
    {
        Hub hub(kKey, {}, nullptr, [&] { ended++; });
        hub.subscribe(sink);
        publish_first_gop(hub);
    }
    EXPECT_EQ(sink->ends, 1);
    EXPECT_EQ(ended, 1);
}

TEST(Hub, CountsTheBytesItReceives)
{
    Metrics m;
    Hub hub(kKey, {}, &m);
    publish_first_gop(hub);
    EXPECT_EQ(m.bytes_in.load(), 100u + 20u + 100u + 100u);
}

// A worker sink: its queue is filled on the "loop" (this thread) and
// drained by the test, standing for the worker.
TEST(Hub, AWorkerSinkJoiningLateGetsConfigsAndTheGopInItsQueue)
{
    Hub hub(kKey);
    publish_first_gop(hub);
    std::shared_ptr<SinkQueue> q = hub.subscribe_queued();
    hub.on_frame(inter(120));
    hub.on_end();
    RecordingSink worker;
    auto now = std::chrono::steady_clock::now();
    EXPECT_FALSE(q->drain(worker, now));  // everything, then the end
    EXPECT_EQ(worker.log, (Log{"video_config", "audio_config", "meta", "video",
                               "audio", "video", "video", "video", "end"}));
    EXPECT_FALSE(q->drain(worker, now));
    EXPECT_EQ(worker.ends, 1);
}

TEST(Hub, ASlowWorkerSinkLosesFramesToTheNextKeyframeNeverAConfig)
{
    HubOptions opt;
    opt.queue_max_bytes = 4000;  // a few 1000-byte frames
    Hub hub(kKey, opt);
    std::shared_ptr<SinkQueue> q = hub.subscribe_queued();
    hub.on_video_config(video_config());
    hub.on_frame(key(0, 1000));
    hub.on_frame(inter(40, 1000));
    hub.on_frame(inter(80, 1000));
    EXPECT_EQ(q->dropped_frames(), 0u);
    hub.on_frame(inter(120, 1000));  // the worker is not draining: full
    EXPECT_EQ(q->dropped_frames(), 4u);
    hub.on_video_config(video_config(2));  // configs are never dropped
    hub.on_frame(inter(160, 1000));  // waits for a keyframe
    hub.on_frame(key(200, 1000));
    hub.on_frame(inter(240, 1000));
    EXPECT_EQ(q->dropped_frames(), 5u);
    EXPECT_LE(q->queued_bytes(), 4000u);

    RecordingSink worker;
    EXPECT_TRUE(q->drain(worker, std::chrono::steady_clock::now()));
    EXPECT_EQ(worker.log,
              (Log{"video_config", "video_config", "video", "video"}));
    EXPECT_EQ(dts_of(worker), (std::vector<int64_t>{200, 240}));
    EXPECT_EQ(worker.videos.back().record.back(), 2);
}

TEST(Hub, AStalledWorkerSinkRestartsOnALiveKeyframe)
{
    fanout::test::FakeClock clock;
    HubOptions opt;
    opt.queue_max_delay = std::chrono::milliseconds(1000);
    opt.clock = &clock;
    Hub hub(kKey, opt);
    std::shared_ptr<SinkQueue> q = hub.subscribe_queued();
    auto loop_sink = std::make_shared<RecordingSink>();
    hub.subscribe(loop_sink);
    publish_first_gop(hub);
    clock.advance(std::chrono::milliseconds(1500));  // the worker took nothing
    hub.on_frame(inter(120));
    hub.on_frame(key(160));
    EXPECT_EQ(q->dropped_frames(), 5u);
    EXPECT_EQ(loop_sink->frames.size(), 6u);  // the loop's sinks lose nothing
    RecordingSink worker;
    EXPECT_TRUE(q->drain(worker, clock.now()));
    EXPECT_EQ(worker.log,
              (Log{"video_config", "audio_config", "meta", "video"}));
    EXPECT_EQ(dts_of(worker), (std::vector<int64_t>{160}));
}

TEST(Hub, AWorkerSinkLeavesByClosingItsQueue)
{
    Hub hub(kKey);
    std::shared_ptr<SinkQueue> q = hub.subscribe_queued();
    hub.subscribe(std::make_shared<RecordingSink>());
    publish_first_gop(hub);
    EXPECT_EQ(hub.sinks(), 2u);
    q->close();  // from the worker's thread, in real life
    EXPECT_EQ(hub.sinks(), 1u);
    hub.on_frame(key(120));
    EXPECT_EQ(q->queued_bytes(), 0u);
    RecordingSink worker;
    EXPECT_FALSE(q->drain(worker, std::chrono::steady_clock::now()));
    EXPECT_TRUE(worker.log.empty());
}

// The threading contract for real: the loop (this thread) never waits for
// the worker, which drains on its own thread until the end.
TEST(Hub, AWorkerThreadReceivesTheWholeStreamInOrder)
{
    Hub hub(kKey);
    std::shared_ptr<SinkQueue> q = hub.subscribe_queued();
    RecordingSink worker;
    std::thread t([&] {
        const auto deadline =
            std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (std::chrono::steady_clock::now() < deadline
               && q->drain(worker, std::chrono::steady_clock::now()
                                       + std::chrono::milliseconds(100))) {
        }
    });
    hub.on_video_config(video_config());
    for (int i = 0; i < 300; i++)
        hub.on_frame(i % 30 == 0 ? key(i * 40) : inter(i * 40));
    hub.on_end();
    t.join();
    EXPECT_EQ(worker.ends, 1);
    EXPECT_EQ(worker.videos.size(), 1u);
    EXPECT_EQ(worker.frames.size() + q->dropped_frames(), 300u);
    for (size_t i = 1; i < worker.frames.size(); i++) {
        EXPECT_LT(worker.frames[i - 1].dts_ms, worker.frames[i].dts_ms);
    }
}

}  // namespace
}  // namespace fanout::hub
