// The token call of the REST API (see rest_api.h):
//   GET /{app}/rest/v2/broadcasts/{id}/token?type=play&expireDate=<unix s>
// Ant Media's path and Token fields (tokenId, streamId, expireDate, type,
// roomId), plus "url": the signed master playlist's path.  Stateless: the
// token is an HMAC (http/play_tokens.h), nothing is stored, any origin or
// edge with the keys file checks it, so it is answered on the loop.
#include <chrono>
#include <string>

#include "http/play_tokens.h"
#include "http/rest_api.h"
#include "http/rest_util.h"

namespace fanout::http {

namespace {

using nlohmann::json;

// Longer than any viewer session needs, short of the 12 digits a token's
// expiry may have.
constexpr int64_t kMaxTokenLifetimeS = 366LL * 24 * 3600;

int64_t now_s()
{
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

Result<int64_t> parse_expire(const std::string* text, int64_t now)
{
    if (text == nullptr || text->empty()) {
        return Error("expireDate is required (unix seconds)");
    }
    int64_t v = 0;
    for (char c : *text) {
        if (c < '0' || c > '9' || v > kMaxTokenLifetimeS * 1000) {
            return Error("expireDate must be unix seconds");
        }
        v = v * 10 + (c - '0');
    }
    if (v <= now) {
        return Error("expireDate must be in the future");
    }
    if (v - now > kMaxTokenLifetimeS) {
        return Error("expireDate must be within 366 days");
    }
    return v;
}

}  // namespace

void RestApi::token(const StreamKey& key, Request& req, Respond respond)
{
    const std::string* type = req.query_param("type");
    if (type == nullptr || *type != "play") {
        // type=publish: RTMP publish tokens (issue #14, another part)
        return respond(Response::error(400, "type must be play"));
    }
    std::shared_ptr<const fo_pt_keyring> ring;
    if (ctx_.play_keys != nullptr) {
        ring = ctx_.play_keys->get();
    }
    if (ring == nullptr) {
        return respond(Response::error(
            501, "signed playback is not configured (play.keys_file)"));
    }
    const int64_t now = now_s();
    Result<int64_t> expire = parse_expire(req.query_param("expireDate"), now);
    if (!expire) {
        return respond(Response::error(400, expire.error().message()));
    }
    std::string token = sign_play_token(*ring, key.app, key.id, expire.value());
    const std::string* room = req.query_param("roomId");
    json body = {
        {"tokenId", token},
        {"streamId", key.id},
        {"expireDate", expire.value()},
        {"type", "play"},
        {"roomId", room != nullptr ? json(*room) : json(nullptr)},
        {"url", "/" + key.app + "/streams/" FO_PT_MARKER + token + "/" + key.id
                    + "_adaptive.m3u8"},
    };
    respond(Response::json(200, body));
}

}  // namespace fanout::http
