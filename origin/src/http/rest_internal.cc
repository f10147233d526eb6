#include "http/rest_internal.h"

#include "cluster/cluster_token.h"
#include "core/log.h"
#include "http/rest_util.h"

namespace fanout::http {

namespace {

Response unauthorized(std::string_view why)
{
    return Response::error(401, "ClusterAuthorization: " + std::string(why));
}

// Closes the publisher of key here, if any (a forwarded REST stop).
Response stop_here(const OriginContext& ctx, const StreamKey& key)
{
    if (ctx.stop_publish
        && ctx.stop_publish(key,
                            "stopped through the REST API (forwarded "
                            "by another origin)")) {
        return success(key.id);
    }
    return Response::json(
        200, {{"success", false},
              {"message", "no live publisher of " + key.str() + " here"}});
}

}  // namespace

Response internal_stream(const OriginContext& ctx,
                         const std::vector<std::string>& segs,
                         const Request& req, int64_t now_s)
{
    const bool stop = segs.size() == 3 && segs[2] == "stop";
    if (stop && req.method != Method::Post) {
        return method_not_allowed("POST");
    }
    if (!stop && req.method != Method::Get && req.method != Method::Head) {
        return method_not_allowed("GET, HEAD");
    }
    // Authentication first: strangers learn nothing, not even 404s.
    const std::string* token = req.header("clusterauthorization");
    if (ctx.config.cluster_key.empty()) {
        return unauthorized("no cluster key is configured on this origin");
    }
    if (token == nullptr) {
        return unauthorized("missing");
    }
    if (Status st = cluster::verify_cluster_token(ctx.config.cluster_key,
                                                  *token, now_s);
        !st) {
        log::debug("cluster: internal request refused: "
                   + st.error().message());
        return unauthorized(st.error().message());
    }
    if (segs.size() != 2 && !stop) {
        return Response::error(404, "no such internal resource");
    }
    Result<StreamKey> key = StreamKey::parse(segs[0], segs[1]);
    if (!key) {
        return Response::error(400, "invalid app or stream id");
    }
    if (stop) {
        return stop_here(ctx, key.value());
    }
    std::optional<std::string> session;
    if (ctx.live_session) {
        session = ctx.live_session(key.value());
    }
    return Response::json(200, {{"app", key->app},
                                {"streamId", key->id},
                                {"live", session.has_value()},
                                {"sessionId", session.value_or("")}});
}

}  // namespace fanout::http
