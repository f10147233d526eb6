// package/dash_mpd.h — DASH MPD text (ISO/IEC 23009-1, isoff-live and
// CMAF profiles; SegmentTemplate with SegmentTimeline).  Pure.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fanout::package {

struct DashSegment {
    int64_t t = 0;  // start, AdaptationSet timescale
    int64_t d = 0;  // duration
};

struct DashAdaptation {
    bool video = true;
    std::string representation_id;
    std::string codecs;
    int width = 0, height = 0;  // 0: unknown, omitted
    std::string frame_rate;  // "25", "30000/1001"; "" omitted
    int sample_rate = 0, channels = 0;
    uint64_t bandwidth = 0;  // bits/s
    uint32_t timescale = 0;
    int64_t presentation_time_offset = 0;
    std::string initialization;  // relative to the MPD
    std::string media;  // with $Number$
    uint64_t start_number = 0;
    std::vector<DashSegment> segments;  // consecutive numbers from start_number
    // The set's other Representations (an adaptive ladder's renditions,
    // add_rendition).  With any, every Representation, this one first,
    // carries a SegmentTemplate of its own.
    std::vector<DashAdaptation> representations;
};

struct DashPeriod {
    std::string id;
    int64_t start_ms = 0;  // from availabilityStartTime (dynamic)
    std::vector<DashAdaptation> sets;
    // The previous publish's last Period, listed with no media of its own
    // so that a player still in it learns that it ended
    // (StreamPackager::previous_period).
    bool previous = false;
};

struct DashMpd {
    bool dynamic = true;  // false: ended, type="static"
    int64_t availability_start_ms = 0;  // Unix ms
    int64_t publish_ms = 0;
    int min_update_period_ms = 2000;
    int time_shift_buffer_ms = 10000;
    int suggested_delay_ms = 6000;
    int min_buffer_ms = 2000;
    int64_t duration_ms = 0;  // static: mediaPresentationDuration
    // Dynamic only: <UTCTiming> urn:mpeg:dash:utc:http-iso:2014 at this
    // URL (relative to the MPD); "" none.
    std::string utc_timing_url;
    std::vector<DashPeriod> periods;
};

std::string render_dash_mpd(const DashMpd& mpd);

// Adds a rendition of the same stream and session to `into`: the video
// set of each of its Periods that `into` also has (same id) becomes
// another Representation of that Period's video set, named `id`, with
// `path_prefix` before its file names (e.g. "../cam_360p800kbps/": the
// rendition's files are served beside the source's).  The audio stays the
// source's, shared.  Periods `into` lacks are left out, and so are
// `previous` ones: add_placeholder lists a rendition there.
void add_rendition(DashMpd& into, const DashMpd& rendition,
                   const std::string& id, const std::string& path_prefix);

// Lists a Representation `id` in the video set of each `previous` Period
// of `into`, naming the same files as that set's first one.  A player
// that was playing rendition `id` when the last publish ended finds its
// Representation there, with the Period's one segment: dash.js keeps a
// Representation that an update no longer lists as it was, waits for a
// segment past its old timeline, and so never leaves the Period.  Give
// every rendition the last publish can have had, from the first MPD of
// the new one on: a Period's Representations do not change across
// updates.
void add_placeholder(DashMpd& into, const std::string& id);

// "PT2.000S"
std::string xs_duration(int64_t ms);

}  // namespace fanout::package
