// cluster/broadcast_sweep.h — the retention of auto-created broadcasts
// (issue #14): every origin, now and then, asks the store to delete the
// broadcast records that publishes auto-created and that finished at
// least store.auto_broadcast_retention_s ago (fo_broadcast_expire_auto).
//
// On the REST lane (OriginContext::pool, its own store handle), never on
// the loop and never on the membership lane, so a slow sweep cannot delay
// a heartbeat; a pass is skipped while that lane is full.  A pass deletes
// at most kSweepMax records; after a full pass the next comes soon
// (kCatchUpMs), else after sweep_period_ms.  Each deletion is one
// conditional step in the store, so several origins sweeping at once
// delete each record once, and a stream published again meanwhile stays.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <memory>

#include "core/origin_context.h"

namespace fanout::cluster {

// The most records one pass deletes: a bounded store call.
inline constexpr size_t kSweepMax = 500;
// The wait after a pass that hit kSweepMax: there is more to delete.
inline constexpr int64_t kCatchUpMs = 1000;

// Pure: the wait between passes for a retention (s > 0): half the
// retention, between 1 s and 60 s, so a record outlives its retention by
// at most a minute.
int64_t sweep_period_ms(int64_t retention_s);

class BroadcastSweep {
public:
    explicit BroadcastSweep(OriginContext& ctx);
    ~BroadcastSweep();

    // First pass after one period; nothing when the retention is 0.
    void start();
    void stop();

private:
    void schedule(int64_t ms);
    void pass();

    OriginContext& ctx_;
    boost::asio::steady_timer timer_;
    // Shared with the pass on the lane: false once stopped, so a result
    // that comes back after stop() is dropped.
    std::shared_ptr<bool> running_;
    bool in_flight_ = false;
    bool store_ok_ = true;  // the last pass's store answered
};

}  // namespace fanout::cluster
