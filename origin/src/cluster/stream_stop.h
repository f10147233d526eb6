// cluster/stream_stop.h — stopping a stream's publisher wherever it is
// (Ant Media's POST /{app}/rest/v2/broadcasts/{id}/stop, issue #15).  The
// origin that answers the REST call closes the publisher itself when it
// holds it; otherwise it reads the owner from the store and forwards the
// stop to it over the internal endpoint (http/rest_internal.h), with the
// ClusterAuthorization token, as a takeover's probe does.  These pure
// functions decide where the stop goes and read the owner's answer.
//
// A stop only disconnects: as in Ant Media, the publisher may connect
// and publish again at once.
#pragma once

#include <string>
#include <string_view>

#include "cluster/cluster_call.h"
#include "core/stream_key.h"
#include "fanout/store.h"

namespace fanout::cluster {

// "/internal/v1/streams/{app}/{id}/stop" (POST).
std::string stop_path(const StreamKey& key);

// What a stop (REST's, or the internal endpoint's) answers: Ant Media's
// Result, {"success":..,"message":..}, with an HTTP status.
struct StopOutcome {
    int status = 200;
    bool success = false;
    std::string message;
};

enum class StopRoute {
    NotLive,  // not broadcasting, or its owner is dead: nothing to stop
    Forward,  // another alive origin holds it: ask it
    NoKey,  // another origin holds it, and no clusterCommunicationKey here
};

// Pure.  owner: fo_stream_lookup's answer; self_node: this origin's id
// (whose own live publishes were looked for before the store was asked,
// so a record naming it is stale).
StopRoute route_stop(const fo_origin& owner, std::string_view self_node,
                     bool have_cluster_key);

// Pure: the owner's answer to a forwarded stop, for the REST caller.
StopOutcome read_stop_answer(const CallAnswer& answer);

}  // namespace fanout::cluster
