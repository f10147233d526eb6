// transcode/rendition_encoder.h — one rendition's scaler and H.264
// encoder: decoded source pictures in, AVCC access units out.
//
// Encoder settings (the same for every rendition of a ladder):
//  - bitrate: the rendition's videoBitrate as the average, with a VBV of
//    maxrate = 1.2 × bitrate and bufsize = 2 × bitrate (about one 2 s
//    segment), so a segment's peak stays near the BANDWIDTH a master
//    playlist announces;
//  - no B-frames: output order is decode order, so every frame's dts is
//    its pts minus one constant (the transcoder's composition offset), an
//    IDR's dts is the source keyframe's, and audio interleaves by time
//    with no reordering delay.  CMAF allows B-frames; we trade ~5–10 %
//    efficiency for timing that cannot drift between renditions;
//  - no keyframes of the encoder's own choosing (x264: keyint=infinite,
//    scenecut=0; nvenc: no-scenecut): IDRs come only where the caller
//    forces them, i.e. at segment starts, so the rendition's segmenter
//    cuts exactly where the source's did (segment_rule.h);
//  - global header: the SPS/PPS come once, as the avcC of config().
//
// Encoders, by EncoderPreference: cpu → libx264; gpu_and_cpu → h264_nvenc,
// then h264_vaapi (on /dev/dri/renderD128), then libx264.  Whichever opens
// first is used; fallback_reason() says why the GPU ones did not.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "media/frame.h"
#include "transcode/av_ptr.h"
#include "transcode/ladder.h"

namespace fanout::transcode {

struct EncoderSetup {
    int width = 0;
    int height = 0;
    int64_t bitrate = 0;  // bit/s
    AVRational frame_rate{30, 1};  // the source's, for rate control and VUI
    std::string preset = "veryfast";  // x264 only
    int threads = 0;  // 0: the encoder chooses
    EncoderPreference preference = EncoderPreference::cpu;
};

// The encoder names tried, in order.
std::vector<std::string> encoder_candidates(EncoderPreference preference);

class RenditionEncoder {
public:
    // One encoded access unit: pts in ms, AVCC bytes.
    struct Packet {
        int64_t pts_ms = 0;
        bool keyframe = false;
        std::vector<uint8_t> data;
    };
    using PacketFn = std::function<void(Packet&& packet)>;

    static Result<std::unique_ptr<RenditionEncoder>> open(
        const EncoderSetup& setup);
    ~RenditionEncoder();

    // The avcC and what it says (size, codec string).
    const media::VideoConfig& config() const { return config_; }
    const std::string& encoder_name() const { return name_; }
    // Why no GPU encoder opened ("" when one did, or none was asked for).
    const std::string& fallback_reason() const { return fallback_; }

    // Scales and encodes one picture (pts in ms); an IDR when idr.
    // Packets come out through out, possibly later, with the pts their
    // picture came in with.  The encoder itself sees increasing times: a
    // source timestamp that goes back (or repeats) is moved past the last
    // one, and mapped back on the way out.
    Status encode(const AVFrame& picture, int64_t pts_ms, bool idr,
                  const PacketFn& out);
    Status flush(const PacketFn& out);

private:
    RenditionEncoder() = default;
    Status open_codec(const std::string& name, const EncoderSetup& s);
    Status receive(const PacketFn& out);
    Status scale(const AVFrame& picture);

    EncoderSetup setup_;
    std::string name_;
    std::string fallback_;
    CodecContextPtr ctx_;
    BufferPtr hw_device_;  // vaapi only
    SwsPtr sws_;
    FramePtr scaled_;  // what the scaler writes (yuv420p, or nv12: vaapi)
    FramePtr hw_frame_;  // vaapi: scaled_ uploaded
    PacketPtr packet_;
    media::VideoConfig config_;
    int64_t last_enc_pts_ = INT64_MIN;  // the encoder's time, increasing
    int64_t shift_ = 0;  // encoder time - source time, since the last jump
    std::map<int64_t, int64_t> in_flight_;  // encoder time → source pts
};

}  // namespace fanout::transcode
