// ingest/rtmp/server.h — the RTMP listener: Boost.Asio on the origin's one
// event loop, no thread per connection.  Each connection reads into a
// fixed buffer, feeds its RtmpSession (session.h) and writes the session's
// output through a bounded queue.  Publishing connections are read on the
// ticks of one shared timer (merge_read below), not as each message lands.
//
// Policy lives here: timeouts (handshake 10 s; then 30 s without a byte),
// the connection limit (rtmp.max_connections), and what a protocol error
// costs — one log line naming the peer and the reason, that connection
// closed, metrics.rtmp_bad_input_total bumped; other connections carry on.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/config.h"
#include "core/error.h"
#include "core/metrics.h"
#include "ingest/publish_control.h"

namespace fanout::ingest {

struct RtmpServerOptions {
    // From accept to the start of a publish (handshake, connect, publish
    // and its admission): fixed, not moved by the bytes that arrive
    // (rtmp.handshake_timeout_ms).
    std::chrono::milliseconds handshake_timeout{10000};
    // A publisher's longest silence (rtmp.idle_timeout_ms).
    std::chrono::milliseconds idle_timeout{30000};
    std::chrono::milliseconds close_linger{2000};  // flushing a last reply
    size_t read_buffer = 64 * 1024;
    // Merged reads (SRS's "mr"; rtmp.merge_read_ms): once a connection
    // publishes, it is read on the ticks of one timer shared by every
    // publisher, without waiting, instead of as each RTMP message arrives.
    // The loop wakes once a tick, not once per message per connection, and
    // each read (and each TCP ACK it sends) carries a tick's worth of
    // bytes.  Media waits at most this long in the socket — 5% of a 2 s
    // segment by default; 0 reads as soon as bytes arrive.
    std::chrono::milliseconds merge_read{100};
    size_t max_write_queue = 1u << 20;  // bytes; beyond: close
    uint32_t out_chunk_size = 4096;
};

class RtmpServer {
public:
    // All references must outlive the server and the loop's last handler.
    RtmpServer(boost::asio::io_context& loop, const Config& config,
               Metrics& metrics, PublishControl& control,
               RtmpServerOptions options = {});
    ~RtmpServer();  // stop()
    RtmpServer(const RtmpServer&) = delete;
    RtmpServer& operator=(const RtmpServer&) = delete;

    // Binds config.bind_address:config.rtmp_port (port 0: any free port)
    // and starts accepting.  Errors name the address.
    Status listen();

    // The bound port (after listen()).
    uint16_t port() const;

    // Closes the acceptor and every connection; each publish ends
    // (sink->on_end()).  Call on the loop's thread or while it is stopped.
    void stop();

    size_t connections() const;

    struct Impl;

private:
    std::shared_ptr<Impl> impl_;
};

}  // namespace fanout::ingest
