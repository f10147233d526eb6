// transcode/video_decoder.cc — see video_decoder.h.
#include "transcode/video_decoder.h"

#include <cstring>

#include "transcode/av_log.h"

namespace fanout::transcode {

VideoDecoder::VideoDecoder(CodecContextPtr ctx)
    : ctx_(std::move(ctx)),
      packet_(av_packet_alloc()),
      picture_(av_frame_alloc())
{
}

Result<std::unique_ptr<VideoDecoder>> VideoDecoder::open(
    const media::VideoConfig& config)
{
    const AVCodecID id = config.codec == media::Codec::HEVC ? AV_CODEC_ID_HEVC
                                                            : AV_CODEC_ID_H264;
    route_av_log();
    if (config.codec == media::Codec::AAC)
        return Error("video decoder: not a video codec");
    const AVCodec* codec = avcodec_find_decoder(id);
    if (!codec) return Error("video decoder: libavcodec has no decoder");
    CodecContextPtr ctx(avcodec_alloc_context3(codec));
    if (!ctx) return Error("video decoder: out of memory");
    // The record (avcC/hvcC) tells the decoder the NAL length size and
    // carries the parameter sets.
    const size_t n = config.record.size();
    ctx->extradata =
        static_cast<uint8_t*>(av_mallocz(n + AV_INPUT_BUFFER_PADDING_SIZE));
    if (!ctx->extradata) return Error("video decoder: out of memory");
    if (n) std::memcpy(ctx->extradata, config.record.data(), n);
    ctx->extradata_size = static_cast<int>(n);
    ctx->pkt_timebase = AVRational{1, 1000};
    ctx->thread_count = 1;
    if (int err = avcodec_open2(ctx.get(), codec, nullptr); err < 0)
        return av_error("video decoder", err);
    return std::unique_ptr<VideoDecoder>(new VideoDecoder(std::move(ctx)));
}

Status VideoDecoder::receive(const PictureFn& out)
{
    for (;;) {
        int err = avcodec_receive_frame(ctx_.get(), picture_.get());
        if (err == AVERROR(EAGAIN) || err == AVERROR_EOF) return {};
        if (err < 0) return av_error("decode", err);
        // The pts we gave its packet, reordered with it: exact, also
        // across timestamp jumps (best_effort_timestamp guesses there).
        int64_t pts = picture_->pts;
        if (pts == AV_NOPTS_VALUE) pts = picture_->best_effort_timestamp;
        if (pts != AV_NOPTS_VALUE) out(*picture_, pts);
        av_frame_unref(picture_.get());
    }
}

Status VideoDecoder::decode(const media::Frame& frame, const PictureFn& out)
{
    const auto size = static_cast<int>(frame.data.size());
    if (int err = av_new_packet(packet_.get(), size); err < 0)
        return av_error("decode", err);
    if (size) std::memcpy(packet_->data, frame.data.data(), size);
    packet_->dts = frame.dts_ms;
    packet_->pts = frame.dts_ms + frame.cts_ms;
    if (frame.keyframe) packet_->flags |= AV_PKT_FLAG_KEY;
    int err = avcodec_send_packet(ctx_.get(), packet_.get());
    av_packet_unref(packet_.get());
    Status received = receive(out);
    if (err < 0 && err != AVERROR(EAGAIN)) return av_error("decode", err);
    return received;
}

Status VideoDecoder::flush(const PictureFn& out)
{
    int err = avcodec_send_packet(ctx_.get(), nullptr);
    if (err < 0 && err != AVERROR_EOF) return av_error("decode flush", err);
    return receive(out);
}

}  // namespace fanout::transcode
