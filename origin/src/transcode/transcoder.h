// transcode/transcoder.h — one stream's adaptive ladder: the source video
// decoded once, scaled and encoded once per rendition, each rendition
// delivered as a media stream of its own (VideoConfig + Frames, the
// source's audio shared) to a StreamSink, e.g. a packager per rendition.
//
// Keyframe alignment.  Every rendition has an IDR exactly at each source
// keyframe that starts a segment (segment_starts.h runs the segmenter's
// rule, package/segment_rule.h) and nowhere else, and its frames keep the
// source's presentation times: pts out = pts in.  Each frame's dts is its
// pts minus C, C being the composition offset of the source's first
// keyframe (0 for a source without B-frames; see rendition_encoder.h for
// why renditions have none), so a rendition's IDR carries the same dts as
// the source keyframe (sources keep one offset on keyframes).  A
// rendition's segmenter, applying the same rule to the same keyframe
// times, cuts where the source's did: segment n of every rendition starts
// at the same pts, with the same number and duration.
// With Ladder::gop_size > 0 (gopSize), renditions instead get an IDR on the
// first picture at or after every hlsTime since the last one: renditions
// stay aligned with each other, the passthrough source only if its own
// GOP happens to match.
//
// Audio.  A rendition whose audioBitrate is 0 gets the source's AAC frames
// unchanged (shared bytes); the others get the source's audio decoded once
// and re-encoded once per distinct audioBitrate (audio_encoder.h).  Either
// way audio is held per rendition until the video with a later dts has
// been encoded, so each rendition's stream interleaves as the source's
// did (the encoders' delay would otherwise put audio ~1 s ahead and move
// segment edges); at most kAudioHoldMs are held.
//
// Threads.  Every call runs on one worker thread (transcode_worker.h); the
// decoder decodes on it (one thread), the scalers run on it, and each
// encoder adds its own threads (Ladder::threads; 0: libx264's default,
// about 1.5 per core plus a lookahead thread).
//
// Overload.  After each source picture, LoadMonitor (load_monitor.h)
// judges the lag; when it says shed, the lowest rendition (height, then
// bitrate) is ended: its sink gets on_end, its encoder is freed, the drop
// is logged and counted (Metrics::transcode_renditions_dropped).  The
// source is never waited for: this runs behind the hub's SinkQueue.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/metrics.h"
#include "media/frame.h"
#include "transcode/audio_encoder.h"
#include "transcode/ladder.h"
#include "transcode/load_monitor.h"
#include "transcode/rendition_encoder.h"
#include "transcode/segment_starts.h"
#include "transcode/video_decoder.h"

namespace fanout::transcode {

// Audio held per rendition while its video catches up.
inline constexpr int64_t kAudioHoldMs = 3000;
inline constexpr size_t kAudioHoldFrames = 512;  // whatever the timestamps

struct TranscoderOptions {
    Ladder ladder;  // preset, threads, gop_size, preference
    int hls_time_ms = 2000;  // the packagers' hlsTime
    LoadOptions load;
    const Clock* clock = &Clock::real();  // must outlive the transcoder
    Metrics* metrics = nullptr;  // may be null; must outlive it
    std::string stream;  // names the stream in log lines
};

struct RenditionOutput {
    Rendition rendition;
    std::shared_ptr<media::StreamSink> sink;
};

struct RenditionStats {
    std::string name;
    bool active = true;  // false: dropped under load, or failed
    std::string encoder;  // "libx264", "h264_nvenc", "" before it opened
    double fps = 0;  // frames out per second, over the last second or more
    uint64_t frames = 0;
};

struct TranscodeStats {
    double speed = 0;  // Ant Media's `speed`: 1.0 = real time
    int64_t lag_ms = 0;
    uint64_t renditions_dropped = 0;
    std::vector<RenditionStats> renditions;  // lowest first
};

class Transcoder : public media::StreamSink {
public:
    // starts: the segment rule as run on the loop (segment_starts.h); null
    // when the caller feeds every frame itself (then the transcoder runs
    // the rule on what it receives).
    Transcoder(TranscoderOptions options, std::vector<RenditionOutput> outputs,
               std::shared_ptr<SegmentStarts> starts = nullptr);
    ~Transcoder() override;

    // StreamSink: all on one thread.
    void on_video_config(const media::VideoConfig& config) override;
    void on_audio_config(const media::AudioConfig& config) override;
    void on_frame(const media::Frame& frame) override;
    // Flushes the decoder and encoders, then ends every rendition.  Once.
    void on_end() override;

    // Any thread.
    TranscodeStats stats() const;

private:
    struct Output {
        RenditionOutput out;
        std::unique_ptr<RenditionEncoder> encoder;
        bool active = true;
        bool config_sent = false;
        int64_t audio_bitrate = 0;  // 0: the source's AAC
        bool video_started = false;
        int64_t last_video_dts = 0;
        std::deque<media::Frame> audio;  // held until video passes them
        uint64_t frames = 0;
        std::chrono::steady_clock::time_point fps_since{};
        uint64_t fps_frames = 0;
        double fps = 0;
    };

    void on_video(const media::Frame& frame);
    void on_audio(const media::Frame& frame);
    void hold_audio(int64_t bitrate, const media::Frame& frame);
    void open_audio_encoder(const media::AudioConfig& config);
    void flush_audio_encoder();
    void on_picture(const AVFrame& picture, int64_t pts);
    bool idr_at(int64_t pts);
    void open_encoders();
    void emit(Output& o, RenditionEncoder::Packet&& p);
    void release_audio(Output& o, std::optional<int64_t> before_dts);
    void end_output(Output& o, const std::string& why);
    void shed_lowest();
    void flush_decoder();
    void publish_stats();

    TranscoderOptions opt_;
    std::vector<Output> outputs_;  // lowest first
    std::shared_ptr<SegmentStarts> starts_;
    bool own_starts_ = false;  // this transcoder feeds starts_
    std::unique_ptr<VideoDecoder> decoder_;
    std::optional<std::vector<uint8_t>> video_record_;
    std::optional<media::AudioConfig> audio_;
    std::unique_ptr<AudioEncoder> audio_enc_;  // none: all share
    bool encoders_opened_ = false;
    std::optional<int32_t> composition_offset_;  // C, see above
    std::set<int64_t> idr_pts_;  // segment starts not yet decoded
    std::optional<int64_t> last_idr_pts_;  // gop_size mode
    LoadMonitor load_;
    uint64_t decode_errors_ = 0;
    bool ended_ = false;

    mutable std::mutex stats_mu_;
    TranscodeStats stats_;
};

}  // namespace fanout::transcode
