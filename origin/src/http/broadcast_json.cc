#include "http/broadcast_json.h"

#include <cstring>

namespace fanout::http {

namespace {

using nlohmann::json;

// The store's create/update accept these (store.c valid_status).
bool known_status(std::string_view s)
{
    return s == FO_STATUS_CREATED || s == FO_STATUS_BROADCASTING
           || s == FO_STATUS_FINISHED || s == FO_STATUS_ERROR;
}

Status get_string(const json& v, const char* field,
                  std::optional<std::string>* out)
{
    if (v.is_null()) {
        return Status();
    }
    if (!v.is_string()) {
        return Error(std::string(field) + " must be a string");
    }
    const auto& s = v.get_ref<const std::string&>();
    if (s.find('\0') != std::string::npos) {
        return Error(std::string(field) + " must not contain NUL");
    }
    *out = s;
    return Status();
}

Status get_count(const json& v, const char* field, std::optional<int64_t>* out)
{
    if (v.is_null()) {
        return Status();
    }
    if (v.is_number_unsigned()) {
        uint64_t u = v.get<uint64_t>();
        if (u > uint64_t(INT64_MAX)) {
            return Error(std::string(field) + " is too large");
        }
        *out = int64_t(u);
        return Status();
    }
    if (v.is_number_integer() && v.get<int64_t>() >= 0) {
        *out = v.get<int64_t>();
        return Status();
    }
    return Error(std::string(field) + " must be a non-negative integer");
}

// Copies into a fixed-size record field; the store's strings are
// NUL-terminated arrays.
template <size_t N>
Status put(char (&dst)[N], const std::string& src, const char* field)
{
    if (src.size() >= N) {
        return Error(std::string(field) + " is longer than "
                     + std::to_string(N - 1) + " bytes");
    }
    std::memcpy(dst, src.c_str(), src.size() + 1);
    return Status();
}

Status put_extra(fo_broadcast* b, const json& extra)
{
    std::string text =
        extra.empty()
            ? std::string()
            : extra.dump(-1, ' ', false, json::error_handler_t::replace);
    return put(b->extra, text, "extra fields (as JSON)");
}

Status put_common(const BroadcastPatch& p, fo_broadcast* b, unsigned* mask)
{
    Status st;
    if (p.name && !(st = put(b->name, *p.name, "name"))) {
        return st;
    }
    if (p.name) {
        *mask |= FO_F_NAME;
    }
    if (p.status) {
        if (!known_status(*p.status)) {
            return Error(
                "status must be one of created, broadcasting,"
                " finished, error");
        }
        if (!(st = put(b->status, *p.status, "status"))) {
            return st;
        }
        *mask |= FO_F_STATUS;
    }
    if (p.type) {
        if (!(st = put(b->type, *p.type, "type"))) {
            return st;
        }
        *mask |= FO_F_TYPE;
    }
    if (p.publish_type) {
        if (!(st = put(b->publish_type, *p.publish_type, "publishType"))) {
            return st;
        }
        *mask |= FO_F_PUBLISH_TYPE;
    }
    if (p.bitrate) {
        b->bitrate = *p.bitrate;
        *mask |= FO_F_BITRATE;
    }
    if (p.hls_viewer_count) {
        b->hls_viewer_count = *p.hls_viewer_count;
        *mask |= FO_F_VIEWERS;
    }
    if (p.dash_viewer_count) {
        b->dash_viewer_count = *p.dash_viewer_count;
        *mask |= FO_F_VIEWERS;
    }
    return Status();
}

}  // namespace

Result<BroadcastPatch> parse_broadcast_patch(std::string_view body)
{
    BroadcastPatch p;
    size_t first = body.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) {
        return p;
    }
    json doc = json::parse(body, nullptr, false);
    if (doc.is_discarded()) {
        return Error("body is not valid JSON");
    }
    if (doc.is_null()) {
        return p;
    }
    if (!doc.is_object()) {
        return Error("body must be a JSON object");
    }
    Status st;
    for (auto& [key, value] : doc.items()) {
        if (key == "streamId") {
            st = get_string(value, "streamId", &p.stream_id);
        } else if (key == "name") {
            st = get_string(value, "name", &p.name);
        } else if (key == "status") {
            st = get_string(value, "status", &p.status);
        } else if (key == "type") {
            st = get_string(value, "type", &p.type);
        } else if (key == "publishType") {
            st = get_string(value, "publishType", &p.publish_type);
        } else if (key == "originAdress") {
            st = get_string(value, "originAdress", &p.origin_address);
        } else if (key == "bitrate") {
            st = get_count(value, "bitrate", &p.bitrate);
        } else if (key == "hlsViewerCount") {
            st = get_count(value, "hlsViewerCount", &p.hls_viewer_count);
        } else if (key == "dashViewerCount") {
            st = get_count(value, "dashViewerCount", &p.dash_viewer_count);
        } else if (key == "date" || key == "startTime" || key == "updateTime") {
            continue;  // the store's clock sets these
        } else {
            p.extra[key] = std::move(value);
        }
        if (!st) {
            return st.error();
        }
    }
    return p;
}

Status patch_to_new_broadcast(const BroadcastPatch& p, fo_broadcast* b)
{
    unsigned mask = 0;
    Status st = put_common(p, b, &mask);
    if (!st) {
        return st;
    }
    if (p.origin_address
        && !(st = put(b->origin_address, *p.origin_address, "originAdress"))) {
        return st;
    }
    json extra = json::object();
    for (const auto& [key, value] : p.extra.items()) {
        if (!value.is_null()) {
            extra[key] = value;
        }
    }
    return put_extra(b, extra);
}

Result<unsigned> patch_onto_broadcast(const BroadcastPatch& p,
                                      fo_broadcast* current)
{
    unsigned mask = 0;
    Status st = put_common(p, current, &mask);
    if (!st) {
        return st.error();
    }
    if (!p.extra.empty()) {
        json extra = json::parse(current->extra, nullptr, false);
        if (!extra.is_object()) {
            extra = json::object();  // "" or damaged: start afresh
        }
        for (const auto& [key, value] : p.extra.items()) {
            if (value.is_null()) {
                extra.erase(key);
            } else {
                extra[key] = value;
            }
        }
        if (!(st = put_extra(current, extra))) {
            return st.error();
        }
        mask |= FO_F_EXTRA;
    }
    return mask;
}

nlohmann::json broadcast_to_json(const fo_broadcast& b)
{
    json j = json::parse(b.extra, nullptr, false);
    if (!j.is_object()) {
        j = json::object();
    }
    j["streamId"] = b.stream_id;
    j["name"] = b.name;
    j["status"] = b.status;
    j["type"] = b.type;
    j["publishType"] = b.publish_type;
    j["originAdress"] = b.origin_address;
    j["date"] = b.date;
    j["startTime"] = b.start_time;
    j["updateTime"] = b.update_time;
    j["hlsViewerCount"] = b.hls_viewer_count;
    j["dashViewerCount"] = b.dash_viewer_count;
    j["bitrate"] = b.bitrate;
    // Live figures (app/live_figures.h): only while it broadcasts, so a
    // publish whose origin died leaves none behind.
    const bool live = std::strcmp(b.status, FO_STATUS_BROADCASTING) == 0;
    json renditions = json::parse(b.renditions, nullptr, false);
    j["speed"] = live ? b.speed : 0.0;
    j["renditions"] =
        live && renditions.is_array() ? renditions : json::array();
    return j;
}

nlohmann::json node_to_json(const fo_node& n)
{
    return json{
        {"id", n.id},
        {"ip", n.ip},
        {"status", n.alive ? "alive" : "dead"},
        {"lastUpdateTime", n.last_update_ms},
        // Ant Media's: the machine's CPU % and memory % (README, cluster).
        {"cpu", n.cpu},
        {"memory", n.mem_percent},
        {"processCpu", n.process_cpu},
        {"processMemory", n.process_rss},
        {"loadAverage", n.load1},
        {"replicationLagMs", n.repl_lag_ms},
        {"originOkTime", n.origin_ok_ms},
        {"originFailTime", n.origin_fail_ms},
        // bits/s the node's HTTP server sent over its last heartbeat period
        {"egressBitrate", n.egress_bps},
        {"role", n.role == FO_ROLE_EDGE ? "edge" : "origin"},
        {"nodeGroup", n.node_group},
        {"activeStreams", n.active_streams},
        {"viewers", n.viewers},
        {"dbQueryAverageTimeMs", n.db_query_avg_ms},
        {"httpPort", n.http_port},
        {"rtmpPort", n.rtmp_port},
    };
}

nlohmann::json session_to_json(const fo_session& s)
{
    return {{"sessionId", s.session_id},
            {"streamId", s.stream_id},
            {"nodeId", s.node_id},
            {"originAdress", s.origin_address},
            {"originPort", s.origin_http_port},
            {"startTime", s.start_time},
            {"endTime", s.end_time},
            {"endReason", s.end_reason}};
}

}  // namespace fanout::http
