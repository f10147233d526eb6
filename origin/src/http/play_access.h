// http/play_access.h — who may play a stream at the origin when the
// request carries no signed-URL token: Ant Media's play tokens, by the
// application's settings (playTokenControlEnabled, playJwtControlEnabled,
// auth/token_settings.h), and play.signed.
//
// A player that holds an Ant Media token asks for a playlist with it,
//     /{app}/streams/{id}_adaptive.m3u8?token=<token>
// and gets a 302 to the same playlist under a signed path element,
//     /{app}/streams/t=<signed>/{id}_adaptive.m3u8
// which every relative URI in the playlists inherits, so the rest of the
// session is checked by the edges' one HMAC (http/play_tokens.h,
// docs/architecture.md "Signed playback").  The token is checked once per
// viewer session:
//   - a JWT (playJwtControlEnabled): HS256 with jwtStreamSecretKey, claims
//     streamId, type "play", exp; no store call.  The signed path expires
//     with the JWT.
//   - a one-time token (playTokenControlEnabled): consumed in the store,
//     so it plays once on any origin.  The signed path lasts
//     play.session_s.
//   - a signed-URL token given as ?token= (what /token?type=play returns
//     as tokenId): no store call; the path carries it as it is.
// Without a token, a stream of an application with either control on,
// or any stream with play.signed, is refused (403, with CORS).  An edge
// that checks signatures (fanout_play_signed) passes such a playlist
// request on with kExchangeHeader: then a signature is required whatever
// play.signed says, so that ?token=junk cannot fetch through it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "auth/token_settings.h"
#include "core/origin_context.h"
#include "fanout/playback_token.h"
#include "http/handler.h"

namespace fanout::http {

// See the top: the header an edge adds (lower case, as looked up).
inline constexpr std::string_view kExchangeHeader = "x-fanout-play-exchange";

enum class PlayStep {
    Serve,  // no token is needed
    Refuse,  // 403 with `why`
    Redirect,  // 302 to the path signed with `path_token`
    Consume,  // a one-time token: the store decides
    NoKeys,  // a token was good, but no play.keys_file to sign a path
};

struct PlayDecision {
    PlayStep step = PlayStep::Refuse;
    std::string why;  // Refuse: "no playback token", ...; never the token
    std::string path_token;  // Redirect
};

// What decide_unsigned needs besides the request.
struct PlayRules {
    const auth::TokenSettings* settings = nullptr;  // the app's, effective
    bool signed_required = false;  // play.signed
    const fo_pt_keyring* ring = nullptr;  // play.keys_file, or none
    int64_t session_s = 0;  // play.session_s
};

// Pure.  rest: the path after "/{app}/streams/" (no token element); token:
// the ?token= value, nullptr when absent; addr: the client's address.
PlayDecision decide_unsigned(const PlayRules& rules, std::string_view app,
                             std::string_view rest, const std::string* token,
                             int64_t now_s, std::string_view addr);

// Pure: the 302's Location, /{app}/streams/t=<path_token>/{rest}, with the
// request's query string but its token parameters.
std::string signed_location(std::string_view app, std::string_view rest,
                            std::string_view path_token,
                            std::string_view target);

// The app's token settings, read from the store on the REST lane at most
// every kSettingsTtlMs and cached (the last read stays in use while the
// store does not answer); the one-time token consumed there too.  Loop
// thread only, but for blocking().
class PlayAccess {
public:
    static constexpr int64_t kSettingsTtlMs = 2000;
    using Done = std::function<void(std::optional<Response>)>;

    explicit PlayAccess(OriginContext& ctx) : ctx_(ctx) {}

    // The decision from the cached settings, or nullopt when the store must
    // be asked (check_async).  Serve: serve; else answer(d, ...).
    std::optional<PlayDecision> decide_cached(const std::string& app,
                                              std::string_view rest,
                                              const Request& req,
                                              const Peer& peer);
    // Asks the store; done(nullopt): serve, done(r): answer r.  Keeps
    // nothing of req after it returns.
    void check_async(const std::string& app, std::string rest,
                     const Request& req, const Peer& peer, Done done);
    // The 302, 403 or 503 of a decision other than Serve; counted.
    Response answer(const PlayDecision& d, const std::string& app,
                    std::string_view rest, std::string_view target,
                    bool store_failed = false);

private:
    struct Cached {
        auth::TokenSettings settings;
        int64_t read_ms = 0;
    };
    struct Outcome;

    // On a pool thread: blocks on the store.
    Outcome blocking(const std::string& app, const std::string& rest,
                     std::optional<std::string> token, const std::string& addr,
                     auth::TokenSettings fallback, bool signed_required,
                     int64_t now_ms);
    // play.signed, or an edge that wants signatures passed the request on.
    bool signature_required(const Request& req) const;

    OriginContext& ctx_;
    std::map<std::string, Cached> cache_;  // bounded by the apps served
};

}  // namespace fanout::http
