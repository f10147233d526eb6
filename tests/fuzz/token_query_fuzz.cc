// libFuzzer target: the publish token's query parser (auth/token_query.h)
// and the checks a token then goes through (auth/stream_token.h: the hash
// token and the JWT, whose parser is cluster/cluster_token.cc's).
//
//   tests/fuzz/run.sh token_query 60 build/fuzz
//
// Besides "no crash", it checks the parser's contract: a token it finds
// is 1 to kMaxTokenBytes printable bytes without blanks; the same query
// with its token parameter put first finds the same token; the bytes as a
// token never pass the hash or JWT check of a stream (a forgery would
// need the secret), while a token issued for that stream does.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "auth/stream_token.h"
#include "auth/token_query.h"

using namespace fanout::auth;

namespace {

void check(bool ok)
{
    if (!ok) {
        std::abort();
    }
}

const char kSecret[] = "fuzz-secret-0123456789abcdef-0123456789";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    std::string_view query(reinterpret_cast<const char*>(data), size);
    TokenParam t = find_token(query);
    if (t.found == TokenFound::Present) {
        check(!t.value.empty() && t.value.size() <= kMaxTokenBytes);
        for (unsigned char c : t.value) {
            check(c > 0x20 && c < 0x7f);
        }
    } else {
        check(t.value.empty());
    }
    // Another parameter before it changes nothing.
    TokenParam again = find_token("a=b&" + std::string(query));
    check(again.found == t.found && again.value == t.value);

    std::string_view token =
        t.found == TokenFound::Present ? std::string_view(t.value) : query;
    check(check_stream_jwt(kSecret, token, "cam1", "publish", 1000).check
          != TokenCheck::Ok);
    check(check_hash_token(kSecret, "cam1", "publish", token).check
          != TokenCheck::Ok);
    // A stream id (a valid one, as StreamKey makes them) from the input:
    // what is issued for it passes.
    std::string id = "s";
    for (unsigned char c : query.substr(0, 64)) {
        id += "abcdefghijklmnopqrstuvwxyz0123456789_-."[c % 39];
    }
    check(check_stream_jwt(kSecret,
                           issue_stream_jwt(kSecret, id, "publish", 2000), id,
                           "publish", 1000)
              .check
          == TokenCheck::Ok);
    return 0;
}
