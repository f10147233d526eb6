// transcode/transcode_worker.h — a stream's transcoder on a thread of its
// own, fed by the hub without ever holding up the event loop.  Clock and
// metrics in the options must outlive the thread (wait() for it), as
// Clock::real() and the origin's Metrics do.
//
// start() (on the loop) subscribes, in this order, the segment rule
// (segment_starts.h, a loop sink doing a few integer compares per frame)
// and a SinkQueue (hub/sink_queue.h), then starts one worker thread that
// drains the queue into a Transcoder.  The thread ends by itself after
// the stream's end (every rendition got on_end) or after close().
//
// Thread budget per stream: this worker thread (decode, scale, audio,
// packaging of the renditions if their sinks package) + each encoder's
// threads (Ladder::threads; libx264's own default when 0).
//
// Memory bound per stream: the hub's queue (HubOptions::queue_max_bytes,
// 16 MiB by default, and queue_max_delay 5 s) + the decoder's reference
// pictures (at most 16 + 1 source pictures: 1.4 MiB each at 720p, 3 MiB at
// 1080p) + per rendition one scaled picture and libx264's frames
// (lookahead + threads + refs, about rc_lookahead 10 + 2×threads + 3 for
// veryfast; 0.45 MiB each at 480p) + at most kAudioHoldMs of AAC.  For a
// 720p source and the 480p/360p/240p ladder with 2 encoder threads, about
// 16 + 24 + 3×(15×0.45) ≈ 60 MiB worst case, ~25 MiB when keeping up.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "hub/hub.h"
#include "transcode/transcoder.h"

namespace fanout::transcode {

class TranscodeWorker {
public:
    // On the hub's loop.  The sinks are called on the worker thread.
    static std::unique_ptr<TranscodeWorker> start(
        hub::Hub& hub, TranscoderOptions options,
        std::vector<RenditionOutput> outputs);
    // Never blocks, stops nothing: the thread drains what the hub queues
    // through the stream's end (the hub always ends: ~Hub calls on_end),
    // ends every rendition, and frees what it holds.
    ~TranscodeWorker();

    // Stop early (the stream was withdrawn): the worker drops what is
    // queued and takes nothing more; every rendition gets on_end.  Any
    // thread; never blocks.
    void close();
    // Until the thread has finished, or the timeout (false).  For tests
    // and orderly shutdown, never on the loop.
    bool wait(std::chrono::milliseconds timeout);

    TranscodeStats stats() const;
    // Frames the hub's queue dropped because the worker fell behind.
    uint64_t queue_dropped_frames() const;

private:
    struct State;
    explicit TranscodeWorker(std::shared_ptr<State> state);
    std::shared_ptr<State> state_;
};

}  // namespace fanout::transcode
