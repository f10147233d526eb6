// transcode/ladder_settings.h — Ant Media's ladder settings, read and
// checked: pure functions over text and JSON values, no I/O.
//
// The settings (names as Ant Media's; README "Adaptive bitrate settings"):
//   encoderSettingsString       the ladder: a JSON list
//       [{"height":720,"videoBitrate":2500000,"audioBitrate":128000,
//         "forceEncode":false}, ...]
//     or Ant Media's older CSV triples "480,300000,96000,360,200000,64000"
//     (height,videoBitrate,audioBitrate; forceEncode false).  Empty or
//     whitespace: no rendition, passthrough only.
//   encoderPreset               an x264 preset, ultrafast .. placebo
//   gopSize                     0 = follow the source, else keyframes on
//                               the hlsTime grid; 0 .. kMaxGopSize
//   encoderThreads              0 = libx264 chooses; 0 .. kMaxThreads
//   encoderSelectionPreference  cpu | gpu_and_cpu
//
// Every error names the field as a user wrote it, e.g.
// "encoderSettingsString[1].height: must be a positive even number <= 4096".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "transcode/ladder.h"

namespace fanout::transcode {

// Bounds the settings parser enforces (the transcoder's budget and the
// store's 2 KiB settings document both rely on them).
inline constexpr size_t kMaxRenditions = 16;
inline constexpr int kMaxGopSize = 1000;  // frames, Ant Media's unit
inline constexpr int kMaxThreads = 64;
// A rendition whose width from the source's aspect would exceed this is
// skipped (an absurd aspect, or a forced upscale of a very wide source).
inline constexpr int kMaxWidth = 8192;

// encoderSettingsString: the JSON list or the CSV form (see above).
// `field` names the setting in errors (encoderSettingsString, or the
// properties key).  Checks every entry (check_renditions).
Result<std::vector<RenditionSpec>> parse_encoder_settings(
    std::string_view text, std::string_view field = "encoderSettingsString");

// A JSON list of entries (Ant Media's REST field encoderSettings, or the
// parsed JSON form above).  Unknown keys of an entry are ignored; height
// and videoBitrate are required, audioBitrate (0 = share the source's
// AAC) and forceEncode (false) are optional.
Result<std::vector<RenditionSpec>> parse_encoder_settings_json(
    const nlohmann::json& list, std::string_view field);

// The ladder's rules over parsed entries: count, each height, each
// bitrate, no duplicate heights.
Status check_renditions(const std::vector<RenditionSpec>& renditions,
                        std::string_view field);

// The canonical text of a ladder: the JSON list, keys in Ant Media's order
// (height, videoBitrate, audioBitrate, forceEncode); "" when empty.
std::string encoder_settings_to_string(
    const std::vector<RenditionSpec>& renditions);
nlohmann::json encoder_settings_to_json(
    const std::vector<RenditionSpec>& renditions);

// The scalar settings, from text (properties) or a JSON value (REST).
// Errors are "<field>: ..." with the given field name.
Result<std::string> parse_encoder_preset(std::string_view text,
                                         std::string_view field);
Result<EncoderPreference> parse_encoder_preference(std::string_view text,
                                                   std::string_view field);
std::string_view preference_name(EncoderPreference p);
// An integer in [lo, hi], from properties text.
Result<int> parse_int_setting(std::string_view text, std::string_view field,
                              int lo, int hi);
// An integer in [lo, hi], from a JSON value (a JSON number without a
// fraction; strings, booleans and 2.5 are wrong types).
Result<int> json_int_setting(const nlohmann::json& v, std::string_view field,
                             int lo, int hi);

// The renditions a source of src_width x src_height gets from a ladder.
// A rendition above the source height is skipped unless forceEncode; one
// equal to the source height is kept (it is encoded at its own bitrate;
// the source itself stays the passthrough rendition).  Width follows the
// source's aspect, rounded to the nearest even number (at least 2).
// kept is sorted by height, highest first.
struct SkippedRendition {
    RenditionSpec spec;
    std::string reason;  // for the log line, e.g. "above the source's 720p"
};
struct RenditionSelection {
    std::vector<Rendition> kept;
    std::vector<SkippedRendition> skipped;
};
RenditionSelection select_renditions(const Ladder& ladder, int src_width,
                                     int src_height);

// "{height}p{kbps}kbps", kbps = videoBitrate / 1000 (Ant Media's
// fileNameFormat %r%b), e.g. "360p800kbps".
std::string rendition_name(const RenditionSpec& spec);

// One line for the log: "skipped 1080p4000kbps (above the source's 720p)".
std::string describe_skipped(const std::vector<SkippedRendition>& skipped);

}  // namespace fanout::transcode
