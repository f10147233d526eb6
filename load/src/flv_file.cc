#include "flv_file.h"

#include <algorithm>
#include <string>

#include "media/byte_reader.h"
#include "media/flv.h"

namespace fanout::load {
namespace {

constexpr size_t kFileHeader = 9;
constexpr size_t kTagHeader = 11;

// What the origin's parser says the body is.
Status classify(FlvTag& tag, int& nal_length_size)
{
    if (tag.type == kFlvScript) return {};
    Result<media::FlvMedia> m =
        tag.type == kFlvVideo
            ? media::parse_flv_video(tag.body, nal_length_size)
            : media::parse_flv_audio(tag.body);
    if (!m) return m.error();
    using Kind = media::FlvMedia::Kind;
    tag.config = m->kind == Kind::VideoConfig || m->kind == Kind::AudioConfig;
    if (m->kind == Kind::VideoConfig) nal_length_size = m->nal_length_size;
    tag.keyframe =
        m->kind == Kind::Frame && m->frame.video && m->frame.keyframe;
    return {};
}

}  // namespace

Result<std::vector<FlvTag>> parse_flv_file(std::span<const uint8_t> file,
                                           size_t max_tags)
{
    if (file.size() < kFileHeader || file[0] != 'F' || file[1] != 'L'
        || file[2] != 'V') {
        return Error("not an FLV file");
    }
    media::ByteReader r(file);
    uint32_t header_size = 0;
    r.skip(5);
    r.u32(header_size);
    if (header_size < kFileHeader || !r.skip(header_size - kFileHeader + 4))
        return Error("FLV header cut short");
    std::vector<FlvTag> tags;
    int nal_length_size = 4;
    bool video = false;
    while (!r.empty()) {
        const size_t at = r.position();
        uint8_t type = 0, ts_ext = 0;
        uint32_t size = 0, ts = 0, stream_id = 0;
        std::span<const uint8_t> body;
        if (!r.u8(type) || !r.u24(size) || !r.u24(ts) || !r.u8(ts_ext)
            || !r.u24(stream_id) || !r.bytes(size, body) || !r.skip(4)) {
            return Error("FLV tag at byte " + std::to_string(at)
                         + " cut short");
        }
        if ((type & 0x20) != 0) return Error("encrypted FLV tags");
        if (type != kFlvAudio && type != kFlvVideo && type != kFlvScript)
            continue;  // unknown tag types are skipped, as players do
        if (tags.size() == max_tags) return Error("too many FLV tags");
        FlvTag tag{type, (uint32_t{ts_ext} << 24) | ts, body};
        if (Status s = classify(tag, nal_length_size); !s) {
            return s.error().wrap("FLV tag at byte " + std::to_string(at));
        }
        video = video || type == kFlvVideo;
        tags.push_back(tag);
    }
    if (!video) return Error("FLV file has no video");
    return tags;
}

Replay::Replay(const std::vector<FlvTag>& tags)
{
    for (const FlvTag& t : tags) {
        (t.config || t.type == kFlvScript ? configs_ : media_).push_back(&t);
    }
    if (media_.empty()) return;
    uint32_t last = 0, first = UINT32_MAX, frame = 0, prev = 0;
    bool have_prev = false;
    for (const FlvTag* t : media_) {
        first = std::min(first, t->timestamp);
        last = std::max(last, t->timestamp);
        if (t->type == kFlvVideo) {
            if (have_prev && t->timestamp > prev && frame == 0)
                frame = t->timestamp - prev;
            prev = t->timestamp;
            have_prev = true;
        }
    }
    first_ts_ = first;
    period_ =
        std::max<uint32_t>(1, last - first + std::max<uint32_t>(frame, 1));
}

Replay::Step Replay::peek() const
{
    if (next_config_ < configs_.size()) return {configs_[next_config_], 0};
    if (media_.empty()) return {};
    const FlvTag* t = media_[next_];
    const uint64_t ts = uint64_t(t->timestamp - first_ts_) + loop_ * period_;
    return {t, static_cast<uint32_t>(ts)};  // RTMP timestamps wrap at 2^32
}

void Replay::advance()
{
    if (next_config_ < configs_.size()) {
        next_config_++;
        return;
    }
    if (media_.empty()) return;
    if (++next_ == media_.size()) {
        next_ = 0;
        loop_++;
    }
}

}  // namespace fanout::load
