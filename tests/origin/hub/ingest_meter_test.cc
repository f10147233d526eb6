// tests/origin/hub/ingest_meter_test.cc — the ingest meter's bitrate and
// speed over a fake clock: the pure rate between two samples, and the
// window take_rate() reports over.
#include "hub/ingest_meter.h"

#include <gtest/gtest.h>

#include "../core/fake_clock.h"

namespace fanout::hub {
namespace {

using std::chrono::milliseconds;
using test::FakeClock;

media::Frame frame(int64_t dts_ms, size_t bytes)
{
    media::Frame f;
    f.video = true;
    f.dts_ms = dts_ms;
    f.data = SharedBytes(std::string(bytes, 'x'));
    return f;
}

TEST(IngestRate, BitsAndMediaTimePerWallTime)
{
    std::chrono::steady_clock::time_point t0{milliseconds(1000)};
    IngestSample a{1000, 500, t0};
    IngestSample b{1000 + 250000, 500 + 2000, t0 + milliseconds(2000)};
    std::optional<IngestRate> r = ingest_rate(a, b);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->bitrate, 1000000);  // 250 kB in 2 s
    EXPECT_DOUBLE_EQ(r->speed, 1.0);
    b.media_ms = 500 + 1000;  // half the media time: half speed
    EXPECT_DOUBLE_EQ(ingest_rate(a, b)->speed, 0.5);
}

TEST(IngestRate, NoWallTimeNoRateAndNothingNegative)
{
    std::chrono::steady_clock::time_point t0{milliseconds(1000)};
    EXPECT_FALSE(ingest_rate({0, 0, t0}, {10, 10, t0}));
    EXPECT_FALSE(ingest_rate({0, 0, t0 + milliseconds(5)}, {10, 10, t0}));
    std::optional<IngestRate> r =
        ingest_rate({100, 100, t0}, {50, 40, t0 + milliseconds(1000)});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->bitrate, 0);
    EXPECT_EQ(r->speed, 0);
}

// A real-time 1 Mbit/s publish: 30 frames a second of 4166 bytes.
void publish(IngestMeter& m, FakeClock& clock, int64_t& dts, int seconds)
{
    for (int i = 0; i < seconds * 30; i++) {
        m.on_frame(frame(dts, 4166));
        dts += 33;
        clock.advance(milliseconds(33));
    }
}

TEST(IngestMeter, ReportsTheLastWindowNotTheWholePublish)
{
    FakeClock clock;
    IngestMeter m(clock);
    EXPECT_EQ(m.take_rate().bitrate, 0);  // no time passed
    int64_t dts = 90000;
    publish(m, clock, dts, 10);
    IngestRate r = m.take_rate();
    EXPECT_NEAR(r.bitrate, 1000000, 20000);
    EXPECT_NEAR(r.speed, 1.0, 0.01);

    // The publisher stalls for 6 s, then sends 2 s of media in 1 s: the
    // figure covers the window, not the 16 s since the start.
    clock.advance(milliseconds(6000));
    for (int i = 0; i < 60; i++) {
        m.on_frame(frame(dts, 4166));
        dts += 33;
        if (i % 2 == 1) clock.advance(milliseconds(33));
    }
    r = m.take_rate();
    EXPECT_NEAR(r.speed, 60 * 33 / 7000.0, 0.01);
    // Sampled every 500 ms from now on: always at least a 5 s window.
    for (int i = 0; i < 20; i++) {
        for (int f = 0; f < 15; f++) {
            m.on_frame(frame(dts, 4166));
            dts += 33;
            clock.advance(milliseconds(33));
        }
        clock.advance(milliseconds(5));
        r = m.take_rate();
    }
    EXPECT_NEAR(r.speed, 1.0, 0.03);
    EXPECT_NEAR(r.bitrate, 1000000, 30000);
    EXPECT_EQ(m.sample().bytes, int64_t(4166) * (300 + 60 + 300));
}

}  // namespace
}  // namespace fanout::hub
