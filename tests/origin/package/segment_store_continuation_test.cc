// tests/origin/package/segment_store_continuation_test.cc — a stream
// published again (on this origin or another) continues its numbering:
// HLS media sequence and discontinuity sequence, DASH availabilityStartTime,
// Period and $Number$; progress() reports where a successor continues;
// withdraw() stops serving a session that lost the stream; dynamic MPDs
// carry UTCTiming.
#include <gtest/gtest.h>

#include <atomic>
#include <regex>
#include <thread>

#include "../core/fake_clock.h"
#include "package/hls_playlist.h"
#include "package/segment_store.h"
#include "test_media.h"

namespace fanout::package {
namespace {

const StreamKey kCam{"live", "cam"};

std::string body(const std::optional<Resource>& r)
{
    return r ? r->body->str() : std::string();
}

std::shared_ptr<media::StreamSink> open_av(SegmentStore& store,
                                           const std::string& session,
                                           const Continuation& from = {})
{
    auto sink = store.open(kCam, session, from);
    sink->on_video_config(test::h264_config());
    sink->on_audio_config(test::aac_config());
    return sink;
}

// Frames [from_ms, to_ms) of the test stream, the wall clock following
// their timestamps as a live publisher's would.
void feed(media::StreamSink& sink, fanout::test::FakeClock& clock,
          int64_t from_ms, int64_t to_ms)
{
    int64_t at = from_ms;
    for (const auto& f : test::av_frames(to_ms)) {
        if (f.dts_ms < from_ms) continue;
        clock.advance(std::chrono::milliseconds(f.dts_ms - at));
        at = f.dts_ms;
        sink.on_frame(f);
    }
    clock.advance(std::chrono::milliseconds(to_ms - at));
}

// Every "#EXT-X-MEDIA-SEQUENCE:n" of a playlist text, and the like.
uint64_t tag_value(const std::string& text, const std::string& tag)
{
    std::smatch m;
    if (!std::regex_search(text, m, std::regex(tag + ":(\\d+)"))) return 0;
    return std::stoull(m[1].str());
}

std::string attr_of(const std::string& text, const std::string& name)
{
    std::smatch m;
    if (!std::regex_search(text, m, std::regex(name + "=\"([^\"]*)\"")))
        return "";
    return m[1].str();
}

struct TwoPublishes : ::testing::Test {
    PackagerConfig config()
    {
        PackagerConfig c;
        c.hls_list_size = 3;
        c.dash_window_size = 3;  // the MPD's window as the playlist's
        return c;
    }
    fanout::test::FakeClock clock;
    std::unique_ptr<SegmentStore> store =
        make_segment_store(config(), nullptr, clock);
    int64_t first_frame_ms = 0;
    fo_progress p1{};
    Continuation c2;
    std::string s1_mpd;

    // s1 lists 4 segments (0..3, 8 s) and is killed 1 s later: the
    // successor reads the progress it wrote at its last segment.
    void SetUp() override
    {
        auto s1 = open_av(*store, "s1");
        first_frame_ms = clock.wall_ms();
        feed(*s1, clock, 0, 8100);
        s1_mpd = body(store->find("live", "cam/cam.mpd"));
        p1 = *store->progress(kCam, "s1");
        p1.written_ms = clock.wall_ms() - 100;
        clock.advance(std::chrono::milliseconds(1000));
        c2 = continue_after(p1, clock.wall_ms(), 2000);
    }
};

TEST_F(TwoPublishes, ProgressIsWhereTheSessionStands)
{
    EXPECT_EQ(p1.hls_sequence, 4);
    EXPECT_EQ(p1.hls_discontinuity, 0);
    EXPECT_EQ(p1.dash_start_ms, first_frame_ms);
    EXPECT_EQ(p1.dash_period, 0);
    EXPECT_EQ(p1.dash_period_start_ms, 0);
    EXPECT_EQ(p1.dash_end_ms, 8000);
    EXPECT_EQ(p1.dash_number, 4);
    EXPECT_EQ(store->progress(kCam, "other"), std::nullopt);
    EXPECT_EQ(store->progress(StreamKey{"live", "cam2"}, "s1"), std::nullopt);
    // ceil(1100 / 2000) + 2 = 3 unseen.
    EXPECT_EQ(c2.hls_sequence, 7u);
    EXPECT_EQ(c2.hls_discontinuity, 3u);
    EXPECT_EQ(c2.dash_number, 7u);
    EXPECT_EQ(c2.dash_period, 4u);
    EXPECT_EQ(c2.dash_period_start_ms, 8000 + 1100 + 500);
}

TEST_F(TwoPublishes, HlsSequenceContinuesWithADiscontinuity)
{
    auto s2 = open_av(*store, "s2", c2);
    // Before its first segment, the new session is where it will start.
    fo_progress p = *store->progress(kCam, "s2");
    EXPECT_EQ(p.hls_sequence, 7);
    EXPECT_EQ(p.hls_discontinuity, 3);
    EXPECT_EQ(p.dash_number, 7);
    EXPECT_EQ(store->progress(kCam, "s1"), std::nullopt);  // replaced

    const int64_t s2_start = clock.wall_ms();
    feed(*s2, clock, 0, 4100);
    std::string pl = body(store->find("live", "cam.m3u8"));
    EXPECT_NE(pl.find("#EXT-X-MEDIA-SEQUENCE:7\n"
                      "#EXT-X-DISCONTINUITY-SEQUENCE:3\n"),
              std::string::npos)
        << pl;
    // The first new segment carries the tag; its number is 4, past every
    // number s1 can have given (at most 3).  PROGRAM-DATE-TIME is the wall
    // clock of s2's first frame.
    EXPECT_NE(
        pl.find("#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI=\"cam/s2-init.mp4\"\n"
                "#EXT-X-PROGRAM-DATE-TIME:"
                + iso8601_ms(s2_start) + "\n#EXTINF:2.000,\ncam/s2-7.m4s\n"),
        std::string::npos)
        << pl;
    EXPECT_NE(pl.find("cam/s2-8.m4s\n"), std::string::npos);
    EXPECT_TRUE(store->find("live", "cam/s2-7.m4s"));
    EXPECT_TRUE(store->find("live", "cam/s2-v-8.m4s"));

    // Segments 7..10 made: 8..10 listed, the tagged one slid out, and the
    // discontinuity sequence counts it.
    feed(*s2, clock, 4100, 8100);
    pl = body(store->find("live", "cam.m3u8"));
    EXPECT_NE(pl.find("#EXT-X-MEDIA-SEQUENCE:8\n"
                      "#EXT-X-DISCONTINUITY-SEQUENCE:4\n"),
              std::string::npos)
        << pl;
    EXPECT_EQ(pl.find("#EXT-X-DISCONTINUITY\n"), std::string::npos);
    p = *store->progress(kCam, "s2");
    EXPECT_EQ(p.hls_sequence, 11);
    EXPECT_EQ(p.hls_discontinuity, 4);
    EXPECT_EQ(p.dash_number, 11);
    EXPECT_EQ(p.dash_period, 4);
}

TEST_F(TwoPublishes, MediaSequenceNeverGoesBackAcrossPublishes)
{
    uint64_t last = 0;
    auto check = [&] {
        std::string pl = body(store->find("live", "cam.m3u8"));
        if (pl.empty()) return;
        uint64_t seq = tag_value(pl, "#EXT-X-MEDIA-SEQUENCE");
        EXPECT_GE(seq, last) << pl;
        last = seq;
    };
    check();
    Continuation from = c2;
    for (int publish = 2; publish < 6; publish++) {
        std::string id = "s" + std::to_string(publish);
        auto sink = open_av(*store, id, from);
        for (const auto& f : test::av_frames(6100)) {
            sink->on_frame(f);
            check();
        }
        if (publish % 2) sink->on_end();  // a clean end, or a kill
        fo_progress p = *store->progress(kCam, id);
        p.written_ms = clock.wall_ms();
        clock.advance(std::chrono::milliseconds(1500));
        from = continue_after(p, clock.wall_ms(), 2000);
        EXPECT_GT(from.hls_sequence, last);
    }
}

TEST_F(TwoPublishes, DashKeepsItsIdentityAndOpensAPeriod)
{
    EXPECT_EQ(attr_of(s1_mpd, "availabilityStartTime"),
              iso8601_ms(first_frame_ms));
    EXPECT_NE(s1_mpd.find("<Period id=\"p0\" start=\"PT0.000S\">"),
              std::string::npos);

    auto s2 = open_av(*store, "s2", c2);
    feed(*s2, clock, 0, 2100);
    std::string mpd = body(store->find("live", "cam/cam.mpd"));
    EXPECT_EQ(attr_of(mpd, "availabilityStartTime"), iso8601_ms(first_frame_ms))
        << mpd;
    // The old Period, for a player still in it: its own start (0, as s1
    // listed it: a later one would move that player), one millisecond of
    // segment at that start, so that any segment the player had there ends
    // after it (dash.js then leaves the Period), naming s2's first segment,
    // which s2 serves (a 404 there is a dash.js error event).  Then s2's
    // Period, where s1 can have ended at the latest.
    EXPECT_NE(mpd.find("<Period id=\"p0\" start=\"PT0.000S\">"),
              std::string::npos)
        << mpd;
    EXPECT_NE(mpd.find("initialization=\"s2-v-init.mp4\""
                       " media=\"s2-v-$Number$.m4s\" startNumber=\"7\">\n"
                       "        <SegmentTimeline>\n"
                       "          <S t=\"0\" d=\"90\"/>\n"),
              std::string::npos)
        << mpd;
    EXPECT_FALSE(store->find("live", "cam/s2-v-6.m4s"));
    EXPECT_TRUE(store->find("live", "cam/s2-v-7.m4s"));
    EXPECT_NE(mpd.find("<Period id=\"p4\" start=\"PT9.600S\">"),
              std::string::npos)
        << mpd;
    // Media time is presentation time: s2's decode times start at 9.6 s.
    EXPECT_NE(
        mpd.find(
            "presentationTimeOffset=\"864000\" initialization=\"s2-v-init.mp4\""
            " media=\"s2-v-$Number$.m4s\" startNumber=\"7\">\n"
            "        <SegmentTimeline>\n"
            "          <S t=\"864000\" d=\"180000\"/>\n"),
        std::string::npos)
        << mpd;
    EXPECT_NE(
        mpd.find("<UTCTiming schemeIdUri=\"urn:mpeg:dash:utc:http-iso:2014\""
                 " value=\"../time\"/>\n</MPD>\n"),
        std::string::npos);

    // Once s2's first segment has left the window, the old Period goes.
    feed(*s2, clock, 2100, 8100);
    mpd = body(store->find("live", "cam/cam.mpd"));
    EXPECT_EQ(mpd.find("id=\"p0\""), std::string::npos) << mpd;
    EXPECT_NE(mpd.find("<Period id=\"p4\" start=\"PT9.600S\">"),
              std::string::npos);
    EXPECT_NE(mpd.find("startNumber=\"8\""), std::string::npos);
    fo_progress p = *store->progress(kCam, "s2");
    EXPECT_EQ(p.dash_start_ms, first_frame_ms);
    EXPECT_EQ(p.dash_period_start_ms, 9600);
    EXPECT_EQ(p.dash_end_ms, 9600 + 8000);

    // Ended: static, from 0, without the time source.
    s2->on_end();
    mpd = body(store->find("live", "cam/cam.mpd"));
    EXPECT_NE(mpd.find("type=\"static\""), std::string::npos);
    EXPECT_NE(mpd.find("<Period id=\"p4\" start=\"PT0.000S\">"),
              std::string::npos)
        << mpd;
    EXPECT_EQ(mpd.find("UTCTiming"), std::string::npos);
}

// A player that was on a rendition when s1 died finds that Representation
// in the old Period from s2's first MPD on, before s2's rendition lists
// anything: dash.js keeps a Representation an update drops as it was and
// never leaves the Period.  Once the rendition lists, the old Period still
// has it once, and the new Period has the rendition's own files.
TEST_F(TwoPublishes, PreviousPeriodListsEveryRenditionFromTheStart)
{
    auto s2 = open_av(*store, "s2", c2);
    auto low = store->open(kCam, "240p300kbps", "s2", c2);
    low->on_video_config(test::h264_config(426, 240));
    auto rep_count = [](const std::string& text, const std::string& rep) {
        size_t n = 0;
        for (size_t at = text.find(rep); at != std::string::npos;
             at = text.find(rep, at + 1))
            n++;
        return n;
    };
    feed(*s2, clock, 0, 2100);  // the source lists; the rendition not yet
    std::string mpd = body(store->find("live", "cam/cam.mpd"));
    std::string old = mpd.substr(0, mpd.find("<Period id=\"p4\""));
    EXPECT_NE(old.find("<Period id=\"p0\" start=\"PT0.000S\">"),
              std::string::npos)
        << mpd;
    EXPECT_EQ(rep_count(old, "<Representation id=\"240p300kbps\""), 1u) << mpd;
    EXPECT_EQ(rep_count(old, "media=\"s2-v-$Number$.m4s\""), 2u) << mpd;
    EXPECT_EQ(rep_count(mpd, "240p300kbps"), 1u) << mpd;

    for (const auto& f : test::av_frames(2100))
        if (f.video) low->on_frame(f);
    mpd = body(store->find("live", "cam/cam.mpd"));
    old = mpd.substr(0, mpd.find("<Period id=\"p4\""));
    const std::string now = mpd.substr(mpd.find("<Period id=\"p4\""));
    EXPECT_EQ(rep_count(old, "<Representation id=\"240p300kbps\""), 1u) << mpd;
    EXPECT_EQ(rep_count(old, "../cam_240p300kbps/"), 0u) << mpd;
    EXPECT_EQ(rep_count(now, "<Representation id=\"240p300kbps\""), 1u) << mpd;
    EXPECT_NE(now.find("media=\"../cam_240p300kbps/s2-$Number$.m4s\""),
              std::string::npos)
        << mpd;
}

TEST_F(TwoPublishes, ConfigChangeAfterAContinuationTakesTheNextPeriod)
{
    auto s2 = open_av(*store, "s2", c2);
    for (const auto& f : test::av_frames(6100)) {
        if (f.video && f.dts_ms == 4000) {
            auto c = test::h264_config(1280, 720);
            c.record[3] = 0x1f;
            s2->on_video_config(c);
        }
        s2->on_frame(f);
    }
    std::string mpd = body(store->find("live", "cam/cam.mpd"));
    EXPECT_NE(mpd.find("<Period id=\"p4\""), std::string::npos) << mpd;
    EXPECT_NE(mpd.find("<Period id=\"p5\" start=\"PT13.600S\">"),
              std::string::npos)
        << mpd;
    EXPECT_EQ(store->progress(kCam, "s2")->dash_period, 5);
    EXPECT_EQ(store->progress(kCam, "s2")->dash_period_start_ms, 13600);
}

TEST(SegmentStoreContinuation, TransportStreamModeContinuesToo)
{
    PackagerConfig c;
    c.hls_ts = true;
    auto store = make_segment_store(c);
    Continuation from;
    from.discontinuity = true;
    from.hls_sequence = 40;
    from.hls_discontinuity = 6;
    from.dash_number = 41;
    auto sink = open_av(*store, "s2", from);
    for (const auto& f : test::av_frames(4100))
        sink->on_frame(f);
    std::string pl = body(store->find("live", "cam.m3u8"));
    EXPECT_NE(
        pl.find("#EXT-X-MEDIA-SEQUENCE:40\n#EXT-X-DISCONTINUITY-SEQUENCE:6\n"),
        std::string::npos)
        << pl;
    EXPECT_NE(pl.find("#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME:"),
              std::string::npos)
        << pl;
    EXPECT_NE(pl.find("cam/s2-41.ts\n"), std::string::npos) << pl;
    EXPECT_NE(pl.find("cam/s2-42.ts\n"), std::string::npos) << pl;
    EXPECT_TRUE(store->find("live", "cam/s2-41.ts"));
}

TEST(SegmentStoreContinuation, PeriodStartsNoEarlierThanTheFirstFrame)
{
    // The claim's Continuation is computed before the first keyframe
    // arrives; the Period moves up to where that frame is on the time line.
    fanout::test::FakeClock clock;
    auto store = make_segment_store(PackagerConfig{}, nullptr, clock);
    Continuation c;
    c.discontinuity = true;
    c.dash_start_ms = clock.wall_ms() - 60000;
    c.dash_period = 2;
    c.dash_period_start_ms = 59000;
    auto sink = open_av(*store, "s1", c);
    clock.advance(std::chrono::milliseconds(2500));
    feed(*sink, clock, 0, 2100);
    std::string mpd = body(store->find("live", "cam/cam.mpd"));
    EXPECT_NE(mpd.find("<Period id=\"p2\" start=\"PT62.500S\">"),
              std::string::npos)
        << mpd;
    EXPECT_EQ(mpd.find("Period id=\"p1\""), std::string::npos);  // none written
}

TEST(SegmentStoreWithdraw, StopsServingAtOnceAndIgnoresLaterCalls)
{
    auto store = make_segment_store(PackagerConfig{});
    auto s1 = open_av(*store, "s1");
    auto low = store->open(kCam, "240p300kbps", "s1");
    low->on_video_config(test::h264_config(426, 240));
    // Another stream, with the same session name: untouched.
    auto dog = store->open(StreamKey{"live", "dog"}, "s1");
    dog->on_video_config(test::h264_config());
    for (const auto& f : test::av_frames(4100)) {
        s1->on_frame(f);
        if (f.video) {
            low->on_frame(f);
            dog->on_frame(f);
        }
    }
    ASSERT_TRUE(store->find("live", "cam.m3u8"));
    ASSERT_TRUE(store->find("live", "cam_240p300kbps.m3u8"));
    const uint64_t total = store->stats().segments_total;

    store->withdraw(kCam, "other-session");  // not this one: nothing
    ASSERT_TRUE(store->find("live", "cam.m3u8"));

    store->withdraw(kCam, "s1");
    for (const char* rest :
         {"cam.m3u8", "cam/cam.mpd", "cam/s1-0.m4s", "cam/s1-init.mp4",
          "cam_240p300kbps.m3u8", "cam_240p300kbps/s1-0.m4s"})
        EXPECT_FALSE(store->find("live", rest)) << rest;
    EXPECT_EQ(store->progress(kCam, "s1"), std::nullopt);
    EXPECT_TRUE(store->find("live", "dog.m3u8"));
    EXPECT_EQ(store->stats().live_streams, 1u);  // dog

    // Its publisher's late frames and end change nothing: no ENDLIST, no
    // segment, nothing served.
    for (const auto& f : test::av_frames(8100)) {
        if (f.dts_ms < 4100) continue;
        s1->on_frame(f);
    }
    s1->on_end();
    low->on_end();
    EXPECT_FALSE(store->find("live", "cam.m3u8"));
    EXPECT_EQ(store->stats().segments_total, total);
}

TEST(SegmentStoreWithdraw, ANewerSessionIsUntouched)
{
    auto store = make_segment_store(PackagerConfig{});
    auto s1 = open_av(*store, "s1");
    for (const auto& f : test::av_frames(2100))
        s1->on_frame(f);
    auto s2 = open_av(*store, "s2");
    for (const auto& f : test::av_frames(2100))
        s2->on_frame(f);
    store->withdraw(kCam, "s1");  // the old session learns it lost, late
    EXPECT_NE(body(store->find("live", "cam.m3u8")).find("cam/s2-0.m4s"),
              std::string::npos);
    EXPECT_TRUE(store->progress(kCam, "s2"));
}

TEST(SegmentStoreContinuation, ProgressIsReadWhileFramesArrive)
{
    auto store = make_segment_store(PackagerConfig{});
    auto sink = open_av(*store, "s1");
    std::atomic<bool> done{false};
    std::atomic<int> bad{0};
    std::thread heartbeat([&] {
        int64_t last = 0;
        while (!done) {
            auto p = store->progress(kCam, "s1");
            if (!p) continue;
            if (p->hls_sequence < last || p->dash_number != p->hls_sequence)
                bad++;
            last = p->hls_sequence;
        }
    });
    for (const auto& f : test::av_frames(60000))
        sink->on_frame(f);
    done = true;
    heartbeat.join();
    EXPECT_EQ(bad, 0);
    EXPECT_EQ(store->progress(kCam, "s1")->hls_sequence, 29);
}

TEST(SegmentStoreUtcTiming, InDynamicMpdsOnly)
{
    auto store = make_segment_store(PackagerConfig{});
    auto sink = open_av(*store, "s1");
    for (const auto& f : test::av_frames(2100))
        sink->on_frame(f);
    std::string mpd = body(store->find("live", "cam/cam.mpd"));
    EXPECT_NE(mpd.find("type=\"dynamic\""), std::string::npos);
    EXPECT_NE(
        mpd.find("<UTCTiming schemeIdUri=\"urn:mpeg:dash:utc:http-iso:2014\""
                 " value=\"../time\"/>"),
        std::string::npos)
        << mpd;
    EXPECT_FALSE(store->find("live", "time"));  // served by http/, not here
    sink->on_end();
    mpd = body(store->find("live", "cam/cam.mpd"));
    EXPECT_EQ(mpd.find("UTCTiming"), std::string::npos) << mpd;
}

}  // namespace
}  // namespace fanout::package
