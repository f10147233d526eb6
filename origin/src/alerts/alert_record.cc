#include "alerts/alert_record.h"

#include <cstdio>
#include <cstring>

namespace fanout::alerts {

namespace {

template <size_t N>
void copy(char (&dst)[N], const std::string& src)
{
    std::snprintf(dst, N, "%s", src.c_str());
}

}  // namespace

fo_alert to_record(const Alert& a)
{
    fo_alert r;
    std::memset(&r, 0, sizeof(r));
    copy(r.id, a.id);
    copy(r.rule, a.rule);
    copy(r.subject, a.subject);
    copy(r.message, a.message);
    r.value = a.value;
    r.threshold = a.threshold;
    r.started_ms = a.started_ms;
    r.ended_ms = a.ended_ms;
    return r;
}

Alert from_record(const fo_alert& r)
{
    return Alert{r.id,        r.rule,       r.subject,  r.value,
                 r.threshold, r.started_ms, r.ended_ms, r.message};
}

nlohmann::json to_json(const Alert& a)
{
    return {{"id", a.id},
            {"rule", a.rule},
            {"subject", a.subject},
            {"value", a.value},
            {"threshold", a.threshold},
            {"startTime", a.started_ms},
            {"endTime", a.ended_ms},
            {"active", a.ended_ms == 0},
            {"message", a.message}};
}

nlohmann::json thresholds_to_json(const AlertSettings& s)
{
    return {{"enabled", s.enabled},
            {"intervalMs", s.interval_ms},
            {"cpuPercent", s.cpu_percent},
            {"cpuForS", s.cpu_for_s},
            {"memoryPercent", s.memory_percent},
            {"memoryForS", s.memory_for_s},
            {"dbQueryMs", s.db_query_ms},
            {"dbQueryForS", s.db_query_for_s},
            {"replLagS", s.repl_lag_s},
            {"replLagForS", s.repl_lag_for_s},
            {"streamStallSegments", s.stream_stall_segments},
            {"edgeOriginForS", s.edge_origin_for_s},
            {"edgeOriginRecentS", s.edge_origin_recent_s},
            {"clearMarginPercent", s.clear_margin_percent},
            {"clearForS", s.clear_for_s},
            {"sampleIntervalMs", s.sample_interval_ms}};
}

NodeSample node_sample(const fo_node& n)
{
    return sample_of(n);
}

}  // namespace fanout::alerts
