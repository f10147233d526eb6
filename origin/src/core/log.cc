#include "core/log.h"

#include <atomic>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace fanout::log {

namespace {
std::atomic<int> min_level{static_cast<int>(Level::info)};
std::mutex out_mutex;
const char* const names[] = {"debug", "info", "warn", "error"};
}  // namespace

void set_level(Level level)
{
    min_level = static_cast<int>(level);
}

bool parse_level(std::string_view text, Level* out)
{
    for (int i = 0; i < 4; i++) {
        if (text == names[i]) {
            *out = static_cast<Level>(i);
            return true;
        }
    }
    return false;
}

bool enabled(Level level)
{
    return static_cast<int>(level) >= min_level;
}

void write(Level level, std::string_view message)
{
    if (!enabled(level)) {
        return;
    }
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    tm t{};
    gmtime_r(&ts.tv_sec, &t);
    char stamp[64];
    std::snprintf(stamp, sizeof(stamp), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
                  t.tm_year + 1900, t.tm_mon + 1, t.tm_mday, t.tm_hour,
                  t.tm_min, t.tm_sec, ts.tv_nsec / 1000000);
    std::lock_guard lock(out_mutex);
    std::fprintf(stderr, "%s %-5s %.*s\n", stamp,
                 names[static_cast<int>(level)],
                 static_cast<int>(message.size()), message.data());
}

}  // namespace fanout::log
