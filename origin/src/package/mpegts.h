// package/mpegts.h — MPEG-2 TS segments for HLS (version 3 playlists).
// Pure apart from the continuity counters, which the caller keeps across a
// stream's segments so that a player reading them back to back sees no
// CC errors.
#pragma once

#include <cstdint>
#include <string>

#include "package/media_segment.h"

namespace fanout::package {

constexpr uint16_t kPmtPid = 0x1000;
constexpr uint16_t kVideoPid = 0x100;
constexpr uint16_t kAudioPid = 0x101;
// PTS/DTS = output time + 1.4 s, PCR 0.7 s behind DTS (as ffmpeg does), so
// PCR never goes negative and decoders get their buffering margin.
constexpr int64_t kTsTimestampOffset = 126000;
constexpr int64_t kTsPcrDelay = 63000;

struct TsState {
    uint8_t pat_cc = 0, pmt_cc = 0, video_cc = 0, audio_cc = 0;
};

// PAT + PMT, then one PES per sample interleaved by decode time.  Video:
// AVCC → Annex B with an AUD per access unit and the parameter sets of
// the record before each keyframe that lacks them; PCR on the video PID.
// Audio: ADTS-framed AAC.
std::string write_ts_segment(const Segment& segment, TsState& state);

// CRC-32/MPEG-2 over PSI sections.
uint32_t crc32_mpeg2(const uint8_t* data, size_t size);

}  // namespace fanout::package
