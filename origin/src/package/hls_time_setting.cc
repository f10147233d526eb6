#include "package/hls_time_setting.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string>

#include "transcode/app_settings.h"

namespace fanout::package {

namespace {

using nlohmann::json;

Error range_error()
{
    return Error(std::string(kHlsTime) + ": must be an integer from "
                 + std::to_string(kMinHlsTimeS) + " to "
                 + std::to_string(kMaxHlsTimeS) + " (seconds)");
}

// A number without a fraction, or (strings: true) a string of digits.
Result<int> hls_time_value(const json& v, bool strings)
{
    long long n = -1;
    if (v.is_number_integer()) {
        n = v.is_number_unsigned() ? static_cast<long long>(std::min<uint64_t>(
                v.get<uint64_t>(), uint64_t(kMaxHlsTimeS) + 1))
                                   : v.get<long long>();
    } else if (strings && v.is_string()) {
        const std::string& s = v.get_ref<const std::string&>();
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
        if (s.empty() || ec != std::errc() || end != s.data() + s.size()) {
            return range_error();
        }
    } else {
        return range_error();
    }
    if (n < kMinHlsTimeS || n > kMaxHlsTimeS) {
        return range_error();
    }
    return int(n);
}

}  // namespace

Result<int> effective_hls_time_s(int default_s, std::string_view stored_json)
{
    auto v = transcode::stored_setting(stored_json, kHlsTime);
    if (!v) {
        return v.error();
    }
    if (v.value().is_null()) {
        return default_s;
    }
    auto r = hls_time_value(v.value(), /*strings=*/false);
    if (!r) {
        return r.error().wrap("stored app settings");
    }
    return r;
}

Status apply_hls_time_put(json& stored, const json& body)
{
    if (!body.is_object()) {
        return {};
    }
    auto it = body.find(std::string(kHlsTime));
    if (it == body.end()) {
        return {};
    }
    if (it->is_null()) {
        stored.erase(std::string(kHlsTime));
        return {};
    }
    auto r = hls_time_value(*it, /*strings=*/true);
    if (!r) {
        return r.error();
    }
    stored[std::string(kHlsTime)] = r.value();
    return {};
}

}  // namespace fanout::package
