#include "viewer.h"

#include <cmath>

namespace fanout::load {

namespace asio = boost::asio;
using boost::system::error_code;

Viewer::Viewer(asio::io_context& io, asio::ip::tcp::endpoint ep,
               std::string host, std::string playlist_path, Stats& stats,
               const Options& options, RateLimiter& connects,
               RateLimiter& requests)
    : timer_(io),
      http_(io, ep, std::move(host), options.timeout_s),
      playlist_path_(std::move(playlist_path)),
      stats_(stats),
      opt_(options),
      connects_(connects),
      requests_(requests),
      buffer_(options.start_buffer_s)
{
}

double Viewer::now() const
{
    return std::chrono::duration<double>(Clock::now().time_since_epoch())
        .count();
}

void Viewer::after(double s, void (Viewer::*fn)())
{
    timer_.expires_after(
        std::chrono::microseconds(int64_t(std::max(0.0, s) * 1e6)));
    timer_.async_wait(
        [self = shared_from_this(), fn, g = generation_](error_code ec) {
            if (!ec && !self->stopped_ && g == self->generation_)
                ((*self).*fn)();
        });
}

void Viewer::start(double delay_s)
{
    after(delay_s + connects_.reserve(now() + delay_s), &Viewer::load_playlist);
}

void Viewer::request(const std::string& path,
                     std::function<void(const Response&, double)> ok)
{
    const double t0 = now();
    auto self = shared_from_this();
    http_.get(path, [self, t0, ok = std::move(ok)](Result<Response> r) {
        if (self->stopped_) return;
        if (!r) return self->failed(r.error().message());
        if (r->status != 200) return self->failed("http", r->status);
        ok(r.value(), (self->now() - t0) * 1000);
    });
}

void Viewer::load_playlist()
{
    const double wait = requests_.reserve(now());
    if (wait > 0.001) return after(wait, &Viewer::load_playlist);
    loaded_at_ = now();
    buffer_.join(loaded_at_);
    request(media_path_.empty() ? playlist_path_ : media_path_,
            [this](const Response& r, double ms) { on_playlist(r, ms); });
}

void Viewer::on_playlist(const Response& r, double ms)
{
    stats_.playlists++;
    stats_.playlist_ms.add(ms);
    stats_.view_bytes += r.body.size();
    Result<HlsPlaylist> p = parse_hls(r.body);
    if (!p) return failed("parse");
    if (p->master) {
        if (p->variants.empty()) return failed("parse");
        const HlsVariant& v =
            p->variants[choose_variant(p->variants, opt_.rendition)];
        media_path_ = resolve_path(playlist_path_, v.uri);
        return load_playlist();
    }
    if (media_path_.empty()) media_path_ = playlist_path_;
    on_media_playlist(p.value());
}

void Viewer::on_media_playlist(const HlsPlaylist& p)
{
    if (!viewing_) {
        viewing_ = true;
        stats_.viewing++;
        if (!ever_viewed_) stats_.viewers_started++;
        ever_viewed_ = true;
    }
    const bool joined = last_seq_.has_value();
    target_s_ = p.target_duration_s;
    SegmentPlan plan = plan_segments(p, last_seq_, opt_.start_segments);
    stats_.segments_skipped += plan.skipped;
    changed_ = !plan.fetch.empty();
    const double t = now();
    for (const HlsSegment* s : plan.fetch) {
        if (joined) seen_.emplace(s->sequence, t);
        queue_.push_back(*s);
        last_seq_ = s->sequence;
        saw_pdt_ = saw_pdt_ || s->program_date_time_ms.has_value();
    }
    if (p.ended && queue_.empty()) return;  // the stream ended: stay idle
    fetch_next();
}

void Viewer::fetch_next()
{
    if (queue_.empty()) {
        return after(loaded_at_ + reload_delay_s(target_s_, changed_) - now(),
                     &Viewer::load_playlist);
    }
    const HlsSegment& s = queue_.front();
    if (!s.map_uri.empty() && !maps_.count(s.map_uri)) {
        std::string map = s.map_uri;
        return request(resolve_path(media_path_, map),
                       [this, map](const Response& r, double) {
                           maps_.insert(map);
                           stats_.view_bytes += r.body.size();
                           fetch_next();
                       });
    }
    const double wait = requests_.reserve(now());
    if (wait > 0.001) return after(wait, &Viewer::fetch_next);
    request(resolve_path(media_path_, s.uri),
            [this](const Response& r, double ms) {
                HlsSegment seg = std::move(queue_.front());
                queue_.pop_front();
                on_segment(seg, r, ms);
                fetch_next();
            });
}

void Viewer::on_segment(const HlsSegment& s, const Response& r, double ms)
{
    const double t = now();
    stats_.segments++;
    stats_.view_bytes += r.body.size();
    stats_.segment_ms.add(ms);
    buffer_.add(t, s.duration_s);
    if (auto st = buffer_.startup_s(); st && !startup_counted_) {
        startup_counted_ = true;
        stats_.startup_ms.add(*st * 1000);
    }
    // Live delivery only: segments listed after the viewer joined.
    auto seen = seen_.find(s.sequence);
    if (seen == seen_.end()) return;
    stats_.listed_to_fetched_ms.add((t - seen->second) * 1000);
    seen_.erase(seen_.begin(), std::next(seen));
    if (s.program_date_time_ms) {
        const double wall_ms =
            std::chrono::duration<double, std::milli>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
        stats_.availability_ms.add(wall_ms - double(*s.program_date_time_ms)
                                   - s.duration_s * 1000);
    }
}

// A request failed: the connection is dropped (HttpClient did) and the
// viewer starts over from its playlist after a target duration (1 s
// before it knows one), as a player retrying would.
void Viewer::failed(const std::string& kind, int status)
{
    stats_.error(kind);
    if (status) stats_.http_status[status]++;
    if (viewing_) stats_.viewing--;
    viewing_ = false;
    queue_.clear();
    generation_++;
    after(target_s_ > 0 ? target_s_ : 1, &Viewer::load_playlist);
}

void Viewer::stop()
{
    if (stopped_) return;
    stopped_ = true;
    generation_++;
    timer_.cancel();
    http_.close();
    buffer_.advance(now());
    stats_.stalls += buffer_.stalls();
    stats_.stalled_s += buffer_.stalled_s();
    if (buffer_.stalls()) stats_.viewers_stalled++;
}

}  // namespace fanout::load
