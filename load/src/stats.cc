#include "stats.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace fanout::load {

namespace {

double round1(double v)
{
    return std::round(v * 10) / 10;
}

}  // namespace

void Samples::add(double v)
{
    count_++;
    max_ = std::max(max_, v);
    if (v_.size() < cap_) {
        v_.push_back(v);
        return;
    }
    std::uniform_int_distribution<uint64_t> d(0, count_ - 1);
    if (uint64_t j = d(rng_); j < cap_) v_[j] = v;
}

double Samples::percentile(double p) const
{
    if (v_.empty()) return 0;
    std::vector<double> s = v_;
    size_t rank = size_t(std::ceil(p / 100 * double(s.size())));
    rank = std::clamp<size_t>(rank, 1, s.size()) - 1;
    std::nth_element(s.begin(), s.begin() + long(rank), s.end());
    return s[rank];
}

nlohmann::json Samples::json() const
{
    return {{"count", count_},
            {"p50", round1(percentile(50))},
            {"p95", round1(percentile(95))},
            {"p99", round1(percentile(99))},
            {"max", round1(max_)}};
}

uint64_t Stats::error_count() const
{
    uint64_t n = 0;
    for (const auto& [k, v] : errors)
        n += v;
    return n;
}

std::string progress_line(const Stats& now, const Stats& prev, double t,
                          double dt, const RunInfo& run)
{
    dt = std::max(dt, 1e-3);
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "%4.0fs publishing %llu/%zu viewing %llu/%zu %.1f seg/s "
                  "in %.2f MB/s out %.2f MB/s errors %llu",
                  t, (unsigned long long)now.publishing, run.publishers,
                  (unsigned long long)now.viewing, run.viewers,
                  double(now.segments - prev.segments) / dt,
                  double(now.view_bytes - prev.view_bytes) / dt / 1e6,
                  double(now.publish_bytes - prev.publish_bytes) / dt / 1e6,
                  (unsigned long long)now.error_count());
    std::string line = buf;
    std::string kinds;
    for (const auto& [k, v] : now.errors)
        kinds += (kinds.empty() ? "" : " ") + k + " " + std::to_string(v);
    return kinds.empty() ? line : line + " (" + kinds + ")";
}

namespace {

nlohmann::json stall_json(const std::vector<StallExample>& stalls)
{
    nlohmann::json out = nlohmann::json::array();
    for (const StallExample& e : stalls)
        out.push_back({{"viewer", e.viewer},
                       {"playlist", e.playlist},
                       {"at_s", round1(e.at_s)},
                       {"lasted_s", std::round(e.lasted_s * 1000) / 1000},
                       {"sequence", e.sequence},
                       {"listed_to_fetched_ms", round1(e.listed_to_fetched_ms)},
                       {"fetch_ms", round1(e.fetch_ms)}});
    return out;
}

}  // namespace

nlohmann::json report_json(const Stats& s, const RunInfo& run)
{
    nlohmann::json by_status = nlohmann::json::object();
    for (const auto& [k, v] : s.http_status)
        by_status[std::to_string(k)] = v;
    return {
        {"duration_s", round1(run.elapsed_s)},
        {"publishers",
         {{"requested", run.publishers},
          {"publishing", s.publishing},
          {"publishes", s.publishes},
          {"reconnects", s.publish_reconnects},
          {"bytes_sent", s.publish_bytes}}},
        {"viewers",
         {{"requested", run.viewers},
          {"started", s.viewers_started},
          {"viewing", s.viewing},
          {"playlists", s.playlists},
          {"segments", s.segments},
          {"segments_skipped", s.segments_skipped},
          {"bytes", s.view_bytes},
          {"stalls", s.stalls},
          {"viewers_stalled", s.viewers_stalled},
          {"stalled_s", round1(s.stalled_s)},
          {"stall_examples", stall_json(s.stall_examples)}}},
        {"latency_ms",
         {{"playlist", s.playlist_ms.json()},
          {"segment", s.segment_ms.json()},
          {"listed_to_fetched", s.listed_to_fetched_ms.json()},
          {"availability", s.availability_ms.json()},
          {"startup", s.startup_ms.json()},
          {"publish_start", s.publish_start_ms.json()}}},
        {"availability_method",
         run.availability_from_pdt ? "program-date-time" : "none"},
        {"errors",
         {{"total", s.error_count()},
          {"by_kind", s.errors},
          {"by_http_status", by_status}}},
        {"load_process",
         {{"cpu_s", std::round(run.cpu_s * 100) / 100},
          {"max_rss_kb", run.max_rss_kb}}},
    };
}

std::string report_text(const Stats& s, const RunInfo& run)
{
    const nlohmann::json j = report_json(s, run);
    std::string out = "fanout-load: " + j["duration_s"].dump() + " s\n";
    auto line = [&out](const std::string& name, const nlohmann::json& o) {
        out += "  " + name + ":";
        for (const auto& [k, v] : o.items())
            out += " " + k + " " + v.dump();
        out += "\n";
    };
    line("publishers", j["publishers"]);
    nlohmann::json viewers = j["viewers"];
    viewers.erase("stall_examples");
    line("viewers", viewers);
    for (const auto& e : j["viewers"]["stall_examples"])
        out += "  stall: viewer " + e["viewer"].dump() + " "
               + e["playlist"].get<std::string>() + " at " + e["at_s"].dump()
               + " s for " + e["lasted_s"].dump() + " s, until segment "
               + e["sequence"].dump() + " (listed to fetched "
               + e["listed_to_fetched_ms"].dump() + " ms, its request "
               + e["fetch_ms"].dump() + " ms)\n";
    for (const auto& [k, v] : j["latency_ms"].items())
        line(k + " ms", v);
    out += "  availability method: "
           + j["availability_method"].get<std::string>() + "\n";
    line("errors", j["errors"]["by_kind"]);
    line("errors by HTTP status", j["errors"]["by_http_status"]);
    line("load process", j["load_process"]);
    return out;
}

}  // namespace fanout::load
