// package/continuation.h — where a new publish of a stream continues its
// numbering, so players keep playing across publishes and origins: the
// HLS media sequence never goes backwards and the first new segment is a
// discontinuity; DASH keeps the MPD's availabilityStartTime and opens a
// new Period where the last one ended.  The previous publish's progress
// comes from the cluster store (fo_progress, written by its owner with
// its heartbeats and its release).
#pragma once

#include <cstdint>

#include "fanout/store.h"

namespace fanout::package {

struct Continuation {
    uint64_t hls_sequence = 0;  // media sequence of the first segment
    uint64_t hls_discontinuity = 0;  // discontinuity sequence before it
    bool discontinuity = false;  // the first segment carries
        // EXT-X-DISCONTINUITY (a publish came before)
    int64_t dash_start_ms = 0;  // availabilityStartTime; 0: this publish's
    uint64_t dash_period = 0;  // index of this publish's first Period
    int64_t dash_period_start_ms = 0;  // its start, ms from
        // availabilityStartTime
    uint64_t dash_number = 1;  // first $Number$
};

// Pure.  prev: the stream's last progress as the store has it (all zero:
// none, the first publish); now_ms: the store's clock; hls_time_ms: the
// target segment duration.  The owner may have listed segments after its
// last write (it writes every heartbeat period), so the numbers move past
// what it can have listed in the time since.
Continuation continue_after(const fo_progress& prev, int64_t now_ms,
                            int hls_time_ms);

}  // namespace fanout::package
