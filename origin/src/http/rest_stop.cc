// The REST stop (see rest_api.h): POST /{app}/rest/v2/broadcasts/{id}/stop
// disconnects the stream's publisher wherever it is, and DELETE of a live
// broadcast does the same before it deletes the record (Ant Media's
// deleteBroadcast stops the stream first).  The publisher here: closed on
// the loop.  On another origin: the owner is read from the store on the
// REST lane and asked over the internal endpoint (cluster/stream_stop.h),
// within cluster.takeover_timeout_ms.
#include <chrono>
#include <functional>

#include "cluster/cluster_token.h"
#include "cluster/stream_stop.h"
#include "core/log.h"
#include "http/rest_api.h"
#include "http/rest_util.h"

namespace fanout::http {

namespace {

using cluster::StopOutcome;
using StopDone = std::function<void(StopOutcome)>;

int64_t unix_now_s()
{
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

struct OwnerLookup {
    fo_status status = FO_ERR;
    fo_origin owner{};
    fo_error err{};
};

void forward_stop(OriginContext& ctx, const StreamKey& key,
                  const fo_origin& owner, StopDone done)
{
    cluster::CallRequest r{
        owner.address, owner.http_port, "POST", cluster::stop_path(key),
        cluster::sign_cluster_token(ctx.config.cluster_key, unix_now_s())};
    log::info("stop " + key.str() + ": asking its origin " + owner.node_id
              + " (" + owner.address + ":" + std::to_string(owner.http_port)
              + ")");
    cluster::cluster_call(
        ctx.loop, r, std::chrono::milliseconds(ctx.config.takeover_timeout_ms),
        [key, done = std::move(done)](cluster::CallAnswer a) {
            StopOutcome o = cluster::read_stop_answer(a);
            if (o.status != 200) {
                log::warn("stop " + key.str() + ": " + o.message);
            }
            done(std::move(o));
        });
}

// On the loop, with the owner the store named.
void route(OriginContext& ctx, const StreamKey& key, const OwnerLookup& l,
           StopDone done)
{
    if (l.status == FO_NOT_FOUND) {
        return done({404, false, "no broadcast " + key.id});
    }
    if (l.status != FO_OK) {
        store_failure(ctx.metrics, l.status, l.err, "");  // counts, logs
        return done({503, false, "cluster store unavailable"});
    }
    switch (cluster::route_stop(l.owner, ctx.node_id,
                                !ctx.config.cluster_key.empty())) {
        case cluster::StopRoute::NotLive:
            return done({200, false, "stream " + key.id + " is not live"});
        case cluster::StopRoute::NoKey:
            return done({503, false,
                         "stream " + key.id + " is live on " + l.owner.node_id
                             + ", which cannot be asked without a "
                               "clusterCommunicationKey"});
        case cluster::StopRoute::Forward:
            break;
    }
    forward_stop(ctx, key, l.owner, std::move(done));
}

// done(outcome) once, on the loop: here, forwarded, or nothing to stop.
void stop_publisher(OriginContext& ctx, const StreamKey& key, StopDone done)
{
    if (ctx.stop_publish
        && ctx.stop_publish(key, "stopped through the REST API")) {
        return done({200, true, ""});
    }
    if (ctx.pool.full()) {
        return done({503, false,
                     "the origin's REST queue is full; retry "
                     "later"});
    }
    ctx.pool.run(
        [store = ctx.store, key] {
            OwnerLookup l;
            l.status = fo_stream_lookup(store, key.app.c_str(), key.id.c_str(),
                                        &l.owner, &l.err);
            return l;
        },
        [&ctx, key, done = std::move(done)](OwnerLookup l) mutable {
            route(ctx, key, l, std::move(done));
        });
}

Response stop_answer(const StreamKey& key, const StopOutcome& o)
{
    return o.success ? success(key.id) : Response::error(o.status, o.message);
}

}  // namespace

void RestApi::stop(const StreamKey& key, Respond respond)
{
    stop_publisher(ctx_, key,
                   [key, respond = std::move(respond)](StopOutcome o) {
                       respond(stop_answer(key, o));
                   });
}

void RestApi::remove(const StreamKey& key, Respond respond)
{
    OriginContext* ctx = &ctx_;
    auto erase = [ctx, key, respond = std::move(respond)](StopOutcome o) {
        if (o.success) {
            log::info("DELETE " + key.str() + ": its publisher was stopped");
        } else if (o.status != 200 && o.status != 404) {
            log::warn("DELETE " + key.str()
                      + ": its publisher could not be stopped: " + o.message);
        }
        fo_store* store = ctx->store;
        Metrics* metrics = &ctx->metrics;
        run_blocking(
            *ctx,
            [store, metrics, key]() -> Response {
                fo_error err{};
                fo_status st = fo_broadcast_delete(store, key.app.c_str(),
                                                   key.id.c_str(), &err);
                if (st != FO_OK) {
                    return store_failure(*metrics, st, err,
                                         "no broadcast " + key.id);
                }
                return success(key.id);
            },
            respond);
    };
    stop_publisher(ctx_, key, std::move(erase));
}

}  // namespace fanout::http
