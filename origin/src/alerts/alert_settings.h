// alerts/alert_settings.h — the alert rules' thresholds and durations, and
// the evaluator's knobs: origin.properties keys `alerts.*` (documented in
// origin.properties and the README's Alerts section).  Pure.
#pragma once

#include <string>
#include <vector>

#include "core/error.h"

namespace fanout::alerts {

struct AlertSettings {
    bool enabled = true;  // alerts.enabled
    int interval_ms = 5000;  // alerts.interval_ms: one evaluation per
    int lease_ttl_ms = 15000;  // alerts.lease_ttl_ms (> interval_ms)
    // alerts.sample_interval_ms: the lease holder appends each alive
    // node's CPU %, memory %, viewers and store query time to the store
    // this often (at its next evaluation), for the console's charts; the
    // store keeps 120 of them, at most an hour (alerts/node_history.h).
    int sample_interval_ms = 30000;
    double cpu_percent = 80;  // alerts.cpu_percent
    int cpu_for_s = 60;  // alerts.cpu_for_s
    double memory_percent = 85;  // alerts.memory_percent
    int memory_for_s = 60;  // alerts.memory_for_s
    double db_query_ms = 100;  // alerts.db_query_ms
    int db_query_for_s = 60;  // alerts.db_query_for_s
    double repl_lag_s = 10;  // alerts.repl_lag_s
    int repl_lag_for_s = 0;  // alerts.repl_lag_for_s
    // alerts.stream_stall_segments: a live stream with no new segment for
    // this many hlsTime is stalled.
    double stream_stall_segments = 3;
    int edge_origin_for_s = 0;  // alerts.edge_origin_for_s
    // alerts.edge_origin_recent_s: an edge's last failed origin fetch
    // counts while it is at most this old.
    int edge_origin_recent_s = 30;
    // Hysteresis: an alert clears only once its value has stayed below
    // threshold x (1 - clear_margin_percent / 100) for clear_for_s.
    double clear_margin_percent = 10;  // alerts.clear_margin_percent
    int clear_for_s = 30;  // alerts.clear_for_s
    // alerts.webhook_url: raised and cleared alerts are POSTed there as
    // JSON, signed with listenerHookSecret; empty: none.
    std::string webhook_url;
};

// Every alerts.* key, in the order origin.properties lists them.
const std::vector<std::string>& setting_keys();

// Sets key (one of setting_keys()) from its text; the error says what the
// value must be (it never names the key: the caller adds it).
Status set_setting(AlertSettings& s, const std::string& key,
                   const std::string& value);

// Cross-key checks, once every key is read (lease_ttl_ms > interval_ms).
Status check_settings(const AlertSettings& s);

}  // namespace fanout::alerts
