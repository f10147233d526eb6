// tests/origin/package/segmenter_test.cc — cut points, start on keyframe,
// continuity of the output timeline, discontinuities.
#include "package/segmenter.h"

#include <gtest/gtest.h>

#include "test_media.h"

namespace fanout::package {
namespace {

using test::audio_frame;
using test::av_frames;
using test::video_frame;

struct Feed {
    std::vector<Segment> segments;
    Segmenter seg{SegmenterOptions{2000, 10000}};

    explicit Feed(bool video = true, bool audio = true)
    {
        if (video) seg.set_video_config(test::h264_config());
        if (audio) seg.set_audio_config(test::aac_config());
    }
    void push(const media::Frame& f)
    {
        if (auto s = seg.push(f)) segments.push_back(std::move(*s));
    }
    void push_all(const std::vector<media::Frame>& frames)
    {
        for (const auto& f : frames)
            push(f);
    }
    void finish()
    {
        if (auto s = seg.finish()) segments.push_back(std::move(*s));
    }
};

// No gap or overlap between consecutive segments, per track.
void expect_continuous(const std::vector<Segment>& segs)
{
    for (size_t i = 1; i < segs.size(); i++) {
        EXPECT_EQ(segs[i].number, segs[i - 1].number + 1);
        if (!segs[i].video.empty() && !segs[i - 1].video.empty()) {
            EXPECT_EQ(segs[i].video.base_dts(), segs[i - 1].video.end_dts())
                << "video, seg " << i;
        }
        if (!segs[i].audio.empty() && !segs[i - 1].audio.empty()) {
            EXPECT_EQ(segs[i].audio.base_dts(), segs[i - 1].audio.end_dts())
                << "audio, seg " << i;
        }
    }
    for (const Segment& s : segs) {
        for (const TrackRun* r : {&s.video, &s.audio}) {
            for (size_t i = 0; i < r->samples.size(); i++) {
                EXPECT_GT(r->samples[i].duration, 0u);
                if (i) {
                    EXPECT_EQ(
                        r->samples[i].dts,
                        r->samples[i - 1].dts + r->samples[i - 1].duration);
                }
            }
        }
    }
}

TEST(Segmenter, CutsAtKeyframesAfterTarget)
{
    Feed r;
    r.push_all(av_frames(6000, 25, 25));  // keyframe every second
    r.finish();
    ASSERT_EQ(r.segments.size(), 3u);
    for (size_t i = 0; i < 3; i++) {
        const Segment& s = r.segments[i];
        EXPECT_EQ(s.number, i);
        EXPECT_FALSE(s.discontinuity);
        EXPECT_EQ(s.video.base_dts(), static_cast<int64_t>(i) * 180000);
        EXPECT_EQ(s.video.duration(), 180000);
        EXPECT_NEAR(s.duration_s(), 2.0, 1e-9);
        EXPECT_TRUE(s.video.samples.front().sync);
        EXPECT_EQ(s.video.samples.size(), 50u);
        EXPECT_EQ(s.tracks->generation, 0u);
    }
    expect_continuous(r.segments);
    // The sample clock absorbs the millisecond rounding of AAC timestamps.
    for (const Segment& s : r.segments)
        for (const Sample& a : s.audio.samples)
            EXPECT_EQ(a.duration, 1024u);
    EXPECT_EQ(r.seg.dropped_frames(), 0u);
}

TEST(Segmenter, SegmentsWaitForTheNextKeyframe)
{
    Feed r;
    r.push_all(av_frames(9000, 25, 75));  // 3 s GOP, 2 s target
    r.finish();
    ASSERT_EQ(r.segments.size(), 3u);
    for (const Segment& s : r.segments)
        EXPECT_NEAR(s.duration_s(), 3.0, 1e-9);
    expect_continuous(r.segments);
}

TEST(Segmenter, ReturnsTheClosedSegmentOnTheClosingKeyframe)
{
    Feed r;
    auto frames = av_frames(4100, 25, 50);
    for (const auto& f : frames) {
        size_t before = r.segments.size();
        r.push(f);
        if (r.segments.size() != before) {
            // Exactly the keyframe at 2 s and at 4 s close a segment.
            EXPECT_TRUE(f.video && f.keyframe);
            EXPECT_EQ(f.dts_ms % 2000, 0);
        }
    }
    EXPECT_EQ(r.segments.size(), 2u);
}

TEST(Segmenter, DropsEverythingBeforeTheFirstKeyframe)
{
    Feed r;
    r.push(audio_frame(0));
    r.push(video_frame(0, false));
    r.push(audio_frame(23));
    r.push(video_frame(40, false));
    r.push(audio_frame(46));
    auto rest = av_frames(6000, 25, 50);
    for (auto& f : rest)
        f.dts_ms += 80;  // first keyframe at 80 ms
    r.push_all(rest);
    r.finish();
    EXPECT_EQ(r.seg.dropped_frames(), 5u);
    ASSERT_FALSE(r.segments.empty());
    const Segment& first = r.segments.front();
    EXPECT_EQ(first.video.base_dts(), 0);  // output time starts at the keyframe
    EXPECT_TRUE(first.video.samples.front().sync);
    EXPECT_GE(first.audio.base_dts(), 0);
    expect_continuous(r.segments);
}

TEST(Segmenter, AudioOnlyCutsOnTime)
{
    Feed r(false, true);
    r.push_all(av_frames(6100, 25, 50, false, true));
    r.finish();
    ASSERT_GE(r.segments.size(), 3u);
    for (size_t i = 0; i + 1 < r.segments.size(); i++) {
        EXPECT_GE(r.segments[i].duration_s(), 2.0);
        EXPECT_LT(r.segments[i].duration_s(), 2.03);
        EXPECT_TRUE(r.segments[i].video.empty());
    }
    expect_continuous(r.segments);
}

TEST(Segmenter, VideoOnly)
{
    Feed r(true, false);
    r.push_all(av_frames(6000, 25, 50, true, false));
    r.finish();
    ASSERT_EQ(r.segments.size(), 3u);
    for (const Segment& s : r.segments)
        EXPECT_TRUE(s.audio.empty());
    expect_continuous(r.segments);
}

TEST(Segmenter, ForwardJumpAtKeyframeCutsAndRebases)
{
    Feed r;
    auto frames = av_frames(6000, 25, 50);
    for (auto& f : frames)
        if (f.dts_ms >= 4000) f.dts_ms += 60000;
    r.push_all(frames);
    r.finish();
    ASSERT_EQ(r.segments.size(), 3u);
    EXPECT_FALSE(r.segments[1].discontinuity);
    EXPECT_TRUE(r.segments[2].discontinuity);
    EXPECT_EQ(r.segments[2].video.base_dts(),
              4000 * 90);  // the timeline continued
    expect_continuous(r.segments);
}

TEST(Segmenter, BackwardJumpMidGopFlagsTheNextKeyframe)
{
    Feed r;
    auto frames = av_frames(6000, 25, 50);
    for (auto& f : frames)
        if (f.dts_ms >= 3000) f.dts_ms -= 3000;  // goes back to 0 mid-GOP
    r.push_all(frames);
    r.finish();
    ASSERT_EQ(r.segments.size(), 3u);
    EXPECT_FALSE(r.segments[1].discontinuity);  // [2 s, 4 s) holds the jump
    EXPECT_TRUE(r.segments[2].discontinuity);
    EXPECT_EQ(r.segments[2].video.base_dts(), 4000 * 90);
    size_t video = 0;
    for (const Segment& s : r.segments)
        video += s.video.samples.size();
    EXPECT_EQ(video, 150u);  // nothing lost
    expect_continuous(r.segments);
    // Audio stayed with video: both end within one AU of 6 s.
    const Segment& last = r.segments.back();
    EXPECT_NEAR(last.audio.end_dts() / 44.1, last.video.end_dts() / 90.0, 30);
}

TEST(Segmenter, SmallForwardGapIsNotADiscontinuity)
{
    Feed r(true, false);
    auto frames = av_frames(6000, 25, 50, true, false);
    for (auto& f : frames)
        if (f.dts_ms >= 4000) f.dts_ms += 3000;  // a 3 s stall: kept as a gap
    r.push_all(frames);
    r.finish();
    ASSERT_EQ(r.segments.size(), 3u);
    for (const Segment& s : r.segments)
        EXPECT_FALSE(s.discontinuity);
    // The gap is absorbed by the last sample before it.
    EXPECT_EQ(r.segments[1].video.samples.back().duration, 3040u * 90);
    expect_continuous(r.segments);
}

TEST(Segmenter, VideoStallStillCutsOnAudio)
{
    Feed r;
    // Video stops after 3 s and comes back with a keyframe at 30 s; audio
    // never stops.
    for (const auto& f : av_frames(40000, 25, 50)) {
        if (f.video && f.dts_ms >= 3000 && f.dts_ms < 30000) continue;
        r.push(f);
    }
    r.finish();
    ASSERT_GE(r.segments.size(), 10u);
    double total = 0;
    for (const Segment& s : r.segments) {
        EXPECT_LE(s.duration_s(), 10.1) << s.number;  // bounded by the cap
        total += s.duration_s();
    }
    EXPECT_NEAR(total, 40.0, 0.1);
    // [0,2), then [2,12) by the cap (its last picture held until the cut),
    // then audio-only segments at the target, until video returns at 30 s.
    EXPECT_NEAR(r.segments[1].video.end_dts() / 90.0, 12000, 30);
    EXPECT_NEAR(r.segments[1].duration_s(), 10.0, 0.03);
    EXPECT_TRUE(r.segments[2].video.empty());
    EXPECT_NEAR(r.segments[2].duration_s(), 2.0, 0.03);
    bool resumed = false;
    for (const Segment& s : r.segments) {
        if (!s.video.empty() && s.video.base_dts() == 30000 * 90) {
            resumed = true;
            EXPECT_TRUE(s.video.samples.front().sync);
            EXPECT_TRUE(s.discontinuity);
        }
    }
    EXPECT_TRUE(resumed);
    for (size_t i = 1; i < r.segments.size(); i++)
        EXPECT_EQ(r.segments[i].audio.base_dts(),
                  r.segments[i - 1].audio.end_dts());
}

TEST(Segmenter, ConfigChangeStartsANewGeneration)
{
    Feed r;
    auto frames = av_frames(6000, 25, 50);
    for (const auto& f : frames) {
        if (f.video && f.dts_ms == 3000) {
            auto changed = test::h264_config(1280, 720);
            changed.record[3] = 0x1f;
            if (auto s = r.seg.set_video_config(changed))
                r.segments.push_back(std::move(*s));
            ASSERT_EQ(r.segments.size(),
                      2u);  // [0,2) by keyframe, [2,3) by the change
            // The same config again changes nothing.
            EXPECT_FALSE(r.seg.set_video_config(changed));
        }
        r.push(f);
    }
    r.finish();
    ASSERT_EQ(r.segments.size(), 3u);
    EXPECT_EQ(r.segments[1].tracks->generation, 0u);
    EXPECT_TRUE(r.segments[2].discontinuity);
    EXPECT_EQ(r.segments[2].tracks->generation, 1u);
    EXPECT_EQ(r.segments[2].tracks->video->width, 1280);
    // Output resumes where it stopped; the frames up to the keyframe at 4 s
    // were dropped.
    EXPECT_EQ(r.segments[2].video.base_dts(), r.segments[1].video.end_dts());
    EXPECT_TRUE(r.segments[2].video.samples.front().sync);
    EXPECT_EQ(r.segments[2].video.samples.size(), 50u);
}

TEST(Segmenter, LastSampleKeepsThePreviousDurationAtEnd)
{
    Feed r(true, false);
    for (int i = 0; i < 10; i++)
        r.push(video_frame(i * 33, i == 0));
    r.finish();
    ASSERT_EQ(r.segments.size(), 1u);
    EXPECT_EQ(r.segments[0].video.samples.back().duration, 33u * 90);
}

TEST(Segmenter, CompositionOffsetsCarried)
{
    Feed r(true, false);
    r.push(video_frame(0, true, 80));
    r.push(video_frame(40, false, 120));
    r.push(video_frame(80, false, 0));
    r.finish();
    ASSERT_EQ(r.segments.size(), 1u);
    EXPECT_EQ(r.segments[0].video.samples[0].cto, 80 * 90);
    EXPECT_EQ(r.segments[0].video.samples[1].cto, 120 * 90);
    EXPECT_EQ(r.segments[0].video.samples[2].cto, 0);
}

TEST(Segmenter, FramesWithoutConfigAreDropped)
{
    Feed r(false, true);
    r.push(video_frame(0, true));
    r.push(audio_frame(0));
    r.finish();
    EXPECT_EQ(r.seg.dropped_frames(), 1u);
    ASSERT_EQ(r.segments.size(), 1u);
    EXPECT_TRUE(r.segments[0].video.empty());
}

// A publisher that sends one keyframe and then none: the open segment is
// cut at its sample cap, and video waits for a keyframe that never comes,
// its frames dropped.  Memory stays bounded.
TEST(Segmenter, OneKeyframeThenNoneIsCutAtTheSampleCap)
{
    Segmenter seg{SegmenterOptions{2000, 10000, 10000, 64u << 20, 50}};
    seg.set_video_config(test::h264_config());
    std::vector<Segment> out;
    for (int i = 0; i < 2000; i++) {
        if (auto s = seg.push(video_frame(i * 40, i == 0)))
            out.push_back(std::move(*s));
    }
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].video.samples.size(), 50u);
    EXPECT_EQ(seg.capped(), 1u);
    EXPECT_EQ(seg.dropped_frames(), 1950u);
    // A keyframe: video resumes, in a segment of its own.
    ASSERT_FALSE(seg.push(video_frame(2000 * 40, true)));
    auto last = seg.finish();
    ASSERT_TRUE(last);
    EXPECT_EQ(last->video.samples.size(), 1u);
}

// Constant timestamps never reach the target duration; the byte cap cuts
// at every keyframe past it instead of letting the segment grow.
TEST(Segmenter, ConstantTimestampsAreCutAtTheByteCap)
{
    const size_t frame = test::video_frame(0, true).data.size();
    Segmenter seg{SegmenterOptions{2000, 10000, 10000, 10 * frame, 4096}};
    seg.set_video_config(test::h264_config());
    size_t segments = 0;
    for (int i = 0; i < 1000; i++) {
        if (auto s = seg.push(video_frame(1000, true))) {
            segments++;
            EXPECT_LE(s->video.samples.size(), 10u);
        }
    }
    EXPECT_GE(segments, 99u);
    EXPECT_GE(seg.capped(), 99u);
}

}  // namespace
}  // namespace fanout::package
