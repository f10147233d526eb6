#include "transcode/app_settings.h"

#include "transcode/ladder_settings.h"

#include <optional>

namespace fanout::transcode {

namespace {

using nlohmann::json;

Error field_error(std::string_view field, std::string_view what)
{
    return Error(std::string(field) + ": " + std::string(what));
}

// The ladder from encoderSettingsString's value: its text, or (leniently)
// the list itself.
Result<std::vector<RenditionSpec>> ladder_value(const json& v,
                                                std::string_view field)
{
    if (v.is_string()) {
        return parse_encoder_settings(v.get_ref<const std::string&>(), field);
    }
    if (v.is_array()) {
        return parse_encoder_settings_json(v, field);
    }
    return field_error(field,
                       "must be a string: a JSON list's text or CSV "
                       "triples (height,videoBitrate,audioBitrate)");
}

Result<std::string> string_value(const json& v, std::string_view field)
{
    if (!v.is_string()) {
        return field_error(field, "must be a string");
    }
    return v.get<std::string>();
}

// One scalar key of the document onto the ladder.  The stored form is the
// value itself (a number or a string).  false: not a scalar ladder key.
Result<bool> apply_scalar(std::string_view key, const json& v, Ladder& ladder)
{
    if (key == kEncoderPreset || key == kEncoderSelectionPreference) {
        auto s = string_value(v, key);
        if (!s) {
            return s.error();
        }
        if (key == kEncoderPreset) {
            auto p = parse_encoder_preset(s.value(), key);
            if (!p) {
                return p.error();
            }
            ladder.preset = p.value();
        } else {
            auto p = parse_encoder_preference(s.value(), key);
            if (!p) {
                return p.error();
            }
            ladder.preference = p.value();
        }
        return true;
    }
    if (key == kGopSize || key == kEncoderThreads) {
        bool gop = key == kGopSize;
        auto n = json_int_setting(v, key, 0, gop ? kMaxGopSize : kMaxThreads);
        if (!n) {
            return n.error();
        }
        (gop ? ladder.gop_size : ladder.threads) = n.value();
        return true;
    }
    return false;
}

// Origin-wide keys a GET shows: a PUT may send them back unchanged.
Result<bool> check_origin_wide(const Config& config, std::string_view key,
                               const json& v)
{
    std::string current;
    if (key == "hlsListSize") {
        current = std::to_string(config.hls_list_size);
    } else if (key == "hlsSegmentType") {
        current = config.hls_segment_type;
    } else if (key == "appName") {
        return true;  // the path names the application
    } else {
        return false;
    }
    Status st =
        check_sent_back(key, v, current, std::string(key) + "=" + current);
    if (!st) return st.error();
    return true;
}

Result<json> parse_object(std::string_view text, std::string_view what)
{
    if (text.empty()) {
        return json::object();
    }
    json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) {
        return Error(std::string(what) + ": must be a JSON object");
    }
    return j;
}

// The body's ladder, from encoderSettings and/or encoderSettingsString.
struct BodyLadder {
    bool given = false;  // text is the canonical ladder to store
    bool reset = false;  // null: back to origin.properties' default
    std::string text;
};

Result<BodyLadder> body_ladder(const json& body)
{
    std::optional<std::vector<RenditionSpec>> from_list, from_text;
    BodyLadder out;
    for (std::string_view key : {kEncoderSettings, kEncoderSettingsString}) {
        auto it = body.find(std::string(key));
        if (it == body.end()) {
            continue;
        }
        if (it->is_null()) {
            out.reset = true;
            continue;
        }
        auto r = key == kEncoderSettings ? parse_encoder_settings_json(*it, key)
                                         : ladder_value(*it, key);
        if (!r) {
            return r.error();
        }
        (key == kEncoderSettings ? from_list : from_text) = r.value();
    }
    if (from_list && from_text && *from_list != *from_text) {
        return field_error(kEncoderSettings,
                           "differs from encoderSettingsString; send one of "
                           "them");
    }
    if (from_list || from_text) {
        out.given = true;
        out.reset = false;
        out.text =
            encoder_settings_to_string(from_list ? *from_list : *from_text);
    }
    return out;
}

bool is_scalar_key(std::string_view key)
{
    return key == kEncoderPreset || key == kEncoderSelectionPreference
           || key == kGopSize || key == kEncoderThreads;
}

bool is_origin_wide(std::string_view key)
{
    return key == "hlsListSize" || key == "hlsSegmentType" || key == "appName";
}

}  // namespace

Status check_sent_back(std::string_view key, const json& v,
                       const std::string& current, const std::string& setting)
{
    // Ant Media writes its numbers (hlsListSize, dashWindowSize) as strings.
    bool same = v.is_string() ? v.get<std::string>() == current
                              : v.is_number_integer() && v.dump() == current;
    if (same) return {};
    return field_error(key, "is origin-wide (origin.properties " + setting
                                + "); it cannot be changed per application");
}

Result<json> parse_stored_settings(std::string_view stored_json)
{
    return parse_object(stored_json, "stored app settings");
}

Result<json> stored_setting(std::string_view stored_json, std::string_view key)
{
    auto doc = parse_stored_settings(stored_json);
    if (!doc) {
        return doc.error();
    }
    auto it = doc.value().find(std::string(key));
    return it == doc.value().end() ? json() : *it;
}

Result<Ladder> effective_ladder(const Ladder& defaults,
                                std::string_view stored_json)
{
    auto doc = parse_stored_settings(stored_json);
    if (!doc) {
        return doc.error();
    }
    Ladder ladder = defaults;
    for (const auto& [key, v] : doc.value().items()) {
        if (key == kEncoderSettingsString) {
            auto r = ladder_value(v, key);
            if (!r) {
                return r.error().wrap("stored app settings");
            }
            ladder.renditions = r.value();
            continue;
        }
        auto applied = apply_scalar(key, v, ladder);
        if (!applied) {
            return applied.error().wrap("stored app settings");
        }
    }
    return ladder;
}

Result<SettingsPut> apply_settings_put(const Config& config,
                                       std::string_view stored_json,
                                       std::string_view body_text)
{
    auto body = parse_object(body_text, "body");
    if (!body) {
        return body.error();
    }
    auto stored = parse_stored_settings(stored_json);
    SettingsPut out;
    out.stored = stored ? stored.value() : json::object();
    auto ladder = body_ladder(body.value());
    if (!ladder) {
        return ladder.error();
    }
    const std::string ladder_key(kEncoderSettingsString);
    if (ladder->given) {
        out.stored[ladder_key] = ladder->text;
    } else if (ladder->reset) {
        out.stored.erase(ladder_key);
    }
    Ladder scratch;
    for (const auto& [key, v] : body.value().items()) {
        if (key == kEncoderSettings || key == kEncoderSettingsString) {
            continue;
        }
        if (v.is_null()) {  // Ant Media: a null field takes the default
            if (is_scalar_key(key)) {
                out.stored.erase(key);
            } else if (!is_origin_wide(key)) {
                out.ignored.push_back(key);
            }
            continue;
        }
        auto scalar = apply_scalar(key, v, scratch);
        if (!scalar) {
            return scalar.error();
        }
        if (scalar.value()) {
            out.stored[key] = v;
            continue;
        }
        auto wide = check_origin_wide(config, key, v);
        if (!wide) {
            return wide.error();
        }
        if (!wide.value()) {
            out.ignored.push_back(key);
        }
    }
    // Stored keys the body left alone must still hold.
    auto effective = effective_ladder(config.ladder, out.stored.dump());
    if (!effective) {
        return effective.error();
    }
    out.effective = effective.value();
    return out;
}

json settings_to_json(const std::string& app, const Config& config,
                      const Ladder& effective)
{
    return json{
        {"appName", app},
        {"encoderSettings", encoder_settings_to_json(effective.renditions)},
        {"encoderSettingsString",
         encoder_settings_to_string(effective.renditions)},
        {"encoderPreset", effective.preset},
        {"gopSize", effective.gop_size},
        {"encoderThreads", effective.threads},
        {"encoderSelectionPreference", preference_name(effective.preference)},
        {"hlsListSize", config.hls_list_size},
        {"hlsSegmentType", config.hls_segment_type},
    };
}

}  // namespace fanout::transcode
