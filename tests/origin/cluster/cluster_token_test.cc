// tests/origin/cluster/cluster_token_test.cc — the ClusterAuthorization
// JWT: sign and verify, and every way a token must fail (wrong key,
// expired, too long-lived, alg none, bad base64, truncated, no exp).
#include "cluster/cluster_token.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace fanout::cluster {
namespace {

const std::string kKey = "0123456789abcdef0123456789abcdef";
constexpr int64_t kNow = 1700000000;

std::string b64(std::string_view s)
{
    return jwt::base64url_encode(s);
}

// HMAC-SHA256 of input under kKey, base64url: a signature made apart from
// the code under test.
std::string mac(std::string_view input)
{
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), kKey.data(), static_cast<int>(kKey.size()),
         reinterpret_cast<const unsigned char*>(input.data()), input.size(),
         out, &len);
    return b64(std::string(reinterpret_cast<const char*>(out), len));
}

TEST(ClusterToken, SignedTokensVerify)
{
    std::string t = sign_cluster_token(kKey, kNow);
    EXPECT_TRUE(verify_cluster_token(kKey, t, kNow));
    EXPECT_TRUE(verify_cluster_token(kKey, t, kNow + kTokenLifeS - 1));
    // The header is the fixed HS256 one.
    EXPECT_EQ(t.substr(0, t.find('.')), b64(R"({"alg":"HS256","typ":"JWT"})"));
}

TEST(ClusterToken, AnIndependentlySignedTokenVerifies)
{
    std::string input = b64(R"({"typ":"JWT","alg":"HS256"})") + "."
                        + b64(R"({"exp":1700000030,"sub":"x"})");
    EXPECT_TRUE(verify_cluster_token(kKey, input + "." + mac(input), kNow));
}

TEST(ClusterToken, WrongKeyAndNoKey)
{
    std::string t = sign_cluster_token(kKey, kNow);
    Status st = verify_cluster_token("another-key-0123456789", t, kNow);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().message(), "bad signature");
    EXPECT_FALSE(verify_cluster_token("", t, kNow));
}

TEST(ClusterToken, ExpiredAndTooLongLived)
{
    std::string t = sign_cluster_token(kKey, kNow);
    Status st =
        verify_cluster_token(kKey, t, kNow + kTokenLifeS + kClockLeewayS);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().message(), "token expired");
    std::string forever = sign_cluster_token(kKey, kNow, 3600);
    st = verify_cluster_token(kKey, forever, kNow);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().message(), "token lives too long");
}

TEST(ClusterToken, AlgNoneIsRefused)
{
    std::string t = sign_cluster_token(kKey, kNow);
    std::string payload = t.substr(t.find('.') + 1);
    payload = payload.substr(0, payload.find('.'));
    std::string none = b64(R"({"alg":"none","typ":"JWT"})") + "." + payload;
    EXPECT_FALSE(verify_cluster_token(kKey, none + ".", kNow));
    EXPECT_FALSE(verify_cluster_token(kKey, none, kNow));
    // alg none with the real signature still fails on alg.
    std::string sig = t.substr(t.rfind('.'));
    Status st = verify_cluster_token(kKey, none + sig, kNow);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().message(), "alg must be HS256");
}

TEST(ClusterToken, BadBase64TruncatedAndGarbage)
{
    std::string t = sign_cluster_token(kKey, kNow);
    EXPECT_FALSE(verify_cluster_token(kKey, "", kNow));
    EXPECT_FALSE(verify_cluster_token(kKey, "a.b", kNow));
    EXPECT_FALSE(verify_cluster_token(kKey, "a.b.c.d", kNow));
    EXPECT_FALSE(verify_cluster_token(kKey, t.substr(0, t.size() - 1), kNow));
    EXPECT_FALSE(verify_cluster_token(kKey, t.substr(0, t.rfind('.')), kNow));
    std::string bad = t;
    bad[bad.find('.') + 2] = '*';  // outside the alphabet, in the payload
    EXPECT_FALSE(verify_cluster_token(kKey, bad, kNow));
    std::string flipped = t;
    flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
    EXPECT_FALSE(verify_cluster_token(kKey, flipped, kNow));
    EXPECT_FALSE(verify_cluster_token(kKey, std::string(5000, 'a'), kNow));
}

TEST(ClusterToken, PayloadWithoutExpIsRefused)
{
    // Correctly signed tokens whose payload has no integer exp.
    for (const char* payload :
         {R"({"iat":1})", R"({"exp":"soon"})", R"({"exp":1.5e9})", "[]"}) {
        std::string input =
            b64(R"({"alg":"HS256","typ":"JWT"})") + "." + b64(payload);
        Status st = verify_cluster_token(kKey, input + "." + mac(input), kNow);
        ASSERT_FALSE(st) << payload;
        EXPECT_NE(st.error().message(), "bad signature") << payload;
    }
}

}  // namespace
}  // namespace fanout::cluster
