#include "viewer.h"

#include <cmath>

namespace fanout::load {

namespace asio = boost::asio;
using boost::system::error_code;

Viewer::Viewer(asio::io_context& io, asio::ip::tcp::endpoint ep,
               std::string host, std::string playlist_path, Stats& stats,
               const Options& options, RateLimiter& connects,
               RateLimiter& requests, size_t index)
    : timer_(io),
      http_(io, ep, std::move(host), options.timeout_s,
            "fanout-load viewer/" + std::to_string(index),
            source_address(options, options.publishers + index)),
      playlist_path_(std::move(playlist_path)),
      stats_(stats),
      opt_(options),
      connects_(connects),
      requests_(requests),
      buffer_(options.start_buffer_s),
      index_(index)
{
    std::string path = playlist_path_.substr(0, playlist_path_.find('?'));
    dash_ = path.size() >= 4 && path.compare(path.size() - 4, 4, ".mpd") == 0;
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
    if (dash_) return on_mpd(r.body);
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

void Viewer::begin_viewing()
{
    if (viewing_) return;
    viewing_ = true;
    stats_.viewing++;
    if (!ever_viewed_) stats_.viewers_started++;
    ever_viewed_ = true;
}

bool Viewer::enqueue(const HlsPlaylist& p, std::optional<uint64_t>& last,
                     bool primary)
{
    const bool joined = last.has_value();
    SegmentPlan plan = plan_segments(p, last, opt_.start_segments);
    stats_.segments_skipped += plan.skipped;
    const double t = now();
    for (const HlsSegment* s : plan.fetch) {
        if (joined && primary) seen_.emplace(s->sequence, t);
        queue_.push_back({*s, primary});
        last = s->sequence;
        saw_pdt_ = saw_pdt_ || s->program_date_time_ms.has_value();
    }
    return !plan.fetch.empty();
}

void Viewer::on_media_playlist(const HlsPlaylist& p)
{
    begin_viewing();
    target_s_ = p.target_duration_s;
    changed_ = enqueue(p, last_seq_, true);
    if (p.ended && queue_.empty()) return;  // the stream ended: stay idle
    fetch_next();
}

// The video Representation by the rendition policy and the first of each
// other set; the buffer follows the first video track (or the first).
void Viewer::on_mpd(const std::string& body)
{
    Result<Mpd> m = parse_mpd(body);
    if (!m) return failed("parse");
    media_path_ = playlist_path_;
    std::vector<const DashRepresentation*> tracks;
    size_t primary = 0;
    bool have_video = false;
    for (const DashSet& set : m->sets) {
        if (set.reps.empty()) continue;
        size_t i = 0;
        if (set.video) {
            std::vector<HlsVariant> v;
            for (const DashRepresentation& r : set.reps)
                v.push_back({r.id, r.bandwidth, r.width, r.height});
            i = choose_variant(v, opt_.rendition);
            if (!have_video) primary = tracks.size(), have_video = true;
        }
        tracks.push_back(&set.reps[i]);
    }
    if (tracks.empty()) return failed("parse");
    begin_viewing();
    dash_last_.resize(tracks.size());
    double target = 0;
    changed_ = false;
    bool pending = false;
    for (size_t k = 0; k < tracks.size(); k++) {
        HlsPlaylist p = dash_track(*tracks[k], !m->dynamic);
        changed_ = enqueue(p, dash_last_[k], k == primary) || changed_;
        target = std::max(target, p.target_duration_s);
        pending = pending || !p.ended;
    }
    target_s_ = m->min_update_s > 0 ? m->min_update_s : target;
    if (!pending && queue_.empty()) return;  // a static MPD: done
    fetch_next();
}

void Viewer::fetch_next()
{
    if (queue_.empty()) {
        return after(loaded_at_ + reload_delay_s(target_s_, changed_) - now(),
                     &Viewer::load_playlist);
    }
    const HlsSegment& s = queue_.front().segment;
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
                Queued q = std::move(queue_.front());
                queue_.pop_front();
                on_segment(q.segment, q.primary, r, ms);
                fetch_next();
            });
}

void Viewer::on_segment(const HlsSegment& s, bool primary, const Response& r,
                        double ms)
{
    const double t = now();
    stats_.segments++;
    stats_.view_bytes += r.body.size();
    stats_.segment_ms.add(ms);
    if (!primary) return;  // the buffer and latencies follow one track
    // Live delivery only: segments listed after the viewer joined.
    const auto seen = seen_.find(s.sequence);
    const double listed_ms =
        seen == seen_.end() ? -1 : (t - seen->second) * 1000;
    const uint64_t stalls = buffer_.stalls();
    buffer_.add(t, s.duration_s);
    if (buffer_.stalls() > stalls
        && stats_.stall_examples.size() < Stats::kStallExamples) {
        stats_.stall_examples.push_back(
            {index_, media_path_, buffer_.dry_since() - stats_.started_s,
             t - buffer_.dry_since(), s.sequence, listed_ms, ms});
    }
    if (auto st = buffer_.startup_s(); st && !startup_counted_) {
        startup_counted_ = true;
        stats_.startup_ms.add(*st * 1000);
    }
    if (seen == seen_.end()) return;
    stats_.listed_to_fetched_ms.add(listed_ms);
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
