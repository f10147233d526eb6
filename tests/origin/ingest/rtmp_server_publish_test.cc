// tests/origin/ingest/rtmp_server_publish_test.cc — RtmpServer with real
// ffmpeg publishers: a live encode (with and without merged reads), a
// refused publish, a -c copy publish of a file, and stop() ending a live
// publish.
#include "rtmp_server_fixture.h"

namespace fanout::ingest {
namespace {

TEST_F(RtmpServerTest, FfmpegLivePublish)
{
    start();
    Proc p = run(live_ffmpeg("test1"), dir_ / "ffmpeg.log", 60s);
    ASSERT_EQ(p.status, 0) << p.output;
    auto sink = control.wait_sink(0, 1s);
    ASSERT_NE(sink, nullptr);
    ASSERT_TRUE(sink->wait_ended(10s));
    auto req = control.requests().at(0);
    EXPECT_EQ(req.key.app, "LiveApp");
    EXPECT_EQ(req.key.id, "test1");
    EXPECT_EQ(req.protocol, "RTMP");
    EXPECT_EQ(req.client.rfind("127.0.0.1:", 0), 0u);
    auto snap = sink->snapshot();
    expect_good_publish(snap, 3);
    ASSERT_FALSE(snap.metadata.empty());  // ffmpeg sends @setDataFrame
    // Media bytes are counted once, by the hub (hub_test), not here.
    EXPECT_EQ(metrics.bytes_in, 0u);
    EXPECT_TRUE(wait_for([&] { return metrics.rtmp_connections == 0; }, 5s));
    EXPECT_EQ(metrics.rtmp_bad_input_total, 0u);
}

// Merged reads change when bytes are read, never what is delivered: read
// as they arrive, and on ticks long enough that a tick's bytes overflow
// the read buffer.
TEST_F(RtmpServerTest, FfmpegLivePublishWithoutAndWithLongMergedReads)
{
    for (auto merge : {0ms, 700ms}) {
        RtmpServerOptions opt;
        opt.merge_read = merge;
        opt.read_buffer = 16 * 1024;
        start(opt);
        const std::string stream = "merge" + std::to_string(merge.count());
        Proc p = run(live_ffmpeg(stream), dir_ / (stream + ".log"), 60s);
        ASSERT_EQ(p.status, 0) << p.output;
        auto sink = control.wait_sink(merge == 0ms ? 0 : 1, 1s);
        ASSERT_NE(sink, nullptr);
        ASSERT_TRUE(sink->wait_ended(10s));
        const auto snap = sink->snapshot();
        expect_good_publish(snap, 3);
        if (merge > 0ms) {
            // A tick's reads share one arrival bound: when the connection
            // last went to wait for the tick.
            std::set<std::chrono::steady_clock::time_point> stamps;
            for (const auto& f : snap.frames)
                stamps.insert(f.received);
            EXPECT_LT(stamps.size() * 4, snap.frames.size());
        }
        EXPECT_EQ(metrics.rtmp_bad_input_total, 0u);
        stop();
        loop.restart();
    }
}

TEST_F(RtmpServerTest, RefusedPublishFailsFfmpeg)
{
    control.refuse("stream key rejected");
    start();
    Proc p = run(live_ffmpeg("denied"), dir_ / "ffmpeg.log", 30s);
    EXPECT_NE(p.status, 0) << p.output;
    EXPECT_NE(p.status, -1) << "ffmpeg hung: " << p.output;
    EXPECT_NE(p.output.find("stream key rejected"), std::string::npos)
        << p.output;
    ASSERT_EQ(control.requests().size(), 1u);
    EXPECT_EQ(control.requests()[0].key.id, "denied");
    EXPECT_EQ(metrics.rtmp_bad_input_total, 0u);  // a refusal is not bad input
}

TEST_F(RtmpServerTest, CopyPublishOfAFile)
{
    const fs::path file = dir_ / "in.mp4";
    Proc make = run({"ffmpeg",
                     "-hide_banner",
                     "-nostdin",
                     "-f",
                     "lavfi",
                     "-i",
                     "testsrc=size=640x360:rate=25",
                     "-f",
                     "lavfi",
                     "-i",
                     "sine",
                     "-t",
                     "3",
                     "-c:v",
                     "libx264",
                     "-g",
                     "25",
                     "-c:a",
                     "aac",
                     file.string()},
                    dir_ / "make.log", 60s);
    ASSERT_EQ(make.status, 0) << make.output;
    start();
    Proc p = run({"ffmpeg", "-hide_banner", "-nostdin", "-re", "-i",
                  file.string(), "-c", "copy", "-f", "flv", url("copy1")},
                 dir_ / "ffmpeg.log", 60s);
    ASSERT_EQ(p.status, 0) << p.output;
    auto sink = control.wait_sink(0, 1s);
    ASSERT_NE(sink, nullptr);
    ASSERT_TRUE(sink->wait_ended(10s));
    expect_good_publish(sink->snapshot(), 3);
}

TEST_F(RtmpServerTest, StopEndsLivePublish)
{
    start();
    std::shared_ptr<LockedSink> sink;
    Proc p =
        run(live_ffmpeg("stopped", 20), dir_ / "ffmpeg.log", 30s, [&](pid_t) {
            sink = control.wait_sink(0, 15s);
            if (sink && sink->wait_frames(5, 15s)) stop();
        });
    ASSERT_NE(sink, nullptr) << p.output;
    EXPECT_NE(p.status, -1) << "ffmpeg did not notice the close: " << p.output;
    EXPECT_EQ(sink->snapshot().ends, 1);
    EXPECT_EQ(metrics.rtmp_connections, 0u);
}

}  // namespace
}  // namespace fanout::ingest
