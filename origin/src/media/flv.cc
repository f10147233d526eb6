// media/flv.cc — see flv.h.
#include "media/flv.h"

#include <string>

#include "media/aac.h"
#include "media/avc.h"
#include "media/byte_reader.h"
#include "media/hevc.h"
#include "media/nal.h"

namespace fanout::media {
namespace {

constexpr int kFrameKey = 1;
constexpr int kFrameCommand = 5;  // "video info/command frame"
constexpr int kCodecAvc = 7;
constexpr int kCodecHevcLegacy = 12;
constexpr int kSoundAac = 10;

// Enhanced RTMP VideoPacketType.
enum ExPacket : uint8_t {
    kSequenceStart = 0,
    kCodedFrames = 1,
    kSequenceEnd = 2,
    kCodedFramesX = 3,
    kMetadata = 4,
    kMpeg2TsSequenceStart = 5,
    kMultitrack = 6,
    kModEx = 7,
};

constexpr uint32_t fourcc(const char (&s)[5])
{
    return (uint32_t(uint8_t(s[0])) << 24) | (uint32_t(uint8_t(s[1])) << 16)
           | (uint32_t(uint8_t(s[2])) << 8) | uint32_t(uint8_t(s[3]));
}

std::string fourcc_text(uint32_t v)
{
    std::string s;
    for (int shift = 24; shift >= 0; shift -= 8) {
        char c = static_cast<char>((v >> shift) & 0xff);
        s += (c >= 0x20 && c < 0x7f) ? c : '?';
    }
    return s;
}

int32_t si24(uint32_t v)
{
    return (v & 0x800000) ? static_cast<int32_t>(v) - 0x1000000
                          : static_cast<int32_t>(v);
}

Result<FlvMedia> video_config(Codec codec, std::span<const uint8_t> record)
{
    Result<ParsedVideoConfig> parsed = codec == Codec::H264
                                           ? avc_video_config(record)
                                           : hevc_video_config(record);
    if (!parsed) return parsed.error();
    FlvMedia m;
    m.kind = FlvMedia::Kind::VideoConfig;
    m.codec = codec;
    m.video_config = std::move(parsed->config);
    m.nal_length_size = parsed->nal_length_size;
    return m;
}

// `bytes` as frame data: a slice of `owner` when it holds them, else a copy.
SharedBytes frame_bytes(std::span<const uint8_t> bytes,
                        const SharedBytes* owner)
{
    if (owner) return owner->slice(bytes);
    return std::vector<uint8_t>(bytes.begin(), bytes.end());
}

Result<FlvMedia> video_frame(Codec codec, bool key, int32_t cts,
                             std::span<const uint8_t> nals, int nal_length_size,
                             const SharedBytes* owner)
{
    Result<bool> as_is = nal_lengths_normalized(nals, nal_length_size);
    if (!as_is) return as_is.error().wrap("video frame");
    SharedBytes data;
    if (as_is.value()) {
        data = frame_bytes(nals, owner);
    } else {
        Result<std::vector<uint8_t>> normalized =
            normalize_nal_lengths(nals, nal_length_size);
        if (!normalized) return normalized.error().wrap("video frame");
        data = std::move(normalized.value());
    }
    FlvMedia m;
    if (data.empty()) return m;
    m.kind = FlvMedia::Kind::Frame;
    m.codec = codec;
    m.frame.video = true;
    m.frame.keyframe = key;
    m.frame.cts_ms = cts;
    m.frame.data = std::move(data);
    return m;
}

// Enhanced RTMP (veovera enhanced-rtmp v1 and v2) ExVideoTagHeader.
Result<FlvMedia> parse_ex_video(ByteReader& r, uint8_t first,
                                int nal_length_size, const SharedBytes* owner)
{
    const int frame_type = (first >> 4) & 7;
    uint8_t packet = first & 0x0f;
    if (frame_type == kFrameCommand && packet != kMetadata) return FlvMedia{};
    // ModEx prefixes modify the packet that follows (e.g. a nanosecond
    // timestamp offset); millisecond timing ignores them.
    while (packet == kModEx) {
        uint8_t size8 = 0;
        size_t size = 0;
        if (!r.u8(size8)) return Error("video: truncated ModEx");
        size = size_t{size8} + 1;
        if (size == 256) {
            uint16_t size16 = 0;
            if (!r.u16(size16)) return Error("video: truncated ModEx");
            size = size_t{size16} + 1;
        }
        uint8_t next = 0;
        if (!r.skip(size) || !r.u8(next))
            return Error("video: truncated ModEx");
        packet = next & 0x0f;
    }
    if (packet == kMultitrack)
        return Error("video: Enhanced RTMP multitrack not supported");
    uint32_t cc = 0;
    if (!r.u32(cc)) return Error("video: truncated FourCC");
    Codec codec;
    if (cc == fourcc("avc1")) {
        codec = Codec::H264;
    } else if (cc == fourcc("hvc1")) {
        codec = Codec::HEVC;
    } else {
        return Error("video codec '" + fourcc_text(cc) + "' not supported");
    }
    switch (packet) {
        case kSequenceStart:
            return video_config(codec, r.rest());
        case kCodedFrames: {
            uint32_t cts = 0;
            if (!r.u24(cts)) return Error("video: truncated composition time");
            return video_frame(codec, frame_type == kFrameKey, si24(cts),
                               r.rest(), nal_length_size, owner);
        }
        case kCodedFramesX:
            return video_frame(codec, frame_type == kFrameKey, 0, r.rest(),
                               nal_length_size, owner);
        case kSequenceEnd:
        case kMetadata:
        case kMpeg2TsSequenceStart:
            return FlvMedia{};
        default:
            return Error("video: Enhanced RTMP packet type "
                         + std::to_string(packet) + " not supported");
    }
}

}  // namespace

const char* flv_video_codec_name(int codec_id)
{
    switch (codec_id) {
        case 1:
            return "JPEG";
        case 2:
            return "Sorenson H.263";
        case 3:
            return "Screen video";
        case 4:
            return "On2 VP6";
        case 5:
            return "On2 VP6 with alpha";
        case 6:
            return "Screen video v2";
        case 7:
            return "AVC";
        case 12:
            return "HEVC";
        case 13:
            return "AV1";
        default:
            return "unknown";
    }
}

const char* flv_audio_codec_name(int sound_format)
{
    switch (sound_format) {
        case 0:
            return "Linear PCM, platform endian";
        case 1:
            return "ADPCM";
        case 2:
            return "MP3";
        case 3:
            return "Linear PCM, little endian";
        case 4:
            return "Nellymoser 16 kHz mono";
        case 5:
            return "Nellymoser 8 kHz mono";
        case 6:
            return "Nellymoser";
        case 7:
            return "G.711 A-law";
        case 8:
            return "G.711 mu-law";
        case 9:
            return "Enhanced RTMP audio";
        case 10:
            return "AAC";
        case 11:
            return "Speex";
        case 14:
            return "MP3 8 kHz";
        case 15:
            return "device-specific";
        default:
            return "reserved";
    }
}

Result<FlvMedia> parse_flv_video(std::span<const uint8_t> body,
                                 int nal_length_size, const SharedBytes* owner)
{
    ByteReader r(body);
    uint8_t first = 0;
    if (!r.u8(first)) return Error("video: empty tag");
    if (first & 0x80) return parse_ex_video(r, first, nal_length_size, owner);

    const int frame_type = first >> 4;
    const int codec_id = first & 0x0f;
    if (frame_type == kFrameCommand) return FlvMedia{};
    if (codec_id != kCodecAvc && codec_id != kCodecHevcLegacy) {
        return Error("video codec id " + std::to_string(codec_id) + " ("
                     + flv_video_codec_name(codec_id) + ") not supported");
    }
    const Codec codec = codec_id == kCodecAvc ? Codec::H264 : Codec::HEVC;
    uint8_t packet = 0;
    uint32_t cts = 0;
    if (!r.u8(packet) || !r.u24(cts))
        return Error("video: truncated AVC header");
    switch (packet) {
        case 0:
            return video_config(codec, r.rest());
        case 1:
            return video_frame(codec, frame_type == kFrameKey, si24(cts),
                               r.rest(), nal_length_size, owner);
        case 2:  // end of sequence
            return FlvMedia{};
        default:
            return Error("video: AVC packet type " + std::to_string(packet));
    }
}

Result<FlvMedia> parse_flv_audio(std::span<const uint8_t> body,
                                 const SharedBytes* owner)
{
    ByteReader r(body);
    uint8_t first = 0;
    if (!r.u8(first)) return Error("audio: empty tag");
    const int format = first >> 4;
    if (format != kSoundAac) {
        return Error("audio codec id " + std::to_string(format) + " ("
                     + flv_audio_codec_name(format) + ") not supported");
    }
    uint8_t packet = 0;
    if (!r.u8(packet)) return Error("audio: truncated AAC header");
    FlvMedia m;
    m.codec = Codec::AAC;
    if (packet == 0) {
        Result<AudioConfig> config = aac_audio_config(r.rest());
        if (!config) return config.error();
        m.kind = FlvMedia::Kind::AudioConfig;
        m.audio_config = std::move(config.value());
        return m;
    }
    if (packet != 1)
        return Error("audio: AAC packet type " + std::to_string(packet));
    if (r.empty()) return m;
    m.kind = FlvMedia::Kind::Frame;
    m.frame.video = false;
    m.frame.keyframe = true;
    m.frame.data = frame_bytes(r.rest(), owner);
    return m;
}

}  // namespace fanout::media
