#include "app/claim_jobs.h"

#include <chrono>
#include <cstring>

namespace fanout::app_jobs {

namespace {

int64_t wall_ms()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// Who owns the stream now, from a lookup.
PublishGate::Standing standing_by_lookup(fo_store* store, const StreamKey& key,
                                         const std::string& session)
{
    fo_origin o{};
    fo_error err{};
    fo_status st =
        fo_stream_lookup(store, key.app.c_str(), key.id.c_str(), &o, &err);
    if (st == FO_NOT_FOUND) {
        return PublishGate::Standing::Unclaimed;  // deleted through REST
    }
    if (st != FO_OK) {
        return PublishGate::Standing::Unknown;
    }
    if (std::strcmp(o.status, "broadcasting") != 0) {
        return PublishGate::Standing::Unclaimed;
    }
    return session == o.session_id ? PublishGate::Standing::Kept
                                   : PublishGate::Standing::Lost;
}

}  // namespace

PublishGate::ClaimResult claim(fo_store* store, const fo_claim& c)
{
    PublishGate::ClaimResult r;
    std::string before;  // the broadcasting session, if another
    if (c.take_over_session != nullptr) {
        before = c.take_over_session;
    } else {
        fo_origin o{};
        fo_error e{};
        if (fo_stream_lookup(store, c.app, c.stream_id, &o, &e) == FO_OK
            && std::strcmp(o.status, "broadcasting") == 0
            && std::strcmp(o.session_id, c.session_id) != 0) {
            before = o.session_id;
        }
    }
    fo_error err{};
    r.status = fo_stream_claim(store, &c, &err);
    r.message = err.msg;
    if (r.status == FO_OK) {
        r.replaced = before;
        fo_error e{};
        // Zero progress (a first publish) when it cannot be read.
        if (fo_stream_progress_get(store, c.app, c.stream_id, &r.progress, &e)
            != FO_OK) {
            std::memset(&r.progress, 0, sizeof(r.progress));
        }
        if (fo_store_now(store, &r.now_ms, &e) != FO_OK) {
            r.now_ms = wall_ms();
        }
    } else if (r.status == FO_CONFLICT && c.take_over_session == nullptr) {
        fo_error e{};
        r.have_owner =
            fo_stream_lookup(store, c.app, c.stream_id, &r.owner, &e) == FO_OK;
    }
    return r;
}

PublishGate::Standing write_progress(fo_store* store,
                                     const package::SegmentStore& segments,
                                     const StreamKey& key,
                                     const std::string& session,
                                     const LiveRates& rates)
{
    std::optional<fo_progress> p = segments.progress(key, session);
    if (!p) {
        return standing_by_lookup(store, key, session);
    }
    put_live_figures(rates, renditions_json(segments.renditions(key, session)),
                     &*p);
    fo_error err{};
    fo_status st = fo_stream_progress_put(
        store, key.app.c_str(), key.id.c_str(), session.c_str(), &*p, &err);
    switch (st) {
        case FO_OK:
            return PublishGate::Standing::Kept;
        case FO_CONFLICT:
        case FO_NOT_FOUND:
            // Taken over, or only reaped: the lookup tells which.
            return standing_by_lookup(store, key, session);
        default:
            return PublishGate::Standing::Unknown;
    }
}

std::pair<fo_status, std::string> finish(fo_store* store,
                                         const package::SegmentStore& segments,
                                         const StreamKey& key,
                                         const std::string& session)
{
    if (std::optional<fo_progress> p = segments.progress(key, session)) {
        fo_error err{};
        fo_stream_progress_put(store, key.app.c_str(), key.id.c_str(),
                               session.c_str(), &*p, &err);
    }
    fo_error err{};
    fo_status st = fo_stream_release(store, key.app.c_str(), key.id.c_str(),
                                     session.c_str(), &err);
    return {st, err.msg};
}

}  // namespace fanout::app_jobs
