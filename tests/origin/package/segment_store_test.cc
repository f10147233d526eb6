// tests/origin/package/segment_store_test.cc — what the store serves, when,
// with which headers; sessions, bounds, linger, concurrency.
#include "package/segment_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>

#include "../core/fake_clock.h"
#include "box_reader.h"
#include "test_media.h"

namespace fanout::package {
namespace {

std::shared_ptr<media::StreamSink> open_av(SegmentStore& store,
                                           const std::string& session,
                                           bool video = true, bool audio = true)
{
    auto sink = store.open(StreamKey{"live", "cam"}, session);
    if (video) sink->on_video_config(test::h264_config());
    if (audio) sink->on_audio_config(test::aac_config());
    return sink;
}

std::string body(const std::optional<Resource>& r)
{
    return r ? r->body->str() : std::string();
}

TEST(SegmentStore, NothingServedBeforeTheFirstSegment)
{
    auto store = make_segment_store(PackagerConfig{});
    EXPECT_FALSE(store->find("live", "cam.m3u8"));
    auto sink = open_av(*store, "s1");
    for (const auto& f : test::av_frames(1900))
        sink->on_frame(f);
    EXPECT_FALSE(
        store->find("live", "cam.m3u8"));  // 404, not an empty playlist
    EXPECT_FALSE(store->find("live", "cam/cam.mpd"));
    EXPECT_EQ(store->stats().live_streams, 1u);
}

TEST(SegmentStore, SegmentListedByTheKeyframeThatClosesIt)
{
    auto store = make_segment_store(PackagerConfig{});
    auto sink = open_av(*store, "s1");
    for (const auto& f : test::av_frames(2100)) {
        sink->on_frame(f);
        if (f.video && f.keyframe && f.dts_ms == 2000) {
            // Synchronously available when on_frame returns.
            auto pl = store->find("live", "cam.m3u8");
            ASSERT_TRUE(pl);
            EXPECT_NE(pl->body->str().find("cam/s1-0.m4s\n"),
                      std::string::npos);
            auto mpd = store->find("live", "cam/cam.mpd");
            ASSERT_TRUE(mpd);
            EXPECT_NE(mpd->body->str().find("<S t=\"0\" d=\"180000\"/>"),
                      std::string::npos);
        }
    }
}

TEST(SegmentStore, ServesEveryUrlWithItsHeaders)
{
    auto store = make_segment_store(PackagerConfig{});
    auto sink = open_av(*store, "s1");
    for (const auto& f : test::av_frames(4100))
        sink->on_frame(f);

    auto pl = store->find("live", "cam.m3u8");
    ASSERT_TRUE(pl);
    EXPECT_EQ(pl->content_type, "application/vnd.apple.mpegurl");
    EXPECT_EQ(pl->cache_control, "max-age=1");
    const std::string text = pl->body->str();
    EXPECT_EQ(
        text,
        "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-"
        "SEQUENCE:0\n"
        "#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-MAP:URI=\"cam/s1-init.mp4\"\n"
            + text.substr(text.find("#EXT-X-PROGRAM-DATE-TIME"), 50)
            + "#EXTINF:2.000,\ncam/s1-0.m4s\n"
            + text.substr(text.rfind("#EXT-X-PROGRAM-DATE-TIME"), 50)
            + "#EXTINF:2.000,\ncam/s1-1.m4s\n");

    auto mpd = store->find("live", "cam/cam.mpd");
    ASSERT_TRUE(mpd);
    EXPECT_EQ(mpd->content_type, "application/dash+xml");
    EXPECT_EQ(mpd->cache_control, "max-age=1");
    EXPECT_NE(mpd->body->str().find("type=\"dynamic\""), std::string::npos);
    EXPECT_NE(mpd->body->str().find("media=\"s1-v-$Number$.m4s\""),
              std::string::npos);
    EXPECT_NE(mpd->body->str().find("media=\"s1-a-$Number$.m4s\""),
              std::string::npos);

    for (const char* name :
         {"cam/s1-init.mp4", "cam/s1-v-init.mp4", "cam/s1-a-init.mp4"}) {
        auto r = store->find("live", name);
        ASSERT_TRUE(r) << name;
        EXPECT_EQ(r->content_type, "video/mp4");
        EXPECT_EQ(r->cache_control, "public, max-age=31536000, immutable");
    }
    for (const char* name :
         {"cam/s1-0.m4s", "cam/s1-1.m4s", "cam/s1-v-1.m4s", "cam/s1-a-1.m4s"}) {
        auto r = store->find("live", name);
        ASSERT_TRUE(r) << name;
        EXPECT_EQ(r->content_type, "video/iso.segment");
        EXPECT_EQ(r->cache_control, "public, max-age=31536000, immutable");
        EXPECT_TRUE(test::parse_fragment(r->body->str())) << name;
    }
    // The muxed segment holds both tracks; the DASH ones one each.
    EXPECT_EQ(test::parse_fragment(body(store->find("live", "cam/s1-1.m4s")))
                  ->trafs.size(),
              2u);
    EXPECT_EQ(test::parse_fragment(body(store->find("live", "cam/s1-v-1.m4s")))
                  ->trafs.size(),
              1u);

    // Serving shares the body, never copies it.
    EXPECT_EQ(store->find("live", "cam/s1-0.m4s")->body.get(),
              store->find("live", "cam/s1-0.m4s")->body.get());

    for (const char* bad :
         {"cam/s1-2.m4s", "cam.m3u8x", "cam/", "/cam.m3u8", "cam/x/cam.mpd",
          "cam/cam.m3u8", "other.m3u8", "cam/other.mpd", "cam.mpd", ""})
        EXPECT_FALSE(store->find("live", bad)) << bad;
    EXPECT_FALSE(store->find("otherapp", "cam.m3u8"));
}

TEST(SegmentStore, SingleTrackDashUsesTheMuxedFiles)
{
    auto store = make_segment_store(PackagerConfig{});
    auto sink = open_av(*store, "s1", false, true);
    for (const auto& f : test::av_frames(4100, 25, 50, false, true))
        sink->on_frame(f);
    std::string mpd = body(store->find("live", "cam/cam.mpd"));
    EXPECT_NE(
        mpd.find("initialization=\"s1-init.mp4\" media=\"s1-$Number$.m4s\""),
        std::string::npos)
        << mpd;
    EXPECT_FALSE(store->find("live", "cam/s1-a-0.m4s"));
    EXPECT_TRUE(store->find("live", "cam/s1-0.m4s"));
}

TEST(SegmentStore, NoCacheForOneSecondSegments)
{
    PackagerConfig c;
    c.hls_time_ms = 1000;
    auto store = make_segment_store(c);
    auto sink = open_av(*store, "s1");
    for (const auto& f : test::av_frames(3100, 25, 25))
        sink->on_frame(f);
    auto pl = store->find("live", "cam.m3u8");
    ASSERT_TRUE(pl);
    EXPECT_EQ(pl->cache_control, "no-cache");
    EXPECT_NE(pl->body->str().find("#EXT-X-TARGETDURATION:1\n"),
              std::string::npos);
}

TEST(SegmentStore, TransportStreamMode)
{
    PackagerConfig c;
    c.hls_ts = true;
    auto store = make_segment_store(c);
    auto sink = open_av(*store, "s1");
    for (const auto& f : test::av_frames(4100))
        sink->on_frame(f);
    std::string pl = body(store->find("live", "cam.m3u8"));
    EXPECT_NE(pl.find("#EXT-X-VERSION:3\n"), std::string::npos);
    EXPECT_EQ(pl.find("#EXT-X-MAP"), std::string::npos);
    EXPECT_NE(pl.find("cam/s1-1.ts\n"), std::string::npos);
    auto ts = store->find("live", "cam/s1-1.ts");
    ASSERT_TRUE(ts);
    EXPECT_EQ(ts->content_type, "video/mp2t");
    EXPECT_EQ(ts->body->size() % 188, 0u);
    // DASH still gets CMAF; the muxed fMP4 is not made for nobody.
    EXPECT_TRUE(store->find("live", "cam/s1-v-1.m4s"));
    EXPECT_FALSE(store->find("live", "cam/s1-1.m4s"));
    EXPECT_FALSE(store->find("live", "cam/s1-init.mp4"));
}

TEST(SegmentStore, NewSessionReplacesTheOld)
{
    auto store = make_segment_store(PackagerConfig{});
    auto old_sink = open_av(*store, "s1");
    for (const auto& f : test::av_frames(4100))
        old_sink->on_frame(f);
    ASSERT_TRUE(store->find("live", "cam/s1-0.m4s"));

    auto sink = open_av(*store, "s2");
    EXPECT_FALSE(store->find("live", "cam/s1-0.m4s"));
    EXPECT_FALSE(store->find("live", "cam/s1-init.mp4"));
    EXPECT_FALSE(store->find("live", "cam.m3u8"));  // until s2's first segment
    // The old publisher's late frames change nothing.
    for (const auto& f : test::av_frames(4100)) {
        media::Frame late = f;
        late.dts_ms += 4100;
        old_sink->on_frame(late);
    }
    old_sink->on_end();
    EXPECT_FALSE(store->find("live", "cam.m3u8"));
    for (const auto& f : test::av_frames(2100))
        sink->on_frame(f);
    std::string pl = body(store->find("live", "cam.m3u8"));
    EXPECT_NE(pl.find("cam/s2-0.m4s"), std::string::npos);
    EXPECT_EQ(pl.find("s1-"), std::string::npos);
    EXPECT_EQ(store->stats().live_streams, 1u);
}

TEST(SegmentStore, MemoryIsBoundedByWindowPlusExtra)
{
    PackagerConfig c;
    c.hls_list_size = 3;
    c.dash_window_size = 3;
    c.extra_segments = 2;
    auto store = make_segment_store(c);
    auto sink = open_av(*store, "s1");
    size_t peak = 0;
    for (const auto& f : test::av_frames(40000)) {
        sink->on_frame(f);
        peak = std::max(peak, store->stats().bytes);
    }
    // 19 closed: 0..18.  Listed 16..18; kept 14..18.
    std::string pl = body(store->find("live", "cam.m3u8"));
    EXPECT_NE(pl.find("#EXT-X-MEDIA-SEQUENCE:16\n"), std::string::npos) << pl;
    EXPECT_NE(
        body(store->find("live", "cam/cam.mpd")).find("startNumber=\"16\""),
        std::string::npos);
    for (int n = 0; n < 19; n++) {
        bool held = n >= 14;
        std::string name = "cam/s1-" + std::to_string(n) + ".m4s";
        EXPECT_EQ(store->find("live", name).has_value(), held) << name;
        EXPECT_EQ(store->find("live", "cam/s1-v-" + std::to_string(n) + ".m4s")
                      .has_value(),
                  held);
    }
    StoreStats st = store->stats();
    EXPECT_EQ(st.segments_total, 19u);
    // Held bytes stop growing once the window is full.
    size_t per_segment = store->find("live", "cam/s1-14.m4s")->body->size() * 2;
    EXPECT_LT(st.bytes, per_segment * 6 + 16384);
    EXPECT_LT(peak, per_segment * 6 + 16384);
}

TEST(SegmentStore, EndedStreamListsEndThenLingersOut)
{
    PackagerConfig c;
    c.ended_linger_ms = 150;
    fanout::test::FakeClock clock;
    auto store = make_segment_store(c, nullptr, clock);
    auto sink = open_av(*store, "s1");
    for (const auto& f : test::av_frames(3000))
        sink->on_frame(f);
    sink->on_end();
    std::string pl = body(store->find("live", "cam.m3u8"));
    EXPECT_NE(pl.find("cam/s1-1.m4s\n#EXT-X-ENDLIST\n"), std::string::npos)
        << pl;
    std::string mpd = body(store->find("live", "cam/cam.mpd"));
    EXPECT_NE(
        mpd.find("type=\"static\" mediaPresentationDuration=\"PT3.000S\""),
        std::string::npos)
        << mpd;
    EXPECT_EQ(store->stats().live_streams, 0u);
    clock.advance(std::chrono::milliseconds(149));
    EXPECT_TRUE(store->find("live", "cam.m3u8"));
    clock.advance(std::chrono::milliseconds(1));
    EXPECT_FALSE(store->find("live", "cam.m3u8"));
    EXPECT_FALSE(store->find("live", "cam/s1-0.m4s"));
    EXPECT_EQ(store->stats().bytes, 0u);
}

// A publish's own hlsTime (its application's, package/hls_time_setting.h)
// over the store's: its segments, its MPD timing, its playlists'
// Cache-Control and its age record; another stream keeps the store's.
TEST(SegmentStore, EachSessionHasItsOwnHlsTime)
{
    auto store = make_segment_store(PackagerConfig{});  // hlsTime 2 s
    auto six = store->open(StreamKey{"live", "six"}, "s1", {}, 6000);
    auto two = store->open(StreamKey{"live", "two"}, "s1");
    for (auto* sink : {&six, &two}) {
        (*sink)->on_video_config(test::h264_config());
        (*sink)->on_audio_config(test::aac_config());
    }
    for (const auto& f : test::av_frames(12'100)) {
        six->on_frame(f);
        two->on_frame(f);
    }
    auto pl = store->find("live", "six.m3u8");
    ASSERT_TRUE(pl);
    EXPECT_EQ(pl->cache_control, "max-age=3");
    const std::string text = pl->body->str();
    EXPECT_NE(text.find("#EXT-X-TARGETDURATION:6\n"), std::string::npos)
        << text;
    EXPECT_NE(text.find("six/s1-1.m4s\n"), std::string::npos) << text;
    EXPECT_EQ(text.find("six/s1-2.m4s"), std::string::npos) << text;
    auto mpd = store->find("live", "six/six.mpd");
    ASSERT_TRUE(mpd);
    EXPECT_EQ(mpd->cache_control, "max-age=3");
    EXPECT_NE(mpd->body->str().find("minimumUpdatePeriod=\"PT6.000S\""),
              std::string::npos)
        << mpd->body->str();

    auto other = store->find("live", "two.m3u8");
    ASSERT_TRUE(other);
    EXPECT_EQ(other->cache_control, "max-age=1");
    EXPECT_NE(other->body->str().find("#EXT-X-TARGETDURATION:2\n"),
              std::string::npos);

    std::map<std::string, int> ages;
    for (const StreamAge& a : store->stream_ages())
        ages[a.stream_id] = a.hls_time_ms;
    EXPECT_EQ(ages, (std::map<std::string, int>{{"six", 6000}, {"two", 2000}}));
}

// What /metrics shows per live stream: time since its last segment (since
// the publish before the first), against its hlsTime.
TEST(SegmentStore, StreamAgesCountFromTheLastSegment)
{
    PackagerConfig c;
    c.hls_time_ms = 2000;
    fanout::test::FakeClock clock;
    auto store = make_segment_store(c, nullptr, clock);
    EXPECT_TRUE(store->stream_ages().empty());
    auto sink = open_av(*store, "s1");
    clock.advance(std::chrono::milliseconds(700));
    auto ages = store->stream_ages();
    ASSERT_EQ(ages.size(), 1u);
    EXPECT_EQ(ages[0].app, "live");
    EXPECT_EQ(ages[0].stream_id, "cam");
    EXPECT_EQ(ages[0].since_segment_ms, 700);
    EXPECT_EQ(ages[0].hls_time_ms, 2000);
    for (const auto& f : test::av_frames(2100))
        sink->on_frame(f);  // the keyframe at 2 s lists the first segment
    EXPECT_EQ(store->stream_ages().at(0).since_segment_ms, 0);
    clock.advance(std::chrono::milliseconds(6500));
    EXPECT_EQ(store->stream_ages().at(0).since_segment_ms, 6500);
    sink->on_end();
    EXPECT_TRUE(store->stream_ages().empty());  // ended: not live
}

TEST(SegmentStore, DiscontinuitySequenceCountsTagsThatSlidOut)
{
    PackagerConfig c;
    c.hls_list_size = 2;
    auto store = make_segment_store(c);
    auto sink = open_av(*store, "s1", true, false);
    auto frames = test::av_frames(12000, 25, 50, true, false);
    for (auto& f : frames)
        if (f.dts_ms >= 4000) f.dts_ms += 100000;  // disc before segment 2
    for (const auto& f : frames)
        sink->on_frame(f);  // closes 0..4
    std::string pl = body(store->find("live", "cam.m3u8"));
    EXPECT_NE(
        pl.find("#EXT-X-MEDIA-SEQUENCE:3\n#EXT-X-DISCONTINUITY-SEQUENCE:1\n"),
        std::string::npos)
        << pl;
    EXPECT_EQ(pl.find("#EXT-X-DISCONTINUITY\n"), std::string::npos);
}

TEST(SegmentStore, ConfigChangeGetsANewInitAndPeriod)
{
    auto store = make_segment_store(PackagerConfig{});
    auto sink = open_av(*store, "s1");
    for (const auto& f : test::av_frames(6000)) {
        if (f.video && f.dts_ms == 3000) {
            auto c = test::h264_config(1280, 720);
            c.record[3] = 0x1f;
            sink->on_video_config(c);
        }
        sink->on_frame(f);
    }
    sink->on_end();
    std::string pl = body(store->find("live", "cam.m3u8"));
    EXPECT_NE(
        pl.find("#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI=\"cam/s1-init-1.mp4\"\n"),
        std::string::npos)
        << pl;
    EXPECT_TRUE(store->find("live", "cam/s1-init-1.mp4"));
    EXPECT_TRUE(store->find("live", "cam/s1-v-init-1.mp4"));
    std::string mpd = body(store->find("live", "cam/cam.mpd"));
    EXPECT_NE(mpd.find("<Period id=\"p1\" start=\"PT3.000S\">"),
              std::string::npos)
        << mpd;
    EXPECT_NE(mpd.find("codecs=\"avc1.64001f\" bandwidth"), std::string::npos);
    EXPECT_NE(mpd.find("width=\"1280\" height=\"720\""), std::string::npos);
}

TEST(SegmentStore, ConcurrentReadersSeeConsistentState)
{
    PackagerConfig c;
    c.hls_list_size = 3;
    c.extra_segments = 1;
    auto store = make_segment_store(c);
    std::atomic<bool> done{false};
    std::atomic<int> found{0}, missing{0}, looks{0};
    std::thread reader([&] {
        for (; !done; looks++) {
            auto pl = store->find("live", "cam.m3u8");
            if (!pl) continue;
            // Every listed segment is servable at the moment it is listed.
            size_t at = 0;
            std::string last;
            const std::string text = pl->body->str();
            while ((at = text.find("cam/s", at)) != std::string::npos) {
                size_t eol = text.find('\n', at);
                last = text.substr(at, eol - at);
                at = eol;
            }
            if (last.empty()) continue;
            if (store->find("live", last))
                found++;
            else
                missing++;
            store->stats();
        }
    });
    auto sink = open_av(*store, "s1");
    for (const auto& f : test::av_frames(30000)) {
        sink->on_frame(f);
        // Let the reader look at every window: wait for its next look.
        if (f.video && f.keyframe) {
            const int seen = looks;
            const auto deadline =
                std::chrono::steady_clock::now() + std::chrono::seconds(10);
            while (looks == seen
                   && std::chrono::steady_clock::now() < deadline) {
                std::this_thread::yield();
            }
        }
    }
    sink->on_end();
    done = true;
    reader.join();
    EXPECT_GT(found.load(), 0);
    EXPECT_EQ(missing.load(), 0);
}

TEST(SegmentStore, SegmentAvailabilityIsTimedFromTheFrameThatClosedIt)
{
    Metrics metrics;
    fanout::test::FakeClock clock;
    auto store = make_segment_store(PackagerConfig{}, &metrics, clock);
    auto sink = open_av(*store, "s1");
    for (auto f : test::av_frames(4100)) {
        f.received = clock.now() - std::chrono::milliseconds(30);
        sink->on_frame(f);
        clock.advance(std::chrono::milliseconds(1));
    }
    EXPECT_EQ(metrics.segment_publish_ms.count(), 2u);  // segments 0 and 1
    EXPECT_EQ(metrics.segment_publish_ms.quantile(1), 30.0);
    // PROGRAM-DATE-TIME comes from the same clock.
    EXPECT_NE(body(store->find("live", "cam.m3u8"))
                  .find("#EXT-X-PROGRAM-DATE-TIME:2023-11-14"),
              std::string::npos);
}

TEST(SegmentStore, RenditionsOfOneStreamAreKeptApart)
{
    auto store = make_segment_store(PackagerConfig{});
    EXPECT_TRUE(valid_rendition("720p2000kbps"));
    EXPECT_FALSE(valid_rendition("720p_2000"));
    EXPECT_FALSE(valid_rendition(""));
    auto source = open_av(*store, "s1");
    auto low = store->open(StreamKey{"live", "cam"}, "240p300kbps", "s1");
    low->on_video_config(test::h264_config(426, 240));
    for (const auto& f : test::av_frames(4100)) {
        source->on_frame(f);
        if (f.video) low->on_frame(f);
    }
    std::string pl = body(store->find("live", "cam.m3u8"));
    std::string low_pl = body(store->find("live", "cam_240p300kbps.m3u8"));
    EXPECT_NE(pl.find("cam/s1-0.m4s"), std::string::npos) << pl;
    EXPECT_NE(low_pl.find("cam_240p300kbps/s1-0.m4s"), std::string::npos)
        << low_pl;
    EXPECT_TRUE(store->find("live", "cam_240p300kbps/s1-0.m4s"));
    EXPECT_NE(body(store->find("live", "cam_240p300kbps/s1-0.m4s")),
              body(store->find("live", "cam/s1-0.m4s")));
    EXPECT_EQ(store->stats().live_streams, 1u);  // one stream, two renditions

    // A stream whose id is another's rendition name: its own source wins.
    auto named = store->open(StreamKey{"live", "cam_240p300kbps"}, "s2");
    named->on_video_config(test::h264_config());
    for (const auto& f : test::av_frames(2100, 25, 50, true, false))
        named->on_frame(f);
    EXPECT_NE(body(store->find("live", "cam_240p300kbps.m3u8"))
                  .find("cam_240p300kbps/s2-0.m4s"),
              std::string::npos);
}

TEST(SegmentStore, AdaptiveMasterListsTheSessionsRenditions)
{
    auto store = make_segment_store(PackagerConfig{});
    EXPECT_FALSE(store->find("live", "cam_adaptive.m3u8"));
    auto source = open_av(*store, "s1");
    EXPECT_FALSE(store->find("live", "cam_adaptive.m3u8"));  // no segment
    auto low = store->open(StreamKey{"live", "cam"}, "240p300kbps", "s1");
    low->on_video_config(test::h264_config(426, 240));
    low->on_audio_config(test::aac_config());
    // another session's rendition is not listed
    auto stale = store->open(StreamKey{"live", "cam"}, "120p90kbps", "s0");
    stale->on_video_config(test::h264_config(212, 120));
    for (const auto& f : test::av_frames(4100)) {
        source->on_frame(f);
        low->on_frame(f);
        stale->on_frame(f);
    }
    auto r = store->find("live", "cam_adaptive.m3u8");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->content_type, "application/vnd.apple.mpegurl");
    std::string m = body(r);
    EXPECT_EQ(m.rfind("#EXTM3U\n", 0), 0u) << m;
    size_t src = m.find("RESOLUTION=640x360,CODECS=\"avc1.");
    size_t lo = m.find("RESOLUTION=426x240,CODECS=\"avc1.");
    ASSERT_NE(src, std::string::npos) << m;
    ASSERT_NE(lo, std::string::npos) << m;
    EXPECT_NE(m.find(",mp4a.40.2\",FRAME-RATE=25.000\ncam.m3u8\n"),
              std::string::npos)
        << m;
    EXPECT_NE(m.find("cam_240p300kbps.m3u8\n"), std::string::npos) << m;
    EXPECT_EQ(m.find("120p90kbps"), std::string::npos) << m;
    EXPECT_NE(m.find("AVERAGE-BANDWIDTH="), std::string::npos) << m;
    EXPECT_EQ(m.find("BANDWIDTH=1,"), std::string::npos) << m;  // measured

    // The MPD: the rendition is a Representation of the source's video,
    // its files beside the source's; its own MPD is its own.
    std::string mpd = body(store->find("live", "cam/cam.mpd"));
    EXPECT_NE(mpd.find("<Representation id=\"240p300kbps\""), std::string::npos)
        << mpd;
    EXPECT_NE(mpd.find("media=\"../cam_240p300kbps/s1-v-$Number$.m4s\""),
              std::string::npos)
        << mpd;
    EXPECT_EQ(mpd.find("120p90kbps"), std::string::npos) << mpd;
    EXPECT_TRUE(store->find("live", "cam_240p300kbps/s1-v-0.m4s"));
    EXPECT_EQ(body(store->find("live", "cam_240p300kbps/cam_240p300kbps.mpd"))
                  .find("<Representation id=\"240p300kbps\""),
              std::string::npos);

    // A rendition dropped (ended while the source goes on) leaves both.
    low->on_end();
    EXPECT_EQ(body(store->find("live", "cam_adaptive.m3u8")).find("240p"),
              std::string::npos);
    EXPECT_EQ(body(store->find("live", "cam/cam.mpd")).find("240p"),
              std::string::npos);

    // A stream named like a master playlist is its own.
    auto named = store->open(StreamKey{"live", "cam_adaptive"}, "s2");
    named->on_video_config(test::h264_config());
    for (const auto& f : test::av_frames(2100, 25, 50, true, false))
        named->on_frame(f);
    EXPECT_NE(body(store->find("live", "cam_adaptive.m3u8"))
                  .find("cam_adaptive/s2-0.m4s"),
              std::string::npos);
}

TEST(SegmentStore, RenditionsAreWhatTheMasterListsThenTheDropped)
{
    auto store = make_segment_store(PackagerConfig{});
    const StreamKey cam{"live", "cam"};
    EXPECT_TRUE(store->renditions(cam, "s1").empty());
    auto source = open_av(*store, "s1");
    auto low = store->open(cam, "240p300kbps", "s1");
    low->on_video_config(test::h264_config(426, 240));
    auto mid = store->open(cam, "288p500kbps", "s1");
    mid->on_video_config(test::h264_config(512, 288));
    EXPECT_TRUE(store->renditions(cam, "s1").empty());  // no segment yet
    for (const auto& f : test::av_frames(4100)) {
        source->on_frame(f);
        low->on_frame(f);
        mid->on_frame(f);
    }
    EXPECT_TRUE(store->renditions(cam, "s0").empty());  // another session
    auto r = store->renditions(cam, "s1");
    ASSERT_EQ(r.size(), 3u);
    EXPECT_EQ(r[0].name, "source");
    EXPECT_EQ(r[0].width, 640);
    EXPECT_EQ(r[0].height, 360);
    EXPECT_GT(r[0].bandwidth, 0u);
    EXPECT_GT(r[0].average_bandwidth, 0u);
    EXPECT_EQ(r[1].name, "288p500kbps");  // by height, highest first
    EXPECT_EQ(r[2].name, "240p300kbps");
    EXPECT_EQ(r[2].height, 240);
    for (const auto& x : r)
        EXPECT_FALSE(x.dropped) << x.name;

    // Dropped: out of the master playlist, last in the list, marked.
    mid->on_end();
    r = store->renditions(cam, "s1");
    ASSERT_EQ(r.size(), 3u);
    EXPECT_EQ(r[1].name, "240p300kbps");
    EXPECT_EQ(r[2].name, "288p500kbps");
    EXPECT_TRUE(r[2].dropped);
    EXPECT_EQ(body(store->find("live", "cam_adaptive.m3u8")).find("288p"),
              std::string::npos);
}

}  // namespace
}  // namespace fanout::package
