// tests/origin/package/continuation_test.cc — continue_after: where a new
// publish of a stream starts its numbering, from the previous owner's
// last written progress.  Pure: every case is numbers in, numbers out.
#include "package/continuation.h"

#include <gtest/gtest.h>

#include <random>

namespace fanout::package {
namespace {

constexpr int kHls = 2000;
constexpr int64_t kAst = 1700000000000;  // the stream's first publish

// An owner that has listed `segments` 2-second segments, written at
// `written` (Unix ms).
fo_progress owner(int64_t segments, int64_t written)
{
    fo_progress p{};
    p.hls_sequence = segments;
    p.hls_discontinuity = 3;
    p.dash_start_ms = kAst;
    p.dash_period = 4;
    p.dash_period_start_ms = 12000;  // Period 4 opened at 12 s
    p.dash_end_ms = 2000 * segments;
    p.dash_number = segments + 1;
    p.written_ms = written;
    return p;
}

TEST(ContinueAfter, FirstPublishStartsFromZero)
{
    Continuation c = continue_after(fo_progress{}, kAst + 5000, kHls);
    EXPECT_FALSE(c.discontinuity);
    EXPECT_EQ(c.hls_sequence, 0u);
    EXPECT_EQ(c.hls_discontinuity, 0u);
    EXPECT_EQ(c.dash_start_ms, 0);
    EXPECT_EQ(c.dash_period, 0u);
    EXPECT_EQ(c.dash_period_start_ms, 0);
    EXPECT_EQ(c.dash_number, 0u);
    EXPECT_EQ(c.dash_previous_end_ms, 0);
}

TEST(ContinueAfter, UnseenSegmentsBound)
{
    // ceil(since / hlsTime) + 1, and one more for a short segment (a
    // configuration change or the end cuts one early).
    EXPECT_EQ(unseen_segments(0, 2000), 2u);
    EXPECT_EQ(unseen_segments(1, 2000), 3u);
    EXPECT_EQ(unseen_segments(2000, 2000), 3u);
    EXPECT_EQ(unseen_segments(2001, 2000), 4u);
    EXPECT_EQ(unseen_segments(5000, 2000), 5u);
    EXPECT_EQ(unseen_segments(-300, 2000), 2u);  // a clock that stepped back
    EXPECT_EQ(unseen_segments(250, 0), 5u);  // the segmenter's 100 ms floor
}

TEST(ContinueAfter, CleanReleaseContinuesJustPastTheEnd)
{
    // Released at the end of its 30th segment; the publisher is back 1 s
    // later.
    const int64_t released = kAst + 60000;
    Continuation c = continue_after(owner(30, released), released + 1000, kHls);
    EXPECT_TRUE(c.discontinuity);
    EXPECT_EQ(c.hls_sequence, 30u + 3);
    EXPECT_EQ(c.hls_discontinuity, 3u + 3);
    EXPECT_EQ(c.dash_number, 31u + 3);
    EXPECT_EQ(c.dash_period, 4u + 3 + 1);
    EXPECT_EQ(c.dash_start_ms, kAst);
    // The media listed ended at 60 s; the later of 60 + 1 + 0.5 s (what it
    // can have listed since, its media up to 0.5 s ahead of the clock) and
    // the live edge now (61 s).
    EXPECT_EQ(c.dash_period_start_ms, 61500);
    EXPECT_EQ(c.dash_previous_period, 4u);
    EXPECT_EQ(c.dash_previous_start_ms, 12000);  // its own start, as written
    EXPECT_EQ(c.dash_previous_end_ms, 60000);
}

TEST(ContinueAfter, PreviousPeriodStartsNoLaterThanItsEnd)
{
    // A record from before the field (0) reads as a Period from 0; one
    // whose start is past its end (not written by an origin) is held to it.
    fo_progress p = owner(30, kAst + 60000);
    p.dash_period_start_ms = 0;
    EXPECT_EQ(continue_after(p, kAst + 61000, kHls).dash_previous_start_ms, 0);
    p.dash_period_start_ms = 90000;
    EXPECT_EQ(continue_after(p, kAst + 61000, kHls).dash_previous_start_ms,
              59999);
}

TEST(ContinueAfter, KillWithStaleProgressMovesPastWhatItCanHaveListed)
{
    // Written 4.9 s before the kill (one heartbeat), taken over 1 s after.
    const int64_t written = kAst + 60000;
    const int64_t now = written + 5900;
    Continuation c = continue_after(owner(30, written), now, kHls);
    // In 5.9 s it can have closed at most 3 segments of >= 2 s, plus a
    // short one; the numbers skip 5.
    EXPECT_EQ(c.hls_sequence, 35u);
    EXPECT_EQ(c.dash_number, 36u);
    EXPECT_EQ(c.hls_discontinuity, 8u);
    EXPECT_EQ(c.dash_period, 10u);
    EXPECT_EQ(c.dash_period_start_ms, 60000 + 5900 + 500);
    EXPECT_EQ(c.dash_previous_end_ms, 60000);  // as written: what was seen
}

TEST(ContinueAfter, LongGapKeepsTheMpdIdentity)
{
    // The stream comes back a day later: its MPD keeps its identity, and
    // the new Period starts at the live edge now on its time line (plus the
    // 0.5 s an owner publishing all along could be ahead of the clock).
    const int64_t written = kAst + 60000;
    const int64_t now = written + 86400000;
    Continuation c = continue_after(owner(30, written), now, kHls);
    EXPECT_EQ(c.dash_start_ms, kAst);
    EXPECT_EQ(c.dash_period_start_ms, now - kAst + 500);
    EXPECT_EQ(c.hls_sequence, 30u + 43200 + 2);
    EXPECT_EQ(c.dash_number, 31u + 43200 + 2);
}

TEST(ContinueAfter, LiveEdgeWinsWhenTheOwnerWroteLittle)
{
    // Progress from before its first segment (dash_end 0) of a stream whose
    // AST is long past: the Period starts at the live edge.
    fo_progress p = owner(0, kAst + 100000);
    p.dash_end_ms = 0;
    Continuation c = continue_after(p, kAst + 100500, kHls);
    EXPECT_EQ(c.dash_period_start_ms, 100500);
    EXPECT_EQ(c.dash_previous_end_ms, 0);  // no old Period to list
}

TEST(ContinueAfter, NoMpdYetLeavesTheStartToThisPublish)
{
    fo_progress p{};
    p.hls_sequence = 7;
    p.written_ms = kAst;
    Continuation c = continue_after(p, kAst + 10, kHls);
    EXPECT_TRUE(c.discontinuity);
    EXPECT_EQ(c.hls_sequence, 10u);  // 7 + ceil(10 / 2000) + 2
    EXPECT_EQ(c.dash_start_ms, 0);
    EXPECT_EQ(c.dash_period_start_ms, 0);
    EXPECT_EQ(c.dash_previous_end_ms, 0);
}

TEST(ContinueAfter, ClockBehindTheWriteOrNoWriteTimeStillMovesForward)
{
    const int64_t written = kAst + 60000;
    Continuation behind =
        continue_after(owner(30, written), written - 700, kHls);
    EXPECT_EQ(behind.hls_sequence, 32u);
    EXPECT_EQ(behind.dash_period_start_ms, 60500);
    Continuation unknown = continue_after(owner(30, 0), written, kHls);
    EXPECT_EQ(unknown.hls_sequence, 32u);
}

TEST(ContinueAfter, DiscontinuitySequenceSlidesFromTheOwners)
{
    // The owner's last segment had discontinuity sequence number 3.  The new
    // playlist's first segment carries DISCONTINUITY, so its number is one
    // more than EXT-X-DISCONTINUITY-SEQUENCE; both are past 3.
    Continuation c =
        continue_after(owner(30, kAst + 60000), kAst + 60000, kHls);
    EXPECT_TRUE(c.discontinuity);
    EXPECT_GE(c.hls_discontinuity, 3u);
    EXPECT_GT(c.hls_discontinuity + 1, 3u);
}

// Whatever the owner wrote and whenever: no counter goes back, and nothing
// the owner can have listed since its write (one segment per hlsTime, plus
// one) collides with the new numbers.
TEST(ContinueAfter, NeverStepsBack)
{
    std::mt19937_64 rng(12);
    for (int i = 0; i < 20000; i++) {
        fo_progress p{};
        p.hls_sequence = static_cast<int64_t>(rng() % 1000000);
        p.hls_discontinuity = static_cast<int64_t>(rng() % 1000);
        p.dash_start_ms = kAst;
        p.dash_period = static_cast<int64_t>(rng() % 1000);
        p.dash_end_ms = static_cast<int64_t>(rng() % 100000000);
        p.dash_number = static_cast<int64_t>(rng() % 1000000);
        p.written_ms = kAst + p.dash_end_ms;
        const int hls = 100 + static_cast<int>(rng() % 10000);
        const int64_t since = static_cast<int64_t>(rng() % 100000);
        const int64_t now = p.written_ms + since;
        Continuation c = continue_after(p, now, hls);
        const uint64_t listed_since = static_cast<uint64_t>(since / hls) + 1;
        ASSERT_GE(c.hls_sequence, p.hls_sequence + listed_since);
        ASSERT_GE(c.dash_number, p.dash_number + listed_since);
        ASSERT_GE(c.hls_discontinuity, p.hls_discontinuity + listed_since);
        ASSERT_GT(c.dash_period, p.dash_period + listed_since);
        ASSERT_GE(c.dash_period_start_ms, p.dash_end_ms + since);
        ASSERT_GE(c.dash_period_start_ms, now - kAst);
        ASSERT_EQ(c.dash_start_ms, kAst);
    }
}

}  // namespace
}  // namespace fanout::package
