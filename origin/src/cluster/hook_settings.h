// cluster/hook_settings.h — an application's webhook URL, Ant Media's
// per-application `listenerHookURL`, kept in the stored app settings
// document (transcode/app_settings.h) with origin.properties'
// `listenerHookURL` as the default.
//
// In the document: absent, the default; a string, that URL ("" turns the
// application's webhooks off).  A PUT with null goes back to the default.
// A publish reads the document once, so a change applies to the next
// publish, and that session's started and ended events both go where the
// publish read.  Pure functions: callers do the store calls.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace fanout::cluster {

inline constexpr std::string_view kListenerHookUrl = "listenerHookURL";

// What a URL must be: core/config.h check_hook_url (the same rule as
// origin.properties').

// The URL the next publish of the application posts to: the stored
// document's (JSON text, "" for none) over `default_url`.
Result<std::string> effective_hook_url(const std::string& default_url,
                                       std::string_view stored_json);

// A PUT: body's listenerHookURL, when present, into `stored` (null
// removes it).  On error `stored` is unchanged.
Status apply_hook_put(nlohmann::json& stored, const nlohmann::json& body);

}  // namespace fanout::cluster
