// http/console_session.h — the web console's session cookie, pure (the
// caller passes the clock).
//
// The cookie is stateless and signed, so that every origin accepts it:
//
//   fanout_session=<b64url(email)>.<issued_ms>.<expires_ms>.<b64url(mac)>
//
// mac = HMAC-SHA256(session key, "<b64url(email)>.<issued>.<expires>"),
// the session key = HMAC-SHA256(clusterCommunicationKey,
// "fanout-console-session-v1"): every origin has the cluster key, and a
// leaked session key reveals nothing about it.  issued_ms is the store's
// clock at login; logout sets the user's revoked_ms (fo_user_revoke) to
// the store's now, which voids every session issued at or before it, on
// every origin (the REST gate reads the user on each console call).
// Compares are constant-time (CRYPTO_memcmp).
//
// The cookie: Path=/; HttpOnly; SameSite=Strict; Max-Age=<session>;
// Secure when the request came over HTTPS (X-Forwarded-Proto from
// http.trusted_proxies only).  A call the cookie authenticates must also
// carry `X-Fanout-Console: 1`: no cross-site form, image or link can set a
// custom header, so this refuses CSRF whatever the browser's SameSite.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/config.h"
#include "core/error.h"
#include "http/handler.h"

namespace fanout::http {

inline constexpr std::string_view kSessionCookie = "fanout_session";
inline constexpr std::string_view kConsoleHeader = "x-fanout-console";

struct ConsoleSession {
    std::string email;
    int64_t issued_ms = 0;
    int64_t expires_ms = 0;
};

// The key sessions are signed with, from clusterCommunicationKey.
std::string session_key(std::string_view cluster_key);

// The cookie's value for s.
std::string sign_session(std::string_view key, const ConsoleSession& s);

// The session in value, if its MAC is right and now_ms < expires_ms.
// Errors say which rule failed, never the value.
Result<ConsoleSession> verify_session(std::string_view key,
                                      std::string_view value, int64_t now_ms);

// The value of cookie `name` in the request's Cookie header(s), if any.
std::optional<std::string> cookie_value(const Request& req,
                                        std::string_view name);

// Set-Cookie values: the session (max_age_s), and its removal.
std::string session_set_cookie(std::string_view value, int max_age_s,
                               bool secure);
std::string session_clear_cookie(bool secure);

// Whether the client reached us over HTTPS: X-Forwarded-Proto: https from
// a trusted proxy (the LB terminates TLS); the origin itself speaks HTTP.
bool came_over_https(const Config& config, const Request& req,
                     const Peer& peer);

// Whether the request carries X-Fanout-Console: 1.
bool has_console_header(const Request& req);

}  // namespace fanout::http
