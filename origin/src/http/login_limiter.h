// http/login_limiter.h — failed console logins, counted per key (a client
// address, or an email) in fixed windows, pure (the caller passes the
// clock).
//
// A key with max_failures failures inside its window is refused until the
// window ends; a successful login clears the key.  The table is bounded
// (max_keys): when full, expired windows are dropped first, then the
// window that started first, so a flood of addresses costs memory
// nothing but can at worst forget the oldest counts.  The counts are this
// origin's own: the first line, which costs no store call.  The cluster's
// counts, shared through the store, are http/cluster_login_limit.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>

namespace fanout::http {

class LoginLimiter {
public:
    LoginLimiter(int max_failures, int64_t window_ms, size_t max_keys);

    // 0 when key may try now, else the ms until it may.
    int64_t retry_after_ms(const std::string& key, int64_t now_ms) const;

    void failed(const std::string& key, int64_t now_ms);
    void succeeded(const std::string& key) { table_.erase(key); }

    size_t size() const { return table_.size(); }

private:
    struct Window {
        int64_t start_ms = 0;
        int failures = 0;
    };
    void make_room(int64_t now_ms);

    int max_failures_;
    int64_t window_ms_;
    size_t max_keys_;
    std::unordered_map<std::string, Window> table_;
};

}  // namespace fanout::http
