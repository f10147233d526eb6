// package/segment_rule.h — where a segment may start: the one rule the
// source's segmenter (segmenter.h) cuts by and the transcoder
// (transcode/transcoder.h) forces its renditions' IDRs by, so segment n of
// every rendition starts at the same time.  Header-only: the transcoder
// includes it without linking the packager.
//
// The rule: the first segment starts at the first video keyframe; the next
// one at the first keyframe at or after target_ms (hlsTime) since the
// segment's start; a timestamp jump or a new config starts one at the next
// keyframe (the segmenter rebases or opens a new generation there).
// SegmentCadence replays that rule over video frames alone: fed the frames
// the segmenter is fed, it names the keyframes the segmenter cuts at.
#pragma once

#include <algorithm>
#include <cstdint>

namespace fanout::package {

// The segmenter's target for hlsTime (ms): shorter than 100 ms is 100 ms.
constexpr int segment_target_ms(int hls_time_ms)
{
    return std::max(hls_time_ms, 100);
}

// A timestamp jump: the segmenter's default max_forward_jump_ms.
inline constexpr int kMaxForwardJumpMs = 10000;

// Whether a random access point span_ms after the open segment's start
// ends it (span_ms: both on the same timeline).
constexpr bool segment_due(int64_t span_ms, int target_ms)
{
    return span_ms >= target_ms;
}

// The rule over a video track's frames, by decode time (ms).
class SegmentCadence {
public:
    explicit SegmentCadence(int target_ms,
                            int max_forward_jump_ms = kMaxForwardJumpMs)
        : target_ms_(target_ms), max_jump_ms_(max_forward_jump_ms)
    {
    }

    // A new video config: the next keyframe starts a segment.
    void restart() { restart_ = true; }

    // One video frame, in decode order.  true: this keyframe starts a
    // segment.
    bool push(bool keyframe, int64_t dts_ms)
    {
        if (has_last_
            && (dts_ms < last_dts_ || dts_ms > last_dts_ + max_jump_ms_))
            restart_ = true;  // the segmenter rebases at the next keyframe
        has_last_ = true;
        last_dts_ = dts_ms;
        if (!keyframe) return false;
        if (!started_ || restart_
            || segment_due(dts_ms - start_dts_, target_ms_)) {
            started_ = true;
            restart_ = false;
            start_dts_ = dts_ms;
            return true;
        }
        return false;
    }

private:
    int target_ms_;
    int max_jump_ms_;
    bool started_ = false;
    bool restart_ = false;
    bool has_last_ = false;
    int64_t last_dts_ = 0;
    int64_t start_dts_ = 0;
};

}  // namespace fanout::package
