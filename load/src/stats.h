// load/src/stats.h — what a run counts and measures, the live progress
// line and the final report (text and JSON).  One Stats per run, touched
// only from the event loop's thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace fanout::load {

// A bounded sample of a distribution: every value up to `cap`, then a
// uniform reservoir (Vitter's algorithm R), so percentiles stay unbiased
// and memory stays fixed however long the run.
class Samples {
public:
    explicit Samples(size_t cap = 100000, uint64_t seed = 1)
        : cap_(cap), rng_(seed)
    {
    }
    void add(double v);
    uint64_t count() const { return count_; }
    // The p-th percentile (0..100), nearest rank; 0 when empty.
    double percentile(double p) const;
    double max() const { return max_; }
    nlohmann::json json() const;  // count, p50, p95, p99, max

private:
    size_t cap_;
    std::mt19937_64 rng_;
    std::vector<double> v_;
    uint64_t count_ = 0;
    double max_ = 0;
};

// One stall as the viewer had it, for the report: where to look.
struct StallExample {
    size_t viewer = 0;  // its index (User-Agent "fanout-load viewer/<i>")
    std::string playlist;  // the media playlist it played
    double at_s = 0;  // when its buffer ran dry, since the run began
    double lasted_s = 0;
    uint64_t sequence = 0;  // the segment that ended it
    // From the viewer first seeing that segment listed to having it;
    // negative when it was listed before the viewer joined.
    double listed_to_fetched_ms = -1;
    double fetch_ms = 0;  // its request alone
};

struct Stats {
    // Publishers.
    uint64_t publishing = 0;  // now
    uint64_t publishes = 0;  // NetStream.Publish.Start received, in all
    uint64_t publish_reconnects = 0;
    uint64_t publish_bytes = 0;
    // From the connect to NetStream.Publish.Start: the origin's admission
    // (handshake, token and claim in the store), as a publisher waits it.
    Samples publish_start_ms;
    // Viewers.
    uint64_t viewing = 0;  // now: a media playlist loaded, not failed since
    uint64_t viewers_started = 0;
    uint64_t playlists = 0;
    uint64_t segments = 0;
    uint64_t segments_skipped = 0;
    uint64_t view_bytes = 0;
    Samples playlist_ms, segment_ms, listed_to_fetched_ms, availability_ms,
        startup_ms;
    // Filled in at the end from each viewer's buffer.
    uint64_t stalls = 0, viewers_stalled = 0;
    double stalled_s = 0;
    // The first stalls that ended, as they ended (at most kStallExamples).
    static constexpr size_t kStallExamples = 10;
    std::vector<StallExample> stall_examples;
    double started_s = 0;  // the run's start, on the viewers' clock
    // Errors: by kind ("connect", "timeout", "closed", "http", "parse",
    // "rtmp", "backlog") and, for replies other than 2xx, by status.
    std::map<std::string, uint64_t> errors;
    std::map<int, uint64_t> http_status;

    void error(const std::string& kind) { errors[kind]++; }
    uint64_t error_count() const;
};

struct RunInfo {
    size_t publishers = 0, viewers = 0;
    double elapsed_s = 0;
    double cpu_s = 0;  // this process, user + system
    uint64_t max_rss_kb = 0;
    bool availability_from_pdt = false;
};

// One line: "12s publishing 5/5 viewing 20/20 8.0 seg/s in 2.1 MB/s ...".
// prev: the counters a second ago.
std::string progress_line(const Stats& now, const Stats& prev, double t,
                          double dt, const RunInfo& run);

nlohmann::json report_json(const Stats& s, const RunInfo& run);
std::string report_text(const Stats& s, const RunInfo& run);

}  // namespace fanout::load
