// cluster/takeover.h — may this origin take over a stream that the store
// says another alive origin owns?  It asks that owner (cluster/
// owner_probe.h); these pure functions read the answer and decide.
//
//   owner's answer                               decision
//   live, with the store's session              refuse: duplicate publisher
//   live with another session, not live         take over
//   connection refused, reset, timeout          take over (it is gone)
//   401/403 (keys differ), anything malformed   refuse, never take over on
//                                               a cluster we cannot trust
#pragma once

#include <string>
#include <string_view>

#include "core/stream_key.h"

namespace fanout::cluster {

// The internal endpoint that answers (http/router.cc):
//   GET /internal/v1/streams/{app}/{id}  with  ClusterAuthorization: <JWT>
//   200 {"app":..,"streamId":..,"live":true|false,"sessionId":".."|""}
inline constexpr std::string_view kInternalStreamsPath =
    "/internal/v1/streams/";

struct OwnerAnswer {
    enum class Kind {
        Live,  // a publisher is live there, with `session`
        NotLive,  // no live publisher of the stream there
        Unreachable,  // refused, reset, timed out, closed early
        Unauthorized,  // 401/403: the cluster keys differ
        Malformed,  // any other status or body
    };
    Kind kind = Kind::Malformed;
    std::string session;
    std::string detail;  // for the log line
};

// Pure: an answer of the internal endpoint about key.
OwnerAnswer parse_owner_answer(int status, std::string_view body,
                               const StreamKey& key);

// Pure: a whole HTTP/1.x response (read to its end).  Sets *status and
// *body; false when it is not one.  Content-Length, when present, must
// match the body; chunked bodies are not spoken here.
bool split_http_response(std::string_view bytes, int* status,
                         std::string* body);

enum class Takeover {
    TakeOver,
    RefuseDuplicate,  // the owner has a live publisher of that session
    RefuseUntrusted,  // the owner's answer cannot be trusted: misconfigured
};

// Pure.  store_session: the owning session as the store has it.
Takeover decide_takeover(const OwnerAnswer& answer,
                         std::string_view store_session);

const char* takeover_name(Takeover t);

}  // namespace fanout::cluster
