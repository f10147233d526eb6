#include "alerts/alert_settings.h"

#include <charconv>
#include <cmath>
#include <functional>
#include <map>

namespace fanout::alerts {

namespace {

using Setter = std::function<Status(AlertSettings&, const std::string&)>;

Setter whole(int AlertSettings::*field, int lo, int hi)
{
    return [field, lo, hi](AlertSettings& s, const std::string& v) -> Status {
        int x = 0;
        auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
        if (ec != std::errc() || end != v.data() + v.size() || x < lo
            || x > hi) {
            return Error("'" + v + "' must be an integer from "
                         + std::to_string(lo) + " to " + std::to_string(hi));
        }
        s.*field = x;
        return {};
    };
}

Setter real(double AlertSettings::*field, double lo, double hi)
{
    return [field, lo, hi](AlertSettings& s, const std::string& v) -> Status {
        double x = 0;
        auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
        if (ec != std::errc() || end != v.data() + v.size() || !std::isfinite(x)
            || x < lo || x > hi) {
            return Error("'" + v + "' must be a number from "
                         + std::to_string(lo) + " to " + std::to_string(hi));
        }
        s.*field = x;
        return {};
    };
}

Status set_enabled(AlertSettings& s, const std::string& v)
{
    if (v != "true" && v != "false") {
        return Error("'" + v + "' must be true or false");
    }
    s.enabled = v == "true";
    return {};
}

Status set_webhook(AlertSettings& s, const std::string& v)
{
    if (!v.empty() && v.rfind("http://", 0) != 0
        && v.rfind("https://", 0) != 0) {
        return Error("must be empty or an http:// or https:// URL");
    }
    s.webhook_url = v;
    return {};
}

constexpr int kDay = 86400;

const std::vector<std::pair<std::string, Setter>>& table()
{
    using S = AlertSettings;
    static const std::vector<std::pair<std::string, Setter>> t = {
        {"alerts.enabled", set_enabled},
        {"alerts.interval_ms", whole(&S::interval_ms, 100, 600000)},
        {"alerts.lease_ttl_ms", whole(&S::lease_ttl_ms, 300, 3600000)},
        {"alerts.sample_interval_ms",
         whole(&S::sample_interval_ms, 1000, 3600000)},
        {"alerts.cpu_percent", real(&S::cpu_percent, 0, 100)},
        {"alerts.cpu_for_s", whole(&S::cpu_for_s, 0, kDay)},
        {"alerts.memory_percent", real(&S::memory_percent, 0, 100)},
        {"alerts.memory_for_s", whole(&S::memory_for_s, 0, kDay)},
        {"alerts.db_query_ms", real(&S::db_query_ms, 0, 1e6)},
        {"alerts.db_query_for_s", whole(&S::db_query_for_s, 0, kDay)},
        {"alerts.repl_lag_s", real(&S::repl_lag_s, 0, 1e6)},
        {"alerts.repl_lag_for_s", whole(&S::repl_lag_for_s, 0, kDay)},
        {"alerts.stream_stall_segments",
         real(&S::stream_stall_segments, 1, 1000)},
        {"alerts.edge_origin_for_s", whole(&S::edge_origin_for_s, 0, kDay)},
        {"alerts.edge_origin_recent_s",
         whole(&S::edge_origin_recent_s, 1, kDay)},
        {"alerts.clear_margin_percent", real(&S::clear_margin_percent, 0, 100)},
        {"alerts.clear_for_s", whole(&S::clear_for_s, 0, kDay)},
        {"alerts.webhook_url", set_webhook},
    };
    return t;
}

}  // namespace

const std::vector<std::string>& setting_keys()
{
    static const std::vector<std::string> keys = [] {
        std::vector<std::string> k;
        for (const auto& [key, setter] : table()) {
            k.push_back(key);
        }
        return k;
    }();
    return keys;
}

Status set_setting(AlertSettings& s, const std::string& key,
                   const std::string& value)
{
    for (const auto& [k, setter] : table()) {
        if (k == key) {
            return setter(s, value);
        }
    }
    return Error("unknown alerts setting");
}

Status check_settings(const AlertSettings& s)
{
    if (s.lease_ttl_ms <= s.interval_ms) {
        return Error(
            "alerts.lease_ttl_ms must be greater than "
            "alerts.interval_ms (the holder renews at each "
            "evaluation)");
    }
    return {};
}

}  // namespace fanout::alerts
