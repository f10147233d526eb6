// package/hls_time_setting.h — an application's segment duration, Ant
// Media's per-application `hlsTime` (seconds), kept in the stored app
// settings document (transcode/app_settings.h) with origin.properties'
// `hlsTime` as the default.
//
// In the document: absent, the default; an integer 1..60.  A PUT takes a
// number or, as Ant Media's own console sends it, a string of digits, and
// stores the number; null goes back to the default.  A publish reads the
// document once (with its token controls), so a change applies to the next
// publish: its packager, its renditions' segment starts, its continuation
// after a takeover, its playlists' Cache-Control and the stalled-stream
// alert all use the value that publish read.  Pure functions: callers do
// the store calls.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace fanout::package {

inline constexpr std::string_view kHlsTime = "hlsTime";
inline constexpr int kMinHlsTimeS = 1;
inline constexpr int kMaxHlsTimeS = 60;  // origin.properties' range too

// The hlsTime (seconds) of the application's next publish: the stored
// document's (JSON text, "" for none) over `default_s`.
Result<int> effective_hls_time_s(int default_s, std::string_view stored_json);

// A PUT: body's hlsTime, when present, into `stored` (null removes it).
// On error `stored` is unchanged and the message starts with "hlsTime: ".
Status apply_hls_time_put(nlohmann::json& stored, const nlohmann::json& body);

}  // namespace fanout::package
