// core/metrics.h — process-wide counters, exported at GET /metrics.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

namespace fanout {

// Quantiles over the most recent samples (a sliding window of 1024):
// cheap enough for events that happen once per segment.
class LatencyWindow {
public:
    void observe(double ms)
    {
        std::lock_guard lock(mutex_);
        ring_[count_++ % ring_.size()] = ms;
    }
    // q in [0, 1]; 0 when nothing was observed.
    double quantile(double q) const
    {
        std::lock_guard lock(mutex_);
        size_t n = std::min<uint64_t>(count_, ring_.size());
        if (n == 0) {
            return 0;
        }
        std::vector<double> v(ring_.begin(), ring_.begin() + n);
        size_t k = std::min(n - 1, static_cast<size_t>(q * double(n)));
        std::nth_element(v.begin(), v.begin() + k, v.end());
        return v[k];
    }
    uint64_t count() const
    {
        std::lock_guard lock(mutex_);
        return count_;
    }

private:
    mutable std::mutex mutex_;
    std::array<double, 1024> ring_{};
    uint64_t count_ = 0;
};

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
    // From the frame that closes a segment arriving (its RTMP message
    // complete) to that segment being listed in the playlist and MPD.
    LatencyWindow segment_publish_ms;
};

}  // namespace fanout
