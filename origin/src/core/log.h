// core/log.h — one line per event on stderr: time, level, message.
// Log once, where an error is handled (STYLE.md).
#pragma once

#include <string>
#include <string_view>

namespace fanout::log {

enum class Level { debug = 0, info, warn, error };

void set_level(Level level);
bool parse_level(std::string_view text, Level* out);
bool enabled(Level level);
void write(Level level, std::string_view message);

inline void debug(std::string_view m)
{
    if (enabled(Level::debug)) write(Level::debug, m);
}
inline void info(std::string_view m)
{
    write(Level::info, m);
}
inline void warn(std::string_view m)
{
    write(Level::warn, m);
}
inline void error(std::string_view m)
{
    write(Level::error, m);
}

}  // namespace fanout::log
