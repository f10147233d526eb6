// Ant Media's hash token and stream JWT: known answers, and every way a
// token can be wrong.
#include "auth/stream_token.h"

#include <gtest/gtest.h>

#include <string>

#include "core/jwt.h"

namespace fanout::auth {
namespace {

const std::string kHashSecret = "hash-secret-0123456789";
const std::string kJwtSecret = "jwt-secret-0123456789abcdef-0123456789";

TEST(HashToken, IsHexSha256OfStreamTypeAndSecret)
{
    // printf 'cam1publishhash-secret-0123456789' | sha256sum
    EXPECT_EQ(
        hash_token("cam1", "publish", kHashSecret),
        "758b42b6dbed2be46efc890fa7c4ba5d3dd4368638e52f1a424d7f13dc621e96");
    EXPECT_EQ(
        hash_token("", "", ""),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(HashToken, ChecksStreamTypeAndSecret)
{
    std::string good = hash_token("cam1", "publish", kHashSecret);
    EXPECT_EQ(check_hash_token(kHashSecret, "cam1", "publish", good).check,
              TokenCheck::Ok);
    EXPECT_EQ(check_hash_token(kHashSecret, "cam2", "publish", good).check,
              TokenCheck::Invalid);
    EXPECT_EQ(check_hash_token(kHashSecret, "cam1", "play", good).check,
              TokenCheck::Invalid);
    std::string tampered = good;
    tampered[10] = tampered[10] == '0' ? '1' : '0';
    EXPECT_EQ(check_hash_token(kHashSecret, "cam1", "publish", tampered).check,
              TokenCheck::Invalid);
    EXPECT_EQ(
        check_hash_token(kHashSecret, "cam1", "publish", good + "0").check,
        TokenCheck::Invalid);
    EXPECT_EQ(check_hash_token("", "cam1", "publish", good).check,
              TokenCheck::Invalid);
    // The reason never quotes the token or the secret.
    auto r = check_hash_token(kHashSecret, "cam1", "publish", tampered);
    EXPECT_EQ(r.why.find(tampered), std::string::npos);
    EXPECT_EQ(r.why.find(kHashSecret), std::string::npos);
}

TEST(StreamJwt, IssuedTokenPassesUntilItsExp)
{
    std::string t = issue_stream_jwt(kJwtSecret, "cam1", "publish", 1000);
    EXPECT_EQ(check_stream_jwt(kJwtSecret, t, "cam1", "publish", 999).check,
              TokenCheck::Ok);
    EXPECT_EQ(check_stream_jwt(kJwtSecret, t, "cam1", "publish", 1000).check,
              TokenCheck::Expired);
}

TEST(StreamJwt, WrongStreamTypeKeyOrShape)
{
    std::string t = issue_stream_jwt(kJwtSecret, "cam1", "publish", 1000);
    EXPECT_EQ(check_stream_jwt(kJwtSecret, t, "cam2", "publish", 1).check,
              TokenCheck::Invalid);
    EXPECT_EQ(check_stream_jwt(kJwtSecret, t, "cam1", "play", 1).check,
              TokenCheck::Invalid);
    EXPECT_EQ(check_stream_jwt(kJwtSecret + "x", t, "cam1", "publish", 1).check,
              TokenCheck::Invalid);
    EXPECT_EQ(check_stream_jwt(kJwtSecret, "a.b", "cam1", "publish", 1).check,
              TokenCheck::Invalid);
    EXPECT_EQ(check_stream_jwt(kJwtSecret, "", "cam1", "publish", 1).check,
              TokenCheck::Invalid);
}

TEST(StreamJwt, TamperedPayloadOrAlgIsInvalid)
{
    std::string t = issue_stream_jwt(kJwtSecret, "cam1", "publish", 1000);
    size_t d1 = t.find('.'), d2 = t.rfind('.');
    std::string later = jwt::base64url_encode(
        R"({"streamId":"cam1","type":"publish","exp":999999})");
    std::string forged = t.substr(0, d1 + 1) + later + t.substr(d2);
    EXPECT_EQ(check_stream_jwt(kJwtSecret, forged, "cam1", "publish", 1).check,
              TokenCheck::Invalid);
    std::string none = jwt::base64url_encode(R"({"alg":"none"})") + "."
                       + t.substr(d1 + 1, d2 - d1 - 1) + ".";
    EXPECT_EQ(check_stream_jwt(kJwtSecret, none, "cam1", "publish", 1).check,
              TokenCheck::Invalid);
}

TEST(StreamJwt, ExpIsRequired)
{
    std::string t =
        jwt::sign(kJwtSecret, {{"streamId", "cam1"}, {"type", "publish"}});
    auto r = check_stream_jwt(kJwtSecret, t, "cam1", "publish", 1);
    EXPECT_EQ(r.check, TokenCheck::Invalid);
    EXPECT_NE(r.why.find("exp"), std::string::npos);
}

}  // namespace
}  // namespace fanout::auth
