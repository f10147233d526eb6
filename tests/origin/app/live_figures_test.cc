// tests/origin/app/live_figures_test.cc — the live figures written with a
// stream's progress: which speed is reported, the renditions' JSON text
// and its bound, and what lands in the fo_progress.
#include "app/live_figures.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace fanout {
namespace {

package::RenditionInfo rendition(std::string name, int height, bool dropped)
{
    package::RenditionInfo r;
    r.name = std::move(name);
    r.width = height * 16 / 9;
    r.height = height;
    r.bandwidth = uint64_t(height) * 4000;
    r.average_bandwidth = uint64_t(height) * 3000;
    r.dropped = dropped;
    return r;
}

TEST(LiveRates, TheTranscodersSpeedWinsWhenItHasOne)
{
    LiveRates r = live_rates(1500000, 1.02, 0);
    EXPECT_EQ(r.bitrate, 1500000);
    EXPECT_DOUBLE_EQ(r.speed, 1.02);
    EXPECT_DOUBLE_EQ(live_rates(1500000, 1.02, 0.7).speed, 0.7);
    r = live_rates(-5, -1, -2);
    EXPECT_EQ(r.bitrate, 0);
    EXPECT_EQ(r.speed, 0);
}

TEST(RenditionsJson, ListsEveryRenditionInOrder)
{
    std::string text = renditions_json({rendition("source", 720, false),
                                        rendition("360p800kbps", 360, false),
                                        rendition("240p400kbps", 240, true)});
    nlohmann::json j = nlohmann::json::parse(text);
    ASSERT_TRUE(j.is_array());
    ASSERT_EQ(j.size(), 3u);
    EXPECT_EQ(j[0]["name"], "source");
    EXPECT_EQ(j[0]["height"], 720);
    EXPECT_EQ(j[0]["width"], 1280);
    EXPECT_EQ(j[0]["bandwidth"], 2880000);
    EXPECT_EQ(j[0]["averageBandwidth"], 2160000);
    EXPECT_EQ(j[0]["dropped"], false);
    EXPECT_EQ(j[1]["name"], "360p800kbps");
    EXPECT_EQ(j[2]["dropped"], true);
    EXPECT_EQ(renditions_json({}), "[]");
}

TEST(RenditionsJson, StaysValidJsonUnderItsBound)
{
    std::vector<package::RenditionInfo> many;
    for (int i = 0; i < 40; i++) {
        many.push_back(
            rendition(std::to_string(100 + i) + "p100kbps", 100 + i, false));
    }
    std::string text = renditions_json(many);
    EXPECT_LT(text.size(), size_t(FO_RENDITIONS_MAX));
    nlohmann::json j = nlohmann::json::parse(text);
    ASSERT_TRUE(j.is_array());
    EXPECT_GT(j.size(), 3u);
    EXPECT_LT(j.size(), 40u);
    EXPECT_EQ(j[0]["height"], 100);  // the first ones are kept
    EXPECT_EQ(renditions_json(many, 2), "");  // not even "[]" fits
    EXPECT_EQ(renditions_json(many, 3), "[]");
}

TEST(PutLiveFigures, FillsTheProgress)
{
    fo_progress p{};
    p.hls_sequence = 7;
    put_live_figures({2000000, 0.98}, R"([{"name":"source"}])", &p);
    EXPECT_EQ(p.hls_sequence, 7);
    EXPECT_EQ(p.bitrate, 2000000);
    EXPECT_DOUBLE_EQ(p.speed, 0.98);
    EXPECT_STREQ(p.renditions, R"([{"name":"source"}])");
    put_live_figures({}, "", &p);
    EXPECT_EQ(p.bitrate, 0);
    EXPECT_STREQ(p.renditions, "");
}

}  // namespace
}  // namespace fanout
