// alerts/alert_record.h — an alert as the store keeps it (fo_alert), as
// the rules see it (Alert), and as REST and the webhook answer it (JSON,
// Ant Media's camelCase); and the one adapter from the store's node
// record to the rules' NodeSample.  Pure.
#pragma once

#include <nlohmann/json.hpp>

#include "alerts/rules.h"
#include "fanout/store.h"

namespace fanout::alerts {

// Strings longer than the record's arrays are cut (ids and rule names
// never are: the rules make them short).
fo_alert to_record(const Alert& a);
Alert from_record(const fo_alert& r);

// {"id", "rule", "subject", "value", "threshold", "startTime", "endTime"
// (0 while active), "active", "message"}; times are Unix ms.
nlohmann::json to_json(const Alert& a);

// The rules' thresholds and durations (AlertSettings) as REST answers them
// (GET /rest/v2/cluster/alerts "thresholds"): each alerts.* key but
// alerts.webhook_url and alerts.lease_ttl_ms, camelCase
// (alerts.cpu_for_s -> cpuForS):
// {"enabled", "intervalMs", "cpuPercent", "cpuForS", "memoryPercent",
//  "memoryForS", "dbQueryMs", "dbQueryForS", "replLagS", "replLagForS",
//  "streamStallSegments", "edgeOriginForS", "edgeOriginRecentS",
//  "clearMarginPercent", "clearForS"}.
nlohmann::json thresholds_to_json(const AlertSettings& s);

// The node's fields the rules read.  The only place that knows fo_node's
// metric fields: the node metrics (issue 15) add system memory %,
// replication lag and the edges' origin fetch times to fo_node, and each
// is read here as soon as fo_node has it (a field fo_node lacks stays
// "unknown", which raises nothing).
NodeSample node_sample(const fo_node& n);

// node_sample's body, for any record with fo_node's fields: each of the
// node-metrics fields is read when the record has it (a requires-
// expression is only false, rather than an error, in a template).
template <class Node>
NodeSample sample_of(const Node& n)
{
    NodeSample s;
    s.id = n.id;
    s.edge = n.role == FO_ROLE_EDGE;
    s.alive = n.alive != 0;
    s.last_update_ms = n.last_update_ms;
    s.cpu = n.cpu;
    s.db_query_avg_ms = n.db_query_avg_ms;
    s.viewers = n.viewers;
    if constexpr (requires { n.mem_percent; }) {
        s.mem_percent = n.mem_percent;
    }
    if constexpr (requires { n.repl_lag_ms; }) {
        s.repl_lag_ms = n.repl_lag_ms;
    }
    if constexpr (requires { n.origin_ok_ms; }) {
        s.origin_ok_ms = n.origin_ok_ms;
        s.origin_fail_ms = n.origin_fail_ms;
    }
    return s;
}

}  // namespace fanout::alerts
