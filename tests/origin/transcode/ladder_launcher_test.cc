// tests/origin/transcode/ladder_launcher_test.cc — a stream's transcoder
// started from its hub on the first video config, as the app wires it: the
// renditions chosen for the source's size, a sink opened per rendition,
// the worker on the same hub.  A real 2 s 720p clip.
#include "transcode/ladder_launcher.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <map>

#include "../core/fake_clock.h"
#include "../media/recording_sink.h"
#include "clip.h"

namespace fanout::transcode {
namespace {

using test::RecordingSink;

class LadderLauncherTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        char tmpl[] = "/tmp/fanout-launcher-XXXXXX";
        const char* dir = mkdtemp(tmpl);
        ASSERT_NE(dir, nullptr);
        const std::string path = test::make_clip(dir, 2);
        ASSERT_FALSE(path.empty()) << "ffmpeg failed; see " << dir;
        clip_ = test::demux_clip(path);
        std::filesystem::remove_all(dir);
        ASSERT_TRUE(clip_.error.empty()) << clip_.error;
    }

    // The clip through a hub with a launcher subscribed first.
    void publish(hub::Hub& hub)
    {
        hub.on_audio_config(*clip_.audio);  // audio first: order is free
        hub.on_video_config(*clip_.video);
        for (media::Frame f : clip_.frames) {
            f.received = clock_.now();
            hub.on_frame(f);
        }
        hub.on_end();
    }

    test::Clip clip_;
    test::FakeClock clock_;
};

Rendition rendition(int width, int height)
{
    Rendition r;
    r.spec = RenditionSpec{height, 300'000, 0, false};
    r.width = width;
    r.height = height;
    r.name = std::to_string(height) + "p300kbps";
    return r;
}

TEST_F(LadderLauncherTest, StartsOnTheFirstVideoConfig)
{
    hub::HubOptions ho;
    ho.clock = &clock_;
    hub::Hub hub(StreamKey{}, ho);
    std::map<std::string, std::shared_ptr<RecordingSink>> sinks;
    int asked_w = 0, asked_h = 0;
    LadderPlan plan;
    plan.options.clock = &clock_;
    plan.options.ladder.threads = 1;
    plan.select = [&](int w, int h) {
        asked_w = w, asked_h = h;
        return std::vector<Rendition>{rendition(640, 360), rendition(426, 240)};
    };
    plan.open = [&](const Rendition& r) {
        return sinks[r.name] = std::make_shared<RecordingSink>();
    };
    auto launcher = std::make_shared<LadderLauncher>(hub, plan);
    hub.subscribe(launcher);
    publish(hub);
    ASSERT_NE(launcher->worker(), nullptr);
    // The hub let go of its sinks at the end; the launcher still holds the
    // worker handle here.
    ASSERT_TRUE(launcher->worker()->wait(std::chrono::minutes(2)));
    EXPECT_EQ(asked_w, 1280);
    EXPECT_EQ(asked_h, 720);
    ASSERT_EQ(sinks.size(), 2u);
    size_t video = 0;
    for (const media::Frame& f : clip_.frames)
        video += f.video;
    for (const auto& [name, sink] : sinks) {
        SCOPED_TRACE(name);
        ASSERT_EQ(sink->videos.size(), 1u);
        EXPECT_EQ(sink->videos[0].height, name == "360p300kbps" ? 360 : 240);
        EXPECT_EQ(sink->audios.size(), 1u);
        size_t got = 0;
        for (const media::Frame& f : sink->frames)
            got += f.video;
        EXPECT_EQ(got, video);  // every picture, none lost at the start
        EXPECT_EQ(sink->ends, 1);
    }
}

TEST_F(LadderLauncherTest, NoRenditionNoWorker)
{
    hub::Hub hub(StreamKey{});
    LadderPlan plan;
    plan.select = [](int, int) { return std::vector<Rendition>{}; };
    plan.open = [](const Rendition&) { return nullptr; };
    auto launcher = std::make_shared<LadderLauncher>(hub, plan);
    hub.subscribe(launcher);
    publish(hub);
    EXPECT_EQ(launcher->worker(), nullptr);
}

}  // namespace
}  // namespace fanout::transcode
