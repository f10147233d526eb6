// http/metrics_text.h — the Prometheus text exposition (format 0.0.4) of
// the origin's metrics registry (core/metrics.h).
#pragma once

#include <string>
#include <string_view>

#include "core/metrics.h"
#include "core/origin_context.h"

namespace fanout::http {

// Every row of the registry, in its order, after fanout_build_info (the
// version and node, as labels).  Pure: reads the atomics, calls nothing.
std::string render_metrics(const Metrics& m, std::string_view version,
                           std::string_view node);

// Brings the registry's sampled rows up to date: uptime, the segment
// store's counts and the store handle's timings.  Blocking (the segment
// store's and the store handle's locks): call it from ctx.pool.
void sample_metrics(OriginContext& ctx);

}  // namespace fanout::http
