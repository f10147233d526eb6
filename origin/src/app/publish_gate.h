// app/publish_gate.h — decides whether a publish may start (admission),
// and keeps the cluster store's record of it true: claim on publish (a
// stream live on another alive origin is refused), release when it ends,
// and re-claim what the store missed while it was unreachable (ingest
// never waits for it).  It forwards no media: an admitted publish gets its
// hub from app/live_streams.h.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "cluster/webhooks.h"
#include "core/error.h"
#include "core/origin_context.h"
#include "core/stream_key.h"
#include "ingest/publish_control.h"

namespace fanout {

// An admitted publish: ended(key, session_id) when it is over.
struct Admission {
    StreamKey key;
    std::string session_id;
};

class PublishGate {
public:
    PublishGate(OriginContext& ctx, cluster::Webhooks& hooks);

    // Called on the event loop; never blocks.  done is called exactly once
    // on the event loop, possibly later (the store is asked on a worker
    // thread).  Refused: an unknown application, a stream already live on
    // this origin, or (store CONFLICT) on another alive origin.  A store
    // that cannot answer does not refuse: the publish goes on unclaimed,
    // and reconcile() claims it when the store is back.
    void admit(const ingest::PublishRequest& request,
               std::function<void(Result<Admission>)> done);

    // The admitted publish is over: its claim is released (on a worker
    // thread).  A session that is no longer the stream's is ignored.
    void ended(const StreamKey& key, const std::string& session_id);

    // Publishes live on this origin now.
    int32_t active() const { return static_cast<int32_t>(live_.size()); }

    // After each heartbeat: claims the sessions that started while the
    // store was unreachable.
    void reconcile(bool store_ok);

    // Blocking, at shutdown: releases every live claim.
    void release_all_blocking();

    struct Live {
        StreamKey key;
        std::string session_id;
        bool claimed = false;
        bool claiming = false;
    };

private:
    struct ClaimResult {
        fo_status status = FO_OK;
        std::string message;
    };

    // Asks the store on a worker thread; done(result) on the loop.
    void claim(const Live& live, std::function<void(ClaimResult)> done);
    void claimed(const StreamKey& key, const ingest::PublishRequest& req,
                 ClaimResult r, std::function<void(Result<Admission>)> done);
    void reclaimed(const StreamKey& key, const std::string& session,
                   ClaimResult r);

    OriginContext& ctx_;
    cluster::Webhooks& hooks_;
    std::map<StreamKey, Live> live_;
    bool store_was_ok_ = true;
};

}  // namespace fanout
