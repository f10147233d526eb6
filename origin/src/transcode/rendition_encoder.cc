// transcode/rendition_encoder.cc — see rendition_encoder.h.
#include "transcode/rendition_encoder.h"

#include <climits>
#include <optional>
#include <utility>

extern "C" {
#include <libavutil/dict.h>
#include <libavutil/hwcontext.h>
#include <libavutil/opt.h>
}

#include "media/avc.h"
#include "transcode/annexb.h"
#include "transcode/av_log.h"

namespace fanout::transcode {
namespace {

constexpr const char* kX264 = "libx264";
constexpr const char* kNvenc = "h264_nvenc";
constexpr const char* kVaapi = "h264_vaapi";
constexpr const char* kVaapiDevice = "/dev/dri/renderD128";
constexpr int kNoGop = 1 << 30;  // no keyframe unless forced
constexpr size_t kMaxInFlight = 512;  // pictures inside one encoder

struct DictFree {
    void operator()(AVDictionary* d) const { av_dict_free(&d); }
};

// The encoder's own options: no keyframe it chooses itself; IDRs where
// the caller asks (pict_type I → IDR).
AVDictionary* encoder_options(const std::string& name, const EncoderSetup& s)
{
    AVDictionary* opts = nullptr;
    if (name == kX264) {
        av_dict_set(&opts, "preset", s.preset.c_str(), 0);
        av_dict_set(&opts, "forced-idr", "1", 0);
        av_dict_set(&opts, "x264-params", "keyint=infinite:scenecut=0", 0);
    } else if (name == kNvenc) {
        av_dict_set(&opts, "forced-idr", "1", 0);
        av_dict_set(&opts, "no-scenecut", "1", 0);
    }
    return opts;
}

// VAAPI wants its frames on the GPU: a device and a pool of NV12 surfaces.
Status attach_vaapi(AVCodecContext* ctx, BufferPtr& device)
{
    AVBufferRef* dev = nullptr;
    int err = av_hwdevice_ctx_create(&dev, AV_HWDEVICE_TYPE_VAAPI, kVaapiDevice,
                                     nullptr, 0);
    if (err < 0) return av_error("vaapi device", err);
    device.reset(dev);
    BufferPtr frames(av_hwframe_ctx_alloc(dev));
    if (!frames) return Error("vaapi frames: out of memory");
    auto* fc = reinterpret_cast<AVHWFramesContext*>(frames->data);
    fc->format = AV_PIX_FMT_VAAPI;
    fc->sw_format = AV_PIX_FMT_NV12;
    fc->width = ctx->width;
    fc->height = ctx->height;
    fc->initial_pool_size = 8;
    if ((err = av_hwframe_ctx_init(frames.get())) < 0)
        return av_error("vaapi frames", err);
    ctx->hw_frames_ctx = av_buffer_ref(frames.get());
    ctx->pix_fmt = AV_PIX_FMT_VAAPI;
    return {};
}

}  // namespace

std::vector<std::string> encoder_candidates(EncoderPreference preference)
{
    if (preference == EncoderPreference::gpu_and_cpu)
        return {kNvenc, kVaapi, kX264};
    return {kX264};
}

RenditionEncoder::~RenditionEncoder() = default;

Status RenditionEncoder::open_codec(const std::string& name,
                                    const EncoderSetup& s)
{
    const AVCodec* codec = avcodec_find_encoder_by_name(name.c_str());
    if (!codec) return Error(name + ": not in this libavcodec");
    ctx_.reset(avcodec_alloc_context3(codec));
    hw_device_.reset();
    if (!ctx_) return Error(name + ": out of memory");
    AVCodecContext* c = ctx_.get();
    c->width = s.width;
    c->height = s.height;
    c->sample_aspect_ratio = AVRational{1, 1};
    c->time_base = AVRational{1, 1000};
    c->framerate = s.frame_rate;
    c->pix_fmt = AV_PIX_FMT_YUV420P;
    c->bit_rate = s.bitrate;
    c->rc_max_rate = s.bitrate * 6 / 5;
    c->rc_buffer_size =
        static_cast<int>(std::min<int64_t>(s.bitrate * 2, INT_MAX));
    c->max_b_frames = 0;
    c->thread_count = s.threads;
    c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    if (name != kX264) c->gop_size = kNoGop;
    if (name == kVaapi) {
        if (Status st = attach_vaapi(c, hw_device_); !st)
            return st.error().wrap(name);
    }
    std::unique_ptr<AVDictionary, DictFree> opts(encoder_options(name, s));
    AVDictionary* raw = opts.release();
    int err = avcodec_open2(c, codec, &raw);
    opts.reset(raw);
    if (err < 0) return av_error(name, err);
    return {};
}

Result<std::unique_ptr<RenditionEncoder>> RenditionEncoder::open(
    const EncoderSetup& setup)
{
    if (setup.width <= 0 || setup.height <= 0 || setup.width % 2
        || setup.height % 2 || setup.bitrate <= 0)
        return Error("encoder: bad size or bitrate");
    std::unique_ptr<RenditionEncoder> e(new RenditionEncoder());
    e->setup_ = setup;
    route_av_log();
    std::string why;
    for (const std::string& name : encoder_candidates(setup.preference)) {
        std::optional<QuietAvLog> quiet;  // a missing GPU: one line, below
        if (name != kX264) quiet.emplace();
        Status st = e->open_codec(name, setup);
        if (st) {
            e->name_ = name;
            break;
        }
        if (name == kX264) return st.error().wrap("encoder");
        why += (why.empty() ? "" : "; ") + st.error().message();
    }
    if (e->name_ == kX264) e->fallback_ = why;
    AVCodecContext* c = e->ctx_.get();
    Result<std::vector<uint8_t>> rec = avcc_from_annexb(
        std::span<const uint8_t>(c->extradata, c->extradata_size));
    if (!rec) return rec.error().wrap(e->name_);
    Result<media::ParsedVideoConfig> cfg = media::avc_video_config(rec.value());
    if (!cfg) return cfg.error().wrap(e->name_);
    e->config_ = std::move(cfg->config);
    e->packet_.reset(av_packet_alloc());
    e->scaled_.reset(av_frame_alloc());
    if (!e->packet_ || !e->scaled_) return Error("encoder: out of memory");
    e->scaled_->format = e->hw_device_ ? AV_PIX_FMT_NV12 : AV_PIX_FMT_YUV420P;
    e->scaled_->width = setup.width;
    e->scaled_->height = setup.height;
    if (int err = av_frame_get_buffer(e->scaled_.get(), 0); err < 0)
        return av_error("encoder", err);
    return e;
}

Status RenditionEncoder::scale(const AVFrame& picture)
{
    const auto dst = static_cast<AVPixelFormat>(scaled_->format);
    // Bicubic: what ffmpeg's scale filter uses, so quality compares.
    sws_.reset(sws_getCachedContext(
        sws_.release(), picture.width, picture.height,
        static_cast<AVPixelFormat>(picture.format), setup_.width, setup_.height,
        dst, SWS_BICUBIC, nullptr, nullptr, nullptr));
    if (!sws_) return Error("scale: unsupported picture format");
    // The encoder may still hold the previous picture's buffer.
    if (int err = av_frame_make_writable(scaled_.get()); err < 0)
        return av_error("scale", err);
    sws_scale(sws_.get(), picture.data, picture.linesize, 0, picture.height,
              scaled_->data, scaled_->linesize);
    return {};
}

Status RenditionEncoder::encode(const AVFrame& picture, int64_t pts_ms,
                                bool idr, const PacketFn& out)
{
    if (Status st = scale(picture); !st) return st;
    int64_t enc = pts_ms + shift_;
    if (last_enc_pts_ != INT64_MIN && enc <= last_enc_pts_) {
        shift_ += last_enc_pts_ + 1 - enc;  // went back: continue after
        enc = last_enc_pts_ + 1;
    }
    last_enc_pts_ = enc;
    // Bounded by the encoder's delay; a picture it never returns (it
    // failed) is forgotten with the oldest.
    if (in_flight_.size() >= kMaxInFlight) in_flight_.erase(in_flight_.begin());
    in_flight_[enc] = pts_ms;
    AVFrame* in = scaled_.get();
    if (hw_device_) {
        hw_frame_.reset(av_frame_alloc());
        if (!hw_frame_) return Error("encode: out of memory");
        int err =
            av_hwframe_get_buffer(ctx_->hw_frames_ctx, hw_frame_.get(), 0);
        if (err >= 0) err = av_hwframe_transfer_data(hw_frame_.get(), in, 0);
        if (err < 0) return av_error("vaapi upload", err);
        in = hw_frame_.get();
    }
    in->pts = enc;
    in->pict_type = idr ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE;
    if (int err = avcodec_send_frame(ctx_.get(), in); err < 0)
        return av_error(name_, err);
    return receive(out);
}

Status RenditionEncoder::flush(const PacketFn& out)
{
    int err = avcodec_send_frame(ctx_.get(), nullptr);
    if (err < 0 && err != AVERROR_EOF) return av_error(name_, err);
    return receive(out);
}

Status RenditionEncoder::receive(const PacketFn& out)
{
    for (;;) {
        int err = avcodec_receive_packet(ctx_.get(), packet_.get());
        if (err == AVERROR(EAGAIN) || err == AVERROR_EOF) return {};
        if (err < 0) return av_error(name_, err);
        Packet p;
        auto it = in_flight_.find(packet_->pts);
        if (it != in_flight_.end()) {
            p.pts_ms = it->second;
            in_flight_.erase(it);
        } else {
            p.pts_ms = packet_->pts - shift_;
        }
        p.keyframe = packet_->flags & AV_PKT_FLAG_KEY;
        p.data = annexb_to_avcc({packet_->data, size_t(packet_->size)});
        av_packet_unref(packet_.get());
        if (!p.data.empty()) out(std::move(p));
    }
}

}  // namespace fanout::transcode
