// tests/origin/package/segment_rule_test.cc — the segment rule
// (package/segment_rule.h): SegmentCadence names the keyframes the
// Segmenter actually cuts at, since the transcoder forces its renditions'
// IDRs where the cadence says.
#include "package/segment_rule.h"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "package/segmenter.h"

namespace fanout::package {
namespace {

media::VideoConfig video_config()
{
    media::VideoConfig v;
    v.record = {1, 0x64, 0, 0x1f, 0xff, 0xe1};
    v.width = 1280;
    v.height = 720;
    return v;
}

media::AudioConfig audio_config()
{
    media::AudioConfig a;
    a.asc = {0x12, 0x10};
    a.sample_rate = 44100;
    a.channels = 2;
    return a;
}

media::Frame frame(bool video, bool key, int64_t dts)
{
    media::Frame f;
    f.video = video;
    f.keyframe = video ? key : true;
    f.dts_ms = dts;
    f.data = std::vector<uint8_t>{0, 0, 0, 1, 0x65};
    return f;
}

// The video dts of the keyframes each closed segment was followed by,
// i.e. where the Segmenter started a segment, and where the cadence says.
struct Starts {
    std::vector<int64_t> segmenter, cadence;
};

Starts run(const std::vector<media::Frame>& frames, int target_ms)
{
    Segmenter seg(SegmenterOptions{target_ms, kMaxForwardJumpMs, 10000});
    SegmentCadence cadence(target_ms);
    seg.set_video_config(video_config());
    seg.set_audio_config(audio_config());
    Starts s;
    bool open = false;
    for (const media::Frame& f : frames) {
        std::optional<Segment> closed = seg.push(f);
        if (f.video && (closed || (!open && seg.started())))
            s.segmenter.push_back(f.dts_ms);
        open = seg.started();
        if (f.video && cadence.push(f.keyframe, f.dts_ms))
            s.cadence.push_back(f.dts_ms);
    }
    return s;
}

// A/V at 30 fps / ~43 fps audio, keyframes every gop frames, from start.
std::vector<media::Frame> stream(int frames, int gop, int64_t start = 0,
                                 int64_t jump_at = -1, int64_t jump_by = 0)
{
    std::vector<media::Frame> out;
    int64_t audio = start;
    for (int i = 0; i < frames; i++) {
        int64_t t = start + i * 1000 / 30;
        if (jump_at >= 0 && i >= jump_at) t += jump_by;
        while (audio <= t) {
            out.push_back(frame(false, true, audio));
            audio += 23;
        }
        if (jump_at >= 0 && i == jump_at) audio = t + 1;
        out.push_back(frame(true, i % gop == 0, t));
    }
    return out;
}

TEST(SegmentRule, DueAtTarget)
{
    EXPECT_FALSE(segment_due(1999, 2000));
    EXPECT_TRUE(segment_due(2000, 2000));
    EXPECT_EQ(segment_target_ms(50), 100);
    EXPECT_EQ(segment_target_ms(2000), 2000);
}

TEST(SegmentRule, CadenceFirstKeyframeAtOrAfterTarget)
{
    SegmentCadence c(2000);
    EXPECT_FALSE(c.push(false, 0));  // no keyframe yet
    EXPECT_TRUE(c.push(true, 33));  // the first keyframe
    EXPECT_FALSE(c.push(true, 1033));
    EXPECT_FALSE(c.push(true, 2032));
    EXPECT_TRUE(c.push(true, 2033));  // 2000 since 33
    EXPECT_FALSE(c.push(false, 4100));
    EXPECT_TRUE(c.push(true, 4200));
}

TEST(SegmentRule, CadenceRestartsOnJumpAndConfig)
{
    SegmentCadence c(2000);
    EXPECT_TRUE(c.push(true, 0));
    EXPECT_FALSE(c.push(false, 500));
    EXPECT_FALSE(c.push(false, 100));  // backwards: a rebase
    EXPECT_TRUE(c.push(true, 133));  // the next keyframe cuts
    EXPECT_FALSE(c.push(true, 1000));
    c.restart();  // a new config
    EXPECT_TRUE(c.push(true, 1033));
    EXPECT_FALSE(c.push(false, 1066));
    EXPECT_FALSE(c.push(false, 30000));  // forward past the jump limit
    EXPECT_TRUE(c.push(true, 30033));
}

// The point of the rule's one home: over real-looking streams the
// Segmenter cuts exactly at the keyframes the cadence names.
TEST(SegmentRule, SegmenterAndCadenceAgree)
{
    for (int gop : {15, 24, 30, 45, 60, 90}) {
        for (int target : {1000, 2000, 3000}) {
            Starts s = run(stream(600, gop), target);
            EXPECT_EQ(s.segmenter, s.cadence)
                << "gop " << gop << " target " << target;
            EXPECT_GT(s.segmenter.size(), 2u);
        }
    }
}

TEST(SegmentRule, AgreeAcrossTimestampJumps)
{
    Starts back = run(stream(300, 24, 50000, 150, -40000), 2000);
    EXPECT_EQ(back.segmenter, back.cadence);
    Starts fwd = run(stream(300, 24, 0, 100, 60000), 2000);
    EXPECT_EQ(fwd.segmenter, fwd.cadence);
}

}  // namespace
}  // namespace fanout::package
