#include "http/login_limiter.h"

#include <algorithm>

namespace fanout::http {

LoginLimiter::LoginLimiter(int max_failures, int64_t window_ms, size_t max_keys)
    : max_failures_(std::max(1, max_failures)),
      window_ms_(std::max<int64_t>(1, window_ms)),
      max_keys_(std::max<size_t>(1, max_keys))
{
}

int64_t LoginLimiter::retry_after_ms(const std::string& key,
                                     int64_t now_ms) const
{
    auto it = table_.find(key);
    if (it == table_.end() || it->second.failures < max_failures_) {
        return 0;
    }
    int64_t end = it->second.start_ms + window_ms_;
    return now_ms < end ? end - now_ms : 0;
}

void LoginLimiter::failed(const std::string& key, int64_t now_ms)
{
    auto it = table_.find(key);
    if (it != table_.end() && now_ms >= it->second.start_ms + window_ms_) {
        it->second = Window{now_ms, 0};
    }
    if (it == table_.end()) {
        make_room(now_ms);
        it = table_.emplace(key, Window{now_ms, 0}).first;
    }
    it->second.failures++;
}

void LoginLimiter::make_room(int64_t now_ms)
{
    if (table_.size() < max_keys_) {
        return;
    }
    std::erase_if(table_, [&](const auto& kv) {
        return now_ms >= kv.second.start_ms + window_ms_;
    });
    while (table_.size() >= max_keys_) {
        auto oldest = std::min_element(
            table_.begin(), table_.end(), [](const auto& a, const auto& b) {
                return a.second.start_ms < b.second.start_ms;
            });
        table_.erase(oldest);
    }
}

}  // namespace fanout::http
