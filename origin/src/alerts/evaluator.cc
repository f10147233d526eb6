#include "alerts/evaluator.h"

#include "alerts/alert_record.h"
#include "alerts/node_history.h"
#include "core/log.h"
#include "package/hls_time_setting.h"
#include "transcode/app_settings_store.h"

namespace fanout::alerts {

namespace {

constexpr const char* kLease = "alerts";
constexpr size_t kPage = 500;
// Bounds on one evaluation's reads: nodes and live streams.
constexpr size_t kMaxNodes = 10000;
constexpr size_t kMaxBroadcasts = 100000;

}  // namespace

struct Evaluator::Lane {
    std::string uri;
    fo_store* store = nullptr;  // opened on the lane's thread
    ~Lane() { fo_store_close(store); }
};

struct Evaluator::Tick {
    bool held = false;
    bool sampled = false;  // the node samples were written
    std::string error;  // a store call failed
    State state;
    std::vector<Event> events;
};

namespace {

struct Inputs {
    std::string node_id;
    AlertSettings settings;
    int64_t ttl_ms = 0;
    std::vector<std::string> apps;
    int hls_time_s = 2;
    bool holding = false;
    State state;
    int64_t sample_keep_ms = 0;  // > 0: write the node samples
};

bool failed(fo_status st, const fo_error& err, Evaluator::Tick& t)
{
    if (st == FO_OK) {
        return false;
    }
    t.error = err.msg[0] != '\0' ? err.msg : fo_status_str(st);
    return true;
}

// The store's active alerts, as a new holder's starting state.
bool restore_from(fo_store* s, Evaluator::Tick& t)
{
    std::vector<fo_alert> rows(kMaxNodes);
    size_t n = 0;
    fo_error err{};
    if (failed(fo_alert_list(s, 0, rows.data(), rows.size(), &n, &err), err,
               t)) {
        return false;
    }
    std::vector<Alert> active;
    for (size_t i = 0; i < n; i++) {
        active.push_back(from_record(rows[i]));
    }
    t.state = restore(active);
    return true;
}

bool read_nodes(fo_store* s, Samples& out, Evaluator::Tick& t)
{
    std::vector<fo_node> page(kPage);
    for (size_t offset = 0; offset < kMaxNodes; offset += kPage) {
        size_t n = 0;
        fo_error err{};
        fo_status st = fo_node_list(s, offset, page.data(), kPage, &n, &err);
        if (failed(st, err, t)) {
            return false;
        }
        for (size_t i = 0; i < n; i++) {
            out.nodes.push_back(node_sample(page[i]));
        }
        if (n < kPage) {
            break;
        }
    }
    return true;
}

// The live streams of app and the progress their origins last wrote: one
// store call per kPage live streams (fo_stream_live_progress), not a list
// of every broadcast and a progress read per live one.
// The application's hlsTime as the store holds it (origin.properties'
// when it has none, or a bad one); false when the store failed.
bool read_hls_time(fo_store* s, const std::string& app, int default_s,
                   int* hls_time_s, Evaluator::Tick& t)
{
    transcode::StoredSettings stored = transcode::read_app_settings(s, app);
    if (stored.status != FO_NOT_FOUND && failed(stored.status, stored.err, t)) {
        return false;
    }
    auto r = package::effective_hls_time_s(default_s, stored.json);
    *hls_time_s = r ? r.value() : default_s;
    return true;
}

bool read_streams(fo_store* s, const std::string& app, int default_hls_s,
                  Samples& out, Evaluator::Tick& t)
{
    int hls_time_s = default_hls_s;
    if (!read_hls_time(s, app, default_hls_s, &hls_time_s, t)) {
        return false;
    }
    std::vector<fo_live_progress> page(kPage);
    std::string after;
    for (size_t seen = 0; seen < kMaxBroadcasts; seen += kPage) {
        size_t n = 0;
        fo_error err{};
        fo_status st = fo_stream_live_progress(s, app.c_str(), after.c_str(),
                                               page.data(), kPage, &n, &err);
        if (failed(st, err, t)) {
            return false;
        }
        for (size_t i = 0; i < n; i++) {
            const fo_live_progress& p = page[i];
            out.streams.push_back({app + "/" + p.stream_id, p.hls_sequence,
                                   p.written_ms, hls_time_s});
        }
        if (n < kPage) {
            break;
        }
        after = page[n - 1].stream_id;
    }
    return true;
}

// One sample per alive node (node_history.h); a node removed since it
// was read (FO_NOT_FOUND) is skipped.
void write_samples(fo_store* s, const Samples& in, int64_t keep_ms,
                   Evaluator::Tick& t)
{
    for (const NodeSample& n : in.nodes) {
        std::optional<fo_node_sample> v = sample_for(n);
        if (!v) {
            continue;
        }
        fo_error err{};
        fo_status st = fo_node_sample_put(s, &*v, keep_ms, &err);
        if (st != FO_NOT_FOUND && failed(st, err, t)) {
            return;
        }
    }
    t.sampled = true;
}

// One evaluation on the lane: lease, samples, rules, store writes.
Evaluator::Tick evaluate_job(Evaluator::Lane& lane, const Inputs& in)
{
    Evaluator::Tick t;
    fo_error err{};
    if (lane.store == nullptr
        && failed(fo_store_open(lane.uri.c_str(), &lane.store, &err), err, t)) {
        return t;
    }
    fo_store* s = lane.store;
    int held = 0;
    if (failed(fo_lease_acquire(s, kLease, in.node_id.c_str(), in.ttl_ms, &held,
                                &err),
               err, t)
        || held == 0) {
        return t;
    }
    t.held = true;
    t.state = in.state;
    if (!in.holding && !restore_from(s, t)) {
        t.held = false;  // holding, but without the state: restore again
        return t;
    }
    Samples samples;
    samples.dead_after_ms = fo_store_dead_after_ms(s);
    int64_t now = 0;
    if (failed(fo_store_now(s, &now, &err), err, t)
        || !read_nodes(s, samples, t)) {
        return t;
    }
    for (const std::string& app : in.apps) {
        if (!read_streams(s, app, in.hls_time_s, samples, t)) {
            return t;
        }
    }
    Outcome o = evaluate(t.state, samples, in.settings, now);
    t.state = std::move(o.state);
    t.events = std::move(o.events);
    for (const Event& e : t.events) {
        fo_alert r = to_record(e.alert);
        if (failed(fo_alert_put(s, &r, &err), err, t)) {
            return t;  // the next holder's restore sees what was written
        }
    }
    if (in.sample_keep_ms > 0) {
        write_samples(s, samples, in.sample_keep_ms, t);
    }
    return t;
}

int64_t steady_ms(std::chrono::steady_clock::time_point t)
{
    using namespace std::chrono;
    return duration_cast<milliseconds>(t.time_since_epoch()).count();
}

Gauge* gauge_of(Metrics& m, const std::string& rule)
{
    AlertGauges& g = m.alerts_active;
    if (rule == kNodeDead) return &g.node_dead;
    if (rule == kHighCpu) return &g.high_cpu;
    if (rule == kHighMemory) return &g.high_memory;
    if (rule == kSlowDatabase) return &g.slow_database;
    if (rule == kReplicationLag) return &g.replication_lag;
    if (rule == kStreamStalled) return &g.stream_stalled;
    if (rule == kEdgeOriginUnreachable) return &g.edge_origin_unreachable;
    return nullptr;
}

// The gauges from the state (all zero when this origin does not hold).
void set_gauges(Metrics& m, const State& s, bool holding)
{
    for (const std::string& rule : rule_names()) {
        gauge_of(m, rule)->store(0);
    }
    m.alerts_evaluating.store(holding ? 1 : 0);
    if (!holding) {
        return;
    }
    for (const auto& [key, track] : s.tracks) {
        if (Gauge* g = track.active ? gauge_of(m, track.alert.rule) : nullptr) {
            g->fetch_add(1);
        }
    }
}

}  // namespace

Evaluator::Evaluator(OriginContext& ctx)
    : ctx_(ctx),
      settings_(ctx.config.alerts),
      hooks_(ctx.config.alerts.webhook_url, 5000, 3, ctx.config.hook_secret),
      lane_(std::make_shared<Lane>()),
      pool_(ctx.loop, 1),
      timer_(ctx.loop)
{
    lane_->uri = ctx.config.store_uri;
    start();
}

Evaluator::~Evaluator()
{
    stop();
    pool_.stop();  // an evaluation in flight finishes first
    // A clean shutdown hands the lease over at once, not after its ttl.
    // Whether the last evaluation took it is not known here (its answer
    // never reached the loop): the store releases only the holder's.
    if (lane_->store != nullptr) {
        fo_lease_release(lane_->store, kLease, ctx_.node_id.c_str(), nullptr);
    }
}

void Evaluator::start()
{
    if (!settings_.enabled) {
        log::info("alerts: evaluation off (alerts.enabled=false)");
        return;
    }
    if (!settings_.webhook_url.empty() && ctx_.config.hook_secret.empty()) {
        log::warn(
            "alerts.webhook_url is set without listenerHookSecret: "
            "alert webhooks go unsigned");
    }
    // On the loop, once it runs: the evaluator is built before it does.
    boost::asio::post(ctx_.loop, [this] { tick(); });
}

void Evaluator::stop()
{
    stopped_ = true;
    timer_.cancel();
}

void Evaluator::schedule()
{
    if (stopped_) {
        return;
    }
    // Fixed rate, as the heartbeat: a slow evaluation does not stretch it.
    timer_.expires_at(started_
                      + std::chrono::milliseconds(settings_.interval_ms));
    timer_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) {
            tick();
        }
    });
}

void Evaluator::tick()
{
    if (in_flight_) {
        return schedule();  // never queue evaluations behind a slow one
    }
    started_ = std::chrono::steady_clock::now();
    Inputs in{ctx_.node_id,
              settings_,
              settings_.lease_ttl_ms,
              ctx_.config.apps,
              ctx_.config.hls_time_s,
              holding_,
              state_};
    if (sample_due(last_sample_ms_, steady_ms(started_),
                   settings_.sample_interval_ms, settings_.interval_ms)) {
        in.sample_keep_ms = sample_keep_ms(settings_.sample_interval_ms);
    }
    in_flight_ = true;
    std::shared_ptr<Lane> lane = lane_;
    pool_.run([lane, in = std::move(in)]() { return evaluate_job(*lane, in); },
              [this](Tick t) { finished(t); });
}

void Evaluator::finished(Tick& t)
{
    in_flight_ = false;
    if (t.held != holding_) {
        log::info(t.held ? "alerts: this origin evaluates the cluster's "
                           "alerts (lease taken)"
                         : "alerts: another origin evaluates the alerts");
    }
    if (!t.error.empty()) {
        ctx_.metrics.store_errors_total++;
        log::warn("alerts: evaluation incomplete: " + t.error);
    } else if (t.held) {
        ctx_.metrics.alert_evaluations_total++;
    }
    holding_ = t.held;
    if (t.sampled) {
        last_sample_ms_ = steady_ms(started_);
    }
    // An incomplete evaluation keeps what was decided so far; losing the
    // lease forgets everything (the next holder owns the alerts).
    state_ = t.held ? std::move(t.state) : State{};
    for (const Event& e : t.events) {
        log::info(std::string("alert ") + (e.raised ? "raised: " : "cleared: ")
                  + e.alert.rule + " " + e.alert.subject + ": "
                  + e.alert.message);
        nlohmann::json body = {
            {"action", e.raised ? "alertRaised" : "alertCleared"},
            {"alert", to_json(e.alert)},
            {"node", ctx_.node_id},
        };
        hooks_.post_json(body.dump());
    }
    set_gauges(ctx_.metrics, state_, holding_);
    schedule();
}

}  // namespace fanout::alerts
