#include "hub/ingest_meter.h"

#include <algorithm>

namespace fanout::hub {

std::optional<IngestRate> ingest_rate(const IngestSample& from,
                                      const IngestSample& to)
{
    const auto wall =
        std::chrono::duration_cast<std::chrono::microseconds>(to.at - from.at)
            .count();
    if (wall <= 0) {
        return std::nullopt;
    }
    IngestRate r;
    const int64_t bytes = std::max<int64_t>(0, to.bytes - from.bytes);
    const int64_t media = std::max<int64_t>(0, to.media_ms - from.media_ms);
    r.bitrate = static_cast<int64_t>(double(bytes) * 8.0 * 1e6 / double(wall));
    r.speed = double(media) * 1000.0 / double(wall);
    return r;
}

IngestMeter::IngestMeter(const Clock& clock) : clock_(clock)
{
    kept_.push_back(IngestSample{0, 0, clock_.now()});
}

void IngestMeter::on_frame(const media::Frame& frame)
{
    bytes_ += static_cast<int64_t>(frame.data.size());
    if (!first_dts_) {
        first_dts_ = frame.dts_ms;
        max_dts_ = frame.dts_ms;
    }
    max_dts_ = std::max(max_dts_, frame.dts_ms);
}

IngestSample IngestMeter::sample() const
{
    return {bytes_, first_dts_ ? max_dts_ - *first_dts_ : 0, clock_.now()};
}

IngestRate IngestMeter::take_rate()
{
    IngestSample now = sample();
    // The newest sample that is still a whole window old starts it.
    while (kept_.size() > 1 && now.at - kept_[1].at >= kIngestWindow) {
        kept_.pop_front();
    }
    std::optional<IngestRate> r = ingest_rate(kept_.front(), now);
    kept_.push_back(now);
    if (kept_.size() > kIngestSamplesMax) {
        kept_.pop_front();
    }
    return r.value_or(IngestRate{});
}

}  // namespace fanout::hub
