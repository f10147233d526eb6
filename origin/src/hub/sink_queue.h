// hub/sink_queue.h — the inbox of a sink that runs on a worker thread (a
// transcoder, a recorder): filled by the hub on the event loop, emptied by
// one worker thread, which calls its own sink there.
//
// The loop never waits for the worker: push() takes a mutex that guards
// only the queue's own bookkeeping (never a sink call, never I/O), so it is
// held for the time of a deque operation by either side.
//
// Bounded twice: at most max_bytes of queued media (media/media_queue.h
// counts a frame's payload and its struct), and at most max_delay for what
// the worker has not taken (it takes everything queued at each drain, so
// this is the time since the first push after its last drain, on the
// injected clock).  When a push would cross either bound, the worker is too
// slow for the stream: the queued frames are dropped, and so is every
// frame until the next video keyframe (any frame for a stream without
// video), so the worker restarts on a frame it can decode, close to live;
// each dropped frame is counted (dropped_frames()).  Configs and metadata
// are never dropped: the queue keeps the latest of each kind, so the
// worker always decodes with the right config.
//
// End: finish() (the stream ended) lets the worker take what is queued,
// then on_end.  Leaving: the worker calls close(); the hub forgets the
// queue at its next item, and nothing more is queued.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>

#include "core/clock.h"
#include "media/frame.h"
#include "media/media_queue.h"

namespace fanout::hub {

class SinkQueue {
public:
    // clock must outlive the queue.
    SinkQueue(size_t max_bytes, std::chrono::milliseconds max_delay,
              const Clock& clock = Clock::real());

    // Event loop side.  Never blocks.
    void push(media::MediaItem item);
    void finish();

    // Worker side.  Waits until something is queued, the stream ended, or
    // the deadline; then calls sink for every queued item, on this thread,
    // without the lock.  Returns false once the sink has had its on_end
    // (called once, after the last item) or the queue was closed: the
    // worker stops.
    bool drain(media::StreamSink& sink,
               std::chrono::steady_clock::time_point deadline);
    // The worker leaves: nothing more is queued, what is queued is freed.
    void close();

    // Either side.
    bool closed() const;
    uint64_t dropped_frames() const;
    size_t queued_bytes() const;

private:
    const std::chrono::milliseconds max_delay_;
    const Clock& clock_;
    mutable std::mutex mu_;
    std::condition_variable ready_;
    media::MediaQueue queue_;
    // When the oldest item the worker has not taken was queued.
    std::chrono::steady_clock::time_point waiting_since_{};
    bool finished_ = false;
    bool end_delivered_ = false;
    std::atomic<bool> closed_{false};  // written under mu_; read lock-free
};

}  // namespace fanout::hub
