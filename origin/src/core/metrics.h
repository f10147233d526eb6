// core/metrics.h — the origin's metrics, in one registry.
//
// Each member of `Metrics` below is one row of the registry: its C++ type
// says the Prometheus type, and it carries its exposition name and help
// text.  Declaring the member registers it, in declaration order, so adding
// a metric is one line here.  GET /metrics (http/metrics_text.h), the REST
// system endpoints and the cluster heartbeat all read these members; none
// of them keeps a list of its own.
//
// Members are atomics (or a LatencyWindow), so any thread may update them:
// `metrics.publishes_refused++`, `metrics.segment_publish_ms.observe(ms)`.
// Some are owned by another part and sampled into the registry just before
// they are read (see "sampled" below).
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <variant>
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

enum class MetricType { Counter, Gauge, Summary };

// One registry row: {name, type, help, value}.  The value is the member
// itself; the row only points at it.
struct MetricRow {
    const char* name;
    MetricType type;
    const char* help;
    std::variant<const std::atomic<uint64_t>*, const std::atomic<double>*,
                 const LatencyWindow*>
        value;
    // A row of a labelled family: `reason="missing"`, nullptr for none.
    // Rows of one family are declared one after the other, with the same
    // name, type and help; /metrics writes HELP and TYPE once.
    const char* labels = nullptr;
};

using MetricRegistry = std::vector<MetricRow>;

// A value that registers itself in `registry` when constructed.  It is
// the value type T (an atomic or a LatencyWindow) for everything else.
template <class T, MetricType K>
struct Metric : T {
    Metric(MetricRegistry& registry, const char* name, const char* help) : T{}
    {
        registry.push_back({name, K, help, static_cast<const T*>(this)});
    }
    Metric(MetricRegistry& registry, const char* name, const char* help,
           const char* labels)
        : T{}
    {
        registry.push_back(
            {name, K, help, static_cast<const T*>(this), labels});
    }
    Metric(const Metric&) = delete;
    Metric& operator=(const Metric&) = delete;
    using T::operator=;
};

using Counter = Metric<std::atomic<uint64_t>, MetricType::Counter>;
using Gauge = Metric<std::atomic<uint64_t>, MetricType::Gauge>;
using RealGauge = Metric<std::atomic<double>, MetricType::Gauge>;
using Summary = Metric<LatencyWindow, MetricType::Summary>;

// The HTTP server's connection counters (one server per origin).
struct HttpStats {
    explicit HttpStats(MetricRegistry& r) : registry_(r) {}

private:
    MetricRegistry& registry_;

public:
    Gauge open_connections{registry_, "fanout_http_connections",
                           "HTTP connections open now."};
    Counter connections_total{registry_, "fanout_http_connections_total",
                              "HTTP connections accepted."};
    Counter rejected_connections_total{
        registry_, "fanout_http_connections_rejected_total",
        "HTTP connections refused at the connection limit."};
    Counter bad_requests_total{registry_, "fanout_http_bad_requests_total",
                               "HTTP requests rejected by the parser."};
    Counter timeouts_total{registry_, "fanout_http_timeouts_total",
                           "HTTP connections closed by a timeout."};
    // The heartbeat's egress_bps is its rate (cluster/membership.h).
    Counter bytes_out_total{
        registry_, "fanout_bytes_out_total",
        "Bytes the HTTP server wrote to clients: edges, direct viewers, "
        "REST and the console (egressBitrate is its rate)."};
};

// This node's load as its heartbeat reports it (cluster/membership.h),
// under the names the edges use too (nginx-module's fanout_status), so one
// Prometheus rule covers both roles.  Set after each heartbeat.
struct NodeGauges {
    explicit NodeGauges(MetricRegistry& r) : registry_(r) {}

private:
    MetricRegistry& registry_;

public:
    RealGauge cpu_percent{registry_, "fanout_node_cpu_percent",
                          "Machine CPU busy, percent of all cores (cpu)."};
    RealGauge memory_percent{
        registry_, "fanout_node_memory_percent",
        "Machine memory used, percent: (MemTotal - MemAvailable) / MemTotal."};
    RealGauge load1{registry_, "fanout_node_load1",
                    "1-minute load average of the machine."};
    RealGauge process_cpu_percent{
        registry_, "fanout_node_process_cpu_percent",
        "This process's CPU, percent of all cores (processCpu)."};
    RealGauge process_resident_bytes{
        registry_, "fanout_node_process_resident_bytes",
        "This process's resident memory in bytes (processMemory)."};
    RealGauge store_query_avg_seconds{
        registry_, "fanout_node_store_query_avg_seconds",
        "Mean duration of the last 128 cluster store calls "
        "(dbQueryAverageTimeMs / 1000)."};
    RealGauge replication_lag_seconds{
        registry_, "fanout_node_replication_lag_seconds",
        "MongoDB replica set replication lag (replicationLagMs / 1000); -1 "
        "unknown or not MongoDB."};
    RealGauge heartbeat_timestamp_seconds{
        registry_, "fanout_node_heartbeat_timestamp_seconds",
        "Unix time of this node's last heartbeat the store took."};
};

// Publishes refused by the stream token controls, one row per reason
// (auth/publish_auth.h names them): fanout_publish_token_refusals_total.
struct PublishTokenRefusals {
    explicit PublishTokenRefusals(MetricRegistry& r) : registry_(r) {}

private:
    MetricRegistry& registry_;
    static constexpr const char* kName = "fanout_publish_token_refusals_total";
    static constexpr const char* kHelp =
        "Publishes refused by the application's token controls, by reason.";

public:
    Counter missing{registry_, kName, kHelp, "reason=\"missing\""};
    Counter malformed{registry_, kName, kHelp, "reason=\"malformed\""};
    Counter undefined_stream{registry_, kName, kHelp,
                             "reason=\"undefined_stream\""};
    Counter invalid{registry_, kName, kHelp, "reason=\"invalid\""};
    Counter expired{registry_, kName, kHelp, "reason=\"expired\""};
    Counter unavailable{registry_, kName, kHelp, "reason=\"unavailable\""};
};

// Broadcast records refused at broadcast.max_per_app, by what asked:
// fanout_broadcast_limit_refusals_total{via="publish"|"rest"}.
struct BroadcastLimitRefusals {
    explicit BroadcastLimitRefusals(MetricRegistry& r) : registry_(r) {}

private:
    MetricRegistry& registry_;
    static constexpr const char* kName =
        "fanout_broadcast_limit_refusals_total";
    static constexpr const char* kHelp =
        "New broadcast records refused at the application's cap "
        "(broadcast.max_per_app), by what asked.";

public:
    Counter publish{registry_, kName, kHelp, "via=\"publish\""};
    Counter rest{registry_, kName, kHelp, "via=\"rest\""};
};

// Alerts active now, one row per rule (alerts/rules.h names them): only
// the origin that holds the evaluation lease counts them, every other
// origin shows 0, so max (or sum) over origins is the cluster's figure.
struct AlertGauges {
    explicit AlertGauges(MetricRegistry& r) : registry_(r) {}

private:
    MetricRegistry& registry_;
    static constexpr const char* kName = "fanout_alerts_active";
    static constexpr const char* kHelp =
        "Cluster alerts active now, by rule (on the evaluating origin).";

public:
    Gauge node_dead{registry_, kName, kHelp, "rule=\"nodeDead\""};
    Gauge high_cpu{registry_, kName, kHelp, "rule=\"highCpu\""};
    Gauge high_memory{registry_, kName, kHelp, "rule=\"highMemory\""};
    Gauge slow_database{registry_, kName, kHelp, "rule=\"slowDatabase\""};
    Gauge replication_lag{registry_, kName, kHelp, "rule=\"replicationLag\""};
    Gauge stream_stalled{registry_, kName, kHelp, "rule=\"streamStalled\""};
    Gauge edge_origin_unreachable{registry_, kName, kHelp,
                                  "rule=\"edgeOriginUnreachable\""};
};

// The registry.  The exposition follows the declaration order; a row is
// `Type member{registry_, "name", "help"};`.
struct Metrics {
    Metrics() = default;
    Metrics(const Metrics&) = delete;
    Metrics& operator=(const Metrics&) = delete;

    // Every row, in exposition order.  Fixed once constructed.
    const MetricRegistry& registry() const { return registry_; }

private:
    MetricRegistry registry_;

public:
    // sampled: process age (sample_metrics in http/metrics_text.h).
    RealGauge uptime_seconds{registry_, "fanout_uptime_seconds",
                             "Seconds since the origin started."};
    // sampled: the segment store's live streams.
    Gauge streams{registry_, "fanout_streams",
                  "Live streams held by the segment store."};
    Gauge publishers{registry_, "fanout_publishers",
                     "Publishers connected now."};
    Counter publishes_total{registry_, "fanout_publishes_total",
                            "Publishes accepted."};
    Counter publishes_refused{registry_, "fanout_publishes_refused_total",
                              "Publishes refused."};
    Gauge rtmp_connections{registry_, "fanout_rtmp_connections",
                           "RTMP connections open now."};
    Counter rtmp_bad_input_total{
        registry_, "fanout_rtmp_bad_input_total",
        "RTMP connections dropped for malformed input."};
    Counter bytes_in{registry_, "fanout_bytes_in_total",
                     "Media bytes received from publishers."};
    // sampled: the segment store's count.
    Counter segments_total{registry_, "fanout_segments_total",
                           "Segments produced since start."};
    // From the frame that closes a segment arriving (its RTMP message
    // complete) to that segment being listed in the playlist and MPD.
    Summary segment_publish_ms{
        registry_, "fanout_segment_publish_ms",
        "From the frame that closes a segment arriving to the segment "
        "listed (last 1024 segments)."};
    // sampled: the segment store's bytes.
    Gauge segment_store_bytes{registry_, "fanout_segment_store_bytes",
                              "Bytes held by the segment store."};
    Counter http_requests_total{registry_, "fanout_http_requests_total",
                                "HTTP requests handled."};
    Counter segment_requests_total{registry_, "fanout_segment_requests_total",
                                   "Requests under /{app}/streams/."};
    HttpStats http{registry_};
    // sampled: the store handle's timings (core/store_timings.h).
    RealGauge store_query_avg_ms{
        registry_, "fanout_store_query_avg_ms",
        "Mean duration of the last 128 cluster store calls "
        "(dbQueryAverageTimeMs)."};
    Counter store_queries_total{registry_, "fanout_store_queries_total",
                                "Cluster store calls made."};
    Counter store_errors_total{registry_, "fanout_store_errors_total",
                               "Cluster store calls that failed."};
    // sampled: this node's heartbeat (cluster/membership.h).
    NodeGauges node{registry_};
    Counter rest_busy_total{
        registry_, "fanout_rest_busy_total",
        "REST requests answered 503 because the REST queue was full."};
    Counter takeovers_total{
        registry_, "fanout_takeovers_total",
        "Streams taken over from an origin that had no live publisher."};
    Counter takeovers_refused_total{
        registry_, "fanout_takeovers_refused_total",
        "Takeovers refused: the owner is live, or could not be trusted."};
    // Renditions of an adaptive ladder ended because the transcoder fell
    // behind real time, lowest first (transcode/transcoder.h).
    Counter transcode_renditions_dropped{
        registry_, "fanout_transcode_renditions_dropped_total",
        "Ladder renditions dropped because transcoding fell behind."};
    Counter streams_lost_total{
        registry_, "fanout_streams_lost_total",
        "Publishes dropped because another origin took the stream over."};
    // Publishes refused by the application's stream token controls
    // (auth/publish_auth.h), by reason; each is also in publishes_refused.
    PublishTokenRefusals token_refusals{registry_};
    // Stream requests refused for their playback token (play.signed):
    // missing, malformed, expired, tampered (http/play_tokens.h).
    AlertGauges alerts_active{registry_};
    Gauge alerts_evaluating{
        registry_, "fanout_alerts_evaluating",
        "1 while this origin holds the alert evaluation lease."};
    Counter alert_evaluations_total{
        registry_, "fanout_alert_evaluations_total",
        "Alert evaluations completed by this origin (lease held)."};
    Counter play_refused_total{
        registry_, "fanout_play_refused_total",
        "Stream requests refused 403 for their playback token (play.signed)."};
    // Broadcast records refused at the application's cap
    // (broadcast.max_per_app, auth/broadcast_cap.h): a publish of a new
    // stream id (also in publishes_refused) or a REST create.
    BroadcastLimitRefusals broadcast_limit_refusals{registry_};
    Counter auto_broadcasts_expired{
        registry_, "fanout_auto_broadcasts_expired_total",
        "Finished broadcasts that publishes auto-created, deleted by this "
        "origin's retention sweep (store.auto_broadcast_retention_s)."};
};

}  // namespace fanout
