// tests/origin/package/mpegts_test.cc — packet structure, PSI, continuity
// counters across segments, PES contents (Annex B, AUD, SPS/PPS, ADTS).
#include "package/mpegts.h"

#include <gtest/gtest.h>

#include <map>

#include "package/segmenter.h"
#include "test_media.h"

namespace fanout::package {
namespace {

struct Packet {
    uint16_t pid;
    bool pusi;
    int cc;
    bool has_payload;
    bool random_access = false;
    int64_t pcr = -1;
    std::string payload;
};

std::vector<Packet> parse_ts(const std::string& ts)
{
    std::vector<Packet> out;
    EXPECT_EQ(ts.size() % 188, 0u);
    for (size_t at = 0; at + 188 <= ts.size(); at += 188) {
        auto b = [&](size_t i) { return static_cast<uint8_t>(ts[at + i]); };
        EXPECT_EQ(b(0), 0x47);
        Packet p;
        p.pusi = b(1) & 0x40;
        p.pid = static_cast<uint16_t>((b(1) & 0x1f) << 8 | b(2));
        int afc = (b(3) >> 4) & 3;
        p.cc = b(3) & 0x0f;
        p.has_payload = afc & 1;
        size_t pos = 4;
        if (afc & 2) {
            size_t len = b(4);
            if (len > 0) {
                p.random_access = b(5) & 0x40;
                if (b(5) & 0x10) {
                    p.pcr = static_cast<int64_t>(b(6)) << 25 | b(7) << 17
                            | b(8) << 9 | b(9) << 1 | b(10) >> 7;
                }
            }
            pos = 5 + len;
            EXPECT_LE(pos, 188u);
        }
        if (p.has_payload) p.payload = ts.substr(at + pos, 188 - pos);
        out.push_back(p);
    }
    return out;
}

int64_t read_ts(const std::string& b, size_t at)
{
    auto u = [&](size_t i) {
        return static_cast<int64_t>(static_cast<uint8_t>(b[at + i]));
    };
    return (u(0) >> 1 & 7) << 30 | u(1) << 22 | (u(2) >> 1) << 15 | u(3) << 7
           | u(4) >> 1;
}

struct Pes {
    uint16_t pid;
    int64_t pts = -1, dts = -1;
    std::string data;
};

std::vector<Pes> collect_pes(const std::vector<Packet>& pkts)
{
    std::vector<Pes> out;
    std::map<uint16_t, size_t> open;
    for (const Packet& p : pkts) {
        if (p.pid == 0 || p.pid == kPmtPid) continue;
        if (p.pusi) {
            Pes pes;
            pes.pid = p.pid;
            const std::string& h = p.payload;
            EXPECT_EQ(h.substr(0, 3), std::string("\0\0\1", 3));
            int flags = static_cast<uint8_t>(h[7]) >> 6;
            size_t hlen = static_cast<uint8_t>(h[8]);
            pes.pts = read_ts(h, 9);
            pes.dts = flags == 3 ? read_ts(h, 14) : pes.pts;
            pes.data = h.substr(9 + hlen);
            out.push_back(pes);
            open[p.pid] = out.size() - 1;
        } else {
            out[open.at(p.pid)].data += p.payload;
        }
    }
    return out;
}

std::vector<Segment> make_segments(bool video, bool audio)
{
    Segmenter s(SegmenterOptions{2000, 10000});
    if (video) s.set_video_config(test::h264_config());
    if (audio) s.set_audio_config(test::aac_config());
    std::vector<Segment> out;
    for (const auto& f : test::av_frames(4000, 25, 50, video, audio))
        if (auto seg = s.push(f)) out.push_back(std::move(*seg));
    if (auto seg = s.finish()) out.push_back(std::move(*seg));
    return out;
}

TEST(MpegTs, Crc32Mpeg2)
{
    const uint8_t check[] = {'1', '2', '3', '4', '5', '6', '7', '8', '9'};
    EXPECT_EQ(crc32_mpeg2(check, sizeof check), 0x0376e6e7u);
}

TEST(MpegTs, PsiAndContinuityAcrossSegments)
{
    auto segs = make_segments(true, true);
    ASSERT_EQ(segs.size(), 2u);
    TsState st;
    std::string all;
    for (const auto& s : segs) {
        std::string ts = write_ts_segment(s, st);
        auto pkts = parse_ts(ts);
        ASSERT_GE(pkts.size(), 3u);
        EXPECT_EQ(pkts[0].pid, 0);  // each segment opens with PAT, PMT
        EXPECT_EQ(pkts[1].pid, kPmtPid);
        for (int i : {0, 1}) {
            // pointer_field, then a section whose CRC checks out (CRC over
            // section + CRC is 0).
            const std::string& pl = pkts[i].payload;
            size_t len = (static_cast<uint8_t>(pl[2]) & 0x0f) << 8
                         | static_cast<uint8_t>(pl[3]);
            EXPECT_EQ(
                crc32_mpeg2(reinterpret_cast<const uint8_t*>(pl.data() + 1),
                            len + 3),
                0u);
        }
        // PMT lists H.264 and AAC with PCR on the video PID.
        const std::string& pmt = pkts[1].payload;
        EXPECT_EQ((static_cast<uint8_t>(pmt[9]) & 0x1f) << 8
                      | static_cast<uint8_t>(pmt[10]),
                  kVideoPid);
        EXPECT_EQ(static_cast<uint8_t>(pmt[13]), 0x1b);
        EXPECT_EQ(static_cast<uint8_t>(pmt[18]), 0x0f);
        all += ts;
    }
    std::map<uint16_t, int> last;
    for (const Packet& p : parse_ts(all)) {
        if (last.count(p.pid)) {
            EXPECT_EQ(p.cc, (last[p.pid] + 1) & 15) << "pid " << p.pid;
        }
        last[p.pid] = p.cc;
    }
}

TEST(MpegTs, VideoAccessUnitsAndAudioFrames)
{
    auto segs = make_segments(true, true);
    TsState st;
    auto pkts = parse_ts(write_ts_segment(segs[0], st));
    auto pes = collect_pes(pkts);
    size_t video = 0, audio = 0;
    int64_t last_dts = -1;
    for (const Pes& p : pes) {
        if (p.pid == kVideoPid) {
            // AUD first; a keyframe carries SPS and PPS before its slice.
            EXPECT_EQ(p.data.substr(0, 6), std::string("\0\0\0\1\x09\xf0", 6));
            bool key = video % 50 == 0;
            size_t sps = p.data.find(std::string("\0\0\0\1\x67", 5));
            size_t idr = p.data.find(std::string("\0\0\0\1\x65", 5));
            if (key) {
                EXPECT_NE(sps, std::string::npos);
                EXPECT_NE(p.data.find(std::string("\0\0\0\1\x68", 5)),
                          std::string::npos);
                ASSERT_NE(idr, std::string::npos);
                EXPECT_LT(sps, idr);
            } else {
                EXPECT_EQ(sps, std::string::npos);
                EXPECT_NE(p.data.find(std::string("\0\0\0\1\x41", 5)),
                          std::string::npos);
            }
            EXPECT_EQ(p.dts,
                      static_cast<int64_t>(video) * 3600 + kTsTimestampOffset);
            video++;
        } else {
            ASSERT_EQ(p.pid, kAudioPid);
            EXPECT_EQ(static_cast<uint8_t>(p.data[0]), 0xff);  // ADTS sync
            EXPECT_EQ(p.data.size(), 7u + 20u);
            audio++;
        }
        // Interleaved by decode time, within one audio frame.
        EXPECT_GE(p.dts + 2100, last_dts);
        last_dts = std::max(last_dts, p.dts);
    }
    EXPECT_EQ(video, segs[0].video.samples.size());
    EXPECT_EQ(audio, segs[0].audio.samples.size());

    // PCR on the video PID, at each video PES start, behind its DTS.
    bool saw_pcr = false;
    for (const Packet& p : pkts) {
        if (p.pcr >= 0) {
            EXPECT_EQ(p.pid, kVideoPid);
            EXPECT_TRUE(p.pusi);
            saw_pcr = true;
        }
    }
    EXPECT_TRUE(saw_pcr);
    EXPECT_TRUE(pkts[2].random_access || pkts[3].random_access);
}

TEST(MpegTs, AudioOnlyCarriesPcrOnAudio)
{
    auto segs = make_segments(false, true);
    TsState st;
    auto pkts = parse_ts(write_ts_segment(segs[0], st));
    const std::string& pmt = pkts[1].payload;
    EXPECT_EQ((static_cast<uint8_t>(pmt[9]) & 0x1f) << 8
                  | static_cast<uint8_t>(pmt[10]),
              kAudioPid);
    int pcrs = 0;
    for (const Packet& p : pkts) {
        EXPECT_NE(p.pid, kVideoPid);
        if (p.pcr >= 0) pcrs++;
    }
    EXPECT_EQ(static_cast<size_t>(pcrs), segs[0].audio.samples.size());
}

}  // namespace
}  // namespace fanout::package
