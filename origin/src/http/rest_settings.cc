// The application settings half of the REST API (see rest_api.h): Ant
// Media's GET/PUT /rest/v2/applications/settings/{app}, the ladder's keys
// (transcode/app_settings.h) kept in the cluster store's app settings so
// that every origin uses the same ladder.  A change applies to the next
// publish.
#include <algorithm>
#include <optional>

#include "http/rest_api.h"
#include "http/rest_util.h"
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

Response bad_request(const std::string& message)
{
    return Response::json(
        400, {{"success", false}, {"message", message}, {"errorId", 400}});
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
            [store, metrics, config, app]() -> Response {
                std::string stored;
                if (auto failed =
                        read_settings(store, *metrics, app, &stored)) {
                    return *failed;
                }
                auto ladder = transcode::effective_ladder(*config, stored);
                if (!ladder) {
                    return Response::error(
                        500, app + ": " + ladder.error().message());
                }
                return Response::json(200, transcode::settings_to_json(
                                               app, *config, ladder.value()));
            },
            std::move(respond));
    }
    run_blocking(
        ctx_,
        [store, metrics, config, app, body = req.body]() -> Response {
            // Read, merge, write: a PUT changes only the keys it carries.
            // Two PUTs racing on two origins may lose one of them (the
            // store has no compare-and-set for settings); the last wins.
            std::string stored;
            if (auto failed = read_settings(store, *metrics, app, &stored)) {
                return *failed;
            }
            auto put = transcode::apply_settings_put(*config, stored, body);
            if (!put) {
                return bad_request(put.error().message());
            }
            std::string doc = put->stored.dump();
            if (doc.size() >= FO_EXTRA_MAX) {
                return bad_request("settings: " + std::to_string(doc.size())
                                   + " bytes; the store keeps at most "
                                   + std::to_string(FO_EXTRA_MAX - 1));
            }
            fo_error err{};
            fo_status st =
                fo_app_settings_put(store, app.c_str(), doc.c_str(), &err);
            if (st != FO_OK) {
                return store_failure(*metrics, st, err, "");
            }
            std::string note;
            for (const std::string& k : put->ignored) {
                note += (note.empty() ? "ignored unknown keys: " : ", ") + k;
            }
            return Response::json(200, {{"success", true},
                                        {"message", note},
                                        {"dataId", app},
                                        {"errorId", 0}});
        },
        std::move(respond));
}

}  // namespace fanout::http
