// media/aac.cc — see aac.h.
#include "media/aac.h"

#include <string>

#include "media/bit_reader.h"

namespace fanout::media {
namespace {

constexpr int kRates[13] = {96000, 88200, 64000, 48000, 44100, 32000, 24000,
                            22050, 16000, 12000, 11025, 8000,  7350};

bool read_object_type(BitReader& br, int& aot)
{
    uint32_t v = 0;
    if (!br.bits(5, v)) return false;
    if (v == 31) {
        uint32_t ext = 0;
        if (!br.bits(6, ext)) return false;
        v = 32 + ext;
    }
    aot = static_cast<int>(v);
    return true;
}

Result<int> read_rate(BitReader& br)
{
    uint32_t index = 0;
    if (!br.bits(4, index)) return Error("AudioSpecificConfig: truncated");
    if (index == 15) {
        uint32_t explicit_rate = 0;
        if (!br.bits(24, explicit_rate))
            return Error("AudioSpecificConfig: truncated");
        if (explicit_rate == 0)
            return Error("AudioSpecificConfig: sampling rate 0");
        return static_cast<int>(explicit_rate);
    }
    if (index >= 13) {
        return Error("AudioSpecificConfig: reserved sampling frequency index "
                     + std::to_string(index));
    }
    return kRates[index];
}

// channelConfiguration → channels (ISO/IEC 14496-3 Table 1.19, with the
// later additions 11, 12 and 14).  0 means a program config element, which
// we do not parse.
int channels_for(uint32_t config)
{
    static constexpr int kChannels[16] = {0, 1, 2, 3, 4, 5, 6, 8,
                                          0, 0, 0, 7, 8, 0, 8, 0};
    return config < 16 ? kChannels[config] : 0;
}

}  // namespace

Result<AacConfig> parse_audio_specific_config(std::span<const uint8_t> asc)
{
    BitReader br(asc);
    AacConfig c;
    if (!read_object_type(br, c.object_type)) {
        return Error("AudioSpecificConfig: truncated ("
                     + std::to_string(asc.size()) + " bytes)");
    }
    if (c.object_type == 0) return Error("AudioSpecificConfig: object type 0");
    Result<int> rate = read_rate(br);
    if (!rate) return rate.error();
    c.sample_rate = rate.value();
    uint32_t channel_config = 0;
    if (!br.bits(4, channel_config))
        return Error("AudioSpecificConfig: truncated");
    c.channels = channels_for(channel_config);
    if (c.channels == 0) {
        return Error("AudioSpecificConfig: channel configuration "
                     + std::to_string(channel_config) + " not supported");
    }
    if (c.object_type == 5 || c.object_type == 29) {
        // Explicit hierarchical SBR signalling: the extension rate, then the
        // core codec's object type.  The codec string keeps 5/29 (what
        // players need to know); sample_rate stays the core rate that
        // 1024-sample access units are counted in.
        Result<int> ext = read_rate(br);
        if (!ext) return ext.error();
        c.extension_sample_rate = ext.value();
        int core = 0;
        if (!read_object_type(br, core))
            return Error("AudioSpecificConfig: truncated");
    }
    return c;
}

Result<AudioConfig> aac_audio_config(std::span<const uint8_t> asc)
{
    Result<AacConfig> c = parse_audio_specific_config(asc);
    if (!c) return c.error();
    AudioConfig out;
    out.codec = Codec::AAC;
    out.asc.assign(asc.begin(), asc.end());
    out.sample_rate = c->sample_rate;
    out.channels = c->channels;
    out.codec_string = "mp4a.40." + std::to_string(c->object_type);
    return out;
}

}  // namespace fanout::media
