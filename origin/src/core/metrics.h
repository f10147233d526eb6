// core/metrics.h — process-wide counters, exported at GET /metrics.
#pragma once

#include <atomic>
#include <cstdint>

namespace fanout {

struct Metrics {
    std::atomic<uint64_t> publishers{0};         // connected publishers now
    std::atomic<uint64_t> publishes_total{0};
    std::atomic<uint64_t> publishes_refused{0};
    std::atomic<uint64_t> rtmp_connections{0};   // open now
    std::atomic<uint64_t> rtmp_bad_input_total{0};
    std::atomic<uint64_t> bytes_in{0};
    std::atomic<uint64_t> http_requests_total{0};
    std::atomic<uint64_t> segment_requests_total{0};
    std::atomic<uint64_t> store_errors_total{0};
};

}  // namespace fanout
