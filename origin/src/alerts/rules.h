// alerts/rules.h — the cluster's alert rules as a pure function: the
// previous state, what the store holds now (nodes, live streams' progress)
// and the store's clock in, the new state and the raised / cleared alerts
// out.  No I/O and no clock of its own, so tests drive it with a fake
// clock (tests/origin/alerts/rules_test.cc).
//
// Rules (thresholds and durations: AlertSettings):
//   nodeDead               the store counts the node dead (no heartbeat
//                          for update_period x dead_factor); clears at its
//                          next heartbeat
//   highCpu / highMemory / slowDatabase / replicationLag
//                          value > threshold for for_s
//   streamStalled          a live stream whose HLS sequence has not moved
//                          for stream_stall_segments x hlsTime
//   edgeOriginUnreachable  an alive edge whose last origin fetch failed
//                          (origin_fail_ms > origin_ok_ms) within
//                          edge_origin_recent_s, for edge_origin_for_s
// Hysteresis: a raised alert clears only after its value has stayed below
// threshold x (1 - clear_margin_percent/100) (for the yes/no rules: the
// condition has stayed false) for clear_for_s; between the two levels
// nothing changes, and a raise needs the value above the threshold for
// all of for_s.  A dead node's metrics are stale: its other alerts hold.
// A node gone from the store (deleted) or a stream no longer live clears
// its alerts at once.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "alerts/alert_settings.h"

namespace fanout::alerts {

// What the rules read of a node.  Unknown numbers are < 0.
struct NodeSample {
    std::string id;
    bool edge = false;
    bool alive = true;  // the store's liveness rule
    int64_t last_update_ms = 0;
    double cpu = -1;  // system CPU %, 0..100
    double mem_percent = -1;  // system memory used %
    double db_query_avg_ms = -1;
    double repl_lag_ms = -1;
    int32_t viewers = 0;  // for the charts (node_history.h), not a rule
    int64_t origin_ok_ms = 0;  // edges: last good origin fetch, 0 none
    int64_t origin_fail_ms = 0;  // edges: last failed one, 0 none
};

// A live ("broadcasting") stream's progress as its origin last wrote it.
struct StreamSample {
    std::string subject;  // "app/streamId"
    int64_t hls_sequence = 0;
    int64_t written_ms = 0;  // when, on the store's clock; 0: not yet
    // Its application's hlsTime (package/hls_time_setting.h) as the
    // store holds it now: a stream published before a change keeps the
    // old segment duration until it publishes again.
    int hls_time_s = 2;
};

struct Samples {
    std::vector<NodeSample> nodes;
    std::vector<StreamSample> streams;
    int64_t dead_after_ms = 20000;  // the store's liveness window
};

struct Alert {
    std::string id;  // a valid store id, unique per raise
    std::string rule;
    std::string subject;
    double value = 0;
    double threshold = 0;
    int64_t started_ms = 0;
    int64_t ended_ms = 0;  // 0 while active
    std::string message;
};

struct Event {
    bool raised = true;  // false: cleared (alert.ended_ms set)
    Alert alert;
};

// One rule on one subject.  since: when the value went above (or below
// the clear level) and has stayed there; -1 when it is not there.
struct Track {
    int64_t above_since = -1;
    int64_t below_since = -1;
    bool active = false;
    Alert alert;  // while active
};

struct StreamSeen {
    int64_t sequence = 0;
    int64_t changed_ms = 0;  // written_ms of the first sample showing it
};

struct State {
    std::map<std::string, Track> tracks;  // by "rule|subject"
    std::map<std::string, StreamSeen> streams;  // by subject
};

struct Outcome {
    State state;
    std::vector<Event> events;
};

// The rule names, as stored and answered.
inline constexpr const char* kNodeDead = "nodeDead";
inline constexpr const char* kHighCpu = "highCpu";
inline constexpr const char* kHighMemory = "highMemory";
inline constexpr const char* kSlowDatabase = "slowDatabase";
inline constexpr const char* kReplicationLag = "replicationLag";
inline constexpr const char* kStreamStalled = "streamStalled";
inline constexpr const char* kEdgeOriginUnreachable = "edgeOriginUnreachable";

// Every rule name, for gauges that show zeros too.
const std::vector<std::string>& rule_names();

Outcome evaluate(const State& prev, const Samples& samples,
                 const AlertSettings& settings, int64_t now_ms);

// The state of a new evaluator (another origin took the lease over): the
// store's active alerts, so that none is raised a second time.
State restore(const std::vector<Alert>& active);

}  // namespace fanout::alerts
