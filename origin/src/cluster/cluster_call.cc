#include "cluster/cluster_call.h"

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <memory>

#include "cluster/cluster_token.h"
#include "cluster/takeover.h"

namespace fanout::cluster {

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Kind = CallAnswer::Kind;

// One exchange.  Every handler holds it; finish() answers once and
// cancels what is still pending, so the last handler frees it.
struct Call : std::enable_shared_from_this<Call> {
    Call(asio::io_context& loop, std::function<void(CallAnswer)> d)
        : resolver(loop), socket(loop), timer(loop), done(std::move(d))
    {
    }

    void start(const CallRequest& r, std::chrono::milliseconds timeout)
    {
        request = r.method + " " + r.path + " HTTP/1.1\r\nHost: " + r.host + ":"
                  + std::to_string(r.port) + "\r\n" + kClusterAuthHeader + ": "
                  + r.token
                  + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        auto self = shared_from_this();
        timer.expires_after(timeout);
        timer.async_wait([self](const boost::system::error_code& ec) {
            if (!ec) {
                self->fail(Kind::Unreachable, "no answer in time");
            }
        });
        resolver.async_resolve(
            r.host, std::to_string(r.port),
            [self](const boost::system::error_code& ec,
                   const tcp::resolver::results_type& results) {
                if (ec) {
                    return self->fail(Kind::Unreachable,
                                      "resolve: " + ec.message());
                }
                self->connect(results);
            });
    }

    void connect(const tcp::resolver::results_type& results)
    {
        auto self = shared_from_this();
        asio::async_connect(
            socket, results,
            [self](const boost::system::error_code& ec, const tcp::endpoint&) {
                if (ec) {
                    return self->fail(Kind::Unreachable,
                                      "connect: " + ec.message());
                }
                asio::async_write(
                    self->socket, asio::buffer(self->request),
                    [self](const boost::system::error_code& e, size_t) {
                        if (e) {
                            return self->fail(Kind::Unreachable,
                                              "write: " + e.message());
                        }
                        self->read();
                    });
            });
    }

    void read()
    {
        auto self = shared_from_this();
        socket.async_read_some(
            asio::buffer(chunk),
            [self](const boost::system::error_code& ec, size_t n) {
                self->received.append(self->chunk.data(), n);
                if (self->received.size() > kMaxCallAnswerBytes) {
                    return self->fail(Kind::Malformed, "answer too large");
                }
                if (ec == asio::error::eof) {
                    return self->parse();
                }
                if (ec) {
                    return self->fail(Kind::Unreachable,
                                      "read: " + ec.message());
                }
                self->read();
            });
    }

    void parse()
    {
        if (received.empty()) {
            return fail(Kind::Unreachable, "closed without an answer");
        }
        CallAnswer a;
        if (!split_http_response(received, &a.status, &a.body)) {
            return fail(Kind::Malformed, "not an HTTP answer");
        }
        a.kind = Kind::Answered;
        finish(std::move(a));
    }

    void fail(Kind kind, std::string why)
    {
        CallAnswer a;
        a.kind = kind;
        a.detail = std::move(why);
        finish(std::move(a));
    }

    void finish(CallAnswer a)
    {
        if (answered) {
            return;
        }
        answered = true;
        boost::system::error_code ignored;
        timer.cancel();
        resolver.cancel();
        socket.close(ignored);
        auto d = std::move(done);
        d(std::move(a));
    }

    tcp::resolver resolver;
    tcp::socket socket;
    asio::steady_timer timer;
    std::function<void(CallAnswer)> done;
    std::string request;
    std::array<char, 4096> chunk{};
    std::string received;
    bool answered = false;
};

}  // namespace

void cluster_call(asio::io_context& loop, const CallRequest& request,
                  std::chrono::milliseconds timeout,
                  std::function<void(CallAnswer)> done)
{
    auto c = std::make_shared<Call>(loop, std::move(done));
    c->start(request, timeout);
}

}  // namespace fanout::cluster
