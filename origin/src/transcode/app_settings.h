// transcode/app_settings.h — an application's ladder settings as the
// cluster store keeps them, and the ladder a publish gets from them.
//
// The store holds one JSON object per application (fo_app_settings_put/
// get, < 2 KiB), with only the keys a user set through
// PUT /rest/v2/applications/settings/{app}, each in canonical form:
//   {"encoderSettingsString":"[{\"height\":360,...}]","gopSize":0, ...}
// A key that is absent takes origin.properties' value (Config::ladder), so
// a changed default reaches every application that did not override it.
// Pure functions: the REST handler and the publish path do the store
// calls (on the REST worker lane, never the event loop).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config.h"
#include "core/error.h"
#include "transcode/ladder.h"

namespace fanout::transcode {

// The stored document (its text; "" when the store has none: an empty
// object), or the error "stored app settings: must be a JSON object".
// Every module that keeps keys in it (the ladder's here, the token
// controls', listenerHookURL, hlsTime) reads it through this.
Result<nlohmann::json> parse_stored_settings(std::string_view stored_json);

// A PUT's value for an origin-wide key whose value a GET shows as
// `current`: accepted when it is that (a number, or the string Ant Media
// writes); else "<key>: is origin-wide (origin.properties <setting>); it
// cannot be changed per application".
Status check_sent_back(std::string_view key, const nlohmann::json& v,
                       const std::string& current, const std::string& setting);

// One key of the stored document: null when the document is empty, lacks
// the key or holds null there (the key then takes its default).
Result<nlohmann::json> stored_setting(std::string_view stored_json,
                                      std::string_view key);

// The keys, with Ant Media's names.
inline constexpr std::string_view kEncoderSettingsString =
    "encoderSettingsString";
inline constexpr std::string_view kEncoderSettings = "encoderSettings";
inline constexpr std::string_view kEncoderPreset = "encoderPreset";
inline constexpr std::string_view kGopSize = "gopSize";
inline constexpr std::string_view kEncoderThreads = "encoderThreads";
inline constexpr std::string_view kEncoderSelectionPreference =
    "encoderSelectionPreference";

// The ladder for the next publish of an application: the stored document
// (text; "" when the store has none) over `defaults` (origin.properties).
// An error names the stored key that is bad: the caller logs it and
// decides (the publish path: passthrough with the defaults, say).
Result<Ladder> effective_ladder(const Ladder& defaults,
                                std::string_view stored_json);
inline Result<Ladder> effective_ladder(const Config& config,
                                       std::string_view stored_json)
{
    return effective_ladder(config.ladder, stored_json);
}

// What a PUT does: the keys of `body` (a JSON object text) over the
// stored document.  Keys present are changed; others keep their stored
// value.  encoderSettings (Ant Media's REST list) and
// encoderSettingsString (its text) both set the ladder; when both are
// given they must agree.  hlsListSize and hlsSegmentType are
// origin-wide (origin.properties: the segment store's window and
// format are the process's): accepted only when equal to the origin's value (so a GET body
// can be sent back), else an error.  Other keys are ignored (Ant Media's
// full AppSettings has ~200) and listed; the token controls'
// (auth/token_settings.h), listenerHookURL (cluster/hook_settings.h) and
// hlsTime (package/hls_time_setting.h) are applied by their own modules.
// On error nothing changes; the message starts with the field's name.
struct SettingsPut {
    nlohmann::json stored;  // the new document to store
    Ladder effective;  // what the next publish gets
    std::vector<std::string> ignored;  // unknown keys of the body
};
Result<SettingsPut> apply_settings_put(const Config& config,
                                       std::string_view stored_json,
                                       std::string_view body);

// GET's answer: Ant Media's AppSettings fields the origin knows, effective
// values (stored over origin.properties):
//   appName, encoderSettings (the list), encoderSettingsString (its JSON
//   text, "" when empty), encoderPreset, gopSize, encoderThreads,
//   encoderSelectionPreference, hlsListSize, hlsSegmentType (the REST
//   handler adds the other modules' keys: hlsTime, the token controls,
//   listenerHookURL).
nlohmann::json settings_to_json(const std::string& app, const Config& config,
                                const Ladder& effective);

}  // namespace fanout::transcode
