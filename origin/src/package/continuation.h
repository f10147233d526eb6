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
    // HLS: media sequence of the first segment, and the discontinuity
    // sequence before it.
    uint64_t hls_sequence = 0;
    uint64_t hls_discontinuity = 0;
    // The first segment carries EXT-X-DISCONTINUITY: a publish came before.
    bool discontinuity = false;
    // DASH: availabilityStartTime, Unix ms (0: this publish sets it).
    int64_t dash_start_ms = 0;
    // Index of this publish's first Period (id "p<index>"), and its start
    // in ms from availabilityStartTime, at least (the packager moves it up
    // to the first frame's arrival).
    uint64_t dash_period = 0;
    int64_t dash_period_start_ms = 0;
    // First $Number$, also the segment files' number.
    uint64_t dash_number = 0;
    // The previous publish's last Period as its owner last wrote it: the
    // new MPD keeps it listed, with its own start and nothing more to
    // fetch, for a while, so that a player still in it learns that it
    // ended (docs/architecture.md, "Publishes that continue").  Times in ms
    // from availabilityStartTime; dash_previous_end_ms 0: none.
    uint64_t dash_previous_period = 0;
    int64_t dash_previous_start_ms = 0;
    int64_t dash_previous_end_ms = 0;
};

// How many segments the previous owner can have listed after it wrote its
// progress, since_ms before now: segments close at a keyframe once they
// reach hls_time_ms, so ceil(since / hls_time) + 1; one more for a short
// segment cut by a configuration change or the publish's end.
uint64_t unseen_segments(int64_t since_ms, int hls_time_ms);

// Pure.  prev: the stream's last progress as the store has it (all zero:
// none, the first publish); now_ms: the store's clock; hls_time_ms: the
// target segment duration.  The owner may have listed segments after its
// last write (it writes every heartbeat period), so the numbers move past
// what it can have listed in the time since.
Continuation continue_after(const fo_progress& prev, int64_t now_ms,
                            int hls_time_ms);

}  // namespace fanout::package
