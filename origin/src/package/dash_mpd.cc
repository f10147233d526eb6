// package/dash_mpd.cc — see dash_mpd.h.
#include "package/dash_mpd.h"

#include <algorithm>
#include <cstdio>

#include "package/hls_playlist.h"

namespace fanout::package {
namespace {

std::string attr(const char* name, const std::string& value)
{
    return std::string(" ") + name + "=\"" + value + "\"";
}

std::string attr(const char* name, int64_t value)
{
    return attr(name, std::to_string(value));
}

// <S> elements: t only where the timeline is not contiguous, r for runs of
// equal durations.
void timeline(std::string& out, const std::vector<DashSegment>& segs)
{
    out += "        <SegmentTimeline>\n";
    size_t i = 0;
    int64_t expected = -1;
    while (i < segs.size()) {
        size_t j = i;
        while (j + 1 < segs.size() && segs[j + 1].d == segs[i].d
               && segs[j + 1].t == segs[j].t + segs[j].d)
            j++;
        out += "          <S";
        if (segs[i].t != expected) out += attr("t", segs[i].t);
        out += attr("d", segs[i].d);
        if (j > i) out += attr("r", static_cast<int64_t>(j - i));
        out += "/>\n";
        expected = segs[j].t + segs[j].d;
        i = j + 1;
    }
    out += "        </SegmentTimeline>\n";
}

void segment_template(std::string& out, const DashAdaptation& a,
                      const char* indent)
{
    out += std::string(indent) + "<SegmentTemplate"
           + attr("timescale", a.timescale);
    if (a.presentation_time_offset)
        out += attr("presentationTimeOffset", a.presentation_time_offset);
    out += attr("initialization", a.initialization) + attr("media", a.media)
           + attr("startNumber", static_cast<int64_t>(a.start_number)) + ">\n";
    timeline(out, a.segments);
    out += std::string(indent) + "</SegmentTemplate>\n";
}

// <Representation ...>, without its end: attributes for video or audio.
void representation_open(std::string& out, const DashAdaptation& a)
{
    out += "      <Representation" + attr("id", a.representation_id)
           + attr("codecs", a.codecs)
           + attr("bandwidth", static_cast<int64_t>(a.bandwidth));
    if (a.video) {
        if (a.width > 0 && a.height > 0)
            out += attr("width", a.width) + attr("height", a.height)
                   + " sar=\"1:1\"";
        if (!a.frame_rate.empty()) out += attr("frameRate", a.frame_rate);
    } else if (a.sample_rate > 0) {
        out += attr("audioSamplingRate", a.sample_rate);
    }
}

void audio_channels(std::string& out, const DashAdaptation& a)
{
    out +=
        "        <AudioChannelConfiguration"
        " schemeIdUri=\"urn:mpeg:dash:23003:3:audio_channel_configuration:"
        "2011\""
        + attr("value", a.channels) + "/>\n";
}

void adaptation(std::string& out, const DashAdaptation& a, int id)
{
    out += "    <AdaptationSet" + attr("id", id)
           + attr("contentType", a.video ? "video" : "audio")
           + attr("mimeType", a.video ? "video/mp4" : "audio/mp4")
           + " segmentAlignment=\"true\" startWithSAP=\"1\">\n";
    if (!a.representations.empty()) {
        // A ladder: each Representation names its own files.
        for (size_t i = 0; i <= a.representations.size(); i++) {
            const DashAdaptation& r = i == 0 ? a : a.representations[i - 1];
            representation_open(out, r);
            out += ">\n";
            segment_template(out, r, "        ");
            if (!r.video) audio_channels(out, r);
            out += "      </Representation>\n";
        }
        out += "    </AdaptationSet>\n";
        return;
    }
    segment_template(out, a, "      ");
    representation_open(out, a);
    if (a.video) {
        out += "/>\n";
    } else {
        out += ">\n";
        audio_channels(out, a);
        out += "      </Representation>\n";
    }
    out += "    </AdaptationSet>\n";
}

}  // namespace

std::string xs_duration(int64_t ms)
{
    char buf[48];
    std::snprintf(buf, sizeof buf, "PT%lld.%03lldS",
                  static_cast<long long>(ms / 1000),
                  static_cast<long long>(ms % 1000));
    return buf;
}

std::string render_dash_mpd(const DashMpd& m)
{
    std::string out;
    out.reserve(2048);
    out += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    out +=
        "<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\""
        " profiles=\"urn:mpeg:dash:profile:isoff-live:2011,"
        "urn:mpeg:dash:profile:cmaf:2019\"";
    if (m.dynamic) {
        out +=
            " type=\"dynamic\""
            + attr("availabilityStartTime", iso8601_ms(m.availability_start_ms))
            + attr("publishTime", iso8601_ms(m.publish_ms))
            + attr("minimumUpdatePeriod", xs_duration(m.min_update_period_ms))
            + attr("timeShiftBufferDepth", xs_duration(m.time_shift_buffer_ms))
            + attr("suggestedPresentationDelay",
                   xs_duration(m.suggested_delay_ms));
    } else {
        out += " type=\"static\""
               + attr("mediaPresentationDuration", xs_duration(m.duration_ms));
    }
    out += attr("minBufferTime", xs_duration(m.min_buffer_ms)) + ">\n";
    for (const DashPeriod& p : m.periods) {
        out += "  <Period" + attr("id", p.id)
               + attr("start", xs_duration(p.start_ms)) + ">\n";
        int id = 0;
        for (const DashAdaptation& a : p.sets)
            adaptation(out, a, id++);
        out += "  </Period>\n";
    }
    // After the Periods, as the MPD schema orders it.  A player that syncs
    // its clock here needs no time server on the internet.
    if (m.dynamic && !m.utc_timing_url.empty()) {
        out += "  <UTCTiming schemeIdUri=\"urn:mpeg:dash:utc:http-iso:2014\""
               + attr("value", m.utc_timing_url) + "/>\n";
    }
    out += "</MPD>\n";
    return out;
}

void add_rendition(DashMpd& into, const DashMpd& rendition,
                   const std::string& id, const std::string& path_prefix)
{
    for (const DashPeriod& rp : rendition.periods) {
        if (rp.previous) continue;
        auto p =
            std::find_if(into.periods.begin(), into.periods.end(),
                         [&](const DashPeriod& x) { return x.id == rp.id; });
        if (p == into.periods.end()) continue;
        auto to = std::find_if(p->sets.begin(), p->sets.end(),
                               [](const DashAdaptation& a) { return a.video; });
        auto from =
            std::find_if(rp.sets.begin(), rp.sets.end(),
                         [](const DashAdaptation& a) { return a.video; });
        if (to == p->sets.end() || from == rp.sets.end()) continue;
        DashAdaptation r = *from;
        r.representations.clear();
        r.representation_id = id;
        r.initialization = path_prefix + r.initialization;
        r.media = path_prefix + r.media;
        to->representations.push_back(std::move(r));
    }
}

void add_placeholder(DashMpd& into, const std::string& id)
{
    for (DashPeriod& p : into.periods) {
        if (!p.previous) continue;
        auto to = std::find_if(p.sets.begin(), p.sets.end(),
                               [](const DashAdaptation& a) { return a.video; });
        if (to == p.sets.end()) continue;
        DashAdaptation r = *to;
        r.representations.clear();
        r.representation_id = id;
        to->representations.push_back(std::move(r));
    }
}

}  // namespace fanout::package
