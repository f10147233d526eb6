// tests/origin/core/fake_clock.h — a Clock (core/clock.h) that moves only
// when the test says so: time-dependent behaviour without sleeping.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "core/clock.h"

namespace fanout::test {

class FakeClock : public Clock {
public:
    std::chrono::steady_clock::time_point now() const override
    {
        return std::chrono::steady_clock::time_point(
            std::chrono::milliseconds(ms_.load()));
    }
    int64_t wall_ms() const override { return kWallStart + ms_.load(); }
    void advance(std::chrono::milliseconds d) { ms_ += d.count(); }

    static constexpr int64_t kWallStart = 1700000000000;  // 2023-11-14

private:
    std::atomic<int64_t> ms_{1000000};
};

}  // namespace fanout::test
