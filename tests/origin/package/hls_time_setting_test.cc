// The per-application hlsTime (package/hls_time_setting.h): stored over
// origin.properties', 1..60 s, a string of digits accepted from a PUT as
// Ant Media's console sends it, null back to the default.
#include "package/hls_time_setting.h"

#include <gtest/gtest.h>

namespace fanout::package {
namespace {

using nlohmann::json;

TEST(HlsTimeSetting, StoredValueOverTheDefault)
{
    EXPECT_EQ(effective_hls_time_s(2, "").value(), 2);
    EXPECT_EQ(effective_hls_time_s(2, "{}").value(), 2);
    EXPECT_EQ(effective_hls_time_s(2, R"({"gopSize":2})").value(), 2);
    EXPECT_EQ(effective_hls_time_s(2, R"({"hlsTime":null})").value(), 2);
    EXPECT_EQ(effective_hls_time_s(2, R"({"hlsTime":6})").value(), 6);
    EXPECT_EQ(effective_hls_time_s(4, R"({"hlsTime":1})").value(), 1);
}

TEST(HlsTimeSetting, ABadStoredDocumentIsAnError)
{
    EXPECT_FALSE(effective_hls_time_s(2, "[1]").ok());
    EXPECT_FALSE(effective_hls_time_s(2, "{").ok());
    // The store holds the canonical number only.
    EXPECT_FALSE(effective_hls_time_s(2, R"({"hlsTime":"6"})").ok());
    auto r = effective_hls_time_s(2, R"({"hlsTime":0})");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message(),
              "stored app settings: hlsTime: must be an integer from 1 to 60 "
              "(seconds)");
}

std::string put(json& stored, const std::string& body)
{
    Status st = apply_hls_time_put(stored, json::parse(body));
    return st ? "(ok)" : st.error().message();
}

TEST(HlsTimeSetting, PutSetsClearsAndRefuses)
{
    json stored = json::object();
    EXPECT_EQ(put(stored, R"({"gopSize":1})"), "(ok)");
    EXPECT_FALSE(stored.contains("hlsTime"));
    EXPECT_EQ(put(stored, R"({"hlsTime":4})"), "(ok)");
    EXPECT_EQ(stored["hlsTime"], 4);
    EXPECT_EQ(put(stored, R"({"hlsTime":"6"})"), "(ok)");  // Ant Media's form
    EXPECT_EQ(stored["hlsTime"], 6);
    EXPECT_EQ(put(stored, R"({"hlsTime":60})"), "(ok)");
    EXPECT_EQ(put(stored, R"({"hlsTime":null})"), "(ok)");
    EXPECT_FALSE(stored.contains("hlsTime"));

    stored["hlsTime"] = 3;
    const std::string range =
        "hlsTime: must be an integer from 1 to 60 (seconds)";
    for (const char* bad :
         {R"({"hlsTime":0})", R"({"hlsTime":61})", R"({"hlsTime":-2})",
          R"({"hlsTime":2.5})", R"({"hlsTime":"2.5"})", R"({"hlsTime":""})",
          R"({"hlsTime":" 2"})", R"({"hlsTime":"2s"})", R"({"hlsTime":true})",
          R"({"hlsTime":[2]})", R"({"hlsTime":18446744073709551615})",
          R"({"hlsTime":"99999999999999999999"})"}) {
        EXPECT_EQ(put(stored, bad), range) << bad;
        EXPECT_EQ(stored["hlsTime"], 3) << bad;  // unchanged
    }
    json not_object = json::array();
    EXPECT_TRUE(apply_hls_time_put(stored, not_object).ok());
}

}  // namespace
}  // namespace fanout::package
