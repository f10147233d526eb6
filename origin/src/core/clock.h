// core/clock.h — the time a component reads, injected so that tests drive
// it (a fake clock) instead of sleeping.  Clock::real() is the one the
// origin runs with.
#pragma once

#include <chrono>
#include <cstdint>

namespace fanout {

class Clock {
public:
    virtual ~Clock() = default;
    // Monotonic: intervals, ages, deadlines.
    virtual std::chrono::steady_clock::time_point now() const
    {
        return std::chrono::steady_clock::now();
    }
    // Unix time in milliseconds: what is written into playlists.
    virtual int64_t wall_ms() const
    {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
    }

    // The system's clocks; lives for the whole process.
    static const Clock& real()
    {
        static const Clock clock;
        return clock;
    }
};

}  // namespace fanout
