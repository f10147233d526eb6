// http/router.h — which handler answers a request, and who may ask.
//
//   /{app}/streams/<rest>   GET HEAD OPTIONS   open to all (players), CORS
//   /{app}/streams/time     GET HEAD OPTIONS   the UTC time (time_endpoint.h)
//   /{app}/streams/t=<token>/<rest>            the same, signed: a token
//                           here or in X-Fanout-Play-Token must be valid
//                           (http/play_tokens.h).  Unsigned requests need
//                           none, but with play.signed or the app's play
//                           token controls, where a playlist's ?token= is
//                           exchanged for a signed path (http/play_access.h)
//   /rest/v2/liveness       GET HEAD           open to all (health checks)
//   /rest/v2/...            REST API           allowlisted (remoteAllowedCIDR)
//                                              + JWT with jwtControlEnabled,
//                                              or a console session cookie
//                                              with X-Fanout-Console: 1
//   /rest/v2/users/..., first-login-status, authentication-status
//                                              allowlisted, no JWT: the
//                                              console's login
//                                              (http/console_auth.h)
//   /{app}/rest/v2/...      REST API           the same
//   /metrics                GET HEAD           allowlisted
//   /, /console/<file>      GET HEAD           the web console's static
//                                              files (http/console_files.h)
// "Allowlisted" checks the real client (X-Forwarded-For from
// http.trusted_proxies only) and REST bodies must be JSON:
// http/rest_gate.h.
//   /internal/v1/streams/.. GET HEAD           ClusterAuthorization JWT
//                                              (http/rest_internal.h)
// Anything else is a JSON 404.  The allowlist is checked before the app
// name, so strangers learn nothing about which apps exist.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/origin_context.h"
#include "http/console_auth.h"
#include "http/handler.h"
#include "http/play_access.h"
#include "http/rest_api.h"

namespace fanout::http {

class Router : public Handler {
public:
    explicit Router(OriginContext& ctx);

    void handle(Request request, const Peer& peer, Respond respond) override;

private:
    void streams(const std::string& app, std::string_view rest,
                 const Request& req, const Peer& peer, Respond respond);
    // nullopt when a signed-URL token is valid for app + rest, else the 403.
    std::optional<Response> refuse_play(const fo_pt_keyring& ring,
                                        std::string_view app,
                                        std::string_view rest,
                                        std::string_view token,
                                        const Peer& peer);
    bool known_app(std::string_view app) const;
    // /rest/v2/... and /{app}/rest/v2/...: the gate, then rest_dispatch.
    void rest(std::vector<std::string> segs, Request req, const Peer& peer,
              Respond respond);
    void rest_dispatch(const std::vector<std::string>& segs,
                       const std::vector<std::string>& tail, Request& req,
                       Respond respond);

    OriginContext& ctx_;
    ConsoleAuth console_auth_;
    RestApi rest_;
    PlayAccess play_;
};

// "/a/b/c" → {"a","b","c"}; "/" → {}; "/a/" → {"a",""}.
std::vector<std::string> split_path(std::string_view path);

}  // namespace fanout::http
