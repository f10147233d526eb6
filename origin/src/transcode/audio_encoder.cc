// transcode/audio_encoder.cc — see audio_encoder.h.
#include "transcode/audio_encoder.h"

#include <cstring>
#include <utility>

extern "C" {
#include <libavutil/channel_layout.h>
}

#include "media/aac.h"
#include "transcode/av_log.h"

namespace fanout::transcode {
namespace {

constexpr int kAacFrame = 1024;

Result<CodecContextPtr> open_decoder(const media::AudioConfig& source)
{
    const AVCodec* codec = avcodec_find_decoder(AV_CODEC_ID_AAC);
    if (!codec) return Error("aac decoder: not in this libavcodec");
    CodecContextPtr ctx(avcodec_alloc_context3(codec));
    if (!ctx) return Error("aac decoder: out of memory");
    const size_t n = source.asc.size();
    ctx->extradata =
        static_cast<uint8_t*>(av_mallocz(n + AV_INPUT_BUFFER_PADDING_SIZE));
    if (!ctx->extradata) return Error("aac decoder: out of memory");
    if (n) std::memcpy(ctx->extradata, source.asc.data(), n);
    ctx->extradata_size = static_cast<int>(n);
    ctx->pkt_timebase = AVRational{1, 1000};
    if (int err = avcodec_open2(ctx.get(), codec, nullptr); err < 0)
        return av_error("aac decoder", err);
    return ctx;
}

// The source's rate and channels come from its ASC (the decoder knows
// them only once it has decoded).
Result<CodecContextPtr> open_encoder(const media::AudioConfig& source,
                                     int64_t bitrate)
{
    const AVCodec* codec = avcodec_find_encoder(AV_CODEC_ID_AAC);
    if (!codec) return Error("aac encoder: not in this libavcodec");
    CodecContextPtr ctx(avcodec_alloc_context3(codec));
    if (!ctx) return Error("aac encoder: out of memory");
    ctx->sample_rate = source.sample_rate;
    ctx->sample_fmt = AV_SAMPLE_FMT_FLTP;
    av_channel_layout_default(&ctx->ch_layout, source.channels);
    ctx->bit_rate = bitrate;
    ctx->time_base = AVRational{1, source.sample_rate};
    ctx->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    if (int err = avcodec_open2(ctx.get(), codec, nullptr); err < 0)
        return av_error("aac encoder", err);
    return ctx;
}

}  // namespace

AudioEncoder::~AudioEncoder() = default;

Result<std::unique_ptr<AudioEncoder>> AudioEncoder::open(
    const media::AudioConfig& source, const std::vector<int64_t>& bitrates)
{
    route_av_log();
    if (source.sample_rate <= 0 || source.channels <= 0 || source.channels > 8)
        return Error("aac: no sample rate or channel count");
    std::unique_ptr<AudioEncoder> a(new AudioEncoder());
    Result<CodecContextPtr> dec = open_decoder(source);
    if (!dec) return dec.error();
    a->decoder_ = std::move(dec.value());
    a->sample_rate_ = source.sample_rate;
    a->channels_ = source.channels;
    for (int64_t b : bitrates) {
        Result<CodecContextPtr> enc = open_encoder(source, b);
        if (!enc) return enc.error();
        AVCodecContext* c = enc.value().get();
        Result<media::AudioConfig> cfg = media::aac_audio_config(
            std::span<const uint8_t>(c->extradata, c->extradata_size));
        if (!cfg) return cfg.error().wrap("aac encoder");
        a->encoders_[b] = Encoder{std::move(enc.value()), cfg.value()};
    }
    a->fifo_.reset(av_audio_fifo_alloc(AV_SAMPLE_FMT_FLTP, source.channels,
                                       4 * kAacFrame));
    a->packet_.reset(av_packet_alloc());
    a->decoded_.reset(av_frame_alloc());
    a->chunk_.reset(av_frame_alloc());
    if (!a->fifo_ || !a->packet_ || !a->decoded_ || !a->chunk_)
        return Error("aac: out of memory");
    a->chunk_->format = AV_SAMPLE_FMT_FLTP;
    a->chunk_->nb_samples = kAacFrame;
    a->chunk_->sample_rate = source.sample_rate;
    av_channel_layout_default(&a->chunk_->ch_layout, source.channels);
    if (av_frame_get_buffer(a->chunk_.get(), 0) < 0)
        return Error("aac: out of memory");
    return a;
}

const media::AudioConfig& AudioEncoder::config(int64_t bitrate) const
{
    return encoders_.at(bitrate).config;
}

Status AudioEncoder::push(const media::Frame& frame, const FrameFn& out)
{
    const auto size = static_cast<int>(frame.data.size());
    if (int err = av_new_packet(packet_.get(), size); err < 0)
        return av_error("aac decode", err);
    if (size) std::memcpy(packet_->data, frame.data.data(), size);
    packet_->pts = packet_->dts = frame.dts_ms;
    int err = avcodec_send_packet(decoder_.get(), packet_.get());
    av_packet_unref(packet_.get());
    if (err < 0) return av_error("aac decode", err);
    while ((err = avcodec_receive_frame(decoder_.get(), decoded_.get())) >= 0) {
        if (decoded_->format != AV_SAMPLE_FMT_FLTP
            || decoded_->ch_layout.nb_channels != channels_
            || decoded_->sample_rate != sample_rate_) {
            av_frame_unref(decoded_.get());
            return Error(kAudioMismatch,
                         "aac decode: not the rate or channels of its ASC"
                         " (implicit SBR?)");
        }
        const int queued = av_audio_fifo_size(fifo_.get());
        if (decoded_->pts != AV_NOPTS_VALUE) {
            const int64_t at = av_rescale(decoded_->pts, sample_rate_, 1000);
            // Follow the source's clock only when it disagrees by more
            // than an AU (ms timestamps jitter by design).
            if (!has_next_ || std::llabs(at - (next_pts_ + queued)) > kAacFrame)
                next_pts_ = at - queued;
            has_next_ = true;
        }
        int w = av_audio_fifo_write(
            fifo_.get(), reinterpret_cast<void**>(decoded_->extended_data),
            decoded_->nb_samples);
        av_frame_unref(decoded_.get());
        if (w < 0) return av_error("aac fifo", w);
    }
    if (err != AVERROR(EAGAIN) && err != AVERROR_EOF)
        return av_error("aac decode", err);
    return encode_ready(false, out);
}

// Encodes every full AU the fifo holds (and the rest when flushing).
Status AudioEncoder::encode_ready(bool flushing, const FrameFn& out)
{
    for (;;) {
        const int queued = av_audio_fifo_size(fifo_.get());
        if (queued == 0 || (!flushing && queued < kAacFrame)) return {};
        const int n = std::min(queued, kAacFrame);
        if (int err = av_frame_make_writable(chunk_.get()); err < 0)
            return av_error("aac", err);
        chunk_->nb_samples = n;
        av_audio_fifo_read(fifo_.get(), reinterpret_cast<void**>(chunk_->data),
                           n);
        chunk_->pts = next_pts_;
        next_pts_ += n;
        for (auto& [bitrate, e] : encoders_) {
            if (int err = avcodec_send_frame(e.ctx.get(), chunk_.get());
                err < 0)
                return av_error("aac encode", err);
            if (Status st = receive(bitrate, e, out); !st) return st;
        }
    }
}

Status AudioEncoder::receive(int64_t bitrate, Encoder& e, const FrameFn& out)
{
    for (;;) {
        int err = avcodec_receive_packet(e.ctx.get(), packet_.get());
        if (err == AVERROR(EAGAIN) || err == AVERROR_EOF) return {};
        if (err < 0) return av_error("aac encode", err);
        media::Frame f;
        f.video = false;
        f.keyframe = true;
        f.dts_ms = av_rescale(packet_->pts, 1000, sample_rate_);
        f.data =
            std::vector<uint8_t>(packet_->data, packet_->data + packet_->size);
        av_packet_unref(packet_.get());
        out(bitrate, std::move(f));
    }
}

Status AudioEncoder::flush(const FrameFn& out)
{
    avcodec_send_packet(decoder_.get(), nullptr);
    while (avcodec_receive_frame(decoder_.get(), decoded_.get()) >= 0) {
        av_audio_fifo_write(fifo_.get(),
                            reinterpret_cast<void**>(decoded_->extended_data),
                            decoded_->nb_samples);
        av_frame_unref(decoded_.get());
    }
    if (Status st = encode_ready(true, out); !st) return st;
    for (auto& [bitrate, e] : encoders_) {
        avcodec_send_frame(e.ctx.get(), nullptr);
        if (Status st = receive(bitrate, e, out); !st) return st;
    }
    return {};
}

}  // namespace fanout::transcode
