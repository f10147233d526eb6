// hub/sink_queue.cc — see sink_queue.h.
#include "hub/sink_queue.h"

#include <deque>
#include <utility>

namespace fanout::hub {

SinkQueue::SinkQueue(size_t max_bytes, std::chrono::milliseconds max_delay,
                     const Clock& clock)
    : max_delay_(max_delay),
      clock_(clock),
      queue_(max_bytes, media::MediaQueue::ConfigOverflow::KeepLatest)
{
}

void SinkQueue::push(media::MediaItem item)
{
    {
        std::lock_guard lock(mu_);
        if (closed_ || finished_) return;
        const auto now = clock_.now();
        if (queue_.empty()) {
            waiting_since_ = now;
        } else if (now - waiting_since_ > max_delay_) {
            queue_.skip_to_keyframe();  // what is left: configs, metadata
            waiting_since_ = now;
        }
        queue_.push(std::move(item));
    }
    ready_.notify_one();
}

void SinkQueue::finish()
{
    {
        std::lock_guard lock(mu_);
        finished_ = true;
    }
    ready_.notify_one();
}

bool SinkQueue::drain(media::StreamSink& sink,
                      std::chrono::steady_clock::time_point deadline)
{
    std::deque<media::MediaItem> batch;
    bool end = false;
    {
        std::unique_lock lock(mu_);
        ready_.wait_until(lock, deadline, [this] {
            return !queue_.empty() || finished_ || closed_;
        });
        if (closed_ || end_delivered_) return false;
        while (!queue_.empty())
            batch.push_back(queue_.pop());
        end = finished_;
        end_delivered_ = end;
    }
    for (const media::MediaItem& item : batch)
        media::deliver(item, sink);
    if (end) sink.on_end();
    return !end;
}

void SinkQueue::close()
{
    std::lock_guard lock(mu_);
    closed_ = true;
    while (!queue_.empty())
        queue_.pop();
}

bool SinkQueue::closed() const
{
    return closed_.load(std::memory_order_relaxed);
}

uint64_t SinkQueue::dropped_frames() const
{
    std::lock_guard lock(mu_);
    return queue_.dropped_frames();
}

size_t SinkQueue::queued_bytes() const
{
    std::lock_guard lock(mu_);
    return queue_.bytes();
}

}  // namespace fanout::hub
