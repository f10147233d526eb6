// media/frame.h — what flows from ingest to packaging: track configs and
// timestamped frames, already unwrapped to 64-bit milliseconds.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/shared_bytes.h"

namespace fanout::media {

enum class Codec : uint8_t { H264, HEVC, AAC };

struct VideoConfig {
    Codec codec = Codec::H264;
    // AVCDecoderConfigurationRecord (avcC) or HEVCDecoderConfigurationRecord
    // (hvcC), exactly as carried in the FLV sequence header.
    std::vector<uint8_t> record;
    int width = 0;  // from the SPS
    int height = 0;
    std::string codec_string;  // RFC 6381, e.g. "avc1.64001f"
};

struct AudioConfig {
    Codec codec = Codec::AAC;
    std::vector<uint8_t> asc;  // AudioSpecificConfig
    int sample_rate = 0;  // Hz
    int channels = 0;
    std::string codec_string;  // e.g. "mp4a.40.2"
};

struct Frame {
    bool video = false;
    bool keyframe = false;  // video IDR / random access point; audio: true
    int64_t dts_ms = 0;  // decode time, monotonic per stream (may jump)
    int32_t cts_ms = 0;  // composition offset: pts = dts + cts
    // Video: length-prefixed NAL units (4-byte big-endian lengths, AVCC).
    // Audio: one raw AAC access unit (no ADTS header).
    // Usually a slice of the RTMP message that carried it; shared, never
    // copied, by the segments that hold the frame.
    SharedBytes data;
    // When its last byte reached the host, as far as the reader knows (the
    // earliest moment it can have arrived).  Unset (epoch) when unknown.
    // Segment availability is timed from here.
    std::chrono::steady_clock::time_point received{};
};

// Receives one publish session's media, in order, on one thread at a time.
class StreamSink {
public:
    virtual ~StreamSink() = default;
    virtual void on_metadata(double /*bitrate_kbps*/) {}
    virtual void on_video_config(const VideoConfig& config) = 0;
    virtual void on_audio_config(const AudioConfig& config) = 0;
    virtual void on_frame(const Frame& frame) = 0;
    // The publisher left (unpublish, disconnect or error).  Called once.
    virtual void on_end() = 0;
};

}  // namespace fanout::media
