// package/mpegts.cc — see mpegts.h.  ISO/IEC 13818-1.
#include "package/mpegts.h"

#include <algorithm>
#include <vector>

#include "package/codec_info.h"

namespace fanout::package {
namespace {

constexpr size_t kPacket = 188;
constexpr uint8_t kStreamTypeH264 = 0x1b;
constexpr uint8_t kStreamTypeHevc = 0x24;
constexpr uint8_t kStreamTypeAac = 0x0f;

struct PesOptions {
    uint16_t pid = 0;
    uint8_t stream_id = 0;
    int64_t pts = 0, dts = 0;
    bool with_dts = false;
    bool bounded = true;  // PES_packet_length set (audio)
    bool random_access = false;
    int64_t pcr = -1;  // base, 90 kHz; -1 none
};

void put_timestamp(std::vector<uint8_t>& out, uint8_t prefix, int64_t ts)
{
    uint64_t v = static_cast<uint64_t>(ts) & 0x1ffffffffULL;
    out.push_back(static_cast<uint8_t>(prefix << 4 | ((v >> 29) & 0x0e) | 1));
    out.push_back(static_cast<uint8_t>(v >> 22));
    out.push_back(static_cast<uint8_t>(((v >> 14) & 0xfe) | 1));
    out.push_back(static_cast<uint8_t>(v >> 7));
    out.push_back(static_cast<uint8_t>(((v << 1) & 0xfe) | 1));
}

// Splits one PES into TS packets appended to `out`.
void write_pes(std::string& out, const PesOptions& o, uint8_t& cc,
               const std::vector<uint8_t>& payload)
{
    std::vector<uint8_t> pes;
    pes.reserve(payload.size() + 19);
    pes.insert(pes.end(), {0x00, 0x00, 0x01, o.stream_id});
    size_t header_data = o.with_dts ? 10 : 5;
    size_t length = 3 + header_data + payload.size();
    if (!o.bounded || length > 0xffff) length = 0;  // unbounded: video only
    pes.push_back(static_cast<uint8_t>(length >> 8));
    pes.push_back(static_cast<uint8_t>(length));
    pes.push_back(0x84);  // '10', data_alignment
    pes.push_back(o.with_dts ? 0xc0 : 0x80);
    pes.push_back(static_cast<uint8_t>(header_data));
    put_timestamp(pes, o.with_dts ? 3 : 2, o.pts);
    if (o.with_dts) put_timestamp(pes, 1, o.dts);
    pes.insert(pes.end(), payload.begin(), payload.end());

    size_t pos = 0;
    bool first = true;
    while (pos < pes.size()) {
        uint8_t pkt[kPacket];
        size_t n = 0;
        pkt[n++] = 0x47;
        pkt[n++] = static_cast<uint8_t>((first ? 0x40 : 0) | (o.pid >> 8));
        pkt[n++] = static_cast<uint8_t>(o.pid);
        size_t cc_at = n++;

        // Adaptation field body (after its length byte).
        uint8_t af[184];
        size_t af_len = 0;
        bool want_af = first && (o.random_access || o.pcr >= 0);
        if (want_af) {
            af[af_len++] = static_cast<uint8_t>((o.random_access ? 0x40 : 0)
                                                | (o.pcr >= 0 ? 0x10 : 0));
            if (o.pcr >= 0) {
                uint64_t base = static_cast<uint64_t>(o.pcr) & 0x1ffffffffULL;
                af[af_len++] = static_cast<uint8_t>(base >> 25);
                af[af_len++] = static_cast<uint8_t>(base >> 17);
                af[af_len++] = static_cast<uint8_t>(base >> 9);
                af[af_len++] = static_cast<uint8_t>(base >> 1);
                af[af_len++] = static_cast<uint8_t>((base & 1) << 7
                                                    | 0x7e);  // reserved, ext 0
                af[af_len++] = 0;
            }
        }
        size_t space = 184 - (want_af ? 1 + af_len : 0);
        size_t remaining = pes.size() - pos;
        if (remaining < space) {
            size_t stuff = space - remaining;
            if (!want_af) {
                // A bare length byte absorbs one byte; more needs flags.
                want_af = true;
                stuff -= 1;
                if (stuff > 0) {
                    af[af_len++] = 0x00;
                    stuff -= 1;
                }
            }
            std::fill(af + af_len, af + af_len + stuff, 0xff);
            af_len += stuff;
        }
        pkt[cc_at] =
            static_cast<uint8_t>((want_af ? 0x30 : 0x10) | (cc & 0x0f));
        cc = (cc + 1) & 0x0f;
        if (want_af) {
            pkt[n++] = static_cast<uint8_t>(af_len);
            std::copy(af, af + af_len, pkt + n);
            n += af_len;
        }
        size_t take = std::min(kPacket - n, remaining);
        std::copy(pes.begin() + static_cast<long>(pos),
                  pes.begin() + static_cast<long>(pos + take), pkt + n);
        n += take;
        pos += take;
        out.append(reinterpret_cast<const char*>(pkt), n);
        first = false;
    }
}

void write_section(std::string& out, uint16_t pid, uint8_t& cc,
                   std::vector<uint8_t> section)
{
    uint32_t crc = crc32_mpeg2(section.data(), section.size());
    for (int s = 24; s >= 0; s -= 8)
        section.push_back(static_cast<uint8_t>(crc >> s));
    std::string pkt(kPacket, '\xff');
    pkt[0] = 0x47;
    pkt[1] = static_cast<char>(0x40 | (pid >> 8));
    pkt[2] = static_cast<char>(pid & 0xff);
    pkt[3] = static_cast<char>(0x10 | (cc & 0x0f));
    cc = (cc + 1) & 0x0f;
    pkt[4] = 0;  // pointer_field
    std::copy(section.begin(), section.end(), pkt.begin() + 5);
    out += pkt;
}

void write_psi(std::string& out, const TrackConfig& tracks, TsState& st)
{
    // PAT: program 1 → PMT PID.
    std::vector<uint8_t> pat = {0x00,
                                0xb0,
                                13,
                                0x00,
                                0x01,
                                0xc1,
                                0x00,
                                0x00,
                                0x00,
                                0x01,
                                static_cast<uint8_t>(0xe0 | kPmtPid >> 8),
                                static_cast<uint8_t>(kPmtPid & 0xff)};
    write_section(out, 0, st.pat_cc, pat);

    uint16_t pcr_pid = tracks.video ? kVideoPid : kAudioPid;
    std::vector<uint8_t> es;
    auto add = [&es](uint8_t type, uint16_t pid) {
        es.insert(es.end(), {type, static_cast<uint8_t>(0xe0 | pid >> 8),
                             static_cast<uint8_t>(pid & 0xff), 0xf0, 0x00});
    };
    if (tracks.video)
        add(tracks.video->codec == media::Codec::HEVC ? kStreamTypeHevc
                                                      : kStreamTypeH264,
            kVideoPid);
    if (tracks.audio) add(kStreamTypeAac, kAudioPid);
    size_t section_length = 9 + es.size() + 4;
    // A new config generation may change stream types: new PMT version.
    uint8_t version =
        static_cast<uint8_t>(0xc1 | (tracks.generation & 0x1f) << 1);
    std::vector<uint8_t> pmt = {
        0x02,
        static_cast<uint8_t>(0xb0 | section_length >> 8),
        static_cast<uint8_t>(section_length & 0xff),
        0x00,
        0x01,
        version,
        0x00,
        0x00,
        static_cast<uint8_t>(0xe0 | pcr_pid >> 8),
        static_cast<uint8_t>(pcr_pid & 0xff),
        0xf0,
        0x00};
    pmt.insert(pmt.end(), es.begin(), es.end());
    write_section(out, kPmtPid, st.pmt_cc, pmt);
}

// One AVCC/HVCC access unit → Annex B with AUD (+ parameter sets).
std::vector<uint8_t> annex_b(const uint8_t* p, size_t size, bool keyframe,
                             bool hevc, const ParameterSets& ps)
{
    static const uint8_t kStart[4] = {0, 0, 0, 1};
    std::vector<uint8_t> out;
    out.reserve(size + 64);
    out.insert(out.end(), kStart, kStart + 4);
    if (hevc)
        out.insert(out.end(), {0x46, 0x01, 0x50});
    else
        out.insert(out.end(), {0x09, 0xf0});

    struct Nal {
        size_t at, len;
        int type;
    };
    std::vector<Nal> nals;
    bool has_ps = false;
    size_t pos = 0;
    size_t ls = static_cast<size_t>(ps.nal_length_size);
    while (pos + ls <= size) {
        size_t len = 0;
        for (size_t i = 0; i < ls; i++)
            len = len << 8 | p[pos + i];
        pos += ls;
        if (len == 0 || len > size - pos) break;  // malformed tail: drop it
        int type = hevc ? (p[pos] >> 1) & 0x3f : p[pos] & 0x1f;
        nals.push_back({pos, len, type});
        if (hevc ? (type >= 32 && type <= 34) : (type == 7 || type == 8))
            has_ps = true;
        pos += len;
    }
    if (keyframe && !has_ps) {
        for (const auto& n : ps.nals) {
            out.insert(out.end(), kStart, kStart + 4);
            out.insert(out.end(), n.begin(), n.end());
        }
    }
    for (const Nal& n : nals) {
        if (n.type == (hevc ? 35 : 9))
            continue;  // our own AUD is already there
        out.insert(out.end(), kStart, kStart + 4);
        out.insert(out.end(), p + n.at, p + n.at + n.len);
    }
    return out;
}

}  // namespace

uint32_t crc32_mpeg2(const uint8_t* data, size_t size)
{
    uint32_t crc = 0xffffffff;
    for (size_t i = 0; i < size; i++) {
        crc ^= static_cast<uint32_t>(data[i]) << 24;
        for (int b = 0; b < 8; b++)
            crc = (crc & 0x80000000) ? (crc << 1) ^ 0x04c11db7 : crc << 1;
    }
    return crc;
}

std::string write_ts_segment(const Segment& seg, TsState& st)
{
    const TrackConfig& tracks = *seg.tracks;
    std::string out;
    out.reserve((seg.video.payload_size() + seg.audio.payload_size()) * 106
                    / 100
                + 4 * kPacket);
    write_psi(out, tracks, st);

    ParameterSets ps;
    bool hevc = false;
    if (tracks.video) {
        hevc = tracks.video->codec == media::Codec::HEVC;
        auto r = parameter_sets(*tracks.video);
        if (r.ok()) ps = std::move(r.value());
    }
    AscInfo asc;
    if (tracks.audio) {
        auto r = parse_asc(tracks.audio->asc);
        if (r.ok()) asc = r.value();
    }
    const bool video_clock = tracks.video.has_value();
    const uint32_t ats = seg.audio.timescale ? seg.audio.timescale : 1;

    size_t vi = 0, ai = 0;
    const auto& vs = seg.video.samples;
    const auto& as = seg.audio.samples;
    while (vi < vs.size() || ai < as.size()) {
        int64_t vdts = vi < vs.size() ? vs[vi].dts : INT64_MAX;
        int64_t adts = ai < as.size() ? as[ai].dts * 90000 / ats : INT64_MAX;
        PesOptions o;
        if (vdts <= adts) {
            const Sample& s = vs[vi++];
            o.pid = kVideoPid;
            o.stream_id = 0xe0;
            o.dts = vdts + kTsTimestampOffset;
            o.pts = o.dts + s.cto;
            o.with_dts = s.cto != 0;
            o.bounded = false;
            o.random_access = s.sync;
            o.pcr = std::max<int64_t>(0, o.dts - kTsPcrDelay);
            write_pes(out, o, st.video_cc,
                      annex_b(s.data.data(), s.size(), s.sync, hevc, ps));
        } else {
            const Sample& s = as[ai++];
            o.pid = kAudioPid;
            o.stream_id = 0xc0;
            o.pts = o.dts = adts + kTsTimestampOffset;
            o.random_access = !video_clock;
            if (!video_clock) o.pcr = std::max<int64_t>(0, o.dts - kTsPcrDelay);
            std::vector<uint8_t> payload = adts_header(asc, s.size());
            payload.insert(payload.end(), s.data.begin(), s.data.end());
            write_pes(out, o, st.audio_cc, payload);
        }
    }
    return out;
}

}  // namespace fanout::package
