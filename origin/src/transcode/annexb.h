// transcode/annexb.h — what an H.264 encoder writes (Annex B: start codes)
// turned into what media::Frame and VideoConfig carry (AVCC: 4-byte NAL
// lengths; the avcC record).  Pure functions over bytes.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/error.h"

namespace fanout::transcode {

// The NAL units of an Annex B byte stream (3- or 4-byte start codes),
// without their start codes; empty units are skipped.  Bytes before the
// first start code are not a unit.
std::vector<std::span<const uint8_t>> split_annexb(
    std::span<const uint8_t> data);

// An access unit as Frame::data wants it: each NAL unit behind its 4-byte
// big-endian length.  Parameter sets (SPS, PPS) and access unit delimiters
// are left out: they live in the avcC record.
std::vector<uint8_t> annexb_to_avcc(std::span<const uint8_t> data);

// An encoder's global header (Annex B SPS + PPS, libx264's and nvenc's
// extradata) as an AVCDecoderConfigurationRecord with 4-byte lengths.  A
// record already in avcC form (first byte 1) is returned as it is.
Result<std::vector<uint8_t>> avcc_from_annexb(std::span<const uint8_t> data);

}  // namespace fanout::transcode
