#include "core/stream_key.h"

#include "fanout/store.h"

namespace fanout {

bool valid_stream_id(std::string_view id)
{
    return fo_valid_id_len(id.data(), id.size(), FO_STREAM_MAX) != 0;
}

bool valid_app_name(std::string_view app)
{
    return fo_valid_id_len(app.data(), app.size(), FO_ID_MAX) != 0;
}

Result<StreamKey> StreamKey::parse(std::string_view app, std::string_view id)
{
    if (!valid_app_name(app)) {
        return Error("invalid application name");
    }
    if (!valid_stream_id(id)) {
        return Error("invalid stream id");
    }
    return StreamKey{std::string(app), std::string(id)};
}

}  // namespace fanout
