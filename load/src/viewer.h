// load/src/viewer.h — one simulated HLS or DASH player on the event loop:
// loads the playlist (a master's variant by RenditionPolicy) or the MPD
// (the video Representation by RenditionPolicy, the first of each other
// AdaptationSet), then reloads it at the target duration (the MPD's
// minimumUpdatePeriod) and downloads every new segment, in order, on one
// keep-alive connection (http_client.h).  Its buffer (PlayerBuffer)
// counts the stalls a real player would have had.
#pragma once

#include <utility>  // before Asio: its awaitable.hpp needs std::exchange

#include <boost/asio.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "dash.h"
#include "hls.h"
#include "http_client.h"
#include "options.h"
#include "stats.h"
#include "viewer_model.h"

namespace fanout::load {

class Viewer : public std::enable_shared_from_this<Viewer> {
public:
    // stats, options and limiters outlive the viewer.  index: its number
    // in the run, in its User-Agent ("fanout-load viewer/<index>"), so
    // that an edge counts each viewer as the player it stands for.
    Viewer(boost::asio::io_context& io, boost::asio::ip::tcp::endpoint ep,
           std::string host, std::string playlist_path, Stats& stats,
           const Options& options, RateLimiter& connects, RateLimiter& requests,
           size_t index);
    void start(double delay_s);
    void stop();  // adds its buffer's stalls to the stats
    bool saw_program_date_time() const { return saw_pdt_; }

private:
    using Clock = std::chrono::steady_clock;
    double now() const;
    void request(const std::string& path,
                 std::function<void(const Response&, double ms)> ok);
    void load_playlist();
    void on_playlist(const Response& r, double ms);
    void on_media_playlist(const HlsPlaylist& p);
    void on_mpd(const std::string& body);
    void begin_viewing();
    // Queues p's new segments after `last`; whether there were any.
    // primary: the track the buffer and the latencies follow.
    bool enqueue(const HlsPlaylist& p, std::optional<uint64_t>& last,
                 bool primary);
    void fetch_next();
    void on_segment(const HlsSegment& s, bool primary, const Response& r,
                    double ms);
    void failed(const std::string& kind, int status = 0);
    void after(double s, void (Viewer::*fn)());

    boost::asio::steady_timer timer_;
    HttpClient http_;
    std::string playlist_path_;  // as given; a master or a media playlist
    std::string media_path_;  // the media playlist chosen
    Stats& stats_;
    const Options& opt_;
    RateLimiter &connects_, &requests_;
    PlayerBuffer buffer_;
    size_t index_;
    double loaded_at_ = 0;  // when the playlist being acted on was asked for
    bool changed_ = false;
    double target_s_ = 0;  // the media playlist's target duration
    std::optional<uint64_t> last_seq_;
    struct Queued {
        HlsSegment segment;
        bool primary = true;
    };
    std::deque<Queued> queue_;
    bool dash_ = false;  // the URL is an MPD
    std::vector<std::optional<uint64_t>> dash_last_;  // per track
    std::set<std::string> maps_;  // init segments fetched
    std::map<uint64_t, double> seen_;  // sequence → first listed (reloads)
    bool viewing_ = false, stopped_ = false, saw_pdt_ = false;
    bool startup_counted_ = false, ever_viewed_ = false;
    uint64_t generation_ = 0;
};

}  // namespace fanout::load
