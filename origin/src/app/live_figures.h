// app/live_figures.h — a live stream's figures in its broadcast record
// (issue #15), written by the owning origin with the progress it already
// writes at every heartbeat (app/claim_jobs.h, fo_stream_progress_put),
// so any origin answering GET /{app}/rest/v2/broadcasts/{id} has them:
//
//   bitrate     Ant Media's: bits/s of the publish's frames, measured at
//               ingest over the last heartbeat period (hub/ingest_meter.h)
//   speed       Ant Media's: the transcoder's speed (media time encoded
//               per wall time, 1.0 = real time) with a ladder; without
//               one, the ingest speed (media time received per wall time)
//   renditions  Fanout's own: what the stream's master playlist offers now,
//               the source first, and the renditions dropped under load
//               (package/segment_store.h RenditionInfo):
//               [{"name":"source","width":1280,"height":720,
//                 "bandwidth":..,"averageBandwidth":..,"dropped":false},..]
//
// A publish that ends writes zeros and no renditions with its last
// progress.  Pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fanout/store.h"
#include "package/segment_store.h"

namespace fanout {

struct LiveRates {
    int64_t bitrate = 0;  // bits/s
    double speed = 0;  // 1.0 = real time
};

// The speed to report: the transcoder's when it has one (> 0), else the
// ingest's.
LiveRates live_rates(int64_t ingest_bitrate, double ingest_speed,
                     double transcoder_speed);

// The renditions as the JSON array text the store keeps, shorter than
// cap bytes: entries that would not fit are left out, from the last.
std::string renditions_json(const std::vector<package::RenditionInfo>& r,
                            size_t cap = FO_RENDITIONS_MAX);

// Sets p's live figures.  renditions must be shorter than
// FO_RENDITIONS_MAX (renditions_json's).
void put_live_figures(const LiveRates& rates, std::string_view renditions,
                      fo_progress* p);

}  // namespace fanout
