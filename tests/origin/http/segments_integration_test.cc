// The real packager (package::make_segment_store) fed synthetic H.264/AAC
// frames, its HLS and DASH output fetched over HTTP the way players do.
#include "server_harness.h"
#include "test_media.h"  // tests/origin/package: synthetic configs and frames

namespace fanout::http::testing {
namespace {

class LiveStream {
public:
    LiveStream()
    {
        auto store = package::make_segment_store(package::PackagerConfig{});
        raw_ = store.get();
        h = std::make_unique<Harness>(ServerOptions{}, std::move(store));
        sink_ = raw_->open(StreamKey{"LiveApp", "cam"}, "s1");
        sink_->on_video_config(package::test::h264_config());
        sink_->on_audio_config(package::test::aac_config());
        // Frames arrive on this thread while the loop thread serves: the
        // store's find() is thread-safe.
        for (const auto& f : package::test::av_frames(6100)) {
            sink_->on_frame(f);
        }
    }

    std::unique_ptr<Harness> h;

private:
    package::SegmentStore* raw_ = nullptr;
    std::shared_ptr<media::StreamSink> sink_;
};

TEST(HttpSegments, HlsPlaylistAndSegments)
{
    LiveStream live;
    Client c(live.h->port);
    Reply pl = c.call("GET", "/LiveApp/streams/cam.m3u8");
    ASSERT_EQ(pl.status, 200);
    EXPECT_EQ(pl.header("content-type"), "application/vnd.apple.mpegurl");
    EXPECT_EQ(pl.header("cache-control"), "max-age=1");
    EXPECT_EQ(pl.header("access-control-allow-origin"), "*");
    ASSERT_NE(pl.body.find("#EXT-X-MAP:URI=\"cam/s1-init.mp4\""),
              std::string::npos);
    ASSERT_NE(pl.body.find("cam/s1-0.m4s"), std::string::npos) << pl.body;

    // Every URI in the playlist resolves, relative to the playlist.
    size_t pos = 0;
    int fetched = 0;
    while ((pos = pl.body.find("cam/s1-", pos)) != std::string::npos) {
        size_t end = pl.body.find_first_of("\"\n", pos);
        std::string uri = pl.body.substr(pos, end - pos);
        Reply r = c.call("GET", "/LiveApp/streams/" + uri);
        EXPECT_EQ(r.status, 200) << uri;
        EXPECT_FALSE(r.body.empty()) << uri;
        pos = end;
        fetched++;
    }
    EXPECT_GE(fetched, 3);

    Reply init = c.call("GET", "/LiveApp/streams/cam/s1-init.mp4");
    ASSERT_EQ(init.status, 200);
    EXPECT_EQ(init.body.substr(4, 4), "ftyp");

    // A player's range read of a real segment.
    Reply whole = c.call("GET", "/LiveApp/streams/cam/s1-0.m4s");
    ASSERT_EQ(whole.status, 200);
    Reply part = c.call("GET", "/LiveApp/streams/cam/s1-0.m4s", "",
                        "Range: bytes=0-15\r\n");
    EXPECT_EQ(part.status, 206);
    EXPECT_EQ(part.body, whole.body.substr(0, 16));
    EXPECT_EQ(part.header("content-range"),
              "bytes 0-15/" + std::to_string(whole.body.size()));
    Reply head = c.call("HEAD", "/LiveApp/streams/cam/s1-0.m4s");
    EXPECT_EQ(head.header("content-length"), std::to_string(whole.body.size()));

    EXPECT_EQ(c.call("GET", "/LiveApp/streams/cam/s1-999.m4s").status, 404);
    EXPECT_EQ(c.call("GET", "/Other/streams/cam.m3u8").status, 404);
}

TEST(HttpSegments, DashManifest)
{
    LiveStream live;
    Client c(live.h->port);
    Reply mpd = c.call("GET", "/LiveApp/streams/cam/cam.mpd");
    ASSERT_EQ(mpd.status, 200);
    EXPECT_EQ(mpd.header("content-type"), "application/dash+xml");
    EXPECT_NE(mpd.body.find("type=\"dynamic\""), std::string::npos);
}

TEST(HttpSegments, MetricsReflectThePackager)
{
    LiveStream live;
    Client c(live.h->port);
    std::string t = c.call("GET", "/metrics").body;
    EXPECT_NE(t.find("fanout_streams 1\n"), std::string::npos) << t;
    EXPECT_EQ(t.find("fanout_segments_total 0\n"), std::string::npos) << t;
    EXPECT_EQ(c.call("GET", "/rest/v2/system-resources")
                  .json()["totalLiveStreamSize"],
              1);
}

}  // namespace
}  // namespace fanout::http::testing
