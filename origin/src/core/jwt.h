// core/jwt.h — JSON Web Tokens signed with HMAC-SHA256 (RFC 7519, JWS
// compact form, HS256 only): the one home of token parsing, checking and
// signing.  The cluster's ClusterAuthorization (cluster/cluster_token.h),
// the REST API's Authorization (http/rest_auth.h) and the stream tokens
// use it, each with its own key and rules.  Pure: no I/O, the caller
// passes the clock.
//
// A token is accepted when it is at most kMaxTokenBytes, has three
// base64url parts, its header is a JSON object whose alg is "HS256" (none,
// RS256, HS512... are refused) and that names no crit extension, its MAC
// matches (compared in constant time, before the payload is read), its
// payload is a JSON object nesting at most kMaxJsonDepth, and exp — when
// present, or always if the rules require it — is an integer not in the
// past by more than the leeway.  Keys and tokens are secrets: error
// reasons never quote them, and callers never log them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace fanout::jwt {

inline constexpr size_t kMaxTokenBytes = 4096;
inline constexpr int64_t kDefaultLeewayS = 5;  // clocks of two hosts differ

struct Rules {
    bool require_exp = false;  // RFC 7519: exp is optional unless required
    int64_t leeway_s = kDefaultLeewayS;
    // > 0: exp may be at most this far ahead of now (+ leeway), so that a
    // leaked token dies soon whatever its signer wrote.
    int64_t max_life_s = 0;
};

// The payload's claims (a JSON object), or why the token is refused: a
// short reason for logs and 403 bodies ("bad signature", "token
// expired").  An empty key refuses every token.
Result<nlohmann::json> verify(std::string_view key, std::string_view token,
                              int64_t now_s, const Rules& rules = {});

// header {"alg":"HS256","typ":"JWT"} . claims . HMAC.  claims must be a
// JSON object; key must not be empty.
std::string sign(std::string_view key, const nlohmann::json& claims);

// HMAC-SHA256 of data: the 32 raw bytes (also what signs webhooks,
// cluster/webhooks.h).
std::string hmac_sha256(std::string_view key, std::string_view data);

// Lower-case hex of bytes (webhook signatures, hash tokens, token ids).
std::string hex_encode(std::string_view bytes);

// RFC 4648 §5 without padding.  decode: false on a byte outside the
// alphabet, an impossible length or non-zero leftover bits (one encoding
// per byte string).
std::string base64url_encode(std::string_view bytes);
bool base64url_decode(std::string_view text, std::string* out);

}  // namespace fanout::jwt
