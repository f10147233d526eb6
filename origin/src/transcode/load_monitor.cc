// transcode/load_monitor.cc — see load_monitor.h.
#include "transcode/load_monitor.h"

#include <algorithm>

namespace fanout::transcode {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

void LoadMonitor::update_speed(int64_t dts_ms, TimePoint now)
{
    if (!window_.empty() && dts_ms < window_.back().dts_ms)
        window_.clear();  // the source's time went back: measure anew
    if (!window_.empty() && now - window_.back().at >= opt_.idle_gap)
        window_.clear();  // idle or paused: that time is not our speed
    if (window_.empty()) speed_ = 0;
    if (window_.empty() || now - window_.back().at >= milliseconds(100))
        window_.push_back({now, dts_ms});
    else
        window_.back().dts_ms = std::max(window_.back().dts_ms, dts_ms);
    while (window_.size() > 2 && now - window_[1].at >= opt_.speed_window)
        window_.pop_front();
    const auto wall = duration_cast<milliseconds>(now - window_.front().at);
    if (wall.count() > 0)
        speed_ = double(dts_ms - window_.front().dts_ms) / double(wall.count());
}

bool LoadMonitor::speed_known() const
{
    return !window_.empty()
           && window_.back().at - window_.front().at >= opt_.min_window;
}

bool LoadMonitor::on_frame(int64_t dts_ms, TimePoint received, TimePoint now)
{
    update_speed(dts_ms, now);
    lag_ = received == TimePoint{}
               ? milliseconds(0)
               : std::max(milliseconds(0),
                          duration_cast<milliseconds>(now - received));
    if (lag_ <= opt_.max_lag) return false;
    if (shed_once_ && dts_ms < dts_at_shed_) {
        last_shed_ = now;  // the source's time went back: a new cooldown
        dts_at_shed_ = dts_ms;
        return false;
    }
    if (!speed_known() || speed_ >= 1.0)
        return false;  // a backlog being worked off, or no speed yet
    if (shed_once_) {
        const auto since = duration_cast<milliseconds>(now - last_shed_);
        if (since < opt_.cooldown) return false;
        // Media processed per wall time since the last shed: at 1.0 or
        // more the backlog shrinks, so wait for it.
        if (dts_ms - dts_at_shed_ >= since.count()) return false;
    }
    shed_once_ = true;
    last_shed_ = now;
    dts_at_shed_ = dts_ms;
    sheds_++;
    return true;
}

}  // namespace fanout::transcode
