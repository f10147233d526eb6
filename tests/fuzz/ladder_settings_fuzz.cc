// libFuzzer target: the ladder settings parser (encoderSettingsString's
// JSON and CSV forms), a REST PUT body over a stored document, and
// select_renditions.
//
//   tests/fuzz/run.sh ladder_settings 60 build/fuzz
//
// Besides "no crash", it checks the parser's contract: what it accepts
// obeys the ladder's rules and survives its own canonical text unchanged;
// a PUT it accepts reads back (effective_ladder) as the ladder it
// computed, and an hlsTime it stores reads back (effective_hls_time_s)
// within 1..60; the renditions kept for a source are sorted, even-sized and
// within bounds, and none is lost (kept + skipped = the ladder).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "package/hls_time_setting.h"
#include "transcode/app_settings.h"
#include "transcode/ladder_settings.h"

using namespace fanout;
using namespace fanout::transcode;

namespace {

void check(bool ok)
{
    if (!ok) {
        std::abort();
    }
}

void check_selection(const Ladder& ladder, int w, int h)
{
    RenditionSelection s = select_renditions(ladder, w, h);
    check(s.kept.size() + s.skipped.size() == ladder.renditions.size());
    for (size_t i = 0; i < s.kept.size(); i++) {
        const Rendition& r = s.kept[i];
        check(r.width >= 2 && r.width % 2 == 0 && r.width <= kMaxWidth);
        check(r.height == r.spec.height && r.name == rendition_name(r.spec));
        check(r.height <= h || r.spec.force_encode);
        check(i == 0 || s.kept[i - 1].height > r.height);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    std::string_view in(reinterpret_cast<const char*>(data), size);

    auto parsed = parse_encoder_settings(in);
    if (parsed.ok()) {
        check(check_renditions(parsed.value(), "x").ok());
        auto again =
            parse_encoder_settings(encoder_settings_to_string(parsed.value()));
        check(again.ok() && again.value() == parsed.value());
        Ladder ladder;
        ladder.renditions = parsed.value();
        for (auto [w, h] : {std::pair{1280, 720}, std::pair{720, 1280},
                            std::pair{0, 0}, std::pair{16, 2}}) {
            check_selection(ladder, w, h);
        }
    } else {
        check(parsed.error().message().rfind("encoderSettingsString", 0) == 0);
    }

    Config config;
    config.ladder.renditions = {{480, 1200000, 0, false}};
    auto put = apply_settings_put(config, R"({"gopSize":5})", in);
    if (put.ok()) {
        std::string doc = put->stored.dump();
        auto back = effective_ladder(config, doc);
        check(back.ok() && back.value() == put->effective);
        check(settings_to_json("LiveApp", config, put->effective).is_object());
    }
    // hlsTime (package/hls_time_setting.h), from the same body.
    nlohmann::json body = nlohmann::json::parse(in, nullptr, false);
    nlohmann::json stored = nlohmann::json::object();
    if (package::apply_hls_time_put(stored, body).ok()) {
        auto t = package::effective_hls_time_s(2, stored.dump());
        check(t.ok() && t.value() >= package::kMinHlsTimeS
              && t.value() <= package::kMaxHlsTimeS);
    } else {
        check(stored.empty());
    }
    // A stored document is read the same way, whatever it holds.
    (void)effective_ladder(config, in);
    (void)package::effective_hls_time_s(2, in);
    return 0;
}
