#include "alerts/rules.h"

#include <cinttypes>
#include <cstdio>
#include <set>

namespace fanout::alerts {

namespace {

enum class Level { Above, Below, Hold };

// One rule's reading of one subject now.
struct Reading {
    const char* rule = "";
    std::string subject;
    Level level = Level::Hold;
    double value = 0;
    double threshold = 0;
    int64_t for_ms = 0;
    int64_t clear_ms = 0;
    std::string message;  // said when raised
};

std::string key_of(const std::string& rule, const std::string& subject)
{
    return rule + "|" + subject;
}

// FNV-1a: a short, stable tag of the subject for the alert's id (a
// subject such as "app/stream" is no valid id itself).
uint32_t tag(const std::string& s)
{
    uint32_t h = 2166136261u;
    for (unsigned char c : s) {
        h = (h ^ c) * 16777619u;
    }
    return h;
}

std::string alert_id(const std::string& rule, const std::string& subject,
                     int64_t started_ms)
{
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%s-%" PRId64 "-%08x", rule.c_str(),
                  started_ms, tag(subject));
    return buf;
}

std::string fmt(const char* f, double a, double b)
{
    char buf[160];
    std::snprintf(buf, sizeof(buf), f, a, b);
    return buf;
}

int64_t seconds(int s)
{
    return static_cast<int64_t>(s) * 1000;
}

// A value against its threshold, with the clear level below it.
Reading level_of(const char* rule, const std::string& subject, double value,
                 double threshold, int for_s, const AlertSettings& c)
{
    Reading r;
    r.rule = rule;
    r.subject = subject;
    r.value = value;
    r.threshold = threshold;
    r.for_ms = seconds(for_s);
    r.clear_ms = seconds(c.clear_for_s);
    const double clear_below = threshold * (1 - c.clear_margin_percent / 100);
    if (value < 0) {
        r.level = Level::Hold;  // unknown
    } else if (value > threshold) {
        r.level = Level::Above;
    } else if (value < clear_below) {
        r.level = Level::Below;
    }
    return r;
}

Reading yes_no(const char* rule, const std::string& subject, bool on,
               double value, double threshold, int64_t for_ms, int64_t clear_ms)
{
    Reading r;
    r.rule = rule;
    r.subject = subject;
    r.level = on ? Level::Above : Level::Below;
    r.value = value;
    r.threshold = threshold;
    r.for_ms = for_ms;
    r.clear_ms = clear_ms;
    return r;
}

void node_readings(const NodeSample& n, const Samples& s,
                   const AlertSettings& c, int64_t now,
                   std::vector<Reading>& out)
{
    const double age_s = (now - n.last_update_ms) / 1000.0;
    Reading dead = yes_no(kNodeDead, n.id, !n.alive, age_s,
                          s.dead_after_ms / 1000.0, 0, 0);
    dead.message = fmt("no heartbeat for %.0f s (dead after %.0f s)", age_s,
                       s.dead_after_ms / 1000.0);
    out.push_back(dead);
    if (!n.alive) {
        return;  // stale metrics: the other rules hold
    }
    Reading r = level_of(kHighCpu, n.id, n.cpu, c.cpu_percent, c.cpu_for_s, c);
    r.message = fmt("CPU %.1f %% > %.0f %%", n.cpu, c.cpu_percent);
    out.push_back(r);
    r = level_of(kHighMemory, n.id, n.mem_percent, c.memory_percent,
                 c.memory_for_s, c);
    r.message =
        fmt("memory %.1f %% > %.0f %%", n.mem_percent, c.memory_percent);
    out.push_back(r);
    r = level_of(kSlowDatabase, n.id, n.db_query_avg_ms, c.db_query_ms,
                 c.db_query_for_s, c);
    r.message = fmt("store query average %.1f ms > %.0f ms", n.db_query_avg_ms,
                    c.db_query_ms);
    out.push_back(r);
    const double lag_s = n.repl_lag_ms < 0 ? -1 : n.repl_lag_ms / 1000.0;
    r = level_of(kReplicationLag, n.id, lag_s, c.repl_lag_s, c.repl_lag_for_s,
                 c);
    r.message = fmt("replication lag %.1f s > %.0f s", lag_s, c.repl_lag_s);
    out.push_back(r);
    if (n.edge) {
        const bool failing =
            n.origin_fail_ms > n.origin_ok_ms
            && now - n.origin_fail_ms <= seconds(c.edge_origin_recent_s);
        const double since_ok_s =
            n.origin_ok_ms > 0 ? (now - n.origin_ok_ms) / 1000.0 : -1;
        r = yes_no(kEdgeOriginUnreachable, n.id, failing, since_ok_s, 0,
                   seconds(c.edge_origin_for_s), seconds(c.clear_for_s));
        r.message = since_ok_s < 0
                        ? std::string("no origin reachable, none ever was")
                        : fmt(
                            "no origin reachable; last success %.0f s "
                            "ago (recent: %.0f s)",
                            since_ok_s, c.edge_origin_recent_s);
        out.push_back(r);
    }
}

// A stream is stalled when the progress its origin keeps writing still
// shows the sequence first seen stall_ms earlier (written_ms to written_ms:
// both the store's clock, and the origin writes at every heartbeat).
void stream_readings(const StreamSample& st, const AlertSettings& c,
                     State& next, std::vector<Reading>& out)
{
    if (st.written_ms <= 0) {
        return;
    }
    auto it = next.streams.find(st.subject);
    if (it == next.streams.end() || it->second.sequence != st.hls_sequence) {
        next.streams[st.subject] = {st.hls_sequence, st.written_ms};
        it = next.streams.find(st.subject);
    }
    const double still_s = (st.written_ms - it->second.changed_ms) / 1000.0;
    const double limit_s = c.stream_stall_segments * st.hls_time_s;
    Reading r = yes_no(kStreamStalled, st.subject, still_s >= limit_s, still_s,
                       limit_s, 0, seconds(c.clear_for_s));
    r.message =
        fmt("no new segment for %.0f s (limit %.0f s)", still_s, limit_s);
    out.push_back(r);
}

// Moves one track by one reading; an event when it raises or clears.
void step(Track& t, const Reading& r, int64_t now, std::vector<Event>& out)
{
    if (r.level == Level::Above) {
        t.below_since = -1;
        if (t.above_since < 0) {
            t.above_since = now;
        }
        if (!t.active && now - t.above_since >= r.for_ms) {
            t.active = true;
            t.alert = Alert{alert_id(r.rule, r.subject, now),
                            r.rule,
                            r.subject,
                            r.value,
                            r.threshold,
                            now,
                            0,
                            r.message + " on " + r.subject};
            out.push_back({true, t.alert});
        }
        return;
    }
    t.above_since = -1;
    if (r.level == Level::Hold) {
        t.below_since = -1;
        return;
    }
    if (t.below_since < 0) {
        t.below_since = now;
    }
    if (t.active && now - t.below_since >= r.clear_ms) {
        t.active = false;
        t.alert.ended_ms = now;
        out.push_back({false, t.alert});
    }
}

}  // namespace

const std::vector<std::string>& rule_names()
{
    static const std::vector<std::string> names = {
        kNodeDead,       kHighCpu,       kHighMemory,           kSlowDatabase,
        kReplicationLag, kStreamStalled, kEdgeOriginUnreachable};
    return names;
}

Outcome evaluate(const State& prev, const Samples& samples,
                 const AlertSettings& settings, int64_t now_ms)
{
    Outcome o;
    std::vector<Reading> readings;
    std::set<std::string> present;  // subjects in the store now
    for (const NodeSample& n : samples.nodes) {
        present.insert(n.id);
        node_readings(n, samples, settings, now_ms, readings);
    }
    State seen;  // streams not live any more are forgotten
    for (const StreamSample& st : samples.streams) {
        present.insert(st.subject);
        if (auto it = prev.streams.find(st.subject); it != prev.streams.end()) {
            seen.streams[st.subject] = it->second;
        }
        stream_readings(st, settings, seen, readings);
    }
    o.state.streams = std::move(seen.streams);
    o.state.tracks = prev.tracks;
    for (const Reading& r : readings) {
        step(o.state.tracks[key_of(r.rule, r.subject)], r, now_ms, o.events);
    }
    for (auto it = o.state.tracks.begin(); it != o.state.tracks.end();) {
        Track& t = it->second;
        const std::string subject = it->first.substr(it->first.find('|') + 1);
        const bool gone = present.count(subject) == 0;
        if (t.active && gone) {
            t.alert.ended_ms = now_ms;
            t.alert.message += " (gone from the store)";
            o.events.push_back({false, t.alert});
            t.active = false;
        }
        const bool idle = !t.active && (t.above_since < 0 || gone);
        it = idle ? o.state.tracks.erase(it) : std::next(it);
    }
    return o;
}

State restore(const std::vector<Alert>& active)
{
    State s;
    for (const Alert& a : active) {
        Track& t = s.tracks[key_of(a.rule, a.subject)];
        t.active = true;
        t.above_since = a.started_ms;
        t.alert = a;
    }
    return s;
}

}  // namespace fanout::alerts
