// core/store_timings.h — the store handle's timings, sampled into the
// metrics registry.  Apart from core/metrics.h so that the registry needs
// nothing from the store (the pure parsers' fuzz targets include it).
#pragma once

#include "core/metrics.h"
#include "fanout/store.h"

namespace fanout {

// Copies the store handle's timings into the registry and returns the mean
// time of its last FO_QUERY_WINDOW calls (dbQueryAverageTimeMs, what the
// slowDatabase rule reads: a lifetime mean would hide a store that turned
// slow after hours of fast calls, and keep one that recovered "slow").
// Blocking (the handle's mutex, which a slow store call holds): call it
// from the BlockingPool.
inline double sample_store(Metrics& m, fo_store* store)
{
    uint64_t calls = 0;
    fo_store_avg_query_ms(store, &calls);
    double recent = fo_store_recent_query_ms(store, nullptr);
    m.store_query_avg_ms = recent;
    m.store_queries_total = calls;
    return recent;
}

}  // namespace fanout
