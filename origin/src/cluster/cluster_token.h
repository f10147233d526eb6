// cluster/cluster_token.h — the ClusterAuthorization header between
// origins, as Ant Media Server's cluster nodes send it: a JWT (HS256)
// signed with the cluster's shared key (clusterCommunicationKey), the
// token itself as the header's value.  Pure: the caller passes the clock.
//
// A token is valid when core/jwt.h accepts it (HS256, MAC compared in
// constant time) and its payload carries an integer exp in the future and
// at most kMaxTokenLifeS ahead (a leaked token is useless within a
// minute).  Keys and tokens are secrets: never log them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/jwt.h"

namespace fanout::cluster {

inline constexpr const char* kClusterAuthHeader = "ClusterAuthorization";
inline constexpr int64_t kTokenLifeS = 30;  // what sign() gives
inline constexpr int64_t kMaxTokenLifeS = 60;  // what verify() accepts
inline constexpr int64_t kClockLeewayS = jwt::kDefaultLeewayS;

// A token valid from now_s (Unix seconds) for life_s.  key must not be
// empty.
std::string sign_cluster_token(std::string_view key, int64_t now_s,
                               int64_t life_s = kTokenLifeS);

// OK, or why not (for logs: the reason never quotes the token).  An empty
// key rejects every token.
Status verify_cluster_token(std::string_view key, std::string_view token,
                            int64_t now_s);

}  // namespace fanout::cluster
