// core/origin_context.h — what the origin's parts share.  Built once by
// app/ (run_origin); every member outlives the event loop.  Lives in core/
// so that cluster/ and http/ need nothing from app/.
#pragma once

#include <boost/asio/io_context.hpp>
#include <string>

#include "core/blocking_pool.h"
#include "core/config.h"
#include "core/metrics.h"
#include "fanout/store.h"

namespace fanout {

namespace package {
class SegmentStore;
}

struct OriginContext {
    boost::asio::io_context& loop;
    const Config& config;
    // Thread-safe handle; call it only from `pool` (it blocks).
    fo_store* store;
    BlockingPool& pool;
    package::SegmentStore& segments;
    Metrics& metrics;
    std::string node_id;  // config.server_name
    std::string version;  // FANOUT_VERSION
    int64_t started_ms = 0;  // wall clock at start
};

}  // namespace fanout
