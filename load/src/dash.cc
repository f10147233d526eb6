#include "dash.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>

namespace fanout::load {
namespace {

constexpr size_t kMaxSegments = 100000;

struct Tag {
    std::string name;
    std::map<std::string, std::string> attrs;
    bool closing = false, self_closing = false;
};

// The tag starting at xml[at] == '<'; at moves past its '>'.  false at
// the end or on a tag cut short.
bool next_tag(std::string_view xml, size_t& at, Tag& tag)
{
    for (;;) {
        at = xml.find('<', at);
        if (at == std::string_view::npos) return false;
        const bool special =
            at + 1 < xml.size() && (xml[at + 1] == '?' || xml[at + 1] == '!');
        if (!special) break;
        const bool comment = xml.substr(at, 4) == "<!--";
        size_t end = xml.find(comment ? "-->" : ">", at);
        if (end == std::string_view::npos) return false;
        at = end + 1;
    }
    tag = {};
    size_t i = at + 1;
    if (i < xml.size() && xml[i] == '/') tag.closing = true, i++;
    size_t name_end = xml.find_first_of(" \t\r\n/>", i);
    if (name_end == std::string_view::npos) return false;
    tag.name = xml.substr(i, name_end - i);
    i = name_end;
    for (;;) {
        i = xml.find_first_not_of(" \t\r\n", i);
        if (i == std::string_view::npos) return false;
        if (xml[i] == '>') break;
        if (xml[i] == '/') {
            tag.self_closing = true;
            i++;
            continue;
        }
        size_t eq = xml.find('=', i);
        if (eq == std::string_view::npos || eq + 1 >= xml.size()) return false;
        const char q = xml[eq + 1];
        if (q != '"' && q != '\'') return false;
        size_t close = xml.find(q, eq + 2);
        if (close == std::string_view::npos) return false;
        std::string key(xml.substr(i, eq - i));
        key.erase(key.find_last_not_of(" \t\r\n") + 1);
        tag.attrs[key] = xml.substr(eq + 2, close - eq - 2);
        i = close + 1;
    }
    at = i + 1;
    return true;
}

uint64_t u64(const Tag& t, const char* name, uint64_t fallback)
{
    auto it = t.attrs.find(name);
    if (it == t.attrs.end()) return fallback;
    return std::strtoull(it->second.c_str(), nullptr, 10);
}

std::string str(const Tag& t, const char* name)
{
    auto it = t.attrs.find(name);
    return it == t.attrs.end() ? "" : it->second;
}

bool is_video(const Tag& t)
{
    return str(t, "contentType") == "video"
           || str(t, "mimeType").rfind("video/", 0) == 0;
}

DashTemplate make_template(const Tag& t)
{
    DashTemplate d;
    d.present = true;
    d.timescale = std::max<uint64_t>(1, u64(t, "timescale", 1));
    d.start_number = u64(t, "startNumber", 1);
    d.initialization = str(t, "initialization");
    d.media = str(t, "media");
    return d;
}

// Where the next template, timeline entry or Representation goes.  The
// pointers are into mpd's vectors: each is dropped before anything that
// could move what it points to (a push_back, a Period's clear), so that
// a document nested wrongly cannot write through a stale one.
struct Builder {
    Mpd mpd;
    DashSet* set = nullptr;
    DashRepresentation* rep = nullptr;
    DashTemplate* tmpl = nullptr;

    Status open(const Tag& t);
    Status close(const Tag& t);
};

Status Builder::open(const Tag& t)
{
    if (t.name == "MPD") {
        mpd.dynamic = str(t, "type") == "dynamic";
        std::string u = str(t, "minimumUpdatePeriod");
        mpd.min_update_s = u.empty() ? 0 : std::max(0.0, parse_xs_duration(u));
    } else if (t.name == "Period") {
        set = nullptr, rep = nullptr, tmpl = nullptr;
        mpd.sets.clear();  // the last Period is the live one
    } else if (t.name == "AdaptationSet") {
        rep = nullptr, tmpl = nullptr;
        mpd.sets.push_back({is_video(t), {}, {}});
        set = &mpd.sets.back();
    } else if (t.name == "Representation" && set) {
        DashRepresentation r;
        r.id = str(t, "id");
        r.bandwidth = u64(t, "bandwidth", 0);
        r.width = int(u64(t, "width", 0));
        r.height = int(u64(t, "height", 0));
        tmpl = nullptr;
        set->reps.push_back(std::move(r));
        rep = &set->reps.back();
        if (t.self_closing) rep = nullptr;
    } else if (t.name == "SegmentTemplate" && set) {
        DashTemplate& d = rep ? rep->tmpl : set->tmpl;
        d = make_template(t);
        tmpl = t.self_closing ? nullptr : &d;
    } else if (t.name == "SegmentTimeline" && tmpl) {
        tmpl->has_timeline = true;
    } else if (t.name == "S" && tmpl) {
        DashTimelineEntry e;
        e.has_t = t.attrs.count("t") > 0;
        e.t = u64(t, "t", 0);
        e.d = u64(t, "d", 0);
        e.r = std::strtoll(str(t, "r").c_str(), nullptr, 10);
        if (e.r < 0) return Error("open-ended SegmentTimeline repeat");
        if (e.r > int64_t(kMaxSegments) || e.d == 0)
            return Error("bad SegmentTimeline entry");
        tmpl->timeline.push_back(e);
    }
    return {};
}

Status Builder::close(const Tag& t)
{
    if (t.name == "SegmentTemplate") tmpl = nullptr;
    if (t.name == "Representation") rep = nullptr;
    if (t.name == "AdaptationSet" && set) {
        for (DashRepresentation& r : set->reps) {
            if (!r.tmpl.present) r.tmpl = set->tmpl;
            if (!r.tmpl.present)
                return Error("Representation " + r.id + " has no template");
            if (!r.tmpl.has_timeline)
                return Error("Representation " + r.id
                             + ": a template without SegmentTimeline");
        }
        set = nullptr;
    }
    return {};
}

}  // namespace

double parse_xs_duration(std::string_view s)
{
    if (s.empty() || s[0] != 'P') return -1;
    double total = 0;
    bool time = false;
    std::string rest(s.substr(1));
    const char* p = rest.c_str();
    while (*p) {
        if (*p == 'T') {
            time = true;
            p++;
            continue;
        }
        char* end = nullptr;
        double v = std::strtod(p, &end);
        if (end == p || !*end) return -1;
        const char unit = *end;
        if (unit == 'S' && time)
            total += v;
        else if (unit == 'M' && time)
            total += v * 60;
        else if (unit == 'H' && time)
            total += v * 3600;
        else if (unit == 'D' && !time)
            total += v * 86400;
        else if ((unit == 'Y' || unit == 'M') && !time && v == 0) {
        } else {
            return -1;
        }
        p = end + 1;
    }
    return total;
}

Result<Mpd> parse_mpd(std::string_view xml)
{
    Builder b;
    bool saw_mpd = false;
    Tag t;
    for (size_t at = 0; next_tag(xml, at, t);) {
        saw_mpd = saw_mpd || t.name == "MPD";
        Status s = t.closing ? b.close(t) : b.open(t);
        if (s && t.self_closing) s = b.close(t);
        if (!s) return s.error();
    }
    if (!saw_mpd) return Error("not an MPD");
    return std::move(b.mpd);
}

std::string expand_template(std::string_view tmpl, const DashRepresentation& r,
                            uint64_t number, uint64_t time)
{
    std::string out;
    for (size_t at = 0; at < tmpl.size();) {
        size_t open = tmpl.find('$', at);
        size_t close =
            open == std::string_view::npos ? open : tmpl.find('$', open + 1);
        if (close == std::string_view::npos) {
            out += tmpl.substr(at);
            break;
        }
        out += tmpl.substr(at, open - at);
        std::string_view id = tmpl.substr(open + 1, close - open - 1);
        std::string_view fmt;
        if (size_t pct = id.find('%'); pct != std::string_view::npos)
            fmt = id.substr(pct), id = id.substr(0, pct);
        int width = 0;
        if (fmt.size() >= 3 && fmt.substr(0, 2) == "%0" && fmt.back() == 'd')
            width = std::atoi(std::string(fmt.substr(2)).c_str());
        char buf[32];
        auto num = [&](uint64_t v) {
            std::snprintf(buf, sizeof buf, "%0*llu", std::clamp(width, 0, 20),
                          (unsigned long long)v);
            return std::string(buf);
        };
        if (id.empty())
            out += '$';
        else if (id == "RepresentationID")
            out += r.id;
        else if (id == "Number")
            out += num(number);
        else if (id == "Time")
            out += num(time);
        else if (id == "Bandwidth")
            out += num(r.bandwidth);
        else
            out += std::string(tmpl.substr(open, close - open + 1));
        at = close + 1;
    }
    return out;
}

HlsPlaylist dash_track(const DashRepresentation& r, bool ended)
{
    HlsPlaylist p;
    p.ended = ended;
    const DashTemplate& d = r.tmpl;
    p.media_sequence = d.start_number;
    const std::string init = expand_template(d.initialization, r, 0, 0);
    uint64_t t = 0, number = d.start_number;
    for (const DashTimelineEntry& e : d.timeline) {
        if (e.has_t) t = e.t;
        for (int64_t i = 0; i <= e.r && p.segments.size() < kMaxSegments; i++) {
            const double dur = double(e.d) / double(d.timescale);
            p.segments.push_back({expand_template(d.media, r, number, t), dur,
                                  number, init, std::nullopt});
            p.target_duration_s = std::max(p.target_duration_s, dur);
            t += e.d;
            number++;
        }
    }
    return p;
}

}  // namespace fanout::load
