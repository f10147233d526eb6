// transcode/video_decoder.h — one stream's video decoder (libavcodec
// H.264 or HEVC): media::Frame in (AVCC, the config record as extradata),
// pictures out with their presentation time in ms.  Decoded once per
// stream; every rendition scales from the same pictures.
//
// Runs on the transcoder's worker thread, with one decoding thread (the
// caller's): 720p/1080p decoding is a small part of a ladder's cost, and
// frame threading would add a frame of delay per thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "core/error.h"
#include "media/frame.h"
#include "transcode/av_ptr.h"

namespace fanout::transcode {

class VideoDecoder {
public:
    // Called for each decoded picture; pts in ms (the frame's dts + cts).
    using PictureFn = std::function<void(const AVFrame& picture, int64_t pts)>;

    static Result<std::unique_ptr<VideoDecoder>> open(
        const media::VideoConfig& config);

    // One access unit.  A frame the decoder rejects (corrupt, or missing
    // its references after a drop) is an error for that frame only; the
    // decoder goes on with the next one.
    Status decode(const media::Frame& frame, const PictureFn& out);
    // The pictures still held for reordering.
    Status flush(const PictureFn& out);

    int width() const { return ctx_->width; }
    int height() const { return ctx_->height; }
    // From the SPS's timing info; {0, 1} when it has none.
    AVRational frame_rate() const { return ctx_->framerate; }

private:
    explicit VideoDecoder(CodecContextPtr ctx);
    Status receive(const PictureFn& out);

    CodecContextPtr ctx_;
    PacketPtr packet_;
    FramePtr picture_;
};

}  // namespace fanout::transcode
