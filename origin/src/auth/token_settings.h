// auth/token_settings.h — an application's stream token controls, Ant
// Media's AppSettings keys, kept in the same stored app settings document
// as the ladder (transcode/app_settings.h), with origin.properties'
// values as defaults (Config::tokens).
//
// Secrets (jwtStreamSecretKey, tokenHashSecret) are never shown: a GET
// answers kSecretMask for a set secret ("" for none), and a PUT that sends
// the mask back keeps the stored secret, so a GET's body can be edited
// and sent back.  Pure functions: callers do the store calls.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace fanout::auth {

inline constexpr std::string_view kPublishTokenControl =
    "publishTokenControlEnabled";
inline constexpr std::string_view kPublishJwtControl =
    "publishJwtControlEnabled";
inline constexpr std::string_view kHashControlPublish =
    "hashControlPublishEnabled";
inline constexpr std::string_view kPlayTokenControl = "playTokenControlEnabled";
inline constexpr std::string_view kPlayJwtControl = "playJwtControlEnabled";
inline constexpr std::string_view kJwtStreamSecretKey = "jwtStreamSecretKey";
inline constexpr std::string_view kTokenHashSecret = "tokenHashSecret";
inline constexpr std::string_view kAcceptUndefinedStreams =
    "acceptUndefinedStreams";

// What GET shows for a secret that is set.  Shorter than any secret may
// be, so it never is one.
inline constexpr std::string_view kSecretMask = "********";
// HS256 wants a key of at least 256 bits (RFC 7518 3.2).
inline constexpr size_t kMinJwtSecret = 32;
inline constexpr size_t kMinHashSecret = 16;
inline constexpr size_t kMaxSecret = 512;

struct TokenSettings {
    bool publish_token = false;  // publishTokenControlEnabled: one-time
    bool publish_jwt = false;  // publishJwtControlEnabled
    bool publish_hash = false;  // hashControlPublishEnabled
    bool play_token = false;  // playTokenControlEnabled (stored only)
    bool play_jwt = false;  // playJwtControlEnabled (stored only)
    std::string jwt_secret;  // jwtStreamSecretKey: a secret
    std::string hash_secret;  // tokenHashSecret: a secret
    bool accept_undefined = true;  // acceptUndefinedStreams

    // A publish needs a token.
    bool publish_needs_token() const
    {
        return publish_token || publish_jwt || publish_hash;
    }
};

// A secret's rules (empty is allowed: "none"); the error never quotes it.
Status check_secret(std::string_view key, std::string_view value);

// Is key one of the keys above?
bool is_token_key(std::string_view key);

// The settings of the next publish: the stored document's token keys over
// defaults.  Other keys are the ladder's, ignored here.
Result<TokenSettings> effective_token_settings(const TokenSettings& defaults,
                                               std::string_view stored_json);

// What a PUT does to the token keys of `stored` (the document to store,
// changed in place): booleans must be booleans (or "true"/"false", as Ant
// Media's forms send them), secrets follow check_secret, a secret equal
// to kSecretMask is left as stored, null goes back to the default.  Then
// the effective settings must hold: a control on needs its secret.
// On error the message starts with the key.
Status apply_token_settings_put(const TokenSettings& defaults,
                                nlohmann::json& stored,
                                const nlohmann::json& body);

// GET's fields: the effective values, secrets masked.
void token_settings_to_json(const TokenSettings& effective,
                            nlohmann::json& out);

}  // namespace fanout::auth
