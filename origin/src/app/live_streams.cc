#include "app/live_streams.h"

#include <memory>
#include <utility>

#include "package/segment_store.h"

namespace fanout {

LiveStreams::LiveStreams(OriginContext& ctx, PublishGate& gate,
                         hub::HubOptions options)
    : ctx_(ctx), gate_(gate), options_(options)
{
}

void LiveStreams::authorize(const ingest::PublishRequest& request,
                            std::function<void(ingest::PublishDecision)> done)
{
    gate_.admit(
        request, [this, done = std::move(done)](Result<Admission> admitted) {
            if (!admitted) {
                done(admitted.error());
                return;
            }
            done(std::shared_ptr<media::StreamSink>(open(admitted.value())));
        });
}

std::shared_ptr<hub::Hub> LiveStreams::open(const Admission& a)
{
    PublishGate& gate = gate_;
    auto hub = std::make_shared<hub::Hub>(
        a.key, options_, &ctx_.metrics,
        [&gate, key = a.key, session = a.session_id] {
            gate.ended(key, session);
        });
    hub->subscribe(ctx_.segments.open(a.key, a.session_id, a.from));
    return hub;
}

}  // namespace fanout
