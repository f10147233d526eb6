// media/media_queue.h — one stream's media held for a sink that is not
// taking it yet (a publish still being authorized) or not as fast as it
// comes (a sink on a worker thread), bounded in bytes.  Not thread-safe:
// its owner locks if it needs to (hub/sink_queue.h).
//
// When an item would outgrow the bound, every queued frame is dropped (the
// configs and metadata stay, in order) and frames are dropped until the
// next video keyframe (any frame, for a stream without video), so the sink
// never restarts on a frame that depends on a dropped one.  Every dropped
// frame is counted.  Configs and metadata are never dropped; when they
// alone outgrow the bound the owner chooses (ConfigOverflow): Refuse the
// item (push returns false), or KeepLatest (the queued configs collapse to
// the latest of each kind, which no frame separates any more, and the item
// is queued: at most one video config, one audio config and one metadata
// beyond the bound).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <variant>

#include "media/frame.h"

namespace fanout::media {

// double: the publisher's metadata (bitrate, kbps).
using MediaItem = std::variant<VideoConfig, AudioConfig, Frame, double>;

// What the item weighs against a queue's bound: its bytes and its struct.
size_t item_bytes(const MediaItem& item);
// Calls the sink method the item stands for.
void deliver(const MediaItem& item, StreamSink& sink);

class MediaQueue {
public:
    enum class ConfigOverflow { Refuse, KeepLatest };

    explicit MediaQueue(size_t max_bytes,
                        ConfigOverflow overflow = ConfigOverflow::Refuse)
        : max_bytes_(max_bytes), overflow_(overflow)
    {
    }

    // Queues the item, or drops it under the policy above (true), or
    // refuses a config that does not fit (false, ConfigOverflow::Refuse).
    bool push(MediaItem item);
    // For an owner that delivers at once while the queue is empty: whether
    // the item passes the policy (a frame while waiting for a keyframe does
    // not, and is counted).  push() applies the same test.
    bool pass(const MediaItem& item);

    bool empty() const { return items_.empty(); }
    size_t size() const { return items_.size(); }
    size_t bytes() const { return bytes_; }
    uint64_t dropped_frames() const { return dropped_frames_; }

    // The oldest item.  The queue must not be empty.
    MediaItem pop();

    // The owner's own bound was crossed (a sink that stopped taking): the
    // queued frames go and frames wait for the next keyframe, as above.
    void skip_to_keyframe();

private:
    void drop_frames();
    void keep_latest_configs();

    size_t max_bytes_;
    ConfigOverflow overflow_;
    std::deque<MediaItem> items_;
    size_t bytes_ = 0;
    bool has_video_ = false;
    bool wait_keyframe_ = false;
    uint64_t dropped_frames_ = 0;
};

}  // namespace fanout::media
