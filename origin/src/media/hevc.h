// media/hevc.h — H.265 configuration for Enhanced RTMP: the
// HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 8.3.3.1) and enough of
// its SPS (ITU-T H.265 7.3.2.2) to know the picture size.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "core/error.h"
#include "media/avc.h"  // ParsedVideoConfig

namespace fanout::media {

struct HevcSps {
    int chroma_format_idc = 1;
    int width = 0;  // after the conformance window
    int height = 0;
};

// nal: one SPS NAL unit including its 2-byte header.
Result<HevcSps> parse_hevc_sps(std::span<const uint8_t> nal);

struct HevcRecord {
    int profile_space = 0;
    bool tier = false;
    int profile_idc = 0;
    uint32_t compatibility = 0;
    uint8_t constraints[6] = {};
    int level_idc = 0;
    int nal_length_size = 4;
    std::span<const uint8_t> sps;  // the first SPS, a view into the record
};

Result<HevcRecord> parse_hvcc(std::span<const uint8_t> record);

// ISO/IEC 14496-15 Annex E, e.g. "hvc1.1.6.L93.B0".
std::string hevc_codec_string(const HevcRecord& rec);

// The record rewritten to declare 4-byte NAL lengths, plus the length size
// the publisher's frames use.
Result<ParsedVideoConfig> hevc_video_config(std::span<const uint8_t> record);

}  // namespace fanout::media
