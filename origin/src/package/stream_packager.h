// package/stream_packager.h — one publish session's packaging pass: frames
// → segmenter → container bytes (muxed CMAF for HLS, per-track CMAF for
// DASH, MPEG-TS in ts mode) → playlists, over a bounded window.  No locks
// and no clock of its own (times are passed in); the store publishes what
// each call returns.
//
// Files, relative to /{app}/streams/<s>/ (g = config generation, "" for 0):
//   <sess>-init[-g].mp4, <sess>-<n>.m4s     both tracks, muxed: HLS fMP4;
//                                           also DASH when there is one track
//   <sess>-v-init[-g].mp4, <sess>-v-<n>.m4s video alone: DASH with A+V
//   <sess>-a-init[-g].mp4, <sess>-a-<n>.m4s audio alone: DASH with A+V
//   <sess>-<n>.ts                            HLS in ts mode
// DASH needs one track per Representation: muxed files referenced from a
// video and an audio AdaptationSet make ffmpeg's DASH demuxer open both
// tracks twice and feed video bytes to the AAC decoder; MSE SourceBuffers
// reject tracks their codecs do not name; the CMAF profile requires
// single-track fragments.  So with A+V the one Segment the segmenter cut is
// serialised twice; only the boxes are written twice: every file's mdat is
// the frames' own bytes, shared (core/shared_bytes.h).  One track alone is
// the same file for both.
//
// DASH timing: the segmenter rebases timestamp jumps, so one Period keeps a
// continuous SegmentTimeline across them; only a new config generation
// (new init segment) opens a new Period, starting where the last ended.
//
// Numbering continues from the stream's previous publish (Continuation,
// package/continuation.h): segment i of this session (0-based) is HLS media
// sequence from.hls_sequence + i and DASH $Number$ (and file number)
// from.dash_number + i; generation g is Period from.dash_period + g, id
// "p<index>".  Presentation time = the Period offset (dash_offset_ms_)
// + this session's output time; each Period's presentationTimeOffset is
// the output time where it starts.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "media/frame.h"
#include "package/dash_mpd.h"
#include "package/master_playlist.h"
#include "package/mpegts.h"
#include "package/segment_store.h"
#include "package/segmenter.h"

namespace fanout::package {

using Body = std::shared_ptr<const ByteChain>;

// What changed; apply in order: add, then remove.
struct PackagerUpdate {
    std::vector<std::pair<std::string, Body>> added;  // file name → bytes
    std::vector<std::string> removed;
    Body playlist;  // new renderings; null: unchanged
    Body mpd;
    // The MPD rendered into `mpd`, for a master MPD that adds the stream's
    // other renditions to the source's (dash_mpd.h add_rendition).
    std::shared_ptr<const DashMpd> dash;
    uint64_t segments = 0;  // segments added by this call
    // With every new rendering: this rendition in a master playlist (its
    // uri left empty: the store names it).
    std::optional<HlsVariant> variant;
};

class StreamPackager {
public:
    StreamPackager(const PackagerConfig& config, std::string stream_id,
                   std::string session_id, const Continuation& from = {});

    PackagerUpdate on_video_config(const media::VideoConfig& config,
                                   int64_t now_ms);
    PackagerUpdate on_audio_config(const media::AudioConfig& config,
                                   int64_t now_ms);
    // now_ms: wall clock (Unix ms) — availabilityStartTime, PROGRAM-DATE-TIME.
    PackagerUpdate on_frame(const media::Frame& frame, int64_t now_ms);
    PackagerUpdate on_end(int64_t now_ms);

    uint64_t dropped_frames() const { return segmenter_.dropped_frames(); }

    // Whether a DASH player reads the MPD (the store tells, before each
    // frame): only then does the packager hold the MPD's window
    // (dash_window_segments), growing to it a segment at a time; else the
    // MPD lists what HLS does.
    void set_dash_watched(bool watched) { dash_watched_ = watched; }

    // Where the next publish continues (written_ms 0): fo_progress's fields
    // for what has been listed so far.
    fo_progress progress() const;

    // This rendition as a master playlist lists it, over the segments
    // listed now (uri empty).
    HlsVariant variant() const;

private:
    struct TrackEntry {
        bool present = false;
        int64_t t = 0, d = 0;
        uint64_t bytes = 0;
    };
    struct Kept {
        uint64_t number = 0;  // DASH $Number$, file name
        uint64_t sequence = 0;  // HLS media sequence
        uint32_t generation = 0;
        bool discontinuity = false;
        double duration_s = 0;
        int64_t start_ms = 0;
        TrackEntry video, audio;
        std::vector<std::string> files;
    };
    struct Generation {
        std::shared_ptr<const TrackConfig> tracks;
        int64_t start_ms = 0;
        std::string suffix;  // "" or "-<g>"
        std::string frame_rate;  // for the MPD; "" unknown
        std::vector<std::string> files;
    };

    // What a config change closed (a segment, or nothing), listed.
    PackagerUpdate config_closed(std::optional<Segment> seg, int64_t now_ms);
    void add_segment(Segment seg, PackagerUpdate& up);
    // The init segments of a new config generation.
    void open_generation(const Segment& seg, Generation& gen,
                         PackagerUpdate& up);
    // The media files of one segment (fMP4 muxed and/or per track, TS).
    void write_segment_files(const Segment& seg, Kept& k, PackagerUpdate& up);
    // Drops what left the window, and generations no kept segment uses.
    void trim_window(uint32_t current_generation, PackagerUpdate& up);
    void render(int64_t now_ms, PackagerUpdate& up);
    std::string render_playlist() const;
    DashMpd build_mpd(int64_t now_ms) const;
    // The previous publish's last Period, still listed (continuation.h).
    std::optional<DashPeriod> previous_period(const DashPeriod& first) const;
    // Discontinuity sequence number of the last segment listed.
    uint64_t last_discontinuity() const;
    // The segments the MPD lists now.
    size_t dash_listed() const;
    // One AdaptationSet of a Period: kept_[i, j) of generation gen.
    DashAdaptation adaptation(const Generation& gen, uint64_t start_number,
                              size_t i, size_t j, int64_t period_start,
                              bool video) const;
    bool per_track_dash(const TrackConfig& t) const
    {
        return t.video && t.audio;
    }

    PackagerConfig config_;
    std::string stream_;
    std::string session_;
    Segmenter segmenter_;
    TsState ts_;
    Continuation from_;
    std::optional<int64_t> first_frame_ms_;  // wall clock: PROGRAM-DATE-TIME
    int64_t dash_start_ms_ = 0;  // availabilityStartTime, once started
    int64_t dash_offset_ms_ = 0;  // presentation time of output time 0
    uint64_t segments_ = 0;  // listed by this session
    bool dash_watched_ = false;  // set_dash_watched
    std::map<uint32_t, Generation> generations_;
    std::deque<Kept> kept_;
    uint64_t discontinuity_sequence_ = 0;
    int target_duration_s_ = 0;
    int64_t video_end_ = 0, audio_end_ = 0;  // for tracks absent from a segment
    bool ended_ = false;
};

}  // namespace fanout::package
