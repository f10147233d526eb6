// cluster/membership.h — this node's life in the cluster store: register at
// start, heartbeat every period with its load, reap broadcasts whose origin
// died, and leave cleanly.  Store calls run on the membership lane
// (OriginContext::cluster_lane, its own thread and store handle, which
// REST cannot starve); so does the sampling of CPU and memory (/proc):
// nothing of a beat waits on the event loop.  An outage is logged once and
// the state converges when the store returns.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <utility>

#include "core/origin_context.h"
#include "core/system_stats.h"

namespace fanout::cluster {

// What a heartbeat reports of the node's load (the fo_node fields).
struct NodeLoad {
    double cpu = 0;  // machine CPU, percent of all cores
    double mem_percent = 0;  // machine memory used, percent
    double process_cpu = 0;  // this process, percent of all cores
    int64_t process_rss = 0;  // this process, bytes resident
    double load1 = 0;  // 1-minute load average
    int32_t active_streams = 0;
    int32_t viewers = 0;
};

// A byte counter's rate between two beats, bits per second: (bytes1 -
// bytes0) * 8000 / elapsed_ms, rounded down and at most INT64_MAX; 0 when
// elapsed_ms <= 0 or the counter went back.
int64_t rate_bps(uint64_t bytes0, uint64_t bytes1, int64_t elapsed_ms);

// A byte counter's rate over at least the last window_ms: each sample()
// answers the rate since the newest earlier sample that is window_ms old
// or more (the oldest kept, before there is one; 0 on the first), so that
// a node beating every 500 ms does not report a 500 ms burst or a 500 ms
// silence.  At most `cap` samples are kept.  Pure (times are the
// caller's, ms).
class RateWindow {
public:
    explicit RateWindow(int64_t window_ms, size_t cap = 64)
        : window_ms_(window_ms), cap_(cap)
    {
    }
    int64_t sample(int64_t now_ms, uint64_t bytes);

private:
    int64_t window_ms_;
    size_t cap_;
    std::deque<std::pair<int64_t, uint64_t>> samples_;  // oldest first
};

// The window nodes report egress over (egressBitrate): the default
// heartbeat period.
inline constexpr int64_t kEgressWindowMs = 5000;

class Membership {
public:
    // load() runs on the event loop at each beat (what the loop knows:
    // streams, viewers); sampler, when given, fills cpu, mem_percent,
    // process_cpu, process_rss and load1 on the lane.  After each beat the
    // figures it sent are in ctx.metrics.node (GET /metrics).  Each beat
    // also reports egress_bps: the rate of ctx.metrics.http.bytes_out_total
    // since the previous beat (0 on the first).  after_beat(ok) runs on the loop: the publish gate re-claims
    // streams the store missed during an outage and writes progress.
    Membership(OriginContext& ctx, std::function<NodeLoad()> load,
               std::function<void(bool store_ok)> after_beat,
               SystemSampler* sampler = nullptr);

    void start();  // first beat now, then every period
    void stop();  // cancels the timer
    // Blocking: removes this node from the store (clean shutdown).
    void leave_blocking();

    bool store_ok() const { return store_ok_; }

private:
    void beat();
    void schedule();
    int64_t egress_bps();  // over >= kEgressWindowMs; 0 on the first

    OriginContext& ctx_;
    std::function<NodeLoad()> load_;
    std::function<void(bool)> after_beat_;
    SystemSampler* sampler_;
    boost::asio::steady_timer timer_;
    std::chrono::steady_clock::time_point started_;  // of the last beat
    RateWindow egress_{kEgressWindowMs};  // of bytes_out_total
    bool store_ok_ = true;
    bool stopped_ = false;
    bool in_flight_ = false;
};

}  // namespace fanout::cluster
