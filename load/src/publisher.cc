#include "publisher.h"

#include "socket_source.h"

#include <algorithm>

namespace fanout::load {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {
// Unsent bytes past which a publisher is dropped: the origin (or the
// network) does not keep up with real time.
constexpr size_t kMaxBacklog = 16u << 20;
}  // namespace

Result<PublishTarget> publish_target(const Url& url, asio::ip::address address)
{
    // "/app/name..." — the name may itself hold slashes and a query.
    size_t slash = url.path.find('/', 1);
    if (slash == std::string::npos || slash + 1 == url.path.size())
        return Error(url.path + ": rtmp URL needs /app/stream");
    PublishTarget t;
    t.endpoint = {address, url.port};
    t.app = url.path.substr(1, slash - 1);
    t.name = url.path.substr(slash + 1);
    t.tc_url =
        "rtmp://" + url.host + ":" + std::to_string(url.port) + "/" + t.app;
    return t;
}

Publisher::Publisher(asio::io_context& io, const std::vector<FlvTag>& tags,
                     PublishTarget target, Stats& stats, const Options& options,
                     RateLimiter& connects)
    : sock_(io),
      timer_(io),
      deadline_(io),
      tags_(tags),
      target_(std::move(target)),
      stats_(stats),
      opt_(options),
      connects_(connects)
{
}

void Publisher::after(double s, void (Publisher::*fn)())
{
    timer_.expires_after(std::chrono::microseconds(int64_t(s * 1e6)));
    timer_.async_wait(
        [self = shared_from_this(), fn, g = generation_](error_code ec) {
            if (!ec && !self->stopped_ && g == self->generation_)
                ((*self).*fn)();
        });
}

void Publisher::start(double delay_s)
{
    const double now =
        std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
    after(delay_s + connects_.reserve(now + delay_s), &Publisher::connect);
}

void Publisher::connect()
{
    client_ = std::make_unique<PublishClient>(target_.app, target_.tc_url,
                                              target_.name);
    replay_ = std::make_unique<Replay>(tags_);
    writing_.clear();
    pending_.clear();
    connected_at_ = Clock::now();
    deadline_.expires_after(
        std::chrono::milliseconds(int64_t(opt_.timeout_s * 1000)));
    deadline_.async_wait(
        [self = shared_from_this(), g = generation_](error_code ec) {
            if (!ec && g == self->generation_ && !self->publishing_)
                self->drop("timeout");
        });
    if (open_from(sock_, target_.endpoint, target_.source))
        return drop("connect");  // the source address cannot be bound
    sock_.async_connect(target_.endpoint, [self = shared_from_this(),
                                           g = generation_](error_code ec) {
        if (self->stopped_ || g != self->generation_) return;
        if (ec) return self->drop("connect");
        self->sock_.set_option(asio::ip::tcp::no_delay(true));
        self->client_->start();
        self->flush();
        self->read();
    });
}

void Publisher::read()
{
    sock_.async_read_some(
        asio::buffer(rbuf_),
        [self = shared_from_this(), g = generation_](error_code ec, size_t n) {
            if (self->stopped_ || g != self->generation_) return;
            if (ec) return self->drop("closed");
            self->on_read(n);
        });
}

void Publisher::on_read(size_t n)
{
    Status s = client_->feed(std::span(rbuf_.data(), n));
    if (!s) {
        stats_.errors["rtmp: " + client_->failure()]++;
        return drop("");
    }
    if (!publishing_ && client_->state() == PublishClient::State::Publishing) {
        publishing_ = true;
        deadline_.cancel();
        stats_.publishing++;
        stats_.publishes++;
        started_ = Clock::now();
        stats_.publish_start_ms.add(
            std::chrono::duration<double, std::milli>(started_ - connected_at_)
                .count());
        pump();
    }
    flush();
    read();
}

void Publisher::pump()
{
    const double elapsed_ms =
        std::chrono::duration<double, std::milli>(Clock::now() - started_)
            .count();
    for (;;) {
        Replay::Step step = replay_->peek();
        if (!step.tag || step.timestamp > elapsed_ms) break;
        client_->send_media(step.tag->type, step.timestamp, step.tag->body);
        replay_->advance();
    }
    flush();
    if (pending_.size() > kMaxBacklog) return drop("backlog");
    const double next = replay_->peek().timestamp;
    after(std::max({0.001, opt_.send_interval_s, (next - elapsed_ms) / 1000}),
          &Publisher::pump);
}

void Publisher::flush()
{
    if (client_->has_output()) {
        std::vector<uint8_t> out = client_->take_output();
        pending_.insert(pending_.end(), out.begin(), out.end());
    }
    if (!writing_.empty() || pending_.empty()) return;
    writing_.swap(pending_);
    asio::async_write(
        sock_, asio::buffer(writing_),
        [self = shared_from_this(), g = generation_](error_code ec, size_t n) {
            if (self->stopped_ || g != self->generation_) return;
            if (ec) return self->drop("closed");
            self->stats_.publish_bytes += n;
            self->writing_.clear();
            self->flush();
        });
}

// Ends this connection (kind: the error to count, "" when counted
// already); reconnects when asked.
void Publisher::drop(const std::string& kind)
{
    if (!kind.empty()) stats_.error(kind);
    if (publishing_) stats_.publishing--;
    publishing_ = false;
    generation_++;
    error_code ignored;
    sock_.close(ignored);
    deadline_.cancel();
    if (stopped_ || !opt_.reconnect) return;
    stats_.publish_reconnects++;
    after(opt_.reconnect_delay_s, &Publisher::connect);
}

void Publisher::stop()
{
    // stats_.publishing keeps counting this one: the report says how
    // many were publishing when the run ended.
    stopped_ = true;
    generation_++;
    error_code ignored;
    sock_.close(ignored);
    timer_.cancel();
    deadline_.cancel();
}

}  // namespace fanout::load
