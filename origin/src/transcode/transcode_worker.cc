// transcode/transcode_worker.cc — see transcode_worker.h.
#include "transcode/transcode_worker.h"

#include <utility>

namespace fanout::transcode {

struct TranscodeWorker::State {
    std::shared_ptr<hub::SinkQueue> queue;
    std::unique_ptr<Transcoder> transcoder;
    std::mutex mu;
    std::condition_variable done_cv;
    bool done = false;
};

TranscodeWorker::TranscodeWorker(std::shared_ptr<State> state)
    : state_(std::move(state))
{
}

std::unique_ptr<TranscodeWorker> TranscodeWorker::start(
    hub::Hub& hub, TranscoderOptions options,
    std::vector<RenditionOutput> outputs)
{
    auto starts = std::make_shared<SegmentStarts>(options.hls_time_ms);
    hub.subscribe(starts);  // before the queue: see segment_starts.h
    auto state = std::make_shared<State>();
    state->transcoder = std::make_unique<Transcoder>(
        std::move(options), std::move(outputs), starts);
    state->queue = hub.subscribe_queued();
    std::thread([state] {
        while (state->queue->drain(
            *state->transcoder,
            std::chrono::steady_clock::now() + std::chrono::seconds(1))) {
        }
        state->transcoder->on_end();  // after close(): end the renditions
        std::lock_guard lock(state->mu);
        state->done = true;
        state->done_cv.notify_all();
    }).detach();
    return std::unique_ptr<TranscodeWorker>(new TranscodeWorker(state));
}

TranscodeWorker::~TranscodeWorker() = default;

void TranscodeWorker::close()
{
    state_->queue->close();
}

bool TranscodeWorker::wait(std::chrono::milliseconds timeout)
{
    std::unique_lock lock(state_->mu);
    return state_->done_cv.wait_for(lock, timeout,
                                    [this] { return state_->done; });
}

TranscodeStats TranscodeWorker::stats() const
{
    return state_->transcoder->stats();
}

uint64_t TranscodeWorker::queue_dropped_frames() const
{
    return state_->queue->dropped_frames();
}

}  // namespace fanout::transcode
