#include "http_client.h"

#include "socket_source.h"

namespace fanout::load {

namespace asio = boost::asio;
using boost::system::error_code;

HttpClient::HttpClient(asio::io_context& io, asio::ip::tcp::endpoint ep,
                       std::string host, double timeout_s,
                       std::string user_agent, std::string source)
    : sock_(io),
      deadline_(io),
      ep_(ep),
      host_(std::move(host)),
      timeout_s_(timeout_s),
      user_agent_(std::move(user_agent)),
      source_(std::move(source))
{
}

void HttpClient::get(const std::string& path, Done done)
{
    done_ = std::move(done);
    request_ = "GET " + path + " HTTP/1.1\r\nHost: " + host_
               + "\r\nUser-Agent: " + user_agent_ + "\r\n\r\n";
    in_.clear();
    retried_ = false;
    const uint64_t g = ++generation_;
    deadline_.expires_after(
        std::chrono::microseconds(int64_t(timeout_s_ * 1e6)));
    deadline_.async_wait([this, g](error_code ec) {
        if (!ec && g == generation_) finish(Error("timeout"));
    });
    open_ ? send() : connect();
}

void HttpClient::connect()
{
    reused_ = false;
    if (open_from(sock_, ep_, source_)) return finish(Error("connect"));
    sock_.async_connect(ep_, [this, g = generation_](error_code ec) {
        if (g != generation_) return;
        if (ec) return finish(Error("connect"));
        open_ = true;
        send();
    });
}

void HttpClient::send()
{
    asio::async_write(sock_, asio::buffer(request_),
                      [this, g = generation_](error_code ec, size_t) {
                          if (g != generation_) return;
                          if (ec && reused_ && !retried_) {
                              retried_ = true;
                              error_code ignored;
                              sock_.close(ignored);
                              open_ = false;
                              return connect();
                          }
                          if (ec) return finish(Error("closed"));
                          read();
                      });
}

void HttpClient::read()
{
    sock_.async_read_some(
        asio::buffer(rbuf_), [this, g = generation_](error_code ec, size_t n) {
            if (g != generation_) return;
            const bool eof = ec == asio::error::eof;
            // A reset before any byte of the answer: a reused connection
            // the server closed as the request went out (a graceful reload
            // closes idle keep-alive connections).  Browsers send the
            // request again on a new connection, once; so do we.
            if (ec == asio::error::connection_reset && in_.empty()
                && reopen_reused())
                return;
            if (ec && !eof) return finish(Error("closed"));
            in_.append(rbuf_.data(), n);
            ResponseResult r = parse_response(in_, {}, false, eof);
            if (std::holds_alternative<Error>(r)) return finish(Error("parse"));
            if (auto* p = std::get_if<ResponseParsed>(&r)) {
                if (!p->response.keep_alive || p->consumed != in_.size()) {
                    error_code ignored;
                    sock_.close(ignored);
                    open_ = false;
                }
                return finish(std::move(p->response));
            }
            if (!eof) return read();
            // Closed before a whole response: a reused connection the server
            // had timed out is reopened once, as browsers do.
            if (in_.empty() && reopen_reused()) return;
            finish(Error("closed"));
        });
}

bool HttpClient::reopen_reused()
{
    if (!reused_ || retried_) return false;
    retried_ = true;
    error_code ignored;
    sock_.close(ignored);
    open_ = false;
    connect();
    return true;
}

void HttpClient::finish(Result<Response> r)
{
    generation_++;
    deadline_.cancel();
    if (!r.ok()) {
        error_code ignored;
        sock_.close(ignored);
        open_ = false;
    }
    reused_ = open_;
    Done done = std::move(done_);
    done_ = nullptr;
    if (done) done(std::move(r));
}

void HttpClient::close()
{
    generation_++;
    done_ = nullptr;
    deadline_.cancel();
    error_code ignored;
    sock_.close(ignored);
    open_ = false;
}

}  // namespace fanout::load
