// load/src/flv_file.h — an FLV file (Adobe FLV spec, annex E) as the tags a
// publisher sends over RTMP, and the schedule that replays them in real
// time, looping.  Pure: bytes in, tags out; the tag bodies are checked with
// the origin's own parsers (media/flv.h), so a clip the origin would refuse
// is refused here, before any connection is made.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/error.h"

namespace fanout::load {

inline constexpr uint8_t kFlvAudio = 8;
inline constexpr uint8_t kFlvVideo = 9;
inline constexpr uint8_t kFlvScript = 18;

struct FlvTag {
    uint8_t type = 0;  // kFlvAudio, kFlvVideo, kFlvScript
    uint32_t timestamp = 0;  // ms, 24 bits + the extended byte
    std::span<const uint8_t> body;  // into the file's bytes
    bool config = false;  // an AVC/HEVC or AAC sequence header
    bool keyframe = false;  // video frames only
};

// Every tag of a whole FLV file, in file order.  Error: not an FLV, a tag
// cut short, a tag body the origin's FLV parser rejects, more than
// max_tags tags, or no video.  The spans point into `file`.
Result<std::vector<FlvTag>> parse_flv_file(std::span<const uint8_t> file,
                                           size_t max_tags = 1u << 20);

// The tags a publish sends, in order, with the timestamp each is sent
// with and when (ms after the publish started).  Script data (onMetaData)
// and sequence headers go first, once, as ffmpeg sends them; then the
// media, looping, each pass shifted by the clip's length plus one frame
// so that timestamps keep increasing.
class Replay {
public:
    // tags: parse_flv_file's result.
    explicit Replay(const std::vector<FlvTag>& tags);

    struct Step {
        const FlvTag* tag = nullptr;
        uint32_t timestamp = 0;  // as sent: also when it is due, in ms
    };
    // The next tag to send; never runs out.
    Step peek() const;
    void advance();
    // How many passes over the media have been completed.
    uint64_t loops() const { return loop_; }
    uint32_t period_ms() const { return period_; }

private:
    std::vector<const FlvTag*> configs_;
    std::vector<const FlvTag*> media_;
    uint32_t first_ts_ = 0;
    uint32_t period_ = 1;
    size_t next_config_ = 0;
    size_t next_ = 0;
    uint64_t loop_ = 0;
};

}  // namespace fanout::load
