// package/stream_packager.cc — see stream_packager.h.
#include "package/stream_packager.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "core/log.h"
#include "package/codec_info.h"
#include "package/dash_mpd.h"
#include "package/fmp4.h"
#include "package/hls_playlist.h"
#include "package/segment_rule.h"

namespace fanout::package {

PackagerConfig packager_config(const Config& c)
{
    PackagerConfig p;
    p.hls_time_ms = c.hls_time_s * 1000;
    p.hls_list_size = c.hls_list_size;
    p.dash_window_size = c.dash_window_size;
    p.dead_after_ms = c.update_period_ms * c.dead_factor;
    p.hls_ts = c.hls_segment_type == "mpegts";
    p.max_segment_bytes = static_cast<size_t>(c.segment_max_bytes);
    p.max_segment_samples = static_cast<size_t>(c.segment_max_samples);
    return p;
}

int dash_window_segments(const PackagerConfig& c)
{
    if (c.dash_window_size > 0) return c.dash_window_size;
    const int hls_ms = std::max(c.hls_time_ms, 1);
    // The dead timeout, the edges' grace (4), the last segment's age (1)
    // and one more (1).
    const int n = (std::max(c.dead_after_ms, 0) + hls_ms - 1) / hls_ms + 6;
    // Bounded as the setting is (0..1000), whatever the dead timeout.
    return std::max(std::min(n, 1000), std::max(c.hls_list_size, 1));
}
namespace {

Body make_body(std::string s)
{
    return std::make_shared<const ByteChain>(std::move(s));
}
Body make_body(ByteChain c)
{
    return std::make_shared<const ByteChain>(std::move(c));
}

// HLS FRAME-RATE ("29.970") from the MPD's form ("30000/1001", "25").
std::string hls_frame_rate(const std::string& rate)
{
    if (rate.empty()) return "";
    size_t slash = rate.find('/');
    double num = std::stod(rate.substr(0, slash));
    double den =
        slash == std::string::npos ? 1 : std::stod(rate.substr(slash + 1));
    if (den <= 0) return "";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", num / den);
    return buf;
}

// "25" or "30000/1001" from the video sample durations; "" when they vary
// in a way no common rate explains.
std::string frame_rate_of(const TrackRun& video)
{
    if (video.samples.size() < 2) return "";
    uint32_t d = video.samples.front().duration;
    bool constant =
        d > 0
        && std::all_of(video.samples.begin(), video.samples.end(),
                       [d](const Sample& s) { return s.duration == d; });
    if (constant) {
        uint32_t g = std::gcd(kVideoTimescale, d);
        uint32_t num = kVideoTimescale / g, den = d / g;
        return den == 1 ? std::to_string(num)
                        : std::to_string(num) + "/" + std::to_string(den);
    }
    // Millisecond timestamps make 29.97 alternate 33/34 ms: match the mean.
    double fps = static_cast<double>(video.samples.size()) * kVideoTimescale
                 / video.duration();
    for (auto [num, den] :
         {std::pair{24000, 1001}, {30000, 1001}, {60000, 1001}})
        if (std::fabs(fps - static_cast<double>(num) / den) < 0.02)
            return std::to_string(num) + "/" + std::to_string(den);
    if (std::fabs(fps - std::round(fps)) < 0.02)
        return std::to_string(std::lround(fps));
    return "";
}

int64_t ms_to(int64_t ms, uint32_t timescale)
{
    return ms * timescale / 1000;
}

// The run with its decode times moved by `ms` (its payloads shared).
TrackRun shifted(const TrackRun& run, int64_t ms)
{
    TrackRun out = run;
    const int64_t by = ms_to(ms, run.timescale);
    for (Sample& s : out.samples)
        s.dts += by;
    return out;
}

}  // namespace

StreamPackager::StreamPackager(const PackagerConfig& config,
                               std::string stream_id, std::string session_id,
                               const Continuation& from)
    : config_(config),
      stream_(std::move(stream_id)),
      session_(std::move(session_id)),
      segmenter_(SegmenterOptions{
          segment_target_ms(config.hls_time_ms), kMaxForwardJumpMs,
          std::max(10000, 5 * config.hls_time_ms), config.max_segment_bytes,
          config.max_segment_samples}),
      from_(from),
      discontinuity_sequence_(from.hls_discontinuity)
{
    config_.hls_list_size = std::max(config_.hls_list_size, 1);
    config_.dash_window_size = dash_window_segments(config_);
    config_.extra_segments = std::max(config_.extra_segments, 0);
}

PackagerUpdate StreamPackager::on_video_config(const media::VideoConfig& config,
                                               int64_t now_ms)
{
    return config_closed(segmenter_.set_video_config(config), now_ms);
}

PackagerUpdate StreamPackager::on_audio_config(const media::AudioConfig& config,
                                               int64_t now_ms)
{
    return config_closed(segmenter_.set_audio_config(config), now_ms);
}

PackagerUpdate StreamPackager::config_closed(std::optional<Segment> seg,
                                             int64_t now_ms)
{
    PackagerUpdate up;
    if (seg) {
        add_segment(std::move(*seg), up);
        render(now_ms, up);
    }
    return up;
}

PackagerUpdate StreamPackager::on_frame(const media::Frame& frame,
                                        int64_t now_ms)
{
    PackagerUpdate up;
    bool was_started = segmenter_.started();
    const uint64_t capped = segmenter_.capped();
    auto seg = segmenter_.push(frame);
    if (segmenter_.capped() != capped) {
        log::warn("stream " + stream_ + ": segment cut at its cap ("
                  + std::to_string(config_.max_segment_bytes) + " bytes, "
                  + std::to_string(config_.max_segment_samples)
                  + " samples: segment.max_bytes, segment.max_samples): "
                  + "the publisher sends no keyframe, or constant "
                  + "timestamps");
    }
    // Output time 0 is the first accepted frame, which arrived now.  A
    // continued stream keeps its availabilityStartTime; its new Period
    // starts no earlier than now on that time line (continuation.h).
    if (!was_started && segmenter_.started()) {
        first_frame_ms_ = now_ms;
        dash_start_ms_ = from_.dash_start_ms ? from_.dash_start_ms : now_ms;
        dash_offset_ms_ =
            from_.dash_start_ms
                ? std::max(from_.dash_period_start_ms, now_ms - dash_start_ms_)
                : 0;
    }
    if (seg) {
        add_segment(std::move(*seg), up);
        render(now_ms, up);
    }
    return up;
}

PackagerUpdate StreamPackager::on_end(int64_t now_ms)
{
    PackagerUpdate up;
    if (ended_) return up;
    ended_ = true;
    if (auto seg = segmenter_.finish()) add_segment(std::move(*seg), up);
    if (!kept_.empty()) render(now_ms, up);  // ENDLIST, static MPD
    return up;
}

void StreamPackager::add_segment(Segment seg, PackagerUpdate& up)
{
    const TrackConfig& tracks = *seg.tracks;
    auto [git, fresh] = generations_.try_emplace(tracks.generation);
    if (fresh) open_generation(seg, git->second, up);

    Kept k;
    k.number = from_.dash_number + seg.number;
    k.sequence = from_.hls_sequence + seg.number;
    k.generation = tracks.generation;
    // The first segment after another publish is a discontinuity.
    k.discontinuity =
        seg.discontinuity || (segments_ == 0 && from_.discontinuity);
    k.duration_s = seg.duration_s();
    k.start_ms = seg.start_ms();
    auto entry = [&](const TrackRun& run, bool present, int64_t& end) {
        TrackEntry e;
        e.present = present;
        if (!present) return e;
        if (run.empty()) {
            // A hole in this track: keep its timeline contiguous anyway.
            e.t = std::max(end, ms_to(dash_offset_ms_, run.timescale));
            e.d = std::max<int64_t>(1, static_cast<int64_t>(std::llround(
                                           k.duration_s * run.timescale)));
        } else {
            e.t = run.base_dts() + ms_to(dash_offset_ms_, run.timescale);
            e.d = run.duration();
        }
        end = e.t + e.d;
        return e;
    };
    k.video = entry(seg.video, tracks.video.has_value(), video_end_);
    k.audio = entry(seg.audio, tracks.audio.has_value(), audio_end_);
    write_segment_files(seg, k, up);

    target_duration_s_ =
        std::max(target_duration_s_, target_of_extinf(k.duration_s));
    kept_.push_back(std::move(k));
    segments_++;
    up.segments++;
    trim_window(tracks.generation, up);
}

void StreamPackager::open_generation(const Segment& seg, Generation& gen,
                                     PackagerUpdate& up)
{
    const TrackConfig& tracks = *seg.tracks;
    const std::string base = session_ + "-";
    const bool per_track = per_track_dash(tracks);
    gen.tracks = seg.tracks;
    gen.start_ms = seg.start_ms();
    gen.suffix =
        tracks.generation ? "-" + std::to_string(tracks.generation) : "";
    if (tracks.video) gen.frame_rate = frame_rate_of(seg.video);
    auto add_init = [&](const std::string& name, TrackSelect sel) {
        up.added.emplace_back(name, make_body(write_init_segment(tracks, sel)));
        gen.files.push_back(name);
    };
    if (!config_.hls_ts || !per_track) {
        add_init(base + "init" + gen.suffix + ".mp4", TrackSelect::Both);
    }
    if (per_track) {
        add_init(base + "v-init" + gen.suffix + ".mp4", TrackSelect::VideoOnly);
        add_init(base + "a-init" + gen.suffix + ".mp4", TrackSelect::AudioOnly);
    }
}

void StreamPackager::write_segment_files(const Segment& seg, Kept& k,
                                         PackagerUpdate& up)
{
    const std::string base = session_ + "-";
    const bool per_track = per_track_dash(*seg.tracks);
    const std::string n = std::to_string(k.number);
    const uint32_t seq = static_cast<uint32_t>(seg.number + 1);
    // fMP4 decode times are presentation times on the stream's time line
    // (dash_offset_ms_ + output time), in every Period and every publish.
    const TrackRun video = shifted(seg.video, dash_offset_ms_);
    const TrackRun audio = shifted(seg.audio, dash_offset_ms_);
    auto add_file = [&](std::string name, Body body) {
        k.files.push_back(name);
        up.added.emplace_back(std::move(name), std::move(body));
    };
    if (!config_.hls_ts || !per_track) {
        Body m4s = make_body(media_segment(seq, &video, &audio));
        if (!per_track) k.video.bytes = k.audio.bytes = m4s->size();
        add_file(base + n + ".m4s", std::move(m4s));
    }
    if (per_track) {
        Body v = make_body(media_segment(seq, &video, nullptr));
        Body a = make_body(media_segment(seq, nullptr, &audio));
        k.video.bytes = v->size();
        k.audio.bytes = a->size();
        add_file(base + "v-" + n + ".m4s", std::move(v));
        add_file(base + "a-" + n + ".m4s", std::move(a));
    }
    if (config_.hls_ts)
        add_file(base + n + ".ts", make_body(write_ts_segment(seg, ts_)));
}

void StreamPackager::trim_window(uint32_t current, PackagerUpdate& up)
{
    // The segment that just left the listed window took its DISCONTINUITY
    // tag with it.
    size_t listed = static_cast<size_t>(config_.hls_list_size);
    if (kept_.size() > listed && kept_[kept_.size() - listed - 1].discontinuity)
        discontinuity_sequence_++;

    size_t window = dash_watched_ ? std::max(
                        listed, static_cast<size_t>(config_.dash_window_size))
                                  : listed;
    size_t keep = window + static_cast<size_t>(config_.extra_segments);
    while (kept_.size() > keep) {
        for (auto& f : kept_.front().files)
            up.removed.push_back(f);
        kept_.pop_front();
    }
    for (auto it = generations_.begin(); it != generations_.end();) {
        uint32_t g = it->first;
        bool used =
            g == current
            || std::any_of(kept_.begin(), kept_.end(),
                           [g](const Kept& x) { return x.generation == g; });
        if (used) {
            ++it;
            continue;
        }
        for (auto& f : it->second.files)
            up.removed.push_back(f);
        it = generations_.erase(it);
    }
}

void StreamPackager::render(int64_t now_ms, PackagerUpdate& up)
{
    up.playlist = make_body(render_playlist());
    auto dash = std::make_shared<const DashMpd>(build_mpd(now_ms));
    up.mpd = make_body(render_dash_mpd(*dash));
    up.dash = std::move(dash);
    up.variant = variant();
}

HlsVariant StreamPackager::variant() const
{
    HlsVariant v;
    size_t listed =
        std::min(kept_.size(), static_cast<size_t>(config_.hls_list_size));
    uint64_t bytes = 0;
    double seconds = 0;
    for (size_t i = kept_.size() - listed; i < kept_.size(); i++) {
        const Kept& k = kept_[i];
        uint64_t b = k.video.bytes + k.audio.bytes;
        if (k.duration_s > 0)
            v.bandwidth = std::max(v.bandwidth,
                                   static_cast<uint64_t>(b * 8 / k.duration_s));
        bytes += b;
        seconds += k.duration_s;
    }
    if (seconds > 0)
        v.average_bandwidth = static_cast<uint64_t>(bytes * 8 / seconds);
    if (kept_.empty()) return v;
    const Generation& gen = generations_.at(kept_.back().generation);
    const TrackConfig& tracks = *gen.tracks;
    if (tracks.video) {
        v.width = tracks.video->width;
        v.height = tracks.video->height;
        v.codecs = video_codec_string(*tracks.video);
        v.frame_rate = hls_frame_rate(gen.frame_rate);
    }
    if (tracks.audio)
        v.codecs +=
            (v.codecs.empty() ? "" : ",") + audio_codec_string(*tracks.audio);
    return v;
}

std::string StreamPackager::render_playlist() const
{
    size_t listed =
        std::min(kept_.size(), static_cast<size_t>(config_.hls_list_size));
    HlsPlaylist p;
    p.version = config_.hls_ts ? 3 : 7;
    p.target_duration_s = target_duration_s_;
    p.discontinuity_sequence = discontinuity_sequence_;
    p.ended = ended_;
    const std::string prefix = stream_ + "/" + session_ + "-";
    for (size_t i = kept_.size() - listed; i < kept_.size(); i++) {
        const Kept& k = kept_[i];
        const Generation& gen = generations_.at(k.generation);
        if (p.segments.empty()) p.media_sequence = k.sequence;
        HlsSegment s;
        s.uri = prefix + std::to_string(k.number)
                + (config_.hls_ts ? ".ts" : ".m4s");
        s.duration_s = k.duration_s;
        s.discontinuity = k.discontinuity;
        if (!config_.hls_ts) s.map_uri = prefix + "init" + gen.suffix + ".mp4";
        if (first_frame_ms_)
            s.program_date_time_ms = *first_frame_ms_ + k.start_ms;
        p.segments.push_back(std::move(s));
    }
    return render_hls_playlist(p);
}

DashAdaptation StreamPackager::adaptation(const Generation& gen,
                                          uint64_t start_number, size_t i,
                                          size_t j, int64_t period_start,
                                          bool video) const
{
    const TrackConfig& tracks = *gen.tracks;
    bool per_track = per_track_dash(tracks);
    const std::string prefix = session_ + "-";
    DashAdaptation a;
    a.video = video;
    a.representation_id = video ? "v" : "a";
    std::string track = per_track ? a.representation_id + "-" : "";
    a.initialization = prefix + track + "init" + gen.suffix + ".mp4";
    a.media = prefix + track + "$Number$.m4s";
    a.start_number = start_number;
    if (video) {
        a.codecs = video_codec_string(*tracks.video);
        a.width = tracks.video->width;
        a.height = tracks.video->height;
        a.frame_rate = gen.frame_rate;
        a.timescale = kVideoTimescale;
    } else {
        a.codecs = audio_codec_string(*tracks.audio);
        a.timescale = audio_timescale(*tracks.audio);
        a.sample_rate = static_cast<int>(a.timescale);
        a.channels = tracks.audio->channels;
        if (a.channels <= 0) {
            auto info = parse_asc(tracks.audio->asc);
            a.channels = info.ok() ? info.value().channels : 2;
        }
    }
    a.presentation_time_offset =
        ms_to(dash_offset_ms_, a.timescale) + ms_to(period_start, a.timescale);
    uint64_t bytes = 0;
    int64_t ticks = 0;
    for (size_t x = i; x < j; x++) {
        const TrackEntry& e = video ? kept_[x].video : kept_[x].audio;
        a.segments.push_back({e.t, e.d});
        bytes += e.bytes;
        ticks += e.d;
    }
    a.bandwidth = ticks > 0
                      ? static_cast<uint64_t>(bytes * 8.0 * a.timescale / ticks)
                      : 0;
    a.bandwidth = std::max<uint64_t>(a.bandwidth, 1);
    return a;
}

// The held segments but the extra ones, at least what HLS lists, at most
// dashWindowSize: HLS's window while DASH is not watched, then one more a
// segment up to the MPD's own (trim_window).
size_t StreamPackager::dash_listed() const
{
    const size_t extra = static_cast<size_t>(config_.extra_segments);
    const size_t held = kept_.size() > extra ? kept_.size() - extra : 0;
    const size_t n = std::max(static_cast<size_t>(config_.hls_list_size), held);
    return std::min(
        {n, static_cast<size_t>(config_.dash_window_size), kept_.size()});
}

DashMpd StreamPackager::build_mpd(int64_t now_ms) const
{
    size_t listed = dash_listed();
    size_t first = kept_.size() - listed;
    DashMpd m;
    m.dynamic = !ended_;
    m.availability_start_ms = first_frame_ms_ ? dash_start_ms_ : now_ms;
    m.publish_ms = now_ms;
    m.min_update_period_ms = config_.hls_time_ms;
    // What is listed, and never less than a young stream's nominal window.
    const size_t nominal = static_cast<size_t>(
        std::min(config_.hls_list_size, config_.dash_window_size));
    m.time_shift_buffer_ms =
        config_.hls_time_ms * static_cast<int>(std::max(listed, nominal));
    m.suggested_delay_ms = config_.hls_time_ms * 3;
    m.min_buffer_ms = config_.hls_time_ms;
    m.utc_timing_url = kUtcTimingFromMpd;
    // A static MPD starts at the first segment still held: earlier ones are
    // gone.  A dynamic one is on the stream's time line (dash_offset_ms_).
    const int64_t origin_ms = ended_ && listed ? kept_[first].start_ms : 0;
    const int64_t offset_ms = ended_ ? 0 : dash_offset_ms_;
    if (listed) {
        const Kept& last = kept_.back();
        m.duration_ms =
            last.start_ms + std::llround(last.duration_s * 1000) - origin_ms;
    }

    for (size_t i = first; i < kept_.size();) {
        const Kept& k0 = kept_[i];
        size_t j = i;
        while (j < kept_.size() && kept_[j].generation == k0.generation)
            j++;
        const Generation& gen = generations_.at(k0.generation);
        const TrackConfig& tracks = *gen.tracks;
        DashPeriod period;
        period.id = "p" + std::to_string(from_.dash_period + k0.generation);
        // Dynamic: the generation's first output time, fixed while it slides.
        // Static: the first held segment starts the presentation.
        int64_t period_start = i == first && ended_ ? origin_ms : gen.start_ms;
        period.start_ms = offset_ms + period_start - origin_ms;

        for (bool video : {true, false}) {
            if (video ? tracks.video.has_value() : tracks.audio.has_value()) {
                period.sets.push_back(
                    adaptation(gen, k0.number, i, j, period_start, video));
            }
        }
        if (m.periods.empty() && !ended_) {
            if (auto prev = previous_period(period))
                m.periods.push_back(std::move(*prev));
        }
        m.periods.push_back(std::move(period));
        i = j;
    }
    return m;
}

// dash.js keeps playing the Period it is in when an update no longer lists
// it, but as the last Period it knew, endless: it never finishes buffering
// it, and every seek lands in it again.  Listed before the new Period, it
// gets an end (the new Period's start) and a next Period, and the player
// moves on once it has requested the last segment listed there.  So the
// old Period is listed with its id and its own start (the previous
// owner's progress carries it): a Period listed to start later than a
// player's position makes dash.js seek into it, to a time where nothing
// is buffered, and that seek never completes (its GapController leaves a
// seeking player alone).  Its one segment is one millisecond long, at the
// Period's start: its media is gone with its origin, and a player that
// joins now must not land in it.  dash.js leaves a Period once the last
// segment it requested there ends at or after the end of the last one
// listed; any segment a player had there ends after this one, whatever
// the player had fetched when the owner died (the owner's last written
// position can be ahead of it, or behind).  That segment is this
// session's first, which exists (an MPD is listed from its first segment
// on): a player that asks for it gets this session's first media at its
// own time, not a 404 that dash.js raises as an error event after its
// retries (embedding players give up on DASH at that event).  Its timing
// makes presentation time equal media time, as in every Period here
// (decode times are on the stream's time line, write_segment_files).  A
// player still in the old media plays it out, then waits out the gap to
// the new Period (dash.js's GapController).  Listed until this session's
// first segment leaves the MPD's window: a player that has not refreshed by
// then is out of it anyway.
std::optional<DashPeriod> StreamPackager::previous_period(
    const DashPeriod& first) const
{
    if (from_.dash_previous_end_ms <= 0
        || segments_ > static_cast<uint64_t>(dash_listed())
        || first.start_ms <= from_.dash_previous_end_ms - 1)
        return std::nullopt;
    DashPeriod p;
    p.id = "p" + std::to_string(from_.dash_previous_period);
    p.start_ms = from_.dash_previous_start_ms;
    p.previous = true;
    for (DashAdaptation a : first.sets) {
        const int64_t tick = std::max<int64_t>(a.timescale / 1000, 1);
        a.presentation_time_offset = ms_to(p.start_ms, a.timescale);
        a.start_number = from_.dash_number;
        a.segments = {DashSegment{a.presentation_time_offset, tick}};
        p.sets.push_back(std::move(a));
    }
    return p;
}

uint64_t StreamPackager::last_discontinuity() const
{
    size_t listed =
        std::min(kept_.size(), static_cast<size_t>(config_.hls_list_size));
    uint64_t n = discontinuity_sequence_;
    for (size_t i = kept_.size() - listed; i < kept_.size(); i++)
        n += kept_[i].discontinuity ? 1 : 0;
    return n;
}

fo_progress StreamPackager::progress() const
{
    fo_progress p{};
    p.hls_sequence = static_cast<int64_t>(from_.hls_sequence + segments_);
    p.hls_discontinuity = static_cast<int64_t>(last_discontinuity());
    p.dash_number = static_cast<int64_t>(from_.dash_number + segments_);
    p.dash_start_ms = first_frame_ms_ ? dash_start_ms_ : from_.dash_start_ms;
    if (kept_.empty()) {
        // Nothing listed yet: where this session would have started.
        p.dash_period = static_cast<int64_t>(from_.dash_period);
        p.dash_period_start_ms = from_.dash_period_start_ms;
        p.dash_end_ms = from_.dash_period_start_ms;
        return p;
    }
    const Kept& last = kept_.back();
    p.dash_period = static_cast<int64_t>(from_.dash_period + last.generation);
    p.dash_period_start_ms =
        dash_offset_ms_ + generations_.at(last.generation).start_ms;
    p.dash_end_ms =
        dash_offset_ms_ + last.start_ms + std::llround(last.duration_s * 1000);
    return p;
}

}  // namespace fanout::package
