// package/segment_store.h — every live stream's packaged output, in memory,
// bounded; what the HTTP server serves under /{app}/streams/.
//
// One packaging pass per stream: CMAF fragments (init + media segments cut
// on keyframes) listed by both an HLS media playlist and a dynamic DASH MPD;
// MPEG-TS segments instead for HLS when configured.
//
// URLs (Ant Media's layout; <s> = stream id, <sess> = publish session):
//   /{app}/streams/<s>.m3u8               HLS media playlist
//   /{app}/streams/<s>/<s>.mpd            DASH MPD
//   /{app}/streams/<s>/<sess>-init.mp4    CMAF init segment
//   /{app}/streams/<s>/<sess>-<n>.m4s     CMAF media segment n
//   /{app}/streams/<s>/<sess>-<n>.ts      MPEG-TS segment n (ts mode)
// DASH wants one track per file, so a stream with audio and video also has
//   /{app}/streams/<s>/<sess>-v-init.mp4, <sess>-a-init.mp4
//   /{app}/streams/<s>/<sess>-v-<n>.m4s,  <sess>-a-<n>.m4s
// and after the g-th codec configuration change, <sess>-init-<g>.mp4 (and
// its -v-/-a- forms).  <n> is the DASH $Number$, continued across
// publishes (continuation.h).
//   /{app}/streams/time                   the server's UTC time (http/,
//                                         kTimeResource): every dynamic MPD's
//                                         UTCTiming points at it
// Segment names carry the publish session, so no cache anywhere can serve
// an old publish's segment for a new one.
//
// A stream can have several renditions, each with its own packager, files
// and playlists, keyed by StreamKey + rendition name.  The source rendition
// (the publisher's own media) is served under the stream id, as above.
// Another rendition r of stream s (issue #13: r = "<height>p<kbps>kbps")
// is served under the name "<s>_<r>" in place of <s>; where that name is
// also a stream id, the stream's source wins.
//   /{app}/streams/<s>_adaptive.m3u8      HLS master playlist (Ant Media's
//                                         name): the source and every
//                                         rendition of its session that
//                                         lists segments (master_playlist.h)
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/config.h"
#include "core/metrics.h"
#include "core/shared_bytes.h"
#include "core/stream_key.h"
#include "media/frame.h"
#include "package/continuation.h"

namespace fanout::package {

struct PackagerConfig {
    int hls_time_ms = 2000;  // target segment duration (hlsTime)
    int hls_list_size = 5;  // segments listed (hlsListSize)
    // Segments the MPD lists (dashWindowSize); its timeShiftBufferDepth is
    // that many hlsTime.  0: dash_window_segments()'s default, which
    // outlasts an origin's pause by dead_after_ms (why: that function).
    int dash_window_size = 0;
    int dead_after_ms = 20000;  // the cluster's dead timeout (4 x 5 s)
    bool hls_ts = false;  // HLS uses MPEG-TS segments, not fMP4
    // Segments kept beyond the window, for players a little behind.
    int extra_segments = 3;
    // Ended streams stay servable this long (players reach ENDLIST).
    int ended_linger_ms = 60000;
    // A segment's caps (segmenter.h): segment.max_bytes, .max_samples.
    size_t max_segment_bytes = 64u << 20;
    size_t max_segment_samples = 4096;
};

// The segments an MPD lists under `c`: dash_window_size, or by default
// enough that a DASH player which waited through an origin's pause finds
// its next segment when the origin comes back.  While an origin is paused
// (SIGSTOP, a stall) the edges answer its last MPD, for up to the dead
// timeout and then the edges' fanout_playlist_grace (4 x hlsTime).
// dash.js measures its window against the clock: once the MPD it holds
// lists nothing younger than now - timeShiftBufferDepth, it takes the
// timeline for its clock (a conformance violation, INVALID_DVR_WINDOW)
// and keeps that offset after the MPD is fresh again, so every new
// segment looks not yet available to it and it never plays again.  So
// the depth covers the dead timeout, the grace, the last segment listed
// before the pause (up to one hlsTime old) and one more: 16 at 2 s.  At
// least hlsListSize.  The cost is memory: the origin keeps what it lists,
// so it lists that only for a stream a DASH player watches (below).
int dash_window_segments(const PackagerConfig& c);

// The store holds that window only for a stream whose MPD was served in
// this long (StreamPackager::set_dash_watched): past a pause that the
// edges cover with its last MPD (the dead timeout and their grace), so
// the burst of media after the pause still holds it.
inline int64_t dash_watched_ms(const PackagerConfig& c)
{
    return std::max<int64_t>(60000, 3LL * c.dead_after_ms);
}

// origin.properties' packaging keys (hlsTime, hlsListSize, dashWindowSize,
// hlsSegmentType, segment.*) and the dead timeout.
PackagerConfig packager_config(const Config& c);

struct Resource {
    // Immutable and shared: serving copies the pointer, never the bytes.
    // A media segment's body is several pieces (its boxes, then the
    // frames' payloads); write them with scatter/gather.
    std::shared_ptr<const ByteChain> body;
    std::string content_type;
    std::string cache_control;
};

struct StoreStats {
    size_t live_streams = 0;
    uint64_t segments_total = 0;  // produced since start
    size_t bytes = 0;  // of the files served now (a frame shared
        // by two files counts twice)
};

// A live stream's freshness: how long since its source rendition listed a
// segment (since the publish, before the first), against its hlsTime.
struct StreamAge {
    std::string app;
    std::string stream_id;
    int64_t since_segment_ms = 0;
    int hls_time_ms = 0;
};

// "/{app}/streams/" + kTimeResource answers the server's UTC time in ISO
// 8601 with milliseconds (urn:mpeg:dash:utc:http-iso:2014); no stream
// resource has this name (playlists end in .m3u8, the rest is under
// "<s>/").  Dynamic MPDs point at it relative to themselves (dash.js
// resolves a relative UTCTiming against the MPD's URL): kUtcTimingFromMpd.
inline constexpr std::string_view kTimeResource = "time";
inline constexpr const char* kUtcTimingFromMpd = "../time";

// The publisher's own media, packaged as it comes.
inline constexpr std::string_view kSourceRendition = "source";

// One rendition of a live stream as the master playlist offers it (the
// REST broadcast's "renditions", issue #15).
struct RenditionInfo {
    std::string name;  // "source", or "<height>p<kbps>kbps"
    int width = 0, height = 0;  // 0: audio only
    uint64_t bandwidth = 0;  // bit/s, the master playlist's BANDWIDTH
    uint64_t average_bandwidth = 0;  // bit/s, its AVERAGE-BANDWIDTH
    // Ended before the source (dropped under load, or failed): no longer
    // in the master playlist.
    bool dropped = false;
};

// A rendition's name: the stream id rule, without '_' (it separates the
// stream id from the rendition in URLs).
bool valid_rendition(std::string_view rendition);

class SegmentStore {
public:
    virtual ~SegmentStore() = default;

    // A new publish session of one rendition of a stream; replaces that
    // rendition's previous session's output.  The sink packages into this
    // store (a hub sink, hub/hub.h); media arrives on one thread at a time.
    // Each segment it lists is timed from the arrival of the frame that
    // closed it (Metrics::segment_publish_ms).  rendition must be valid.
    // Its numbering continues from `from` (package/continuation.h, made by
    // continue_after); give every rendition of a session the same one.
    // hls_time_ms: the publish's hlsTime (its application's, package/
    // hls_time_setting.h); 0 takes PackagerConfig's.  It sets the
    // session's segment target, its MPD timing and its playlists'
    // Cache-Control; give every rendition of a session the same one.
    virtual std::shared_ptr<media::StreamSink> open(
        const StreamKey& key, std::string_view rendition,
        const std::string& session_id, const Continuation& from = {},
        int hls_time_ms = 0) = 0;
    // The source rendition.
    std::shared_ptr<media::StreamSink> open(const StreamKey& key,
                                            const std::string& session_id,
                                            const Continuation& from = {},
                                            int hls_time_ms = 0)
    {
        return open(key, kSourceRendition, session_id, from, hls_time_ms);
    }

    // What a successor needs to continue the stream (written_ms left 0):
    // the source rendition of that session, nullopt when it is not here.
    // Thread-safe.
    virtual std::optional<fo_progress> progress(
        const StreamKey& key, const std::string& session_id) const = 0;

    // The renditions of that session of the stream: what its master
    // playlist lists (the source first, then by height, highest first),
    // and after them the dropped ones.  Empty when the session's source is
    // not here or lists no segment yet.  Thread-safe.
    virtual std::vector<RenditionInfo> renditions(
        const StreamKey& key, const std::string& session_id) const = 0;

    // The session lost the stream to another origin: its output (every
    // rendition) is no longer served, at once (404, not ENDLIST: players
    // must not stop, edges look the stream up again), and later calls of
    // its sinks change nothing.  Thread-safe.
    virtual void withdraw(const StreamKey& key,
                          const std::string& session_id) = 0;

    // rest: the path after "/{app}/streams/".  nullopt: 404.  Thread-safe.
    virtual std::optional<Resource> find(std::string_view app,
                                         std::string_view rest) const = 0;

    virtual StoreStats stats() const = 0;
    // Every live (not ended) stream's source rendition.  Thread-safe.
    virtual std::vector<StreamAge> stream_ages() const = 0;
};

// metrics, if given, and clock must outlive the store and its sinks.
std::unique_ptr<SegmentStore> make_segment_store(
    const PackagerConfig& config, Metrics* metrics = nullptr,
    const Clock& clock = Clock::real());

}  // namespace fanout::package
