#include "transcode/ladder_settings.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>

namespace fanout::transcode {

namespace {

using nlohmann::json;

std::string_view trim(std::string_view s)
{
    const char* blanks = " \t\r\n";
    size_t first = s.find_first_not_of(blanks);
    if (first == std::string_view::npos) {
        return {};
    }
    size_t last = s.find_last_not_of(blanks);
    return s.substr(first, last - first + 1);
}

std::string entry_field(std::string_view field, size_t i, std::string_view key)
{
    std::string out(field);
    out += "[" + std::to_string(i) + "]";
    if (!key.empty()) {
        out += ".";
        out += key;
    }
    return out;
}

Error field_error(std::string_view field, std::string_view what)
{
    return Error(std::string(field) + ": " + std::string(what));
}

// The rule of each number of an entry; `field` is the entry's field name.
Status check_height(int64_t h, std::string_view field)
{
    if (h <= 0 || h % 2 != 0 || h > kMaxHeight) {
        return field_error(field, "must be a positive even number <= "
                                      + std::to_string(kMaxHeight));
    }
    return {};
}

Status check_bitrate(int64_t b, bool zero_ok, std::string_view field)
{
    if ((b == 0 && !zero_ok) || b < 0 || b > kMaxBitrate) {
        return field_error(
            field, std::string(zero_ok ? "must be 0 (share the source's audio)"
                                       : "must be 1")
                       + " to " + std::to_string(kMaxBitrate)
                       + " bit/s (100 Mbit/s)");
    }
    return {};
}

// A JSON integer as int64; wrong types and out-of-range values are errors.
Result<int64_t> json_integer(const json& v, std::string_view field)
{
    if (v.is_number_integer() && !v.is_number_unsigned()) {
        return v.get<int64_t>();
    }
    if (v.is_number_unsigned()) {
        uint64_t u = v.get<uint64_t>();
        if (u > uint64_t(std::numeric_limits<int64_t>::max())) {
            return field_error(field, "is out of range");
        }
        return int64_t(u);
    }
    return field_error(field, "must be an integer");
}

// Optional keys: absent and null both mean "not given".
const json* member(const json& obj, const char* key)
{
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) {
        return nullptr;
    }
    return &*it;
}

Result<int64_t> required_integer(const json& obj, const char* key,
                                 std::string_view field)
{
    const json* v = member(obj, key);
    if (v == nullptr) {
        return field_error(field, "is required");
    }
    return json_integer(*v, field);
}

// One entry of the JSON form, types only (check_renditions has the rules).
Result<RenditionSpec> parse_entry(const json& e, std::string_view field,
                                  size_t i)
{
    if (!e.is_object()) {
        return field_error(entry_field(field, i, ""),
                           "must be an object {height, videoBitrate, "
                           "audioBitrate, forceEncode}");
    }
    RenditionSpec s;
    auto h = required_integer(e, "height", entry_field(field, i, "height"));
    if (!h) {
        return h.error();
    }
    auto vb = required_integer(e, "videoBitrate",
                               entry_field(field, i, "videoBitrate"));
    if (!vb) {
        return vb.error();
    }
    if (const json* ab = member(e, "audioBitrate")) {
        auto v = json_integer(*ab, entry_field(field, i, "audioBitrate"));
        if (!v) {
            return v.error();
        }
        s.audio_bitrate = v.value();
    }
    if (const json* fe = member(e, "forceEncode")) {
        if (!fe->is_boolean()) {
            return field_error(entry_field(field, i, "forceEncode"),
                               "must be true or false");
        }
        s.force_encode = fe->get<bool>();
    }
    // Out-of-int heights are caught by check_height before narrowing.
    if (Status st = check_height(h.value(), entry_field(field, i, "height"));
        !st) {
        return st.error();
    }
    s.height = int(h.value());
    s.video_bitrate = vb.value();
    return s;
}

Result<int64_t> csv_number(std::string_view token, std::string_view field)
{
    token = trim(token);
    int64_t v = 0;
    auto [end, ec] =
        std::from_chars(token.data(), token.data() + token.size(), v);
    if (token.empty() || ec != std::errc()
        || end != token.data() + token.size()) {
        return field_error(field,
                           "'" + std::string(token) + "' is not an integer");
    }
    return v;
}

// Ant Media's older form: height,videoBitrate,audioBitrate triples.
Result<std::vector<RenditionSpec>> parse_csv(std::string_view text,
                                             std::string_view field)
{
    std::vector<std::string_view> tokens;
    for (;;) {
        size_t comma = text.find(',');
        tokens.push_back(text.substr(0, comma));
        if (comma == std::string_view::npos) {
            break;
        }
        text.remove_prefix(comma + 1);
    }
    if (tokens.size() % 3 != 0) {
        return field_error(field,
                           "the CSV form is height,videoBitrate,audioBitrate "
                           "triples; got "
                               + std::to_string(tokens.size()) + " values");
    }
    if (tokens.size() / 3 > kMaxRenditions) {
        return field_error(
            field, "at most " + std::to_string(kMaxRenditions) + " renditions");
    }
    static const std::array<const char*, 3> keys = {"height", "videoBitrate",
                                                    "audioBitrate"};
    std::vector<RenditionSpec> out;
    for (size_t i = 0; i < tokens.size() / 3; i++) {
        std::array<int64_t, 3> v{};
        for (size_t k = 0; k < 3; k++) {
            auto n =
                csv_number(tokens[3 * i + k], entry_field(field, i, keys[k]));
            if (!n) {
                return n.error();
            }
            v[k] = n.value();
        }
        if (Status st = check_height(v[0], entry_field(field, i, "height"));
            !st) {
            return st.error();
        }
        out.push_back(RenditionSpec{int(v[0]), v[1], v[2], false});
    }
    return out;
}

}  // namespace

Status check_renditions(const std::vector<RenditionSpec>& renditions,
                        std::string_view field)
{
    if (renditions.size() > kMaxRenditions) {
        return field_error(
            field, "at most " + std::to_string(kMaxRenditions) + " renditions");
    }
    for (size_t i = 0; i < renditions.size(); i++) {
        const RenditionSpec& s = renditions[i];
        Status st = check_height(s.height, entry_field(field, i, "height"));
        if (st) {
            st = check_bitrate(s.video_bitrate, false,
                               entry_field(field, i, "videoBitrate"));
        }
        if (st) {
            st = check_bitrate(s.audio_bitrate, true,
                               entry_field(field, i, "audioBitrate"));
        }
        if (!st) {
            return st;
        }
        for (size_t j = 0; j < i; j++) {
            if (renditions[j].height == s.height) {
                return field_error(entry_field(field, i, "height"),
                                   std::to_string(s.height)
                                       + " is already the height of "
                                       + entry_field(field, j, ""));
            }
        }
    }
    return {};
}

Result<std::vector<RenditionSpec>> parse_encoder_settings_json(
    const json& list, std::string_view field)
{
    if (!list.is_array()) {
        return field_error(field,
                           "must be a JSON list of {height, "
                           "videoBitrate, audioBitrate, forceEncode}");
    }
    if (list.size() > kMaxRenditions) {
        return field_error(
            field, "at most " + std::to_string(kMaxRenditions) + " renditions");
    }
    std::vector<RenditionSpec> out;
    for (size_t i = 0; i < list.size(); i++) {
        auto e = parse_entry(list[i], field, i);
        if (!e) {
            return e.error();
        }
        out.push_back(e.value());
    }
    if (Status st = check_renditions(out, field); !st) {
        return st.error();
    }
    return out;
}

Result<std::vector<RenditionSpec>> parse_encoder_settings(
    std::string_view text, std::string_view field)
{
    text = trim(text);
    if (text.empty()) {
        return std::vector<RenditionSpec>{};
    }
    char c = text.front();
    if ((c >= '0' && c <= '9') || c == '-' || c == '+') {
        auto csv = parse_csv(text, field);
        if (!csv) {
            return csv.error();
        }
        if (Status st = check_renditions(csv.value(), field); !st) {
            return st.error();
        }
        return csv;
    }
    json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded()) {
        return field_error(field,
                           "is neither a JSON list nor CSV triples "
                           "(height,videoBitrate,audioBitrate,...)");
    }
    return parse_encoder_settings_json(parsed, field);
}

json encoder_settings_to_json(const std::vector<RenditionSpec>& renditions)
{
    json out = json::array();
    for (const RenditionSpec& s : renditions) {
        json e = json::object();
        e["height"] = s.height;
        e["videoBitrate"] = s.video_bitrate;
        e["audioBitrate"] = s.audio_bitrate;
        e["forceEncode"] = s.force_encode;
        out.push_back(std::move(e));
    }
    return out;
}

std::string encoder_settings_to_string(
    const std::vector<RenditionSpec>& renditions)
{
    if (renditions.empty()) {
        return "";
    }
    // nlohmann sorts object keys; Ant Media writes height first.  Built by
    // hand so the text reads as Ant Media's does.
    std::string out = "[";
    for (const RenditionSpec& s : renditions) {
        if (out.size() > 1) {
            out += ",";
        }
        out += "{\"height\":" + std::to_string(s.height)
               + ",\"videoBitrate\":" + std::to_string(s.video_bitrate)
               + ",\"audioBitrate\":" + std::to_string(s.audio_bitrate)
               + ",\"forceEncode\":" + (s.force_encode ? "true" : "false")
               + "}";
    }
    return out + "]";
}

namespace {

// x264's presets, fastest first.
constexpr std::array<std::string_view, 10> kPresets = {
    "ultrafast", "superfast", "veryfast", "faster",   "fast",
    "medium",    "slow",      "slower",   "veryslow", "placebo"};

}  // namespace

Result<std::string> parse_encoder_preset(std::string_view text,
                                         std::string_view field)
{
    for (std::string_view p : kPresets) {
        if (p == text) {
            return std::string(p);
        }
    }
    return field_error(field,
                       "'" + std::string(text)
                           + "' is not an x264 preset (ultrafast, superfast, "
                             "veryfast, faster, fast, medium, slow, slower, "
                             "veryslow, placebo)");
}

Result<EncoderPreference> parse_encoder_preference(std::string_view text,
                                                   std::string_view field)
{
    if (text == "cpu") {
        return EncoderPreference::cpu;
    }
    if (text == "gpu_and_cpu") {
        return EncoderPreference::gpu_and_cpu;
    }
    return field_error(
        field, "'" + std::string(text) + "' must be cpu or gpu_and_cpu");
}

std::string_view preference_name(EncoderPreference p)
{
    return p == EncoderPreference::gpu_and_cpu ? "gpu_and_cpu" : "cpu";
}

namespace {

Error range_error(std::string_view field, int lo, int hi)
{
    return field_error(field, "must be an integer from " + std::to_string(lo)
                                  + " to " + std::to_string(hi));
}

}  // namespace

Result<int> parse_int_setting(std::string_view text, std::string_view field,
                              int lo, int hi)
{
    text = trim(text);
    int v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()
        || v < lo || v > hi) {
        return range_error(field, lo, hi);
    }
    return v;
}

Result<int> json_int_setting(const json& v, std::string_view field, int lo,
                             int hi)
{
    auto n = json_integer(v, field);
    if (!n || n.value() < lo || n.value() > hi) {
        return range_error(field, lo, hi);
    }
    return int(n.value());
}

std::string rendition_name(const RenditionSpec& spec)
{
    return std::to_string(spec.height) + "p"
           + std::to_string(spec.video_bitrate / 1000) + "kbps";
}

namespace {

// The source's width scaled to `height`, rounded to the nearest even
// number, at least 2.
int64_t scaled_width(int src_width, int src_height, int height)
{
    int64_t num = int64_t(src_width) * height;
    int64_t pairs = (num + src_height) / (2 * int64_t(src_height));
    return std::max<int64_t>(2, 2 * pairs);
}

}  // namespace

RenditionSelection select_renditions(const Ladder& ladder, int src_width,
                                     int src_height)
{
    RenditionSelection out;
    for (const RenditionSpec& s : ladder.renditions) {
        if (src_width <= 0 || src_height <= 0) {
            out.skipped.push_back({s, "the source's size is unknown"});
            continue;
        }
        if (s.height > src_height && !s.force_encode) {
            out.skipped.push_back({s, "above the source's "
                                          + std::to_string(src_height)
                                          + "p; forceEncode is false"});
            continue;
        }
        int64_t width = scaled_width(src_width, src_height, s.height);
        if (width > kMaxWidth) {
            out.skipped.push_back({s, "its width would be "
                                          + std::to_string(width) + " > "
                                          + std::to_string(kMaxWidth)});
            continue;
        }
        out.kept.push_back(
            Rendition{s, int(width), s.height, rendition_name(s)});
    }
    std::stable_sort(out.kept.begin(), out.kept.end(),
                     [](const Rendition& a, const Rendition& b) {
                         return a.height > b.height;
                     });
    return out;
}

std::string describe_skipped(const std::vector<SkippedRendition>& skipped)
{
    std::string out;
    for (const SkippedRendition& s : skipped) {
        out += out.empty() ? "skipped " : "; skipped ";
        out += rendition_name(s.spec) + " (" + s.reason + ")";
    }
    return out;
}

}  // namespace fanout::transcode
