// transcode/ladder.h — the adaptive ladder an application asks for, and
// the renditions a given source gets from it.
//
// The settings are Ant Media's (encoderSettingsString, encoderPreset,
// gopSize, encoderThreads, encoderSelectionPreference), kept per
// application in the cluster store's app settings, so every origin uses
// the same ladder; a change applies to the next publish.  This header is
// the one home of their shape: the settings parser (ladder_settings.h)
// produces a Ladder, the transcoder (transcoder.h) consumes the
// renditions that select_renditions() keeps for a source.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fanout::transcode {

// One entry of encoderSettingsString:
// {"height":720,"videoBitrate":2500000,"audioBitrate":128000,"forceEncode":false}
struct RenditionSpec {
    int height = 0;  // pixels, positive and even, <= kMaxHeight
    int64_t video_bitrate = 0;  // bit/s, 1 .. kMaxBitrate
    int64_t audio_bitrate =
        0;  // bit/s, 0 .. kMaxBitrate (0: share the source's AAC)
    bool force_encode = false;  // encode even when above the source height

    bool operator==(const RenditionSpec&) const = default;
};

inline constexpr int kMaxHeight = 4096;
inline constexpr int64_t kMaxBitrate = 100'000'000;  // 100 Mbit/s

enum class EncoderPreference { cpu, gpu_and_cpu };

struct Ladder {
    std::vector<RenditionSpec> renditions;  // empty: passthrough only
    std::string preset = "veryfast";  // encoderPreset (x264 preset)
    int gop_size =
        0;  // gopSize: 0 = follow the source, else keyframes every hlsTime
    int threads = 1;  // encoderThreads: 0 = libx264 chooses
    EncoderPreference preference =
        EncoderPreference::cpu;  // encoderSelectionPreference

    bool operator==(const Ladder&) const = default;
};

// A rendition chosen for a source: its size (width from the source's
// aspect, rounded to even) and its name in playlists, Ant Media's
// fileNameFormat %r%b: "{height}p{kbps}kbps", e.g. "360p800kbps".
struct Rendition {
    RenditionSpec spec;
    int width = 0;
    int height = 0;
    std::string name;

    bool operator==(const Rendition&) const = default;
};

}  // namespace fanout::transcode
