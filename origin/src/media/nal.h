// media/nal.h — length-prefixed NAL unit framing shared by AVC (avcC) and
// HEVC (hvcC) payloads.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/error.h"

namespace fanout::media {

// NAL unit payload → RBSP: drops the emulation-prevention 0x03 of every
// 0x00 0x00 0x03 sequence.
std::vector<uint8_t> nal_to_rbsp(std::span<const uint8_t> nal);

// Checks that `data` is a sequence of NAL units each prefixed by a
// `length_size`-byte (1, 2 or 4) big-endian length that exactly covers
// `data`, and returns it with 4-byte prefixes (frame.h's AVCC form).
// Zero-length units are dropped: they carry nothing and confuse decoders.
Result<std::vector<uint8_t>> normalize_nal_lengths(
    std::span<const uint8_t> data, int length_size);

// The same checks, without building anything: true when `data` is already
// what normalize_nal_lengths would return (4-byte lengths, no empty
// units) — what every encoder we know sends — so it can be used in place.
// Errors are normalize_nal_lengths's.
Result<bool> nal_lengths_normalized(std::span<const uint8_t> data,
                                    int length_size);

}  // namespace fanout::media
