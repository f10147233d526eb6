// app/publish_gate.h — decides whether a publish may start, and keeps the
// cluster store's record of it true: claim on publish (a stream live on
// another alive origin is refused), release on unpublish, and re-claim what
// the store missed while it was unreachable (ingest never waits for it).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "core/origin_context.h"
#include "cluster/webhooks.h"
#include "ingest/publish_control.h"

namespace fanout {

class PublishGate : public ingest::PublishControl {
public:
    PublishGate(OriginContext& ctx, cluster::Webhooks& hooks);

    void authorize(const ingest::PublishRequest& request,
                   std::function<void(ingest::PublishDecision)> done) override;

    // Publishes live on this origin now.
    int32_t active() const { return static_cast<int32_t>(live_.size()); }

    // After each heartbeat: claims the sessions that started while the
    // store was unreachable.
    void reconcile(bool store_ok);

    // Blocking, at shutdown: releases every live claim.
    void release_all_blocking();

    struct Live {
        std::string app, stream_id, session_id;
        bool claimed = false;
        bool claiming = false;
    };

private:
    friend class GateSink;
    void ended(const std::string& key, const std::string& session_id);
    fo_claim claim_of(const Live& live) const;

    OriginContext& ctx_;
    cluster::Webhooks& hooks_;
    std::map<std::string, Live> live_;   // "app/stream" → live publish
    bool store_was_ok_ = true;
};

}  // namespace fanout
