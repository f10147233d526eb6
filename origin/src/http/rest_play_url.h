// http/rest_play_url.h — the "url" of a play token's REST answer
// (/token and /jwt-token with type=play, rest_tokens.cc): the stream's
// master playlist, ready to play.
//   a signed-URL token:      /{app}/streams/t=<token>/{id}_adaptive.m3u8
//   an Ant Media token:      /{app}/streams/{id}_adaptive.m3u8?token=<token>
//                            (exchanged for a signed path on its first
//                            request, http/play_access.h)
#pragma once

#include <string>
#include <string_view>

namespace fanout::http {

std::string signed_play_url(std::string_view app, std::string_view id,
                            std::string_view token);

std::string token_play_url(std::string_view app, std::string_view id,
                           std::string_view token);

}  // namespace fanout::http
