// http/connection.h — one client connection: read, parse, hand to the
// handler, write, repeat (keep-alive, pipelining), with timeouts.
//
// Everything runs on the one event-loop thread; no locks.  One request is
// handled at a time: pipelined requests wait in the buffer and are parsed
// only after the previous response was written, so answers go out in order.
// While a handler is pending the socket is still read, so a client that
// disconnects is noticed and dropped (nginx's broken-connection check);
// the handler's late answer then finds the connection gone.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "core/metrics.h"

#include "core/per_address.h"
#include "http/handler.h"
#include "http/request_parser.h"

namespace fanout::http {

struct ServerOptions {
    // From a request's first byte (or from accept) to its last.
    std::chrono::milliseconds header_timeout{10000};
    // Between requests on a kept-alive connection.
    std::chrono::milliseconds idle_timeout{60000};
    // One response.
    std::chrono::milliseconds write_timeout{30000};
    // Draining a client's leftovers before closing after an error, so the
    // error response is not lost to a TCP reset.
    std::chrono::milliseconds linger_timeout{2000};
    size_t max_connections = 10000;
    // Requests answered on one connection before it is closed
    // (Connection: close on the last), as nginx's keepalive_requests.
    size_t max_requests = 1000;
    // Connections per client address (http.max_connections_per_ip; 0: no
    // cap), the trusted proxies (the LBs) not counted.
    size_t max_per_address = 0;
    std::vector<Cidr> uncapped;
};

class Connection;

// What the server and its connections share.  Held by shared_ptr so queued
// completions never outlive it.
struct ConnectionShared {
    explicit ConnectionShared(HttpStats& s) : stats(s) {}

    ServerOptions options;
    ParseLimits limits;
    std::unique_ptr<Handler> handler;
    HttpStats& stats;  // the registry's (core/metrics.h)
    std::unordered_set<std::shared_ptr<Connection>> live;
    PerAddress per_address{0, {}};  // from options, by the server
    bool stopping = false;

    // Cached per second: every response carries it.
    const std::string& date();

private:
    std::time_t date_time_ = 0;
    std::string date_;
};

class Connection : public std::enable_shared_from_this<Connection> {
public:
    Connection(boost::asio::ip::tcp::socket socket, Peer peer,
               std::shared_ptr<ConnectionShared> shared);

    void start();
    // Closes now and leaves the server's set; idempotent.
    void close();

private:
    using Clock = std::chrono::steady_clock;

    void read();
    void on_read(const boost::system::error_code& ec, size_t n);
    void process();
    void wait_for_more();
    void dispatch(Request request);
    void send(Response response, bool head, bool keep_alive, uint64_t seq);
    void send_continue();
    void on_write(const boost::system::error_code& ec, size_t sent);
    void linger();
    void arm_timer(std::chrono::milliseconds d);
    void cancel_timer();

    boost::asio::ip::tcp::socket socket_;
    boost::asio::steady_timer timer_;
    Peer peer_;
    std::shared_ptr<ConnectionShared> shared_;

    std::string in_;  // received, not yet consumed
    std::array<char, 16384> read_buf_;
    size_t max_buffer_;
    size_t need_ = 0;  // parse again once in_ has this much

    std::string out_head_;
    std::shared_ptr<const ByteChain> out_body_;
    std::vector<boost::asio::const_buffer>
        out_buffers_;  // head, then the body's pieces

    uint64_t seq_ = 0;  // the request being answered
    size_t answered_ = 0;  // responses sent (ServerOptions::max_requests)
    uint64_t timer_gen_ = 0;
    bool reading_ = false;
    bool busy_ = false;  // a handler has the request
    bool writing_ = false;
    bool request_started_ = false;  // header timer armed
    bool continue_sent_ = false;
    bool close_after_ = false;
    bool peer_eof_ = false;
    bool lingering_ = false;
    bool closed_ = false;
};

}  // namespace fanout::http
