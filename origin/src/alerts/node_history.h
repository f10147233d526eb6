// alerts/node_history.h — the node samples behind the console's charts
// (fo_node_sample_put, fo_node_samples): which nodes the evaluator samples
// and when, how long the store keeps them, and the JSON of
// GET /rest/v2/cluster/node-history.  Pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include <nlohmann/json.hpp>

#include "alerts/rules.h"
#include "fanout/store.h"

namespace fanout::alerts {

// Samples a node keeps: with alerts.sample_interval_ms at its default
// (30 s), an hour of them.
constexpr int kSamplesKept = 120;

// How long the store keeps samples taken every sample_interval_ms:
// kSamplesKept of them, and never more than FO_SAMPLE_KEEP_MS (an hour).
int64_t sample_keep_ms(int sample_interval_ms);

// Whether an evaluation starting at now_ms samples, when the last sample
// was taken at last_ms (-1: never), on a monotonic clock.  Evaluations run
// every eval_interval_ms, so a sample is due half an evaluation early
// rather than a whole one late.
bool sample_due(int64_t last_ms, int64_t now_ms, int sample_interval_ms,
                int eval_interval_ms);

// The sample of an alive node; none for a dead one, whose metrics are the
// last it sent (its chart shows a gap instead).
std::optional<fo_node_sample> sample_for(const NodeSample& n);

// The answer of GET /rest/v2/cluster/node-history: rows ordered by node
// then time (as fo_node_samples returns them), one object per node, each
// series an array of the same length:
//   {"sampleIntervalMs", "windowMs" (sample_keep_ms), "since", "now",
//    "nodes": [{"id", "time": [ms],
//    "cpu": [%], "memory": [%], "viewers": [n],
//    "dbQueryAverageTimeMs": [ms]}]}
// Values are rounded to 0.1 (the charts draw no finer).
nlohmann::json history_json(const fo_node_sample* rows, size_t n,
                            int sample_interval_ms, int64_t since_ms,
                            int64_t now_ms);

}  // namespace fanout::alerts
