// package/segment_store.cc — the in-memory SegmentStore: one published
// view per (stream, rendition), swapped under a mutex by the session's sink in
// the same call that closed a segment, so a segment is listed as soon as
// the keyframe that ends it has been pushed.  Playlists are rendered once
// per change (in the sink, outside the lock); find() only copies a
// shared_ptr.
#include "package/segment_store.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <tuple>
#include <unordered_map>

#include "package/stream_packager.h"

namespace fanout::package {
namespace {

const char* const kImmutable = "public, max-age=31536000, immutable";

int64_t ms(std::chrono::steady_clock::time_point t)
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               t.time_since_epoch())
        .count();
}

bool ends_with(std::string_view s, std::string_view suffix)
{
    return s.size() >= suffix.size()
           && s.substr(s.size() - suffix.size()) == suffix;
}

std::string content_type_of(std::string_view name)
{
    if (ends_with(name, ".m4s")) return "video/iso.segment";
    if (ends_with(name, ".mp4")) return "video/mp4";
    if (ends_with(name, ".ts")) return "video/mp2t";
    return "application/octet-stream";
}

// A playlist's Cache-Control: at most half a segment, so that a cache in
// front never holds one past the next segment.
std::string playlist_cache_control(int hls_time_ms)
{
    int age = hls_time_ms / 2000;
    return age > 0 ? "max-age=" + std::to_string(age) : "no-cache";
}

// What find() serves for one publish session.  Guarded by Shared::mu.
struct Session {
    std::string id;
    int hls_time_ms = 0;  // this publish's hlsTime (its app's)
    std::string playlist_cache;  // playlist_cache_control(hls_time_ms)
    std::unordered_map<std::string, Resource> files;
    Body playlist;  // null until the first segment: 404, not an empty list
    Body mpd;
    std::shared_ptr<const DashMpd> dash;  // what `mpd` renders
    // The source's MPD with its renditions, and the models it was made
    // from (this one's first): made again only when one of them changes.
    mutable Body merged_mpd;
    mutable std::vector<std::shared_ptr<const DashMpd>> merged_from;
    mutable std::vector<std::string> merged_placeholders;
    std::optional<HlsVariant> variant;  // in the master playlist
    size_t bytes = 0;
    bool ended = false;
    int64_t ended_at_ms = 0;  // steady clock
    // Steady clock: when the session opened, when it last listed a segment
    // (0: none yet).  stream_ages() reports them.
    int64_t opened_ms = 0;
    int64_t last_segment_ms = 0;
    // Steady clock: when its MPD was last served (0: never).  The sink
    // reads it without the lock.
    mutable std::atomic<int64_t> mpd_read_ms{0};
    // A newer session took the name, or this one was withdrawn.
    std::atomic<bool> replaced{false};
    fo_progress progress{};  // where a successor continues (progress())
};

struct RenditionKey {
    StreamKey stream;
    std::string rendition;
    auto operator<=>(const RenditionKey&) const = default;
};

// Outlives the store while sinks still hold it.
struct Shared {
    Shared(const PackagerConfig& c, Metrics* m, const Clock& clk)
        : config(c), metrics(m), clock(clk)
    {
    }

    PackagerConfig config;
    Metrics* metrics;
    const Clock& clock;
    mutable std::mutex mu;
    mutable std::map<RenditionKey, std::shared_ptr<Session>> streams;
    std::atomic<uint64_t> segments_total{0};

    int64_t now_ms() const { return ms(clock.now()); }

    bool expired(const Session& s, int64_t now) const
    {
        return s.ended && now - s.ended_at_ms >= config.ended_linger_ms;
    }

    // Drops ended streams whose linger is over.  Walking every stream on
    // each request would cost O(streams) under the lock, so find() prunes
    // at most once a second and otherwise checks only the stream it serves.
    // Caller holds mu.
    void prune(int64_t now, bool force) const
    {
        if (!force && now - last_prune_ms < 1000) return;
        last_prune_ms = now;
        for (auto it = streams.begin(); it != streams.end();) {
            if (expired(*it->second, now))
                it = streams.erase(it);
            else
                ++it;
        }
    }
    mutable int64_t last_prune_ms = 0;
};

// The store's packager settings with the session's hlsTime.
PackagerConfig session_config(const Shared& shared, const Session& session)
{
    PackagerConfig c = shared.config;
    c.hls_time_ms = session.hls_time_ms;
    return c;
}

class PackagingSink : public media::StreamSink {
public:
    // name: what the rendition is served under (segment_store.h).
    PackagingSink(std::shared_ptr<Shared> shared,
                  std::shared_ptr<Session> session, const std::string& name,
                  const Continuation& from)
        : shared_(std::move(shared)),
          session_(std::move(session)),
          packager_(session_config(*shared_, *session_), name, session_->id,
                    from),
          clock_(shared_->clock)
    {
        fo_progress p = packager_.progress();
        std::lock_guard<std::mutex> lock(shared_->mu);
        session_->progress = p;
    }
    ~PackagingSink() override
    {
        if (!ended_) on_end();  // the publisher vanished without on_end
    }

    void on_video_config(const media::VideoConfig& c) override
    {
        if (!replaced())
            publish(packager_.on_video_config(c, clock_.wall_ms()));
    }
    void on_audio_config(const media::AudioConfig& c) override
    {
        if (!replaced())
            publish(packager_.on_audio_config(c, clock_.wall_ms()));
    }
    // A frame may close a segment: time how long until it is listed, from
    // when the frame's bytes reached the host (merged reads leave them in
    // the socket until the next tick), or from now when that is unknown.
    void on_frame(const media::Frame& f) override
    {
        if (replaced()) return;
        const auto t0 = f.received != std::chrono::steady_clock::time_point{}
                            ? f.received
                            : clock_.now();
        const int64_t read =
            session_->mpd_read_ms.load(std::memory_order_relaxed);
        packager_.set_dash_watched(read != 0
                                   && shared_->now_ms() - read
                                          < dash_watched_ms(shared_->config));
        PackagerUpdate up = packager_.on_frame(f, clock_.wall_ms());
        publish(up);
        if (up.segments > 0 && shared_->metrics) {
            shared_->metrics->segment_publish_ms.observe(
                std::chrono::duration<double, std::milli>(clock_.now() - t0)
                    .count());
        }
    }
    void on_end() override
    {
        if (ended_) return;
        ended_ = true;
        if (replaced()) return;  // unreachable now: nothing to end
        PackagerUpdate up = packager_.on_end(clock_.wall_ms());
        fo_progress p = packager_.progress();
        std::lock_guard<std::mutex> lock(shared_->mu);
        apply(up);
        session_->progress = p;
        session_->ended = true;
        session_->ended_at_ms = shared_->now_ms();
    }

private:
    // A replaced session's output is unreachable; skip the work.
    bool replaced() const
    {
        return session_->replaced.load(std::memory_order_relaxed);
    }

    void publish(const PackagerUpdate& up)
    {
        if (up.added.empty() && up.removed.empty() && !up.playlist && !up.mpd)
            return;
        fo_progress p = packager_.progress();
        std::lock_guard<std::mutex> lock(shared_->mu);
        apply(up);
        session_->progress = p;
        if (up.segments) session_->last_segment_ms = shared_->now_ms();
        // Live streams keep dropping the ended ones whose linger is over,
        // even when nobody asks for anything.
        if (up.segments) shared_->prune(shared_->now_ms(), false);
    }

    // Caller holds shared_->mu.
    void apply(const PackagerUpdate& up)
    {
        Session& s = *session_;
        for (const auto& [name, body] : up.added) {
            auto& r = s.files[name];
            if (r.body) s.bytes -= r.body->size();
            r = Resource{body, content_type_of(name), kImmutable};
            s.bytes += body->size();
        }
        for (const auto& name : up.removed) {
            auto it = s.files.find(name);
            if (it == s.files.end()) continue;
            s.bytes -= it->second.body->size();
            s.files.erase(it);
        }
        auto swap_body = [&s](Body& slot, const Body& next) {
            if (!next) return;
            if (slot) s.bytes -= slot->size();
            slot = next;
            s.bytes += slot->size();
        };
        swap_body(s.playlist, up.playlist);
        swap_body(s.mpd, up.mpd);
        if (up.variant) s.variant = up.variant;
        if (up.dash) s.dash = up.dash;
        shared_->segments_total += up.segments;
    }

    std::shared_ptr<Shared> shared_;
    std::shared_ptr<Session> session_;
    StreamPackager packager_;
    const Clock& clock_;
    bool ended_ = false;
};

class MemorySegmentStore : public SegmentStore {
public:
    MemorySegmentStore(const PackagerConfig& config, Metrics* metrics,
                       const Clock& clock)
        : shared_(std::make_shared<Shared>(config, metrics, clock))
    {
    }

    using SegmentStore::open;
    std::shared_ptr<media::StreamSink> open(const StreamKey& key,
                                            std::string_view rendition,
                                            const std::string& session_id,
                                            const Continuation& from,
                                            int hls_time_ms) override
    {
        auto session = std::make_shared<Session>();
        session->id = session_id;
        session->hls_time_ms =
            hls_time_ms > 0 ? hls_time_ms : shared_->config.hls_time_ms;
        session->playlist_cache = playlist_cache_control(session->hls_time_ms);
        {
            std::lock_guard<std::mutex> lock(shared_->mu);
            session->opened_ms = shared_->now_ms();
            shared_->prune(session->opened_ms, true);
            auto& slot =
                shared_->streams[RenditionKey{key, std::string(rendition)}];
            if (slot) slot->replaced = true;
            slot = session;
        }
        std::string name = rendition == kSourceRendition
                               ? key.id
                               : key.id + "_" + std::string(rendition);
        return std::make_shared<PackagingSink>(shared_, std::move(session),
                                               name, from);
    }

    std::optional<fo_progress> progress(
        const StreamKey& key, const std::string& session_id) const override
    {
        std::lock_guard<std::mutex> lock(shared_->mu);
        auto it = shared_->streams.find(
            RenditionKey{key, std::string(kSourceRendition)});
        if (it == shared_->streams.end() || it->second->id != session_id)
            return std::nullopt;
        return it->second->progress;
    }

    // Dropped from the map: find() answers 404 at once, and the sinks,
    // seeing `replaced`, stop packaging.  The map is ordered by stream,
    // then rendition, so the stream's renditions are one range.
    void withdraw(const StreamKey& key, const std::string& session_id) override
    {
        std::lock_guard<std::mutex> lock(shared_->mu);
        auto& streams = shared_->streams;
        for (auto it = streams.lower_bound(RenditionKey{key, std::string()});
             it != streams.end() && it->first.stream == key;) {
            if (it->second->id == session_id) {
                it->second->replaced = true;
                it = streams.erase(it);
            } else {
                ++it;
            }
        }
    }

    std::optional<Resource> find(std::string_view app,
                                 std::string_view rest) const override
    {
        std::string_view stream, file;
        bool playlist = false;
        size_t slash = rest.find('/');
        if (slash == std::string_view::npos) {
            if (!ends_with(rest, ".m3u8")) return std::nullopt;
            stream = rest.substr(0, rest.size() - 5);
            playlist = true;
        } else {
            stream = rest.substr(0, slash);
            file = rest.substr(slash + 1);
            if (file.empty() || file.find('/') != std::string_view::npos)
                return std::nullopt;
        }
        if (stream.empty()) return std::nullopt;

        int64_t now = shared_->now_ms();
        std::lock_guard<std::mutex> lock(shared_->mu);
        shared_->prune(now, false);
        const Session* found = lookup(app, stream);
        if (found == nullptr && playlist && ends_with(stream, kAdaptive))
            return master(
                app, stream.substr(0, stream.size() - kAdaptive.size()), now);
        if (found == nullptr || shared_->expired(*found, now))
            return std::nullopt;
        const Session& s = *found;
        if (playlist) {
            if (!s.playlist) return std::nullopt;
            return Resource{s.playlist, "application/vnd.apple.mpegurl",
                            s.playlist_cache};
        }
        if (file.size() == stream.size() + 4
            && file.substr(0, stream.size()) == stream
            && ends_with(file, ".mpd")) {
            if (!s.mpd) return std::nullopt;
            watched(StreamKey{std::string(app), std::string(stream)}, s, now);
            return Resource{with_renditions(app, stream, s, now),
                            "application/dash+xml", s.playlist_cache};
        }
        auto f = s.files.find(std::string(file));
        if (f == s.files.end()) return std::nullopt;
        return f->second;
    }

    StoreStats stats() const override
    {
        StoreStats st;
        std::lock_guard<std::mutex> lock(shared_->mu);
        shared_->prune(shared_->now_ms(), true);
        for (const auto& [key, s] : shared_->streams) {
            if (!s->ended && key.rendition == kSourceRendition)
                st.live_streams++;
            st.bytes += s->bytes;
        }
        st.segments_total = shared_->segments_total.load();
        return st;
    }

    std::vector<RenditionInfo> renditions(
        const StreamKey& key, const std::string& session_id) const override
    {
        std::vector<RenditionInfo> out;
        std::lock_guard<std::mutex> lock(shared_->mu);
        const auto& streams = shared_->streams;
        auto src =
            streams.find(RenditionKey{key, std::string(kSourceRendition)});
        if (src == streams.end() || src->second->id != session_id) return out;
        const bool source_ended = src->second->ended;
        each_in_session(
            key, session_id, [&](const std::string& name, const Session& r) {
                if (!r.playlist || !r.variant) return;
                RenditionInfo info;
                info.name = name;
                info.width = r.variant->width;
                info.height = r.variant->height;
                info.bandwidth = r.variant->bandwidth;
                info.average_bandwidth = r.variant->average_bandwidth;
                info.dropped = r.ended && !source_ended;
                out.push_back(std::move(info));
            });
        std::stable_sort(
            out.begin(), out.end(), [](const auto& a, const auto& b) {
                auto rank = [](const RenditionInfo& x) {
                    return std::tuple(x.dropped, x.name != kSourceRendition,
                                      -x.height);
                };
                return rank(a) < rank(b);
            });
        return out;
    }

    std::vector<StreamAge> stream_ages() const override
    {
        std::vector<StreamAge> out;
        std::lock_guard<std::mutex> lock(shared_->mu);
        int64_t now = shared_->now_ms();
        for (const auto& [key, s] : shared_->streams) {
            if (s->ended || key.rendition != kSourceRendition) continue;
            int64_t since =
                s->last_segment_ms ? s->last_segment_ms : s->opened_ms;
            out.push_back(
                {key.stream.app, key.stream.id, now - since, s->hls_time_ms});
        }
        return out;
    }

private:
    static constexpr std::string_view kAdaptive = "_adaptive";

    // f(name, session) for each rendition of the stream `key` (the
    // source's included) whose session is `id`, in map order.  Caller
    // holds mu.
    template <class F>
    void each_in_session(const StreamKey& key, const std::string& id, F f) const
    {
        const auto& streams = shared_->streams;
        for (auto it = streams.lower_bound(RenditionKey{key, ""});
             it != streams.end() && it->first.stream == key; ++it)
            if (it->second->id == id) f(it->first.rendition, *it->second);
    }

    // A DASH player reads s's MPD: s and its session's renditions (which
    // the source's MPD lists) hold the MPD's window.  Caller holds mu.
    void watched(const StreamKey& key, const Session& s, int64_t now) const
    {
        s.mpd_read_ms.store(now, std::memory_order_relaxed);
        each_in_session(key, s.id, [now](const std::string&, const Session& r) {
            r.mpd_read_ms.store(now, std::memory_order_relaxed);
        });
    }

    // The renditions of the stream `key` in its source's session, the
    // source's own name first in map order: those that list segments and
    // have not ended before the source (a dropped rendition is gone).
    // Empty when the source is not here or has expired.  Caller holds mu.
    std::vector<std::pair<const std::string*, const Session*>> renditions_of(
        const StreamKey& key, int64_t now) const
    {
        std::vector<std::pair<const std::string*, const Session*>> out;
        const auto& streams = shared_->streams;
        auto src =
            streams.find(RenditionKey{key, std::string(kSourceRendition)});
        if (src == streams.end() || shared_->expired(*src->second, now))
            return out;
        const Session& s = *src->second;
        each_in_session(key, s.id,
                        [&](const std::string& name, const Session& r) {
                            if (r.playlist && !(r.ended && !s.ended)
                                && !shared_->expired(r, now))
                                out.emplace_back(&name, &r);
                        });
        return out;
    }

    // The renditions opened in the source's session s that have not ended
    // before it, listed or not yet, in map order: those a continued
    // stream's previous Period lists (add_placeholder).  Empty unless s's
    // MPD lists such a Period.  Caller holds mu.
    std::vector<std::string> placeholders(const StreamKey& key,
                                          const Session& s) const
    {
        std::vector<std::string> out;
        if (!s.dash
            || std::none_of(s.dash->periods.begin(), s.dash->periods.end(),
                            [](const DashPeriod& p) { return p.previous; }))
            return out;
        each_in_session(key, s.id,
                        [&](const std::string& name, const Session& r) {
                            if (&r != &s && !(r.ended && !s.ended))
                                out.push_back(name);
                        });
        return out;
    }

    // The source's MPD with the other renditions of its session as more
    // Representations of its video (dash_mpd.h add_rendition, and
    // add_placeholder in a continued stream's previous Period); the
    // source's own rendering when it has none.  Rendered once per change
    // of any of them, not per request.  Caller holds mu.
    Body with_renditions(std::string_view app, std::string_view name,
                         const Session& s, int64_t now) const
    {
        StreamKey key{std::string(app), std::string(name)};
        auto all = renditions_of(key, now);
        std::erase_if(all, [&s](const auto& x) {
            return x.second == &s || !x.second->dash;
        });
        std::vector<std::string> names = placeholders(key, s);
        if ((all.empty() && names.empty()) || !s.dash) return s.mpd;
        std::vector<std::shared_ptr<const DashMpd>> from{s.dash};
        for (const auto& x : all)
            from.push_back(x.second->dash);
        if (from == s.merged_from && names == s.merged_placeholders)
            return s.merged_mpd;
        DashMpd merged = *s.dash;
        for (const std::string& rendition : names)
            add_placeholder(merged, rendition);
        for (const auto& [rendition, r] : all)
            add_rendition(merged, *r->dash, *rendition,
                          "../" + key.id + "_" + *rendition + "/");
        s.merged_placeholders = std::move(names);
        s.merged_from = std::move(from);
        s.merged_mpd =
            std::make_shared<const ByteChain>(render_dash_mpd(merged));
        return s.merged_mpd;
    }

    // "<s>_adaptive.m3u8": every rendition of the source's session that
    // lists segments, the source first.  Caller holds mu.
    std::optional<Resource> master(std::string_view app, std::string_view s,
                                   int64_t now) const
    {
        std::vector<HlsVariant> variants;
        const Session* source = nullptr;
        for (const auto& [rendition, r] :
             renditions_of(StreamKey{std::string(app), std::string(s)}, now)) {
            if (!r->variant) continue;
            bool is_source = *rendition == kSourceRendition;
            if (is_source) source = r;
            HlsVariant v = *r->variant;
            v.uri =
                std::string(s) + (is_source ? "" : "_" + *rendition) + ".m3u8";
            variants.push_back(std::move(v));
        }
        if (source == nullptr) return std::nullopt;
        return Resource{std::make_shared<const ByteChain>(
                            render_master_playlist(std::move(variants))),
                        "application/vnd.apple.mpegurl",
                        source->playlist_cache};
    }

    // name: what a URL names, "<s>" or "<s>_<r>" (segment_store.h); the
    // stream's source first.  Caller holds mu.
    const Session* lookup(std::string_view app, std::string_view name) const
    {
        const auto& streams = shared_->streams;
        auto it =
            streams.find(RenditionKey{{std::string(app), std::string(name)},
                                      std::string(kSourceRendition)});
        if (it != streams.end()) return it->second.get();
        size_t cut = name.rfind('_');
        if (cut == std::string_view::npos) return nullptr;
        it = streams.find(
            RenditionKey{{std::string(app), std::string(name.substr(0, cut))},
                         std::string(name.substr(cut + 1))});
        return it == streams.end() ? nullptr : it->second.get();
    }

    std::shared_ptr<Shared> shared_;
};

}  // namespace

bool valid_rendition(std::string_view rendition)
{
    return valid_stream_id(rendition)
           && rendition.find('_') == std::string_view::npos;
}

std::unique_ptr<SegmentStore> make_segment_store(const PackagerConfig& config,
                                                 Metrics* metrics,
                                                 const Clock& clock)
{
    return std::make_unique<MemorySegmentStore>(config, metrics, clock);
}

}  // namespace fanout::package
