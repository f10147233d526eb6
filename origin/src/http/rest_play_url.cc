// http/rest_play_url.cc — see rest_play_url.h.
#include "http/rest_play_url.h"

#include "fanout/playback_token.h"

namespace fanout::http {

namespace {

std::string master(std::string_view id)
{
    return std::string(id) + "_adaptive.m3u8";
}

}  // namespace

std::string signed_play_url(std::string_view app, std::string_view id,
                            std::string_view token)
{
    return "/" + std::string(app) + "/streams/" FO_PT_MARKER
           + std::string(token) + "/" + master(id);
}

// Tokens are URL-safe as they are: 32 hex digits, or a JWT (base64url and
// dots).
std::string token_play_url(std::string_view app, std::string_view id,
                           std::string_view token)
{
    return "/" + std::string(app) + "/streams/" + master(id)
           + "?token=" + std::string(token);
}

}  // namespace fanout::http
