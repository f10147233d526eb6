// http/console_auth.h — the web console's users and sessions, with Ant
// Media's REST names:
//
//   GET  /rest/v2/first-login-status     {"success": no user exists yet}
//   POST /rest/v2/users/initial          {"email","password"}: the first
//                                        admin; 403 once any user exists
//   POST /rest/v2/users/authenticate     {"email","password"}: sets the
//                                        session cookie; 401 wrong, 429
//                                        rate-limited (Retry-After)
//   GET  /rest/v2/authentication-status  {"success": the session is valid}
//   POST /rest/v2/users/logout           (Fanout's) voids the user's
//                                        sessions on every origin, clears
//                                        the cookie
//
// Answers are Ant Media's Result, {"success":...,"message":...}.  These
// need the allowlist (remoteAllowedCIDR) but no JWT: they are how a
// console without one gets in.  Passwords are hashed and checked with
// argon2id (libsodium crypto_pwhash_str, its "interactive" cost: 64 MiB,
// on a REST pool thread), never logged; an unknown email costs the same
// hash check as a wrong password.  The session: http/console_session.h.
// Failed logins are limited per client address and per email, first by
// this origin's own counts (http/login_limiter.h, no store call), then by
// the cluster's, kept in the store (http/cluster_login_limit.h), so that
// the limit holds across the origins behind the LB.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/origin_context.h"
#include "http/handler.h"
#include "http/login_limiter.h"

namespace fanout::http {

// Keys each failed-login table keeps (client addresses; emails).
inline constexpr size_t kLoginMaxKeys = 4096;

class ConsoleAuth {
public:
    explicit ConsoleAuth(OriginContext& ctx);

    // Whether tail (the path after /rest/v2/) is one of the calls above.
    static bool handles(const std::vector<std::string>& tail);

    void handle(const std::vector<std::string>& tail, Request& req,
                const Peer& peer, Respond respond);

    // For the REST gate: then(nullopt) when the request's session cookie
    // is valid, signed, unexpired and not revoked (one store read) and it
    // carries X-Fanout-Console: 1 (console_header); else then(the 401 /
    // 403).  cookie: the fanout_session value, if any.
    void check_session(bool console_header, const std::string& cookie,
                       std::function<void(std::optional<Response>)> then);

private:
    void first_login_status(Respond respond);
    void initial(const Request& req, Respond respond);
    void authenticate(const Request& req, const Peer& peer, Respond respond);
    void authentication_status(const Request& req, Respond respond);
    void logout(const Request& req, const Peer& peer, Respond respond);
    void login_done(const std::string& email, const std::string& client,
                    bool secure, Result<int64_t> issued, Respond respond);

    OriginContext& ctx_;
    std::string key_;  // session_key(clusterCommunicationKey); "" none
    LoginLimiter by_address_;
    LoginLimiter by_user_;
};

}  // namespace fanout::http
