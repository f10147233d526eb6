// load/src/publisher.h — one RTMP publisher on the shared event loop: a
// PublishClient (rtmp_publish.h) over a socket, replaying an FLV's tags in
// real time (flv_file.h's Replay) from the moment the origin says
// NetStream.Publish.Start; reconnecting after a drop when asked.
#pragma once

#include <utility>  // before Asio: its awaitable.hpp needs std::exchange

#include <array>
#include <boost/asio.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "flv_file.h"
#include "options.h"
#include "rtmp_publish.h"
#include "stats.h"

namespace fanout::load {

struct PublishTarget {
    boost::asio::ip::tcp::endpoint endpoint;
    std::string app, tc_url, name;  // name: the rest of the path (+ query)
    std::string source;  // the local address to connect from; "": any
};

// rtmp://host:port/app/name → app, tcUrl "rtmp://host:port/app", name.
Result<PublishTarget> publish_target(const Url& url,
                                     boost::asio::ip::address address);

class Publisher : public std::enable_shared_from_this<Publisher> {
public:
    // tags, stats, options and limiter outlive the publisher.
    Publisher(boost::asio::io_context& io, const std::vector<FlvTag>& tags,
              PublishTarget target, Stats& stats, const Options& options,
              RateLimiter& connects);
    void start(double delay_s);
    void stop();  // for good: no reconnect, no error counted

private:
    using Clock = std::chrono::steady_clock;
    void connect();
    void on_read(size_t n);
    void read();
    void flush();
    void pump();
    void drop(const std::string& kind);
    void after(double s, void (Publisher::*fn)());

    boost::asio::ip::tcp::socket sock_;
    boost::asio::steady_timer timer_, deadline_;
    const std::vector<FlvTag>& tags_;
    PublishTarget target_;
    Stats& stats_;
    const Options& opt_;
    RateLimiter& connects_;
    std::unique_ptr<PublishClient> client_;
    std::unique_ptr<Replay> replay_;
    Clock::time_point started_;
    Clock::time_point connected_at_;  // connect() began: admission's start
    std::vector<uint8_t> writing_, pending_;
    std::array<uint8_t, 8192> rbuf_{};
    bool publishing_ = false, stopped_ = false;
    uint64_t generation_ = 0;  // a connection's callbacks check theirs
};

}  // namespace fanout::load
