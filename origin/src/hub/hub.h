// hub/hub.h — one live stream's media, fanned out to its sinks.
//
// The publish session (ingest) feeds the hub through its media::StreamSink
// side; sinks subscribe to it.  Today the one sink is the packager of the
// source rendition (package/segment_store.h); next come a transcoder whose
// outputs are renditions with packagers of their own, a recorder, and the
// players of other protocols.
//
// The hub owns what a sink joining late needs: the stream's current codec
// configs, the publisher's metadata and the last GOP (the frames since the
// last video keyframe, up to max_gop_bytes).  A sink subscribed before the
// first frame receives everything, as it comes.  A sink that joins later
// receives the configs and metadata, then the last GOP from its keyframe,
// then live frames; when no GOP is held (an audio-only stream, a GOP over
// its bound, a config change since the keyframe) it receives live frames
// from the next keyframe (any frame, for a stream without video).
//
// Threading contract:
// - Every Hub method (the StreamSink side, subscribe, unsubscribe) is
//   called on the event loop thread of the publishing connection.  The hub
//   has no lock.
// - A loop sink (subscribe) is called on that thread, synchronously and in
//   order.  It must not block: the packager only muxes shared bytes and
//   swaps a pointer under a short lock.
// - A sink that runs on a worker thread (subscribe_queued) gets a
//   SinkQueue: the hub pushes into it on the loop and never waits for the
//   worker, which drains it on its own thread.  The queue is bounded in
//   bytes and in delay; past either bound the worker loses frames up to
//   the next keyframe, never a config, and the drops are counted
//   (sink_queue.h).
// - Frames are shared, not copied: a Frame's payload is SharedBytes, and
//   every sink, queue and the GOP hold the same bytes.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "core/clock.h"
#include "core/metrics.h"
#include "core/stream_key.h"
#include "hub/sink_queue.h"
#include "media/frame.h"

namespace fanout::hub {

struct HubOptions {
    size_t max_gop_bytes = 16u << 20;  // the last GOP kept for late joins
    // Each worker sink's queue (sink_queue.h): its bounds, and the clock
    // that times the delay (it must outlive the hub's queues).
    size_t queue_max_bytes = 16u << 20;
    std::chrono::milliseconds queue_max_delay{5000};
    const Clock* clock = &Clock::real();
};

class Hub : public media::StreamSink {
public:
    using SinkId = uint64_t;

    // metrics (may be null) must outlive the hub: it counts bytes_in.
    // ended, if set, is called once on the loop when the stream ends, after
    // every sink's on_end.
    Hub(StreamKey key, HubOptions options = {}, Metrics* metrics = nullptr,
        std::function<void()> ended = {});
    // A publisher that vanished without on_end still ends the stream.
    ~Hub() override;
    Hub(const Hub&) = delete;
    Hub& operator=(const Hub&) = delete;

    const StreamKey& key() const { return key_; }

    // A sink on the loop.  What it missed is delivered before this returns
    // (see above).  After the end: on_end at once, and 0.
    SinkId subscribe(std::shared_ptr<media::StreamSink> sink);
    // A sink on a worker thread: it drains the returned queue.
    std::shared_ptr<SinkQueue> subscribe_queued();
    // The sink receives nothing more, not even on_end.  A sink may leave
    // from inside one of its own calls.
    void unsubscribe(SinkId id);
    size_t sinks() const;

    // The publisher's side.
    void on_metadata(double bitrate_kbps) override;
    void on_video_config(const media::VideoConfig& config) override;
    void on_audio_config(const media::AudioConfig& config) override;
    void on_frame(const media::Frame& frame) override;
    void on_end() override;

private:
    struct Subscriber {
        SinkId id = 0;
        std::shared_ptr<media::StreamSink> sink;  // null: left
        std::shared_ptr<SinkQueue> queue;  // worker sinks
        bool wait_keyframe = false;
    };

    void keep_in_gop(const media::Frame& frame);
    void drop_gop();
    void replay(Subscriber& s);
    // Calls fn(subscriber, sink) for each subscriber still there, then
    // forgets those that left.  Subscribers added meanwhile wait for the
    // next item.
    template <class Fn>
    void fan_out(Fn&& fn);

    StreamKey key_;
    HubOptions options_;
    Metrics* metrics_;
    std::function<void()> ended_cb_;

    std::vector<Subscriber> subs_;
    SinkId next_id_ = 0;
    int fanning_ = 0;  // depth of fan_out calls: unsubscribe only marks

    std::optional<media::VideoConfig> video_;
    std::optional<media::AudioConfig> audio_;
    std::optional<double> bitrate_kbps_;
    std::vector<media::Frame> gop_;  // from a video keyframe; empty: none
    size_t gop_bytes_ = 0;
    bool gop_open_ = false;  // frames are being added to gop_
    bool started_ = false;  // a frame went out
    bool ended_ = false;
};

}  // namespace fanout::hub
