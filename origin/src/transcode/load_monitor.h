// transcode/load_monitor.h — is the transcoder keeping up with the live
// source, and if not, when to shed a rendition.  A pure state machine:
// times are passed in (tests drive it with made-up times, no sleeping).
//
// Lag: for each source video frame the worker has decoded and handed to
// every encoder, how long ago it reached the origin (Frame::received).  A
// transcoder that keeps up has a lag of about one batch; one that does not
// sees its lag grow by (1 - speed) seconds every second, until the hub's
// queue (hub/sink_queue.h, queue_max_delay, 5 s by default) drops frames
// for every rendition.  So before that, past max_lag:
//   - shed one rendition (the caller drops the lowest: lowest first);
//   - then give the rest cooldown to drain the backlog; past it, shed
//     again only if the lag is still above max_lag and speed since the
//     last shed stayed below 1.0 (the backlog is not shrinking).
// Speed (Ant Media's `speed`): source media time processed per wall time
// over the last window; 1.0 = real time.  Live, it cannot exceed the
// publisher's pace by much; below 1.0 the transcoder falls behind.
// A lag with a speed of 1.0 or more is a backlog being worked off, not an
// overload: every shed also needs speed below 1.0, judged over at least
// min_window.  No frame for idle_gap (the input stalled, or the
// whole process was paused: SIGSTOP, a VM frozen) starts the speed window
// anew, so that the frames queued across the pause, whose lag is the
// pause, shed nothing.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>

namespace fanout::transcode {

struct LoadOptions {
    std::chrono::milliseconds max_lag{2000};
    std::chrono::milliseconds cooldown{3000};
    std::chrono::milliseconds speed_window{5000};
    std::chrono::milliseconds min_window{1000};
    std::chrono::milliseconds idle_gap{1000};
};

class LoadMonitor {
public:
    using TimePoint = std::chrono::steady_clock::time_point;

    explicit LoadMonitor(LoadOptions options = {}) : opt_(options) {}

    // One source frame processed: its dts (ms: decode order, so that a
    // source with B-frames moves forward frame by frame), when it
    // arrived, and now.
    // true: shed a rendition now.
    bool on_frame(int64_t dts_ms, TimePoint received, TimePoint now);

    // 1.0 = real time; 0 until two frames span some wall time.
    double speed() const { return speed_; }
    // Whether speed() spans at least min_window of wall time.
    bool speed_known() const;
    std::chrono::milliseconds lag() const { return lag_; }
    uint64_t sheds() const { return sheds_; }

private:
    struct Sample {
        TimePoint at;
        int64_t dts_ms;
    };

    void update_speed(int64_t dts_ms, TimePoint now);

    LoadOptions opt_;
    std::deque<Sample> window_;  // at most one sample per 100 ms
    double speed_ = 0;
    std::chrono::milliseconds lag_{0};
    bool shed_once_ = false;
    TimePoint last_shed_{};
    int64_t dts_at_shed_ = 0;
    uint64_t sheds_ = 0;
};

}  // namespace fanout::transcode
