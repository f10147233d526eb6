// tests/origin/transcode/transcoder_test.cc — a real 720p30 H.264+AAC clip
// through the hub and the transcoder's worker into a 480p/360p/240p
// ladder: sizes and codec, keyframes at the source's segment starts,
// segments that match the source's, timestamps, bitrate, the GPU
// fallback, and lowest-first shedding under a made-up overload.
#include "transcode/transcoder.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <set>

#include "../core/fake_clock.h"
#include "../media/recording_sink.h"
#include "clip.h"
#include "hub/hub.h"
#include "package/segmenter.h"
#include "transcode/transcode_worker.h"
#include "transcode/video_decoder.h"

namespace fanout::transcode {
namespace {

using std::chrono::milliseconds;
using test::RecordingSink;

constexpr int kClipSeconds = 8;
constexpr int kHlsTimeMs = 2000;
constexpr int64_t kFrameMs = 34;  // one frame at 30 fps, rounded up

test::Clip g_clip;

class TranscoderTest : public ::testing::Test {
protected:
    static void SetUpTestSuite()
    {
        char tmpl[] = "/tmp/fanout-transcode-XXXXXX";
        const char* dir = mkdtemp(tmpl);
        ASSERT_NE(dir, nullptr);
        const std::string path = test::make_clip(dir, kClipSeconds);
        ASSERT_FALSE(path.empty()) << "ffmpeg failed; see " << dir;
        g_clip = test::demux_clip(path);
        std::filesystem::remove_all(dir);
    }
    void SetUp() override { ASSERT_TRUE(g_clip.error.empty()) << g_clip.error; }
};

Rendition rendition(int width, int height, int64_t bitrate)
{
    Rendition r;
    r.spec.height = height;
    r.spec.video_bitrate = bitrate;
    r.width = width;
    r.height = height;
    r.name =
        std::to_string(height) + "p" + std::to_string(bitrate / 1000) + "kbps";
    return r;
}

const std::vector<Rendition> kLadder = {rendition(854, 480, 1'200'000),
                                        rendition(640, 360, 800'000),
                                        rendition(426, 240, 400'000)};

struct Segments {
    std::vector<int64_t> start_ms;  // video presentation start, output time
    std::vector<int64_t> start_pts;  // the same, in the frames' own time
    std::vector<double> duration_s;
};

// What a packager's segmenter makes of a stream (config + frames).
Segments segment(const media::VideoConfig& v, const media::AudioConfig& a,
                 const std::vector<media::Frame>& frames)
{
    package::Segmenter seg(package::SegmenterOptions{kHlsTimeMs, 10000, 10000});
    seg.set_video_config(v);
    seg.set_audio_config(a);
    Segments out;
    // Output time 0 is the first keyframe's dts (no jumps in these clips).
    auto key = std::find_if(frames.begin(), frames.end(), [](const auto& f) {
        return f.video && f.keyframe;
    });
    const int64_t offset = key == frames.end() ? 0 : key->dts_ms;
    auto add = [&](const std::optional<package::Segment>& s) {
        if (!s || s->video.empty()) return;
        const auto& first = s->video.samples.front();
        out.start_ms.push_back((first.dts + first.cto) / 90);
        out.start_pts.push_back(out.start_ms.back() + offset);
        out.duration_s.push_back(s->duration_s());
    };
    for (const media::Frame& f : frames)
        add(seg.push(f));
    add(seg.finish());
    return out;
}

std::vector<media::Frame> of_kind(const std::vector<media::Frame>& frames,
                                  bool video)
{
    std::vector<media::Frame> out;
    for (const media::Frame& f : frames)
        if (f.video == video) out.push_back(f);
    return out;
}

int64_t pts(const media::Frame& f)
{
    return f.dts_ms + f.cts_ms;
}

// The source keyframes that start a segment, as the packager cuts.
std::vector<int64_t> source_segment_starts()
{
    const Segments s = segment(*g_clip.video, *g_clip.audio, g_clip.frames);
    return s.start_pts;
}

void expect_near_each(const std::vector<int64_t>& got,
                      const std::vector<int64_t>& want, const std::string& what)
{
    ASSERT_EQ(got.size(), want.size()) << what;
    for (size_t i = 0; i < got.size(); i++)
        EXPECT_NEAR(got[i], want[i], kFrameMs) << what << " #" << i;
}

// Every picture decodes, at the rendition's size.
void expect_decodes(const RecordingSink& sink, const Rendition& r)
{
    ASSERT_EQ(sink.videos.size(), 1u) << r.name;
    auto dec = VideoDecoder::open(sink.videos[0]);
    ASSERT_TRUE(dec) << dec.error().message();
    int pictures = 0;
    auto count = [&](const AVFrame& pic, int64_t) {
        EXPECT_EQ(pic.width, r.width);
        EXPECT_EQ(pic.height, r.height);
        pictures++;
    };
    for (const media::Frame& f : of_kind(sink.frames, true))
        EXPECT_TRUE(dec.value()->decode(f, count)) << r.name;
    EXPECT_TRUE(dec.value()->flush(count));
    EXPECT_EQ(pictures, int(of_kind(sink.frames, true).size())) << r.name;
}

struct Outcome {
    std::vector<std::shared_ptr<RecordingSink>> sinks;  // as kLadder
    TranscodeStats stats;
    uint64_t queue_drops = 0;
    uint64_t metric_drops = 0;
};

// The clip through a hub (this thread is its loop) and a TranscodeWorker.
Outcome transcode_through_hub(Ladder ladder)
{
    test::FakeClock clock;  // the hub's queue never times out; no lag
    Metrics metrics;
    hub::HubOptions ho;
    ho.clock = &clock;
    hub::Hub hub(StreamKey{}, ho);
    Outcome run;
    std::vector<RenditionOutput> outputs;
    for (const Rendition& r : kLadder) {
        run.sinks.push_back(std::make_shared<RecordingSink>());
        outputs.push_back({r, run.sinks.back()});
    }
    TranscoderOptions opt{ladder, kHlsTimeMs, {}, &clock, &metrics, "test"};
    auto worker = TranscodeWorker::start(hub, opt, outputs);
    hub.on_video_config(*g_clip.video);
    hub.on_audio_config(*g_clip.audio);
    for (media::Frame f : g_clip.frames) {
        f.received = clock.now();
        hub.on_frame(f);
    }
    hub.on_end();
    EXPECT_TRUE(worker->wait(std::chrono::minutes(5)));
    run.stats = worker->stats();
    run.queue_drops = worker->queue_dropped_frames();
    run.metric_drops = metrics.transcode_renditions_dropped;
    return run;
}

Ladder cpu_ladder()
{
    Ladder l;
    l.preset = "veryfast";
    l.threads = 2;
    return l;
}

std::vector<int64_t> keyframe_pts(const RecordingSink& sink)
{
    std::vector<int64_t> keys;
    for (const media::Frame& f : sink.frames)
        if (f.video && f.keyframe) keys.push_back(pts(f));
    return keys;
}

size_t video_frames(const RecordingSink& sink)
{
    return of_kind(sink.frames, true).size();
}

// The rendition's config: size and codec, sent before any frame.
void expect_config(const RecordingSink& sink, const Rendition& r)
{
    EXPECT_EQ(sink.ends, 1);
    ASSERT_EQ(sink.videos.size(), 1u);
    const media::VideoConfig& vc = sink.videos[0];
    EXPECT_EQ(vc.codec, media::Codec::H264);
    EXPECT_EQ(vc.width, r.width);
    EXPECT_EQ(vc.height, r.height);
    EXPECT_EQ(vc.codec_string.rfind("avc1.", 0), 0u);
    auto first_frame = std::find_if(
        sink.log.begin(), sink.log.end(),
        [](const std::string& s) { return s == "video" || s == "audio"; });
    auto config = std::find(sink.log.begin(), sink.log.end(), "video_config");
    EXPECT_LT(config, first_frame);
}

// Every source picture at its own presentation time; IDRs exactly at the
// source's segment starts and nowhere else; the rendition's own segmenter
// cuts where the source's did.
void expect_aligned(const RecordingSink& sink)
{
    std::set<int64_t> src_pts, out_pts;
    for (const media::Frame& f : of_kind(g_clip.frames, true))
        src_pts.insert(pts(f));
    int64_t last_dts = INT64_MIN;
    for (const media::Frame& f : of_kind(sink.frames, true)) {
        out_pts.insert(pts(f));
        EXPECT_GT(f.dts_ms, last_dts);
        last_dts = f.dts_ms;
    }
    EXPECT_EQ(out_pts, src_pts);
    const Segments src = segment(*g_clip.video, *g_clip.audio, g_clip.frames);
    ASSERT_GE(src.start_ms.size(), 3u);  // 8 s of 0.8 s GOPs, 2 s segments
    expect_near_each(keyframe_pts(sink), src.start_pts, "keyframes");
    const Segments segs = segment(sink.videos[0], *g_clip.audio, sink.frames);
    expect_near_each(segs.start_ms, src.start_ms, "segment starts");
    ASSERT_EQ(segs.duration_s.size(), src.duration_s.size());
    for (size_t s = 0; s < segs.duration_s.size(); s++)
        EXPECT_NEAR(segs.duration_s[s], src.duration_s[s], kFrameMs / 1000.0);
}

// The source's audio, untouched, from the first picture on.
void expect_source_audio(const RecordingSink& sink)
{
    const int64_t first_video = of_kind(sink.frames, true).front().dts_ms;
    std::vector<int64_t> want, got;
    for (const media::Frame& f : of_kind(g_clip.frames, false))
        if (f.dts_ms >= first_video) want.push_back(f.dts_ms);
    for (const media::Frame& f : of_kind(sink.frames, false))
        got.push_back(f.dts_ms);
    EXPECT_EQ(got, want);
}

// Mean bitrate over the clip within 20 % of the setting.
void expect_bitrate(const RecordingSink& sink, const Rendition& r)
{
    const auto video = of_kind(sink.frames, true);
    uint64_t bytes = 0;
    for (const media::Frame& f : video)
        bytes += f.data.size();
    const double seconds =
        double(pts(video.back()) - pts(video.front()) + 33) / 1000.0;
    const double want = double(r.spec.video_bitrate);
    EXPECT_NEAR(double(bytes) * 8 / seconds, want, 0.2 * want);
}

TEST_F(TranscoderTest, LadderIsAlignedTimedAndAtBitrate)
{
    Ladder ladder = cpu_ladder();
    ladder.preference = EncoderPreference::gpu_and_cpu;  // none here
    Outcome run = transcode_through_hub(ladder);
    EXPECT_EQ(run.queue_drops, 0u);
    EXPECT_EQ(run.metric_drops, 0u);
    for (size_t i = 0; i < kLadder.size(); i++) {
        const Rendition& r = kLadder[i];
        const RecordingSink& sink = *run.sinks[i];
        SCOPED_TRACE(r.name);
        expect_config(sink, r);
        if (HasFatalFailure()) return;
        expect_decodes(sink, r);
        expect_aligned(sink);
        expect_source_audio(sink);
        expect_bitrate(sink, r);
        // Stats (lowest first): the GPU was asked for, libx264 worked.
        const RenditionStats& st = run.stats.renditions[kLadder.size() - 1 - i];
        EXPECT_EQ(st.name, r.name);
        EXPECT_EQ(st.encoder, "libx264");
        EXPECT_EQ(st.frames, video_frames(sink));
    }
}

TEST_F(TranscoderTest, GpuPreferenceFallsBackToLibx264)
{
    EXPECT_EQ(encoder_candidates(EncoderPreference::cpu),
              std::vector<std::string>{"libx264"});
    EXPECT_EQ(
        encoder_candidates(EncoderPreference::gpu_and_cpu),
        (std::vector<std::string>{"h264_nvenc", "h264_vaapi", "libx264"}));
    EncoderSetup s{426,
                   240,
                   400'000,
                   {30, 1},
                   "veryfast",
                   1,
                   EncoderPreference::gpu_and_cpu};
    auto gpu = RenditionEncoder::open(s);
    ASSERT_TRUE(gpu) << gpu.error().message();
    if (gpu.value()->encoder_name() != "libx264")
        GTEST_SKIP() << "a GPU encoder opened here: "
                     << gpu.value()->encoder_name();
    const std::string why = gpu.value()->fallback_reason();
    EXPECT_NE(why.find("h264_nvenc"), std::string::npos) << why;
    EXPECT_NE(why.find("h264_vaapi"), std::string::npos) << why;
    EXPECT_EQ(gpu.value()->config().width, 426);
    s.preference = EncoderPreference::cpu;
    auto cpu = RenditionEncoder::open(s);
    ASSERT_TRUE(cpu);
    EXPECT_EQ(cpu.value()->encoder_name(), "libx264");
    EXPECT_EQ(cpu.value()->fallback_reason(), "");
}

// Overload, deterministically: the clip arrives in real time (received =
// its dts), and the transcoder is made to take 20 ms of a fake clock per
// source picture per active rendition: 60 ms with three (slower than
// 33 ms), 40 with two (still slower), 20 with one (faster).  So the
// 240p rendition goes first, the 360p one a cooldown later, and the
// 480p one keeps every frame; the source (the clip) is never waited for.
TEST_F(TranscoderTest, OverloadShedsLowestRenditionsFirst)
{
    test::FakeClock clock;
    Metrics metrics;
    std::vector<std::shared_ptr<RecordingSink>> sinks;
    std::vector<RenditionOutput> outputs;
    for (const Rendition& r : kLadder) {
        sinks.push_back(std::make_shared<RecordingSink>());
        outputs.push_back({r, sinks.back()});
    }
    TranscoderOptions opt{cpu_ladder(), kHlsTimeMs, {},
                          &clock,       &metrics,   "test"};
    Transcoder t(opt, outputs);
    t.on_video_config(*g_clip.video);
    t.on_audio_config(*g_clip.audio);
    const auto t0 = clock.now();
    const int64_t first_dts = g_clip.frames.front().dts_ms;
    auto done = t0;  // when the transcoder finished its last picture
    for (media::Frame f : g_clip.frames) {
        f.received = t0 + milliseconds(f.dts_ms - first_dts);
        if (f.video) {
            int active = 0;
            for (const RenditionStats& r : t.stats().renditions)
                active += r.active;
            done = std::max(done, f.received) + milliseconds(20 * active);
        }
        if (done > clock.now())
            clock.advance(
                std::chrono::duration_cast<milliseconds>(done - clock.now()));
        t.on_frame(f);
    }
    t.on_end();

    const TranscodeStats st = t.stats();
    EXPECT_EQ(st.renditions_dropped, 2u);
    EXPECT_EQ(metrics.transcode_renditions_dropped.load(), 2u);
    const size_t all = of_kind(g_clip.frames, true).size();
    const RecordingSink &p480 = *sinks[0], &p360 = *sinks[1], &p240 = *sinks[2];
    EXPECT_EQ(video_frames(p480), all);
    EXPECT_LT(video_frames(p240), video_frames(p360));
    EXPECT_LT(video_frames(p360), all);
    EXPECT_GT(video_frames(p240), 30u);  // it ran, for a while
    for (const auto& s : sinks) {
        EXPECT_EQ(s->ends, 1);
        EXPECT_EQ(s->log.back(), "end");  // nothing after its end
    }
    // The survivor is still aligned.
    expect_near_each(keyframe_pts(p480), source_segment_starts(), "480p keys");
}

// gopSize > 0: an IDR on the first picture at or after every hlsTime
// since the last, whatever the source's GOP.
TEST_F(TranscoderTest, GopSizeForcesKeyframesEveryHlsTime)
{
    test::FakeClock clock;
    auto sink = std::make_shared<RecordingSink>();
    Ladder ladder = cpu_ladder();
    ladder.gop_size = 60;
    TranscoderOptions opt{ladder, 1500, {}, &clock, nullptr, "test"};
    Transcoder t(opt, {{kLadder[2], sink}});
    t.on_video_config(*g_clip.video);
    t.on_audio_config(*g_clip.audio);
    for (const media::Frame& f : g_clip.frames)
        t.on_frame(f);
    t.on_end();
    std::set<int64_t> src;
    for (const media::Frame& f : of_kind(g_clip.frames, true))
        src.insert(pts(f));
    std::vector<int64_t> want;
    for (int64_t p : src)
        if (want.empty() || p - want.back() >= 1500) want.push_back(p);
    ASSERT_GE(want.size(), 5u);
    EXPECT_EQ(keyframe_pts(*sink), want);
}

// An HEVC source decodes as well: its renditions are H.264, aligned.
TEST_F(TranscoderTest, HevcSource)
{
    char tmpl[] = "/tmp/fanout-transcode-hevc-XXXXXX";
    const char* dir = mkdtemp(tmpl);
    ASSERT_NE(dir, nullptr);
    const std::string path = test::make_clip(dir, 3, true);
    ASSERT_FALSE(path.empty()) << "ffmpeg failed; see " << dir;
    const test::Clip clip = test::demux_clip(path);
    std::filesystem::remove_all(dir);
    ASSERT_TRUE(clip.error.empty()) << clip.error;
    ASSERT_EQ(clip.video->codec, media::Codec::HEVC);

    test::FakeClock clock;
    auto sink = std::make_shared<RecordingSink>();
    TranscoderOptions opt{cpu_ladder(), kHlsTimeMs, {}, &clock, nullptr, "t"};
    Transcoder t(opt, {{kLadder[1], sink}});
    t.on_video_config(*clip.video);
    t.on_audio_config(*clip.audio);
    for (const media::Frame& f : clip.frames)
        t.on_frame(f);
    t.on_end();
    expect_config(*sink, kLadder[1]);
    if (HasFatalFailure()) return;
    expect_decodes(*sink, kLadder[1]);
    EXPECT_EQ(video_frames(*sink), of_kind(clip.frames, true).size());
    const Segments src = segment(*clip.video, *clip.audio, clip.frames);
    ASSERT_GE(src.start_ms.size(), 2u);
    expect_near_each(keyframe_pts(*sink), src.start_pts, "keyframes");
    // The rendition's own segmenter cuts where the source's did.
    const Segments segs = segment(sink->videos[0], *clip.audio, sink->frames);
    expect_near_each(segs.start_ms, src.start_ms, "segment starts");
}

// The publisher's timestamps jump back by a minute mid-stream: the
// rendition keeps every picture at its own time, and its segmenter (which
// rebases the jump, as the source's does) cuts where the source's did.
TEST_F(TranscoderTest, TimestampJumpBack)
{
    std::vector<media::Frame> frames = g_clip.frames;
    const size_t half = frames.size() / 2;
    for (size_t i = 0; i < half; i++)
        frames[i].dts_ms += 60000;
    test::FakeClock clock;
    auto sink = std::make_shared<RecordingSink>();
    TranscoderOptions opt{cpu_ladder(), kHlsTimeMs, {}, &clock, nullptr, "t"};
    Transcoder t(opt, {{kLadder[2], sink}});
    t.on_video_config(*g_clip.video);
    t.on_audio_config(*g_clip.audio);
    for (const media::Frame& f : frames)
        t.on_frame(f);
    t.on_end();
    std::multiset<int64_t> src_pts, out_pts;
    for (const media::Frame& f : of_kind(frames, true))
        src_pts.insert(pts(f));
    for (const media::Frame& f : of_kind(sink->frames, true))
        out_pts.insert(pts(f));
    EXPECT_EQ(out_pts, src_pts);
    EXPECT_EQ(of_kind(sink->frames, false).size(),
              of_kind(frames, false).size());
    const Segments src = segment(*g_clip.video, *g_clip.audio, frames);
    const Segments out = segment(sink->videos[0], *g_clip.audio, sink->frames);
    expect_near_each(out.start_ms, src.start_ms, "segment starts");
    ASSERT_EQ(out.duration_s.size(), src.duration_s.size());
    for (size_t s = 0; s < out.duration_s.size(); s++)
        EXPECT_NEAR(out.duration_s[s], src.duration_s[s], kFrameMs / 1000.0);
}

// The worker's queue drops frames (hub/sink_queue.h: up to the next
// keyframe): the segment starts come from the loop (SegmentStarts saw
// every frame), so the rendition's IDRs stay on the source's segment
// starts; only the start the worker never saw is missing.
TEST_F(TranscoderTest, QueueDropsKeepTheSourcesCadence)
{
    const std::vector<int64_t> starts = source_segment_starts();
    ASSERT_GE(starts.size(), 3u);
    // Lose [first keyframe after 1.2 s, first keyframe after starts[1]):
    // the segment start starts[1] is lost, the worker resumes mid-segment.
    std::vector<int64_t> keys;
    for (const media::Frame& f : g_clip.frames)
        if (f.video && f.keyframe) keys.push_back(pts(f));
    auto after = [&](int64_t t) {
        return *std::upper_bound(keys.begin(), keys.end(), t);
    };
    const int64_t lose_from = after(1200), resume = after(starts[1]);
    ASSERT_TRUE(std::find(starts.begin(), starts.end(), resume)
                == starts.end());  // resumes on a keyframe that starts none

    test::FakeClock clock;
    auto loop_starts = std::make_shared<SegmentStarts>(kHlsTimeMs);
    auto sink = std::make_shared<RecordingSink>();
    TranscoderOptions opt{cpu_ladder(), kHlsTimeMs, {}, &clock, nullptr, "t"};
    Transcoder t(opt, {{kLadder[2], sink}}, loop_starts);
    loop_starts->on_video_config(*g_clip.video);
    loop_starts->on_audio_config(*g_clip.audio);
    t.on_video_config(*g_clip.video);
    t.on_audio_config(*g_clip.audio);
    bool dropping = false;
    for (const media::Frame& f : g_clip.frames) {
        loop_starts->on_frame(f);  // the loop sees everything
        if (f.video && f.keyframe)
            dropping = pts(f) >= lose_from && pts(f) < resume;
        if (!dropping) t.on_frame(f);
    }
    t.on_end();
    std::vector<int64_t> want;
    for (int64_t s : starts)
        if (s < lose_from || s >= resume) want.push_back(s);
    expect_near_each(keyframe_pts(*sink), want, "keyframes");
}

}  // namespace
}  // namespace fanout::transcode
