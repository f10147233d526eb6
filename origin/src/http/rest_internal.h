// http/rest_internal.h — what origins ask each other, apart from the
// public REST API (Fanout's own, no Ant Media counterpart):
//
//   GET /internal/v1/streams/{app}/{id}   ClusterAuthorization: <JWT>
//     200 {"app","streamId","live":bool,"sessionId":""|"<session>"}
//     Asked by an origin about to take a stream over (cluster/takeover.h).
//   POST /internal/v1/streams/{app}/{id}/stop   ClusterAuthorization: <JWT>
//     200 {"success":true} when this origin closed the stream's publisher,
//     {"success":false,"message":..} when it has none.  Sent by an origin
//     that received the REST stop (or DELETE) of a stream published here
//     (cluster/stream_stop.h).
//   Both: 401 without a valid token, and always when no
//   clusterCommunicationKey is configured.  Not behind remoteAllowedCIDR:
//   the token is the gate.  The LB never routes /internal/.
//
// Answered on the event loop from the origin's live publishes; no store
// call, no disk.
#pragma once

#include <string>
#include <vector>

#include "core/origin_context.h"
#include "http/handler.h"

namespace fanout::http {

// segs: the path segments after "/internal/v1/streams".  now_s: Unix
// seconds (the token's clock).
Response internal_stream(const OriginContext& ctx,
                         const std::vector<std::string>& segs,
                         const Request& req, int64_t now_s);

}  // namespace fanout::http
