// transcode/av_log.h — libav's messages in the origin's log.
//
// libav writes to stderr on its own by default, at every level (libx264
// prints its whole configuration per encoder at info).  route_av_log()
// makes libav's warnings and errors log lines ("libav: ..."), and drops
// the rest.  A QuietAvLog silences its thread's libav messages while it
// lives: probing GPU encoders that are not there would otherwise log
// errors, where the fallback says it in one line (rendition_encoder.h).
#pragma once

namespace fanout::transcode {

// Once per process; any thread.
void route_av_log();

class QuietAvLog {
public:
    QuietAvLog();
    ~QuietAvLog();
    QuietAvLog(const QuietAvLog&) = delete;
    QuietAvLog& operator=(const QuietAvLog&) = delete;

private:
    bool was_;
};

}  // namespace fanout::transcode
