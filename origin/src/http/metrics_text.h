// http/metrics_text.h — the Prometheus text exposition (format 0.0.4) of
// the origin's metrics registry (core/metrics.h).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/metrics.h"
#include "core/origin_context.h"
#include "package/segment_store.h"

namespace fanout::http {

// Every row of the registry, in its order, after fanout_build_info (the
// version and node, as labels).  Pure: reads the atomics, calls nothing.
std::string render_metrics(const Metrics& m, std::string_view version,
                           std::string_view node);

// Per live stream, labelled app and stream: fanout_stream_segment_age_seconds
// (since its last segment, or its publish before the first) and
// fanout_stream_hls_time_seconds (its target segment duration), for the
// "no new segment for 3 x hlsTime" alert.  Pure.
std::string render_stream_ages(const std::vector<package::StreamAge>& ages);

// Brings the registry's sampled rows up to date: uptime, the segment
// store's counts and the store handle's timings.  Blocking (the segment
// store's and the store handle's locks): call it from ctx.pool.
void sample_metrics(OriginContext& ctx);

}  // namespace fanout::http
