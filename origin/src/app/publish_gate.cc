#include "app/publish_gate.h"

#include <algorithm>
#include <chrono>
#include <random>

#include "core/log.h"
#include "package/segment_store.h"

namespace fanout {

namespace {

std::string new_session_id()
{
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    char buf[17];
    std::snprintf(buf, sizeof(buf), "%016llx",
                  static_cast<unsigned long long>(rng()));
    return buf;
}

struct ClaimResult {
    fo_status status = FO_OK;
    std::string message;
};

}  // namespace

// Forwards media to the packager and tells the gate when the publish ends.
// Lives as long as the ingest connection holds it.
class GateSink : public media::StreamSink {
public:
    GateSink(PublishGate& gate, std::string key, std::string session,
             std::shared_ptr<media::StreamSink> inner)
        : gate_(gate), key_(std::move(key)), session_(std::move(session)),
          inner_(std::move(inner)) {}

    void on_metadata(double kbps) override { inner_->on_metadata(kbps); }
    void on_video_config(const media::VideoConfig& c) override
    {
        inner_->on_video_config(c);
    }
    void on_audio_config(const media::AudioConfig& c) override
    {
        inner_->on_audio_config(c);
    }
    void on_frame(const media::Frame& f) override
    {
        Metrics& m = gate_.ctx_.metrics;
        m.bytes_in += f.data.size();
        if (!(f.video && f.keyframe)) {
            inner_->on_frame(f);
            return;
        }
        // A keyframe may close a segment: time how long until it is listed,
        // from when its bytes reached the host (merged reads leave them in
        // the socket until the next tick).  The loop runs one frame at a
        // time, so a change in the store's segment count during this call
        // is this stream's segment.
        auto before = gate_.ctx_.segments.segments_total();
        auto t0 = f.received != std::chrono::steady_clock::time_point{}
                      ? f.received
                      : std::chrono::steady_clock::now();
        inner_->on_frame(f);
        auto t1 = std::chrono::steady_clock::now();
        if (gate_.ctx_.segments.segments_total() != before) {
            m.segment_publish_ms.observe(
                std::chrono::duration<double, std::milli>(t1 - t0).count());
        }
    }
    void on_end() override
    {
        if (!ended_) {
            ended_ = true;
            inner_->on_end();
            gate_.ended(key_, session_);
        }
    }
    // A connection that died before it took its sink still ends the
    // publish.
    ~GateSink() override { on_end(); }

private:
    bool ended_ = false;
    PublishGate& gate_;
    std::string key_, session_;
    std::shared_ptr<media::StreamSink> inner_;
};

PublishGate::PublishGate(OriginContext& ctx, cluster::Webhooks& hooks)
    : ctx_(ctx), hooks_(hooks)
{
}

fo_claim PublishGate::claim_of(const Live& live) const
{
    fo_claim c{};
    c.app = live.app.c_str();
    c.stream_id = live.stream_id.c_str();
    c.node_id = ctx_.node_id.c_str();
    c.address = ctx_.config.host_address.c_str();
    c.http_port = ctx_.config.http_port;
    c.session_id = live.session_id.c_str();
    c.publish_type = "RTMP";
    return c;
}

void PublishGate::authorize(const ingest::PublishRequest& req,
                            std::function<void(ingest::PublishDecision)> done)
{
    const auto& apps = ctx_.config.apps;
    if (std::find(apps.begin(), apps.end(), req.app) == apps.end()) {
        ctx_.metrics.publishes_refused++;
        done(Error("unknown application '" + req.app + "'"));
        return;
    }
    std::string key = req.app + "/" + req.stream_id;
    if (live_.count(key) != 0) {
        ctx_.metrics.publishes_refused++;
        done(Error("stream " + key + " is already publishing on this origin"));
        return;
    }
    // Reserve the key on the loop first: a second publisher arriving while
    // the store answers is refused here, not raced in the store.
    Live live{req.app, req.stream_id, new_session_id(), false, true};
    live_[key] = live;

    auto shared = std::make_shared<Live>(live);
    fo_claim claim = claim_of(*shared);
    fo_store* store = ctx_.store;
    ctx_.pool.run(
        [store, claim, shared]() {
            (void) shared;              // keeps claim's strings alive
            ClaimResult r;
            fo_error err{};
            r.status = fo_stream_claim(store, &claim, &err);
            r.message = err.msg;
            return r;
        },
        [this, key, shared, req, done = std::move(done)](ClaimResult r) {
            auto it = live_.find(key);
            it->second.claiming = false;
            if (r.status == FO_CONFLICT) {
                live_.erase(it);
                ctx_.metrics.publishes_refused++;
                log::info("publish " + key + " refused: " + r.message);
                done(Error("stream " + key + " is live on another origin"));
                return;
            }
            if (r.status == FO_OK) {
                it->second.claimed = true;
            } else {
                // The store is down: the publish goes on and is claimed
                // when the store returns (reconcile).
                ctx_.metrics.store_errors_total++;
                log::warn("publish " + key + ": store error, publishing "
                          "unclaimed for now: " + r.message);
            }
            ctx_.metrics.publishes_total++;
            ctx_.metrics.publishers++;
            log::info("publish " + key + " started, session "
                      + shared->session_id + " from " + req.client);
            hooks_.post("liveStreamStarted", req.stream_id, req.stream_id,
                        req.app);
            auto inner = ctx_.segments.open(req.app, req.stream_id,
                                            shared->session_id);
            done(std::shared_ptr<media::StreamSink>(std::make_shared<GateSink>(
                *this, key, shared->session_id, std::move(inner))));
        });
}

void PublishGate::ended(const std::string& key, const std::string& session)
{
    auto it = live_.find(key);
    if (it == live_.end() || it->second.session_id != session) {
        return;
    }
    Live live = it->second;
    live_.erase(it);
    ctx_.metrics.publishers--;
    log::info("publish " + key + " ended, session " + session);
    hooks_.post("liveStreamEnded", live.stream_id, live.stream_id, live.app);

    fo_store* store = ctx_.store;
    ctx_.pool.run(
        [store, live]() {
            fo_error err{};
            fo_status st = fo_stream_release(store, live.app.c_str(),
                                             live.stream_id.c_str(),
                                             live.session_id.c_str(), &err);
            return std::make_pair(st, std::string(err.msg));
        },
        [this, key](std::pair<fo_status, std::string> r) {
            // CONFLICT: another origin took the stream over meanwhile;
            // NOT_FOUND: deleted through the API.  Both are fine.
            if (r.first == FO_ERR) {
                ctx_.metrics.store_errors_total++;
                log::warn("publish " + key + ": release failed (the reaper "
                          "will finish it): " + r.second);
            }
        });
}

void PublishGate::reconcile(bool store_ok)
{
    bool recovered = store_ok && !store_was_ok_;
    store_was_ok_ = store_ok;
    if (!store_ok) {
        return;
    }
    if (recovered) {
        // The store may have lost what we wrote (a restarted in-memory
        // server) or reaped us while we could not heartbeat: claim every
        // live publish again; for the owning session it is a no-op.
        for (auto& [key, live] : live_) {
            live.claimed = false;
        }
    }
    for (auto& [key, live] : live_) {
        if (live.claimed || live.claiming) {
            continue;
        }
        live.claiming = true;
        auto shared = std::make_shared<Live>(live);
        fo_claim claim = claim_of(*shared);
        fo_store* store = ctx_.store;
        ctx_.pool.run(
            [store, claim, shared]() {
                (void) shared;
                fo_error err{};
                ClaimResult r;
                r.status = fo_stream_claim(store, &claim, &err);
                r.message = err.msg;
                return r;
            },
            [this, k = key, shared](ClaimResult r) {
                auto it = live_.find(k);
                if (it == live_.end()
                    || it->second.session_id != shared->session_id) {
                    return;
                }
                it->second.claiming = false;
                if (r.status == FO_OK) {
                    it->second.claimed = true;
                    log::info("publish " + k + " recorded in the store");
                } else if (r.status == FO_CONFLICT) {
                    log::warn("publish " + k + " is also live elsewhere: "
                              + r.message);
                    it->second.claimed = true;   // do not retry forever
                }
            });
    }
}

void PublishGate::release_all_blocking()
{
    for (auto& [key, live] : live_) {
        fo_error err{};
        fo_stream_release(ctx_.store, live.app.c_str(),
                          live.stream_id.c_str(), live.session_id.c_str(),
                          &err);
    }
    live_.clear();
}

}  // namespace fanout
