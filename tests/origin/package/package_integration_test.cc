// tests/origin/package/package_integration_test.cc — real media end to end:
// ffmpeg makes an H.264/AAC FLV, libavformat demuxes it into Frames (as the
// RTMP ingest would hand them over), the SegmentStore packages it, and the
// served files — written out in the URL layout — are read back by ffprobe
// and decoded by ffmpeg through the HLS playlist and the DASH MPD.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <regex>
#include <set>
#include <sstream>

#include "box_reader.h"
#include "package/segment_store.h"

extern "C" {
#include <libavformat/avformat.h>
}

namespace fanout::package {
namespace {

struct Demuxed {
    std::optional<media::VideoConfig> video;
    std::optional<media::AudioConfig> audio;
    std::vector<media::Frame> frames;
};

std::string g_dir;  // per-run temp dir
Demuxed g_input;  // H.264 + AAC from FLV, as RTMP carries it
Demuxed g_hevc;  // HEVC + AAC from MP4 (FLV in ffmpeg 5.1 has no HEVC)

struct Cmd {
    int status = -1;
    std::string out, err;
};

std::string read_file(const std::string& path)
{
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

Cmd run(const std::string& cmd)
{
    Cmd c;
    std::string err = g_dir + "/stderr.txt";
    FILE* p = popen((cmd + " 2>" + err).c_str(), "r");
    if (!p) return c;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0)
        c.out.append(buf, n);
    int st = pclose(p);
    c.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    c.err = read_file(err);
    return c;
}

void write_file(const std::string& path, const std::string& data)
{
    std::string dir = path.substr(0, path.rfind('/'));
    std::system(("mkdir -p '" + dir + "'").c_str());
    std::ofstream f(path, std::ios::binary);
    f << data;
}

// What the RTMP/FLV ingest produces: configs from the sequence headers
// (avcC, ASC), frames with millisecond dts and composition offsets.
Demuxed demux(const std::string& path)
{
    Demuxed d;
    AVFormatContext* fmt = nullptr;
    if (avformat_open_input(&fmt, path.c_str(), nullptr, nullptr) < 0) return d;
    avformat_find_stream_info(fmt, nullptr);
    int vidx = -1, aidx = -1;
    for (unsigned i = 0; i < fmt->nb_streams; i++) {
        AVCodecParameters* par = fmt->streams[i]->codecpar;
        std::vector<uint8_t> extra(par->extradata,
                                   par->extradata + par->extradata_size);
        if (par->codec_id == AV_CODEC_ID_H264 && extra.size() > 4) {
            media::VideoConfig v;
            v.record = extra;
            v.width = par->width;
            v.height = par->height;
            char cs[32];
            std::snprintf(cs, sizeof cs, "avc1.%02x%02x%02x", extra[1],
                          extra[2], extra[3]);
            v.codec_string = cs;
            d.video = v;
            vidx = static_cast<int>(i);
        } else if (par->codec_id == AV_CODEC_ID_HEVC && extra.size() > 23
                   && extra[0] == 1) {
            media::VideoConfig v;
            v.codec = media::Codec::HEVC;
            v.record = extra;  // hvcC; the codec string is left to the packager
            v.width = par->width;
            v.height = par->height;
            d.video = v;
            vidx = static_cast<int>(i);
        } else if (par->codec_id == AV_CODEC_ID_AAC && extra.size() >= 2) {
            media::AudioConfig a;
            a.asc = extra;
            a.sample_rate = par->sample_rate;
            a.channels = par->ch_layout.nb_channels;
            a.codec_string = "mp4a.40." + std::to_string(extra[0] >> 3);
            d.audio = a;
            aidx = static_cast<int>(i);
        }
    }
    AVPacket* pkt = av_packet_alloc();
    while (av_read_frame(fmt, pkt) >= 0) {
        if (pkt->stream_index == vidx || pkt->stream_index == aidx) {
            AVRational tb = fmt->streams[pkt->stream_index]->time_base;
            media::Frame f;
            f.video = pkt->stream_index == vidx;
            f.keyframe = f.video ? (pkt->flags & AV_PKT_FLAG_KEY) != 0 : true;
            f.dts_ms = av_rescale_q(pkt->dts, tb, AVRational{1, 1000});
            f.cts_ms = static_cast<int32_t>(
                av_rescale_q(pkt->pts - pkt->dts, tb, AVRational{1, 1000}));
            f.data = SharedBytes(std::string(
                reinterpret_cast<const char*>(pkt->data), pkt->size));
            d.frames.push_back(std::move(f));
        }
        av_packet_unref(pkt);
    }
    av_packet_free(&pkt);
    avformat_close_input(&fmt);
    return d;
}

class PackageIntegration : public ::testing::Test {
protected:
    static void SetUpTestSuite()
    {
        char tmpl[] = "/tmp/fanout-package-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        g_dir = tmpl;
        std::string flv = g_dir + "/x.flv";
        Cmd c = run(std::string(FFMPEG_BIN) +
                    " -v error -y -f lavfi -i testsrc=size=640x360:rate=25 -f lavfi -i "
                    "sine=frequency=440 -t 6 -c:v libx264 -pix_fmt yuv420p -g 50 -c:a aac -f flv '" + flv + "'");
        ASSERT_EQ(c.status, 0) << c.err;
        g_input = demux(flv);
        ASSERT_TRUE(g_input.video && g_input.audio);
        ASSERT_GT(g_input.frames.size(), 300u);

        std::string mp4 = g_dir + "/hevc.mp4";
        c = run(std::string(FFMPEG_BIN) +
                " -v error -y -f lavfi -i testsrc=size=640x360:rate=25 -f lavfi -i "
                "sine=frequency=440 -t 6 -c:v libx265 -preset ultrafast -pix_fmt yuv420p "
                "-x265-params keyint=50:min-keyint=50:scenecut=0:log-level=error -c:a aac '" +
                mp4 + "'");
        if (c.status == 0) g_hevc = demux(mp4);
    }
    static void TearDownTestSuite()
    {
        if (!g_dir.empty() && !std::getenv("FANOUT_KEEP_TEST_OUTPUT"))
            std::system(("rm -rf '" + g_dir + "'").c_str());
    }
};

struct Served {
    std::string root;  // holds s.m3u8 and s/
    std::string playlist, mpd;
    std::vector<std::string> hls_segments;  // URIs, in order
    std::vector<std::vector<std::string>> dash_segments;  // per AdaptationSet
};

// Pulls every URL the playlists name through find() and writes it under
// `root` at its URL path.  missing, if given, collects the names find() does
// not have (a continued stream's previous Period) instead of failing.
Served serve_to_disk(const SegmentStore& store, const std::string& name,
                     std::vector<std::string>* missing = nullptr)
{
    Served s;
    s.root = g_dir + "/" + name;
    auto pl = store.find("live", "s.m3u8");
    auto mpd = store.find("live", "s/s.mpd");
    EXPECT_TRUE(pl && mpd);
    if (!pl || !mpd) return s;
    s.playlist = pl->body->str();
    s.mpd = mpd->body->str();
    write_file(s.root + "/s.m3u8", s.playlist);
    write_file(s.root + "/s/s.mpd", s.mpd);
    auto fetch = [&](const std::string& rest) {
        auto r = store.find("live", rest);
        if (!r && missing) return missing->push_back(rest);
        EXPECT_TRUE(r) << rest;
        if (r) write_file(s.root + "/" + rest, r->body->str());
    };
    std::istringstream lines(s.playlist);
    std::string line;
    std::smatch m;
    while (std::getline(lines, line)) {
        if (std::regex_search(line, m,
                              std::regex("#EXT-X-MAP:URI=\"([^\"]+)\"")))
            fetch(m[1]);
        if (!line.empty() && line[0] != '#') {
            fetch(line);
            s.hls_segments.push_back(line);
        }
    }
    // Each SegmentTemplate: initialization, media with $Number$, startNumber,
    // and as many segments as the timeline's S/@r say.
    std::regex tmpl_re(
        "initialization=\"([^\"]+)\" media=\"([^\"]+)\" "
        "startNumber=\"(\\d+)\">([\\s\\S]*?)"
        "</SegmentTimeline>");
    std::regex s_re("<S( t=\"\\d+\")? d=\"\\d+\"( r=\"(\\d+)\")?/>");
    for (auto it = std::sregex_iterator(s.mpd.begin(), s.mpd.end(), tmpl_re);
         it != std::sregex_iterator(); ++it) {
        fetch("s/" + (*it)[1].str());
        uint64_t number = std::stoull((*it)[3].str());
        std::string timeline = (*it)[4].str();
        std::vector<std::string> names;
        for (auto si =
                 std::sregex_iterator(timeline.begin(), timeline.end(), s_re);
             si != std::sregex_iterator(); ++si) {
            int repeat = (*si)[3].matched ? std::stoi((*si)[3].str()) : 0;
            for (int r = 0; r <= repeat; r++) {
                std::string media = (*it)[2].str();
                media.replace(media.find("$Number$"), 8,
                              std::to_string(number++));
                fetch("s/" + media);
                names.push_back("s/" + media);
            }
        }
        s.dash_segments.push_back(names);
    }
    return s;
}

struct Probe {
    int video_streams = 0, audio_streams = 0;
    double duration = 0;
    std::string err;
};

Probe probe(const std::string& path)
{
    Cmd c = run(std::string(FFPROBE_BIN) +
                " -v error -show_entries stream=index,codec_type:format=duration"
                " -of default=nw=1 '" + path + "'");
    Probe p;
    p.err = c.err;
    std::istringstream lines(c.out);
    std::string line, index;
    std::set<std::string> video, audio;  // programs list streams again
    while (std::getline(lines, line)) {
        if (line.rfind("index=", 0) == 0) index = line;
        if (line == "codec_type=video") video.insert(index);
        if (line == "codec_type=audio") audio.insert(index);
        if (line.rfind("duration=", 0) == 0 && line != "duration=N/A")
            p.duration = std::stod(line.substr(9));
    }
    p.video_streams = static_cast<int>(video.size());
    p.audio_streams = static_cast<int>(audio.size());
    if (c.status != 0) p.err += "exit status " + std::to_string(c.status);
    return p;
}

// Decode time stamps of one stream as ffprobe reads them through `path`.
std::vector<double> packet_dts(const std::string& path, const char* stream)
{
    Cmd c = run(std::string(FFPROBE_BIN) + " -v error -select_streams " + stream
                + " -show_entries packet=dts_time -of csv=p=0 '" + path + "'");
    std::vector<double> out;
    std::istringstream lines(c.out);
    std::string line;
    while (std::getline(lines, line))
        if (!line.empty() && line != "N/A") out.push_back(std::stod(line));
    return out;
}

// No hole or overlap in what a player reads: successive dts step by about
// one frame.
void expect_no_gaps(const std::string& path, const char* stream,
                    double max_step, size_t min_count)
{
    auto dts = packet_dts(path, stream);
    EXPECT_GE(dts.size(), min_count) << path << " " << stream;
    for (size_t i = 1; i < dts.size(); i++) {
        double step = dts[i] - dts[i - 1];
        EXPECT_GT(step, 0) << path << " " << stream << " packet " << i;
        EXPECT_LE(step, max_step)
            << path << " " << stream << " packet " << i << " at " << dts[i];
    }
}

void expect_decodes(const std::string& path)
{
    Cmd c =
        run(std::string(FFMPEG_BIN) + " -v error -i '" + path + "' -f null -");
    EXPECT_EQ(c.status, 0) << path;
    EXPECT_EQ(c.err, "") << path;
}

// tfdt of each fragment continues exactly where the previous one ended.
void expect_fragments_continuous(const Served& s,
                                 const std::vector<std::string>& names)
{
    std::map<uint32_t, uint64_t> next;
    for (const std::string& n : names) {
        std::string bytes = read_file(s.root + "/" + n);
        auto f = test::parse_fragment(bytes);
        ASSERT_TRUE(f) << n;
        for (const auto& t : f->trafs) {
            if (next.count(t.track_id)) {
                EXPECT_EQ(t.base_decode_time, next[t.track_id])
                    << n << " track " << t.track_id;
            }
            next[t.track_id] = t.base_decode_time + t.total_duration();
        }
    }
}

struct Scenario {
    std::string name;
    bool ts = false;
    bool video = true, audio = true;
    int64_t shift_from_ms = -1, shift_by_ms = 0;
    const Demuxed* input = &g_input;
};

Served package(const Scenario& sc)
{
    PackagerConfig cfg;
    cfg.hls_ts = sc.ts;
    cfg.hls_list_size = 10;  // the whole 6 s stays listed
    auto store = make_segment_store(cfg);
    auto sink = store->open(StreamKey{"live", "s"}, "sess");
    if (sc.video) sink->on_video_config(*sc.input->video);
    if (sc.audio) sink->on_audio_config(*sc.input->audio);
    for (media::Frame f : sc.input->frames) {
        if (f.video ? !sc.video : !sc.audio) continue;
        if (sc.shift_from_ms >= 0 && f.dts_ms >= sc.shift_from_ms)
            f.dts_ms += sc.shift_by_ms;
        sink->on_frame(f);
    }
    sink->on_end();
    return serve_to_disk(*store, sc.name);
}

void check(const Scenario& sc, const Served& s)
{
    SCOPED_TRACE(sc.name);
    ASSERT_FALSE(s.hls_segments.empty());
    EXPECT_NE(s.playlist.find("#EXT-X-ENDLIST"), std::string::npos);
    EXPECT_NE(s.mpd.find("type=\"static\""), std::string::npos);
    int want_v = sc.video ? 1 : 0, want_a = sc.audio ? 1 : 0;

    const std::string m3u8 = s.root + "/s.m3u8";
    const std::string mpd = s.root + "/s/s.mpd";
    for (const std::string& path : {m3u8, mpd}) {
        Probe p = probe(path);
        EXPECT_EQ(p.err, "") << path;
        EXPECT_EQ(p.video_streams, want_v) << path;
        EXPECT_EQ(p.audio_streams, want_a) << path;
        EXPECT_NEAR(p.duration, 6.0, 0.5) << path;
        expect_decodes(path);
        if (sc.video) expect_no_gaps(path, "v:0", 0.081, 140);
        if (sc.audio) expect_no_gaps(path, "a:0", 0.047, 250);
    }
    if (!sc.ts) expect_fragments_continuous(s, s.hls_segments);
    for (const auto& names : s.dash_segments)
        expect_fragments_continuous(s, names);
    EXPECT_EQ(s.dash_segments.size(), static_cast<size_t>(want_v + want_a));
}

TEST_F(PackageIntegration, Fmp4AudioVideo)
{
    Scenario sc{"fmp4_av"};
    Served s = package(sc);
    check(sc, s);
    EXPECT_NE(s.playlist.find("#EXT-X-VERSION:7"), std::string::npos);
    EXPECT_EQ(s.playlist.find("#EXT-X-DISCONTINUITY"), std::string::npos);
    EXPECT_EQ(s.hls_segments.size(), 3u);  // keyframes every 2 s
    EXPECT_NE(s.mpd.find("codecs=\"" + g_input.video->codec_string + "\""),
              std::string::npos);
    EXPECT_NE(s.mpd.find("width=\"640\" height=\"360\""), std::string::npos);
    EXPECT_NE(s.mpd.find("frameRate=\"25\""), std::string::npos);
}

TEST_F(PackageIntegration, TsAudioVideo)
{
    Scenario sc{"ts_av", true};
    Served s = package(sc);
    check(sc, s);
    EXPECT_NE(s.playlist.find("#EXT-X-VERSION:3"), std::string::npos);
    EXPECT_EQ(s.playlist.find("#EXT-X-MAP"), std::string::npos);
    EXPECT_NE(s.hls_segments.front().find(".ts"), std::string::npos);
}

TEST_F(PackageIntegration, AudioOnly)
{
    for (bool ts : {false, true}) {
        Scenario sc{ts ? "ts_audio" : "fmp4_audio", ts, false, true};
        check(sc, package(sc));
    }
}

TEST_F(PackageIntegration, VideoOnly)
{
    for (bool ts : {false, true}) {
        Scenario sc{ts ? "ts_video" : "fmp4_video", ts, true, false};
        check(sc, package(sc));
    }
}

TEST_F(PackageIntegration, TimestampJumps)
{
    for (bool ts : {false, true}) {
        for (int64_t shift : {60000, -3000}) {
            Scenario sc{std::string(ts ? "ts" : "fmp4") + "_jump"
                            + std::to_string(shift),
                        ts};
            sc.shift_from_ms = 3000;
            sc.shift_by_ms = shift;
            Served s = package(sc);
            EXPECT_NE(s.playlist.find("#EXT-X-DISCONTINUITY\n"),
                      std::string::npos)
                << sc.name;
            check(sc, s);
        }
    }
}

TEST_F(PackageIntegration, Hevc)
{
    if (!g_hevc.video || !g_hevc.audio)
        GTEST_SKIP() << "no libx265 in this ffmpeg";
    for (bool ts : {false, true}) {
        Scenario sc{ts ? "ts_hevc" : "fmp4_hevc", ts};
        sc.input = &g_hevc;
        Served s = package(sc);
        check(sc, s);
        EXPECT_NE(s.mpd.find("codecs=\"hvc1.1.6.L"), std::string::npos)
            << s.mpd;
    }
}

TEST_F(PackageIntegration, LivePlaylistProbesMidStream)
{
    PackagerConfig cfg;
    auto store = make_segment_store(cfg);
    auto sink = store->open(StreamKey{"live", "s"}, "sess");
    sink->on_video_config(*g_input.video);
    sink->on_audio_config(*g_input.audio);
    for (const auto& f : g_input.frames) {
        sink->on_frame(f);
        if (f.dts_ms > 4500) break;
    }
    Served s = serve_to_disk(*store, "live");
    EXPECT_EQ(s.playlist.find("#EXT-X-ENDLIST"), std::string::npos);
    EXPECT_NE(s.mpd.find("type=\"dynamic\""), std::string::npos);
    // ffprobe reads the live playlist's streams without waiting for more.
    Probe p = probe(s.root + "/s.m3u8");
    EXPECT_EQ(p.err, "");
    EXPECT_EQ(p.video_streams, 1);
    EXPECT_EQ(p.audio_streams, 1);
    // So does the dynamic MPD (ffmpeg's dashdec, live mode).
    Probe d = probe(s.root + "/s/s.mpd");
    EXPECT_EQ(d.err, "");
    EXPECT_EQ(d.video_streams, 1);
    EXPECT_EQ(d.audio_streams, 1);
    // The dynamic MPD is well-formed XML.
    Cmd x = run("xmllint --noout '" + s.root + "/s/s.mpd' || python3 -c \"import sys,"
                "xml.dom.minidom as m; m.parse(sys.argv[1])\" '" + s.root + "/s/s.mpd'");
    EXPECT_EQ(x.status, 0) << x.err;
    sink->on_end();
}

}  // namespace
}  // namespace fanout::package

namespace fanout::package {
namespace {

// A stream published again after a kill: the second publish continues the
// numbering (Continuation) and lists the first one's Period, whose media is
// gone.  ffprobe and ffmpeg still read its live HLS and DASH.
TEST_F(PackageIntegration, ContinuedStreamProbesMidStream)
{
    auto store = make_segment_store(PackagerConfig{});
    const StreamKey key{"live", "s"};
    auto first = store->open(key, "one");
    first->on_video_config(*g_input.video);
    first->on_audio_config(*g_input.audio);
    for (const auto& f : g_input.frames)
        first->on_frame(f);
    fo_progress p = *store->progress(key, "one");
    p.written_ms = p.dash_start_ms + 6000;
    Continuation c = continue_after(p, p.dash_start_ms + 8000, 2000);
    ASSERT_TRUE(c.discontinuity);

    auto second = store->open(key, "two", c);
    second->on_video_config(*g_input.video);
    second->on_audio_config(*g_input.audio);
    for (const auto& f : g_input.frames) {
        second->on_frame(f);
        if (f.dts_ms > 4500) break;
    }
    std::vector<std::string> missing;
    Served s = serve_to_disk(*store, "continued", &missing);
    EXPECT_NE(s.playlist.find("#EXT-X-DISCONTINUITY\n"), std::string::npos);
    EXPECT_NE(s.mpd.find("<Period id=\"p0\""), std::string::npos) << s.mpd;
    // The old Period names this publish's first segments: none missing.
    EXPECT_EQ(missing.size(), 0u);
    for (const std::string& path : {s.root + "/s.m3u8", s.root + "/s/s.mpd"}) {
        Probe pr = probe(path);
        EXPECT_EQ(pr.err, "") << path;
        EXPECT_EQ(pr.video_streams, 1) << path;
        EXPECT_EQ(pr.audio_streams, 1) << path;
    }
    for (const auto& names : s.dash_segments)
        if (names.size() > 1) expect_fragments_continuous(s, names);

    // Ended (a live playlist would keep ffmpeg reloading): every segment
    // decodes, from its continued decode time.
    second->on_end();
    Served end = serve_to_disk(*store, "continued_end");
    for (const std::string& path :
         {end.root + "/s.m3u8", end.root + "/s/s.mpd"})
        expect_decodes(path);
    expect_fragments_continuous(end, end.hls_segments);
}

}  // namespace
}  // namespace fanout::package
