#include "auth/publish_auth.h"

#include "auth/broadcast_cap.h"
#include "auth/stream_token.h"
#include "transcode/app_settings_store.h"

namespace fanout::auth {

namespace {

constexpr const char* kPublish = FO_TOKEN_PUBLISH;

Verdict refuse(Refusal r, std::string why)
{
    return {r, std::move(why)};
}

Verdict from_check(const CheckResult& c)
{
    if (c.check == TokenCheck::Ok) {
        return {};
    }
    return refuse(
        c.check == TokenCheck::Expired ? Refusal::Expired : Refusal::Invalid,
        c.why);
}

// acceptUndefinedStreams=false: only a broadcast created beforehand (REST
// create, or an earlier publish) may be published.
Verdict check_defined(fo_store* store, const StreamKey& key)
{
    fo_broadcast b;
    fo_error err{};
    fo_status st =
        fo_broadcast_get(store, key.app.c_str(), key.id.c_str(), &b, &err);
    if (st == FO_OK) {
        return {};
    }
    if (st == FO_NOT_FOUND) {
        return refuse(
            Refusal::UndefinedStream,
            "no broadcast " + key.str() + " (acceptUndefinedStreams is false)");
    }
    return refuse(Refusal::Unavailable, std::string("store: ") + err.msg);
}

Verdict consume_one_time(fo_store* store, const StreamKey& key,
                         const std::string& token)
{
    fo_error err{};
    fo_status st = fo_token_consume(store, token.c_str(), key.app.c_str(),
                                    key.id.c_str(), kPublish, &err);
    if (st == FO_OK) {
        return {};
    }
    if (st == FO_NOT_FOUND) {
        return refuse(Refusal::Invalid,
                      "one-time token unknown, used, expired, or for "
                      "another stream or type");
    }
    return refuse(Refusal::Unavailable, std::string("store: ") + err.msg);
}

}  // namespace

const char* refusal_reason(Refusal r)
{
    switch (r) {
        case Refusal::None:
            return "none";
        case Refusal::Missing:
            return "missing";
        case Refusal::Malformed:
            return "malformed";
        case Refusal::UndefinedStream:
            return "undefined_stream";
        case Refusal::Invalid:
            return "invalid";
        case Refusal::Expired:
            return "expired";
        case Refusal::Unavailable:
            return "unavailable";
        case Refusal::BroadcastLimit:
            return "broadcast_limit";
    }
    return "invalid";
}

bool refusal_is_rejected(Refusal r)
{
    return r == Refusal::Invalid || r == Refusal::Expired
           || r == Refusal::Unavailable || r == Refusal::BroadcastLimit;
}

void count_refusal(Metrics& metrics, Refusal r)
{
    auto& t = metrics.token_refusals;
    switch (r) {
        case Refusal::None:
            return;
        case Refusal::Missing:
            t.missing++;
            return;
        case Refusal::Malformed:
            t.malformed++;
            return;
        case Refusal::UndefinedStream:
            t.undefined_stream++;
            return;
        case Refusal::Invalid:
            t.invalid++;
            return;
        case Refusal::Expired:
            t.expired++;
            return;
        case Refusal::Unavailable:
            t.unavailable++;
            return;
        case Refusal::BroadcastLimit:
            metrics.broadcast_limit_refusals.publish++;
            return;
    }
}

Verdict check_publish_token(const TokenSettings& s, const StreamKey& key,
                            const TokenParam& token, int64_t now_s)
{
    if (!s.publish_needs_token()) {
        return {};
    }
    if (token.found == TokenFound::Missing) {
        return refuse(Refusal::Missing, "no token");
    }
    if (token.found == TokenFound::Malformed) {
        return refuse(Refusal::Malformed, "malformed token parameter");
    }
    if (s.publish_hash) {
        Verdict v = from_check(
            check_hash_token(s.hash_secret, key.id, kPublish, token.value));
        if (v.refusal != Refusal::None) {
            return v;
        }
    }
    if (s.publish_jwt) {
        return from_check(check_stream_jwt(s.jwt_secret, token.value, key.id,
                                           kPublish, now_s));
    }
    return {};
}

PublishAuth authorize_publish(fo_store* store, const TokenSettings& defaults,
                              const TokenSettings& fallback,
                              const StreamKey& key, std::string_view query,
                              int64_t now_s, int64_t max_per_app)
{
    PublishAuth out;
    transcode::StoredSettings stored =
        transcode::read_app_settings(store, key.app);
    out.settings_read = stored.status == FO_OK || stored.status == FO_NOT_FOUND;
    out.settings = fallback;
    if (out.settings_read) {
        auto eff = effective_token_settings(defaults, stored.json);
        if (!eff) {  // a bad stored document: refuse rather than guess
            out.verdict = refuse(Refusal::Unavailable, eff.error().message());
            return out;
        }
        out.settings = eff.value();
        out.stored_settings = stored.json;
    }
    const TokenSettings& s = out.settings;
    TokenParam token = find_token(query);
    out.verdict = check_publish_token(s, key, token, now_s);
    if (out.verdict.refusal != Refusal::None) {
        return out;
    }
    if ((!s.accept_undefined || s.publish_token) && !out.settings_read) {
        out.verdict = refuse(Refusal::Unavailable,
                             std::string("store: ") + stored.err.msg);
        return out;
    }
    if (!s.accept_undefined) {
        out.verdict = check_defined(store, key);
        if (out.verdict.refusal != Refusal::None) {
            return out;
        }
    } else if (CapVerdict cap = check_publish_cap(store, key, max_per_app);
               cap.check == CapCheck::Full) {
        out.verdict = refuse(Refusal::BroadcastLimit, cap.why);
        return out;
    }
    if (s.publish_token) {
        out.verdict = consume_one_time(store, key, token.value);
    }
    return out;
}

}  // namespace fanout::auth
