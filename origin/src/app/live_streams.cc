#include "app/live_streams.h"

#include <memory>
#include <utility>

#include "app/live_figures.h"
#include "core/log.h"
#include "hub/ingest_meter.h"
#include "package/segment_store.h"
#include "transcode/app_settings_store.h"
#include "transcode/ladder_launcher.h"
#include "transcode/ladder_settings.h"

namespace fanout {

LiveStreams::LiveStreams(OriginContext& ctx, PublishGate& gate,
                         hub::HubOptions options)
    : ctx_(ctx), gate_(gate), options_(options)
{
}

void LiveStreams::authorize(const ingest::PublishRequest& request,
                            std::function<void(ingest::PublishDecision)> done)
{
    gate_.admit(request,
                [this, done = std::move(done)](Result<Admission> admitted) {
                    if (!admitted) {
                        done(admitted.error());
                        return;
                    }
                    load_ladder(admitted.value(), std::move(done));
                });
}

// The app's ladder for this publish (the store's settings over
// origin.properties'), read on the membership lane like the claim; a
// store that cannot answer leaves origin.properties' ladder.
void LiveStreams::load_ladder(const Admission& a,
                              std::function<void(ingest::PublishDecision)> done)
{
    fo_store* store = ctx_.cluster_handle();
    ctx_.cluster_lane().run(
        [store, &config = ctx_.config, app = a.key.app] {
            return transcode::load_effective_ladder(store, config, app);
        },
        [this, a, done = std::move(done)](Result<transcode::Ladder> ladder) {
            if (gate_.live_session(a.key) != a.session_id) {
                done(Error("stream " + a.key.str() + " was released"));
                return;
            }
            if (!ladder) {
                log::warn("publish " + a.key.str() + ": "
                          + ladder.error().message()
                          + "; using origin.properties' ladder");
            }
            done(std::shared_ptr<media::StreamSink>(
                open(a, ladder ? ladder.value() : ctx_.config.ladder)));
        });
}

std::shared_ptr<hub::Hub> LiveStreams::open(const Admission& a,
                                            const transcode::Ladder& ladder)
{
    PublishGate& gate = gate_;
    auto hub = std::make_shared<hub::Hub>(
        a.key, options_, &ctx_.metrics,
        [&gate, key = a.key, session = a.session_id] {
            gate.ended(key, session);
        });
    hub->subscribe(
        ctx_.segments.open(a.key, a.session_id, a.from, a.hls_time_ms));
    auto meter = std::make_shared<hub::IngestMeter>();
    hub->subscribe(meter);
    std::weak_ptr<transcode::LadderLauncher> launcher;
    if (!ladder.renditions.empty()) {
        auto l = std::make_shared<transcode::LadderLauncher>(
            *hub, ladder_plan(a, ladder));
        launcher = l;
        hub->subscribe(std::move(l));
    }
    // Read on the loop at each heartbeat (app/live_figures.h).  The gate
    // drops it when the publish ends; the hub keeps the launcher.
    gate_.attach_rates(a.key, a.session_id, [meter, launcher] {
        hub::IngestRate in = meter->take_rate();
        double transcoded = 0;
        if (auto l = launcher.lock(); l && l->worker() != nullptr)
            transcoded = l->worker()->stats().speed;
        return live_rates(in.bitrate, in.speed, transcoded);
    });
    return hub;
}

// The stream's renditions: chosen for the source's size when its first
// video config comes, each packaged in the segment store under its name
// with the source's session and numbering (so the master playlist lists
// it, and segment n of every rendition has the same number).
transcode::LadderPlan LiveStreams::ladder_plan(const Admission& a,
                                               const transcode::Ladder& ladder)
{
    transcode::LadderPlan plan;
    plan.options.ladder = ladder;
    plan.options.hls_time_ms = a.hls_time_ms;
    plan.options.metrics = &ctx_.metrics;
    plan.options.stream = a.key.str();
    plan.select = [ladder, stream = a.key.str()](int width, int height) {
        transcode::RenditionSelection sel =
            transcode::select_renditions(ladder, width, height);
        if (!sel.skipped.empty())
            log::info("transcode " + stream + ": "
                      + transcode::describe_skipped(sel.skipped));
        return sel.kept;
    };
    package::SegmentStore& segments = ctx_.segments;
    plan.open = [&segments, key = a.key, session = a.session_id, from = a.from,
                 hls_time_ms = a.hls_time_ms](const transcode::Rendition& r) {
        return segments.open(key, r.name, session, from, hls_time_ms);
    };
    return plan;
}

}  // namespace fanout
