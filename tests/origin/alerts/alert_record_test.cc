// Alerts as the store keeps them, as REST answers them, and the one
// adapter from the store's node record to the rules' sample.
#include "alerts/alert_record.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>

namespace fanout::alerts {
namespace {

TEST(AlertRecord, RoundTripsThroughTheStoreRecord)
{
    Alert a{"highCpu-1-00ab",   kHighCpu, "LiveApp/cam1", 95.5, 80, 1000, 2000,
            "CPU 95.5 % > 80 %"};
    fo_alert r = to_record(a);
    EXPECT_STREQ(r.id, "highCpu-1-00ab");
    EXPECT_STREQ(r.subject, "LiveApp/cam1");
    Alert b = from_record(r);
    EXPECT_EQ(b.id, a.id);
    EXPECT_EQ(b.rule, a.rule);
    EXPECT_EQ(b.subject, a.subject);
    EXPECT_EQ(b.value, a.value);
    EXPECT_EQ(b.threshold, a.threshold);
    EXPECT_EQ(b.started_ms, a.started_ms);
    EXPECT_EQ(b.ended_ms, a.ended_ms);
    EXPECT_EQ(b.message, a.message);
    // Too long for the record: cut, never overrun.
    a.message = std::string(1000, 'x');
    r = to_record(a);
    EXPECT_EQ(std::strlen(r.message), sizeof(r.message) - 1);
}

TEST(AlertRecord, JsonInCamelCase)
{
    Alert a{"nodeDead-5-0001", kNodeDead, "origin-2", 25, 20, 5, 0, "m"};
    nlohmann::json j = to_json(a);
    EXPECT_EQ(j, nlohmann::json({{"id", "nodeDead-5-0001"},
                                 {"rule", "nodeDead"},
                                 {"subject", "origin-2"},
                                 {"value", 25.0},
                                 {"threshold", 20.0},
                                 {"startTime", 5},
                                 {"endTime", 0},
                                 {"active", true},
                                 {"message", "m"}}));
    a.ended_ms = 9;
    EXPECT_EQ(to_json(a)["active"], false);
}

TEST(AlertRecord, ThresholdsAnswerTheSettingsInCamelCase)
{
    AlertSettings s;
    ASSERT_TRUE(set_setting(s, "alerts.cpu_percent", "70.5").ok());
    ASSERT_TRUE(set_setting(s, "alerts.memory_for_s", "5").ok());
    ASSERT_TRUE(set_setting(s, "alerts.enabled", "false").ok());
    nlohmann::json j = thresholds_to_json(s);
    EXPECT_EQ(j["cpuPercent"], 70.5);
    EXPECT_EQ(j["memoryForS"], 5);
    EXPECT_EQ(j["enabled"], false);
    EXPECT_EQ(j["memoryPercent"], 85);  // the default
    EXPECT_EQ(j["dbQueryMs"], 100);
    EXPECT_EQ(j["clearForS"], 30);
    EXPECT_FALSE(j.contains("webhookUrl"));  // may carry a secret
    // One field per alerts.* key but the webhook URL and the lease TTL.
    EXPECT_EQ(j.size(), setting_keys().size() - 2);
}

TEST(AlertRecord, TodaysNodeRecordLeavesTheNewMetricsUnknown)
{
    fo_node n{};
    std::snprintf(n.id, sizeof(n.id), "edge-1");
    n.role = FO_ROLE_EDGE;
    n.alive = 1;
    n.cpu = 42;
    n.db_query_avg_ms = 3;
    n.last_update_ms = 77;
    NodeSample s = node_sample(n);
    EXPECT_EQ(s.id, "edge-1");
    EXPECT_TRUE(s.edge);
    EXPECT_TRUE(s.alive);
    EXPECT_EQ(s.cpu, 42);
    EXPECT_EQ(s.db_query_avg_ms, 3);
    EXPECT_EQ(s.last_update_ms, 77);
}

// The node record once the node metrics add their fields (issue 15):
// the adapter reads them with no change.
struct NodeWithMetrics : fo_node {
    double mem_percent = 91;
    double repl_lag_ms = 12000;
    int64_t origin_ok_ms = 10;
    int64_t origin_fail_ms = 20;
};

TEST(AlertRecord, TheNodeMetricsFieldsAreReadWhenTheRecordHasThem)
{
    NodeWithMetrics n{};
    n.mem_percent = 91;
    n.repl_lag_ms = 12000;
    n.origin_ok_ms = 10;
    n.origin_fail_ms = 20;
    NodeSample s = sample_of(n);
    EXPECT_EQ(s.mem_percent, 91);
    EXPECT_EQ(s.repl_lag_ms, 12000);
    EXPECT_EQ(s.origin_ok_ms, 10);
    EXPECT_EQ(s.origin_fail_ms, 20);
}

}  // namespace
}  // namespace fanout::alerts
