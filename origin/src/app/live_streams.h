// app/live_streams.h — the origin's answer to a publish: the gate admits
// it (app/publish_gate.h); the app's ladder is read (transcode/
// app_settings_store.h); then the stream gets its hub (hub/hub.h) with
// the source rendition's packager subscribed (package/segment_store.h)
// and, with a ladder, a LadderLauncher (transcode/ladder_launcher.h) that
// starts the transcoder, a packager per rendition, on the first video
// config; the hub is the sink the ingest session feeds.  When the hub ends,
// the gate releases the admission.
#pragma once

#include <functional>

#include "app/publish_gate.h"
#include "core/origin_context.h"
#include "hub/hub.h"
#include "ingest/publish_control.h"
#include "transcode/ladder_launcher.h"

namespace fanout {

class LiveStreams : public ingest::PublishControl {
public:
    // ctx and gate outlive every hub made here.
    LiveStreams(OriginContext& ctx, PublishGate& gate,
                hub::HubOptions options = {});

    void authorize(const ingest::PublishRequest& request,
                   std::function<void(ingest::PublishDecision)> done) override;

private:
    void load_ladder(const Admission& admission,
                     std::function<void(ingest::PublishDecision)> done);
    std::shared_ptr<hub::Hub> open(const Admission& admission,
                                   const transcode::Ladder& ladder);
    transcode::LadderPlan ladder_plan(const Admission& admission,
                                      const transcode::Ladder& ladder);

    OriginContext& ctx_;
    PublishGate& gate_;
    hub::HubOptions options_;
};

}  // namespace fanout
