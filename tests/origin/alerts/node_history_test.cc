// The node samples' pure parts: the keep window, when a sample is due,
// which nodes are sampled, and the history's JSON.
#include "alerts/node_history.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

namespace fanout::alerts {
namespace {

TEST(SampleKeep, HundredTwentySamplesAtMostAnHour)
{
    EXPECT_EQ(sample_keep_ms(30000), 3600000);  // the default: an hour
    EXPECT_EQ(sample_keep_ms(1000), 120000);
    EXPECT_EQ(sample_keep_ms(60000), 3600000);  // never more than an hour
    EXPECT_EQ(sample_keep_ms(0), 120);  // nonsense stays in range
}

TEST(SampleDue, FirstAtOnceThenEveryIntervalWithinHalfAnEvaluation)
{
    EXPECT_TRUE(sample_due(-1, 0, 30000, 5000));
    EXPECT_FALSE(sample_due(0, 5000, 30000, 5000));
    EXPECT_FALSE(sample_due(0, 27499, 30000, 5000));
    // Fixed-rate evaluations arrive a little early or late: 29.99 s counts.
    EXPECT_TRUE(sample_due(0, 29990, 30000, 5000));
    EXPECT_TRUE(sample_due(0, 30000, 30000, 5000));
    // Evaluations slower than the sample period: one sample each.
    EXPECT_TRUE(sample_due(0, 10000, 1000, 10000));
}

NodeSample node(const char* id, bool alive)
{
    NodeSample n;
    n.id = id;
    n.alive = alive;
    n.cpu = 91.27;
    n.mem_percent = 86.04;
    n.db_query_avg_ms = 3.5;
    n.viewers = 7;
    return n;
}

TEST(SampleFor, AliveNodesOnlyWithTheirValues)
{
    auto v = sample_for(node("origin-1", true));
    ASSERT_TRUE(v.has_value());
    EXPECT_STREQ(v->node_id, "origin-1");
    EXPECT_DOUBLE_EQ(v->cpu, 91.27);
    EXPECT_DOUBLE_EQ(v->mem_percent, 86.04);
    EXPECT_DOUBLE_EQ(v->db_query_avg_ms, 3.5);
    EXPECT_EQ(v->viewers, 7);
    EXPECT_FALSE(sample_for(node("origin-2", false)).has_value());
}

TEST(SampleFor, OutOfRangeValuesAreClampedOrUnknown)
{
    NodeSample n = node("edge-1", true);
    n.cpu = 250;
    n.mem_percent = NAN;
    n.viewers = -3;
    auto v = sample_for(n);
    ASSERT_TRUE(v.has_value());
    EXPECT_DOUBLE_EQ(v->cpu, 100);
    EXPECT_DOUBLE_EQ(v->mem_percent, -1);
    EXPECT_EQ(v->viewers, 0);
    n.id = std::string(FO_ID_MAX, 'x');  // would not fit: not sampled
    EXPECT_FALSE(sample_for(n).has_value());
}

fo_node_sample row(const char* id, int64_t t, double cpu, int32_t viewers)
{
    fo_node_sample r{};
    std::strncpy(r.node_id, id, sizeof(r.node_id) - 1);
    r.time_ms = t;
    r.cpu = cpu;
    r.mem_percent = 40.04;
    r.viewers = viewers;
    r.db_query_avg_ms = 1.26;
    return r;
}

TEST(HistoryJson, OneObjectPerNodeWithParallelSeries)
{
    fo_node_sample rows[] = {row("a", 1000, 12.34, 1), row("a", 2000, 56.78, 2),
                             row("b", 1500, 99.95, 0)};
    auto j = history_json(rows, 3, 30000, 500, 2500);
    EXPECT_EQ(j["sampleIntervalMs"], 30000);
    EXPECT_EQ(j["windowMs"], 3600000);
    EXPECT_EQ(j["since"], 500);
    EXPECT_EQ(j["now"], 2500);
    ASSERT_EQ(j["nodes"].size(), 2u);
    const auto& a = j["nodes"][0];
    EXPECT_EQ(a["id"], "a");
    EXPECT_EQ(a["time"], nlohmann::json({1000, 2000}));
    EXPECT_EQ(a["cpu"], nlohmann::json({12.3, 56.8}));
    EXPECT_EQ(a["memory"], nlohmann::json({40.0, 40.0}));
    EXPECT_EQ(a["viewers"], nlohmann::json({1, 2}));
    EXPECT_EQ(a["dbQueryAverageTimeMs"], nlohmann::json({1.3, 1.3}));
    EXPECT_EQ(j["nodes"][1]["id"], "b");
    EXPECT_EQ(j["nodes"][1]["cpu"], nlohmann::json({100.0}));
}

TEST(HistoryJson, NoSamplesNoNodes)
{
    auto j = history_json(nullptr, 0, 1000, 0, 1);
    EXPECT_TRUE(j["nodes"].is_array());
    EXPECT_TRUE(j["nodes"].empty());
}

}  // namespace
}  // namespace fanout::alerts
