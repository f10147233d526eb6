// tests/origin/package/dash_mpd_test.cc — exact MPD text.
#include "package/dash_mpd.h"

#include <gtest/gtest.h>

namespace fanout::package {
namespace {

DashAdaptation video_set()
{
    DashAdaptation v;
    v.video = true;
    v.representation_id = "v";
    v.codecs = "avc1.64001e";
    v.width = 640;
    v.height = 360;
    v.frame_rate = "25";
    v.bandwidth = 800000;
    v.timescale = 90000;
    v.initialization = "s1-v-init.mp4";
    v.media = "s1-v-$Number$.m4s";
    v.start_number = 4;
    v.segments = {{720000, 180000},
                  {900000, 180000},
                  {1080000, 180000},
                  {1260000, 90000}};
    return v;
}

DashAdaptation audio_set()
{
    DashAdaptation a;
    a.video = false;
    a.representation_id = "a";
    a.codecs = "mp4a.40.2";
    a.sample_rate = 48000;
    a.channels = 2;
    a.bandwidth = 128000;
    a.timescale = 48000;
    a.initialization = "s1-a-init.mp4";
    a.media = "s1-a-$Number$.m4s";
    a.start_number = 4;
    // A hole before the last segment: t must be repeated there.
    a.segments = {{384000, 96256}, {480256, 96256}, {600000, 48128}};
    return a;
}

TEST(DashMpd, DynamicTwoAdaptationSets)
{
    DashMpd m;
    m.availability_start_ms = 1700000000000;
    m.publish_ms = 1700000010500;
    m.min_update_period_ms = 2000;
    m.time_shift_buffer_ms = 10000;
    m.suggested_delay_ms = 6000;
    m.min_buffer_ms = 2000;
    m.periods = {{"p0", 0, {video_set(), audio_set()}}};
    EXPECT_EQ(
        render_dash_mpd(m),
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\" "
        "profiles=\"urn:mpeg:dash:profile:isoff-live:2011,urn:mpeg:dash:"
        "profile:cmaf:2019\" "
        "type=\"dynamic\" availabilityStartTime=\"2023-11-14T22:13:20.000Z\" "
        "publishTime=\"2023-11-14T22:13:30.500Z\" "
        "minimumUpdatePeriod=\"PT2.000S\" "
        "timeShiftBufferDepth=\"PT10.000S\" "
        "suggestedPresentationDelay=\"PT6.000S\" "
        "minBufferTime=\"PT2.000S\">\n"
        "  <Period id=\"p0\" start=\"PT0.000S\">\n"
        "    <AdaptationSet id=\"0\" contentType=\"video\" "
        "mimeType=\"video/mp4\" "
        "segmentAlignment=\"true\" startWithSAP=\"1\">\n"
        "      <SegmentTemplate timescale=\"90000\" "
        "initialization=\"s1-v-init.mp4\" "
        "media=\"s1-v-$Number$.m4s\" startNumber=\"4\">\n"
        "        <SegmentTimeline>\n"
        "          <S t=\"720000\" d=\"180000\" r=\"2\"/>\n"
        "          <S d=\"90000\"/>\n"
        "        </SegmentTimeline>\n"
        "      </SegmentTemplate>\n"
        "      <Representation id=\"v\" codecs=\"avc1.64001e\" "
        "bandwidth=\"800000\" "
        "width=\"640\" height=\"360\" sar=\"1:1\" frameRate=\"25\"/>\n"
        "    </AdaptationSet>\n"
        "    <AdaptationSet id=\"1\" contentType=\"audio\" "
        "mimeType=\"audio/mp4\" "
        "segmentAlignment=\"true\" startWithSAP=\"1\">\n"
        "      <SegmentTemplate timescale=\"48000\" "
        "initialization=\"s1-a-init.mp4\" "
        "media=\"s1-a-$Number$.m4s\" startNumber=\"4\">\n"
        "        <SegmentTimeline>\n"
        "          <S t=\"384000\" d=\"96256\" r=\"1\"/>\n"
        "          <S t=\"600000\" d=\"48128\"/>\n"
        "        </SegmentTimeline>\n"
        "      </SegmentTemplate>\n"
        "      <Representation id=\"a\" codecs=\"mp4a.40.2\" "
        "bandwidth=\"128000\" "
        "audioSamplingRate=\"48000\">\n"
        "        <AudioChannelConfiguration "
        "schemeIdUri=\"urn:mpeg:dash:23003:3:audio_channel_configuration:"
        "2011\" "
        "value=\"2\"/>\n"
        "      </Representation>\n"
        "    </AdaptationSet>\n"
        "  </Period>\n"
        "</MPD>\n");
}

TEST(DashMpd, StaticWithPeriodsAndOffsets)
{
    DashMpd m;
    m.dynamic = false;
    m.duration_ms = 7500;
    m.min_buffer_ms = 2000;
    DashAdaptation v = video_set();
    v.presentation_time_offset = 720000;
    v.frame_rate = "";
    v.width = 0;
    DashAdaptation v2 = video_set();
    v2.start_number = 8;
    v2.initialization = "s1-v-init-1.mp4";
    v2.presentation_time_offset = 1350000;
    v2.segments = {{1350000, 135000}};
    m.periods = {{"p0", 0, {v}}, {"p1", 7000, {v2}}};
    std::string mpd = render_dash_mpd(m);
    EXPECT_NE(
        mpd.find(" type=\"static\" mediaPresentationDuration=\"PT7.500S\" "
                 "minBufferTime=\"PT2.000S\">\n"),
        std::string::npos)
        << mpd;
    EXPECT_EQ(mpd.find("availabilityStartTime"), std::string::npos);
    EXPECT_EQ(mpd.find("minimumUpdatePeriod"), std::string::npos);
    EXPECT_NE(mpd.find("<Period id=\"p1\" start=\"PT7.000S\">"),
              std::string::npos);
    EXPECT_NE(mpd.find("presentationTimeOffset=\"720000\""), std::string::npos);
    EXPECT_NE(
        mpd.find(
            "initialization=\"s1-v-init-1.mp4\" media=\"s1-v-$Number$.m4s\" "
            "startNumber=\"8\""),
        std::string::npos);
    EXPECT_NE(mpd.find("<Representation id=\"v\" codecs=\"avc1.64001e\" "
                       "bandwidth=\"800000\"/>"),
              std::string::npos);
}

TEST(DashMpd, Durations)
{
    EXPECT_EQ(xs_duration(0), "PT0.000S");
    EXPECT_EQ(xs_duration(2000), "PT2.000S");
    EXPECT_EQ(xs_duration(3723456), "PT3723.456S");
}

TEST(DashMpd, RenditionsBecomeRepresentationsOfTheVideoSet)
{
    DashMpd m;
    m.dynamic = false;
    m.duration_ms = 7000;
    m.periods = {{"p0", 0, {video_set(), audio_set()}}};
    DashMpd low = m;
    low.periods[0].sets[0].width = 426;
    low.periods[0].sets[0].height = 240;
    low.periods[0].sets[0].bandwidth = 400000;
    low.periods[0].sets[0].segments.pop_back();  // one segment behind
    low.periods.push_back({"p9", 0, {video_set()}});  // not in the source
    add_rendition(m, low, "240p400kbps", "../s1_240p400kbps/");
    ASSERT_EQ(m.periods.size(), 1u);
    std::string out = render_dash_mpd(m);
    const std::string video =
        "    <AdaptationSet id=\"0\" contentType=\"video\" "
        "mimeType=\"video/mp4\" segmentAlignment=\"true\" "
        "startWithSAP=\"1\">\n"
        "      <Representation id=\"v\" codecs=\"avc1.64001e\" "
        "bandwidth=\"800000\" width=\"640\" height=\"360\" sar=\"1:1\" "
        "frameRate=\"25\">\n"
        "        <SegmentTemplate timescale=\"90000\" "
        "initialization=\"s1-v-init.mp4\" media=\"s1-v-$Number$.m4s\" "
        "startNumber=\"4\">\n"
        "        <SegmentTimeline>\n"
        "          <S t=\"720000\" d=\"180000\" r=\"2\"/>\n"
        "          <S d=\"90000\"/>\n"
        "        </SegmentTimeline>\n"
        "        </SegmentTemplate>\n"
        "      </Representation>\n"
        "      <Representation id=\"240p400kbps\" codecs=\"avc1.64001e\" "
        "bandwidth=\"400000\" width=\"426\" height=\"240\" sar=\"1:1\" "
        "frameRate=\"25\">\n"
        "        <SegmentTemplate timescale=\"90000\" "
        "initialization=\"../s1_240p400kbps/s1-v-init.mp4\" "
        "media=\"../s1_240p400kbps/s1-v-$Number$.m4s\" startNumber=\"4\">\n"
        "        <SegmentTimeline>\n"
        "          <S t=\"720000\" d=\"180000\" r=\"2\"/>\n"
        "        </SegmentTimeline>\n"
        "        </SegmentTemplate>\n"
        "      </Representation>\n"
        "    </AdaptationSet>\n";
    EXPECT_NE(out.find(video), std::string::npos) << out;
    // The audio stays the source's, one Representation, shared.
    EXPECT_NE(out.find("<AdaptationSet id=\"1\" contentType=\"audio\""),
              std::string::npos);
    EXPECT_EQ(out.find("s1_240p400kbps/s1-a-"), std::string::npos) << out;
}

}  // namespace
}  // namespace fanout::package
