// ingest/rtmp/publish_media.cc — see publish_media.h.
#include "ingest/rtmp/publish_media.h"

#include <string>
#include <utility>

#include "ingest/rtmp/chunk.h"
#include "media/byte_reader.h"
#include "media/flv.h"

namespace fanout::ingest::rtmp {
namespace {

bool same_config(const media::VideoConfig& a, const media::VideoConfig& b)
{
    return a.codec == b.codec && a.record == b.record;
}
bool same_config(const media::AudioConfig& a, const media::AudioConfig& b)
{
    return a.codec == b.codec && a.asc == b.asc;
}

}  // namespace

Status PublishMedia::on_video(uint32_t timestamp, const SharedBytes& body)
{
    const int64_t dts = clock_.unwrap(timestamp);
    Result<media::FlvMedia> m =
        media::parse_flv_video(body, nal_length_size_, &body);
    if (!m) return m.error();
    switch (m->kind) {
        case media::FlvMedia::Kind::VideoConfig:
            nal_length_size_ = m->nal_length_size;
            if (video_ && same_config(*video_, m->video_config)) return {};
            video_ = m->video_config;
            return emit(std::move(m->video_config));
        case media::FlvMedia::Kind::Frame:
            if (!video_ || video_->codec != m->codec) {
                ++dropped_frames_;  // nothing to decode it with
                return {};
            }
            m->frame.dts_ms = dts;
            return on_frame(std::move(m->frame));
        default:
            return {};
    }
}

Status PublishMedia::on_audio(uint32_t timestamp, const SharedBytes& body)
{
    const int64_t dts = clock_.unwrap(timestamp);
    Result<media::FlvMedia> m = media::parse_flv_audio(body, &body);
    if (!m) return m.error();
    switch (m->kind) {
        case media::FlvMedia::Kind::AudioConfig:
            if (audio_ && same_config(*audio_, m->audio_config)) return {};
            audio_ = m->audio_config;
            return emit(std::move(m->audio_config));
        case media::FlvMedia::Kind::Frame:
            if (!audio_) {
                ++dropped_frames_;
                return {};
            }
            m->frame.dts_ms = dts;
            return on_frame(std::move(m->frame));
        default:
            return {};
    }
}

// An aggregate message is a run of FLV tags: type(1) size(3) timestamp(3)
// timestamp-extended(1) stream id(3) body back-pointer(4).  Their
// timestamps count from the message's.
Status PublishMedia::on_aggregate(uint32_t timestamp, const SharedBytes& body)
{
    media::ByteReader r(body);
    bool first = true;
    uint32_t base = 0;
    while (!r.empty()) {
        uint8_t type = 0, ts_ext = 0;
        uint32_t size = 0, ts = 0, stream_id = 0;
        std::span<const uint8_t> tag;
        if (!r.u8(type) || !r.u24(size) || !r.u24(ts) || !r.u8(ts_ext)
            || !r.u24(stream_id) || !r.bytes(size, tag) || !r.skip(4)) {
            return Error("aggregate message: truncated tag at byte "
                         + std::to_string(r.position()));
        }
        ts |= uint32_t{ts_ext} << 24;
        if (first) {
            base = ts;
            first = false;
        }
        const uint32_t at = timestamp + (ts - base);
        Status s;
        if (type == kVideo) {
            s = on_video(at, body.slice(tag));
        } else if (type == kAudio) {
            s = on_audio(at, body.slice(tag));
        }
        if (!s) return s;
    }
    return {};
}

Status PublishMedia::on_metadata(double bitrate_kbps)
{
    return emit(bitrate_kbps);
}

Status PublishMedia::on_frame(media::Frame frame)
{
    frame.received = received_;
    return emit(std::move(frame));
}

Status PublishMedia::emit(media::MediaItem item)
{
    if (sink_) {
        if (pending_.pass(item)) media::deliver(item, *sink_);
        return {};
    }
    if (!pending_.push(std::move(item))) {
        return Error("more than " + std::to_string(max_pending_bytes_)
                     + " bytes of sequence headers before the publish started");
    }
    return {};
}

void PublishMedia::attach(std::shared_ptr<media::StreamSink> sink)
{
    sink_ = std::move(sink);
    if (!sink_) return;
    while (!pending_.empty())
        media::deliver(pending_.pop(), *sink_);
}

}  // namespace fanout::ingest::rtmp
