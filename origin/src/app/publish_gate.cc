#include "app/publish_gate.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <random>

#include "app/claim_jobs.h"
#include "cluster/cluster_token.h"
#include "cluster/hook_settings.h"
#include "cluster/owner_probe.h"
#include "core/log.h"
#include "package/hls_time_setting.h"
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

int64_t unix_s()
{
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// What the publisher's RTMP status says (never the token).
std::string refusal_message(auth::Refusal r)
{
    if (r == auth::Refusal::UndefinedStream) {
        return "publish refused: undefined stream";
    }
    if (r == auth::Refusal::BroadcastLimit) {
        return "publish refused: too many broadcasts in the application";
    }
    return std::string("publish refused: ") + auth::refusal_reason(r)
           + " token";
}

}  // namespace

PublishGate::PublishGate(OriginContext& ctx, cluster::Webhooks& hooks)
    : ctx_(ctx), hooks_(hooks)
{
}

std::optional<std::string> PublishGate::live_session(const StreamKey& key) const
{
    auto it = live_.find(key);
    if (it == live_.end() || !it->second.admitted) {
        return std::nullopt;
    }
    return it->second.session_id;
}

bool PublishGate::stop(const StreamKey& key, const std::string& why)
{
    auto it = live_.find(key);
    if (it == live_.end() || !it->second.admitted || !it->second.revoke) {
        return false;
    }
    log::info("publish " + key.str() + " session " + it->second.session_id
              + ": " + why);
    const std::string session = it->second.session_id;
    // A copy: the revoke ends the publish, whose end (the hub's, at once)
    // erases the entry.
    auto revoke = it->second.revoke;
    revoke(why);
    auto still = live_.find(key);
    if (still != live_.end() && still->second.session_id == session) {
        // Admitted, but its hub not yet handed over (the ladder is being
        // read): the revoke found nothing publishing.  End it here; the
        // pending answer then finds it released and refuses the publish.
        ended(key, session);
    }
    return true;
}

void PublishGate::attach_rates(const StreamKey& key,
                               const std::string& session_id,
                               std::function<LiveRates()> rates)
{
    auto it = live_.find(key);
    if (it != live_.end() && it->second.session_id == session_id) {
        it->second.rates = std::move(rates);
    }
}

void PublishGate::claim(const Live& live, const std::string& take_over,
                        std::function<void(ClaimResult)> done)
{
    // The strings the claim points into live on with the worker's copy.
    auto copy =
        std::make_shared<const std::pair<Live, std::string>>(live, take_over);
    fo_claim c{};
    c.app = copy->first.key.app.c_str();
    c.stream_id = copy->first.key.id.c_str();
    c.node_id = ctx_.node_id.c_str();
    c.address = ctx_.config.host_address.c_str();
    c.http_port = ctx_.config.http_port;
    c.session_id = copy->first.session_id.c_str();
    c.publish_type = "RTMP";
    c.take_over_session = take_over.empty() ? nullptr : copy->second.c_str();
    fo_store* store = ctx_.cluster_handle();
    ctx_.cluster_lane().run(
        [store, c, copy]() {
            (void)copy;
            return app_jobs::claim(store, c);
        },
        std::move(done));
}

void PublishGate::admit(const ingest::PublishRequest& req, Done done)
{
    const StreamKey& key = req.key;
    const auto& apps = ctx_.config.apps;
    if (std::find(apps.begin(), apps.end(), key.app) == apps.end()) {
        ctx_.metrics.publishes_refused++;
        done(Error("unknown application '" + key.app + "'"));
        return;
    }
    if (live_.count(key) != 0) {
        ctx_.metrics.publishes_refused++;
        done(Error("stream " + key.str()
                   + " is already publishing on this origin"));
        return;
    }
    // Reserve the key on the loop first: a second publisher arriving while
    // the store answers is refused here, not raced in the store.
    Live live{key, new_session_id(), false, true, false, req.revoke, {}, {},
              {}};
    live_[key] = live;
    authorize(live, req, std::move(done));
}

void PublishGate::authorize(const Live& live, const ingest::PublishRequest& req,
                            Done done)
{
    const StreamKey key = live.key;
    auto cached = token_settings_.find(key.app);
    const auth::TokenSettings fallback =
        cached != token_settings_.end() ? cached->second : ctx_.config.tokens;
    if (ctx_.pool.full()) {  // a flood of publishes: bounded, like REST
        auth::PublishAuth busy;
        busy.settings = fallback;
        busy.verdict = {auth::Refusal::Unavailable, "the REST lane is full"};
        return authorized(key, live.session_id, req, std::move(busy),
                          std::move(done));
    }
    // On the REST lane, not the membership lane: a flood of publishes
    // with bad tokens must not delay heartbeats.
    fo_store* store = ctx_.store;
    ctx_.pool.run(
        [store, defaults = ctx_.config.tokens, fallback, key, query = req.query,
         cap = ctx_.config.broadcast_max_per_app]() {
            return auth::authorize_publish(store, defaults, fallback, key,
                                           query, unix_s(), cap);
        },
        [this, key, session = live.session_id, req,
         done = std::move(done)](auth::PublishAuth a) mutable {
            authorized(key, session, req, std::move(a), std::move(done));
        });
}

void PublishGate::authorized(const StreamKey& key, const std::string& session,
                             const ingest::PublishRequest& req,
                             auth::PublishAuth a, Done done)
{
    if (a.settings_read) {
        token_settings_[key.app] = a.settings;
    }
    auto it = live_.find(key);
    if (it == live_.end() || it->second.session_id != session) {
        done(Error("stream " + key.str() + " is no longer reserved"));
        return;
    }
    it->second.settings = publish_settings(key.app, a);
    const auth::Refusal r = a.verdict.refusal;
    if (r != auth::Refusal::None) {
        auth::count_refusal(ctx_.metrics, r);
        const std::string reason = auth::refusal_reason(r);
        // The token itself is never logged.
        log::info("publish " + key.str() + " from " + req.client
                  + (r == auth::Refusal::BroadcastLimit
                         ? " refused by broadcast.max_per_app ("
                         : " refused by the token controls (")
                  + reason + "): " + a.verdict.why);
        live_.erase(key);
        ctx_.metrics.publishes_refused++;
        done(Error(auth::refusal_is_rejected(r) ? ingest::kPublishRejected : 0,
                   refusal_message(r)));
        return;
    }
    claim(it->second, {},
          [this, key, req, done = std::move(done)](ClaimResult r) mutable {
              claimed(key, req, std::move(r), std::move(done), {});
          });
}

void PublishGate::refuse(const StreamKey& key, const std::string& why,
                         Done& done)
{
    live_.erase(key);
    ctx_.metrics.publishes_refused++;
    done(Error(why));
}

// The app's stored settings over origin.properties'; the last ones read
// while the store cannot answer.  A bad stored value falls back to
// origin.properties' for that key alone.
PublishSettings PublishGate::publish_settings(const std::string& app,
                                              const auth::PublishAuth& a)
{
    const Config& c = ctx_.config;
    PublishSettings defaults{c.listener_hook_url, c.hls_time_s * 1000};
    if (!a.settings_read) {
        auto cached = publish_settings_.find(app);
        return cached != publish_settings_.end() ? cached->second : defaults;
    }
    PublishSettings out = defaults;
    auto url =
        cluster::effective_hook_url(c.listener_hook_url, a.stored_settings);
    if (url) {
        out.hook_url = url.value();
    } else {
        log::warn(app + ": " + url.error().message()
                  + "; webhooks go to origin.properties' listenerHookURL");
    }
    auto hls = package::effective_hls_time_s(c.hls_time_s, a.stored_settings);
    if (hls) {
        out.hls_time_ms = hls.value() * 1000;
    } else {
        log::warn(app + ": " + hls.error().message()
                  + "; using origin.properties' hlsTime");
    }
    publish_settings_[app] = out;
    return out;
}

void PublishGate::claimed(const StreamKey& key,
                          const ingest::PublishRequest& req, ClaimResult r,
                          Done done, const std::string& taken_from)
{
    auto it = live_.find(key);
    if (it == live_.end()) {  // released meanwhile (shutdown)
        done(Error("stream " + key.str() + " is no longer reserved"));
        return;
    }
    if (r.status == FO_CONFLICT && r.have_owner && taken_from.empty()) {
        return take_over(key, req, r.owner, std::move(done));
    }
    it->second.claiming = false;
    if (r.status == FO_CONFLICT) {
        log::info("publish " + key.str() + " refused: " + r.message);
        return refuse(key, "stream " + key.str() + " is live on another origin",
                      done);
    }
    package::Continuation from;
    if (r.status == FO_OK) {
        it->second.claimed = true;
        from = package::continue_after(r.progress, r.now_ms,
                                       it->second.settings.hls_time_ms);
    } else {
        // The store is down: the publish goes on and is claimed when the
        // store returns (reconcile).
        ctx_.metrics.store_errors_total++;
        log::warn("publish " + key.str() + ": store error, publishing "
                  "unclaimed for now: " + r.message);
    }
    it->second.admitted = true;
    const std::string session = it->second.session_id;
    ctx_.metrics.publishes_total++;
    ctx_.metrics.publishers++;
    if (!taken_from.empty()) {
        ctx_.metrics.takeovers_total++;
    }
    if (!r.replaced.empty()) {
        // The old session ended with this claim (taken over, or its origin
        // died unnoticed): nobody else will say so.
        log::info("publish " + key.str() + ": took the stream over from "
                  "session " + r.replaced);
        hooks_.post_to(it->second.settings.hook_url, "liveStreamEnded", key.id,
                       key.id, key.app, r.replaced);
    }
    log::info("publish " + key.str() + " started, session " + session + " from "
              + req.client);
    hooks_.post_to(it->second.settings.hook_url, "liveStreamStarted", key.id,
                   key.id, key.app, session);
    done(Admission{key, session, from, it->second.settings.hls_time_ms});
}

void PublishGate::take_over(const StreamKey& key,
                            const ingest::PublishRequest& req,
                            const fo_origin& owner, Done done)
{
    const std::string session = live_.at(key).session_id;
    const std::string owner_session = owner.session_id;
    if (owner.node_id == ctx_.node_id) {
        // A publish of this node's previous life: nothing here is live
        // with it (the reservation above would have refused).
        cluster::OwnerAnswer here{cluster::OwnerAnswer::Kind::NotLive,
                                  {},
                                  "this origin owned it before a restart"};
        return owner_answered(key, req, session, owner_session, here,
                              std::move(done));
    }
    if (ctx_.config.cluster_key.empty()) {
        cluster::OwnerAnswer none{cluster::OwnerAnswer::Kind::Unauthorized,
                                  {},
                                  "no clusterCommunicationKey: cannot ask the "
                                  "owner, waiting for its heartbeat to "
                                  "expire"};
        return owner_answered(key, req, session, owner_session, none,
                              std::move(done));
    }
    cluster::ProbeTarget target{owner.address, owner.http_port, key};
    log::info("publish " + key.str() + ": " + owner.node_id + " ("
              + owner.address + ":" + std::to_string(owner.http_port)
              + ") owns it, session " + owner_session + ": asking it");
    cluster::probe_owner(
        ctx_.loop, target,
        cluster::sign_cluster_token(ctx_.config.cluster_key, unix_s()),
        std::chrono::milliseconds(ctx_.config.takeover_timeout_ms),
        [this, key, req, session, owner_session,
         done = std::move(done)](cluster::OwnerAnswer a) mutable {
            owner_answered(key, req, session, owner_session, a,
                           std::move(done));
        });
}

void PublishGate::owner_answered(const StreamKey& key,
                                 const ingest::PublishRequest& req,
                                 const std::string& session,
                                 const std::string& owner_session,
                                 const cluster::OwnerAnswer& answer, Done done)
{
    auto it = live_.find(key);
    if (it == live_.end() || it->second.session_id != session) {
        done(Error("stream " + key.str() + " is no longer reserved"));
        return;
    }
    cluster::Takeover d = cluster::decide_takeover(answer, owner_session);
    std::string line = "publish " + key.str() + ": " + answer.detail + " -> "
                       + cluster::takeover_name(d);
    if (d != cluster::Takeover::TakeOver) {
        ctx_.metrics.takeovers_refused_total++;
        d == cluster::Takeover::RefuseDuplicate ? log::info(line)
                                                : log::error(line);
        return refuse(key, "stream " + key.str() + " is live on another origin",
                      done);
    }
    log::info(line);
    claim(it->second, owner_session,
          [this, key, req, owner_session,
           done = std::move(done)](ClaimResult r) mutable {
              claimed(key, req, std::move(r), std::move(done), owner_session);
          });
}

void PublishGate::ended(const StreamKey& key, const std::string& session)
{
    auto it = live_.find(key);
    if (it == live_.end() || it->second.session_id != session) {
        return;
    }
    Live live = it->second;
    live_.erase(it);
    ctx_.metrics.publishers--;
    log::info("publish " + key.str() + " ended, session " + session);
    hooks_.post_to(live.settings.hook_url, "liveStreamEnded", key.id, key.id,
                   key.app, session);

    fo_store* store = ctx_.cluster_handle();
    const package::SegmentStore* segments = &ctx_.segments;
    ctx_.cluster_lane().run(
        [store, segments, live]() {
            return app_jobs::finish(store, *segments, live.key,
                                    live.session_id);
        },
        [this, key](std::pair<fo_status, std::string> r) {
            // CONFLICT: another origin took the stream over meanwhile;
            // NOT_FOUND: deleted through the API.  Both are fine.
            if (r.first == FO_ERR) {
                ctx_.metrics.store_errors_total++;
                log::warn("publish " + key.str() + ": release failed (the "
                          "reaper will finish it): " + r.second);
            }
        });
}

void PublishGate::release_all_blocking()
{
    for (auto& [key, live] : live_) {
        app_jobs::finish(ctx_.cluster_handle(), ctx_.segments, key,
                         live.session_id);
    }
    live_.clear();
}

}  // namespace fanout
