// load/src/dash.h — a live DASH MPD as a player reads it: the last
// Period's AdaptationSets and Representations, each with its
// SegmentTemplate (its own or its AdaptationSet's) and SegmentTimeline,
// turned into a track with numbered, named segments — the HlsPlaylist
// shape (hls.h), so that the viewer's plan and buffer serve both
// protocols.  Pure; the XML subset MPDs use (no entities, no namespaces
// beyond the prefixless elements).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "hls.h"

namespace fanout::load {

struct DashTimelineEntry {
    uint64_t t = 0, d = 0;
    int64_t r = 0;  // repeats after this one; -1 (open-ended) is refused
    bool has_t = false;
};

struct DashTemplate {
    bool present = false;
    bool has_timeline = false;  // a <SegmentTimeline>, even empty
    uint64_t timescale = 1, start_number = 1;
    std::string initialization, media;
    std::vector<DashTimelineEntry> timeline;
};

struct DashRepresentation {
    std::string id;
    uint64_t bandwidth = 0;
    int width = 0, height = 0;
    DashTemplate tmpl;
};

struct DashSet {
    bool video = false;  // contentType / mimeType video
    DashTemplate tmpl;  // the set's, for Representations without their own
    std::vector<DashRepresentation> reps;
};

struct Mpd {
    bool dynamic = false;
    double min_update_s = 0;  // minimumUpdatePeriod; 0 when absent
    std::vector<DashSet> sets;  // of the last Period
};

// Error: no <MPD>, an open-ended repeat, a Representation without a
// template or whose template has no SegmentTimeline (duration-only
// templates are not supported), a repeat over 100,000.
Result<Mpd> parse_mpd(std::string_view xml);

// xs:duration "PT1.5S", "PT1M2S", "P0Y0M0DT0H0M2.000S" → seconds; -1 when
// malformed.
double parse_xs_duration(std::string_view s);

// A template ($RepresentationID$, $Bandwidth$, $Number$, $Time$, each
// with an optional %0Nd, and $$) with these values.
std::string expand_template(std::string_view tmpl, const DashRepresentation& r,
                            uint64_t number, uint64_t time);

// The Representation's segments as a media playlist: sequence = number,
// uri = the media name, duration = d / timescale, map_uri = the
// initialization name; target duration the longest segment.
HlsPlaylist dash_track(const DashRepresentation& r, bool ended);

}  // namespace fanout::load
