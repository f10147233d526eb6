// http/rest_gate.h — what every REST request passes before its handler,
// in one place (the router calls these; the handlers assume them):
//
//   who:  remoteAllowedCIDR against the real client (http/access.h), then,
//         with jwtControlEnabled, an HS256 JWT signed with jwtSecretKey in
//         `Authorization: <jwt>` or `Authorization: Bearer <jwt>` (Ant
//         Media's JWT filter; core/jwt.h: exp enforced when present).
//         Both must pass.  403 outside the allowlist; 401 without a
//         token; 403 with a bad, expired or foreign one.
//   what: POST and PUT, and any request with a body, must say
//         `Content-Type: application/json` (415 otherwise): a browser's
//         form post or text/plain "simple request" cannot reach the API
//         from another site.  A body nesting deeper than kMaxJsonDepth is
//         a 400 before any parser sees it.
//
// Each answers nullopt (go on) or the refusal, a JSON
// {"success":false,"message":...}.  Messages name the rule, never the
// token or the key.  Pure: the caller passes the clock.
#pragma once

#include <cstdint>
#include <optional>

#include "core/config.h"
#include "http/handler.h"

namespace fanout::http {

// The allowlist only (/metrics); `jwt` adds the token check (REST).
std::optional<Response> rest_caller_refusal(const Config& config,
                                            const Request& req,
                                            const Peer& peer, bool jwt,
                                            int64_t now_s);

std::optional<Response> rest_body_refusal(const Request& req);

// The JWT check alone (jwtControlEnabled): nullopt when the Authorization
// header holds a valid token.
std::optional<Response> rest_jwt_refusal(const Config& config,
                                         const Request& req, int64_t now_s);

// The client the request speaks for (X-Forwarded-For / X-Real-IP from
// http.trusted_proxies only: http/access.h), nullopt when a trusted
// proxy's header is unreadable.
std::optional<boost::asio::ip::address> rest_client(const Config& config,
                                                    const Request& req,
                                                    const Peer& peer);

}  // namespace fanout::http
