// tests/load/stats_test.cc — percentiles, the bounded sample, the report
// (load/src/stats.h).
#include "stats.h"

#include <gtest/gtest.h>

namespace fanout::load {
namespace {

TEST(Samples, NearestRankPercentiles)
{
    Samples s;
    for (int i = 1; i <= 100; i++)
        s.add(i);
    EXPECT_EQ(s.count(), 100u);
    EXPECT_DOUBLE_EQ(s.percentile(50), 50);
    EXPECT_DOUBLE_EQ(s.percentile(95), 95);
    EXPECT_DOUBLE_EQ(s.percentile(99), 99);
    EXPECT_DOUBLE_EQ(s.percentile(100), 100);
    EXPECT_DOUBLE_EQ(Samples().percentile(50), 0);
}

TEST(Samples, BoundedReservoirKeepsTheShape)
{
    Samples s(1000, 7);
    for (int i = 0; i < 100000; i++)
        s.add(i % 100);
    EXPECT_EQ(s.count(), 100000u);
    EXPECT_NEAR(s.percentile(50), 50, 6);
    EXPECT_NEAR(s.percentile(95), 95, 3);
    EXPECT_DOUBLE_EQ(s.max(), 99);
}

TEST(Report, JsonAndText)
{
    Stats st;
    st.publishing = 5;
    st.publishes = 6;
    st.segments = 40;
    st.playlist_ms.add(3);
    st.error("http");
    st.http_status[404] = 1;
    RunInfo run{5, 20, 20.04};
    auto j = report_json(st, run);
    EXPECT_EQ(j["publishers"]["publishing"], 5);
    EXPECT_EQ(j["viewers"]["segments"], 40);
    EXPECT_EQ(j["latency_ms"]["playlist"]["p99"], 3.0);
    EXPECT_EQ(j["errors"]["total"], 1);
    EXPECT_EQ(j["errors"]["by_http_status"]["404"], 1);
    EXPECT_EQ(j["duration_s"], 20.0);
    std::string text = report_text(st, run);
    EXPECT_NE(text.find("publishing 5"), std::string::npos) << text;
    EXPECT_NE(text.find("HTTP status: 404 1"), std::string::npos) << text;
    EXPECT_EQ(text.find("stall:"), std::string::npos) << text;
}

TEST(Report, StallExamples)
{
    Stats st;
    st.stalls = 1;
    st.stall_examples.push_back(
        {12, "/LiveApp/streams/view2.m3u8", 23.14, 0.0042, 28, 4100.04, 2.5});
    RunInfo run{0, 20, 30};
    auto j = report_json(st, run);
    const auto& e = j["viewers"]["stall_examples"][0];
    EXPECT_EQ(e["viewer"], 12);
    EXPECT_EQ(e["playlist"], "/LiveApp/streams/view2.m3u8");
    EXPECT_EQ(e["at_s"], 23.1);
    EXPECT_EQ(e["lasted_s"], 0.004);
    EXPECT_EQ(e["sequence"], 28);
    EXPECT_EQ(e["listed_to_fetched_ms"], 4100.0);
    EXPECT_EQ(e["fetch_ms"], 2.5);
    std::string text = report_text(st, run);
    EXPECT_NE(text.find("stall: viewer 12 /LiveApp/streams/view2.m3u8 at "
                        "23.1 s for 0.004 s, until segment 28 (listed to "
                        "fetched 4100.0 ms, its request 2.5 ms)"),
              std::string::npos)
        << text;
    EXPECT_EQ(text.find("stall_examples"), std::string::npos) << text;
}

TEST(Progress, RatesOverTheInterval)
{
    Stats prev, now;
    now.segments = 10;
    now.view_bytes = 4000000;
    now.error("timeout");
    RunInfo run{0, 10, 0};
    std::string line = progress_line(now, prev, 3, 2, run);
    EXPECT_NE(line.find("5.0 seg/s"), std::string::npos) << line;
    EXPECT_NE(line.find("in 2.00 MB/s"), std::string::npos) << line;
    EXPECT_NE(line.find("(timeout 1)"), std::string::npos) << line;
}

}  // namespace
}  // namespace fanout::load
