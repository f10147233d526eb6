// The ladder settings parser (encoderSettingsString's two forms and the
// scalar keys) and the selection of renditions against a source's size.
#include "transcode/ladder_settings.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace fanout::transcode {
namespace {

std::string error_of(std::string_view text)
{
    auto r = parse_encoder_settings(text);
    return r.ok() ? "(accepted)" : r.error().message();
}

TEST(EncoderSettings, JsonListForm)
{
    auto r = parse_encoder_settings(
        R"([{"height":720,"videoBitrate":2500000,"audioBitrate":128000,"forceEncode":false},
            {"height":360,"videoBitrate":800000,"audioBitrate":64000,"forceEncode":true}])");
    ASSERT_TRUE(r.ok()) << r.error().message();
    std::vector<RenditionSpec> want = {{720, 2500000, 128000, false},
                                       {360, 800000, 64000, true}};
    EXPECT_EQ(r.value(), want);
}

TEST(EncoderSettings, CsvForm)
{
    auto r = parse_encoder_settings("480,300000,96000,360,200000,64000");
    ASSERT_TRUE(r.ok()) << r.error().message();
    std::vector<RenditionSpec> want = {{480, 300000, 96000, false},
                                       {360, 200000, 64000, false}};
    EXPECT_EQ(r.value(), want);
    // Blanks around values, as a hand-edited properties file has them.
    auto spaced = parse_encoder_settings(" 480, 300000 ,96000 ");
    ASSERT_TRUE(spaced.ok()) << spaced.error().message();
    EXPECT_EQ(spaced.value().size(), 1u);
}

TEST(EncoderSettings, EmptyIsPassthroughOnly)
{
    for (std::string_view text : {"", "   ", "[]", " [ ] "}) {
        auto r = parse_encoder_settings(text);
        ASSERT_TRUE(r.ok()) << text << ": " << r.error().message();
        EXPECT_TRUE(r.value().empty()) << text;
    }
}

TEST(EncoderSettings, OptionalKeysAndUnknownKeys)
{
    // audioBitrate absent (or null) is 0: share the source's AAC;
    // forceEncode absent is false; unknown keys (Ant Media's own
    // forceSameResolutionEncode, say) are ignored.
    auto r = parse_encoder_settings(
        R"([{"height":240,"videoBitrate":400000,"audioBitrate":null,
             "forceSameResolutionEncode":false,"profile":"main"}])");
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r.value()[0], (RenditionSpec{240, 400000, 0, false}));
}

TEST(EncoderSettings, BadHeightsNameTheField)
{
    const std::string msg = ": must be a positive even number <= 4096";
    EXPECT_EQ(
        error_of(
            R"([{"height":720,"videoBitrate":1},{"height":361,"videoBitrate":1}])"),
        "encoderSettingsString[1].height" + msg);
    EXPECT_EQ(error_of(R"([{"height":0,"videoBitrate":1}])"),
              "encoderSettingsString[0].height" + msg);
    EXPECT_EQ(error_of(R"([{"height":-360,"videoBitrate":1}])"),
              "encoderSettingsString[0].height" + msg);
    EXPECT_EQ(error_of(R"([{"height":4098,"videoBitrate":1}])"),
              "encoderSettingsString[0].height" + msg);
    EXPECT_EQ(error_of(R"([{"height":99999999999999,"videoBitrate":1}])"),
              "encoderSettingsString[0].height" + msg);
    EXPECT_EQ(error_of("480,300000,96000,359,200000,64000"),
              "encoderSettingsString[1].height" + msg);
    EXPECT_EQ(error_of("4096,300000,96000"), "(accepted)");
}

TEST(EncoderSettings, BadBitratesNameTheField)
{
    EXPECT_EQ(error_of(R"([{"height":360,"videoBitrate":0}])"),
              "encoderSettingsString[0].videoBitrate: must be 1 to "
              "100000000 bit/s (100 Mbit/s)");
    EXPECT_EQ(error_of(R"([{"height":360,"videoBitrate":100000001}])"),
              "encoderSettingsString[0].videoBitrate: must be 1 to "
              "100000000 bit/s (100 Mbit/s)");
    EXPECT_EQ(error_of(R"([{"height":360,"videoBitrate":100000000}])"),
              "(accepted)");
    EXPECT_EQ(
        error_of(R"([{"height":360,"videoBitrate":1,"audioBitrate":-1}])"),
        "encoderSettingsString[0].audioBitrate: must be 0 (share the "
        "source's audio) to 100000000 bit/s (100 Mbit/s)");
    EXPECT_EQ(error_of("360,1,200000000"),
              "encoderSettingsString[0].audioBitrate: must be 0 (share the "
              "source's audio) to 100000000 bit/s (100 Mbit/s)");
    EXPECT_EQ(error_of("360,0,64000"),
              "encoderSettingsString[0].videoBitrate: must be 1 to "
              "100000000 bit/s (100 Mbit/s)");
    EXPECT_EQ(error_of(R"([{"height":360,"videoBitrate":1,"audioBitrate":0}])"),
              "(accepted)");
}

TEST(EncoderSettings, DuplicateHeights)
{
    EXPECT_EQ(error_of(R"([{"height":360,"videoBitrate":800000},
                           {"height":240,"videoBitrate":400000},
                           {"height":360,"videoBitrate":600000}])"),
              "encoderSettingsString[2].height: 360 is already the height "
              "of encoderSettingsString[0]");
    EXPECT_EQ(error_of("360,1,0,360,2,0"),
              "encoderSettingsString[1].height: 360 is already the height "
              "of encoderSettingsString[0]");
}

TEST(EncoderSettings, NotAListOrWrongTypes)
{
    const std::string not_list =
        "encoderSettingsString: must be a JSON list of {height, "
        "videoBitrate, audioBitrate, forceEncode}";
    EXPECT_EQ(error_of(R"({"height":360,"videoBitrate":1})"), not_list);
    EXPECT_EQ(error_of(R"("360")"), not_list);
    EXPECT_EQ(error_of("true"), not_list);
    EXPECT_EQ(error_of("[1,2]"),
              "encoderSettingsString[0]: must be an object {height, "
              "videoBitrate, audioBitrate, forceEncode}");
    EXPECT_EQ(error_of(R"([{"height":"360","videoBitrate":1}])"),
              "encoderSettingsString[0].height: must be an integer");
    EXPECT_EQ(error_of(R"([{"height":360.5,"videoBitrate":1}])"),
              "encoderSettingsString[0].height: must be an integer");
    EXPECT_EQ(error_of(R"([{"height":360,"videoBitrate":true}])"),
              "encoderSettingsString[0].videoBitrate: must be an integer");
    EXPECT_EQ(
        error_of(R"([{"height":360,"videoBitrate":1,"forceEncode":"yes"}])"),
        "encoderSettingsString[0].forceEncode: must be true or false");
    EXPECT_EQ(error_of(R"([{"videoBitrate":1}])"),
              "encoderSettingsString[0].height: is required");
    EXPECT_EQ(error_of(R"([{"height":360}])"),
              "encoderSettingsString[0].videoBitrate: is required");
    EXPECT_EQ(error_of("[{\"height\":360,"),
              "encoderSettingsString: is neither a JSON list nor CSV triples "
              "(height,videoBitrate,audioBitrate,...)");
    EXPECT_EQ(error_of("high"),
              "encoderSettingsString: is neither a JSON list nor CSV triples "
              "(height,videoBitrate,audioBitrate,...)");
}

TEST(EncoderSettings, BadCsv)
{
    EXPECT_EQ(error_of("480,300000"),
              "encoderSettingsString: the CSV form is "
              "height,videoBitrate,audioBitrate triples; got 2 values");
    EXPECT_EQ(error_of("480,300000,96000,"),
              "encoderSettingsString: the CSV form is "
              "height,videoBitrate,audioBitrate triples; got 4 values");
    EXPECT_EQ(error_of("480,3e5,96000"),
              "encoderSettingsString[0].videoBitrate: '3e5' is not an "
              "integer");
    EXPECT_EQ(error_of("480,,96000"),
              "encoderSettingsString[0].videoBitrate: '' is not an integer");
}

TEST(EncoderSettings, AtMostSixteenRenditions)
{
    std::string csv;
    for (int h = 2; h <= 2 * int(kMaxRenditions + 1); h += 2) {
        csv += (csv.empty() ? "" : ",") + std::to_string(h) + ",1000,0";
    }
    EXPECT_EQ(error_of(csv), "encoderSettingsString: at most 16 renditions");
}

TEST(EncoderSettings, CanonicalTextRoundTrips)
{
    std::vector<RenditionSpec> ladder = {{720, 2500000, 128000, false},
                                         {360, 800000, 0, true}};
    std::string text = encoder_settings_to_string(ladder);
    EXPECT_EQ(
        text,
        R"([{"height":720,"videoBitrate":2500000,"audioBitrate":128000,"forceEncode":false},)"
        R"({"height":360,"videoBitrate":800000,"audioBitrate":0,"forceEncode":true}])");
    auto back = parse_encoder_settings(text);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back.value(), ladder);
    EXPECT_EQ(encoder_settings_to_string({}), "");
    auto list = parse_encoder_settings_json(encoder_settings_to_json(ladder),
                                            "encoderSettings");
    ASSERT_TRUE(list.ok());
    EXPECT_EQ(list.value(), ladder);
}

TEST(ScalarSettings, PresetPreferenceAndIntegers)
{
    EXPECT_EQ(parse_encoder_preset("veryfast", "encoderPreset").value(),
              "veryfast");
    EXPECT_EQ(parse_encoder_preset("placebo", "encoderPreset").value(),
              "placebo");
    auto bad = parse_encoder_preset("turbo", "encoderPreset");
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().message().rfind("encoderPreset: 'turbo' is not an "
                                          "x264 preset",
                                          0),
              0u);
    EXPECT_FALSE(parse_encoder_preset("VeryFast", "encoderPreset").ok());

    EXPECT_EQ(parse_encoder_preference("gpu_and_cpu", "p").value(),
              EncoderPreference::gpu_and_cpu);
    EXPECT_EQ(parse_encoder_preference("cpu", "p").value(),
              EncoderPreference::cpu);
    EXPECT_EQ(parse_encoder_preference("gpu", "encoderSelectionPreference")
                  .error()
                  .message(),
              "encoderSelectionPreference: 'gpu' must be cpu or gpu_and_cpu");

    EXPECT_EQ(parse_int_setting("64", "encoderThreads", 0, 64).value(), 64);
    EXPECT_EQ(
        parse_int_setting("65", "encoderThreads", 0, 64).error().message(),
        "encoderThreads: must be an integer from 0 to 64");
    EXPECT_FALSE(parse_int_setting("-1", "gopSize", 0, 1000).ok());
    EXPECT_FALSE(parse_int_setting("4x", "gopSize", 0, 1000).ok());
    EXPECT_EQ(json_int_setting(nlohmann::json(2), "gopSize", 0, 1000).value(),
              2);
    EXPECT_EQ(json_int_setting(nlohmann::json("2"), "gopSize", 0, 1000)
                  .error()
                  .message(),
              "gopSize: must be an integer from 0 to 1000");
    EXPECT_FALSE(
        json_int_setting(nlohmann::json(2.5), "gopSize", 0, 1000).ok());
    EXPECT_FALSE(
        json_int_setting(nlohmann::json(true), "gopSize", 0, 1000).ok());
}

Ladder ladder_of(std::vector<RenditionSpec> specs)
{
    Ladder l;
    l.renditions = std::move(specs);
    return l;
}

TEST(SelectRenditions, SkipsAboveTheSourceUnlessForced)
{
    Ladder l = ladder_of({{360, 800000, 0, false},
                          {1080, 4000000, 0, false},
                          {720, 2500000, 0, false},
                          {1440, 6000000, 0, true}});
    RenditionSelection s = select_renditions(l, 1280, 720);
    ASSERT_EQ(s.kept.size(), 3u);
    // Highest first; the rendition equal to the source's height is kept.
    EXPECT_EQ(
        s.kept[0],
        (Rendition{{1440, 6000000, 0, true}, 2560, 1440, "1440p6000kbps"}));
    EXPECT_EQ(s.kept[1].name, "720p2500kbps");
    EXPECT_EQ(s.kept[1].width, 1280);
    EXPECT_EQ(s.kept[2].name, "360p800kbps");
    EXPECT_EQ(s.kept[2].width, 640);
    ASSERT_EQ(s.skipped.size(), 1u);
    EXPECT_EQ(s.skipped[0].spec.height, 1080);
    EXPECT_EQ(describe_skipped(s.skipped),
              "skipped 1080p4000kbps (above the source's 720p; forceEncode "
              "is false)");
}

TEST(SelectRenditions, WidthFollowsTheAspectRoundedToEven)
{
    Ladder l = ladder_of({{240, 400000, 0, false}, {480, 1200000, 0, false}});
    // 4:3 source: 320 and 640.
    auto s = select_renditions(l, 640, 480);
    ASSERT_EQ(s.kept.size(), 2u);
    EXPECT_EQ(s.kept[0].width, 640);
    EXPECT_EQ(s.kept[1].width, 320);
    // 1920x1080 to 240: 426.67 → 426 (even nearest); to 480: 853.3 → 854.
    s = select_renditions(l, 1920, 1080);
    EXPECT_EQ(s.kept[0].width, 854);
    EXPECT_EQ(s.kept[1].width, 426);
    // Portrait 720x1280: 240 → 135 → 136 (nearest even).
    s = select_renditions(l, 720, 1280);
    EXPECT_EQ(s.kept[1].width, 136);
    EXPECT_EQ(s.kept[0].width, 270);
    // Never below 2.
    s = select_renditions(ladder_of({{2, 1000, 0, false}}), 2, 4096);
    ASSERT_EQ(s.kept.size(), 1u);
    EXPECT_EQ(s.kept[0].width, 2);
}

TEST(SelectRenditions, EmptyLadderAndUnknownOrAbsurdSources)
{
    EXPECT_TRUE(select_renditions(Ladder{}, 1280, 720).kept.empty());
    Ladder l = ladder_of({{360, 800000, 0, true}});
    auto s = select_renditions(l, 0, 0);
    EXPECT_TRUE(s.kept.empty());
    ASSERT_EQ(s.skipped.size(), 1u);
    EXPECT_EQ(s.skipped[0].reason, "the source's size is unknown");
    // A 10000x10 strip scaled to 360 high would be 360000 wide.
    s = select_renditions(l, 10000, 10);
    EXPECT_TRUE(s.kept.empty());
    ASSERT_EQ(s.skipped.size(), 1u);
    EXPECT_EQ(s.skipped[0].reason, "its width would be 360000 > 8192");
}

}  // namespace
}  // namespace fanout::transcode
