// transcode/transcoder.cc — see transcoder.h.
#include "transcode/transcoder.h"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "core/log.h"
#include "package/segment_rule.h"

namespace fanout::transcode {
namespace {

std::string fmt(const char* f, auto... args)
{
    char buf[512];
    std::snprintf(buf, sizeof(buf), f, args...);
    return buf;
}

}  // namespace

Transcoder::Transcoder(TranscoderOptions options,
                       std::vector<RenditionOutput> outputs,
                       std::shared_ptr<SegmentStarts> starts)
    : opt_(std::move(options)), starts_(std::move(starts)), load_(opt_.load)
{
    std::stable_sort(outputs.begin(), outputs.end(),
                     [](const RenditionOutput& a, const RenditionOutput& b) {
                         if (a.rendition.height != b.rendition.height)
                             return a.rendition.height < b.rendition.height;
                         return a.rendition.spec.video_bitrate
                                < b.rendition.spec.video_bitrate;
                     });
    for (RenditionOutput& r : outputs) {
        Output o;
        o.out = std::move(r);
        RenditionStats rs;
        rs.name = o.out.rendition.name;
        stats_.renditions.push_back(rs);
        outputs_.push_back(std::move(o));
    }
    if (!starts_) {
        starts_ = std::make_shared<SegmentStarts>(opt_.hls_time_ms);
        own_starts_ = true;
    }
}

Transcoder::~Transcoder() = default;

void Transcoder::on_video_config(const media::VideoConfig& config)
{
    if (own_starts_) starts_->on_video_config(config);
    if (video_record_ && *video_record_ == config.record) return;
    flush_decoder();  // pictures of the old config still count
    video_record_ = config.record;
    Result<std::unique_ptr<VideoDecoder>> dec = VideoDecoder::open(config);
    if (!dec) {
        log::error("transcode " + opt_.stream + ": " + dec.error().message()
                   + "; no renditions until the next video config");
        decoder_.reset();
        return;
    }
    decoder_ = std::move(dec.value());
}

void Transcoder::on_audio_config(const media::AudioConfig& config)
{
    if (own_starts_) starts_->on_audio_config(config);
    if (audio_ && audio_->asc == config.asc) return;  // sent again
    audio_ = config;
    open_audio_encoder(config);
    for (Output& o : outputs_) {
        if (!o.active) continue;
        o.out.sink->on_audio_config(
            o.audio_bitrate ? audio_enc_->config(o.audio_bitrate) : config);
    }
}

// One encoder per distinct audioBitrate; without them (none asked, or
// they failed to open) every rendition shares the source's AAC.
void Transcoder::open_audio_encoder(const media::AudioConfig& config)
{
    std::vector<int64_t> bitrates;
    for (const Output& o : outputs_) {
        const int64_t b = o.out.rendition.spec.audio_bitrate;
        if (o.active && b > 0
            && std::find(bitrates.begin(), bitrates.end(), b) == bitrates.end())
            bitrates.push_back(b);
    }
    if (audio_enc_) flush_audio_encoder();
    audio_enc_.reset();
    for (Output& o : outputs_)
        o.audio_bitrate = 0;
    if (bitrates.empty()) return;
    auto enc = AudioEncoder::open(config, bitrates);
    if (!enc) {
        log::warn("transcode " + opt_.stream + ": " + enc.error().message()
                  + "; renditions share the source's audio");
        return;
    }
    audio_enc_ = std::move(enc.value());
    for (Output& o : outputs_)
        o.audio_bitrate = o.out.rendition.spec.audio_bitrate;
}

void Transcoder::flush_audio_encoder()
{
    Status st = audio_enc_->flush([this](int64_t bitrate, media::Frame&& f) {
        f.received = opt_.clock->now();
        hold_audio(bitrate, f);
    });
    if (!st)
        log::warn("transcode " + opt_.stream + ": " + st.error().message());
}

void Transcoder::on_frame(const media::Frame& frame)
{
    if (ended_) return;
    if (own_starts_) starts_->on_frame(frame);
    if (frame.video)
        on_video(frame);
    else
        on_audio(frame);
}

void Transcoder::on_audio(const media::Frame& frame)
{
    hold_audio(0, frame);
    if (!audio_enc_) return;
    Status st =
        audio_enc_->push(frame, [this](int64_t bitrate, media::Frame&& f) {
            f.received = opt_.clock->now();  // re-encoded: available now
            hold_audio(bitrate, f);
        });
    if (st) return;
    if (st.error().code() == kAudioMismatch) {
        log::warn("transcode " + opt_.stream + ": " + st.error().message()
                  + "; renditions share the source's audio from here");
        audio_enc_.reset();
        for (Output& o : outputs_) {
            if (!o.active || !o.audio_bitrate) continue;
            o.audio_bitrate = 0;
            o.out.sink->on_audio_config(*audio_);
        }
        return;
    }
    if (decode_errors_++ % 100 == 0)
        log::warn("transcode " + opt_.stream + ": " + st.error().message());
}

// An AU for the renditions of one audioBitrate (0: the source's own).
void Transcoder::hold_audio(int64_t bitrate, const media::Frame& frame)
{
    for (Output& o : outputs_) {
        if (!o.active || o.audio_bitrate != bitrate) continue;
        if (!o.audio.empty() && frame.dts_ms < o.audio.back().dts_ms) {
            // Time went back: what is held goes first (or, before any
            // picture, is dropped), then the new timeline.
            if (o.video_started)
                release_audio(o, std::nullopt);
            else
                o.audio.clear();
        }
        if (o.audio.size() >= kAudioHoldFrames) o.audio.pop_front();
        o.audio.push_back(frame);
        if (!o.video_started) {
            // Before the first picture: only the last kAudioHoldMs matter
            // (the segmenter drops audio before the first keyframe).
            while (frame.dts_ms - o.audio.front().dts_ms > kAudioHoldMs)
                o.audio.pop_front();
        } else if (frame.dts_ms - o.audio.front().dts_ms > kAudioHoldMs) {
            // Video stalled: let audio go on without it.
            release_audio(o, frame.dts_ms - kAudioHoldMs);
        }
    }
}

void Transcoder::on_video(const media::Frame& frame)
{
    if (!decoder_) return;
    const int64_t pts = frame.dts_ms + frame.cts_ms;
    if (frame.keyframe) {
        if (!composition_offset_)
            composition_offset_ = std::max<int32_t>(frame.cts_ms, 0);
        if (starts_->take(frame.dts_ms)) idr_pts_.insert(pts);
    }
    Status st = decoder_->decode(
        frame, [this](const AVFrame& pic, int64_t t) { on_picture(pic, t); });
    if (!st && decode_errors_++ % 100 == 0) {
        log::warn(fmt("transcode %s: %s (%llu decode errors)",
                      opt_.stream.c_str(), st.error().message().c_str(),
                      static_cast<unsigned long long>(decode_errors_)));
    }
    if (load_.on_frame(frame.dts_ms, frame.received, opt_.clock->now()))
        shed_lowest();
    publish_stats();
}

// Whether the picture at pts gets an IDR in every rendition.
bool Transcoder::idr_at(int64_t pts)
{
    if (opt_.ladder.gop_size > 0) {
        const int target = package::segment_target_ms(opt_.hls_time_ms);
        // (A time that went back restarts the count, as the segmenter's
        // rebase does.)
        if (last_idr_pts_ && pts >= *last_idr_pts_
            && !package::segment_due(pts - *last_idr_pts_, target))
            return false;
        last_idr_pts_ = pts;
        return true;
    }
    // Starts of pictures the decoder dropped are forgotten; so are old
    // ones left above a time that went back.
    idr_pts_.erase(idr_pts_.begin(), idr_pts_.lower_bound(pts));
    while (idr_pts_.size() > SegmentStarts::kMaxPending)
        idr_pts_.erase(std::prev(idr_pts_.end()));
    return idr_pts_.erase(pts) > 0;
}

void Transcoder::on_picture(const AVFrame& picture, int64_t pts)
{
    if (!encoders_opened_) open_encoders();
    const bool idr = idr_at(pts);
    for (Output& o : outputs_) {
        if (!o.active) continue;
        Status st = o.encoder->encode(picture, pts, idr,
                                      [this, &o](RenditionEncoder::Packet&& p) {
                                          emit(o, std::move(p));
                                      });
        if (!st) end_output(o, st.error().message());
    }
}

void Transcoder::open_encoders()
{
    encoders_opened_ = true;
    AVRational rate = decoder_->frame_rate();
    if (rate.num <= 0 || rate.den <= 0) rate = AVRational{30, 1};
    EncoderPreference pref = opt_.ladder.preference;
    for (Output& o : outputs_) {
        const Rendition& r = o.out.rendition;
        EncoderSetup s{r.width, r.height,           r.spec.video_bitrate,
                       rate,    opt_.ladder.preset, opt_.ladder.threads,
                       pref};
        Result<std::unique_ptr<RenditionEncoder>> e = RenditionEncoder::open(s);
        if (!e) {
            end_output(o, e.error().message());
            continue;
        }
        o.encoder = std::move(e.value());
        if (!o.encoder->fallback_reason().empty()) {
            // One line per stream; the other renditions skip the GPU.
            log::info("transcode " + opt_.stream + ": no GPU encoder ("
                      + o.encoder->fallback_reason() + "); using libx264");
            pref = EncoderPreference::cpu;
        }
        std::lock_guard lock(stats_mu_);
        stats_.renditions[&o - outputs_.data()].encoder =
            o.encoder->encoder_name();
    }
}

void Transcoder::emit(Output& o, RenditionEncoder::Packet&& p)
{
    if (!o.active) return;
    if (!o.config_sent) {
        o.out.sink->on_video_config(o.encoder->config());
        o.config_sent = true;
    }
    media::Frame f;
    f.video = true;
    f.keyframe = p.keyframe;
    f.cts_ms = composition_offset_.value_or(0);
    f.dts_ms = p.pts_ms - f.cts_ms;
    f.data = std::move(p.data);
    f.received = opt_.clock->now();
    // Video went back in time: the audio held is from before the jump.
    if (o.video_started && f.dts_ms < o.last_video_dts)
        release_audio(o, std::nullopt);
    release_audio(o, f.dts_ms);
    o.last_video_dts = f.dts_ms;
    o.video_started = true;
    o.out.sink->on_frame(f);
    o.frames++;
    const auto now = f.received;
    if (o.fps_since == std::chrono::steady_clock::time_point{}) {
        o.fps_since = now;
        o.fps_frames = o.frames;
    } else if (now - o.fps_since >= std::chrono::seconds(1)) {
        const double s =
            std::chrono::duration<double>(now - o.fps_since).count();
        o.fps = double(o.frames - o.fps_frames) / s;
        o.fps_since = now;
        o.fps_frames = o.frames;
    }
}

// Audio before before_dts (all of it when unset) goes out.
void Transcoder::release_audio(Output& o, std::optional<int64_t> before_dts)
{
    while (!o.audio.empty()
           && (!before_dts || o.audio.front().dts_ms < *before_dts)) {
        if (o.video_started || !before_dts)
            o.out.sink->on_frame(o.audio.front());
        o.audio.pop_front();
    }
}

void Transcoder::end_output(Output& o, const std::string& why)
{
    if (!o.active) return;
    o.active = false;
    o.encoder.reset();
    o.audio.clear();
    o.out.sink->on_end();
    log::warn("transcode " + opt_.stream + ": rendition " + o.out.rendition.name
              + " ended: " + why);
    if (std::none_of(outputs_.begin(), outputs_.end(),
                     [](const Output& x) { return x.active; }))
        decoder_.reset();  // nothing left to decode for
}

void Transcoder::shed_lowest()
{
    auto it = std::find_if(outputs_.begin(), outputs_.end(),
                           [](const Output& o) { return o.active; });
    if (it == outputs_.end()) return;
    end_output(*it,
               fmt("overload: lag %lld ms, speed %.2f (lowest first)",
                   static_cast<long long>(load_.lag().count()), load_.speed()));
    if (opt_.metrics) opt_.metrics->transcode_renditions_dropped++;
    std::lock_guard lock(stats_mu_);
    stats_.renditions_dropped++;
}

void Transcoder::flush_decoder()
{
    if (!decoder_) return;
    Status st = decoder_->flush(
        [this](const AVFrame& pic, int64_t t) { on_picture(pic, t); });
    if (!st)
        log::warn("transcode " + opt_.stream + ": " + st.error().message());
}

void Transcoder::on_end()
{
    if (ended_) return;
    flush_decoder();
    decoder_.reset();
    if (audio_enc_) flush_audio_encoder();
    for (Output& o : outputs_) {
        if (!o.active) continue;
        if (o.encoder) {
            Status st =
                o.encoder->flush([this, &o](RenditionEncoder::Packet&& p) {
                    emit(o, std::move(p));
                });
            if (!st)
                log::warn("transcode " + opt_.stream + ": "
                          + st.error().message());
        }
        release_audio(o, std::nullopt);
        o.active = false;
        o.encoder.reset();
        o.out.sink->on_end();
    }
    ended_ = true;
    publish_stats();
}

void Transcoder::publish_stats()
{
    std::lock_guard lock(stats_mu_);
    stats_.speed = load_.speed();
    stats_.lag_ms = load_.lag().count();
    for (size_t i = 0; i < outputs_.size(); i++) {
        RenditionStats& r = stats_.renditions[i];
        r.active = outputs_[i].active;
        r.fps = outputs_[i].fps;
        r.frames = outputs_[i].frames;
    }
}

TranscodeStats Transcoder::stats() const
{
    std::lock_guard lock(stats_mu_);
    return stats_;
}

}  // namespace fanout::transcode
