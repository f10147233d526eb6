// The play half of the token call (see rest_api.h, rest_tokens.cc):
//   GET /{app}/rest/v2/broadcasts/{id}/token?type=play&expireDate=<unix s>
// Ant Media's path and Token fields (tokenId, streamId, expireDate, type,
// roomId), plus "url": the signed master playlist's path.  Stateless: the
// token is an HMAC (http/play_tokens.h), nothing is stored, any origin or
// edge with the keys file checks it, so it is answered on the loop.
// Called only when the keys are loaded (rest_tokens.cc).
#include <string>

#include "http/play_tokens.h"
#include "http/rest_api.h"
#include "http/rest_util.h"

namespace fanout::http {

void RestApi::play_url(const StreamKey& key, int64_t expire, Request& req,
                       Respond respond)
{
    std::shared_ptr<const fo_pt_keyring> ring = ctx_.play_keys->get();
    std::string token = sign_play_token(*ring, key.app, key.id, expire);
    const std::string* room = req.query_param("roomId");
    nlohmann::json body = {
        {"tokenId", token},
        {"streamId", key.id},
        {"expireDate", expire},
        {"type", "play"},
        {"roomId",
         room != nullptr ? nlohmann::json(*room) : nlohmann::json(nullptr)},
        {"url", "/" + key.app + "/streams/" FO_PT_MARKER + token + "/" + key.id
                    + "_adaptive.m3u8"},
    };
    respond(Response::json(200, body));
}

}  // namespace fanout::http
