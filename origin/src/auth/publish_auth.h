// auth/publish_auth.h — may this publish start, by its application's
// stream token controls (auth/token_settings.h)?  Checked before the
// stream is claimed in the store (app/publish_gate.cc), so a refusal
// leaves nothing behind: no broadcast record, no claim.
//
// Every control that is on must accept the one `token` parameter (Ant
// Media's chain of publish security filters): in practice, turn on one
// kind per application.  Order: the token's presence, the hash, the JWT
// (pure), then acceptUndefinedStreams (a store read), then the
// application's cap on broadcast records when the publish would create
// one (auth/broadcast_cap.h: a store read and count), then the one-time
// token (a store consume, last, so a refusal by another check does not
// burn it).
//
// Refusals and their RTMP status (ingest::kPublishRejected):
//   missing, malformed, undefined_stream  -> NetStream.Publish.BadName
//   invalid, expired, unavailable         -> NetStream.Publish.Rejected
//   broadcast_limit                       -> NetStream.Publish.Rejected
// (`invalid` covers a wrong hash or MAC, another stream's or type's token,
// and an unknown, used or expired one-time token, which the store cannot
// tell apart; `unavailable` a store that could not answer.)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "auth/token_query.h"
#include "auth/token_settings.h"
#include "core/metrics.h"
#include "core/stream_key.h"
#include "fanout/store.h"

namespace fanout::auth {

enum class Refusal {
    None,
    Missing,
    Malformed,
    UndefinedStream,
    Invalid,
    Expired,
    Unavailable,
    BroadcastLimit,  // a new record would pass broadcast.max_per_app
};

// The metric label: "missing", "malformed", "undefined_stream", ...
const char* refusal_reason(Refusal r);
// BadName (false) or Rejected (true), as above.
bool refusal_is_rejected(Refusal r);
// Counts r in metrics.token_refusals, BroadcastLimit in
// metrics.broadcast_limit_refusals (None: nothing).
void count_refusal(Metrics& metrics, Refusal r);

struct Verdict {
    Refusal refusal = Refusal::None;
    std::string why;  // for the log line: never the token or a secret
};

// The checks without the store: presence, hash, JWT.  Refusal::None when
// they pass (or no control is on).
Verdict check_publish_token(const TokenSettings& settings, const StreamKey& key,
                            const TokenParam& token, int64_t now_s);

// What the blocking check brings back to the event loop.
struct PublishAuth {
    Verdict verdict;
    bool settings_read = false;  // the store answered for the settings
    TokenSettings settings;  // what was applied
    // The app's stored settings document as read ("" none, or not read):
    // the publish's other per-application keys come from it (its webhook
    // URL: cluster/hook_settings.h).
    std::string stored_settings;
};

// Blocking (store calls: run on a pool lane).  Reads the application's
// settings over `defaults`; when the store cannot answer, applies
// `fallback` (the last settings this origin read for the app, else
// defaults) and refuses as Unavailable whatever needs the store.
// max_per_app: broadcast.max_per_app (0: no cap); a cap the store cannot
// count does not refuse (the claim that follows reports the store).
PublishAuth authorize_publish(fo_store* store, const TokenSettings& defaults,
                              const TokenSettings& fallback,
                              const StreamKey& key, std::string_view query,
                              int64_t now_s, int64_t max_per_app = 0);

}  // namespace fanout::auth
