// transcode/audio_encoder.h — the source's AAC re-encoded once per
// distinct audioBitrate of a ladder: one AAC decoder per stream, one
// encoder (libavcodec's native aac) per bitrate.  Renditions whose
// audioBitrate is 0 share the source's AAC instead (transcoder.h).
//
// Timing: each output AU has a 1024-sample frame's pts on the source's
// sample clock, starting at the source's first AU; the encoder's priming
// (1024 samples) shows as the first AU's pts being one AU early, within
// the one-frame A/V bound.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <vector>

extern "C" {
#include <libavutil/audio_fifo.h>
}

#include "core/error.h"
#include "media/frame.h"
#include "transcode/av_ptr.h"

namespace fanout::transcode {

// push()'s error code when the source's decoded audio is not what its ASC
// says (e.g. HE-AAC with implicit SBR decodes at twice the ASC's rate):
// the caller gives up re-encoding and shares the source's audio.
inline constexpr int kAudioMismatch = 1;

class AudioEncoder {
public:
    // One encoded AU for the renditions of one bitrate.
    using FrameFn = std::function<void(int64_t bitrate, media::Frame&& f)>;

    // bitrates: distinct, > 0.
    static Result<std::unique_ptr<AudioEncoder>> open(
        const media::AudioConfig& source, const std::vector<int64_t>& bitrates);
    ~AudioEncoder();

    // The AudioConfig (ASC) of the encoder for bitrate.
    const media::AudioConfig& config(int64_t bitrate) const;
    size_t encoders() const { return encoders_.size(); }

    // One source AU; a frame the decoder rejects is an error for it only.
    Status push(const media::Frame& frame, const FrameFn& out);
    Status flush(const FrameFn& out);

private:
    struct Encoder {
        CodecContextPtr ctx;
        media::AudioConfig config;
    };
    struct FifoFree {
        void operator()(AVAudioFifo* f) const { av_audio_fifo_free(f); }
    };

    AudioEncoder() = default;
    Status encode_ready(bool flushing, const FrameFn& out);
    Status receive(int64_t bitrate, Encoder& e, const FrameFn& out);

    CodecContextPtr decoder_;
    std::map<int64_t, Encoder> encoders_;
    std::unique_ptr<AVAudioFifo, FifoFree> fifo_;
    PacketPtr packet_;
    FramePtr decoded_, chunk_;
    int sample_rate_ = 0;
    int channels_ = 0;
    bool has_next_ = false;
    int64_t next_pts_ = 0;  // samples, the fifo's first sample
};

}  // namespace fanout::transcode
