// package/segmenter.cc — see segmenter.h for the rules.
#include "package/segmenter.h"

#include <algorithm>
#include <cstdlib>

#include "package/codec_info.h"
#include "package/segment_rule.h"

namespace fanout::package {
namespace {

constexpr uint32_t kDefaultVideoDuration = kVideoTimescale / 25;

int64_t ms_to_ts(int64_t ms, uint32_t timescale)
{
    // Round half up; ms may be negative only transiently (never emitted).
    return (ms * timescale + (ms >= 0 ? 500 : -500)) / 1000;
}

}  // namespace

std::optional<Segment> Segmenter::set_video_config(
    const media::VideoConfig& config)
{
    if (video_ && video_->codec == config.codec
        && video_->record == config.record)
        return std::nullopt;  // the same sequence header sent again
    video_ = config;
    return restart_for_config();
}

std::optional<Segment> Segmenter::set_audio_config(
    const media::AudioConfig& config)
{
    if (audio_ && audio_->codec == config.codec && audio_->asc == config.asc
        && audio_->sample_rate == config.sample_rate)
        return std::nullopt;
    audio_ = config;
    return restart_for_config();
}

// A new config: what ran under the old one is a segment of its own, and
// the next one starts a discontinuity.
std::optional<Segment> Segmenter::restart_for_config()
{
    config_changed_ = true;
    if (!running_) return std::nullopt;
    auto closed = close_segment(std::nullopt, std::nullopt);
    running_ = false;
    next_discontinuity_ = true;
    return closed;
}

bool Segmenter::is_rap(const media::Frame& f) const
{
    if (video_) return f.video && f.keyframe;
    return !f.video;
}

Segmenter::Jump Segmenter::classify(const Clock& c, const Clock& other,
                                    int64_t dts_ms) const
{
    if (!c.has_raw) return Jump::None;
    if (dts_ms < c.last_raw_ms) return Jump::Backward;
    if (dts_ms <= c.last_raw_ms + opt_.max_forward_jump_ms) return Jump::None;
    // Far ahead of this track's past, but is it ahead of the stream?  A
    // track that stalled while the other went on is not a jump.
    int64_t stream_ms = std::max(
        c.last_out_ms, other.has_raw ? other.last_out_ms : c.last_out_ms);
    if (dts_ms + c.offset_ms > stream_ms + opt_.max_forward_jump_ms)
        return Jump::Forward;
    return Jump::OwnOnly;
}

void Segmenter::start_epoch(const media::Frame& f)
{
    if (!tracks_ || config_changed_) {
        if (tracks_) generation_++;
        tracks_ = std::make_shared<const TrackConfig>(
            TrackConfig{video_, audio_, generation_});
        config_changed_ = false;
        if (audio_) audio_frame_ = audio_frame_duration(*audio_);
    }
    epoch_offset_ms_ = next_out_ms_ - f.dts_ms;
    epoch_floor_ms_ = next_out_ms_;
    vclock_ = Clock{};
    aclock_ = Clock{};
    vclock_.offset_ms = aclock_.offset_ms = epoch_offset_ms_;
    cur_start_ms_ = next_out_ms_;
    open_segment(next_discontinuity_);
    next_discontinuity_ = false;
    force_cut_ = false;
    video_needs_key_ = false;
    running_ = true;
}

void Segmenter::open_segment(bool discontinuity)
{
    cur_ = Segment{};
    cur_bytes_ = cur_samples_ = 0;
    cur_.number = next_number_++;
    cur_.discontinuity = discontinuity;
    cur_.tracks = tracks_;
    cur_.video.timescale = kVideoTimescale;
    cur_.audio.timescale =
        tracks_->audio ? audio_timescale(*tracks_->audio) : 0;
}

std::optional<Segment> Segmenter::close_segment(
    std::optional<int64_t> next_video, std::optional<int64_t> next_audio)
{
    auto finish_run = [](TrackRun& run, Clock& c, std::optional<int64_t> next,
                         uint32_t fallback) {
        if (run.empty()) return;
        Sample& last = run.samples.back();
        int64_t d = next ? *next - last.dts : 0;
        if (d <= 0) d = c.last_duration ? c.last_duration : fallback;
        last.duration = static_cast<uint32_t>(d);
        c.last_duration = last.duration;
    };
    finish_run(cur_.video, vclock_, next_video, kDefaultVideoDuration);
    // Audio's nominal AU duration is exact, better than a copied neighbour.
    if (!next_audio) aclock_.last_duration = audio_frame_;
    finish_run(cur_.audio, aclock_, next_audio, audio_frame_);
    if (cur_.video.empty() && cur_.audio.empty()) {
        next_number_--;  // nothing was cut: reuse the number
        return std::nullopt;
    }
    next_out_ms_ = std::max(
        next_out_ms_,
        cur_.start_ms() + static_cast<int64_t>(cur_.duration_s() * 1000));
    next_out_ms_ =
        std::max(next_out_ms_, track_end_ms(tracks_->video.has_value()));
    return std::move(cur_);
}

int64_t Segmenter::track_end_ms(bool video) const
{
    const Clock& c = video ? vclock_ : aclock_;
    uint32_t ts = video ? kVideoTimescale : cur_.audio.timescale;
    if (!c.has_dts || !ts) return next_out_ms_;
    return (c.last_dts + c.last_duration) * 1000 / ts;
}

int64_t Segmenter::output_dts(bool video, int64_t out_ms,
                              bool first_in_run) const
{
    const Clock& c = video ? vclock_ : aclock_;
    if (video) {
        int64_t dts = out_ms * (kVideoTimescale / 1000);
        return c.has_dts ? std::max(dts, c.last_dts + 1) : dts;
    }
    int64_t actual = ms_to_ts(out_ms, cur_.audio.timescale);
    if (!c.has_dts) return actual;
    int64_t expected = c.last_dts + audio_frame_;
    if (std::llabs(actual - expected) <= audio_frame_) return expected;
    if (actual > expected) return actual;  // a real hole in the audio
    // Timestamps run behind the sample count: re-sync by shortening the
    // previous AU, which is only possible while it is still in this run.
    return first_in_run ? expected : std::max(actual, c.last_dts + 1);
}

void Segmenter::append(const media::Frame& f, int64_t dts)
{
    Clock& c = f.video ? vclock_ : aclock_;
    TrackRun& run = f.video ? cur_.video : cur_.audio;
    if (!run.empty()) {
        Sample& prev = run.samples.back();
        prev.duration = static_cast<uint32_t>(dts - prev.dts);
        c.last_duration = prev.duration;
    }
    Sample s;
    s.dts = dts;
    s.cto =
        f.video ? static_cast<int32_t>(ms_to_ts(f.cts_ms, kVideoTimescale)) : 0;
    s.sync = f.video ? f.keyframe : true;
    s.data = f.data;  // shared, not copied
    cur_bytes_ += s.data.size();
    cur_samples_++;
    run.samples.push_back(std::move(s));
    c.has_dts = true;
    c.last_dts = dts;
    c.has_raw = true;
    c.last_raw_ms = f.dts_ms;
    c.last_out_ms = f.dts_ms + c.offset_ms;
    started_ = true;
}

bool Segmenter::rebase_on_jump(const media::Frame& f, Clock& c, Clock& other,
                               std::optional<Segment>& closed)
{
    Jump jump = classify(c, other, f.dts_ms);
    if (c.pending_join && jump != Jump::None) {
        // The other track rebased already: follow it.
        c.offset_ms = epoch_offset_ms_;
        c.pending_join = false;
        return false;
    }
    if (jump != Jump::Backward && jump != Jump::Forward) {
        return false;
    }
    // This track starts a new epoch that continues the output timeline
    // exactly where this track's output ends.
    const bool cut = is_rap(f);
    if (cut) {
        closed = close_segment(std::nullopt, std::nullopt);
    } else {
        next_out_ms_ = track_end_ms(f.video);
        force_cut_ = true;
    }
    epoch_offset_ms_ = next_out_ms_ - f.dts_ms;
    c.offset_ms = epoch_offset_ms_;
    other.pending_join = other.has_raw;
    return cut;
}

std::optional<Segment> Segmenter::push(const media::Frame& f)
{
    if (f.video ? !video_ : !audio_) {
        dropped_++;  // a track without config cannot be described
        return std::nullopt;
    }
    if (!running_) {
        if (!is_rap(f)) {
            dropped_++;
            return std::nullopt;
        }
        start_epoch(f);
    }

    Clock& c = f.video ? vclock_ : aclock_;
    Clock& other = f.video ? aclock_ : vclock_;
    std::optional<Segment> closed;
    bool cut = rebase_on_jump(f, c, other, closed);
    bool disc = cut;

    int64_t out_ms = f.dts_ms + c.offset_ms;
    if (!c.has_dts && out_ms < epoch_floor_ms_) {
        dropped_++;  // audio from before the epoch's first keyframe
        return closed;
    }

    if (f.video && video_needs_key_) {
        if (!f.keyframe) {
            dropped_++;
            return closed;
        }
        video_needs_key_ = false;
        force_cut_ = true;  // video is back: end the audio-only segment here
    }

    const int64_t span = out_ms - cur_start_ms_;
    const bool due = segment_due(span, opt_.target_ms);
    // Video stalled: audio cuts once past the cap, then at the target.
    const bool overdue =
        video_ && !f.video && !cut
        && (video_needs_key_ ? due : span >= opt_.max_segment_ms);
    if (!cut && (is_rap(f) || overdue)) {
        const TrackRun& primary = cur_.primary();
        if (!primary.empty() && (force_cut_ || due)) {
            int64_t dts = output_dts(f.video, out_ms, true);
            std::optional<int64_t> next_video, next_audio;
            (f.video ? next_video : next_audio) = dts;
            if (overdue) {
                // The last picture stays up until the cut.
                next_video = out_ms * (kVideoTimescale / 1000);
                video_needs_key_ = true;
            }
            closed = close_segment(next_video, next_audio);
            cut = true;
            disc = force_cut_;
            force_cut_ = false;
        }
    }
    if (!cut && over_cap(f)) {
        closed = cut_at_cap(f);
        cut = true;
        disc = false;
        if (f.video && !f.keyframe) {
            open_segment(false);
            cur_start_ms_ = out_ms;
            dropped_++;
            return closed;
        }
    }
    if (cut) {
        open_segment(disc);
        cur_start_ms_ = out_ms;
    }
    bool first_in_run = (f.video ? cur_.video : cur_.audio).empty();
    append(f, output_dts(f.video, out_ms, first_in_run));
    if (cut && f.video)
        cur_start_ms_ = cur_.video.base_dts() / (kVideoTimescale / 1000);
    return closed;
}

// No keyframe for a long time, or constant timestamps: the open segment
// is cut before f so memory stays bounded; unless f is one, video resumes
// at its next keyframe.
std::optional<Segment> Segmenter::cut_at_cap(const media::Frame& f)
{
    capped_++;
    video_needs_key_ = video_.has_value() && !(f.video && f.keyframe);
    return close_segment(std::nullopt, std::nullopt);
}

bool Segmenter::over_cap(const media::Frame& f) const
{
    return cur_samples_ > 0
           && (cur_samples_ + 1 > opt_.max_segment_samples
               || cur_bytes_ + f.data.size() > opt_.max_segment_bytes);
}

std::optional<Segment> Segmenter::finish()
{
    if (!running_) return std::nullopt;
    running_ = false;
    return close_segment(std::nullopt, std::nullopt);
}

}  // namespace fanout::package
