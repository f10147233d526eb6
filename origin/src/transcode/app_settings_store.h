// transcode/app_settings_store.h — an application's settings document
// read from the cluster store, and the ladder its next publish gets.
//
// Blocking: a store call.  Run these on a BlockingPool lane (the REST
// lane, or the publish path's own), never on the event loop.
#pragma once

#include <string>

#include "core/config.h"
#include "core/error.h"
#include "fanout/store.h"
#include "transcode/ladder.h"

namespace fanout::transcode {

// The stored document of `app`: status FO_OK with its text, FO_NOT_FOUND
// with "" (nothing stored: every key takes origin.properties' value), or
// the store's failure in status and err.
struct StoredSettings {
    fo_status status = FO_OK;
    fo_error err{};
    std::string json;
};
StoredSettings read_app_settings(fo_store* store, const std::string& app);

// What the publish path calls when a stream of `app` starts: the stored
// settings over config's defaults (effective_ladder).  An error says
// whether the store failed or the stored document is bad; the caller logs
// it once and decides (e.g. publish with config.ladder).
Result<Ladder> load_effective_ladder(fo_store* store, const Config& config,
                                     const std::string& app);

}  // namespace fanout::transcode
