// The stream token half of the broadcasts REST API (see rest_api.h): Ant
// Media's GET /{app}/rest/v2/broadcasts/{id}/token and .../jwt-token,
// ?expireDate=<Unix s>&type=publish|play.  The answer is Ant Media's
// Token: {"tokenId","streamId","expireDate","type","roomId"}; a bad
// request is its Result, {"success":false,"message":...}, with a 400.
// A one-time token is stored in the cluster store, so any origin accepts
// it, once (auth/publish_auth.h, http/play_access.h).  /token?type=play,
// where signed playback is set up (play.keys_file) and the app has no
// playTokenControlEnabled, is a signed playback URL's token instead:
// nothing stored, checked by the edges.  Play answers carry "url"
// (rest_play_url.h).
// Tokens and secrets are never logged.
#include <openssl/rand.h>

#include <chrono>
#include <cstdio>
#include <cstring>

#include "auth/stream_token.h"
#include "auth/token_settings.h"
#include "core/jwt.h"
#include "http/play_tokens.h"
#include "http/rest_api.h"
#include "http/rest_play_url.h"
#include "http/rest_util.h"
#include "transcode/app_settings_store.h"

namespace fanout::http {

namespace {

using nlohmann::json;

Response bad_request(const std::string& message)
{
    return Response::json(400, {{"success", false}, {"message", message}});
}

int64_t unix_now_s()
{
    using namespace std::chrono;
    return duration_cast<seconds>(system_clock::now().time_since_epoch())
        .count();
}

// 128 random bits as 32 hex digits, from OpenSSL's CSPRNG; "" if it fails.
std::string random_token_id()
{
    unsigned char raw[16];
    if (RAND_bytes(raw, sizeof(raw)) != 1) {
        return {};
    }
    return jwt::hex_encode(
        std::string_view(reinterpret_cast<const char*>(raw), sizeof(raw)));
}

json token_json(const std::string& token, const StreamKey& key, int64_t expire,
                const std::string& type)
{
    return {{"tokenId", token},
            {"streamId", key.id},
            {"expireDate", expire},
            {"type", type},
            {"roomId", nullptr}};  // Ant Media's default
}

// Token fields, and for a play token the URL that plays it.
json token_answer(const std::string& token, const StreamKey& key,
                  int64_t expire, const std::string& type)
{
    json out = token_json(token, key, expire, type);
    if (type == FO_TOKEN_PLAY) {
        out["url"] = token_play_url(key.app, key.id, token);
    }
    return out;
}

Response one_time(fo_store* store, Metrics& metrics, const StreamKey& key,
                  int64_t expire, const std::string& type)
{
    fo_token t{};
    std::snprintf(t.app, sizeof(t.app), "%s", key.app.c_str());
    std::snprintf(t.stream_id, sizeof(t.stream_id), "%s", key.id.c_str());
    std::snprintf(t.type, sizeof(t.type), "%s", type.c_str());
    t.expire_date = expire;
    fo_error err{};
    fo_status st = FO_CONFLICT;
    // 128 random bits do not collide; a CONFLICT would only be drawn again.
    for (int attempt = 0; st == FO_CONFLICT && attempt < 3; attempt++) {
        std::string id = random_token_id();
        if (id.empty()) {
            return Response::error(500, "no random bytes for a token");
        }
        std::snprintf(t.token_id, sizeof(t.token_id), "%s", id.c_str());
        st = fo_token_put(store, &t, &err);
    }
    if (st != FO_OK) {
        return store_failure(metrics, st, err, "");
    }
    return Response::json(200, token_answer(t.token_id, key, expire, type));
}

Response jwt(fo_store* store, Metrics& metrics, const Config& config,
             const StreamKey& key, int64_t expire, const std::string& type)
{
    transcode::StoredSettings s = transcode::read_app_settings(store, key.app);
    if (s.status != FO_OK && s.status != FO_NOT_FOUND) {
        return store_failure(metrics, s.status, s.err, "");
    }
    auto settings = auth::effective_token_settings(config.tokens, s.json);
    if (!settings) {
        return Response::error(500,
                               key.app + ": " + settings.error().message());
    }
    if (settings->jwt_secret.empty()) {
        return bad_request("jwtStreamSecretKey is not set for " + key.app);
    }
    std::string token =
        auth::issue_stream_jwt(settings->jwt_secret, key.id, type, expire);
    return Response::json(200, token_answer(token, key, expire, type));
}

// type=play on /token: Ant Media's one-time token when the app has
// playTokenControlEnabled; else, with play.keys_file, a signed URL's
// token, nothing stored; else a one-time token all the same.
Response play(fo_store* store, Metrics& metrics, const Config& config,
              PlayKeys* keys, const StreamKey& key, int64_t expire)
{
    auto ring = keys != nullptr ? keys->get() : nullptr;
    if (ring != nullptr) {
        transcode::StoredSettings s =
            transcode::read_app_settings(store, key.app);
        if (s.status != FO_OK && s.status != FO_NOT_FOUND) {
            return store_failure(metrics, s.status, s.err, "");
        }
        auto settings = auth::effective_token_settings(config.tokens, s.json);
        if (settings && !settings->play_token) {
            std::string token = sign_play_token(*ring, key.app, key.id, expire);
            json out = token_json(token, key, expire, FO_TOKEN_PLAY);
            out["url"] = signed_play_url(key.app, key.id, token);
            return Response::json(200, out);
        }
    }
    return one_time(store, metrics, key, expire, FO_TOKEN_PLAY);
}

}  // namespace

void RestApi::issue_token(const StreamKey& key, bool is_jwt, Request& req,
                          Respond respond)
{
    const std::string* type = req.query_param("type");
    if (type == nullptr
        || (*type != FO_TOKEN_PUBLISH && *type != FO_TOKEN_PLAY)) {
        return respond(bad_request("type: must be publish or play"));
    }
    Result<int64_t> parsed =
        parse_expire_date(req.query_param("expireDate"), unix_now_s());
    if (!parsed) {
        return respond(bad_request(parsed.error().message()));
    }
    const int64_t expire = parsed.value();
    fo_store* store = ctx_.store;
    Metrics* metrics = &ctx_.metrics;
    const Config* config = &ctx_.config;
    run_blocking(
        ctx_,
        [store, metrics, config, keys = ctx_.play_keys, key, expire, is_jwt,
         type = *type]() -> Response {
            if (is_jwt) {
                return jwt(store, *metrics, *config, key, expire, type);
            }
            if (type == FO_TOKEN_PLAY) {
                return play(store, *metrics, *config, keys, key, expire);
            }
            return one_time(store, *metrics, key, expire, type);
        },
        std::move(respond));
}

}  // namespace fanout::http
