// package/media_segment.h — the segmenter's output, before any container:
// per-track runs of samples in the track's own timescale, cut on random
// access points.  fmp4.h and mpegts.h serialise it; the playlists describe it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "media/frame.h"

namespace fanout::package {

constexpr uint32_t kVideoTrackId = 1;
constexpr uint32_t kAudioTrackId = 2;
constexpr uint32_t kVideoTimescale = 90000;

// The tracks an init segment describes.  A change of either config (or of
// which tracks exist) starts a new generation: new init, discontinuity.
struct TrackConfig {
    std::optional<media::VideoConfig> video;
    std::optional<media::AudioConfig> audio;
    uint32_t generation = 0;
};

struct Sample {
    int64_t dts = 0;  // track timescale
    uint32_t duration = 0;
    int32_t cto = 0;  // pts - dts
    bool sync = false;  // random access point
    SharedBytes data;  // the frame's payload, shared with it

    uint32_t size() const { return static_cast<uint32_t>(data.size()); }
};

struct TrackRun {
    uint32_t timescale = 0;
    std::vector<Sample> samples;

    bool empty() const { return samples.empty(); }
    // The samples' payloads together: what an mdat carries for this run.
    size_t payload_size() const
    {
        size_t n = 0;
        for (const Sample& s : samples)
            n += s.data.size();
        return n;
    }
    int64_t base_dts() const
    {
        return samples.empty() ? 0 : samples.front().dts;
    }
    int64_t end_dts() const
    {
        return samples.empty() ? 0
                               : samples.back().dts + samples.back().duration;
    }
    int64_t duration() const { return end_dts() - base_dts(); }
};

struct Segment {
    uint64_t number = 0;
    bool discontinuity = false;  // timeline or config break before it
    std::shared_ptr<const TrackConfig> tracks;
    TrackRun video;
    TrackRun audio;

    // The track that decides cut points and listed durations: video when
    // the stream has video (unless this segment has none: a video stall).
    const TrackRun& primary() const
    {
        return tracks && tracks->video && (!video.empty() || audio.empty())
                   ? video
                   : audio;
    }
    double duration_s() const
    {
        const TrackRun& p = primary();
        return p.timescale ? static_cast<double>(p.duration()) / p.timescale
                           : 0;
    }
    // Output-timeline start in milliseconds.
    int64_t start_ms() const
    {
        const TrackRun& p = primary();
        return p.timescale ? p.base_dts() * 1000 / p.timescale : 0;
    }
};

}  // namespace fanout::package
