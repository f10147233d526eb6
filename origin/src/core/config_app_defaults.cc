// core/config_app_defaults.cc — origin.properties keys whose values are
// the defaults of application settings (stored per app, REST
// /rest/v2/applications/settings/{app}): the ladder's
// (transcode/ladder_settings.h) and the stream token controls'
// (auth/token_settings.h).  Same names as the app settings, Ant Media's.
#include "auth/token_settings.h"
#include "core/config_setters.h"
#include "transcode/ladder_settings.h"

namespace fanout {

namespace {

// The ladder's keys: the settings parser's rules (transcode/ladder_settings.h),
// whose errors name the key themselves, down to an entry's field
// ("encoderSettingsString[1].height: ...").
Status set_encoder_settings(Config& c, const std::string& v)
{
    auto r = transcode::parse_encoder_settings(v, "encoderSettingsString");
    if (!r) {
        return r.error();
    }
    c.ladder.renditions = r.value();
    return {};
}

Status set_encoder_preset(Config& c, const std::string& v)
{
    auto r = transcode::parse_encoder_preset(v, "encoderPreset");
    if (!r) {
        return r.error();
    }
    c.ladder.preset = r.value();
    return {};
}

Status set_encoder_preference(Config& c, const std::string& v)
{
    auto r =
        transcode::parse_encoder_preference(v, "encoderSelectionPreference");
    if (!r) {
        return r.error();
    }
    c.ladder.preference = r.value();
    return {};
}

Setter ladder_int(const char* key, int transcode::Ladder::*field, int hi)
{
    return [key, field, hi](Config& c, const std::string& v) -> Status {
        auto r = transcode::parse_int_setting(v, key, 0, hi);
        if (!r) {
            return r.error();
        }
        c.ladder.*field = r.value();
        return {};
    };
}

// The token controls' keys (auth/token_settings.h): booleans as Ant
// Media writes them, secrets by check_secret (whose errors never quote
// the value).
Setter token_bool(bool auth::TokenSettings::*field)
{
    return [field](Config& c, const std::string& v) -> Status {
        return parse_bool(v, &(c.tokens.*field));
    };
}

Setter token_secret(std::string_view key,
                    std::string auth::TokenSettings::*field)
{
    return [key, field](Config& c, const std::string& v) -> Status {
        if (Status ok = auth::check_secret(key, v); !ok) {
            return ok;
        }
        c.tokens.*field = v;
        return {};
    };
}

}  // namespace

// size: table
void add_app_default_setters(std::map<std::string, Setter>& table)
{
    table.insert({
        {"encoderSettingsString", set_encoder_settings},
        {"encoderPreset", set_encoder_preset},
        {"gopSize", ladder_int("gopSize", &transcode::Ladder::gop_size,
                               transcode::kMaxGopSize)},
        {"encoderThreads",
         ladder_int("encoderThreads", &transcode::Ladder::threads,
                    transcode::kMaxThreads)},
        {"encoderSelectionPreference", set_encoder_preference},
        {std::string(auth::kPublishTokenControl),
         token_bool(&auth::TokenSettings::publish_token)},
        {std::string(auth::kPublishJwtControl),
         token_bool(&auth::TokenSettings::publish_jwt)},
        {std::string(auth::kHashControlPublish),
         token_bool(&auth::TokenSettings::publish_hash)},
        {std::string(auth::kPlayTokenControl),
         token_bool(&auth::TokenSettings::play_token)},
        {std::string(auth::kPlayJwtControl),
         token_bool(&auth::TokenSettings::play_jwt)},
        {std::string(auth::kAcceptUndefinedStreams),
         token_bool(&auth::TokenSettings::accept_undefined)},
        {std::string(auth::kJwtStreamSecretKey),
         token_secret(auth::kJwtStreamSecretKey,
                      &auth::TokenSettings::jwt_secret)},
        {std::string(auth::kTokenHashSecret),
         token_secret(auth::kTokenHashSecret,
                      &auth::TokenSettings::hash_secret)},
    });
}

}  // namespace fanout
