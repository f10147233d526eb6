// core/origin_context.h — what the origin's parts share.  Built once by
// app/ (run_origin); every member outlives the event loop.  Lives in core/
// so that cluster/ and http/ need nothing from app/.
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <optional>
#include <string>

#include "core/blocking_pool.h"
#include "core/config.h"
#include "core/metrics.h"
#include "core/stream_key.h"
#include "fanout/store.h"

namespace fanout {

namespace package {
class SegmentStore;
}
namespace http {
class PlayKeys;
class ConsoleFiles;
}  // namespace http

struct OriginContext {
    boost::asio::io_context& loop;
    const Config& config;
    // Thread-safe handle; call it only from `pool` (it blocks).
    fo_store* store;
    // The REST lane: bounded (http.rest_queue_max), see http/rest_util.h.
    BlockingPool& pool;
    package::SegmentStore& segments;
    Metrics& metrics;
    std::string node_id;  // config.server_name
    std::string version;  // FANOUT_VERSION
    int64_t started_ms = 0;  // wall clock at start

    // The membership lane: heartbeats, claims, progress writes, releases,
    // on a thread and a store handle of their own.  A handle's mutex is
    // held for a whole store call, so sharing REST's would let a REST
    // flood or a slow REST query delay heartbeats.  nullptr: share pool
    // and store (tests that need no lanes).
    BlockingPool* cluster_pool = nullptr;
    fo_store* cluster_store = nullptr;
    BlockingPool& cluster_lane() const
    {
        return cluster_pool != nullptr ? *cluster_pool : pool;
    }
    fo_store* cluster_handle() const
    {
        return cluster_store != nullptr ? cluster_store : store;
    }

    // The session of the stream's publisher live on this origin, if any
    // (set by app/; read on the loop by the internal cluster endpoint).
    std::function<std::optional<std::string>(const StreamKey&)> live_session =
        {};
    // Closes the stream's publisher live on this origin, on the loop, as
    // an unpublish does (its claim is released); false when none is here
    // (set by app/; the REST stop and the internal stop call it).
    std::function<bool(const StreamKey&, const std::string& why)> stop_publish =
        {};

    // play.keys_file's keys (http/play_tokens.h), or nullptr: none.
    http::PlayKeys* play_keys = nullptr;

    // The web console's files, read at start (http/console_files.h), or
    // nullptr: no console.
    const http::ConsoleFiles* console = nullptr;
};

}  // namespace fanout
