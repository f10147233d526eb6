// An application's ladder settings: the stored document over
// origin.properties' defaults, and what a REST PUT does to it.
#include "transcode/app_settings.h"

#include <gtest/gtest.h>

#include "transcode/ladder_settings.h"

namespace fanout::transcode {
namespace {

using nlohmann::json;

Config config_with_defaults()
{
    Config c;
    c.hls_time_s = 2;
    c.ladder.renditions = {{480, 1200000, 0, false}};
    c.ladder.preset = "faster";
    return c;
}

std::string put_error(const Config& c, std::string_view stored,
                      std::string_view body)
{
    auto r = apply_settings_put(c, stored, body);
    return r.ok() ? "(accepted)" : r.error().message();
}

TEST(EffectiveLadder, NothingStoredIsTheDefaults)
{
    Config c = config_with_defaults();
    auto l = effective_ladder(c, "");
    ASSERT_TRUE(l.ok()) << l.error().message();
    EXPECT_EQ(l.value(), c.ladder);
    EXPECT_EQ(effective_ladder(c, "{}").value(), c.ladder);
}

TEST(EffectiveLadder, StoredKeysOverrideKeyByKey)
{
    Config c = config_with_defaults();
    auto l = effective_ladder(
        c, R"({"encoderSettingsString":"360,800000,64000","gopSize":50,)"
           R"("encoderSelectionPreference":"gpu_and_cpu","someOtherKey":1})");
    ASSERT_TRUE(l.ok()) << l.error().message();
    EXPECT_EQ(l->renditions,
              (std::vector<RenditionSpec>{{360, 800000, 64000, false}}));
    EXPECT_EQ(l->gop_size, 50);
    EXPECT_EQ(l->preference, EncoderPreference::gpu_and_cpu);
    EXPECT_EQ(l->preset, "faster");  // not stored: the default
    EXPECT_EQ(l->threads, 1);  // not stored: the default
    // An empty stored ladder is passthrough, whatever the default.
    EXPECT_TRUE(effective_ladder(c, R"({"encoderSettingsString":""})")
                    ->renditions.empty());
}

TEST(EffectiveLadder, ABadStoredDocumentNamesTheKey)
{
    Config c = config_with_defaults();
    EXPECT_EQ(
        effective_ladder(c, R"({"encoderThreads":999})").error().message(),
        "stored app settings: encoderThreads: must be an integer from 0 "
        "to 64");
    EXPECT_EQ(effective_ladder(c, "not json").error().message(),
              "stored app settings: must be a JSON object");
}

TEST(SettingsPut, PartialUpdateKeepsTheOtherKeys)
{
    Config c = config_with_defaults();
    auto first = apply_settings_put(
        c, "",
        R"({"encoderSettingsString":"720,2500000,128000,360,800000,64000",
                   "encoderPreset":"veryfast"})");
    ASSERT_TRUE(first.ok()) << first.error().message();
    EXPECT_TRUE(first->ignored.empty());
    EXPECT_EQ(first->stored["encoderSettingsString"],
              encoder_settings_to_string({{720, 2500000, 128000, false},
                                          {360, 800000, 64000, false}}));
    EXPECT_EQ(first->effective.preset, "veryfast");

    auto second = apply_settings_put(c, first->stored.dump(),
                                     R"({"gopSize":25,"encoderThreads":4})");
    ASSERT_TRUE(second.ok()) << second.error().message();
    EXPECT_EQ(second->effective.renditions.size(), 2u);
    EXPECT_EQ(second->effective.preset, "veryfast");
    EXPECT_EQ(second->effective.gop_size, 25);
    EXPECT_EQ(second->effective.threads, 4);
    // What the next publish reads back equals what the PUT computed.
    EXPECT_EQ(effective_ladder(c, second->stored.dump()).value(),
              second->effective);

    // null: back to origin.properties' value.
    auto reset = apply_settings_put(
        c, second->stored.dump(),
        R"({"encoderPreset":null,"encoderSettingsString":null})");
    ASSERT_TRUE(reset.ok()) << reset.error().message();
    EXPECT_EQ(reset->effective.preset, "faster");
    EXPECT_EQ(reset->effective.renditions, c.ladder.renditions);
    EXPECT_EQ(reset->effective.gop_size, 25);
}

TEST(SettingsPut, AntMediaListFieldAndItsString)
{
    Config c = config_with_defaults();
    auto r = apply_settings_put(
        c, "",
        R"({"encoderSettings":[{"height":240,"videoBitrate":400000,"audioBitrate":32000,"forceEncode":true}]})");
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->effective.renditions,
              (std::vector<RenditionSpec>{{240, 400000, 32000, true}}));
    // Both, agreeing (a GET body sent back): fine.
    json got = settings_to_json("LiveApp", c, r->effective);
    auto again = apply_settings_put(c, r->stored.dump(), got.dump());
    ASSERT_TRUE(again.ok()) << again.error().message();
    EXPECT_TRUE(again->ignored.empty());
    EXPECT_EQ(again->effective, r->effective);
    // Keys present are stored, defaults included: they now stay put when
    // origin.properties changes (null hands a key back to it).
    EXPECT_EQ(again->stored["encoderPreset"], "faster");
    // Both, disagreeing: which one was meant is not guessed.
    got["encoderSettingsString"] = "360,800000,0";
    EXPECT_EQ(put_error(c, r->stored.dump(), got.dump()),
              "encoderSettings: differs from encoderSettingsString; send one "
              "of them");
    EXPECT_EQ(put_error(c, "", R"({"encoderSettings":"360,800000,0"})"),
              "encoderSettings: must be a JSON list of {height, videoBitrate, "
              "audioBitrate, forceEncode}");
}

TEST(SettingsPut, BadInputNamesTheField)
{
    Config c = config_with_defaults();
    EXPECT_EQ(
        put_error(
            c, "",
            R"({"encoderSettingsString":"[{\"height\":721,\"videoBitrate\":1}]"})"),
        "encoderSettingsString[0].height: must be a positive even "
        "number <= 4096");
    EXPECT_EQ(put_error(c, "", R"({"encoderSettingsString":"{}"})"),
              "encoderSettingsString: must be a JSON list of {height, "
              "videoBitrate, audioBitrate, forceEncode}");
    EXPECT_EQ(put_error(c, "", R"({"encoderSettingsString":5})"),
              "encoderSettingsString: must be a string: a JSON list's text or "
              "CSV triples (height,videoBitrate,audioBitrate)");
    EXPECT_EQ(
        put_error(c, "",
                  R"({"encoderSettings":[{"height":360,"videoBitrate":0}]})"),
        "encoderSettings[0].videoBitrate: must be 1 to 100000000 bit/s "
        "(100 Mbit/s)");
    EXPECT_EQ(put_error(c, "", R"({"gopSize":-1})"),
              "gopSize: must be an integer from 0 to 1000");
    EXPECT_EQ(put_error(c, "", R"({"encoderThreads":"4"})"),
              "encoderThreads: must be an integer from 0 to 64");
    EXPECT_EQ(put_error(c, "", R"({"encoderPreset":7})"),
              "encoderPreset: must be a string");
    EXPECT_EQ(put_error(c, "", R"({"encoderSelectionPreference":"gpu"})"),
              "encoderSelectionPreference: 'gpu' must be cpu or gpu_and_cpu");
    EXPECT_EQ(put_error(c, "", "[1]"), "body: must be a JSON object");
    EXPECT_EQ(put_error(c, "", "{"), "body: must be a JSON object");
}

TEST(SettingsPut, OriginWideKeysAndUnknownKeys)
{
    Config c = config_with_defaults();
    // Sent back unchanged (a number, or Ant Media's string): accepted.
    auto same =
        apply_settings_put(c, "", R"({"hlsListSize":"5","hlsSegmentType":"fmp4",
                   "appName":"LiveApp","mp4MuxingEnabled":true,"x":null})");
    ASSERT_TRUE(same.ok()) << same.error().message();
    EXPECT_EQ(same->ignored,
              (std::vector<std::string>{"mp4MuxingEnabled", "x"}));
    EXPECT_EQ(same->stored, json::object());
    EXPECT_EQ(put_error(c, "", R"({"hlsListSize":4})"),
              "hlsListSize: is origin-wide (origin.properties hlsListSize=5); "
              "it cannot be changed per application");
    // The webhook URL and hlsTime are per application (cluster/
    // hook_settings.h, package/hls_time_setting.h): the ladder's put
    // leaves them to those modules, as unknown keys.
    auto other = apply_settings_put(
        c, "", R"({"listenerHookURL":"http://x/","hlsTime":4})");
    ASSERT_TRUE(other.ok()) << other.error().message();
    EXPECT_EQ(other->ignored,
              (std::vector<std::string>{"hlsTime", "listenerHookURL"}));
}

TEST(SettingsPut, ABadStoredKeyTheBodyLeavesAloneIsReported)
{
    Config c = config_with_defaults();
    EXPECT_EQ(put_error(c, R"({"encoderThreads":999})", R"({"gopSize":1})"),
              "stored app settings: encoderThreads: must be an integer from 0 "
              "to 64");
    // Setting that key again repairs the document.
    EXPECT_EQ(
        put_error(c, R"({"encoderThreads":999})", R"({"encoderThreads":2})"),
        "(accepted)");
}

TEST(SettingsJson, GetShowsEffectiveValuesWithAntMediaNames)
{
    Config c = config_with_defaults();
    json j = settings_to_json("LiveApp", c, c.ladder);
    EXPECT_EQ(j["appName"], "LiveApp");
    EXPECT_EQ(
        j["encoderSettingsString"],
        R"([{"height":480,"videoBitrate":1200000,"audioBitrate":0,"forceEncode":false}])");
    EXPECT_EQ(j["encoderSettings"][0]["height"], 480);
    EXPECT_EQ(j["encoderPreset"], "faster");
    EXPECT_EQ(j["gopSize"], 0);
    EXPECT_EQ(j["encoderThreads"], 1);
    EXPECT_EQ(j["encoderSelectionPreference"], "cpu");
    EXPECT_EQ(j["hlsListSize"], 5);
    EXPECT_EQ(j["hlsSegmentType"], "fmp4");
    // rest_settings adds these from their own modules.
    EXPECT_FALSE(j.contains("listenerHookURL"));
    EXPECT_FALSE(j.contains("hlsTime"));
    EXPECT_EQ(settings_to_json("a", c, Ladder{})["encoderSettingsString"], "");
}

}  // namespace
}  // namespace fanout::transcode
