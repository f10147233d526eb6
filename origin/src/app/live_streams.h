// app/live_streams.h — the origin's answer to a publish: the gate admits
// it (app/publish_gate.h); then the stream gets its hub (hub/hub.h) with
// the source rendition's packager subscribed (package/segment_store.h),
// and the hub is the sink the ingest session feeds.  When the hub ends,
// the gate releases the admission.
#pragma once

#include <functional>

#include "app/publish_gate.h"
#include "core/origin_context.h"
#include "hub/hub.h"
#include "ingest/publish_control.h"

namespace fanout {

class LiveStreams : public ingest::PublishControl {
public:
    // ctx and gate outlive every hub made here.
    LiveStreams(OriginContext& ctx, PublishGate& gate,
                hub::HubOptions options = {});

    void authorize(const ingest::PublishRequest& request,
                   std::function<void(ingest::PublishDecision)> done) override;

private:
    std::shared_ptr<hub::Hub> open(const Admission& admission);

    OriginContext& ctx_;
    PublishGate& gate_;
    hub::HubOptions options_;
};

}  // namespace fanout
