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

}  // namespace

Response internal_stream(const OriginContext& ctx,
                         const std::vector<std::string>& segs,
                         const Request& req, int64_t now_s)
{
    if (req.method != Method::Get && req.method != Method::Head) {
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
    if (segs.size() != 2) {
        return Response::error(404, "no such internal resource");
    }
    Result<StreamKey> key = StreamKey::parse(segs[0], segs[1]);
    if (!key) {
        return Response::error(400, "invalid app or stream id");
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
