// http/metrics_text.h — the Prometheus text exposition (format 0.0.4) of
// the origin's counters.  Pure: rendering a snapshot taken elsewhere.
#pragma once

#include <cstdint>
#include <string>

namespace fanout::http {

struct MetricsSnapshot {
    // core/metrics.h
    uint64_t publishers = 0;
    uint64_t publishes_total = 0;
    uint64_t publishes_refused_total = 0;
    uint64_t rtmp_connections = 0;
    uint64_t rtmp_bad_input_total = 0;
    uint64_t bytes_in_total = 0;
    uint64_t http_requests_total = 0;
    uint64_t segment_requests_total = 0;
    uint64_t store_errors_total = 0;
    double segment_publish_p50_ms = 0;
    double segment_publish_p95_ms = 0;
    double segment_publish_p99_ms = 0;
    uint64_t segment_publish_count = 0;
    // segment store
    uint64_t streams = 0;
    uint64_t segments_total = 0;
    uint64_t segment_bytes = 0;
    // store handle
    double store_query_avg_ms = 0;
    uint64_t store_queries_total = 0;
    // HTTP server
    uint64_t http_connections = 0;
    uint64_t http_connections_total = 0;
    uint64_t http_connections_rejected_total = 0;
    uint64_t http_bad_requests_total = 0;
    uint64_t http_timeouts_total = 0;
    // process
    double uptime_seconds = 0;
    std::string version;
    std::string node;
};

std::string render_metrics(const MetricsSnapshot& m);

}  // namespace fanout::http
