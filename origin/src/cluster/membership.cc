#include "cluster/membership.h"

#include <chrono>
#include <cstring>

#include "core/log.h"
#include "core/store_timings.h"

namespace fanout::cluster {

namespace {

struct BeatResult {
    fo_status heartbeat = FO_OK;
    fo_status reap = FO_OK;
    int64_t reaped = 0;
    std::string error;
};

void sample_load(SystemSampler& sampler, fo_node& n)
{
    if (auto s = sampler.sample()) {
        n.cpu = s->system_cpu_percent;
        n.mem_percent = s->mem_used_percent;
        n.process_cpu = s->process_cpu_percent;
        n.process_rss = static_cast<int64_t>(s->process_rss_bytes);
        n.load1 = s->load1;
    }
}

// What /metrics shows of the beat the store took; the replication lag is
// the store's measurement (mongodb://), read back from the record.
void publish_gauges(fo_store* store, Metrics& m, const fo_node& n)
{
    NodeGauges& g = m.node;
    g.cpu_percent = n.cpu;
    g.memory_percent = n.mem_percent;
    g.load1 = n.load1;
    g.process_cpu_percent = n.process_cpu;
    g.process_resident_bytes = double(n.process_rss);
    g.store_query_avg_seconds = n.db_query_avg_ms / 1000.0;
    double lag = -1;
    fo_node stored{};
    if (std::strcmp(fo_store_backend(store), "mongodb") == 0
        && fo_node_get(store, n.id, &stored, nullptr) == FO_OK) {
        lag = stored.repl_lag_ms;
    }
    g.replication_lag_seconds = lag < 0 ? -1.0 : lag / 1000.0;
    using namespace std::chrono;
    g.heartbeat_timestamp_seconds =
        duration<double>(system_clock::now().time_since_epoch()).count();
}

// One beat, on the membership lane: sample, heartbeat, reap.
BeatResult beat_job(fo_store* store, Metrics* metrics, SystemSampler* sampler,
                    fo_node n)
{
    BeatResult r;
    fo_error err{};
    if (sampler != nullptr) {
        sample_load(*sampler, n);  // /proc reads: off the loop, like the store
    }
    // The registry's figure; sampling takes the handle's mutex, which a
    // slow store call holds, so not on the loop.
    n.db_query_avg_ms = sample_store(*metrics, store);
    n.repl_lag_ms = -1;  // the store measures it (fo_node_heartbeat)
    r.heartbeat = fo_node_heartbeat(store, &n, &err);
    if (r.heartbeat != FO_OK) {
        r.error = err.msg;
        return r;
    }
    publish_gauges(store, *metrics, n);
    // Any alive origin reaps: no stream stays "broadcasting" after its
    // origin died.  The operation is idempotent, so several origins doing
    // it at once is harmless.
    r.reap = fo_stream_reap_dead(store, &r.reaped, &err);
    if (r.reap != FO_OK) {
        r.error = err.msg;
    }
    return r;
}

}  // namespace

Membership::Membership(OriginContext& ctx, std::function<NodeLoad()> load,
                       std::function<void(bool)> after_beat,
                       SystemSampler* sampler)
    : ctx_(ctx),
      load_(std::move(load)),
      after_beat_(std::move(after_beat)),
      sampler_(sampler),
      timer_(ctx.loop)
{
}

void Membership::start()
{
    beat();
}

void Membership::stop()
{
    stopped_ = true;
    timer_.cancel();
}

void Membership::schedule()
{
    if (stopped_) {
        return;
    }
    // Fixed rate: the next beat is a period after this one started, not
    // after it finished, so a slow store does not stretch the period (a
    // beat longer than the period is followed at once by the next).
    timer_.expires_at(
        started_ + std::chrono::milliseconds(ctx_.config.update_period_ms));
    timer_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) {
            beat();
        }
    });
}

int64_t rate_bps(uint64_t bytes0, uint64_t bytes1, int64_t elapsed_ms)
{
    if (elapsed_ms <= 0 || bytes1 < bytes0) {
        return 0;
    }
    uint64_t d = bytes1 - bytes0;
    auto ms = static_cast<uint64_t>(elapsed_ms);
    // d * 8000 / ms in two parts, so that d * 8000 cannot overflow.
    uint64_t whole = d / ms;
    if (whole > uint64_t(INT64_MAX) / 8000) {
        return INT64_MAX;
    }
    return static_cast<int64_t>(whole * 8000 + (d % ms) * 8000 / ms);
}

int64_t RateWindow::sample(int64_t now_ms, uint64_t bytes)
{
    while (samples_.size() >= 2 && now_ms - samples_[1].first >= window_ms_) {
        samples_.pop_front();
    }
    int64_t bps = 0;
    if (!samples_.empty()) {
        bps = rate_bps(samples_.front().second, bytes,
                       now_ms - samples_.front().first);
    }
    if (samples_.size() >= cap_) {
        samples_.pop_front();
    }
    samples_.emplace_back(now_ms, bytes);
    return bps;
}

int64_t Membership::egress_bps()
{
    using namespace std::chrono;
    const int64_t now =
        duration_cast<milliseconds>(steady_clock::now().time_since_epoch())
            .count();
    return egress_.sample(now, ctx_.metrics.http.bytes_out_total.load());
}

void Membership::beat()
{
    if (in_flight_) {
        // The previous beat is still waiting on a slow store: never queue
        // beats behind it.
        schedule();
        return;
    }
    started_ = std::chrono::steady_clock::now();
    fo_node n;
    std::memset(&n, 0, sizeof(n));
    const Config& c = ctx_.config;
    NodeLoad load = load_();
    std::snprintf(n.id, sizeof(n.id), "%s", ctx_.node_id.c_str());
    std::snprintf(n.ip, sizeof(n.ip), "%s", c.host_address.c_str());
    std::snprintf(n.node_group, sizeof(n.node_group), "%s",
                  c.node_group.c_str());
    n.role = FO_ROLE_ORIGIN;
    n.http_port = c.http_port;
    n.rtmp_port = c.rtmp_port;
    n.cpu = load.cpu;
    n.mem_percent = load.mem_percent;
    n.process_cpu = load.process_cpu;
    n.process_rss = load.process_rss;
    n.load1 = load.load1;
    n.active_streams = load.active_streams;
    n.viewers = load.viewers;
    n.egress_bps = egress_bps();

    in_flight_ = true;
    fo_store* store = ctx_.cluster_handle();
    Metrics* metrics = &ctx_.metrics;
    SystemSampler* sampler = sampler_;
    ctx_.cluster_lane().run(
        [store, metrics, sampler, n]() {
            return beat_job(store, metrics, sampler, n);
        },
        [this](BeatResult r) {
            in_flight_ = false;
            bool ok = r.heartbeat == FO_OK && r.reap == FO_OK;
            if (!ok) {
                ctx_.metrics.store_errors_total++;
            }
            if (!ok && store_ok_) {
                log::error(
                    "cluster: store unreachable, ingest and serving go "
                    "on: "
                    + r.error);
            } else if (ok && !store_ok_) {
                log::info("cluster: store reachable again");
            }
            store_ok_ = ok;
            if (r.reaped > 0) {
                log::info("cluster: finished " + std::to_string(r.reaped)
                          + " broadcast(s) of dead origins");
            }
            if (after_beat_) {
                after_beat_(ok);
            }
            schedule();
        });
}

void Membership::leave_blocking()
{
    fo_error err{};
    fo_status st =
        fo_node_delete(ctx_.cluster_handle(), ctx_.node_id.c_str(), &err);
    if (st != FO_OK && st != FO_NOT_FOUND) {
        log::warn("cluster: could not leave the store: "
                  + std::string(err.msg));
    }
}

}  // namespace fanout::cluster
