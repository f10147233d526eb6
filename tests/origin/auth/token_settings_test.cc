// The token controls' app settings: stored over origin.properties'
// defaults, what a PUT accepts, and secrets masked in a GET.
#include "auth/token_settings.h"

#include <gtest/gtest.h>

namespace fanout::auth {
namespace {

using nlohmann::json;

const std::string kJwt = "jwt-secret-0123456789abcdef-0123456789";

TEST(TokenSettings, StoredKeysOverDefaults)
{
    TokenSettings d;
    d.accept_undefined = false;
    auto t = effective_token_settings(
        d, R"({"publishTokenControlEnabled":true,"encoderPreset":"fast"})");
    ASSERT_TRUE(t.ok()) << t.error().message();
    EXPECT_TRUE(t->publish_token);
    EXPECT_FALSE(t->accept_undefined);  // the default
    EXPECT_TRUE(effective_token_settings(d, "").ok());
    EXPECT_FALSE(effective_token_settings(d, "[1]").ok());
    EXPECT_FALSE(
        effective_token_settings(d, R"({"hashControlPublishEnabled":3})").ok());
}

TEST(TokenSettings, PutValidatesAndKeepsMaskedSecrets)
{
    TokenSettings d;
    json stored = json::object();
    ASSERT_TRUE(apply_token_settings_put(d, stored,
                                         {{"publishJwtControlEnabled", "true"},
                                          {"jwtStreamSecretKey", kJwt},
                                          {"playTokenControlEnabled", true},
                                          {"gopSize", 3}}));
    EXPECT_EQ(stored["publishJwtControlEnabled"], true);  // canonical
    EXPECT_EQ(stored["playTokenControlEnabled"], true);
    EXPECT_FALSE(stored.contains("gopSize"));  // the ladder's, not ours
    // The mask sent back keeps the secret.
    ASSERT_TRUE(apply_token_settings_put(
        d, stored, {{"jwtStreamSecretKey", std::string(kSecretMask)}}));
    EXPECT_EQ(stored["jwtStreamSecretKey"], kJwt);
    // A control on without its secret, a short secret, a non-boolean.
    json copy = stored;
    Status st = apply_token_settings_put(d, copy, {{"jwtStreamSecretKey", ""}});
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().message().rfind("jwtStreamSecretKey:", 0), 0u);
    st = apply_token_settings_put(d, copy, {{"tokenHashSecret", "short"}});
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().message().find("short"), std::string::npos);
    EXPECT_FALSE(
        apply_token_settings_put(d, copy, {{"acceptUndefinedStreams", 0}}));
    // null: back to the default.
    ASSERT_TRUE(apply_token_settings_put(
        d, stored, {{"publishJwtControlEnabled", nullptr}}));
    EXPECT_FALSE(stored.contains("publishJwtControlEnabled"));
}

TEST(TokenSettings, GetMasksSecrets)
{
    TokenSettings t;
    t.jwt_secret = kJwt;
    json out = json::object();
    token_settings_to_json(t, out);
    EXPECT_EQ(out["jwtStreamSecretKey"], std::string(kSecretMask));
    EXPECT_EQ(out["tokenHashSecret"], "");
    EXPECT_EQ(out["acceptUndefinedStreams"], true);
    EXPECT_EQ(out.dump().find(kJwt), std::string::npos);
}

}  // namespace
}  // namespace fanout::auth
