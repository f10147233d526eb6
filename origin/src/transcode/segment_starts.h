// transcode/segment_starts.h — which source keyframes start a segment,
// decided on the event loop where every frame passes, read by the
// transcoder's worker.
//
// The worker sees the stream through its SinkQueue, which may drop frames
// when the worker is too slow (hub/sink_queue.h).  Were the worker to run
// the segment rule (package/segment_rule.h) itself, one dropped keyframe
// would shift its cadence against the source's segmenter for the rest of
// the stream.  So the rule runs here, as a loop sink subscribed before
// the worker's queue (the hub fans out in subscription order, so a
// keyframe is recorded before the worker can take it), fed exactly what
// the source's packager is fed.
//
// Bounded: at most kMaxPending starts wait for the worker (the queue's
// 5 s bound keeps it far below that); older ones are forgotten.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <vector>

#include "media/frame.h"
#include "package/segment_rule.h"

namespace fanout::transcode {

class SegmentStarts : public media::StreamSink {
public:
    static constexpr size_t kMaxPending = 64;

    explicit SegmentStarts(int hls_time_ms)
        : cadence_(package::segment_target_ms(hls_time_ms))
    {
    }

    // Loop side (a hub sink).
    void on_video_config(const media::VideoConfig& c) override
    {
        if (video_record_ && *video_record_ == c.record) return;
        if (video_record_ || audio_asc_) cadence_.restart();
        video_record_ = c.record;
    }
    void on_audio_config(const media::AudioConfig& c) override
    {
        if (audio_asc_ && *audio_asc_ == c.asc) return;
        if (video_record_ || audio_asc_) cadence_.restart();
        audio_asc_ = c.asc;
    }
    void on_frame(const media::Frame& f) override
    {
        if (!f.video || !cadence_.push(f.keyframe, f.dts_ms)) return;
        std::lock_guard lock(mu_);
        if (starts_.size() == kMaxPending) starts_.pop_front();
        starts_.push_back(f.dts_ms);
    }
    void on_end() override {}

    // Worker side: whether the source keyframe at dts_ms starts a segment.
    // Keyframes are asked in decode order; starts recorded before the one
    // found (their frames were dropped) are forgotten.  Found by value, not
    // by order of time: timestamps may jump back (the segmenter rebases).
    bool take(int64_t dts_ms)
    {
        std::lock_guard lock(mu_);
        auto it = std::find(starts_.begin(), starts_.end(), dts_ms);
        if (it == starts_.end()) return false;
        starts_.erase(starts_.begin(), it + 1);
        return true;
    }

private:
    package::SegmentCadence cadence_;  // loop only
    std::optional<std::vector<uint8_t>> video_record_;  // loop only
    std::optional<std::vector<uint8_t>> audio_asc_;  // loop only
    std::mutex mu_;
    std::deque<int64_t> starts_;
};

}  // namespace fanout::transcode
