// package/segmenter.h — cuts a publish session's frames into segments on
// random access points, on one continuous output timeline.
//
// Rules:
//  - With video, output starts at the first video keyframe (earlier frames,
//    audio included, are dropped); segments are cut at a video keyframe once
//    the open one has reached target_ms.  Audio-only streams cut on time at
//    any audio frame.
//  - A track whose dts goes backwards, or jumps forward by more than
//    max_forward_jump_ms past both its own last dts and the other track's
//    (a track resuming after a stall is no jump), is rebased: the output timeline continues where it
//    was, so players see no gap or overlap (HLS and the DASH
//    SegmentTimeline stay continuous).  The segment starting at the first
//    random access point at or after the jump is flagged discontinuity.
//    The other track adopts the same new offset when its own jump arrives,
//    so A/V sync is the publisher's.
//  - A config change (different avcC/hvcC/ASC, or a track appearing) closes
//    the open segment; output resumes at the next keyframe in a new
//    generation (new init segment), flagged discontinuity.
//  - Video timestamps are ms × 90; audio timestamps follow a sample clock
//    (one AU = 1024 samples) that re-syncs to the ms timestamps only when
//    they disagree by more than an AU, so ms rounding does not jitter.
//  - An A/V segment that reaches max_segment_ms without a video keyframe
//    is cut at an audio frame; video frames are dropped until a keyframe.
//  - A segment that would pass max_segment_bytes or max_segment_samples
//    is cut before the frame, whatever it is; video frames are then
//    dropped until a keyframe (capped()).
//  - A segment's last sample lasts until the next sample of its track when
//    that is known at the cut (always for the track that cuts); otherwise
//    the previous sample's duration (video) or one AU (audio).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "media/frame.h"
#include "package/media_segment.h"

namespace fanout::package {

struct SegmenterOptions {
    // Both as segment_rule.h says (the transcoder's IDRs follow them).
    int target_ms = 2000;
    int max_forward_jump_ms = 10000;
    // A/V stream whose video stalled (no keyframe): past this, cut at an
    // audio frame anyway so memory stays bounded; video then resumes at
    // its next keyframe.
    int max_segment_ms = 10000;
    // Memory per publish is bounded whatever the publisher sends (one
    // keyframe and then none, constant timestamps): an open segment that
    // would pass either cap is cut before the frame; video then waits
    // for its next keyframe (frames dropped meanwhile).  capped() counts
    // the cuts.
    size_t max_segment_bytes = 64u << 20;
    size_t max_segment_samples = 4096;
};

class Segmenter {
public:
    explicit Segmenter(SegmenterOptions options) : opt_(options) {}

    // Each call returns the segment it closed, if any.
    std::optional<Segment> set_video_config(const media::VideoConfig& config);
    std::optional<Segment> set_audio_config(const media::AudioConfig& config);
    std::optional<Segment> push(const media::Frame& frame);
    // End of stream: the open segment.
    std::optional<Segment> finish();

    // Output has begun (some frame was accepted into a segment).
    bool started() const { return started_; }
    uint64_t dropped_frames() const { return dropped_; }
    uint64_t capped() const { return capped_; }

private:
    struct Clock {
        bool has_raw = false;
        int64_t last_raw_ms = 0;  // input dts
        int64_t offset_ms = 0;  // output ms = input ms + offset
        int64_t last_out_ms = 0;
        bool pending_join = false;  // the other track already rebased
        bool has_dts = false;
        int64_t last_dts = 0;  // output, track timescale
        uint32_t last_duration = 0;
    };

    bool is_rap(const media::Frame& f) const;
    // Would f pass the open segment's byte or sample cap?
    bool over_cap(const media::Frame& f) const;
    std::optional<Segment> cut_at_cap(const media::Frame& f);
    std::optional<Segment> restart_for_config();
    enum class Jump { None, Backward, Forward, OwnOnly };
    Jump classify(const Clock& c, const Clock& other, int64_t dts_ms) const;
    void start_epoch(const media::Frame& f);
    // A timestamp jump on c's track: rebase it (or follow the other track's
    // rebase).  true when f, a keyframe, starts a new segment there; the
    // segment that ends goes to closed.
    bool rebase_on_jump(const media::Frame& f, Clock& c, Clock& other,
                        std::optional<Segment>& closed);
    void open_segment(bool discontinuity);
    // Closes the open segment; next_* are the next samples' dts when known.
    std::optional<Segment> close_segment(std::optional<int64_t> next_video,
                                         std::optional<int64_t> next_audio);
    int64_t output_dts(bool video, int64_t out_ms, bool first_in_run) const;
    void append(const media::Frame& f, int64_t dts);
    int64_t track_end_ms(bool video) const;

    SegmenterOptions opt_;
    std::optional<media::VideoConfig> video_;
    std::optional<media::AudioConfig> audio_;
    bool config_changed_ = false;
    std::shared_ptr<const TrackConfig> tracks_;  // the current generation
    uint32_t generation_ = 0;
    uint32_t audio_frame_ = 1024;  // AU duration, audio timescale

    bool running_ = false;  // a segment is open
    bool started_ = false;
    bool next_discontinuity_ = false;
    bool force_cut_ = false;  // a jump happened mid-GOP: cut at the next RAP
    bool video_needs_key_ = false;  // a segment was cut without video
    int64_t next_out_ms_ = 0;  // where the next epoch starts
    int64_t epoch_offset_ms_ = 0;
    int64_t epoch_floor_ms_ =
        0;  // audio before the epoch's first RAP is dropped
    Clock vclock_, aclock_;
    Segment cur_;
    int64_t cur_start_ms_ = 0;
    uint64_t next_number_ = 0;
    uint64_t dropped_ = 0;
    uint64_t capped_ = 0;
    size_t cur_bytes_ = 0, cur_samples_ = 0;  // of the open segment
};

}  // namespace fanout::package
