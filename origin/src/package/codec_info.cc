// package/codec_info.cc — see codec_info.h.
#include "package/codec_info.h"

#include <cstdio>

namespace fanout::package {
namespace {

const int kSampleRates[13] = {96000, 88200, 64000, 48000, 44100, 32000, 24000,
                              22050, 16000, 12000, 11025, 8000,  7350};

// MSB-first bit reader that reports running off the end.
class Bits {
public:
    explicit Bits(const std::vector<uint8_t>& b) : b_(b) {}
    uint32_t read(int n)
    {
        uint32_t v = 0;
        for (int i = 0; i < n; i++) {
            if (pos_ >= b_.size() * 8) {
                overrun_ = true;
                return 0;
            }
            v = (v << 1) | ((b_[pos_ / 8] >> (7 - pos_ % 8)) & 1);
            pos_++;
        }
        return v;
    }
    bool overrun() const { return overrun_; }

private:
    const std::vector<uint8_t>& b_;
    size_t pos_ = 0;
    bool overrun_ = false;
};

int read_object_type(Bits& bits)
{
    int aot = static_cast<int>(bits.read(5));
    if (aot == 31) aot = 32 + static_cast<int>(bits.read(6));
    return aot;
}

// Returns the rate; index set to 15 when the rate is explicit.
int read_sample_rate(Bits& bits, int& index)
{
    index = static_cast<int>(bits.read(4));
    if (index == 15) return static_cast<int>(bits.read(24));
    return index < 13 ? kSampleRates[index] : 0;
}

uint16_t be16(const std::vector<uint8_t>& b, size_t at)
{
    return static_cast<uint16_t>(b[at] << 8 | b[at + 1]);
}

// Reads `count` length-prefixed NAL units at `at`; false when truncated.
bool read_nal_list(const std::vector<uint8_t>& b, size_t& at, int count,
                   ParameterSets& out)
{
    for (int i = 0; i < count; i++) {
        if (at + 2 > b.size()) return false;
        size_t len = be16(b, at);
        at += 2;
        if (at + len > b.size()) return false;
        out.nals.emplace_back(b.begin() + static_cast<long>(at),
                              b.begin() + static_cast<long>(at + len));
        at += len;
    }
    return true;
}

}  // namespace

Result<AscInfo> parse_asc(const std::vector<uint8_t>& asc)
{
    if (asc.size() < 2)
        return Error("AudioSpecificConfig shorter than 2 bytes");
    Bits bits(asc);
    AscInfo info;
    info.object_type = read_object_type(bits);
    info.base_object_type = info.object_type;
    info.sample_rate = read_sample_rate(bits, info.sampling_index);
    info.output_rate = info.sample_rate;
    info.channels = static_cast<int>(bits.read(4));
    if (info.object_type == 5 || info.object_type == 29) {
        // Explicit SBR/PS signalling: extension rate, then the core type.
        int ext_index = 0;
        info.output_rate = read_sample_rate(bits, ext_index);
        info.base_object_type = read_object_type(bits);
    }
    if (info.base_object_type >= 1 && info.base_object_type <= 4) {
        // GASpecificConfig begins with frameLengthFlag.
        if (bits.read(1)) info.frame_length = 960;
    }
    if (bits.overrun()) return Error("AudioSpecificConfig truncated");
    if (info.sample_rate <= 0)
        return Error("AudioSpecificConfig: bad sampling rate");
    if (info.base_object_type < 1 || info.base_object_type > 4)
        return Error("AudioSpecificConfig: object type "
                     + std::to_string(info.base_object_type) + " not AAC");
    return info;
}

std::vector<uint8_t> adts_header(const AscInfo& info, size_t payload_size)
{
    // ADTS carries only indexed rates; an explicit rate has no ADTS form,
    // so the nearest indexed one (44.1 kHz fallback) is the best offer.
    int index = info.sampling_index;
    if (index > 12) {
        index = 4;
        for (int i = 0; i < 13; i++)
            if (kSampleRates[i] == info.sample_rate) index = i;
    }
    size_t len = payload_size + 7;
    int profile = info.base_object_type - 1;  // 1 → AAC Main is profile 0
    std::vector<uint8_t> h(7);
    h[0] = 0xff;
    h[1] = 0xf1;  // MPEG-4, layer 0, no CRC
    h[2] = static_cast<uint8_t>((profile & 3) << 6 | (index & 0xf) << 2
                                | ((info.channels >> 2) & 1));
    h[3] = static_cast<uint8_t>((info.channels & 3) << 6 | ((len >> 11) & 3));
    h[4] = static_cast<uint8_t>((len >> 3) & 0xff);
    h[5] =
        static_cast<uint8_t>((len & 7) << 5 | 0x1f);  // buffer fullness 0x7ff
    h[6] = 0xfc;
    return h;
}

uint32_t audio_timescale(const media::AudioConfig& config)
{
    if (config.sample_rate > 0)
        return static_cast<uint32_t>(config.sample_rate);
    auto info = parse_asc(config.asc);
    if (info.ok()) return static_cast<uint32_t>(info.value().output_rate);
    return 44100;
}

uint32_t audio_frame_duration(const media::AudioConfig& config)
{
    auto info = parse_asc(config.asc);
    if (!info.ok()) return 1024;
    // One AU covers frame_length core samples; with SBR the output rate
    // (which may be the track timescale) is double the core rate.
    uint64_t ts = audio_timescale(config);
    return static_cast<uint32_t>(
        info.value().frame_length * ts
        / static_cast<uint64_t>(info.value().sample_rate));
}

Result<ParameterSets> parameter_sets(const media::VideoConfig& config)
{
    const auto& r = config.record;
    ParameterSets out;
    if (config.codec == media::Codec::H264) {
        if (r.size() < 7 || r[0] != 1) return Error("avcC: bad header");
        out.nal_length_size = (r[4] & 3) + 1;
        size_t at = 6;
        if (!read_nal_list(r, at, r[5] & 0x1f, out))
            return Error("avcC: truncated SPS list");
        if (at >= r.size()) return Error("avcC: no PPS count");
        int pps = r[at++];
        if (!read_nal_list(r, at, pps, out))
            return Error("avcC: truncated PPS list");
        return out;
    }
    if (config.codec == media::Codec::HEVC) {
        if (r.size() < 23 || r[0] != 1) return Error("hvcC: bad header");
        out.nal_length_size = (r[21] & 3) + 1;
        size_t at = 23;
        for (int a = 0; a < r[22]; a++) {
            if (at + 3 > r.size()) return Error("hvcC: truncated array");
            int count = be16(r, at + 1);
            at += 3;
            if (!read_nal_list(r, at, count, out))
                return Error("hvcC: truncated NAL list");
        }
        return out;
    }
    return Error("not a video codec");
}

std::string video_codec_string(const media::VideoConfig& config)
{
    if (!config.codec_string.empty()) return config.codec_string;
    const auto& r = config.record;
    char buf[64];
    if (config.codec == media::Codec::H264) {
        if (r.size() < 4) return "avc1";
        std::snprintf(buf, sizeof buf, "avc1.%02x%02x%02x", r[1], r[2], r[3]);
        return buf;
    }
    if (r.size() < 13) return "hvc1";
    // ISO/IEC 14496-15 E.3: hvc1.[space]profile.compat(reversed).tier+level.constraints
    std::string s = "hvc1.";
    int space = r[1] >> 6;
    if (space) s += static_cast<char>('A' + space - 1);
    s += std::to_string(r[1] & 0x1f);
    uint32_t compat =
        static_cast<uint32_t>(r[2]) << 24 | r[3] << 16 | r[4] << 8 | r[5];
    uint32_t reversed = 0;
    for (int i = 0; i < 32; i++)
        if (compat & (1u << i)) reversed |= 1u << (31 - i);
    std::snprintf(buf, sizeof buf, ".%X.%c%d", reversed,
                  (r[1] & 0x20) ? 'H' : 'L', r[12]);
    s += buf;
    int last = 11;
    while (last >= 6 && r[last] == 0)
        last--;  // trailing zero bytes omitted
    for (int i = 6; i <= last; i++) {
        std::snprintf(buf, sizeof buf, ".%X", r[i]);
        s += buf;
    }
    return s;
}

std::string audio_codec_string(const media::AudioConfig& config)
{
    if (!config.codec_string.empty()) return config.codec_string;
    auto info = parse_asc(config.asc);
    return "mp4a.40."
           + std::to_string(info.ok() ? info.value().object_type : 2);
}

}  // namespace fanout::package
