// tests/load/dash_test.cc — MPDs as fanout-origin renders them
// (package/dash_mpd.h, the origin's own renderer, a ladder included) and
// hand-written edge cases (load/src/dash.h).
#include "dash.h"

#include <gtest/gtest.h>

#include "package/dash_mpd.h"

namespace fanout::load {
namespace {

package::DashAdaptation set(bool video, const std::string& id, int64_t t0,
                            int n)
{
    package::DashAdaptation a;
    a.video = video;
    a.representation_id = id;
    a.bandwidth = video ? 2000000 : 128000;
    a.width = video ? 1280 : 0;
    a.height = video ? 720 : 0;
    a.timescale = video ? 90000 : 48000;
    a.initialization = "s7-" + id + "-init.mp4";
    a.media = "s7-" + id + "-$Number$.m4s";
    a.start_number = 40;
    const int64_t d = video ? 180000 : 96000;
    for (int i = 0; i < n; i++)
        a.segments.push_back({t0 + i * d, d});
    a.segments.back().d += video ? 9000 : 0;  // a longer last one
    return a;
}

package::DashMpd origin_mpd()
{
    package::DashMpd m;
    m.min_update_period_ms = 2000;
    package::DashPeriod p;
    p.id = "p0";
    p.sets = {set(true, "v", 900000, 5), set(false, "a", 480000, 5)};
    m.periods = {p};
    return m;
}

TEST(Dash, ReadsTheOriginsMpd)
{
    auto m = parse_mpd(package::render_dash_mpd(origin_mpd()));
    ASSERT_TRUE(m.ok()) << m.error().message();
    EXPECT_TRUE(m->dynamic);
    EXPECT_DOUBLE_EQ(m->min_update_s, 2);
    ASSERT_EQ(m->sets.size(), 2u);
    EXPECT_TRUE(m->sets[0].video);
    EXPECT_FALSE(m->sets[1].video);
    ASSERT_EQ(m->sets[0].reps.size(), 1u);
    const DashRepresentation& v = m->sets[0].reps[0];
    EXPECT_EQ(v.bandwidth, 2000000u);
    EXPECT_EQ(v.height, 720);
    HlsPlaylist t = dash_track(v, false);
    ASSERT_EQ(t.segments.size(), 5u);
    EXPECT_EQ(t.segments[0].sequence, 40u);
    EXPECT_EQ(t.segments[0].uri, "s7-v-40.m4s");
    EXPECT_EQ(t.segments[4].uri, "s7-v-44.m4s");
    EXPECT_EQ(t.segments[0].map_uri, "s7-v-init.mp4");
    EXPECT_DOUBLE_EQ(t.segments[0].duration_s, 2);
    EXPECT_DOUBLE_EQ(t.segments[4].duration_s, 2.1);
    EXPECT_DOUBLE_EQ(t.target_duration_s, 2.1);
    EXPECT_EQ(dash_track(m->sets[1].reps[0], false).segments.size(), 5u);
}

TEST(Dash, ReadsTheOriginsLadder)
{
    package::DashMpd m = origin_mpd(), low = origin_mpd();
    low.periods[0].sets[0].bandwidth = 500000;
    low.periods[0].sets[0].height = 360;
    package::add_rendition(m, low, "r360", "../cam_360p/");
    auto p = parse_mpd(package::render_dash_mpd(m));
    ASSERT_TRUE(p.ok()) << p.error().message();
    ASSERT_EQ(p->sets[0].reps.size(), 2u);
    const DashRepresentation& r = p->sets[0].reps[1];
    EXPECT_EQ(r.height, 360);
    HlsPlaylist t = dash_track(r, false);
    ASSERT_FALSE(t.segments.empty());
    EXPECT_EQ(t.segments[0].uri.rfind("../cam_360p/", 0), 0u)
        << t.segments[0].uri;
}

TEST(Dash, TemplatesAndTimelines)
{
    auto m = parse_mpd(R"(<?xml version="1.0"?>
<!-- a comment with <tags> -->
<MPD type='static'><Period id="old"><AdaptationSet contentType="video"/></Period>
<Period><AdaptationSet mimeType="video/mp4">
 <SegmentTemplate timescale="1000" startNumber="7"
   initialization="$RepresentationID$/init.mp4"
   media="$RepresentationID$/$Time$-$Number%05d$-$Bandwidth$$$.m4s">
  <SegmentTimeline><S t="5000" d="2000" r="2"/><S d="1000"/><S t="20000" d="500"/></SegmentTimeline>
 </SegmentTemplate>
 <Representation id="hi" bandwidth="900"/>
</AdaptationSet></Period></MPD>)");
    ASSERT_TRUE(m.ok()) << m.error().message();
    EXPECT_FALSE(m->dynamic);
    ASSERT_EQ(m->sets.size(), 1u) << "the last Period only";
    HlsPlaylist t = dash_track(m->sets[0].reps[0], true);
    ASSERT_EQ(t.segments.size(), 5u);
    EXPECT_EQ(t.segments[0].uri, "hi/5000-00007-900$.m4s");
    EXPECT_EQ(t.segments[3].uri, "hi/11000-00010-900$.m4s");
    EXPECT_EQ(t.segments[4].uri, "hi/20000-00011-900$.m4s");
    EXPECT_EQ(t.segments[4].map_uri, "hi/init.mp4");
    EXPECT_TRUE(t.ended);
}

TEST(Dash, Rejects)
{
    EXPECT_FALSE(parse_mpd("#EXTM3U").ok());
    EXPECT_FALSE(
        parse_mpd("<MPD><Period><AdaptationSet><Representation id='x'/>"
                  "</AdaptationSet></Period></MPD>")
            .ok())
        << "no template";
    EXPECT_FALSE(parse_mpd("<MPD><Period><AdaptationSet><SegmentTemplate "
                           "media='a' duration='2'/><Representation id='x'/>"
                           "</AdaptationSet></Period></MPD>")
                     .ok())
        << "duration-only templates";
    EXPECT_TRUE(parse_mpd("<MPD><Period><AdaptationSet><SegmentTemplate "
                          "media='a'><SegmentTimeline/></SegmentTemplate>"
                          "<Representation id='x'/></AdaptationSet></Period>"
                          "</MPD>")
                    .ok())
        << "an empty timeline: no segment yet";
    EXPECT_FALSE(
        parse_mpd("<MPD><Period><AdaptationSet><SegmentTemplate media='a'>"
                  "<SegmentTimeline><S d='1' r='-1'/></SegmentTimeline>"
                  "</SegmentTemplate></AdaptationSet></Period></MPD>")
            .ok());
    EXPECT_FALSE(
        parse_mpd("<MPD><Period><AdaptationSet><SegmentTemplate media='a'>"
                  "<SegmentTimeline><S d='0'/></SegmentTimeline>"
                  "</SegmentTemplate></AdaptationSet></Period></MPD>")
            .ok());
}

TEST(Dash, NestedWronglyIsSafe)
{
    // A Period inside an AdaptationSet, Representations inside
    // Representations, a timeline after its set moved: nothing is written
    // through a stale pointer (the fuzzer found the first).
    auto m = parse_mpd(
        "<MPD><Period><AdaptationSet><SegmentTemplate "
        "media='a'><SegmentTimeline>"
        "<Period><Representation id='x'><Representation id='y'>"
        "<AdaptationSet><AdaptationSet><S d='1'/></SegmentTimeline>"
        "</SegmentTemplate></AdaptationSet></Period></MPD>");
    ASSERT_TRUE(m.ok()) << m.error().message();
    ASSERT_EQ(m->sets.size(), 2u) << "the inner Period's";
    for (const DashSet& set : m->sets)
        EXPECT_TRUE(set.reps.empty()) << "x and y were outside any set";
}

TEST(Dash, XsDuration)
{
    EXPECT_DOUBLE_EQ(parse_xs_duration("PT2.000S"), 2);
    EXPECT_DOUBLE_EQ(parse_xs_duration("PT1M2.5S"), 62.5);
    EXPECT_DOUBLE_EQ(parse_xs_duration("P0Y0M1DT1H"), 90000);
    EXPECT_LT(parse_xs_duration("2S"), 0);
    EXPECT_LT(parse_xs_duration("PT2"), 0);
    EXPECT_LT(parse_xs_duration("P1M"), 0) << "months have no fixed length";
}

}  // namespace
}  // namespace fanout::load
