// package/codec_info.h — what packaging needs to know about codec config
// records: AudioSpecificConfig fields (timescale, frame length, ADTS), the
// parameter sets inside avcC/hvcC (Annex B for MPEG-TS), RFC 6381 codec
// strings when ingest did not fill them.  Pure functions over bytes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"
#include "media/frame.h"

namespace fanout::package {

struct AscInfo {
    int object_type = 0;  // 2 = AAC-LC; 5/29 = SBR/PS (HE-AAC)
    int base_object_type = 0;  // the core codec (2 for HE-AAC)
    int sample_rate = 0;  // core sampling rate, Hz
    int sampling_index = 0;  // 0..12, or 15 when explicit
    int output_rate = 0;  // with SBR: the doubled rate
    int channels = 0;  // channelConfiguration
    int frame_length = 1024;  // 960 with frameLengthFlag
};

// Parses an AudioSpecificConfig (ISO/IEC 14496-3 1.6.2.1).
Result<AscInfo> parse_asc(const std::vector<uint8_t>& asc);

// The 7-byte ADTS header for one AU of `payload_size` bytes.
std::vector<uint8_t> adts_header(const AscInfo& info, size_t payload_size);

// Audio track timescale (Hz) and AU duration in it.
uint32_t audio_timescale(const media::AudioConfig& config);
uint32_t audio_frame_duration(const media::AudioConfig& config);

struct ParameterSets {
    int nal_length_size = 4;  // bytes per NAL length prefix
    std::vector<std::vector<uint8_t>> nals;  // VPS/SPS/PPS in record order
};

// Parameter sets of an avcC or hvcC record.
Result<ParameterSets> parameter_sets(const media::VideoConfig& config);

// RFC 6381 codec strings; config.codec_string when ingest filled it.
std::string video_codec_string(const media::VideoConfig& config);
std::string audio_codec_string(const media::AudioConfig& config);

}  // namespace fanout::package
