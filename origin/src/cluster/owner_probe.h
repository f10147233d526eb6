// cluster/owner_probe.h — asks the origin that owns a stream whether it
// still has a live publisher of it (the internal endpoint of
// cluster/takeover.h), over cluster/cluster_call.h: resolve, connect,
// write, read to the end, all under one timer.  Nothing blocks; the whole
// exchange takes at most `timeout`.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <string>

#include "cluster/takeover.h"
#include "core/stream_key.h"

namespace fanout::cluster {

struct ProbeTarget {
    std::string host;  // the owner's originAdress
    int port = 0;  // its HTTP port
    StreamKey key;
};

// done(answer) exactly once, on loop, within timeout (Unreachable then).
// token: the ClusterAuthorization value (cluster/cluster_token.h).
void probe_owner(boost::asio::io_context& loop, const ProbeTarget& target,
                 const std::string& token, std::chrono::milliseconds timeout,
                 std::function<void(OwnerAnswer)> done);

}  // namespace fanout::cluster
