// ingest/rtmp/server.cc — see server.h.
#include "ingest/rtmp/server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <deque>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/log.h"
#include "core/per_address.h"
#include "ingest/rtmp/session.h"

namespace fanout::ingest {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

std::string endpoint_text(const tcp::endpoint& ep)
{
    const std::string addr = ep.address().to_string();
    return (ep.address().is_v6() ? "[" + addr + "]" : addr) + ":"
           + std::to_string(ep.port());
}

std::string duration_text(std::chrono::milliseconds d)
{
    const auto ms = d.count();
    return ms % 1000 == 0 ? std::to_string(ms / 1000) + " s"
                          : std::to_string(ms) + " ms";
}

}  // namespace

class RtmpConnection;

struct RtmpServer::Impl : std::enable_shared_from_this<RtmpServer::Impl> {
    Impl(asio::io_context& l, const Config& c, Metrics& m, PublishControl& p,
         RtmpServerOptions o)
        : loop(l),
          config(c),
          metrics(m),
          control(p),
          options(o),
          acceptor(l),
          retry(l),
          per_ip(c.rtmp_max_per_ip > 0 ? static_cast<size_t>(c.rtmp_max_per_ip)
                                       : 0,
                 c.trusted_proxies),
          merge_timer(l)
    {
    }

    void accept();
    // Reads again on the next tick of the merge timer (see merge_read).
    void park(std::shared_ptr<RtmpConnection> conn);
    void on_merge_tick();

    asio::io_context& loop;
    const Config& config;
    Metrics& metrics;
    PublishControl& control;
    RtmpServerOptions options;
    tcp::acceptor acceptor;
    asio::steady_timer retry;  // after an accept error (EMFILE): no busy loop
    std::unordered_set<std::shared_ptr<RtmpConnection>> connections;
    PerAddress per_ip;  // rtmp.max_connections_per_ip
    bool stopped = false;
    asio::steady_timer merge_timer;
    bool merge_armed = false;
    std::vector<std::shared_ptr<RtmpConnection>>
        parked;  // waiting for the tick
};

class RtmpConnection : public std::enable_shared_from_this<RtmpConnection> {
public:
    RtmpConnection(std::shared_ptr<RtmpServer::Impl> server, tcp::socket socket,
                   std::string peer, asio::ip::address address)
        : owner_(std::move(server)),
          server_(*owner_),
          socket_(std::move(socket)),
          timer_(server_.loop),
          buf_(server_.options.read_buffer),
          peer_(std::move(peer)),
          address_(address)
    {
    }

    void start()
    {
        rtmp::SessionOptions opt;
        opt.client = peer_;
        opt.out_chunk_size = server_.options.out_chunk_size;
        rtmp::SessionLog log;
        log.info = [](const std::string& m) { log::info(m); };
        log.debug = [](const std::string& m) { log::debug(m); };
        session_ = rtmp::RtmpSession::create(server_.control, std::move(opt),
                                             &server_.metrics, std::move(log));
        std::weak_ptr<RtmpConnection> weak = weak_from_this();
        session_->set_async_output([weak] {
            if (auto self = weak.lock()) self->drain_session();
        });
        boost::system::error_code ec;
        socket_.set_option(tcp::no_delay(true), ec);
        socket_.non_blocking(true, ec);  // poll() must never wait
        deadline_ = Clock::now() + server_.options.handshake_timeout;
        arm_timer();
        read();
    }

    // Idempotent.  Ends the session's publish (sink->on_end()).
    void close()
    {
        if (closed_) return;
        closed_ = true;
        session_->close();
        boost::system::error_code ec;
        socket_.shutdown(tcp::socket::shutdown_both, ec);
        socket_.close(ec);
        timer_.cancel();
        --server_.metrics.rtmp_connections;
        server_.per_ip.release(address_);
        server_.connections.erase(shared_from_this());
    }

private:
    void read()
    {
        quiet(false);
        socket_.async_read_some(
            asio::buffer(buf_),
            [self = shared_from_this()](boost::system::error_code ec,
                                        size_t n) { self->on_read(ec, n); });
    }

    void on_read(boost::system::error_code ec, size_t n)
    {
        if (!consume(ec, n, Clock::now())) return;
        if (merging()) {
            if (n < buf_.size()) {
                wait_for_tick();
            } else {
                poll();  // a full buffer: more is waiting
            }
        } else {
            read();
        }
    }

    // Takes what a read returned; false when the connection closed.
    // received: the earliest moment these bytes can have arrived.
    bool consume(boost::system::error_code ec, size_t n,
                 Clock::time_point received)
    {
        if (closed_) return false;
        if (ec) {
            if (ec != asio::error::eof && ec != asio::error::connection_reset
                && ec != asio::error::operation_aborted) {
                log::debug("rtmp " + peer_ + ": read: " + ec.message());
            }
            close();
            return false;
        }
        if (lingering_) return true;  // discarding until the peer closes
        Status st =
            session_->feed(std::span<const uint8_t>(buf_.data(), n), received);
        if (!st) {
            log::warn("rtmp " + peer_ + ": " + st.error().message());
            ++server_.metrics.rtmp_bad_input_total;
            close();
            return false;
        }
        // Until its publish starts, a connection has the fixed deadline it
        // got at accept (RtmpServerOptions::handshake_timeout): bytes do
        // not move it, so a client trickling one byte at a time cannot
        // hold a slot.  A publisher's media moves the idle deadline.
        if (!closing_ && session_->publishing()) {
            set_deadline(Clock::now() + server_.options.idle_timeout);
        }
        drain_session();
        return !closed_;
    }

    // Merged reads (RtmpServerOptions::merge_read) apply to a publishing
    // connection; the handshake, commands and a closing connection are
    // read as bytes arrive.
    bool merging() const
    {
        return server_.options.merge_read.count() > 0 && !closing_
               && !lingering_ && session_->publishing();
    }

    void wait_for_tick()
    {
        parked_at_ = Clock::now();  // what the tick reads arrived after this
        quiet(true);
        server_.park(shared_from_this());
    }

    // Between ticks nobody waits on the socket, yet every segment that
    // arrives would still wake the loop.  A high receive low-water mark
    // keeps it asleep: reads that do not wait return what is there
    // whatever the mark, and end of stream and errors still wake.  Linux
    // may clamp the receive window to the mark, so it is far above what a
    // tick brings (1 MiB per 100 ms is 80 Mbit/s).  Back to 1 before any
    // read that waits.
    void quiet(bool on)
    {
        if (quiet_ == on) return;
        quiet_ = on;
        boost::system::error_code ec;
        socket_.set_option(
            asio::socket_base::receive_low_watermark(on ? kQuietLowWater : 1),
            ec);
    }
    static constexpr int kQuietLowWater = 1 << 20;

public:
    // A tick of the merge timer: reads what arrived since the last one
    // without waiting (nothing yet: the next tick), so a publisher costs one
    // read per tick and no wakeup of its own.
    void poll()
    {
        for (;;) {
            if (closed_) return;
            boost::system::error_code ec;
            const size_t n = socket_.read_some(asio::buffer(buf_), ec);
            if (ec == asio::error::would_block
                || ec == asio::error::try_again) {
                wait_for_tick();
                return;
            }
            if (!consume(ec, n, parked_at_)) return;
            if (!merging()) {
                read();
                return;
            }
            if (n < buf_.size()) {
                wait_for_tick();
                return;
            }
        }
    }

private:
    // Queues what the session produced; starts a graceful close when the
    // session has said its last word.
    void drain_session()
    {
        if (closed_) return;
        if (session_->has_output()) {
            std::vector<uint8_t> out = session_->take_output();
            queued_ += out.size();
            if (queued_ > server_.options.max_write_queue) {
                log::warn("rtmp " + peer_ + ": more than "
                          + std::to_string(server_.options.max_write_queue)
                          + " bytes waiting to be sent");
                close();
                return;
            }
            writes_.push_back(std::move(out));
        }
        if (session_->wants_close() && !closing_) {
            closing_ = true;
            set_deadline(Clock::now() + server_.options.close_linger);
        }
        write_next();
    }

    void write_next()
    {
        if (closed_ || writing_) return;
        if (writes_.empty()) {
            if (closing_ && !lingering_) {
                // Half-close and read to EOF: closing with unread input
                // would reset the connection and could lose the reply.
                lingering_ = true;
                boost::system::error_code ec;
                socket_.shutdown(tcp::socket::shutdown_send, ec);
            }
            return;
        }
        writing_ = true;
        asio::async_write(
            socket_, asio::buffer(writes_.front()),
            [self = shared_from_this()](boost::system::error_code ec, size_t) {
                self->writing_ = false;
                if (self->closed_) return;
                if (ec) {
                    log::debug("rtmp " + self->peer_
                               + ": write: " + ec.message());
                    self->close();
                    return;
                }
                self->queued_ -= self->writes_.front().size();
                self->writes_.pop_front();
                self->write_next();
            });
    }

    // A later deadline is picked up when the armed wait expires (cheap on
    // every read); an earlier one must re-arm the timer now.
    void set_deadline(Clock::time_point at)
    {
        const bool earlier = at < deadline_;
        deadline_ = at;
        if (earlier) arm_timer();
    }

    void arm_timer()
    {
        timer_.expires_at(deadline_);
        timer_.async_wait(
            [self = shared_from_this()](boost::system::error_code ec) {
                self->on_timer(ec);
            });
    }

    void on_timer(boost::system::error_code ec)
    {
        if (closed_ || ec == asio::error::operation_aborted) return;
        if (Clock::now() < deadline_) {
            arm_timer();  // activity moved the deadline
            return;
        }
        if (!closing_) {
            if (!session_->handshake_done()) {
                log::info("rtmp " + peer_ + ": no handshake within "
                          + duration_text(server_.options.handshake_timeout));
            } else if (!session_->publishing()) {
                log::info("rtmp " + peer_ + ": no publish within "
                          + duration_text(server_.options.handshake_timeout)
                          + " of connecting");
            } else {
                log::info("rtmp " + peer_ + ": no data for "
                          + duration_text(server_.options.idle_timeout));
            }
        }
        close();
    }

    // The server's registry holds this connection until close(); this
    // holds the registry, so handlers never outlive what they touch.
    std::shared_ptr<RtmpServer::Impl> owner_;
    RtmpServer::Impl& server_;
    tcp::socket socket_;
    asio::steady_timer timer_;
    std::vector<uint8_t> buf_;
    std::string peer_;
    asio::ip::address address_;  // counted in server_.per_ip
    std::shared_ptr<rtmp::RtmpSession> session_;
    std::deque<std::vector<uint8_t>> writes_;
    size_t queued_ = 0;
    Clock::time_point deadline_;
    bool writing_ = false;
    bool closing_ = false;  // the session asked to close: flush first
    bool lingering_ = false;  // flushed and half-closed: waiting for EOF
    bool quiet_ = false;  // the low-water mark is raised (quiet())
    Clock::time_point parked_at_{};  // last wait_for_tick()
    bool closed_ = false;
};

void RtmpServer::Impl::accept()
{
    // Handlers hold the Impl: the RtmpServer may be gone when an aborted
    // accept completes.
    acceptor.async_accept(
        [self = shared_from_this(), this](boost::system::error_code ec,
                                          tcp::socket socket) {
            if (stopped || ec == asio::error::operation_aborted) return;
            if (ec) {
                log::warn("rtmp accept: " + ec.message());
                retry.expires_after(std::chrono::milliseconds(100));
                retry.async_wait([self](boost::system::error_code e) {
                    if (!e && !self->stopped) self->accept();
                });
                return;
            }
            boost::system::error_code pe;
            const tcp::endpoint remote = socket.remote_endpoint(pe);
            const std::string peer = pe ? "unknown" : endpoint_text(remote);
            const size_t limit =
                config.rtmp_max_connections > 0
                    ? static_cast<size_t>(config.rtmp_max_connections)
                    : 0;
            if (connections.size() >= limit) {
                log::warn("rtmp " + peer + ": refused, "
                          + std::to_string(connections.size())
                          + " connections open (rtmp.max_connections)");
                socket.close(pe);
            } else if (pe || !per_ip.admit(remote.address())) {
                if (!pe) {
                    log::warn("rtmp " + peer + ": refused, "
                          + std::to_string(per_ip.limit())
                          + " connections open from its address "
                            "(rtmp.max_connections_per_ip)");
                }
                socket.close(pe);
            } else {
                auto conn = std::make_shared<RtmpConnection>(
                    self, std::move(socket), peer, remote.address());
                connections.insert(conn);
                ++metrics.rtmp_connections;
                conn->start();
            }
            accept();
        });
}

void RtmpServer::Impl::park(std::shared_ptr<RtmpConnection> conn)
{
    parked.push_back(std::move(conn));
    if (merge_armed) return;
    merge_armed = true;
    merge_timer.expires_after(options.merge_read);
    merge_timer.async_wait(
        [self = shared_from_this()](boost::system::error_code ec) {
            if (ec == asio::error::operation_aborted)
                return;  // stop() or re-armed
            self->merge_armed = false;
            if (ec || self->stopped) return;
            self->on_merge_tick();
        });
}

void RtmpServer::Impl::on_merge_tick()
{
    std::vector<std::shared_ptr<RtmpConnection>> ready;
    ready.swap(parked);
    parked.reserve(ready.size());
    for (auto& c : ready)
        c->poll();
}

RtmpServer::RtmpServer(asio::io_context& loop, const Config& config,
                       Metrics& metrics, PublishControl& control,
                       RtmpServerOptions options)
    : impl_(std::make_shared<Impl>(loop, config, metrics, control, options))
{
}

RtmpServer::~RtmpServer()
{
    stop();
}

Status RtmpServer::listen()
{
    Impl& s = *impl_;
    boost::system::error_code ec;
    const auto addr = asio::ip::make_address(s.config.bind_address, ec);
    if (ec)
        return Error("rtmp: bind address '" + s.config.bind_address
                     + "' is not an IP address");
    if (s.config.rtmp_port < 0 || s.config.rtmp_port > 65535) {
        return Error("rtmp: port " + std::to_string(s.config.rtmp_port)
                     + " out of range");
    }
    const tcp::endpoint ep(addr, static_cast<uint16_t>(s.config.rtmp_port));
    auto fail = [&](const char* what) {
        boost::system::error_code ignored;
        s.acceptor.close(ignored);
        return Error("rtmp listen " + endpoint_text(ep) + ": " + what + ": "
                     + ec.message());
    };
    s.acceptor.open(ep.protocol(), ec);
    if (ec) return fail("open");
    s.acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (ec) return fail("SO_REUSEADDR");
    s.acceptor.bind(ep, ec);
    if (ec) return fail("bind");
    s.acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return fail("listen");
    s.stopped = false;
    s.accept();
    return {};
}

uint16_t RtmpServer::port() const
{
    boost::system::error_code ec;
    const tcp::endpoint ep = impl_->acceptor.local_endpoint(ec);
    return ec ? 0 : ep.port();
}

void RtmpServer::stop()
{
    Impl& s = *impl_;
    s.stopped = true;
    boost::system::error_code ec;
    s.acceptor.close(ec);
    s.retry.cancel();
    s.merge_timer.cancel();
    s.merge_armed = false;
    s.parked.clear();
    // close() erases from the set: iterate over a copy.
    std::vector<std::shared_ptr<RtmpConnection>> open(s.connections.begin(),
                                                      s.connections.end());
    for (auto& c : open)
        c->close();
}

size_t RtmpServer::connections() const
{
    return impl_->connections.size();
}

}  // namespace fanout::ingest
