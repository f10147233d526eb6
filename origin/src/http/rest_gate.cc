#include "http/rest_gate.h"

#include <string>
#include <string_view>

#include "core/json_depth.h"
#include "core/jwt.h"
#include "core/log.h"
#include "http/access.h"

namespace fanout::http {

namespace {

// Every line of a header, joined with commas (RFC 9110 §5.3).
std::string joined(const Request& req, std::string_view lower_name)
{
    std::string out;
    for (const Header& h : req.headers) {
        if (h.name == lower_name) {
            out += (out.empty() ? "" : ",") + h.value;
        }
    }
    return out;
}

// The token of "<jwt>", "Bearer <jwt>"; empty for "Bearer" alone.
std::string_view without_bearer(std::string_view v)
{
    v = trim_ows(v);
    if (iequals(v, "bearer")) {
        return {};
    }
    if (v.size() > 7 && iequals(v.substr(0, 7), "bearer ")) {
        v = trim_ows(v.substr(7));
    }
    return v;
}

std::optional<Response> jwt_refusal(const Config& config, const Request& req,
                                    int64_t now_s)
{
    const std::string* auth = req.header("authorization");
    if (auth == nullptr || without_bearer(*auth).empty()) {
        Response r = Response::error(
            401, "Authorization: a JWT is required (jwtControlEnabled)");
        r.add_header("WWW-Authenticate", "Bearer");
        return r;
    }
    auto claims = jwt::verify(config.jwt_secret, without_bearer(*auth), now_s);
    if (!claims) {
        log::debug("http: REST token refused: " + claims.error().message());
        return Response::error(403,
                               "Authorization: " + claims.error().message());
    }
    return std::nullopt;
}

bool is_json(const std::string* content_type)
{
    if (content_type == nullptr) {
        return false;
    }
    std::string_view v = *content_type;
    v = trim_ows(v.substr(0, v.find(';')));
    return iequals(v, "application/json");
}

}  // namespace

std::optional<boost::asio::ip::address> rest_client(const Config& config,
                                                    const Request& req,
                                                    const Peer& peer)
{
    const std::string* real_ip = req.header("x-real-ip");
    return client_address(config.trusted_proxies, peer.address,
                          joined(req, "x-forwarded-for"),
                          real_ip == nullptr ? std::string_view() : *real_ip);
}

std::optional<Response> rest_jwt_refusal(const Config& config,
                                         const Request& req, int64_t now_s)
{
    return config.jwt_enabled ? jwt_refusal(config, req, now_s) : std::nullopt;
}

std::optional<Response> rest_caller_refusal(const Config& config,
                                            const Request& req,
                                            const Peer& peer, bool jwt,
                                            int64_t now_s)
{
    auto client = rest_client(config, req, peer);
    if (!client) {
        return Response::error(
            403,
            "a trusted proxy sent an unreadable X-Forwarded-For or "
            "X-Real-IP");
    }
    if (!peer_allowed(config.rest_allowed, *client)) {
        return Response::error(
            403, "REST access is not allowed from " + client->to_string());
    }
    if (jwt && config.jwt_enabled) {
        return jwt_refusal(config, req, now_s);
    }
    return std::nullopt;
}

std::optional<Response> rest_body_refusal(const Request& req)
{
    const bool writes = req.method == Method::Post || req.method == Method::Put;
    if ((writes || !req.body.empty()) && !is_json(req.header("content-type"))) {
        return Response::error(415, "Content-Type must be application/json");
    }
    if (json_too_deep(req.body)) {
        return Response::error(400, "body nests deeper than "
                                        + std::to_string(kMaxJsonDepth)
                                        + " levels");
    }
    return std::nullopt;
}

}  // namespace fanout::http
