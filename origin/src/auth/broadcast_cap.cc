#include "auth/broadcast_cap.h"

namespace fanout::auth {

CapCheck cap_decision(int64_t count, int64_t max)
{
    return max > 0 && count >= max ? CapCheck::Full : CapCheck::Ok;
}

CapVerdict check_broadcast_cap(fo_store* store, const std::string& app,
                               int64_t max)
{
    CapVerdict v;
    if (max <= 0) {
        return v;
    }
    fo_error err{};
    if (fo_broadcast_count(store, app.c_str(), nullptr, &v.count, &err)
        != FO_OK) {
        v.check = CapCheck::Unavailable;
        v.why = std::string("store: ") + err.msg;
        return v;
    }
    v.check = cap_decision(v.count, max);
    if (v.check == CapCheck::Full) {
        v.why = "application " + app + " holds " + std::to_string(v.count)
                + " broadcasts, its limit (broadcast.max_per_app = "
                + std::to_string(max) + ")";
    }
    return v;
}

CapVerdict check_publish_cap(fo_store* store, const StreamKey& key, int64_t max)
{
    if (max <= 0) {
        return {};
    }
    fo_origin owner;
    fo_error err{};
    fo_status st =
        fo_stream_lookup(store, key.app.c_str(), key.id.c_str(), &owner, &err);
    if (st == FO_OK) {
        return {};  // the record exists: the claim makes no new one
    }
    if (st != FO_NOT_FOUND) {
        return {CapCheck::Unavailable, 0, std::string("store: ") + err.msg};
    }
    return check_broadcast_cap(store, key.app, max);
}

}  // namespace fanout::auth
