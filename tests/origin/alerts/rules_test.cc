// The alert rules as a pure function, driven by a fake clock (the "now"
// passed in): thresholds, durations, hysteresis, clearing, a node
// deleted, a stream stalled, an edge cut off, and a restored state.
#include "alerts/rules.h"

#include <gtest/gtest.h>

namespace fanout::alerts {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000;

AlertSettings settings()
{
    AlertSettings s;  // the defaults: CPU > 80 % for 60 s, ...
    s.clear_for_s = 30;
    s.clear_margin_percent = 10;  // clears below 72 %
    return s;
}

NodeSample node(const std::string& id, double cpu, int64_t now)
{
    NodeSample n;
    n.id = id;
    n.cpu = cpu;
    n.mem_percent = 40;
    n.db_query_avg_ms = 2;
    n.last_update_ms = now;
    return n;
}

// Feeds one sample set at each of times, carrying the state; the events
// of every step, in order.
struct Feed {
    AlertSettings cfg = settings();
    State state;
    std::vector<Event> events;

    std::vector<Event> at(int64_t now, const Samples& s)
    {
        Outcome o = evaluate(state, s, cfg, now);
        state = std::move(o.state);
        events.insert(events.end(), o.events.begin(), o.events.end());
        return o.events;
    }
    std::vector<Event> cpu(int64_t now, double cpu)
    {
        Samples s;
        s.nodes.push_back(node("origin-a", cpu, now));
        return at(now, s);
    }
};

TEST(AlertRules, CpuOverThresholdRaisesOnlyAfterItsDuration)
{
    Feed r;
    EXPECT_TRUE(r.cpu(kT0, 95).empty());
    EXPECT_TRUE(r.cpu(kT0 + 30'000, 95).empty());
    EXPECT_TRUE(r.cpu(kT0 + 59'999, 95).empty());
    auto ev = r.cpu(kT0 + 60'000, 95);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_TRUE(ev[0].raised);
    EXPECT_EQ(ev[0].alert.rule, kHighCpu);
    EXPECT_EQ(ev[0].alert.subject, "origin-a");
    EXPECT_EQ(ev[0].alert.value, 95);
    EXPECT_EQ(ev[0].alert.threshold, 80);
    EXPECT_EQ(ev[0].alert.started_ms, kT0 + 60'000);
    EXPECT_EQ(ev[0].alert.ended_ms, 0);
    EXPECT_NE(ev[0].alert.message.find("origin-a"), std::string::npos);
    // Raised once: staying high says nothing more.
    EXPECT_TRUE(r.cpu(kT0 + 65'000, 99).empty());
    EXPECT_TRUE(r.cpu(kT0 + 600'000, 99).empty());
}

TEST(AlertRules, AtTheThresholdOrADipRestartsTheDuration)
{
    Feed r;
    r.cpu(kT0, 95);
    r.cpu(kT0 + 40'000, 80);  // not above: the 60 s start again
    EXPECT_TRUE(r.cpu(kT0 + 50'000, 95).empty());
    EXPECT_TRUE(r.cpu(kT0 + 100'000, 95).empty());
    EXPECT_EQ(r.cpu(kT0 + 110'000, 95).size(), 1u);
}

TEST(AlertRules, HysteresisClearsOnlyBelowTheMarginForTheClearDuration)
{
    Feed r;
    r.cpu(kT0, 95);
    ASSERT_EQ(r.cpu(kT0 + 60'000, 95).size(), 1u);
    // Below the threshold but above its clear level (72): holds.
    EXPECT_TRUE(r.cpu(kT0 + 70'000, 75).empty());
    EXPECT_TRUE(r.cpu(kT0 + 200'000, 75).empty());
    // Below 72, but not yet for 30 s; a flap back up restarts the wait.
    EXPECT_TRUE(r.cpu(kT0 + 210'000, 50).empty());
    EXPECT_TRUE(r.cpu(kT0 + 230'000, 85).empty());
    EXPECT_TRUE(r.cpu(kT0 + 240'000, 50).empty());
    EXPECT_TRUE(r.cpu(kT0 + 269'999, 50).empty());
    auto ev = r.cpu(kT0 + 270'000, 50);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_FALSE(ev[0].raised);
    EXPECT_EQ(ev[0].alert.started_ms, kT0 + 60'000);
    EXPECT_EQ(ev[0].alert.ended_ms, kT0 + 270'000);
    EXPECT_TRUE(r.cpu(kT0 + 300'000, 50).empty());
    EXPECT_TRUE(r.state.tracks.empty());  // nothing kept for a calm node
}

TEST(AlertRules, ARaiseAfterAClearIsANewAlert)
{
    Feed r;
    r.cpu(kT0, 95);
    auto first = r.cpu(kT0 + 60'000, 95);
    r.cpu(kT0 + 70'000, 10);
    ASSERT_EQ(r.cpu(kT0 + 100'000, 10).size(), 1u);
    r.cpu(kT0 + 110'000, 95);
    auto second = r.cpu(kT0 + 170'000, 95);
    ASSERT_EQ(second.size(), 1u);
    EXPECT_NE(first[0].alert.id, second[0].alert.id);
}

TEST(AlertRules, MemoryAndDatabaseHaveTheirOwnThresholds)
{
    Feed r;
    r.cfg.memory_for_s = 0;
    r.cfg.db_query_for_s = 10;
    Samples s;
    NodeSample n = node("origin-b", 10, kT0);
    n.mem_percent = 86;
    n.db_query_avg_ms = 150;
    s.nodes.push_back(n);
    auto ev = r.at(kT0, s);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].alert.rule, kHighMemory);
    ev = r.at(kT0 + 10'000, s);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].alert.rule, kSlowDatabase);
    EXPECT_EQ(ev[0].alert.threshold, 100);
}

TEST(AlertRules, UnknownValuesRaiseNothing)
{
    Feed r;
    r.cfg.repl_lag_for_s = 0;
    Samples s;
    NodeSample n = node("edge-1", -1, kT0);
    n.mem_percent = -1;
    n.repl_lag_ms = -1;
    s.nodes.push_back(n);
    EXPECT_TRUE(r.at(kT0, s).empty());
    EXPECT_TRUE(r.at(kT0 + 3'600'000, s).empty());
    s.nodes[0].repl_lag_ms = 12'000;  // > 10 s, no duration by default
    auto ev = r.at(kT0 + 3'600'001, s);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].alert.rule, kReplicationLag);
    EXPECT_DOUBLE_EQ(ev[0].alert.value, 12);
}

TEST(AlertRules, ADeadNodeRaisesAtOnceAndClearsAtItsNextHeartbeat)
{
    Feed r;
    Samples s;
    s.dead_after_ms = 20'000;
    s.nodes.push_back(node("origin-a", 95, kT0));
    r.at(kT0, s);
    s.nodes[0].alive = false;
    auto ev = r.at(kT0 + 25'000, s);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].alert.rule, kNodeDead);
    EXPECT_EQ(ev[0].alert.threshold, 20);
    // Its stale CPU raises nothing while it is dead.
    EXPECT_TRUE(r.at(kT0 + 120'000, s).empty());
    s.nodes[0] = node("origin-a", 10, kT0 + 130'000);
    ev = r.at(kT0 + 130'000, s);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_FALSE(ev[0].raised);
    EXPECT_EQ(ev[0].alert.rule, kNodeDead);
}

TEST(AlertRules, ADeletedNodeClearsItsAlerts)
{
    Feed r;
    r.cfg.cpu_for_s = 0;
    Samples s;
    s.nodes.push_back(node("origin-a", 95, kT0));
    s.nodes[0].alive = false;
    ASSERT_EQ(r.at(kT0, s).size(), 1u);  // dead
    s.nodes.push_back(node("origin-b", 95, kT0));
    ASSERT_EQ(r.at(kT0 + 1000, s).size(), 1u);  // b's CPU
    s.nodes.erase(s.nodes.begin());  // DELETE /rest/v2/cluster/node/origin-a
    auto ev = r.at(kT0 + 2000, s);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_FALSE(ev[0].raised);
    EXPECT_EQ(ev[0].alert.subject, "origin-a");
    EXPECT_EQ(ev[0].alert.ended_ms, kT0 + 2000);
    s.nodes.clear();
    ev = r.at(kT0 + 3000, s);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].alert.subject, "origin-b");
    EXPECT_TRUE(r.state.tracks.empty());
}

Samples stream(int64_t seq, int64_t written, int hls_time_s = 2)
{
    Samples s;
    s.streams.push_back({"LiveApp/cam1", seq, written, hls_time_s});
    return s;
}

TEST(AlertRules, AStreamStallsWhenItsSequenceStopsFor3HlsTimes)
{
    Feed r;
    r.cfg.clear_for_s = 0;
    EXPECT_TRUE(r.at(kT0, stream(10, kT0)).empty());
    EXPECT_TRUE(r.at(kT0 + 5000, stream(12, kT0 + 5000)).empty());
    EXPECT_TRUE(r.at(kT0 + 10'000, stream(12, kT0 + 10'000)).empty());
    auto ev = r.at(kT0 + 11'000, stream(12, kT0 + 11'000));
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].alert.rule, kStreamStalled);
    EXPECT_EQ(ev[0].alert.subject, "LiveApp/cam1");
    EXPECT_EQ(ev[0].alert.threshold, 6);
    // The owner still writing the same sequence is no progress; a new
    // one is.
    EXPECT_TRUE(r.at(kT0 + 15'000, stream(12, kT0 + 15'000)).empty());
    ev = r.at(kT0 + 20'000, stream(13, kT0 + 20'000));
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_FALSE(ev[0].raised);
}

TEST(AlertRules, TheStallLimitIsTheStreamsOwnHlsTime)
{
    // hlsTime 6 (its application's): 12 s without a new segment is two
    // segments, not a stall; 18 s is.
    Feed r;
    r.cfg.clear_for_s = 0;
    EXPECT_TRUE(r.at(kT0, stream(10, kT0, 6)).empty());
    EXPECT_TRUE(r.at(kT0 + 12'000, stream(10, kT0 + 12'000, 6)).empty());
    auto ev = r.at(kT0 + 18'000, stream(10, kT0 + 18'000, 6));
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].alert.threshold, 18);
    // The same silence at hlsTime 2 is a stall.
    Feed two;
    two.cfg.clear_for_s = 0;
    two.at(kT0, stream(10, kT0, 2));
    EXPECT_EQ(two.at(kT0 + 12'000, stream(10, kT0 + 12'000, 2)).size(), 1u);
}

TEST(AlertRules, AStreamThatEndsClearsAndIsForgotten)
{
    Feed r;
    r.at(kT0, stream(10, kT0));
    ASSERT_EQ(r.at(kT0 + 7000, stream(10, kT0 + 7000)).size(), 1u);
    auto ev = r.at(kT0 + 8000, Samples{});
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_FALSE(ev[0].raised);
    EXPECT_TRUE(r.state.streams.empty());
    EXPECT_TRUE(r.state.tracks.empty());
}

TEST(AlertRules, AnEdgeWhoseOriginFetchesFailIsCutOff)
{
    Feed r;
    r.cfg.clear_for_s = 0;
    Samples s;
    NodeSample e = node("edge-1", 5, kT0);
    e.edge = true;
    e.origin_ok_ms = kT0 - 10'000;
    e.origin_fail_ms = kT0 - 1000;
    s.nodes.push_back(e);
    auto ev = r.at(kT0, s);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].alert.rule, kEdgeOriginUnreachable);
    s.nodes[0].origin_ok_ms = kT0 + 500;  // a fetch worked again
    ev = r.at(kT0 + 1000, s);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_FALSE(ev[0].raised);
    // An old failure (beyond edge_origin_recent_s) raises nothing; an
    // origin's fetch fields mean nothing.
    s.nodes[0].origin_ok_ms = kT0 - 100'000;
    s.nodes[0].origin_fail_ms = kT0 - 90'000;
    EXPECT_TRUE(r.at(kT0 + 2000, s).empty());
    s.nodes[0].edge = false;
    s.nodes[0].origin_fail_ms = kT0 + 2500;
    EXPECT_TRUE(r.at(kT0 + 3000, s).empty());
}

TEST(AlertRules, ARestoredStateRaisesNothingTwiceAndStillClears)
{
    Feed r;
    r.cfg.cpu_for_s = 0;
    r.cfg.clear_for_s = 0;
    Alert active{"highCpu-1-00000000", kHighCpu, "origin-a", 95, 80,
                 kT0 - 60'000,         0,        "CPU"};
    r.state = restore({active});
    EXPECT_TRUE(r.cpu(kT0, 95).empty());
    auto ev = r.cpu(kT0 + 1000, 10);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_FALSE(ev[0].raised);
    EXPECT_EQ(ev[0].alert.id, active.id);
}

TEST(AlertRules, AlertIdsAreValidStoreIds)
{
    Feed r;
    r.cfg.clear_for_s = 0;
    auto ev = r.at(kT0, stream(1, kT0));
    ev = r.at(kT0 + 7000, stream(1, kT0 + 7000));
    ASSERT_EQ(ev.size(), 1u);
    const std::string& id = ev[0].alert.id;
    EXPECT_LT(id.size(), 64u);
    EXPECT_EQ(id.find('/'), std::string::npos);
}

}  // namespace
}  // namespace fanout::alerts
