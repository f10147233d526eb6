// media/media_queue.cc — see media_queue.h.
#include "media/media_queue.h"

#include <optional>
#include <utility>

namespace fanout::media {

size_t item_bytes(const MediaItem& item)
{
    if (auto* f = std::get_if<Frame>(&item)) {
        return f->data.size() + sizeof(*f);
    }
    if (auto* v = std::get_if<VideoConfig>(&item)) {
        return v->record.size() + sizeof(*v);
    }
    if (auto* a = std::get_if<AudioConfig>(&item)) {
        return a->asc.size() + sizeof(*a);
    }
    return sizeof(double);
}

void deliver(const MediaItem& item, StreamSink& sink)
{
    if (auto* v = std::get_if<VideoConfig>(&item)) {
        sink.on_video_config(*v);
    } else if (auto* a = std::get_if<AudioConfig>(&item)) {
        sink.on_audio_config(*a);
    } else if (auto* f = std::get_if<Frame>(&item)) {
        sink.on_frame(*f);
    } else {
        sink.on_metadata(std::get<double>(item));
    }
}

bool MediaQueue::pass(const MediaItem& item)
{
    if (std::holds_alternative<VideoConfig>(item)) has_video_ = true;
    const Frame* f = std::get_if<Frame>(&item);
    if (f == nullptr || !wait_keyframe_) return true;
    const bool restart = has_video_ ? (f->video && f->keyframe) : true;
    if (!restart) {
        ++dropped_frames_;
        return false;
    }
    wait_keyframe_ = false;
    return true;
}

bool MediaQueue::push(MediaItem item)
{
    if (!pass(item)) return true;
    const size_t n = item_bytes(item);
    if (bytes_ + n > max_bytes_) {
        drop_frames();
        if (auto* f = std::get_if<Frame>(&item)) {
            if (!(f->video && f->keyframe) || bytes_ + n > max_bytes_) {
                ++dropped_frames_;
                wait_keyframe_ = true;
                return true;
            }
        } else if (bytes_ + n > max_bytes_) {
            if (overflow_ == ConfigOverflow::Refuse) return false;
            keep_latest_configs();
        }
    }
    bytes_ += n;
    items_.push_back(std::move(item));
    return true;
}

MediaItem MediaQueue::pop()
{
    MediaItem item = std::move(items_.front());
    items_.pop_front();
    bytes_ -= item_bytes(item);
    return item;
}

void MediaQueue::skip_to_keyframe()
{
    drop_frames();
    wait_keyframe_ = true;
}

void MediaQueue::drop_frames()
{
    std::deque<MediaItem> kept;
    bytes_ = 0;
    for (MediaItem& i : items_) {
        if (std::holds_alternative<Frame>(i)) {
            ++dropped_frames_;
            continue;
        }
        bytes_ += item_bytes(i);
        kept.push_back(std::move(i));
    }
    items_ = std::move(kept);
}

// Only configs and metadata are queued (drop_frames ran): the last of each
// kind is all a sink needs.
void MediaQueue::keep_latest_configs()
{
    std::optional<MediaItem> latest[3];
    for (MediaItem& i : items_) {
        const size_t kind = std::holds_alternative<double>(i) ? 2 : i.index();
        latest[kind] = std::move(i);
    }
    items_.clear();
    bytes_ = 0;
    for (auto& i : latest) {
        if (!i) continue;
        bytes_ += item_bytes(*i);
        items_.push_back(std::move(*i));
    }
}

}  // namespace fanout::media
