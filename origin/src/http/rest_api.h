// http/rest_api.h — REST API v2 with Ant Media Server's paths and JSON
// names, so existing curl scripts keep working:
//
//   /{app}/rest/v2/broadcasts/create                    POST
//   /{app}/rest/v2/broadcasts/{id}                      GET PUT DELETE
//       GET's Broadcast has the live figures bitrate, speed (Ant Media's)
//       and renditions (Fanout's own; app/live_figures.h).  DELETE of a
//       live broadcast stops its publisher first, as /stop does.
//   /{app}/rest/v2/broadcasts/{id}/stop                 POST (Ant Media's):
//       disconnects the stream's publisher on whichever origin holds it
//       (forwarded over the internal endpoint, cluster/stream_stop.h);
//       {"success":true}, or {"success":false,"message"} with 200 (not
//       live), 404 (no broadcast), 502/504 (the owner refused or did not
//       answer), 503 (store, or no clusterCommunicationKey).  The
//       publisher may publish again at once (rest_stop.cc).
//   /{app}/rest/v2/broadcasts/list/{offset}/{size}      GET ?sort_by&order_by&search
//   /{app}/rest/v2/broadcasts/{id}/sessions             GET (Fanout's own:
//       the stream's publish sessions, newest first, at most 50: node,
//       originAdress, start, end and why it ended; read-only)
//   /{app}/rest/v2/broadcasts/{id}/token                GET ?expireDate&type
//       type=publish: a one-time token, stored in the cluster store
//       (rest_tokens.cc); type=play: the same when the app has
//       playTokenControlEnabled, else, with play.keys_file, a signed
//       playback URL, nothing stored (rest_play_url.cc,
//       http/play_tokens.h).  A play token's answer has "url".
//   /{app}/rest/v2/broadcasts/{id}/jwt-token            GET ?expireDate&type
//       a JWT signed with the app's jwtStreamSecretKey
//   /{app}/rest/v2/broadcasts/count                     GET
//   /{app}/rest/v2/broadcasts/count/{search}            GET
//   /{app}/rest/v2/broadcasts/active-live-stream-count  GET
//   /rest/v2/applications                               GET ({"applications"})
//   /rest/v2/applications/settings/{app}                GET, PUT (or POST,
//       Ant Media's method): the ladder settings (transcode/app_settings.h)
//       and the stream token controls (auth/token_settings.h)
//   /rest/v2/cluster/nodes/{offset}/{size}              GET
//   /rest/v2/cluster/node-count                         GET
//   /rest/v2/cluster/node/{id}                          GET DELETE
//   /rest/v2/cluster/alerts                             GET (Fanout's own:
//       the cluster's active alerts, the last 100 ended, and the rules'
//       thresholds: alerts::thresholds_to_json + nodeDeadAfterMs)
//   /rest/v2/cluster/node-history                       GET ?since (Fanout's
//       own: every node's samples of the last hour, CPU %, memory %,
//       viewers and DB query ms, for the console's charts;
//       rest_node_history.cc, alerts/node_history.h)
//   /rest/v2/cluster/node/{id}/history                  GET ?since (the same,
//       one node)
//   /rest/v2/liveness, /rest/v2/system-resources, /rest/v2/version   GET
//   /metrics                                            GET (Prometheus)
//
// Every store call runs on ctx.pool; the answer comes back on the loop.
// Access control and app checks are the router's job (the {app} of
// /rest/v2/applications/settings/{app} is checked by its handler).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/origin_context.h"
#include "core/stream_key.h"
#include "core/system_stats.h"
#include "http/handler.h"

namespace fanout::http {

class RestApi {
public:
    explicit RestApi(OriginContext& ctx);

    // segs: the path segments after "/{app}/rest/v2/broadcasts".
    void broadcasts(const std::string& app,
                    const std::vector<std::string>& segs, Request& req,
                    Respond respond);
    // segs: the path segments after "/rest/v2" (not liveness).
    void global(const std::vector<std::string>& segs, Request& req,
                Respond respond);
    void liveness(Request& req, Respond respond);
    void metrics(Request& req, Respond respond);

private:
    void create(const std::string& app, Request& req, Respond respond);
    // GET, PUT or DELETE of one broadcast: the id is checked here.
    void broadcast(const std::string& app, const std::string& id, Request& req,
                   Respond respond);
    void get(const StreamKey& key, Respond respond);
    void sessions(const StreamKey& key, Respond respond);
    void issue_token(const StreamKey& key, bool jwt, Request& req,
                     Respond respond);
    void update(const StreamKey& key, Request& req, Respond respond);
    // rest_stop.cc: the publisher, wherever it is; DELETE stops it first.
    void stop(const StreamKey& key, Respond respond);
    void remove(const StreamKey& key, Respond respond);
    void list(const std::string& app, const std::string& offset,
              const std::string& size, Request& req, Respond respond);
    void count(const std::string& app, bool active, const std::string& search,
               Respond respond);

    void nodes(const std::string& offset, const std::string& size,
               Respond respond);
    void node_count(Respond respond);
    void node(const std::string& id, Request& req, Respond respond);
    void cluster_alerts(Respond respond);
    // The node samples of node id, or of every node when id is empty
    // (rest_node_history.cc).
    void node_history(const std::string& id, Request& req, Respond respond);
    void system_resources(Respond respond);
    void version(Respond respond);
    // GET, PUT or POST of an application's settings (rest_settings.cc).
    void app_settings(const std::string& app, Request& req, Respond respond);

    OriginContext& ctx_;
    // Shared with pool work, which may outlive this object.
    std::shared_ptr<SystemSampler> sampler_;
};

}  // namespace fanout::http
