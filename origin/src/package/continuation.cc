// package/continuation.cc — see continuation.h.
#include "package/continuation.h"

#include <algorithm>

namespace fanout::package {
namespace {

bool nothing_written(const fo_progress& p)
{
    return p.hls_sequence == 0 && p.hls_discontinuity == 0
           && p.dash_start_ms == 0 && p.dash_period == 0 && p.dash_end_ms == 0
           && p.dash_number == 0 && p.written_ms == 0;
}

// How far a publisher's media may run ahead of the wall clock.
constexpr int64_t kAheadOfWallMs = 500;

uint64_t non_negative(int64_t v)
{
    return v > 0 ? static_cast<uint64_t>(v) : 0;
}

}  // namespace

uint64_t unseen_segments(int64_t since_ms, int hls_time_ms)
{
    const int64_t hls = std::max(hls_time_ms, 100);  // the segmenter's floor
    const int64_t since = std::max<int64_t>(since_ms, 0);
    return static_cast<uint64_t>((since + hls - 1) / hls) + 2;
}

Continuation continue_after(const fo_progress& prev, int64_t now_ms,
                            int hls_time_ms)
{
    Continuation c;
    if (nothing_written(prev)) return c;

    // A store clock that went backwards, or a record without a write time,
    // count as "just written": the +2 of unseen_segments still applies.
    const int64_t since = prev.written_ms > 0
                              ? std::max<int64_t>(now_ms - prev.written_ms, 0)
                              : 0;
    const uint64_t unseen = unseen_segments(since, hls_time_ms);

    // Every counter moves past what the owner can have used since it wrote:
    // each unseen segment may have had its own number, its own
    // DISCONTINUITY and its own Period (a configuration change).
    c.discontinuity = true;
    c.hls_sequence = non_negative(prev.hls_sequence) + unseen;
    c.hls_discontinuity = non_negative(prev.hls_discontinuity) + unseen;
    c.dash_number = non_negative(prev.dash_number) + unseen;
    c.dash_period = non_negative(prev.dash_period) + unseen + 1;
    if (prev.dash_start_ms <= 0) return c;  // no MPD yet: this one starts it

    // The new Period starts after any media the owner can have listed, and
    // no earlier than the live edge now.  A live publisher's media reaches
    // the owner in real time: what it can have listed by now ends about at
    // the live edge (now - AST), or after what it had listed plus the time
    // since, plus kAheadOfWallMs for media that runs ahead of the wall
    // clock (a first frame that arrived late).  No more: dash.js waits out
    // a gap between Periods of a live stream in real time (its
    // GapController), so every millisecond added here is a millisecond of
    // freeze for the viewers (docs/architecture.md).
    c.dash_start_ms = prev.dash_start_ms;
    const int64_t listed_bound =
        std::max<int64_t>(prev.dash_end_ms, 0) + since + kAheadOfWallMs;
    c.dash_period_start_ms =
        std::max(listed_bound, now_ms - prev.dash_start_ms);
    if (prev.dash_end_ms > 0) {
        c.dash_previous_period = non_negative(prev.dash_period);
        c.dash_previous_end_ms = prev.dash_end_ms;
        c.dash_previous_start_ms = std::clamp<int64_t>(
            prev.dash_period_start_ms, 0, prev.dash_end_ms - 1);
    }
    return c;
}

}  // namespace fanout::package
