// media/aac.h — the AudioSpecificConfig (ISO/IEC 14496-3 1.6.2.1) an FLV
// AAC sequence header carries.
#pragma once

#include <cstdint>
#include <span>

#include "core/error.h"
#include "media/frame.h"

namespace fanout::media {

struct AacConfig {
    int object_type = 0;  // 2 = AAC-LC, 5 = HE-AAC (SBR), 29 = HE-AACv2
    int sample_rate = 0;  // core sampling rate, Hz
    int channels = 0;
    int extension_sample_rate = 0;  // SBR output rate when signalled explicitly
};

// Reads object type (with the 31 escape), sampling frequency (index or an
// explicit 24-bit value), channel configuration and, for explicitly
// signalled SBR/PS, the extension rate and the underlying object type.
Result<AacConfig> parse_audio_specific_config(std::span<const uint8_t> asc);

// The config for the packager: codec string "mp4a.40.<aot>".
Result<AudioConfig> aac_audio_config(std::span<const uint8_t> asc);

}  // namespace fanout::media
