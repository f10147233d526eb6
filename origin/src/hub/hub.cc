// hub/hub.cc — see hub.h.
#include "hub/hub.h"

#include <algorithm>
#include <utility>

namespace fanout::hub {
namespace {

// A worker sink's stand-in on the loop: queues what the hub fans out.
class QueueFeeder : public media::StreamSink {
public:
    explicit QueueFeeder(std::shared_ptr<SinkQueue> q) : q_(std::move(q)) {}
    void on_metadata(double kbps) override { q_->push(kbps); }
    void on_video_config(const media::VideoConfig& c) override { q_->push(c); }
    void on_audio_config(const media::AudioConfig& c) override { q_->push(c); }
    void on_frame(const media::Frame& f) override { q_->push(f); }
    void on_end() override { q_->finish(); }

private:
    std::shared_ptr<SinkQueue> q_;
};

}  // namespace

Hub::Hub(StreamKey key, HubOptions options, Metrics* metrics,
         std::function<void()> ended)
    : key_(std::move(key)),
      options_(options),
      metrics_(metrics),
      ended_cb_(std::move(ended))
{
}

Hub::~Hub()
{
    on_end();
}

Hub::SinkId Hub::subscribe(std::shared_ptr<media::StreamSink> sink)
{
    if (ended_) {
        sink->on_end();
        return 0;
    }
    Subscriber s{++next_id_, std::move(sink), nullptr, false};
    replay(s);
    subs_.push_back(std::move(s));
    return subs_.back().id;
}

std::shared_ptr<SinkQueue> Hub::subscribe_queued()
{
    auto queue = std::make_shared<SinkQueue>(
        options_.queue_max_bytes, options_.queue_max_delay, *options_.clock);
    SinkId id = subscribe(std::make_shared<QueueFeeder>(queue));
    if (id != 0) subs_.back().queue = queue;
    return queue;
}

void Hub::unsubscribe(SinkId id)
{
    for (Subscriber& s : subs_) {
        if (s.id == id) s.sink.reset();
    }
    if (fanning_ == 0) {
        std::erase_if(subs_, [](const Subscriber& s) { return !s.sink; });
    }
}

size_t Hub::sinks() const
{
    return static_cast<size_t>(
        std::count_if(subs_.begin(), subs_.end(), [](const Subscriber& s) {
            return s.sink && !(s.queue && s.queue->closed());
        }));
}

// What a late sink missed: configs and metadata, then the GOP, or a wait
// for the next keyframe.
void Hub::replay(Subscriber& s)
{
    if (video_) s.sink->on_video_config(*video_);
    if (audio_) s.sink->on_audio_config(*audio_);
    if (bitrate_kbps_) s.sink->on_metadata(*bitrate_kbps_);
    if (!started_) return;
    if (gop_.empty()) {
        s.wait_keyframe = true;
        return;
    }
    for (const media::Frame& f : gop_)
        s.sink->on_frame(f);
}

template <class Fn>
void Hub::fan_out(Fn&& fn)
{
    ++fanning_;
    const size_t n = subs_.size();  // not those subscribed meanwhile
    for (size_t i = 0; i < n; i++) {
        Subscriber& s = subs_[i];
        if (s.queue && s.queue->closed()) s.sink.reset();  // worker left
        if (!s.sink) continue;
        // Held here: a sink that leaves from inside its call lives on
        // until the call returns.
        std::shared_ptr<media::StreamSink> sink = s.sink;
        fn(s, *sink);
    }
    --fanning_;
    if (fanning_ == 0) {
        std::erase_if(subs_, [](const Subscriber& s) { return !s.sink; });
    }
}

void Hub::on_metadata(double bitrate_kbps)
{
    bitrate_kbps_ = bitrate_kbps;
    fan_out([&](Subscriber&, media::StreamSink& k) {
        k.on_metadata(bitrate_kbps);
    });
}

// The GOP held was coded with the old config: a late sink must wait for a
// keyframe that follows the new one.
void Hub::on_video_config(const media::VideoConfig& config)
{
    video_ = config;
    drop_gop();
    fan_out(
        [&](Subscriber&, media::StreamSink& k) { k.on_video_config(config); });
}

void Hub::on_audio_config(const media::AudioConfig& config)
{
    audio_ = config;
    drop_gop();
    fan_out(
        [&](Subscriber&, media::StreamSink& k) { k.on_audio_config(config); });
}

void Hub::on_frame(const media::Frame& frame)
{
    if (ended_) return;
    if (metrics_) metrics_->bytes_in += frame.data.size();
    started_ = true;
    keep_in_gop(frame);
    const bool restart = video_ ? (frame.video && frame.keyframe) : true;
    fan_out([&](Subscriber& s, media::StreamSink& k) {
        if (s.wait_keyframe && !restart) return;
        s.wait_keyframe = false;
        k.on_frame(frame);
    });
}

void Hub::keep_in_gop(const media::Frame& frame)
{
    if (frame.video && frame.keyframe) {
        drop_gop();
        gop_open_ = true;
    }
    if (!gop_open_) return;
    if (gop_bytes_ + frame.data.size() > options_.max_gop_bytes) {
        drop_gop();  // late sinks wait for the next keyframe
        return;
    }
    gop_bytes_ += frame.data.size();
    gop_.push_back(frame);  // shares the payload
}

void Hub::drop_gop()
{
    gop_.clear();
    gop_bytes_ = 0;
    gop_open_ = false;
}

void Hub::on_end()
{
    if (ended_) return;
    ended_ = true;
    fan_out([](Subscriber&, media::StreamSink& k) { k.on_end(); });
    subs_.clear();
    drop_gop();
    if (ended_cb_) {
        auto cb = std::move(ended_cb_);
        cb();
    }
}

}  // namespace fanout::hub
