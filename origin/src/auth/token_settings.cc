#include "auth/token_settings.h"

#include "transcode/app_settings.h"

namespace fanout::auth {

namespace {

using nlohmann::json;

Error field_error(std::string_view key, std::string_view what)
{
    return Error(std::string(key) + ": " + std::string(what));
}

struct BoolKey {
    std::string_view key;
    bool TokenSettings::*field;
};

const BoolKey kBools[] = {
    {kPublishTokenControl, &TokenSettings::publish_token},
    {kPublishJwtControl, &TokenSettings::publish_jwt},
    {kHashControlPublish, &TokenSettings::publish_hash},
    {kPlayTokenControl, &TokenSettings::play_token},
    {kPlayJwtControl, &TokenSettings::play_jwt},
    {kAcceptUndefinedStreams, &TokenSettings::accept_undefined},
};

Result<bool> bool_value(std::string_view key, const json& v)
{
    if (v.is_boolean()) {
        return v.get<bool>();
    }
    if (v.is_string() && (v == "true" || v == "false")) {
        return v == "true";
    }
    return field_error(key, "must be true or false");
}

bool is_secret_key(std::string_view key)
{
    return key == kJwtStreamSecretKey || key == kTokenHashSecret;
}

// One stored or sent key onto settings; false: not a token key.
Result<bool> apply_key(std::string_view key, const json& v, TokenSettings& t)
{
    for (const BoolKey& b : kBools) {
        if (key == b.key) {
            auto r = bool_value(key, v);
            if (!r) {
                return r.error();
            }
            t.*b.field = r.value();
            return true;
        }
    }
    if (!is_secret_key(key)) {
        return false;
    }
    if (!v.is_string()) {
        return field_error(key, "must be a string");
    }
    const auto& s = v.get_ref<const std::string&>();
    if (Status ok = check_secret(key, s); !ok) {
        return ok.error();
    }
    (key == kJwtStreamSecretKey ? t.jwt_secret : t.hash_secret) = s;
    return true;
}

// A control that is on needs its secret.
Status check_consistent(const TokenSettings& t)
{
    if (t.publish_jwt && t.jwt_secret.empty()) {
        return field_error(kJwtStreamSecretKey,
                           "must be set while publishJwtControlEnabled is "
                           "true");
    }
    if (t.publish_hash && t.hash_secret.empty()) {
        return field_error(kTokenHashSecret,
                           "must be set while hashControlPublishEnabled is "
                           "true");
    }
    return {};
}

}  // namespace

Status check_secret(std::string_view key, std::string_view value)
{
    if (value.empty()) {
        return {};
    }
    size_t min = key == kJwtStreamSecretKey ? kMinJwtSecret : kMinHashSecret;
    if (value.size() < min || value.size() > kMaxSecret) {
        return field_error(key, "must be empty or " + std::to_string(min)
                                    + " to " + std::to_string(kMaxSecret)
                                    + " bytes");
    }
    for (unsigned char c : value) {
        if (c <= ' ' || c >= 0x7f) {
            return field_error(key, "must be printable ASCII without blanks");
        }
    }
    return {};
}

bool is_token_key(std::string_view key)
{
    for (const BoolKey& b : kBools) {
        if (key == b.key) {
            return true;
        }
    }
    return is_secret_key(key);
}

Result<TokenSettings> effective_token_settings(const TokenSettings& defaults,
                                               std::string_view stored_json)
{
    TokenSettings t = defaults;
    auto doc = transcode::parse_stored_settings(stored_json);
    if (!doc) {
        return doc.error();
    }
    for (const auto& [key, v] : doc.value().items()) {
        auto r = apply_key(key, v, t);
        if (!r) {
            return r.error().wrap("stored app settings");
        }
    }
    return t;
}

Status apply_token_settings_put(const TokenSettings& defaults, json& stored,
                                const json& body)
{
    TokenSettings scratch;
    for (const auto& [key, v] : body.items()) {
        if (!is_token_key(key)) {
            continue;
        }
        if (v.is_null()) {  // Ant Media: a null field takes the default
            stored.erase(key);
            continue;
        }
        if (is_secret_key(key) && v.is_string() && v == kSecretMask) {
            continue;  // a GET's mask sent back: keep what is stored
        }
        auto r = apply_key(key, v, scratch);
        if (!r) {
            return r.error();
        }
        // Canonical form: booleans as booleans.
        stored[key] =
            v.is_string() && !is_secret_key(key) ? json(v == "true") : v;
    }
    auto effective = effective_token_settings(defaults, stored.dump());
    if (!effective) {
        return effective.error();
    }
    return check_consistent(effective.value());
}

void token_settings_to_json(const TokenSettings& t, json& out)
{
    for (const BoolKey& b : kBools) {
        out[std::string(b.key)] = t.*b.field;
    }
    auto mask = [](const std::string& s) {
        return s.empty() ? std::string() : std::string(kSecretMask);
    };
    out[std::string(kJwtStreamSecretKey)] = mask(t.jwt_secret);
    out[std::string(kTokenHashSecret)] = mask(t.hash_secret);
}

}  // namespace fanout::auth
