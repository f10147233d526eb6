// http/broadcast_json.h — Ant Media Server's JSON shapes for the store's
// records (Broadcast, ClusterNode), and request bodies turned into store
// records.  Pure: no store calls.
//
// Field names are Ant Media's, including its spelling "originAdress", so
// users' scripts keep working.  Fields the store has no column for
// (description, ...) live in the record's `extra` JSON object and are
// merged into the Broadcast on output.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "fanout/store.h"

namespace fanout::http {

// A Broadcast JSON body: every field optional; null means absent.
struct BroadcastPatch {
    std::optional<std::string> stream_id;
    std::optional<std::string> name;
    std::optional<std::string> status;
    std::optional<std::string> type;
    std::optional<std::string> publish_type;
    std::optional<std::string> origin_address;
    std::optional<int64_t> bitrate;
    std::optional<int64_t> hls_viewer_count;
    std::optional<int64_t> dash_viewer_count;
    // Other fields; a null value removes the field on update.
    nlohmann::json extra = nlohmann::json::object();
};

// Empty body and "null" are an empty patch.  Errors (a client's mistake:
// 400) say which field is wrong.  date, startTime and updateTime belong to
// the store and are ignored.
Result<BroadcastPatch> parse_broadcast_patch(std::string_view body);

// For fo_broadcast_create: fills *b (zeroed by the caller; app and stream
// id set by the caller).  Errors: a value too long for its field, an
// unknown status, extra fields over FO_EXTRA_MAX.
Status patch_to_new_broadcast(const BroadcastPatch& p, fo_broadcast* b);

// For fo_broadcast_update: applies the patch to the current record
// (extra fields merged, null removes) and returns the update mask.
// originAdress is ignored: the publishing origin owns it.
Result<unsigned> patch_onto_broadcast(const BroadcastPatch& p,
                                      fo_broadcast* current);

nlohmann::json broadcast_to_json(const fo_broadcast& b);
nlohmann::json node_to_json(const fo_node& n);
// One publish session of a stream's history (Fanout's own shape).
nlohmann::json session_to_json(const fo_session& s);

}  // namespace fanout::http
