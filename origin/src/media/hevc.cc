// media/hevc.cc — see hevc.h.
#include "media/hevc.h"

#include <cstdio>
#include <vector>

#include "media/bit_reader.h"
#include "media/byte_reader.h"
#include "media/nal.h"

namespace fanout::media {
namespace {

constexpr int kSpsNalType = 33;
constexpr size_t kProfileBits = 88;  // general/sub-layer profile fields
constexpr size_t kRecordHeader = 23;

Error sps_error(const std::string& what)
{
    return Error("HEVC SPS: " + what);
}

// profile_tier_level(1, max_sub_layers_minus1) (H.265 7.3.3): only skipped.
bool skip_profile_tier_level(BitReader& br, uint32_t max_sub_layers_minus1)
{
    if (!br.skip(kProfileBits + 8)) return false;
    bool profile_present[8] = {}, level_present[8] = {};
    for (uint32_t i = 0; i < max_sub_layers_minus1; ++i) {
        if (!br.flag(profile_present[i]) || !br.flag(level_present[i]))
            return false;
    }
    if (max_sub_layers_minus1 > 0
        && !br.skip(2 * (8 - max_sub_layers_minus1))) {
        return false;
    }
    for (uint32_t i = 0; i < max_sub_layers_minus1; ++i) {
        if (profile_present[i] && !br.skip(kProfileBits)) return false;
        if (level_present[i] && !br.skip(8)) return false;
    }
    return true;
}

}  // namespace

Result<HevcSps> parse_hevc_sps(std::span<const uint8_t> nal)
{
    if (nal.size() < 2) return sps_error("truncated NAL header");
    const int type = (nal[0] >> 1) & 0x3f;
    if (type != kSpsNalType) {
        return sps_error("NAL type " + std::to_string(type) + " is not an SPS");
    }
    std::vector<uint8_t> rbsp = nal_to_rbsp(nal.subspan(2));
    BitReader br(rbsp);
    HevcSps sps;
    uint32_t vps_id = 0, max_sub_layers = 0, id = 0, chroma = 0, w = 0, h = 0;
    bool nesting = false, separate = false, window = false;
    if (!br.bits(4, vps_id) || !br.bits(3, max_sub_layers)
        || !br.flag(nesting)) {
        return sps_error("truncated");
    }
    if (max_sub_layers > 6) return sps_error("bad sps_max_sub_layers_minus1");
    if (!skip_profile_tier_level(br, max_sub_layers))
        return sps_error("truncated");
    if (!br.ue(id) || id > 15) return sps_error("bad sps_seq_parameter_set_id");
    if (!br.ue(chroma) || chroma > 3) return sps_error("bad chroma_format_idc");
    if (chroma == 3 && !br.flag(separate)) return sps_error("truncated");
    if (!br.ue(w) || !br.ue(h) || !br.flag(window))
        return sps_error("truncated");
    uint32_t win[4] = {0, 0, 0, 0};  // left, right, top, bottom
    if (window) {
        for (uint32_t& c : win) {
            if (!br.ue(c)) return sps_error("truncated");
        }
    }
    int64_t sub_w = 1, sub_h = 1;
    if (!separate && (chroma == 1 || chroma == 2)) sub_w = 2;
    if (!separate && chroma == 1) sub_h = 2;
    const int64_t width = int64_t{w} - sub_w * (int64_t{win[0]} + win[1]);
    const int64_t height = int64_t{h} - sub_h * (int64_t{win[2]} + win[3]);
    if (width <= 0 || height <= 0 || width > 16384 || height > 16384) {
        return Error("HEVC SPS: picture size " + std::to_string(width) + "x"
                     + std::to_string(height) + " out of range");
    }
    sps.chroma_format_idc = static_cast<int>(chroma);
    sps.width = static_cast<int>(width);
    sps.height = static_cast<int>(height);
    return sps;
}

Result<HevcRecord> parse_hvcc(std::span<const uint8_t> record)
{
    if (record.size() < kRecordHeader) {
        return Error("hvcC: truncated header (" + std::to_string(record.size())
                     + " bytes)");
    }
    if (record[0] != 1) {
        return Error("hvcC: configurationVersion " + std::to_string(record[0]));
    }
    HevcRecord rec;
    rec.profile_space = record[1] >> 6;
    rec.tier = (record[1] >> 5) & 1;
    rec.profile_idc = record[1] & 0x1f;
    rec.compatibility = (uint32_t{record[2]} << 24)
                        | (uint32_t{record[3]} << 16)
                        | (uint32_t{record[4]} << 8) | record[5];
    for (int i = 0; i < 6; ++i)
        rec.constraints[i] = record[6 + i];
    rec.level_idc = record[12];
    rec.nal_length_size = (record[21] & 3) + 1;
    if (rec.nal_length_size == 3)
        return Error("hvcC: NAL length size 3 is invalid");

    ByteReader r(record.subspan(22));
    uint8_t arrays = 0;
    if (!r.u8(arrays)) return Error("hvcC: truncated");
    for (int a = 0; a < arrays; ++a) {
        uint8_t type_byte = 0;
        uint16_t count = 0;
        if (!r.u8(type_byte) || !r.u16(count)) {
            return Error("hvcC: truncated array " + std::to_string(a));
        }
        for (int i = 0; i < count; ++i) {
            uint16_t len = 0;
            std::span<const uint8_t> nal;
            if (!r.u16(len) || !r.bytes(len, nal)) {
                return Error("hvcC: truncated NAL unit " + std::to_string(i)
                             + " of array " + std::to_string(a));
            }
            if ((type_byte & 0x3f) == kSpsNalType && rec.sps.empty()
                && len > 0) {
                rec.sps = nal;
            }
        }
    }
    if (rec.sps.empty()) return Error("hvcC: no SPS");
    return rec;
}

std::string hevc_codec_string(const HevcRecord& rec)
{
    std::string s = "hvc1.";
    if (rec.profile_space > 0)
        s += static_cast<char>('A' + rec.profile_space - 1);
    s += std::to_string(rec.profile_idc);
    // The compatibility flags are written bit-reversed, in hex.
    uint32_t reversed = 0;
    for (int i = 0; i < 32; ++i) {
        if (rec.compatibility & (1u << i)) reversed |= 1u << (31 - i);
    }
    char buf[16];
    std::snprintf(buf, sizeof buf, ".%X.", reversed);
    s += buf;
    s += rec.tier ? 'H' : 'L';
    s += std::to_string(rec.level_idc);
    int last = 5;
    while (last >= 0 && rec.constraints[last] == 0)
        --last;
    for (int i = 0; i <= last; ++i) {
        std::snprintf(buf, sizeof buf, ".%X", rec.constraints[i]);
        s += buf;
    }
    return s;
}

Result<ParsedVideoConfig> hevc_video_config(std::span<const uint8_t> record)
{
    Result<HevcRecord> rec = parse_hvcc(record);
    if (!rec) return rec.error();
    Result<HevcSps> sps = parse_hevc_sps(rec->sps);
    if (!sps) return sps.error().wrap("hvcC");
    ParsedVideoConfig out;
    out.nal_length_size = rec->nal_length_size;
    out.config.codec = Codec::HEVC;
    out.config.record.assign(record.begin(), record.end());
    out.config.record[21] |= 3;  // lengthSizeMinusOne = 3
    out.config.width = sps->width;
    out.config.height = sps->height;
    out.config.codec_string = hevc_codec_string(rec.value());
    return out;
}

}  // namespace fanout::media
