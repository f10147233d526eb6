#include "transcode/app_settings_store.h"

#include <cstring>

#include "transcode/app_settings.h"

namespace fanout::transcode {

StoredSettings read_app_settings(fo_store* store, const std::string& app)
{
    StoredSettings out;
    std::string buf(FO_EXTRA_MAX, '\0');
    out.status = fo_app_settings_get(store, app.c_str(), buf.data(), buf.size(),
                                     &out.err);
    if (out.status == FO_OK) {
        buf.resize(std::strlen(buf.c_str()));
        out.json = std::move(buf);
    }
    return out;
}

Result<Ladder> load_effective_ladder(fo_store* store, const Config& config,
                                     const std::string& app)
{
    StoredSettings s = read_app_settings(store, app);
    if (s.status != FO_OK && s.status != FO_NOT_FOUND) {
        return Error(app + ": app settings: " + s.err.msg);
    }
    auto ladder = effective_ladder(config, s.json);
    if (!ladder) {
        return ladder.error().wrap(app);
    }
    return ladder;
}

}  // namespace fanout::transcode
