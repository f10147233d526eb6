// core/config_setters.h — what config.cc's key table is made of, shared
// with config_app_defaults.cc (the keys whose values are application
// settings' defaults: the ladder and the stream token controls).
// Internal to core/config*.cc.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "core/config.h"

namespace fanout {

// What one key does to the Config: check the value, store it.  Errors say
// what is wrong with the value; the caller names the key.
using Setter = std::function<Status(Config&, const std::string&)>;

// "true" or "false", as Ant Media writes its booleans.
Status parse_bool(const std::string& v, bool* out);

// Adds the application-settings defaults' keys (encoderSettingsString,
// gopSize, ..., publishTokenControlEnabled, jwtStreamSecretKey, ...).
void add_app_default_setters(std::map<std::string, Setter>& table);

}  // namespace fanout
