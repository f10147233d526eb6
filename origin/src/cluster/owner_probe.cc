#include "cluster/owner_probe.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <memory>

#include "cluster/cluster_token.h"

namespace fanout::cluster {

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

constexpr size_t kMaxAnswerBytes = 16 * 1024;

// One exchange.  Every handler holds it; finish() answers once and
// cancels what is still pending, so the last handler frees it.
struct Probe : std::enable_shared_from_this<Probe> {
    Probe(asio::io_context& loop, ProbeTarget t,
          std::function<void(OwnerAnswer)> d)
        : resolver(loop),
          socket(loop),
          timer(loop),
          target(std::move(t)),
          done(std::move(d))
    {
    }

    void start(const std::string& token, std::chrono::milliseconds timeout)
    {
        request = "GET " + std::string(kInternalStreamsPath) + target.key.app
                  + "/" + target.key.id + " HTTP/1.1\r\nHost: " + target.host
                  + ":" + std::to_string(target.port) + "\r\n"
                  + kClusterAuthHeader + ": " + token
                  + "\r\nConnection: close\r\n\r\n";
        auto self = shared_from_this();
        timer.expires_after(timeout);
        timer.async_wait([self](const boost::system::error_code& ec) {
            if (!ec) {
                self->unreachable("no answer in time");
            }
        });
        resolver.async_resolve(
            target.host, std::to_string(target.port),
            [self](const boost::system::error_code& ec,
                   const tcp::resolver::results_type& results) {
                if (ec) {
                    return self->unreachable("resolve: " + ec.message());
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
                    return self->unreachable("connect: " + ec.message());
                }
                asio::async_write(
                    self->socket, asio::buffer(self->request),
                    [self](const boost::system::error_code& e, size_t) {
                        if (e) {
                            return self->unreachable("write: " + e.message());
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
                if (self->received.size() > kMaxAnswerBytes) {
                    return self->finish(OwnerAnswer{
                        OwnerAnswer::Kind::Malformed, {}, "answer too large"});
                }
                if (ec == asio::error::eof) {
                    return self->parse();
                }
                if (ec) {
                    return self->unreachable("read: " + ec.message());
                }
                self->read();
            });
    }

    void parse()
    {
        int status = 0;
        std::string body;
        if (received.empty()) {
            return unreachable("closed without an answer");
        }
        if (!split_http_response(received, &status, &body)) {
            return finish(OwnerAnswer{
                OwnerAnswer::Kind::Malformed, {}, "not an HTTP answer"});
        }
        finish(parse_owner_answer(status, body, target.key));
    }

    void unreachable(std::string why)
    {
        finish(OwnerAnswer{OwnerAnswer::Kind::Unreachable, {}, std::move(why)});
    }

    void finish(OwnerAnswer a)
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
    ProbeTarget target;
    std::function<void(OwnerAnswer)> done;
    std::string request;
    std::array<char, 4096> chunk{};
    std::string received;
    bool answered = false;
};

}  // namespace

void probe_owner(asio::io_context& loop, const ProbeTarget& target,
                 const std::string& token, std::chrono::milliseconds timeout,
                 std::function<void(OwnerAnswer)> done)
{
    auto p = std::make_shared<Probe>(loop, target, std::move(done));
    p->start(token, timeout);
}

}  // namespace fanout::cluster
