// load/src/http_client.h — one keep-alive HTTP/1.1 connection on the
// event loop, one GET at a time, as a player's connection is.  Responses
// are framed by parse_response (http_response.h).
#pragma once

#include <utility>  // before Asio: its awaitable.hpp needs std::exchange

#include <array>
#include <boost/asio.hpp>
#include <functional>
#include <string>

#include "http_response.h"

namespace fanout::load {

class HttpClient {
public:
    // The error's message is its kind: "connect", "timeout", "closed",
    // "parse" (what the report counts).
    using Done = std::function<void(Result<Response>)>;

    // user_agent: what each request's User-Agent says (an edge tells
    // viewers on one address apart by it, as players differ); source: the
    // local address to connect from ("": the kernel's choice).
    HttpClient(boost::asio::io_context& io, boost::asio::ip::tcp::endpoint ep,
               std::string host, double timeout_s,
               std::string user_agent = "fanout-load", std::string source = "");

    // GET path (with query) on the open connection, or a new one.  A
    // reused connection the server had closed (or reset) before answering
    // is reopened once, as browsers do.  done is
    // not called after close().
    void get(const std::string& path, Done done);
    void close();

private:
    void connect();
    void send();
    void read();
    void finish(Result<Response> r);
    // A reused connection closed or reset before any byte of the answer:
    // the request goes again on a new one, once.  false: not this case.
    bool reopen_reused();

    boost::asio::ip::tcp::socket sock_;
    boost::asio::steady_timer deadline_;
    boost::asio::ip::tcp::endpoint ep_;
    std::string host_;
    double timeout_s_;
    std::string user_agent_;
    std::string source_;
    std::string request_, in_;
    std::array<char, 64 * 1024> rbuf_{};
    Done done_;
    bool open_ = false, reused_ = false, retried_ = false;
    uint64_t generation_ = 0;
};

}  // namespace fanout::load
