// auth/stream_token.h — Ant Media's stream tokens that need no store: the
// hash token and the JWT.  Pure: the caller passes the clock.  Tokens and
// secrets are never quoted in what these return.
//
//   hash (hashControlPublishEnabled): lower-case hex of
//        sha256(streamId + type + tokenHashSecret), type "publish";
//   JWT  (publishJwtControlEnabled): HS256 with jwtStreamSecretKey, claims
//        streamId, type and exp (Unix s), all three required.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace fanout::auth {

enum class TokenCheck {
    Ok,
    Invalid,  // wrong MAC or hash, another stream or type, not a token
    Expired,  // a JWT whose exp has passed
};

struct CheckResult {
    TokenCheck check = TokenCheck::Invalid;
    std::string why;  // for the log; never the token or the secret
    int64_t exp_s = 0;  // an Ok JWT's exp
};

std::string hash_token(std::string_view stream_id, std::string_view type,
                       std::string_view secret);

// Compared in constant time (CRYPTO_memcmp) over the 64 hex digits.
CheckResult check_hash_token(std::string_view secret,
                             std::string_view stream_id, std::string_view type,
                             std::string_view token);

std::string issue_stream_jwt(std::string_view secret,
                             std::string_view stream_id, std::string_view type,
                             int64_t exp_s);

// Valid: signature (HS256, constant time), streamId and type equal to
// what is published, exp an integer > now_s (no leeway: the issuer chose
// the expiry).
CheckResult check_stream_jwt(std::string_view secret, std::string_view token,
                             std::string_view stream_id, std::string_view type,
                             int64_t now_s);

}  // namespace fanout::auth
