// media/avc.h — H.264 configuration: the AVCDecoderConfigurationRecord
// (ISO/IEC 14496-15 5.3.3.1) an FLV sequence header carries, and enough of
// its first SPS (ITU-T H.264 7.3.2.1.1) to know the picture size.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/error.h"
#include "media/frame.h"

namespace fanout::media {

struct AvcSps {
    int profile_idc = 0;
    int constraint_flags = 0;
    int level_idc = 0;
    int chroma_format_idc = 1;
    int width = 0;  // after frame cropping
    int height = 0;
};

// nal: one SPS NAL unit including its 1-byte header, emulation prevention
// still in.
Result<AvcSps> parse_avc_sps(std::span<const uint8_t> nal);

struct AvcRecord {
    uint8_t profile = 0;
    uint8_t compatibility = 0;
    uint8_t level = 0;
    int nal_length_size = 4;  // 1, 2 or 4
    std::vector<std::span<const uint8_t>> sps;  // views into the record
    std::vector<std::span<const uint8_t>> pps;
};

// Validates every length in the record; needs at least one SPS and PPS.
Result<AvcRecord> parse_avcc(std::span<const uint8_t> record);

// "avc1.PPCCLL", lower-case hex (RFC 6381).
std::string avc_codec_string(uint8_t profile, uint8_t compatibility,
                             uint8_t level);

// What a sequence header becomes: the config, with the record rewritten to
// declare 4-byte NAL lengths (frames are normalised to match), plus the
// length size the publisher's frames actually use.
struct ParsedVideoConfig {
    VideoConfig config;
    int nal_length_size = 4;
};

Result<ParsedVideoConfig> avc_video_config(std::span<const uint8_t> record);

}  // namespace fanout::media
