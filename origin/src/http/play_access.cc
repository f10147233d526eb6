// http/play_access.cc — Ant Media's play tokens exchanged for a signed
// path; see play_access.h.
#include "http/play_access.h"

#include <algorithm>

#include "auth/stream_token.h"
#include "core/clock.h"
#include "http/play_tokens.h"
#include "http/rest_util.h"
#include "http/segment_serving.h"
#include "transcode/app_settings_store.h"

namespace fanout::http {

namespace {

constexpr std::string_view kNoToken = "no playback token";
constexpr std::string_view kInvalid = "invalid playback token";
constexpr std::string_view kExpired = "expired playback token";
constexpr std::string_view kNotPlaylist =
    "a playback token is taken on a playlist only";
constexpr std::string_view kNoKeys =
    "playback tokens need play.keys_file on the origin";
constexpr std::string_view kStoreDown = "cluster store unavailable";

PlayDecision refuse(std::string_view why)
{
    return {PlayStep::Refuse, std::string(why), {}};
}

bool is_playlist(std::string_view rest)
{
    return rest.ends_with(".m3u8") || rest.ends_with(".mpd");
}

// A path token for app/id until expire_s, or NoKeys.
PlayDecision signed_path(const fo_pt_keyring* ring, std::string_view app,
                         std::string_view id, int64_t expire_s)
{
    if (ring == nullptr) {
        return {PlayStep::NoKeys, std::string(kNoKeys), {}};
    }
    return {PlayStep::Redirect, {}, sign_play_token(*ring, app, id, expire_s)};
}

// The Ant Media kinds, after a signed-URL token did not fit.
PlayDecision ant_media_token(const PlayRules& r, std::string_view app,
                             std::string_view id, const std::string& token,
                             int64_t now_s)
{
    const auth::TokenSettings& s = *r.settings;
    const bool dotted = token.find('.') != std::string::npos;
    if (s.play_jwt && std::count(token.begin(), token.end(), '.') == 2) {
        auth::CheckResult c = auth::check_stream_jwt(s.jwt_secret, token, id,
                                                     FO_TOKEN_PLAY, now_s);
        if (c.check == auth::TokenCheck::Expired) {
            return refuse(kExpired);
        }
        if (c.check == auth::TokenCheck::Ok) {
            return signed_path(r.ring, app, id, c.exp_s);
        }
        return refuse(kInvalid);
    }
    if (s.play_token && !dotted && fo_valid_id(token.c_str(), FO_ID_MAX)) {
        return {PlayStep::Consume, {}, {}};
    }
    return refuse(kInvalid);
}

}  // namespace

PlayDecision decide_unsigned(const PlayRules& r, std::string_view app,
                             std::string_view rest, const std::string* token,
                             int64_t now_s, std::string_view addr)
{
    const auth::TokenSettings& s = *r.settings;
    if (!r.signed_required && !s.play_token && !s.play_jwt) {
        return {PlayStep::Serve, {}, {}};
    }
    if (token == nullptr || token->empty()) {
        return refuse(kNoToken);
    }
    std::optional<std::string_view> id = scope_of_rest(rest);
    if (!is_playlist(rest) || !id) {
        return refuse(kNotPlaylist);
    }
    if (r.ring != nullptr) {
        fo_pt_rc rc = check_play_token(*r.ring, *token, app, rest, now_s, addr);
        if (rc == FO_PT_OK) {
            return {PlayStep::Redirect, {}, *token};
        }
        if (rc == FO_PT_EXPIRED) {
            return refuse(kExpired);
        }
    }
    return ant_media_token(r, app, *id, *token, now_s);
}

std::string signed_location(std::string_view app, std::string_view rest,
                            std::string_view path_token,
                            std::string_view target)
{
    std::string out = "/" + std::string(app) + "/streams/" FO_PT_MARKER;
    out.append(path_token).append("/").append(rest);
    size_t q = target.find('?');
    if (q == std::string_view::npos) {
        return out;
    }
    std::string_view query = target.substr(q + 1);
    char sep = '?';
    while (!query.empty()) {
        size_t amp = query.find('&');
        std::string_view param = query.substr(0, amp);
        query = amp == std::string_view::npos ? "" : query.substr(amp + 1);
        std::string_view name = param.substr(0, param.find('='));
        if (param.empty() || name == "token") {
            continue;
        }
        out.push_back(sep);
        out.append(param);
        sep = '&';
    }
    return out;
}

bool PlayAccess::signature_required(const Request& req) const
{
    return ctx_.config.play_signed || req.header(kExchangeHeader) != nullptr;
}

struct PlayAccess::Outcome {
    std::optional<auth::TokenSettings> settings;  // read (or fallen back)
    PlayDecision decision;
    bool store_failed = false;  // the one-time token could not be asked
};

std::optional<PlayDecision> PlayAccess::decide_cached(const std::string& app,
                                                      std::string_view rest,
                                                      const Request& req,
                                                      const Peer& peer)
{
    const int64_t now_ms = Clock::real().wall_ms();
    auto it = cache_.find(app);
    if (it == cache_.end() || now_ms - it->second.read_ms >= kSettingsTtlMs) {
        return std::nullopt;
    }
    const auth::TokenSettings& s = it->second.settings;
    const bool signed_required = signature_required(req);
    if (!signed_required && !s.play_token && !s.play_jwt) {
        return PlayDecision{PlayStep::Serve, {}, {}};
    }
    auto ring = ctx_.play_keys != nullptr ? ctx_.play_keys->get() : nullptr;
    PlayRules rules{&it->second.settings, signed_required, ring.get(),
                    ctx_.config.play_session_s};
    PlayDecision d = decide_unsigned(rules, app, rest, req.query_param("token"),
                                     now_ms / 1000, peer.address.to_string());
    if (d.step == PlayStep::Consume) {
        return std::nullopt;
    }
    return d;
}

PlayAccess::Outcome PlayAccess::blocking(const std::string& app,
                                         const std::string& rest,
                                         std::optional<std::string> token,
                                         const std::string& addr,
                                         auth::TokenSettings fallback,
                                         bool signed_required, int64_t now_ms)
{
    Outcome o;
    transcode::StoredSettings stored =
        transcode::read_app_settings(ctx_.store, app);
    if (stored.status == FO_OK || stored.status == FO_NOT_FOUND) {
        auto eff =
            auth::effective_token_settings(ctx_.config.tokens, stored.json);
        if (eff) {
            fallback = eff.value();
        }
    }
    o.settings = fallback;
    auto ring = ctx_.play_keys != nullptr ? ctx_.play_keys->get() : nullptr;
    PlayRules rules{&fallback, signed_required, ring.get(),
                    ctx_.config.play_session_s};
    o.decision = decide_unsigned(rules, app, rest, token ? &*token : nullptr,
                                 now_ms / 1000, addr);
    if (o.decision.step != PlayStep::Consume) {
        return o;
    }
    std::string id(*scope_of_rest(rest));
    fo_error err{};
    fo_status st = fo_token_consume(ctx_.store, token->c_str(), app.c_str(),
                                    id.c_str(), FO_TOKEN_PLAY, &err);
    if (st == FO_OK) {
        o.decision = signed_path(ring.get(), app, id,
                                 now_ms / 1000 + ctx_.config.play_session_s);
    } else if (st == FO_NOT_FOUND) {
        o.decision = refuse(kInvalid);
    } else {
        o.store_failed = true;
        o.decision = {PlayStep::Refuse, std::string(kStoreDown), {}};
    }
    return o;
}

void PlayAccess::check_async(const std::string& app, std::string rest,
                             const Request& req, const Peer& peer, Done done)
{
    if (ctx_.pool.full()) {
        return done(rest_busy(ctx_.metrics));
    }
    const int64_t now_ms = Clock::real().wall_ms();
    auto it = cache_.find(app);
    auth::TokenSettings fallback =
        it != cache_.end() ? it->second.settings : ctx_.config.tokens;
    const std::string* t = req.query_param("token");
    std::optional<std::string> token;
    if (t != nullptr) {
        token = *t;
    }
    ctx_.pool.run(
        [this, app, rest, token, addr = peer.address.to_string(), fallback,
         signed_required = signature_required(req), now_ms]() {
            return blocking(app, rest, token, addr, fallback, signed_required,
                            now_ms);
        },
        [this, app, rest, target = req.target, now_ms,
         done = std::move(done)](Outcome o) {
            cache_[app] = Cached{*o.settings, now_ms};
            if (o.decision.step == PlayStep::Serve) {
                return done(std::nullopt);
            }
            done(answer(o.decision, app, rest, target, o.store_failed));
        });
}

Response PlayAccess::answer(const PlayDecision& d, const std::string& app,
                            std::string_view rest, std::string_view target,
                            bool store_failed)
{
    switch (d.step) {
        case PlayStep::Redirect:
            return stream_redirect(
                signed_location(app, rest, d.path_token, target));
        case PlayStep::NoKeys:
            ctx_.metrics.play_refused_total++;
            return stream_unavailable(d.why);
        default:
            ctx_.metrics.play_refused_total++;
            return store_failed ? stream_unavailable(d.why)
                                : stream_forbidden(d.why);
    }
}

}  // namespace fanout::http
