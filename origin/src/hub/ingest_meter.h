// hub/ingest_meter.h — what a publish brings in: the bytes of its frames
// and the media time they cover, for the broadcast's `bitrate` (bits/s)
// and, without a transcoder, its `speed` (media time received per wall
// time, Ant Media's figure for a passthrough stream: 1.0 = real time).
//
// A loop sink of the stream's hub (hub/hub.h); read on the same loop, by
// the publish gate at each heartbeat (app/live_figures.h).  take_rate()
// answers the rate over the last kIngestWindow (at least; from the
// samples its earlier calls kept), so each progress write reports the
// last few seconds, not the whole publish, and a short heartbeat period
// does not make a GOP's big keyframe swing the figure.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>

#include "core/clock.h"
#include "media/frame.h"

namespace fanout::hub {

// Totals at one moment.
struct IngestSample {
    int64_t bytes = 0;  // frame payloads since the publish started
    int64_t media_ms = 0;  // highest DTS seen minus the first one
    std::chrono::steady_clock::time_point at{};
};

inline constexpr std::chrono::milliseconds kIngestWindow{5000};
inline constexpr size_t kIngestSamplesMax = 64;  // bounds the window's

struct IngestRate {
    int64_t bitrate = 0;  // bits per second
    double speed = 0;  // media ms per wall ms
};

// Pure: the rate between two samples; nullopt when no wall time passed.
std::optional<IngestRate> ingest_rate(const IngestSample& from,
                                      const IngestSample& to);

class IngestMeter : public media::StreamSink {
public:
    // clock must outlive the meter.
    explicit IngestMeter(const Clock& clock = Clock::real());

    void on_video_config(const media::VideoConfig&) override {}
    void on_audio_config(const media::AudioConfig&) override {}
    void on_frame(const media::Frame& frame) override;
    void on_end() override {}

    IngestSample sample() const;
    // Takes a sample; the rate since the oldest kept sample that is still
    // at least kIngestWindow old (the first call: since the meter was
    // made).  Zero when no time passed.
    IngestRate take_rate();

private:
    const Clock& clock_;
    int64_t bytes_ = 0;
    std::optional<int64_t> first_dts_;
    int64_t max_dts_ = 0;
    std::deque<IngestSample> kept_;  // oldest first; never empty
};

}  // namespace fanout::hub
