// http/play_tokens.h — signed playback URLs at the origin
// (play.signed, play.keys_file): the same verifier as the edges
// (auth/, fanout/playback_token.h), the same keys file.
//
// A signed URL is /{app}/streams/t=<token>/{rest}; an edge forwards the
// stripped path with a token of its own in X-Fanout-Play-Token (see
// docs/architecture.md, "Signed playback").  The origin accepts either.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "fanout/playback_token.h"

namespace fanout::http {

// The keyring, swapped whole: get() on the loop, reload() on a pool lane
// (it reads the file).  Thread-safe.
class PlayKeys {
public:
    static Result<std::unique_ptr<PlayKeys>> load(const std::string& path);

    std::shared_ptr<const fo_pt_keyring> get() const;
    // Re-reads the file; on an error the keys in use stay (and the error
    // never holds a secret).
    Status reload();

private:
    explicit PlayKeys(std::string path) : path_(std::move(path)) {}

    std::string path_;
    mutable std::mutex mu_;
    std::shared_ptr<const fo_pt_keyring> ring_;
};

// The path after "/{app}/streams/" split from its token element.
struct SignedRest {
    std::string_view rest;  // without "t=<token>/"
    std::string_view token;  // empty: no element
};

// Pure.  "t=abc/demo.m3u8" -> {"demo.m3u8", "abc"}; "demo.m3u8" -> as is.
SignedRest split_signed_rest(std::string_view rest);

// Pure: the scope's stream id of a rest ("demo_adaptive.m3u8",
// "demo_240p400kbps/x.m4s" -> "demo"), or nullopt.
std::optional<std::string_view> scope_of_rest(std::string_view rest);

// Pure: is token valid for app + rest at now_s from address addr.
fo_pt_rc check_play_token(const fo_pt_keyring& ring, std::string_view token,
                          std::string_view app, std::string_view rest,
                          int64_t now_s, std::string_view addr);

// A token for app/{id} (id as given, its scope taken), unbound.
std::string sign_play_token(const fo_pt_keyring& ring, std::string_view app,
                            std::string_view id, int64_t expire_s);

}  // namespace fanout::http
