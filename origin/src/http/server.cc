#include "http/server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "core/log.h"
#include "http/router.h"

namespace fanout::http {

namespace asio = boost::asio;
using asio::ip::tcp;

// The acceptor and its loop.  Shared with its own completions, so a
// completion queued when the server is destroyed finds it still alive.
struct HttpServer::Listener : std::enable_shared_from_this<Listener> {
    Listener(asio::io_context& loop, std::shared_ptr<ConnectionShared> s)
        : acceptor(loop), retry(loop), shared(std::move(s))
    {
    }

    void accept()
    {
        acceptor.async_accept(
            [self = shared_from_this()](const boost::system::error_code& ec,
                                        tcp::socket socket) {
                self->on_accept(ec, std::move(socket));
            });
    }

    void on_accept(const boost::system::error_code& ec, tcp::socket socket)
    {
        if (stopped) {
            return;
        }
        if (ec) {
            // EMFILE and friends: back off instead of spinning.
            log::warn("http: accept: " + ec.message());
            retry.expires_after(std::chrono::milliseconds(100));
            retry.async_wait([self = shared_from_this()](
                                 const boost::system::error_code& e) {
                if (!e && !self->stopped) {
                    self->accept();
                }
            });
            return;
        }
        boost::system::error_code peer_ec;
        tcp::endpoint remote = socket.remote_endpoint(peer_ec);
        if (peer_ec) {
            accept();  // already gone
            return;
        }
        if (shared->live.size() >= shared->options.max_connections
            || !shared->per_address.admit(remote.address())) {
            shared->stats.rejected_connections_total++;
            boost::system::error_code ignored;
            socket.close(ignored);
            accept();
            return;
        }
        socket.set_option(tcp::no_delay(true), peer_ec);
        shared->stats.open_connections++;
        shared->stats.connections_total++;
        auto conn = std::make_shared<Connection>(
            std::move(socket), Peer{remote.address(), remote.port()}, shared);
        shared->live.insert(conn);
        conn->start();
        accept();
    }

    tcp::acceptor acceptor;
    asio::steady_timer retry;
    std::shared_ptr<ConnectionShared> shared;
    bool stopped = false;
};

HttpServer::HttpServer(OriginContext& ctx, ServerOptions options)
    : HttpServer(ctx, options, nullptr)
{
}

HttpServer::HttpServer(OriginContext& ctx, ServerOptions options,
                       std::unique_ptr<Handler> handler)
    : ctx_(ctx), shared_(std::make_shared<ConnectionShared>(ctx.metrics.http))
{
    shared_->options = options;
    shared_->per_address =
        PerAddress(options.max_per_address, options.uncapped);
    shared_->limits.max_body = ctx.config.http_max_body;
    shared_->handler =
        handler ? std::move(handler) : std::make_unique<Router>(ctx);
    listener_ = std::make_shared<Listener>(ctx.loop, shared_);
}

HttpServer::~HttpServer()
{
    stop();
}

Status HttpServer::listen()
{
    const Config& c = ctx_.config;
    std::string where = c.bind_address + ":" + std::to_string(c.http_port);
    boost::system::error_code ec;
    asio::ip::address addr = asio::ip::make_address(c.bind_address, ec);
    if (ec) {
        return Error("http: bad bind address " + c.bind_address);
    }
    tcp::endpoint ep(addr, static_cast<uint16_t>(c.http_port));
    tcp::acceptor& a = listener_->acceptor;
    a.open(ep.protocol(), ec);
    if (!ec) {
        a.set_option(tcp::acceptor::reuse_address(true), ec);
    }
    if (!ec) {
        a.bind(ep, ec);
    }
    if (!ec) {
        a.listen(asio::socket_base::max_listen_connections, ec);
    }
    if (ec) {
        boost::system::error_code ignored;
        a.close(ignored);
        return Error("http: listen " + where + ": " + ec.message());
    }
    log::info("http: listening on " + c.bind_address + ":"
              + std::to_string(port()));
    listener_->accept();
    return Status();
}

uint16_t HttpServer::port() const
{
    boost::system::error_code ec;
    auto ep = listener_->acceptor.local_endpoint(ec);
    return ec ? 0 : ep.port();
}

void HttpServer::stop()
{
    if (listener_->stopped) {
        return;
    }
    listener_->stopped = true;
    shared_->stopping = true;
    boost::system::error_code ec;
    listener_->acceptor.close(ec);
    listener_->retry.cancel();
    auto live = shared_->live;  // close() edits the set
    for (const auto& conn : live) {
        conn->close();
    }
}

}  // namespace fanout::http
