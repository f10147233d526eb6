#include "alerts/node_history.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace fanout::alerts {

int64_t sample_keep_ms(int sample_interval_ms)
{
    int64_t keep = int64_t{kSamplesKept} * std::max(sample_interval_ms, 1);
    return std::min<int64_t>(keep, FO_SAMPLE_KEEP_MS);
}

bool sample_due(int64_t last_ms, int64_t now_ms, int sample_interval_ms,
                int eval_interval_ms)
{
    if (last_ms < 0) {
        return true;
    }
    return now_ms - last_ms
           >= int64_t{sample_interval_ms} - eval_interval_ms / 2;
}

std::optional<fo_node_sample> sample_for(const NodeSample& n)
{
    if (!n.alive || n.id.empty() || n.id.size() >= FO_ID_MAX) {
        return std::nullopt;
    }
    fo_node_sample v{};
    std::memcpy(v.node_id, n.id.data(), n.id.size());
    // Unknown (-1) stays -1; the chart leaves it out.
    v.cpu = std::isfinite(n.cpu) ? std::clamp(n.cpu, -1.0, 100.0) : -1;
    v.mem_percent = std::isfinite(n.mem_percent)
                        ? std::clamp(n.mem_percent, -1.0, 100.0)
                        : -1;
    v.db_query_avg_ms = std::isfinite(n.db_query_avg_ms)
                            ? std::clamp(n.db_query_avg_ms, -1.0, 1e9)
                            : -1;
    v.viewers = std::max(n.viewers, 0);
    return v;
}

namespace {

double tenth(double v)
{
    return std::round(v * 10) / 10;
}

nlohmann::json series_of(const std::string& id)
{
    using nlohmann::json;
    return {{"id", id},
            {"time", json::array()},
            {"cpu", json::array()},
            {"memory", json::array()},
            {"viewers", json::array()},
            {"dbQueryAverageTimeMs", json::array()}};
}

}  // namespace

nlohmann::json history_json(const fo_node_sample* rows, size_t n,
                            int sample_interval_ms, int64_t since_ms,
                            int64_t now_ms)
{
    nlohmann::json nodes = nlohmann::json::array();
    for (size_t i = 0; i < n; i++) {
        const fo_node_sample& r = rows[i];
        if (nodes.empty() || nodes.back()["id"] != r.node_id) {
            nodes.push_back(series_of(r.node_id));
        }
        nlohmann::json& s = nodes.back();
        s["time"].push_back(r.time_ms);
        s["cpu"].push_back(tenth(r.cpu));
        s["memory"].push_back(tenth(r.mem_percent));
        s["viewers"].push_back(r.viewers);
        s["dbQueryAverageTimeMs"].push_back(tenth(r.db_query_avg_ms));
    }
    return {{"sampleIntervalMs", sample_interval_ms},
            {"windowMs", sample_keep_ms(sample_interval_ms)},
            {"since", since_ms},
            {"now", now_ms},
            {"nodes", std::move(nodes)}};
}

}  // namespace fanout::alerts
