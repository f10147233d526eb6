#include "app/publish_gate.h"

#include <algorithm>
#include <memory>
#include <random>

#include "core/log.h"

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

}  // namespace

PublishGate::PublishGate(OriginContext& ctx, cluster::Webhooks& hooks)
    : ctx_(ctx), hooks_(hooks)
{
}

void PublishGate::claim(const Live& live, std::function<void(ClaimResult)> done)
{
    // The strings the claim points into live on with the worker's copy.
    auto copy = std::make_shared<const Live>(live);
    fo_claim c{};
    c.app = copy->key.app.c_str();
    c.stream_id = copy->key.id.c_str();
    c.node_id = ctx_.node_id.c_str();
    c.address = ctx_.config.host_address.c_str();
    c.http_port = ctx_.config.http_port;
    c.session_id = copy->session_id.c_str();
    c.publish_type = "RTMP";
    fo_store* store = ctx_.store;
    ctx_.pool.run(
        [store, c, copy]() {
            (void)copy;
            ClaimResult r;
            fo_error err{};
            r.status = fo_stream_claim(store, &c, &err);
            r.message = err.msg;
            return r;
        },
        std::move(done));
}

void PublishGate::admit(const ingest::PublishRequest& req,
                        std::function<void(Result<Admission>)> done)
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
    Live live{key, new_session_id(), false, true};
    live_[key] = live;
    claim(live, [this, key, req, done = std::move(done)](ClaimResult r) {
        claimed(key, req, std::move(r), std::move(done));
    });
}

void PublishGate::claimed(const StreamKey& key,
                          const ingest::PublishRequest& req, ClaimResult r,
                          std::function<void(Result<Admission>)> done)
{
    auto it = live_.find(key);
    if (it == live_.end()) {  // released meanwhile (shutdown)
        done(Error("stream " + key.str() + " is no longer reserved"));
        return;
    }
    it->second.claiming = false;
    if (r.status == FO_CONFLICT) {
        live_.erase(it);
        ctx_.metrics.publishes_refused++;
        log::info("publish " + key.str() + " refused: " + r.message);
        done(Error("stream " + key.str() + " is live on another origin"));
        return;
    }
    if (r.status == FO_OK) {
        it->second.claimed = true;
    } else {
        // The store is down: the publish goes on and is claimed when the
        // store returns (reconcile).
        ctx_.metrics.store_errors_total++;
        log::warn("publish " + key.str() + ": store error, publishing "
                  "unclaimed for now: " + r.message);
    }
    const std::string session = it->second.session_id;
    ctx_.metrics.publishes_total++;
    ctx_.metrics.publishers++;
    log::info("publish " + key.str() + " started, session " + session + " from "
              + req.client);
    hooks_.post("liveStreamStarted", key.id, key.id, key.app);
    done(Admission{key, session});
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
    hooks_.post("liveStreamEnded", key.id, key.id, key.app);

    fo_store* store = ctx_.store;
    ctx_.pool.run(
        [store, live]() {
            fo_error err{};
            fo_status st = fo_stream_release(store, live.key.app.c_str(),
                                             live.key.id.c_str(),
                                             live.session_id.c_str(), &err);
            return std::make_pair(st, std::string(err.msg));
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
        claim(live, [this, k = key, s = live.session_id](ClaimResult r) {
            reclaimed(k, s, std::move(r));
        });
    }
}

void PublishGate::reclaimed(const StreamKey& key, const std::string& session,
                            ClaimResult r)
{
    auto it = live_.find(key);
    if (it == live_.end() || it->second.session_id != session) {
        return;
    }
    it->second.claiming = false;
    if (r.status == FO_OK) {
        it->second.claimed = true;
        log::info("publish " + key.str() + " recorded in the store");
    } else if (r.status == FO_CONFLICT) {
        log::warn("publish " + key.str()
                  + " is also live elsewhere: " + r.message);
        it->second.claimed = true;  // do not retry forever
    }
}

void PublishGate::release_all_blocking()
{
    for (auto& [key, live] : live_) {
        fo_error err{};
        fo_stream_release(ctx_.store, key.app.c_str(), key.id.c_str(),
                          live.session_id.c_str(), &err);
    }
    live_.clear();
}

}  // namespace fanout
