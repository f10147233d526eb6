// tests/origin/transcode/audio_encoder_test.cc — renditions with an
// audioBitrate of their own: the source's AAC decoded once, re-encoded
// once per distinct bitrate; renditions with audioBitrate 0 share the
// source's frames.  A real 4 s clip (ffmpeg's AAC at 96 kbit/s).
#include "transcode/audio_encoder.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <map>

#include "../core/fake_clock.h"
#include "../media/recording_sink.h"
#include "clip.h"
#include "transcode/transcoder.h"

namespace fanout::transcode {
namespace {

using test::RecordingSink;

test::Clip g_clip;

class AudioEncoderTest : public ::testing::Test {
protected:
    static void SetUpTestSuite()
    {
        char tmpl[] = "/tmp/fanout-audio-XXXXXX";
        const char* dir = mkdtemp(tmpl);
        ASSERT_NE(dir, nullptr);
        const std::string path = test::make_clip(dir, 4);
        ASSERT_FALSE(path.empty()) << "ffmpeg failed; see " << dir;
        g_clip = test::demux_clip(path);
        std::filesystem::remove_all(dir);
    }
    void SetUp() override { ASSERT_TRUE(g_clip.error.empty()) << g_clip.error; }
};

std::vector<media::Frame> source_audio()
{
    std::vector<media::Frame> out;
    for (const media::Frame& f : g_clip.frames)
        if (!f.video) out.push_back(f);
    return out;
}

double kbps(const std::vector<media::Frame>& aus)
{
    size_t bytes = 0;
    for (const media::Frame& f : aus)
        bytes += f.data.size();
    const double s = double(aus.back().dts_ms - aus.front().dts_ms + 23) / 1000;
    return double(bytes) * 8 / s / 1000;
}

TEST_F(AudioEncoderTest, OnceDecodedEncodedPerBitrate)
{
    auto enc = AudioEncoder::open(*g_clip.audio, {64'000, 128'000});
    ASSERT_TRUE(enc) << enc.error().message();
    EXPECT_EQ(enc.value()->encoders(), 2u);
    std::map<int64_t, std::vector<media::Frame>> out;
    auto collect = [&](int64_t b, media::Frame&& f) {
        out[b].push_back(std::move(f));
    };
    const auto src = source_audio();
    for (const media::Frame& f : src)
        ASSERT_TRUE(enc.value()->push(f, collect));
    ASSERT_TRUE(enc.value()->flush(collect));
    for (int64_t b : {64'000, 128'000}) {
        SCOPED_TRACE(b);
        const media::AudioConfig& c = enc.value()->config(b);
        EXPECT_EQ(c.sample_rate, g_clip.audio->sample_rate);
        EXPECT_EQ(c.channels, g_clip.audio->channels);
        const auto& aus = out[b];
        // One AU per source AU, plus the encoder's priming one; on the
        // source's clock within one AU (23 ms).
        EXPECT_NEAR(double(aus.size()), double(src.size()), 2);
        EXPECT_NEAR(aus.front().dts_ms, src.front().dts_ms, 24);
        EXPECT_NEAR(aus.back().dts_ms, src.back().dts_ms, 24);
        for (size_t i = 1; i < aus.size(); i++)
            EXPECT_NEAR(aus[i].dts_ms - aus[i - 1].dts_ms, 23, 1);
        EXPECT_NEAR(kbps(aus), double(b) / 1000, 0.3 * double(b) / 1000);
        // What came out is AAC a decoder takes.
        auto check = AudioEncoder::open(c, {32'000});
        ASSERT_TRUE(check);
        auto ignore = [](int64_t, media::Frame&&) {};
        for (const media::Frame& f : aus)
            EXPECT_TRUE(check.value()->push(f, ignore));
        EXPECT_TRUE(check.value()->flush(ignore));
    }
}

Rendition rendition(int height, int64_t audio_bitrate)
{
    Rendition r;
    r.spec = RenditionSpec{height, 300'000, audio_bitrate, false};
    r.width = height * 16 / 9 / 2 * 2;
    r.height = height;
    r.name = std::to_string(height) + "p300kbps";
    return r;
}

// Two renditions asking 64 kbit/s share one encoder; one asking nothing
// gets the source's own frames.
TEST_F(AudioEncoderTest, TranscoderSharesOrReencodes)
{
    test::FakeClock clock;
    auto shared = std::make_shared<RecordingSink>();
    auto low1 = std::make_shared<RecordingSink>();
    auto low2 = std::make_shared<RecordingSink>();
    TranscoderOptions opt;
    opt.clock = &clock;
    opt.ladder.threads = 1;
    Transcoder t(opt, {{rendition(360, 0), shared},
                       {rendition(240, 64'000), low1},
                       {rendition(180, 64'000), low2}});
    t.on_video_config(*g_clip.video);
    t.on_audio_config(*g_clip.audio);
    for (const media::Frame& f : g_clip.frames)
        t.on_frame(f);
    t.on_end();
    auto audio = [](const RecordingSink& s) {
        std::vector<media::Frame> out;
        for (const media::Frame& f : s.frames)
            if (!f.video) out.push_back(f);
        return out;
    };
    const auto src = source_audio();
    const auto s = audio(*shared);
    ASSERT_FALSE(s.empty());
    EXPECT_EQ(s.front().data.data(), src.front().data.data());  // shared
    EXPECT_NEAR(kbps(s), kbps(src), 1);
    for (const auto& sink : {low1, low2}) {
        const auto a = audio(*sink);
        ASSERT_FALSE(a.empty());
        EXPECT_NEAR(kbps(a), 64, 0.3 * 64);
        EXPECT_NEAR(a.front().dts_ms, src.front().dts_ms, 24);
        ASSERT_EQ(sink->audios.size(), 1u);
    }
    // Both 64 kbit/s renditions got the same encoder's bytes.
    EXPECT_EQ(audio(*low1).front().data.data(),
              audio(*low2).front().data.data());
}

}  // namespace
}  // namespace fanout::transcode
