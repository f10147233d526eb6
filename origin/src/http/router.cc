#include "http/router.h"

#include <algorithm>
#include <chrono>

#include "http/console_files.h"
#include "http/console_session.h"
#include "http/play_tokens.h"
#include "http/rest_gate.h"
#include "http/rest_internal.h"
#include "http/rest_util.h"
#include "http/segment_serving.h"
#include "http/time_endpoint.h"
#include "package/segment_store.h"

namespace fanout::http {

namespace {

const char* const kAllowAll = "GET, HEAD, POST, PUT, DELETE, OPTIONS";

int64_t unix_s()
{
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

std::vector<std::string> split_path(std::string_view path)
{
    std::vector<std::string> segs;
    if (path.empty() || path.front() != '/') {
        return segs;
    }
    path.remove_prefix(1);
    if (path.empty()) {
        return segs;
    }
    for (;;) {
        size_t slash = path.find('/');
        segs.emplace_back(path.substr(0, slash));
        if (slash == std::string_view::npos) {
            break;
        }
        path.remove_prefix(slash + 1);
    }
    return segs;
}

Router::Router(OriginContext& ctx)
    : ctx_(ctx), console_auth_(ctx), rest_(ctx), play_(ctx)
{
}

bool Router::known_app(std::string_view app) const
{
    const auto& apps = ctx_.config.apps;
    return std::find(apps.begin(), apps.end(), app) != apps.end();
}

void Router::handle(Request req, const Peer& peer, Respond respond)
{
    ctx_.metrics.http_requests_total++;
    if (req.path == "*") {  // OPTIONS * : what the server supports
        Response r;
        r.status = 204;
        r.add_header("Allow", kAllowAll);
        return respond(std::move(r));
    }
    std::vector<std::string> segs = split_path(req.path);
    const size_t n = segs.size();

    if (n >= 2 && segs[1] == "streams") {
        // Everything after "/{app}/streams/", slashes included.
        size_t prefix =
            1 + segs[0].size() + std::string_view("/streams/").size();
        std::string_view rest = req.path.size() > prefix
                                    ? std::string_view(req.path).substr(prefix)
                                    : std::string_view();
        return streams(segs[0], rest, req, peer, std::move(respond));
    }

    if (n >= 3 && segs[0] == "internal" && segs[1] == "v1"
        && segs[2] == "streams") {
        std::vector<std::string> tail(segs.begin() + 3, segs.end());
        return respond(internal_stream(ctx_, tail, req, unix_s()));
    }

    if (n == 1 && segs[0] == "metrics") {
        if (auto no = rest_caller_refusal(ctx_.config, req, peer, false, 0)) {
            return respond(std::move(*no));
        }
        return rest_.metrics(req, std::move(respond));
    }
    const bool global = n >= 2 && segs[0] == "rest" && segs[1] == "v2";
    if (global && n == 3 && segs[2] == "liveness") {
        return rest_.liveness(req, std::move(respond));
    }
    const bool per_app = n >= 3 && segs[1] == "rest" && segs[2] == "v2";
    if (global || per_app) {
        return rest(std::move(segs), std::move(req), peer, std::move(respond));
    }
    if (is_console_path(req.path)) {
        return respond(serve_console(ctx_.console, req));
    }
    respond(Response::error(404, "no such resource"));
}

// Who, then what: strangers learn nothing about bodies or apps.  A
// request without Authorization but with a console session cookie is
// the console's: the session stands in for the JWT (http/console_auth.h).
void Router::rest(std::vector<std::string> segs, Request req, const Peer& peer,
                  Respond respond)
{
    const int64_t now = unix_s();
    if (auto no = rest_caller_refusal(ctx_.config, req, peer, false, now)) {
        return respond(std::move(*no));
    }
    const bool global = segs[0] == "rest";
    std::vector<std::string> tail(segs.begin() + (global ? 2 : 3), segs.end());
    if (global && ConsoleAuth::handles(tail)) {
        if (auto no = rest_body_refusal(req)) {
            return respond(std::move(*no));
        }
        return console_auth_.handle(tail, req, peer, std::move(respond));
    }
    auto cookie = cookie_value(req, kSessionCookie);
    const bool by_session = ctx_.config.jwt_enabled && cookie.has_value()
                            && req.header("authorization") == nullptr;
    if (!by_session) {
        if (auto no = rest_jwt_refusal(ctx_.config, req, now)) {
            return respond(std::move(*no));
        }
        return rest_dispatch(segs, tail, req, std::move(respond));
    }
    const bool header = has_console_header(req);
    console_auth_.check_session(
        header, *cookie,
        [this, segs = std::move(segs), tail = std::move(tail),
         req = std::move(req), respond = std::move(respond)](
            std::optional<Response> refusal) mutable {
            if (refusal) {
                return respond(std::move(*refusal));
            }
            rest_dispatch(segs, tail, req, std::move(respond));
        });
}

void Router::rest_dispatch(const std::vector<std::string>& segs,
                           const std::vector<std::string>& tail, Request& req,
                           Respond respond)
{
    if (auto no = rest_body_refusal(req)) {
        return respond(std::move(*no));
    }
    if (segs[0] == "rest") {
        return rest_.global(tail, req, std::move(respond));
    }
    if (!known_app(segs[0])) {
        return respond(Response::error(404, "no application " + segs[0]));
    }
    if (!tail.empty() && tail[0] == "broadcasts") {
        std::vector<std::string> rest(tail.begin() + 1, tail.end());
        return rest_.broadcasts(segs[0], rest, req, std::move(respond));
    }
    respond(Response::error(404, "no such resource"));
}

void Router::streams(const std::string& app, std::string_view rest,
                     const Request& req, const Peer& peer, Respond respond)
{
    ctx_.metrics.segment_requests_total++;
    if (!known_app(app)) {
        return respond(stream_not_found());
    }
    SignedRest signed_rest = split_signed_rest(rest);
    rest = signed_rest.rest;
    if (rest == package::kTimeResource) {
        return respond(serve_time(req, Clock::real().wall_ms()));
    }
    if (req.method == Method::Options) {
        return respond(serve_stream(ctx_.segments, app, rest, req));
    }
    std::string_view token = signed_rest.token;
    if (token.empty()) {
        const std::string* h = req.header("x-fanout-play-token");
        token = h != nullptr ? std::string_view(*h) : std::string_view();
    }
    auto ring = ctx_.play_keys != nullptr ? ctx_.play_keys->get() : nullptr;
    if (!token.empty() && ring != nullptr) {
        if (auto refused = refuse_play(*ring, app, rest, token, peer)) {
            return respond(std::move(*refused));
        }
        return respond(serve_stream(ctx_.segments, app, rest, req));
    }
    if (auto d = play_.decide_cached(app, rest, req, peer)) {
        if (d->step == PlayStep::Serve) {
            return respond(serve_stream(ctx_.segments, app, rest, req));
        }
        return respond(play_.answer(*d, app, rest, req.target));
    }
    // The store answers later: keep what serving needs.
    auto held = std::make_shared<const Request>(req);
    play_.check_async(
        app, std::string(rest), req, peer,
        [this, app, rest = std::string(rest), held,
         respond = std::move(respond)](std::optional<Response> r) {
            respond(r ? std::move(*r)
                      : serve_stream(ctx_.segments, app, rest, *held));
        });
}

std::optional<Response> Router::refuse_play(const fo_pt_keyring& ring,
                                            std::string_view app,
                                            std::string_view rest,
                                            std::string_view token,
                                            const Peer& peer)
{
    const int64_t now_s = Clock::real().wall_ms() / 1000;
    fo_pt_rc rc = check_play_token(ring, token, app, rest, now_s,
                                   peer.address.to_string());
    if (rc == FO_PT_OK) {
        return std::nullopt;
    }
    ctx_.metrics.play_refused_total++;
    return stream_forbidden(std::string(fo_pt_rc_name(rc)) + " playback token");
}

}  // namespace fanout::http
