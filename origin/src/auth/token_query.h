// auth/token_query.h — the `token` parameter of a publish's query string,
// as RTMP carries it: "rtmp://host/LiveApp/cam1?token=abc" puts
// "token=abc" after the stream name, "rtmp://host/LiveApp?token=abc" after
// the app (ingest/rtmp/session.cc splits them off).  Pure, over bytes:
// unit-tested and fuzzed (tests/fuzz/token_query_fuzz.cc).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace fanout::auth {

// Longer than any token Fanout or Ant Media issues (a JWT with the claims
// it needs is ~200 bytes), short enough to bound what a refusal costs.
inline constexpr size_t kMaxTokenBytes = 2048;

enum class TokenFound {
    Missing,  // no `token` parameter, or an empty one
    Malformed,  // given twice, a bad %-escape, a byte outside 0x21-0x7e
    // once decoded, or longer than kMaxTokenBytes
    Present,
};

struct TokenParam {
    TokenFound found = TokenFound::Missing;
    std::string value;  // Present: the decoded token (a secret: never log)
};

// Parameters are separated by '&' (';' is not a separator); a name is
// compared as sent ("Token" is another parameter); %XX escapes are decoded
// in the value; '+' stays '+' (no token alphabet has a space).
TokenParam find_token(std::string_view query);

}  // namespace fanout::auth
