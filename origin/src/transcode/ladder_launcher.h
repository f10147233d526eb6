// transcode/ladder_launcher.h — starts a stream's transcoder once the
// source's size is known.
//
// Which renditions a source gets depends on its size (a rendition above
// the source is skipped unless forceEncode: select_renditions in
// ladder_settings.h), and the size comes with the first video config.  So
// the app subscribes a LadderLauncher to the stream's hub at publish
// (before any media), giving it how to choose the renditions and how to
// open each rendition's sink (the segment store's packager under the
// rendition's name); on the first video config it opens them and starts a
// TranscodeWorker on the same hub.  It is a loop sink that does nothing
// else: the worker's own subscriptions get the configs from the hub's
// replay, and every frame after.
//
// Loop thread only, as every hub sink.  The hub keeps it (and so the
// worker handle) until the stream ends.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "hub/hub.h"
#include "transcode/transcode_worker.h"

namespace fanout::transcode {

struct LadderPlan {
    TranscoderOptions options;
    // The renditions for a source of width x height; empty: none.
    std::function<std::vector<Rendition>(int width, int height)> select;
    // A rendition's sink; null: that rendition is left out.
    std::function<std::shared_ptr<media::StreamSink>(const Rendition&)> open;
};

class LadderLauncher : public media::StreamSink {
public:
    // hub must outlive the launcher (it does when the hub holds it).
    LadderLauncher(hub::Hub& hub, LadderPlan plan);

    void on_video_config(const media::VideoConfig& config) override;
    void on_audio_config(const media::AudioConfig&) override {}
    void on_frame(const media::Frame&) override {}
    void on_end() override {}

    // Null until started (or when the source got no rendition).  Its
    // stats() may be read from any thread.
    TranscodeWorker* worker() const { return worker_.get(); }

private:
    hub::Hub& hub_;
    LadderPlan plan_;
    bool decided_ = false;
    std::unique_ptr<TranscodeWorker> worker_;
};

}  // namespace fanout::transcode
