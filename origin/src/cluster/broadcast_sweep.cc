#include "cluster/broadcast_sweep.h"

#include <algorithm>
#include <chrono>
#include <string>

#include "core/log.h"

namespace fanout::cluster {

namespace {

struct PassResult {
    fo_status status = FO_OK;
    int64_t deleted = 0;
    std::string error;
};

PassResult pass_job(fo_store* store, int64_t retention_ms)
{
    PassResult r;
    fo_error err{};
    r.status = fo_broadcast_expire_auto(store, retention_ms, kSweepMax,
                                        &r.deleted, &err);
    if (r.status != FO_OK) {
        r.error = err.msg;
    }
    return r;
}

}  // namespace

int64_t sweep_period_ms(int64_t retention_s)
{
    return std::clamp<int64_t>(retention_s * 500, 1000, 60000);
}

BroadcastSweep::BroadcastSweep(OriginContext& ctx)
    : ctx_(ctx), timer_(ctx.loop), running_(std::make_shared<bool>(false))
{
}

BroadcastSweep::~BroadcastSweep()
{
    stop();
}

void BroadcastSweep::start()
{
    const int64_t retention_s = ctx_.config.auto_broadcast_retention_s;
    if (retention_s <= 0) {
        log::info(
            "auto-created broadcasts are kept forever "
            "(store.auto_broadcast_retention_s = 0)");
        return;
    }
    *running_ = true;
    schedule(sweep_period_ms(retention_s));
}

void BroadcastSweep::stop()
{
    *running_ = false;
    timer_.cancel();
}

void BroadcastSweep::schedule(int64_t ms)
{
    timer_.expires_after(std::chrono::milliseconds(ms));
    timer_.async_wait(
        [this, running = running_](const boost::system::error_code& ec) {
            if (!ec && *running) {
                pass();
            }
        });
}

void BroadcastSweep::pass()
{
    const int64_t period =
        sweep_period_ms(ctx_.config.auto_broadcast_retention_s);
    if (in_flight_ || ctx_.pool.full()) {  // REST is busy: next time
        return schedule(period);
    }
    in_flight_ = true;
    fo_store* store = ctx_.store;
    const int64_t retention_ms =
        int64_t{ctx_.config.auto_broadcast_retention_s} * 1000;
    ctx_.pool.run(
        [store, retention_ms] { return pass_job(store, retention_ms); },
        [this, period, running = running_](PassResult r) {
            if (!*running) {
                return;
            }
            in_flight_ = false;
            if (r.status != FO_OK) {  // logged once an outage
                ctx_.metrics.store_errors_total++;
                if (store_ok_) {
                    log::warn("broadcast retention sweep: " + r.error);
                }
            }
            store_ok_ = r.status == FO_OK;
            if (r.deleted > 0) {
                ctx_.metrics.auto_broadcasts_expired +=
                    static_cast<uint64_t>(r.deleted);
                log::info("broadcast retention sweep: deleted "
                          + std::to_string(r.deleted)
                          + " finished auto-created broadcasts");
            }
            schedule(r.deleted >= static_cast<int64_t>(kSweepMax) ? kCatchUpMs
                                                                  : period);
        });
}

}  // namespace fanout::cluster
