// libFuzzer target: the HS256 JWT module (core/jwt.h) and the JSON depth
// scan it shares with the REST API (core/json_depth.h).
//
//   tests/fuzz/run.sh jwt 60 build/fuzz
//
// Besides "no crash", it checks the contract: an accepted input is
// within the size cap and its claims are an object; a token signed with
// the input's bytes as a claim verifies and gives the claims back (while
// it fits the cap); base64url round-trips.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/json_depth.h"
#include "core/jwt.h"

using namespace fanout;

namespace {

const std::string kKey = "fuzz-key-0123456789abcdef0123456789";
constexpr int64_t kNow = 1700000000;

void check(bool ok)
{
    if (!ok) {
        std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    std::string_view in(reinterpret_cast<const char*>(data), size);

    auto claims = jwt::verify(kKey, in, kNow);
    if (claims.ok()) {
        check(in.size() <= jwt::kMaxTokenBytes && claims->is_object());
    }
    jwt::Rules strict;
    strict.require_exp = true;
    strict.max_life_s = 60;
    (void)jwt::verify(kKey, in, kNow, strict);
    (void)json_too_deep(in);

    std::string decoded;
    if (jwt::base64url_decode(in, &decoded)) {
        check(jwt::base64url_encode(decoded) == in);
    }
    check(jwt::base64url_decode(jwt::base64url_encode(in), &decoded)
          && decoded == in);

    // Anything as a claim signs and verifies (while it fits the cap).
    nlohmann::json c = {{"sub", std::string(in)}, {"exp", kNow + 10}};
    std::string t = jwt::sign(kKey, c);
    auto back = jwt::verify(kKey, t, kNow);
    const auto text = [](const nlohmann::json& j) {
        return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    };
    check(t.size() > jwt::kMaxTokenBytes
          || (back.ok() && text(back.value()) == text(c)));
    return 0;
}
