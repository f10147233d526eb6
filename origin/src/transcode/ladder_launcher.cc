// transcode/ladder_launcher.cc — see ladder_launcher.h.
#include "transcode/ladder_launcher.h"

#include <string>
#include <utility>

#include "core/log.h"

namespace fanout::transcode {

LadderLauncher::LadderLauncher(hub::Hub& hub, LadderPlan plan)
    : hub_(hub), plan_(std::move(plan))
{
}

// Once per publish: a later config (the publisher changed resolution)
// keeps the renditions chosen (the transcoder scales any size).
void LadderLauncher::on_video_config(const media::VideoConfig& config)
{
    if (decided_) return;
    decided_ = true;
    std::vector<RenditionOutput> outputs;
    for (const Rendition& r : plan_.select(config.width, config.height)) {
        std::shared_ptr<media::StreamSink> sink = plan_.open(r);
        if (sink) outputs.push_back({r, std::move(sink)});
    }
    if (outputs.empty()) {
        log::info("transcode " + plan_.options.stream + ": no rendition for "
                  + std::to_string(config.width) + "x"
                  + std::to_string(config.height) + "; passthrough only");
        return;
    }
    // Subscribing from inside the hub's fan-out is allowed: the new sinks
    // get this config from the hub's replay, and the next item after it.
    worker_ = TranscodeWorker::start(hub_, plan_.options, std::move(outputs));
}

}  // namespace fanout::transcode
