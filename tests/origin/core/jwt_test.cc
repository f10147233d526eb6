// tests/origin/core/jwt_test.cc — the HS256 JWT module (core/jwt.h) with
// byte vectors: jwt.io's example token, tokens signed apart from
// the code under test, and every way a token must fail (expired,
// tampered, wrong alg, alg none, bad base64, bad JSON, too deep, huge).
#include "core/jwt.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/json_depth.h"

namespace fanout::jwt {
namespace {

using nlohmann::json;

const std::string kKey = "a-rest-secret-of-32-bytes-or-more!!";
constexpr int64_t kNow = 1700000000;

std::string b64(std::string_view s)
{
    return base64url_encode(s);
}

// HMAC-SHA256 under key, base64url: a signature made apart from jwt.cc.
std::string mac(std::string_view key, std::string_view input)
{
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(input.data()), input.size(),
         out, &len);
    return b64(std::string(reinterpret_cast<const char*>(out), len));
}

// A token with this header and payload text, correctly signed with kKey.
std::string forge(std::string_view header, std::string_view payload)
{
    std::string input = b64(header) + "." + b64(payload);
    return input + "." + mac(kKey, input);
}

std::string reason(const Result<json>& r)
{
    return r.ok() ? "accepted" : r.error().message();
}

TEST(Base64Url, KnownVectors)
{
    // RFC 4648 §10, unpadded, URL alphabet.
    EXPECT_EQ(b64(""), "");
    EXPECT_EQ(b64("f"), "Zg");
    EXPECT_EQ(b64("fo"), "Zm8");
    EXPECT_EQ(b64("foo"), "Zm9v");
    EXPECT_EQ(b64("foobar"), "Zm9vYmFy");
    EXPECT_EQ(b64(std::string("\xfb\xff", 2)), "-_8");
    std::string out;
    ASSERT_TRUE(base64url_decode("Zm9vYmE", &out));
    EXPECT_EQ(out, "fooba");
    EXPECT_FALSE(base64url_decode("Zm9v+A", &out));  // '+' is not URL-safe
    EXPECT_FALSE(base64url_decode("Zm9vY", &out));  // impossible length
    EXPECT_FALSE(base64url_decode("Zh", &out));  // non-zero leftover bits
    EXPECT_FALSE(base64url_decode("Zm9v=", &out));  // no padding here
}

TEST(Jwt, JwtIoExampleVerifies)
{
    // The example token of jwt.io (and of most JWT libraries' docs),
    // signed by others with "your-256-bit-secret"; it has no exp.
    const std::string token =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
        "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5"
        "MDIyfQ."
        "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
    auto claims = verify("your-256-bit-secret", token, kNow);
    ASSERT_TRUE(claims) << reason(claims);
    EXPECT_EQ(claims.value()["name"], "John Doe");
    EXPECT_EQ(claims.value()["iat"], 1516239022);
    EXPECT_EQ(reason(verify("your-256-bit-secreT", token, kNow)),
              "bad signature");
}

TEST(Jwt, SignThenVerifyGivesTheClaims)
{
    json claims = {{"sub", "admin"}, {"exp", kNow + 60}, {"n", {1, 2}}};
    std::string t = sign(kKey, claims);
    EXPECT_EQ(t.substr(0, t.find('.')), b64(R"({"alg":"HS256","typ":"JWT"})"));
    auto got = verify(kKey, t, kNow);
    ASSERT_TRUE(got) << reason(got);
    EXPECT_EQ(got.value(), claims);
    // An independently signed token verifies too.
    EXPECT_TRUE(verify(kKey, forge(R"({"alg":"HS256"})", "{}"), kNow));
}

TEST(Jwt, ExpIsOptionalButEnforcedWithLeeway)
{
    EXPECT_TRUE(verify(kKey, sign(kKey, json::object()), kNow));
    EXPECT_TRUE(verify(kKey, sign(kKey, {{"sub", "x"}}), kNow));
    Rules must;
    must.require_exp = true;
    EXPECT_EQ(reason(verify(kKey, sign(kKey, json::object()), kNow, must)),
              "exp missing");
    const std::string t = sign(kKey, {{"exp", kNow}});
    EXPECT_TRUE(verify(kKey, t, kNow));
    EXPECT_TRUE(verify(kKey, t, kNow + kDefaultLeewayS - 1));
    EXPECT_EQ(reason(verify(kKey, t, kNow + kDefaultLeewayS)), "token expired");
    EXPECT_EQ(reason(verify(kKey, sign(kKey, {{"exp", "soon"}}), kNow)),
              "exp must be an integer (Unix seconds)");
    EXPECT_FALSE(verify(kKey, sign(kKey, {{"exp", 1.7e9}}), kNow));
    // A huge unsigned exp is far in the future, not negative.
    EXPECT_TRUE(verify(
        kKey, forge(R"({"alg":"HS256"})", R"({"exp":18446744073709551615})"),
        kNow));
    Rules short_lived;
    short_lived.max_life_s = 60;
    EXPECT_EQ(reason(verify(kKey, sign(kKey, {{"exp", kNow + 3600}}), kNow,
                            short_lived)),
              "token lives too long");
}

TEST(Jwt, TamperedOrWrongKeyIsABadSignature)
{
    const std::string t = sign(kKey, {{"sub", "viewer"}});
    EXPECT_EQ(reason(verify("another-key", t, kNow)), "bad signature");
    // The payload swapped for another, the signature kept.
    std::string swapped = t.substr(0, t.find('.') + 1)
                          + b64(R"({"sub":"admin"})") + t.substr(t.rfind('.'));
    EXPECT_EQ(reason(verify(kKey, swapped, kNow)), "bad signature");
    std::string flipped = t;
    flipped[flipped.size() - 2] =
        flipped[flipped.size() - 2] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(verify(kKey, flipped, kNow));
    EXPECT_EQ(reason(verify("", t, kNow)), "no key configured");
}

TEST(Jwt, OnlyHs256IsAccepted)
{
    for (const char* header :
         {R"({"alg":"none"})", R"({"alg":"HS512"})", R"({"alg":"RS256"})",
          R"({"alg":"hs256"})", R"({"typ":"JWT"})", R"({"alg":null})",
          R"({"alg":["HS256"]})"}) {
        EXPECT_EQ(reason(verify(kKey, forge(header, "{}"), kNow)),
                  "alg must be HS256")
            << header;
    }
    // alg none with an empty signature, the classic forgery.
    std::string none = b64(R"({"alg":"none"})") + "." + b64(R"({"sub":"a"})");
    EXPECT_FALSE(verify(kKey, none + ".", kNow));
    EXPECT_FALSE(verify(kKey, none, kNow));
    EXPECT_EQ(
        reason(verify(kKey, forge(R"({"alg":"HS256","crit":["b64"]})", "{}"),
                      kNow)),
        "crit extensions are not supported");
}

TEST(Jwt, BadBase64BadJsonAndGarbage)
{
    const std::string t = sign(kKey, {{"sub", "x"}});
    for (const std::string& bad :
         {std::string(""), std::string("a.b"), std::string("a.b.c.d"),
          std::string(".."), t.substr(0, t.size() - 1),
          t.substr(0, t.rfind('.')), t + "="}) {
        EXPECT_FALSE(verify(kKey, bad, kNow)) << bad;
    }
    std::string star = t;
    star[2] = '*';  // outside the alphabet, in the header
    EXPECT_EQ(reason(verify(kKey, star, kNow)), "header is not base64url");
    EXPECT_EQ(reason(verify(kKey, forge("{not json", "{}"), kNow)),
              "header is not a JSON object");
    EXPECT_EQ(reason(verify(kKey, forge(R"({"alg":"HS256"})", "[1,2]"), kNow)),
              "payload is not a JSON object");
    EXPECT_EQ(
        reason(verify(kKey, forge(R"({"alg":"HS256"})", "{\"a\":"), kNow)),
        "payload is not a JSON object");
    std::string deep =
        "{\"a\":" + std::string(100, '[') + std::string(100, ']') + "}";
    EXPECT_EQ(reason(verify(kKey, forge(R"({"alg":"HS256"})", deep), kNow)),
              "payload nests too deep");
}

TEST(Jwt, HugeTokensAreRefusedBeforeAnyWork)
{
    std::string big = sign(kKey, {{"pad", std::string(kMaxTokenBytes, 'x')}});
    EXPECT_EQ(reason(verify(kKey, big, kNow)),
              "token larger than " + std::to_string(kMaxTokenBytes) + " bytes");
    EXPECT_FALSE(verify(kKey, std::string(1 << 20, 'a'), kNow));
}

TEST(JsonDepth, CountsBracketsOutsideStrings)
{
    EXPECT_FALSE(json_too_deep("{}", 1));
    EXPECT_TRUE(json_too_deep("{\"a\":[]}", 1));
    EXPECT_FALSE(json_too_deep("[1,[2],[3]]", 2));
    EXPECT_TRUE(json_too_deep("[[[", 2));  // invalid JSON: still counted
    // Brackets inside strings, escaped quotes included, do not count.
    EXPECT_FALSE(json_too_deep(R"({"a":"[[[[\"[[["})", 1));
    EXPECT_FALSE(json_too_deep(std::string(kMaxJsonDepth, '[')));
    EXPECT_TRUE(json_too_deep(std::string(kMaxJsonDepth + 1, '{')));
    EXPECT_FALSE(json_too_deep("]]]]{}", 1));  // unbalanced closers
}

}  // namespace
}  // namespace fanout::jwt
