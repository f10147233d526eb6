// The application settings half of the REST API (see rest_api.h): Ant
// Media's GET/PUT /rest/v2/applications/settings/{app}, the ladder's keys
// (transcode/app_settings.h) and the stream token controls' keys
// (auth/token_settings.h; secrets masked in a GET), the webhook URL
// (cluster/hook_settings.h) and hlsTime (package/hls_time_setting.h), kept
// in the cluster store's app settings so that every origin uses the same.
// A change applies to the next publish.  dashWindowSize is origin-wide
// (origin.properties), shown as the app's publishes get it.
#include <algorithm>
#include <optional>

#include "auth/token_settings.h"
#include "cluster/hook_settings.h"
#include "http/rest_api.h"
#include "http/rest_util.h"
#include "package/hls_time_setting.h"
#include "package/segment_store.h"
#include "transcode/app_settings.h"
#include "transcode/app_settings_store.h"

namespace fanout::http {

namespace {

using nlohmann::json;

// The stored document ("" when the application has none), or the answer
// when the store cannot say.  On the REST lane.
std::optional<Response> read_settings(fo_store* store, Metrics& metrics,
                                      const std::string& app, std::string* out)
{
    transcode::StoredSettings s = transcode::read_app_settings(store, app);
    if (s.status != FO_OK && s.status != FO_NOT_FOUND) {
        return store_failure(metrics, s.status, s.err, "");
    }
    *out = std::move(s.json);
    return std::nullopt;
}

constexpr std::string_view kDashWindowSize = "dashWindowSize";

// The segments the app's MPDs list: origin.properties' dashWindowSize, its
// default counted in the app's hlsTime.
int dash_window_of(const Config& config, int hls_time_s)
{
    package::PackagerConfig p = package::packager_config(config);
    p.hls_time_ms = hls_time_s * 1000;
    return package::dash_window_segments(p);
}

// A PUT may send dashWindowSize back as a GET showed it, nothing else.
Status check_dash_window(const Config& config, const json& body, int current)
{
    auto it =
        body.is_object() ? body.find(std::string(kDashWindowSize)) : body.end();
    if (it == body.end()) return {};
    const std::string want = std::to_string(current);
    return transcode::check_sent_back(
        kDashWindowSize, *it, want,
        "dashWindowSize=" + std::to_string(config.dash_window_size) + ": "
            + want + " segments here");
}

Response bad_request(const std::string& message)
{
    return Response::json(
        400, {{"success", false}, {"message", message}, {"errorId", 400}});
}

// GET, on the REST lane: the effective values, secrets masked.
Response get_settings(fo_store* store, Metrics& metrics, const Config& config,
                      const std::string& app)
{
    std::string stored;
    if (auto failed = read_settings(store, metrics, app, &stored)) {
        return *failed;
    }
    auto ladder = transcode::effective_ladder(config, stored);
    auto tokens = auth::effective_token_settings(config.tokens, stored);
    auto hook = cluster::effective_hook_url(config.listener_hook_url, stored);
    auto hls_time = package::effective_hls_time_s(config.hls_time_s, stored);
    if (!ladder || !tokens || !hook || !hls_time) {
        const Error& e = !ladder   ? ladder.error()
                         : !tokens ? tokens.error()
                         : !hook   ? hook.error()
                                   : hls_time.error();
        return Response::error(500, app + ": " + e.message());
    }
    json out = transcode::settings_to_json(app, config, ladder.value());
    auth::token_settings_to_json(tokens.value(), out);  // masked
    out[std::string(cluster::kListenerHookUrl)] = hook.value();
    out[std::string(package::kHlsTime)] = hls_time.value();
    out[std::string(kDashWindowSize)] =
        dash_window_of(config, hls_time.value());
    return Response::json(200, out);
}

// PUT, on the REST lane.  Read, merge, write: a PUT changes only the keys
// it carries.  Two PUTs racing on two origins may lose one of them (the
// store has no compare-and-set for settings); the last wins.
Response put_settings(fo_store* store, Metrics& metrics, const Config& config,
                      const std::string& app, const std::string& body)
{
    std::string stored;
    if (auto failed = read_settings(store, metrics, app, &stored)) {
        return *failed;
    }
    auto put = transcode::apply_settings_put(config, stored, body);
    if (!put) {
        return bad_request(put.error().message());
    }
    // The token controls' keys, the webhook URL and hlsTime, in the same
    // document (the body parsed as an object already).
    const json parsed =
        body.empty() ? json::object() : json::parse(body, nullptr, false);
    Status st =
        auth::apply_token_settings_put(config.tokens, put->stored, parsed);
    if (st) {
        st = cluster::apply_hook_put(put->stored, parsed);
    }
    if (st) {
        st = package::apply_hls_time_put(put->stored, parsed);
    }
    if (st) {
        auto hls_time = package::effective_hls_time_s(config.hls_time_s,
                                                      put->stored.dump());
        st = check_dash_window(
            config, parsed,
            dash_window_of(config,
                           hls_time ? hls_time.value() : config.hls_time_s));
    }
    if (!st) {
        return bad_request(st.error().message());
    }
    std::erase_if(put->ignored, [](const std::string& k) {
        return auth::is_token_key(k) || k == cluster::kListenerHookUrl
               || k == package::kHlsTime || k == kDashWindowSize;
    });
    std::string doc = put->stored.dump();
    if (doc.size() >= FO_EXTRA_MAX) {
        return bad_request("settings: " + std::to_string(doc.size())
                           + " bytes; the store keeps at most "
                           + std::to_string(FO_EXTRA_MAX - 1));
    }
    fo_error err{};
    fo_status put_st =
        fo_app_settings_put(store, app.c_str(), doc.c_str(), &err);
    if (put_st != FO_OK) {
        return store_failure(metrics, put_st, err, "");
    }
    std::string note;
    for (const std::string& k : put->ignored) {
        note += (note.empty() ? "ignored unknown keys: " : ", ") + k;
    }
    return Response::json(200, {{"success", true},
                                {"message", note},
                                {"dataId", app},
                                {"errorId", 0}});
}

}  // namespace

void RestApi::app_settings(const std::string& app, Request& req,
                           Respond respond)
{
    bool get = req.method == Method::Get || req.method == Method::Head;
    // PUT as the issue and Fanout's docs say; POST is what Ant Media's own
    // changeSettings takes.  Both change only the keys they carry.
    bool put = req.method == Method::Put || req.method == Method::Post;
    if (!get && !put) {
        return respond(method_not_allowed("GET, HEAD, PUT, POST"));
    }
    const auto& apps = ctx_.config.apps;
    if (std::find(apps.begin(), apps.end(), app) == apps.end()) {
        return respond(Response::error(404, "no application " + app));
    }
    fo_store* store = ctx_.store;
    Metrics* metrics = &ctx_.metrics;
    const Config* config = &ctx_.config;
    if (get) {
        return run_blocking(
            ctx_,
            [store, metrics, config, app]() {
                return get_settings(store, *metrics, *config, app);
            },
            std::move(respond));
    }
    run_blocking(
        ctx_,
        [store, metrics, config, app, body = req.body]() {
            return put_settings(store, *metrics, *config, app, body);
        },
        std::move(respond));
}

}  // namespace fanout::http
