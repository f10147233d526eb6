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

// fo_node with or without the node-metrics fields: each is read when the
// record has it (a requires-expression needs a template to be false).
template <class Node>
NodeSample sample_of(const Node& n)
{
    NodeSample s;
    s.id = n.id;
    s.edge = n.role == FO_ROLE_EDGE;
    s.alive = n.alive != 0;
    s.last_update_ms = n.last_update_ms;
    s.cpu = n.cpu;
    s.db_query_avg_ms = n.db_query_avg_ms;
    if constexpr (requires { n.mem_percent; }) {
        s.mem_percent = n.mem_percent;
    }
    if constexpr (requires { n.repl_lag_ms; }) {
        s.repl_lag_ms = n.repl_lag_ms;
    }
    if constexpr (requires { n.origin_ok_ms; }) {
        s.origin_ok_ms = n.origin_ok_ms;
        s.origin_fail_ms = n.origin_fail_ms;
    }
    return s;
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

NodeSample node_sample(const fo_node& n)
{
    return sample_of(n);
}

}  // namespace fanout::alerts
