// load/src/viewer_model.h — what a simulated viewer decides and
// experiences, without sockets or clocks: the player's buffer (stalls),
// the rendition it picks, which new segments it fetches, and which stream
// it watches.  Times are seconds on the caller's clock (a fake one in
// tests/load/viewer_model_test.cc).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "hls.h"

namespace fanout::load {

// A player's buffer.  Playback starts once start_buffer_s of media is
// downloaded and drains in real time; running dry is a stall that lasts
// until the next segment arrives (and playback then resumes at once).
class PlayerBuffer {
public:
    explicit PlayerBuffer(double start_buffer_s) : start_(start_buffer_s) {}

    // The player started loading (its first request); startup counts
    // from here, or from the first add() without it.
    void join(double now)
    {
        if (!first_add_) first_add_ = now;
    }
    // A segment of duration_s finished downloading at now.
    void add(double now, double duration_s);
    // Brings the playhead to now (call before reading the figures).
    void advance(double now);

    bool playing() const { return playing_; }
    // From join() until playback started; nullopt before.
    std::optional<double> startup_s() const { return startup_; }
    double buffered_s() const { return buffered_; }
    uint64_t stalls() const { return stalls_; }
    double stalled_s() const { return stalled_; }
    // When the buffer last ran dry (the last stall's start).
    double dry_since() const { return dry_since_; }

private:
    double start_;
    double buffered_ = 0;
    double last_ = 0;  // when buffered_ was last brought up to date
    std::optional<double> first_add_, startup_;
    bool started_ = false, playing_ = false;
    double dry_since_ = 0;
    uint64_t stalls_ = 0;
    double stalled_ = 0;
};

// Which variant of a master playlist: a fixed index (clamped to the list;
// 0 is the first listed), or, with a simulated bandwidth, the highest
// BANDWIDTH that fits in it (the lowest when none does).
struct RenditionPolicy {
    size_t index = 0;
    std::optional<uint64_t> bandwidth_bps;
};
size_t choose_variant(const std::vector<HlsVariant>& variants,
                      const RenditionPolicy& policy);

// The segments of a reload to fetch, in order.  last: the sequence of
// the newest segment already taken (nullopt on join: then the newest
// start_segments of the list).  skipped: segments that left the list
// before they could be fetched (the viewer fell behind).
// The plan's pointers are into p: it lives no longer than p.
struct SegmentPlan {
    std::vector<const HlsSegment*> fetch;
    uint64_t skipped = 0;
};
SegmentPlan plan_segments(const HlsPlaylist& p, std::optional<uint64_t> last,
                          size_t start_segments);

// When to reload a live playlist after one was loaded (RFC 8216 6.3.4):
// the target duration, half of it when the reload brought nothing new.
double reload_delay_s(double target_duration_s, bool changed);

// Streams 0..count-1 weighted uniformly (s = 0) or by Zipf's law with
// exponent s (stream k has weight 1 / (k + 1)^s).
class StreamPicker {
public:
    StreamPicker(size_t count, double s);
    // u in [0, 1): the stream at that point of the cumulative weights.
    size_t pick(double u) const;

private:
    std::vector<double> cdf_;
};

}  // namespace fanout::load

namespace fanout::load {

// Spaces events at most `rate` per second, in order of asking: reserve()
// says how long the caller waits before its event.  Bounds connection and
// request rates across all publishers and viewers (one per kind).
class RateLimiter {
public:
    explicit RateLimiter(double rate) : interval_(rate > 0 ? 1 / rate : 0) {}
    double reserve(double now)
    {
        next_ = next_ > now ? next_ + interval_ : now + interval_;
        return next_ - interval_ - now;
    }

private:
    double interval_;
    double next_ = 0;
};

}  // namespace fanout::load
