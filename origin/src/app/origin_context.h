// app/origin_context.h — what the origin's parts share.  Built once in
// main(); every member outlives the event loop.
#pragma once

#include <boost/asio/io_context.hpp>
#include <string>

#include "core/blocking_pool.h"
#include "core/config.h"
#include "core/metrics.h"
#include "fanout/store.h"
#include "package/segment_store.h"

namespace fanout {

struct OriginContext {
    boost::asio::io_context& loop;
    const Config& config;
    // Thread-safe handle; call it only from `pool` (it blocks).
    fo_store* store;
    BlockingPool& pool;
    package::SegmentStore& segments;
    Metrics& metrics;
    std::string node_id;        // config.server_name
    std::string version;        // FANOUT_VERSION
    int64_t started_ms = 0;     // wall clock at start
};

}  // namespace fanout
