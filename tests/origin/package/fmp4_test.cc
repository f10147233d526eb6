// tests/origin/package/fmp4_test.cc — box layout of init and media
// segments, parsed back with an independent reader.
#include "package/fmp4.h"

#include <gtest/gtest.h>

#include "box_reader.h"
#include "test_media.h"

namespace fanout::package {
namespace {

using test::be16;
using test::be32;
using test::Box;
using test::child;
using test::children;
using test::parse_boxes;

TrackConfig av_tracks()
{
    TrackConfig t;
    t.video = test::h264_config();
    t.audio = test::aac_config();
    return t;
}

// Every container below `box` parses with sizes that add up exactly.
void expect_tree_consistent(const std::vector<Box>& boxes)
{
    for (const Box& b : boxes) {
        static const char* const kContainers[] = {"moov", "trak", "mdia",
                                                  "minf", "stbl", "dinf",
                                                  "mvex", "moof", "traf"};
        for (const char* c : kContainers) {
            if (b.type != c) continue;
            auto kids = children(b);
            ASSERT_TRUE(kids) << "bad children in " << b.type;
            expect_tree_consistent(*kids);
        }
    }
}

// Video: tkhd id 1 and 640x360, mdhd 90 kHz, vide, vmhd, avc1 + avcC.
void expect_video_trak(const Box& vtrak, const TrackConfig& tracks)
{
    auto vk = *children(vtrak);
    std::string_view tkhd = child(vk, "tkhd")->body();
    EXPECT_EQ(be32(tkhd, 12), kVideoTrackId);
    EXPECT_EQ(be32(tkhd, 76), 640u << 16);
    EXPECT_EQ(be32(tkhd, 80), 360u << 16);
    auto mdia = *children(*child(vk, "mdia"));
    EXPECT_EQ(be32(child(mdia, "mdhd")->body(), 12), 90000u);
    EXPECT_EQ(child(mdia, "hdlr")->body().substr(8, 4), "vide");
    auto minf = *children(*child(mdia, "minf"));
    EXPECT_TRUE(child(minf, "vmhd"));
    EXPECT_TRUE(child(minf, "dinf"));
    auto stbl = *children(*child(minf, "stbl"));
    for (const char* t : {"stts", "stsc", "stco"})
        EXPECT_EQ(be32(child(stbl, t)->body(), 4), 0u) << t;
    EXPECT_EQ(be32(child(stbl, "stsz")->body(), 8), 0u);
    const Box* stsd = child(stbl, "stsd");
    EXPECT_EQ(be32(stsd->body(), 4), 1u);
    auto entries = children(*stsd, 8);
    ASSERT_TRUE(entries);
    const Box* avc1 = child(*entries, "avc1");
    ASSERT_TRUE(avc1);
    EXPECT_EQ(be16(avc1->body(), 24), 640);
    EXPECT_EQ(be16(avc1->body(), 26), 360);
    auto avc1_kids = children(*avc1, 78);
    ASSERT_TRUE(avc1_kids);
    const Box* avcc = child(*avc1_kids, "avcC");
    ASSERT_TRUE(avcc);
    EXPECT_EQ(
        std::string(avcc->body()),
        std::string(tracks.video->record.begin(), tracks.video->record.end()));
}

// Audio: id 2, timescale = sample rate, soun, smhd, mp4a + esds(ASC).
void expect_audio_trak(const Box& atrak)
{
    auto ak = *children(atrak);
    EXPECT_EQ(be32(child(ak, "tkhd")->body(), 12), kAudioTrackId);
    auto amdia = *children(*child(ak, "mdia"));
    EXPECT_EQ(be32(child(amdia, "mdhd")->body(), 12), 44100u);
    EXPECT_EQ(child(amdia, "hdlr")->body().substr(8, 4), "soun");
    auto aminf = *children(*child(amdia, "minf"));
    EXPECT_TRUE(child(aminf, "smhd"));
    auto astbl = *children(*child(aminf, "stbl"));
    auto aentries = children(*child(astbl, "stsd"), 8);
    const Box* mp4a = child(*aentries, "mp4a");
    ASSERT_TRUE(mp4a);
    EXPECT_EQ(be16(mp4a->body(), 16), 2);  // channels
    EXPECT_EQ(be32(mp4a->body(), 24), 44100u << 16);
    auto mp4a_kids = children(*mp4a, 28);
    ASSERT_TRUE(mp4a_kids);
    const Box* esds = child(*mp4a_kids, "esds");
    ASSERT_TRUE(esds);
    std::string_view e = esds->body();
    EXPECT_EQ(static_cast<uint8_t>(e[4]), 0x03);  // ES_Descriptor
    // DecoderSpecificInfo (tag 5, 4-byte length) ends with the ASC bytes.
    size_t dsi = e.find("\x05\x80\x80\x80\x02");
    ASSERT_NE(dsi, std::string_view::npos);
    EXPECT_EQ(static_cast<uint8_t>(e[dsi + 5]), 0x12);
    EXPECT_EQ(static_cast<uint8_t>(e[dsi + 6]), 0x10);
}

TEST(Fmp4Init, LayoutForVideoAndAudio)
{
    TrackConfig tracks = av_tracks();
    std::string init = write_init_segment(tracks);
    auto top = parse_boxes(init);
    ASSERT_TRUE(top);
    ASSERT_EQ(top->size(), 2u);
    EXPECT_EQ((*top)[0].type, "ftyp");
    EXPECT_EQ((*top)[1].type, "moov");
    std::string_view ftyp = (*top)[0].body();
    EXPECT_EQ(ftyp.substr(0, 4), "iso6");
    EXPECT_NE(ftyp.find("cmfc"), std::string_view::npos);
    EXPECT_NE(ftyp.find("dash"), std::string_view::npos);
    expect_tree_consistent(*top);

    auto moov = children((*top)[1]);
    ASSERT_TRUE(moov);
    ASSERT_TRUE(child(*moov, "mvhd"));
    const Box* vtrak = child(*moov, "trak", 0);
    const Box* atrak = child(*moov, "trak", 1);
    ASSERT_TRUE(vtrak && atrak);
    EXPECT_EQ(child(*moov, "trak", 2), nullptr);

    expect_video_trak(*vtrak, tracks);
    expect_audio_trak(*atrak);

    auto mvex = *children(*child(*moov, "mvex"));
    EXPECT_EQ(be32(child(mvex, "trex", 0)->body(), 4), kVideoTrackId);
    EXPECT_EQ(be32(child(mvex, "trex", 1)->body(), 4), kAudioTrackId);
}

TEST(Fmp4Init, SingleTrackSelection)
{
    TrackConfig tracks = av_tracks();
    for (auto [sel, handler, id] :
         {std::tuple{TrackSelect::VideoOnly, "vide", kVideoTrackId},
          std::tuple{TrackSelect::AudioOnly, "soun", kAudioTrackId}}) {
        std::string init = write_init_segment(tracks, sel);
        auto moov = *children(*child(*parse_boxes(init), "moov"));
        ASSERT_TRUE(child(moov, "trak"));
        EXPECT_EQ(child(moov, "trak", 1), nullptr);
        auto trak = *children(*child(moov, "trak"));
        EXPECT_EQ(be32(child(trak, "tkhd")->body(), 12), id);
        auto mdia = *children(*child(trak, "mdia"));
        EXPECT_EQ(child(mdia, "hdlr")->body().substr(8, 4), handler);
        auto mvex = *children(*child(moov, "mvex"));
        EXPECT_EQ(child(mvex, "trex", 1), nullptr);
    }
}

TEST(Fmp4Init, HevcUsesHvc1)
{
    TrackConfig t;
    t.video = test::h264_config();
    t.video->codec = media::Codec::HEVC;
    t.video->record = std::vector<uint8_t>(23, 0);
    t.video->record[0] = 1;
    std::string init = write_init_segment(t);
    EXPECT_NE(init.find("hvc1"), std::string::npos);
    EXPECT_NE(init.find("hvcC"), std::string::npos);
    EXPECT_EQ(init.find("avc1"), std::string::npos);
}

TrackRun make_run(uint32_t timescale, int64_t base,
                  std::vector<uint32_t> durations, std::vector<int32_t> ctos,
                  std::vector<bool> sync, uint8_t fill)
{
    TrackRun r;
    r.timescale = timescale;
    int64_t t = base;
    for (size_t i = 0; i < durations.size(); i++) {
        Sample s;
        s.dts = t;
        s.duration = durations[i];
        s.cto = ctos[i];
        s.sync = sync[i];
        s.data = std::vector<uint8_t>(10 + i, static_cast<uint8_t>(fill + i));
        r.samples.push_back(s);
        t += durations[i];
    }
    return r;
}

TEST(Fmp4Media, MuxedFragmentFields)
{
    // Base decode time beyond 32 bits: tfdt must be version 1.
    int64_t big = int64_t{5} << 32;
    TrackRun v = make_run(90000, big, {3600, 3600, 3600}, {7200, -3600, 0},
                          {true, false, false}, 0x10);
    TrackRun a = make_run(44100, 88200, {1024, 1024, 1024, 1024}, {0, 0, 0, 0},
                          {true, true, true, true}, 0x80);
    std::string seg = write_media_segment(42, &v, &a);

    auto top = parse_boxes(seg);
    ASSERT_TRUE(top);
    ASSERT_EQ(top->size(), 3u);
    EXPECT_EQ((*top)[0].type, "styp");
    EXPECT_EQ((*top)[1].type, "moof");
    EXPECT_EQ((*top)[2].type, "mdat");

    auto f = test::parse_fragment(seg);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->sequence, 42u);
    ASSERT_EQ(f->trafs.size(), 2u);
    const test::Traf* vt = f->track(kVideoTrackId);
    const test::Traf* at = f->track(kAudioTrackId);
    ASSERT_TRUE(vt && at);
    EXPECT_EQ(vt->tfhd_flags & 0x020000, 0x020000u);  // default-base-is-moof
    EXPECT_EQ(vt->tfdt_version, 1);
    EXPECT_EQ(vt->trun_version, 1);
    EXPECT_EQ(vt->base_decode_time, static_cast<uint64_t>(big));
    EXPECT_EQ(at->base_decode_time, 88200u);
    ASSERT_EQ(vt->samples.size(), 3u);
    ASSERT_EQ(at->samples.size(), 4u);
    EXPECT_EQ(vt->total_duration(), 10800u);
    EXPECT_EQ(at->total_duration(), 4096u);
    EXPECT_EQ(vt->samples[0].flags, 0x02000000u);  // sync
    EXPECT_EQ(vt->samples[1].flags, 0x01010000u);  // non-sync
    EXPECT_EQ(vt->samples[0].cto, 7200);
    EXPECT_EQ(vt->samples[1].cto, -3600);
    EXPECT_EQ(vt->samples[2].size, 12u);

    // data offsets point at each track's bytes inside mdat.
    size_t vdata = f->moof_offset + static_cast<size_t>(vt->data_offset);
    size_t adata = f->moof_offset + static_cast<size_t>(at->data_offset);
    EXPECT_EQ(vdata, f->mdat_payload_offset);
    EXPECT_EQ(adata, vdata + v.payload_size());
    EXPECT_EQ(f->mdat_payload_size, v.payload_size() + a.payload_size());
    EXPECT_EQ(static_cast<uint8_t>(seg[vdata]), 0x10);
    EXPECT_EQ(static_cast<uint8_t>(seg[vdata + 10]), 0x11);
    EXPECT_EQ(static_cast<uint8_t>(seg[adata]), 0x80);
    EXPECT_EQ(static_cast<uint8_t>(seg.back()), 0x83);
}

TEST(Fmp4Media, SingleTrackAndEmptyRunsOmitted)
{
    TrackRun a = make_run(48000, 0, {1024, 1024}, {0, 0}, {true, true}, 1);
    TrackRun empty;
    std::string seg = write_media_segment(1, &empty, &a);
    auto f = test::parse_fragment(seg);
    ASSERT_TRUE(f);
    ASSERT_EQ(f->trafs.size(), 1u);
    EXPECT_EQ(f->trafs[0].track_id, kAudioTrackId);
    EXPECT_EQ(f->moof_offset + static_cast<size_t>(f->trafs[0].data_offset),
              f->mdat_payload_offset);
}

TEST(Fmp4Media, SegmentSharesTheSamplesBytes)
{
    TrackRun v = make_run(90000, 0, {3600, 3600}, {0, 0}, {true, false}, 0x10);
    TrackRun a = make_run(48000, 0, {1024, 1024, 1024}, {0, 0, 0},
                          {true, true, true}, 0x80);
    ByteChain muxed = media_segment(7, &v, &a);
    ByteChain video = media_segment(7, &v, nullptr);
    EXPECT_EQ(muxed.str(), write_media_segment(7, &v, &a));
    EXPECT_EQ(muxed.size(), muxed.str().size());
    // The boxes, then each sample's own bytes: nothing copied, the muxed
    // and the per-track files hold the same memory.
    ASSERT_EQ(muxed.pieces().size(), 1u + 2u + 3u);
    ASSERT_EQ(video.pieces().size(), 1u + 2u);
    EXPECT_EQ(muxed.pieces()[1].data(), v.samples[0].data.data());
    EXPECT_EQ(video.pieces()[2].data(), v.samples[1].data.data());
    EXPECT_EQ(muxed.pieces()[5].data(), a.samples[2].data.data());
    auto f = test::parse_fragment(video.str());
    ASSERT_TRUE(f);
    EXPECT_EQ(f->mdat_payload_size, v.payload_size());
}

}  // namespace
}  // namespace fanout::package
