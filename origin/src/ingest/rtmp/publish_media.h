// ingest/rtmp/publish_media.h — one publish's audio, video and metadata
// messages → StreamSink calls.  Pure: no sockets, no clock.
//
// While PublishControl is still deciding, media is held in a bounded queue
// (media/media_queue.h) and replayed in order once a sink is attached.  If
// the queue would outgrow its bound, the queued frames are dropped (the
// configs and metadata are kept) and frames are dropped until the next
// video keyframe (any frame, for audio-only streams), so the sink never
// starts on a frame that depends on a dropped one.  Sequence headers and
// metadata are never dropped; if they alone outgrow the bound (a publisher
// flooding changing headers before it may publish) that is an Error.
// Frames of a track whose
// sequence header has not arrived are dropped (nothing could decode them),
// and identical repeated sequence headers are forwarded once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "core/error.h"
#include "ingest/rtmp/timestamp.h"
#include "media/frame.h"
#include "media/media_queue.h"

namespace fanout::ingest::rtmp {

class PublishMedia {
public:
    explicit PublishMedia(size_t max_pending_bytes = 4u << 20)
        : max_pending_bytes_(max_pending_bytes), pending_(max_pending_bytes)
    {
    }

    // Message bodies of RTMP types 9, 8 and 22 with the message timestamp.
    // Frames are slices of the body, not copies.
    // Errors: unsupported codecs, malformed configs or frames.
    Status on_video(uint32_t timestamp, const SharedBytes& body);
    Status on_audio(uint32_t timestamp, const SharedBytes& body);
    Status on_aggregate(uint32_t timestamp, const SharedBytes& body);
    Status on_metadata(double bitrate_kbps);
    // Stamped on the frames of the messages that follow (Frame::received).
    void set_received(std::chrono::steady_clock::time_point t)
    {
        received_ = t;
    }

    // Replays what was queued, then forwards as messages arrive.
    void attach(std::shared_ptr<media::StreamSink> sink);

    size_t dropped_frames() const
    {
        return dropped_frames_ + static_cast<size_t>(pending_.dropped_frames());
    }
    size_t queued_bytes() const { return pending_.bytes(); }

private:
    Status emit(media::MediaItem item);
    Status on_frame(media::Frame frame);

    size_t max_pending_bytes_;
    std::shared_ptr<media::StreamSink> sink_;
    media::MediaQueue pending_;
    size_t dropped_frames_ = 0;  // frames of a track without a config

    std::chrono::steady_clock::time_point received_{};
    TimestampUnwrapper clock_;
    int nal_length_size_ = 4;
    std::optional<media::VideoConfig> video_;
    std::optional<media::AudioConfig> audio_;
};

}  // namespace fanout::ingest::rtmp
