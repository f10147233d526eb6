#include "cluster/stream_stop.h"

#include <cstring>
#include <nlohmann/json.hpp>

#include "cluster/takeover.h"

namespace fanout::cluster {

std::string stop_path(const StreamKey& key)
{
    return std::string(kInternalStreamsPath) + key.app + "/" + key.id + "/stop";
}

StopRoute route_stop(const fo_origin& owner, std::string_view self_node,
                     bool have_cluster_key)
{
    if (std::strcmp(owner.status, FO_STATUS_BROADCASTING) != 0
        || !owner.node_alive || self_node == owner.node_id) {
        return StopRoute::NotLive;
    }
    return have_cluster_key ? StopRoute::Forward : StopRoute::NoKey;
}

StopOutcome read_stop_answer(const CallAnswer& a)
{
    if (a.kind == CallAnswer::Kind::Unreachable) {
        return {504, false, "the stream's origin did not answer: " + a.detail};
    }
    if (a.kind != CallAnswer::Kind::Answered) {
        return {502, false,
                "the stream's origin answered garbage: " + a.detail};
    }
    if (a.status == 401 || a.status == 403) {
        return {502, false,
                "the stream's origin refused this origin's cluster token "
                "(clusterCommunicationKey differs)"};
    }
    nlohmann::json j = nlohmann::json::parse(a.body, nullptr, false);
    if (a.status != 200 || !j.is_object() || !j.contains("success")
        || !j["success"].is_boolean()) {
        return {502, false,
                "the stream's origin answered " + std::to_string(a.status)};
    }
    std::string message;
    if (j.contains("message") && j["message"].is_string()) {
        message = j["message"].get<std::string>();
    }
    return {200, j["success"].get<bool>(), message};
}

}  // namespace fanout::cluster
