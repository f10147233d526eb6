// The per-application webhook URL (cluster/hook_settings.h): stored over
// origin.properties', checked like it, null back to the default.
#include "cluster/hook_settings.h"

#include <gtest/gtest.h>

namespace fanout::cluster {
namespace {

using nlohmann::json;

TEST(HookSettings, StoredUrlOverTheDefault)
{
    const std::string def = "http://default.example/hook";
    EXPECT_EQ(effective_hook_url(def, "").value(), def);
    EXPECT_EQ(effective_hook_url(def, "{}").value(), def);
    EXPECT_EQ(effective_hook_url(def, R"({"gopSize":2})").value(), def);
    EXPECT_EQ(effective_hook_url(def, R"({"listenerHookURL":null})").value(),
              def);
    EXPECT_EQ(
        effective_hook_url(def, R"({"listenerHookURL":"https://a.example/x"})")
            .value(),
        "https://a.example/x");
    // "" turns the application's webhooks off.
    EXPECT_EQ(effective_hook_url(def, R"({"listenerHookURL":""})").value(), "");
}

TEST(HookSettings, ABadStoredDocumentIsAnError)
{
    EXPECT_FALSE(effective_hook_url("", "[1]").ok());
    EXPECT_FALSE(effective_hook_url("", "{").ok());
    auto r = effective_hook_url("", R"({"listenerHookURL":5})");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message(),
              "listenerHookURL: stored value must be a string");
    EXPECT_FALSE(
        effective_hook_url("", R"({"listenerHookURL":"ftp://x"})").ok());
}

std::string put(json& stored, const std::string& body)
{
    Status st = apply_hook_put(stored, json::parse(body));
    return st ? "(ok)" : st.error().message();
}

TEST(HookSettings, PutSetsClearsAndRefuses)
{
    json stored = json::object();
    EXPECT_EQ(put(stored, R"({"gopSize":1})"), "(ok)");
    EXPECT_FALSE(stored.contains("listenerHookURL"));
    EXPECT_EQ(put(stored, R"({"listenerHookURL":"http://127.0.0.1:9/h?k=1"})"),
              "(ok)");
    EXPECT_EQ(stored["listenerHookURL"], "http://127.0.0.1:9/h?k=1");
    EXPECT_EQ(put(stored, R"({"listenerHookURL":""})"), "(ok)");
    EXPECT_EQ(stored["listenerHookURL"], "");
    EXPECT_EQ(put(stored, R"({"listenerHookURL":null})"), "(ok)");
    EXPECT_FALSE(stored.contains("listenerHookURL"));

    stored["listenerHookURL"] = "http://kept/";
    EXPECT_EQ(put(stored, R"({"listenerHookURL":"ftp://x"})"),
              "listenerHookURL: must be an http(s):// URL (or empty)");
    EXPECT_EQ(put(stored, R"({"listenerHookURL":"http://a b/"})"),
              "listenerHookURL: must not contain spaces or control characters");
    EXPECT_EQ(put(stored, R"({"listenerHookURL":true})"),
              "listenerHookURL: must be a string");
    EXPECT_EQ(put(stored, R"({"listenerHookURL":"http://)"
                              + std::string(1100, 'a') + R"("})"),
              "listenerHookURL: must be at most 1024 bytes");
    EXPECT_EQ(stored["listenerHookURL"], "http://kept/");  // unchanged
}

}  // namespace
}  // namespace fanout::cluster
