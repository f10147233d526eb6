// core/store_timings.h — the store handle's timings, sampled into the
// metrics registry.  Apart from core/metrics.h so that the registry needs
// nothing from the store (the pure parsers' fuzz targets include it).
#pragma once

#include "core/metrics.h"
#include "fanout/store.h"

namespace fanout {

// Copies the store handle's timings into the registry and returns the mean
// call time.  Blocking (the handle's mutex, which a slow store call holds):
// call it from the BlockingPool.
inline double sample_store(Metrics& m, fo_store* store)
{
    uint64_t calls = 0;
    double avg = fo_store_avg_query_ms(store, &calls);
    m.store_query_avg_ms = avg;
    m.store_queries_total = calls;
    return avg;
}

}  // namespace fanout
