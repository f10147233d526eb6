// media/avc.cc — see avc.h.
#include "media/avc.h"

#include <cstdio>

#include "media/bit_reader.h"
#include "media/byte_reader.h"
#include "media/nal.h"

namespace fanout::media {
namespace {

// Profiles whose SPS carries chroma_format_idc, bit depths and scaling
// matrices (H.264 7.3.2.1.1).
bool has_chroma_info(int profile_idc)
{
    switch (profile_idc) {
        case 100:
        case 110:
        case 122:
        case 244:
        case 44:
        case 83:
        case 86:
        case 118:
        case 128:
        case 138:
        case 139:
        case 134:
        case 135:
            return true;
        default:
            return false;
    }
}

// scaling_list(): only its length matters to us, but each delta must be
// decoded to know where the next one starts.
bool skip_scaling_list(BitReader& br, int size)
{
    int64_t last = 8, next = 8;
    for (int j = 0; j < size; ++j) {
        if (next != 0) {
            int64_t delta = 0;
            if (!br.se(delta) || delta < -128 || delta > 127) return false;
            next = (last + delta + 256) % 256;
        }
        last = (next == 0) ? last : next;
    }
    return true;
}

Error sps_error(const std::string& what)
{
    return Error("SPS: " + what);
}

// The high profiles' chroma format, bit depths and scaling lists (7.3.2.1.1).
Status read_chroma_info(BitReader& br, AvcSps& sps, bool& separate_planes)
{
    uint32_t chroma = 0, depth_luma = 0, depth_chroma = 0;
    if (!br.ue(chroma) || chroma > 3) return sps_error("bad chroma_format_idc");
    sps.chroma_format_idc = static_cast<int>(chroma);
    if (chroma == 3 && !br.flag(separate_planes)) return sps_error("truncated");
    if (!br.ue(depth_luma) || depth_luma > 6) return sps_error("bad bit depth");
    if (!br.ue(depth_chroma) || depth_chroma > 6)
        return sps_error("bad bit depth");
    bool bypass = false, matrix = false;
    if (!br.flag(bypass) || !br.flag(matrix)) return sps_error("truncated");
    if (matrix) {
        int lists = (chroma != 3) ? 8 : 12;
        for (int i = 0; i < lists; ++i) {
            bool present = false;
            if (!br.flag(present)) return sps_error("truncated");
            if (present && !skip_scaling_list(br, i < 6 ? 16 : 64)) {
                return sps_error("bad scaling list");
            }
        }
    }
    return {};
}

// Frame numbering and picture order count fields: only checked, not kept.
Status read_poc_info(BitReader& br)
{
    uint32_t log2_frame_num = 0, poc_type = 0;
    if (!br.ue(log2_frame_num) || log2_frame_num > 12) {
        return sps_error("bad log2_max_frame_num");
    }
    if (!br.ue(poc_type) || poc_type > 2)
        return sps_error("bad pic_order_cnt_type");
    if (poc_type == 0) {
        uint32_t log2_poc = 0;
        if (!br.ue(log2_poc) || log2_poc > 12)
            return sps_error("bad log2_max_poc_lsb");
    } else if (poc_type == 1) {
        bool always_zero = false;
        int64_t s = 0;
        uint32_t cycle = 0;
        if (!br.flag(always_zero) || !br.se(s) || !br.se(s))
            return sps_error("truncated");
        if (!br.ue(cycle) || cycle > 255) return sps_error("bad poc cycle");
        for (uint32_t i = 0; i < cycle; ++i) {
            if (!br.se(s)) return sps_error("truncated");
        }
    }
    return {};
}

}  // namespace

Result<AvcSps> parse_avc_sps(std::span<const uint8_t> nal)
{
    if (nal.empty()) return sps_error("empty");
    if ((nal[0] & 0x1f) != 7) {
        return sps_error("NAL type " + std::to_string(nal[0] & 0x1f)
                         + " is not an SPS");
    }
    std::vector<uint8_t> rbsp = nal_to_rbsp(nal.subspan(1));
    BitReader br(rbsp);
    AvcSps sps;
    uint32_t v = 0, id = 0;
    if (!br.bits(8, v)) return sps_error("truncated");
    sps.profile_idc = static_cast<int>(v);
    if (!br.bits(8, v)) return sps_error("truncated");
    sps.constraint_flags = static_cast<int>(v);
    if (!br.bits(8, v)) return sps_error("truncated");
    sps.level_idc = static_cast<int>(v);
    if (!br.ue(id) || id > 31) return sps_error("bad seq_parameter_set_id");

    bool separate_planes = false;
    if (has_chroma_info(sps.profile_idc)) {
        Status st = read_chroma_info(br, sps, separate_planes);
        if (!st) return st.error();
    }
    if (Status st = read_poc_info(br); !st) return st.error();
    uint32_t ref_frames = 0, width_mbs = 0, height_units = 0;
    bool gaps = false, frame_mbs_only = false;
    if (!br.ue(ref_frames) || !br.flag(gaps)) return sps_error("truncated");
    if (!br.ue(width_mbs) || !br.ue(height_units))
        return sps_error("truncated");
    if (!br.flag(frame_mbs_only)) return sps_error("truncated");
    if (!frame_mbs_only) {
        bool adaptive = false;
        if (!br.flag(adaptive)) return sps_error("truncated");
    }
    bool direct8x8 = false, cropping = false;
    if (!br.flag(direct8x8) || !br.flag(cropping))
        return sps_error("truncated");
    uint32_t crop[4] = {0, 0, 0, 0};  // left, right, top, bottom
    if (cropping) {
        for (uint32_t& c : crop) {
            if (!br.ue(c)) return sps_error("truncated");
        }
    }

    // 64-bit arithmetic: every ue() above may be near 2^32.
    const int64_t field_factor = frame_mbs_only ? 1 : 2;
    int64_t crop_x = 1, crop_y = field_factor;
    if (sps.chroma_format_idc != 0 && !separate_planes) {
        const int64_t sub_w = (sps.chroma_format_idc == 3) ? 1 : 2;
        const int64_t sub_h = (sps.chroma_format_idc == 1) ? 2 : 1;
        crop_x = sub_w;
        crop_y = sub_h * field_factor;
    }
    const int64_t w =
        (int64_t{width_mbs} + 1) * 16 - (int64_t{crop[0]} + crop[1]) * crop_x;
    const int64_t h = field_factor * (int64_t{height_units} + 1) * 16
                      - (int64_t{crop[2]} + crop[3]) * crop_y;
    if (w <= 0 || h <= 0 || w > 16384 || h > 16384) {
        return Error("SPS: picture size " + std::to_string(w) + "x"
                     + std::to_string(h) + " out of range");
    }
    sps.width = static_cast<int>(w);
    sps.height = static_cast<int>(h);
    return sps;
}

Result<AvcRecord> parse_avcc(std::span<const uint8_t> record)
{
    ByteReader r(record);
    AvcRecord rec;
    uint8_t version = 0, length_byte = 0, count = 0;
    if (!r.u8(version) || !r.u8(rec.profile) || !r.u8(rec.compatibility)
        || !r.u8(rec.level) || !r.u8(length_byte) || !r.u8(count)) {
        return Error("avcC: truncated header (" + std::to_string(record.size())
                     + " bytes)");
    }
    if (version != 1) {
        return Error("avcC: configurationVersion " + std::to_string(version));
    }
    rec.nal_length_size = (length_byte & 3) + 1;
    if (rec.nal_length_size == 3)
        return Error("avcC: NAL length size 3 is invalid");

    auto read_sets = [&](int n, int want_type, const char* name,
                         std::vector<std::span<const uint8_t>>& out) -> Status {
        for (int i = 0; i < n; ++i) {
            uint16_t len = 0;
            std::span<const uint8_t> nal;
            if (!r.u16(len) || !r.bytes(len, nal)) {
                return Error(std::string("avcC: truncated ") + name + " "
                             + std::to_string(i));
            }
            if (len == 0 || (nal[0] & 0x1f) != want_type) {
                return Error(std::string("avcC: ") + name + " "
                             + std::to_string(i) + " is not a " + name
                             + " NAL unit");
            }
            out.push_back(nal);
        }
        return {};
    };
    if (Status s = read_sets(count & 0x1f, 7, "SPS", rec.sps); !s)
        return s.error();
    if (!r.u8(count)) return Error("avcC: truncated PPS count");
    if (Status s = read_sets(count, 8, "PPS", rec.pps); !s) return s.error();
    if (rec.sps.empty()) return Error("avcC: no SPS");
    if (rec.pps.empty()) return Error("avcC: no PPS");
    // High-profile trailers (chroma format, bit depths, SPS extensions) may
    // follow; they are kept in the record as they are.
    return rec;
}

std::string avc_codec_string(uint8_t profile, uint8_t compatibility,
                             uint8_t level)
{
    char buf[16];
    std::snprintf(buf, sizeof buf, "avc1.%02x%02x%02x", profile, compatibility,
                  level);
    return buf;
}

Result<ParsedVideoConfig> avc_video_config(std::span<const uint8_t> record)
{
    Result<AvcRecord> rec = parse_avcc(record);
    if (!rec) return rec.error();
    Result<AvcSps> sps = parse_avc_sps(rec->sps.front());
    if (!sps) return sps.error().wrap("avcC");
    ParsedVideoConfig out;
    out.nal_length_size = rec->nal_length_size;
    out.config.codec = Codec::H264;
    out.config.record.assign(record.begin(), record.end());
    out.config.record[4] = 0xff;  // reserved 111111 + lengthSizeMinusOne 3
    out.config.width = sps->width;
    out.config.height = sps->height;
    out.config.codec_string =
        avc_codec_string(rec->profile, rec->compatibility, rec->level);
    return out;
}

}  // namespace fanout::media
