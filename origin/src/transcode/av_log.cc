// transcode/av_log.cc — see av_log.h.
#include "transcode/av_log.h"

#include <cstdarg>
#include <mutex>
#include <string>

extern "C" {
#include <libavutil/log.h>
}

#include "core/log.h"

namespace fanout::transcode {
namespace {

thread_local bool t_quiet = false;

void callback(void* avcl, int level, const char* fmt, va_list vl)
{
    if (t_quiet || level > AV_LOG_WARNING) return;
    char line[1024];
    int print_prefix = 1;
    av_log_format_line(avcl, level, fmt, vl, line, sizeof line, &print_prefix);
    std::string text = line;
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
        text.pop_back();
    if (text.empty()) return;
    if (level <= AV_LOG_ERROR)
        log::error("libav: " + text);
    else
        log::warn("libav: " + text);
}

}  // namespace

void route_av_log()
{
    static std::once_flag once;
    std::call_once(once, [] { av_log_set_callback(callback); });
}

QuietAvLog::QuietAvLog() : was_(t_quiet)
{
    t_quiet = true;
}

QuietAvLog::~QuietAvLog()
{
    t_quiet = was_;
}

}  // namespace fanout::transcode
