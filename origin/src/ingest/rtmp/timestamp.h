// ingest/rtmp/timestamp.h — RTMP's 32-bit millisecond timestamps wrap
// after 49.7 days; frame.h wants 64-bit ones.  Each step is taken as the
// signed 32-bit difference from the previous timestamp, so a wrap moves
// forward and the small backward steps of interleaved audio and video
// stay small.
#pragma once

#include <cstdint>

namespace fanout::ingest::rtmp {

class TimestampUnwrapper {
public:
    int64_t unwrap(uint32_t ts)
    {
        if (!started_) {
            started_ = true;
            value_ = ts;
        } else {
            value_ += static_cast<int32_t>(ts - last_);
        }
        last_ = ts;
        return value_;
    }

private:
    bool started_ = false;
    uint32_t last_ = 0;
    int64_t value_ = 0;
};

}  // namespace fanout::ingest::rtmp
