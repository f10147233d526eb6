// cluster/cluster_token.h — the ClusterAuthorization header between
// origins, as Ant Media Server's cluster nodes send it: a JWT (HS256)
// signed with the cluster's shared key (clusterCommunicationKey), the
// token itself as the header's value.  Pure: the caller passes the clock.
//
// A token is valid when its header says alg HS256, its signature matches
// (compared in constant time), and its payload carries an integer exp in
// the future and at most kMaxTokenLifeS ahead (a leaked token is useless
// within a minute).  Keys and tokens are secrets: never log them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace fanout::cluster {

inline constexpr const char* kClusterAuthHeader = "ClusterAuthorization";
inline constexpr int64_t kTokenLifeS = 30;  // what sign() gives
inline constexpr int64_t kMaxTokenLifeS = 60;  // what verify() accepts
inline constexpr int64_t kClockLeewayS = 5;  // origins' clocks may differ

// A token valid from now_s (Unix seconds) for life_s.  key must not be
// empty.
std::string sign_cluster_token(std::string_view key, int64_t now_s,
                               int64_t life_s = kTokenLifeS);

// OK, or why not (for logs: the reason never quotes the token).  An empty
// key rejects every token.
Status verify_cluster_token(std::string_view key, std::string_view token,
                            int64_t now_s);

// Generic HS256 JWTs, for the stream tokens (auth/stream_token.h): no
// claim policy here, the caller checks exp and the rest.  (Minimal, beside
// the cluster token's code it reuses; to be folded into a shared JWT
// module.)  key must not be empty.
std::string sign_hs256_jwt(std::string_view key, const nlohmann::json& claims);
// The claims (a JSON object) of a token whose header says alg HS256 and
// whose MAC matches, compared in constant time; else why not, never
// quoting the token.  An empty key rejects every token.
Result<nlohmann::json> verify_hs256_jwt(std::string_view key,
                                        std::string_view token);

// RFC 4648 §5 without padding.  decode: nullopt-like false on a byte
// outside the alphabet or an impossible length.
std::string base64url_encode(std::string_view bytes);
bool base64url_decode(std::string_view text, std::string* out);

}  // namespace fanout::cluster
