// alerts/evaluator.h — runs the alert rules (alerts/rules.h) in the
// cluster: every alerts.interval_ms, on a thread and a store handle of its
// own (so neither the event loop nor the heartbeats ever wait on it), it
// takes or renews the store lease "alerts"; only the origin holding it
// reads the nodes and the live streams' progress, evaluates, writes the
// raised and ended alerts to the store, and posts them to
// alerts.webhook_url.  A new holder starts from the store's active alerts,
// so an alert is raised once however the lease moves.  Every
// alerts.sample_interval_ms the holder also appends each alive node's
// sample to the store, for the console's charts (alerts/node_history.h).
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <memory>

#include "alerts/rules.h"
#include "cluster/webhooks.h"
#include "core/origin_context.h"

namespace fanout::alerts {

class Evaluator {
public:
    // Starts: the first evaluation as soon as the loop runs, then one
    // every interval (none with alerts.enabled=false).
    explicit Evaluator(OriginContext& ctx);
    // Blocking (shutdown): stops, waits for an evaluation in flight, and
    // releases the lease if this origin holds it.
    ~Evaluator();

    void stop();

    struct Lane;  // the thread's store handle (evaluator.cc)
    struct Tick;  // one evaluation's result

private:
    void start();
    void tick();
    void schedule();
    void finished(Tick& t);

    OriginContext& ctx_;
    const AlertSettings& settings_;
    cluster::Webhooks hooks_;
    std::shared_ptr<Lane> lane_;
    BlockingPool pool_;
    boost::asio::steady_timer timer_;
    std::chrono::steady_clock::time_point started_;
    int64_t last_sample_ms_ = -1;  // steady clock; -1: none yet
    State state_;
    bool holding_ = false;
    bool in_flight_ = false;
    bool stopped_ = false;
};

}  // namespace fanout::alerts
