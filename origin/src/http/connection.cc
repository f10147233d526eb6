#include "http/connection.h"

#include <boost/asio/write.hpp>

#include "core/log.h"

namespace fanout::http {

namespace asio = boost::asio;

const std::string& ConnectionShared::date()
{
    std::time_t now = std::time(nullptr);
    if (now != date_time_) {
        date_time_ = now;
        date_ = http_date(now);
    }
    return date_;
}

Connection::Connection(asio::ip::tcp::socket socket, Peer peer,
                       std::shared_ptr<ConnectionShared> shared)
    : socket_(std::move(socket)),
      timer_(socket_.get_executor()),
      peer_(std::move(peer)),
      shared_(std::move(shared))
{
    const ParseLimits& l = shared_->limits;
    max_buffer_ = l.max_request_line + l.max_header_bytes + l.max_body + 4096;
}

void Connection::start()
{
    // The first request is due within the header timeout of the accept:
    // an idle socket must not hold a connection slot for the keep-alive
    // time.
    request_started_ = true;
    arm_timer(shared_->options.header_timeout);
    read();
}

void Connection::close()
{
    if (closed_) {
        return;
    }
    closed_ = true;
    cancel_timer();
    boost::system::error_code ec;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    socket_.close(ec);
    shared_->stats.open_connections--;
    shared_->per_address.release(peer_.address);
    shared_->live.erase(shared_from_this());
}

void Connection::read()
{
    if (reading_ || closed_ || peer_eof_ || in_.size() >= max_buffer_) {
        return;
    }
    reading_ = true;
    socket_.async_read_some(
        asio::buffer(read_buf_),
        [self = shared_from_this()](const boost::system::error_code& ec,
                                    size_t n) { self->on_read(ec, n); });
}

void Connection::on_read(const boost::system::error_code& ec, size_t n)
{
    reading_ = false;
    if (closed_) {
        return;
    }
    if (lingering_) {
        if (ec) {
            close();
        } else {
            read();  // discard until the client closes or the timer fires
        }
        return;
    }
    if (ec) {
        peer_eof_ = true;
        if (ec != asio::error::eof || busy_) {
            // Reset, or the client gave up on a pending answer.
            close();
        } else if (!writing_) {
            process();  // a complete request may still be buffered
        }
        return;
    }
    in_.append(read_buf_.data(), n);
    if (busy_ || writing_) {
        read();  // keep watching for a disconnect, up to the buffer cap
        return;
    }
    process();
}

void Connection::process()
{
    if (closed_ || busy_ || writing_ || lingering_) {
        return;
    }
    if (in_.empty()) {
        if (peer_eof_) {
            close();
            return;
        }
        read();
        return;
    }
    if (need_ > in_.size()) {
        wait_for_more();
        return;
    }
    ParseResult result = parse_request(in_, shared_->limits);
    if (auto* more = std::get_if<NeedMoreData>(&result)) {
        need_ = more->total_needed;
        if (more->expect_continue && !continue_sent_ && !peer_eof_) {
            send_continue();
            return;
        }
        wait_for_more();
        return;
    }
    need_ = 0;
    continue_sent_ = false;
    if (auto* err = std::get_if<ParseError>(&result)) {
        shared_->stats.bad_requests_total++;
        log::debug("http: " + peer_.address.to_string() + ": "
                   + std::to_string(err->status) + " " + err->reason);
        Response resp = Response::error(err->status, err->reason);
        bool keep_alive = err->keep_alive;
        if (err->consumed > 0) {
            in_.erase(0, err->consumed);
        } else {
            resp.close = true;
            in_.clear();
        }
        busy_ = true;
        send(std::move(resp), false, keep_alive, ++seq_);
        return;
    }
    auto& parsed = std::get<Parsed>(result);
    in_.erase(0, parsed.consumed);
    dispatch(std::move(parsed.request));
}

void Connection::wait_for_more()
{
    if (peer_eof_) {
        close();  // the request can never complete
        return;
    }
    if (!request_started_) {
        request_started_ = true;
        arm_timer(shared_->options.header_timeout);
    }
    read();
}

void Connection::dispatch(Request request)
{
    busy_ = true;
    cancel_timer();  // the handler's own work is bounded (store timeouts)
    uint64_t seq = ++seq_;
    bool head = request.method == Method::Head;
    bool keep_alive = request.keep_alive;
    std::weak_ptr<Connection> weak = shared_from_this();
    shared_->handler->handle(std::move(request), peer_,
                             [weak, seq, head, keep_alive](Response response) {
                                 if (auto self = weak.lock()) {
                                     self->send(std::move(response), head,
                                                keep_alive, seq);
                                 }
                             });
    if (busy_) {
        read();
    }
}

void Connection::send(Response response, bool head, bool keep_alive,
                      uint64_t seq)
{
    if (closed_ || !busy_ || seq != seq_) {
        return;  // closed meanwhile, or a handler answered twice
    }
    busy_ = false;
    bool close = !keep_alive || response.close || shared_->stopping || peer_eof_
                 || ++answered_ >= shared_->options.max_requests;
    size_t length = 0;
    if (response.body && response.offset <= response.body->size()) {
        length =
            std::min(response.length, response.body->size() - response.offset);
    }
    bool no_body = head || response.status == 204 || response.status == 304;
    out_head_ = serialize_head(response, length, close, shared_->date());
    out_body_ = no_body ? nullptr : response.body;
    close_after_ = close;
    writing_ = true;
    arm_timer(shared_->options.write_timeout);

    out_buffers_.clear();
    out_buffers_.push_back(asio::buffer(out_head_));
    if (out_body_) {
        out_body_->for_each(
            response.offset, length, [this](const uint8_t* p, size_t n) {
                out_buffers_.push_back(asio::const_buffer(p, n));
            });
    }
    asio::async_write(
        socket_, out_buffers_,
        [self = shared_from_this()](const boost::system::error_code& ec,
                                    size_t sent) { self->on_write(ec, sent); });
}

void Connection::send_continue()
{
    static const std::string interim = "HTTP/1.1 100 Continue\r\n\r\n";
    writing_ = true;
    asio::async_write(socket_, asio::buffer(interim),
                      [self = shared_from_this()](
                          const boost::system::error_code& ec, size_t sent) {
                          self->shared_->stats.bytes_out_total += sent;
                          self->writing_ = false;
                          if (ec) {
                              self->close();
                              return;
                          }
                          self->continue_sent_ = true;
                          self->process();
                      });
}

void Connection::on_write(const boost::system::error_code& ec, size_t sent)
{
    // What reached the socket, a failed write's part too (the heartbeat's
    // egressBitrate, GET /metrics).
    shared_->stats.bytes_out_total += sent;
    writing_ = false;
    out_buffers_.clear();
    out_body_.reset();
    if (closed_) {
        return;
    }
    if (ec) {
        close();
        return;
    }
    if (close_after_) {
        linger();
        return;
    }
    if (in_.empty()) {
        request_started_ = false;
        arm_timer(shared_->options.idle_timeout);
    } else {
        // A pipelined request is already (partly) here.
        request_started_ = true;
        arm_timer(shared_->options.header_timeout);
    }
    process();
}

void Connection::linger()
{
    lingering_ = true;
    in_.clear();
    boost::system::error_code ec;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
    if (ec || peer_eof_) {
        close();
        return;
    }
    arm_timer(shared_->options.linger_timeout);
    read();
}

void Connection::arm_timer(std::chrono::milliseconds d)
{
    uint64_t gen = ++timer_gen_;
    timer_.expires_after(d);
    timer_.async_wait(
        [self = shared_from_this(), gen](const boost::system::error_code& ec) {
            if (ec || gen != self->timer_gen_ || self->closed_) {
                return;
            }
            if (!self->lingering_) {
                self->shared_->stats.timeouts_total++;
                log::debug("http: " + self->peer_.address.to_string()
                           + ": timeout, closing");
            }
            self->close();
        });
}

void Connection::cancel_timer()
{
    ++timer_gen_;
    timer_.cancel();
}

}  // namespace fanout::http
