// media/flv.h — FLV tag bodies as RTMP carries them (message type 9 video,
// 8 audio) → track configs and frames.  Legacy FLV (AVC codec id 7, the
// common HEVC extension id 12, AAC) and Enhanced RTMP (veovera v1/v2:
// IsExHeader, FourCC 'avc1'/'hvc1', SequenceStart / CodedFrames /
// CodedFramesX / SequenceEnd, ModEx prefixes skipped).
//
// Input is one whole message, so a short body is an Error, never
// NeedMoreData.
#pragma once

#include <cstdint>
#include <span>

#include "core/error.h"
#include "media/frame.h"

namespace fanout::media {

struct FlvMedia {
    enum class Kind : uint8_t {
        Nothing,  // a valid tag that carries no media (end of sequence,
        // command frame, empty packet, HDR metadata)
        VideoConfig,
        AudioConfig,
        Frame,
    };
    Kind kind = Kind::Nothing;
    Codec codec = Codec::H264;  // of the config or frame
    VideoConfig video_config;
    int nal_length_size = 4;  // with VideoConfig: what frames will use
    AudioConfig audio_config;
    // With Frame: dts_ms is left 0 — the caller owns the message timestamp.
    // Video data is normalised to 4-byte NAL lengths.
    Frame frame;
};

// nal_length_size: from the latest video sequence header (4 before one).
// owner: the buffer `body` lies in, if shared; the frame's data is then a
// slice of it whenever its bytes need no change (4-byte NAL lengths, the
// common case), and a copy otherwise or without an owner.
Result<FlvMedia> parse_flv_video(std::span<const uint8_t> body,
                                 int nal_length_size,
                                 const SharedBytes* owner = nullptr);
Result<FlvMedia> parse_flv_audio(std::span<const uint8_t> body,
                                 const SharedBytes* owner = nullptr);

const char* flv_video_codec_name(int codec_id);
const char* flv_audio_codec_name(int sound_format);

}  // namespace fanout::media
