#include "http/metrics_text.h"

#include <charconv>
#include <chrono>
#include <cstdio>
#include <string>
#include <utility>
#include <variant>

#include "core/store_timings.h"
#include "package/segment_store.h"

namespace fanout::http {

namespace {

std::string num(uint64_t v)
{
    return std::to_string(v);
}

// The shortest text that reads back as v: a Unix time in seconds or a
// byte count keeps every digit.
std::string num(double v)
{
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
    return ec == std::errc() ? std::string(buf, end) : "NaN";
}

// Label values escape backslash, quote and newline.
std::string label(std::string_view v)
{
    std::string out;
    for (char c : v) {
        if (c == '\\' || c == '"') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

// The sample lines of one row ("name value\n", or a summary's quantiles
// and count).
struct Samples {
    std::string& out;
    const char* name;
    const char* labels;  // nullptr: none

    void operator()(const std::atomic<uint64_t>* v) const
    {
        line("", num(uint64_t(*v)));
    }
    void operator()(const std::atomic<double>* v) const
    {
        line("", num(double(*v)));
    }
    void operator()(const LatencyWindow* w) const
    {
        static const std::pair<const char*, double> quantiles[] = {
            {"0.5", 0.50}, {"0.95", 0.95}, {"0.99", 0.99}};
        for (const auto& [text, q] : quantiles) {
            line(std::string("{quantile=\"") + text + "\"}",
                 num(w->quantile(q)));
        }
        line("_count", num(w->count()));
    }
    void line(const std::string& suffix, const std::string& value) const
    {
        out += name;
        if (labels != nullptr) {  // counters and gauges only
            out += '{';
            out += labels;
            out += '}';
        }
        out += suffix;
        out += ' ';
        out += value;
        out += '\n';
    }
};

const char* type_name(MetricType t)
{
    switch (t) {
        case MetricType::Counter:
            return "counter";
        case MetricType::Gauge:
            return "gauge";
        case MetricType::Summary:
            return "summary";
    }
    return "untyped";
}

void head(std::string& out, const char* name, const char* type,
          const char* help)
{
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
}

}  // namespace

std::string render_metrics(const Metrics& m, std::string_view version,
                           std::string_view node)
{
    std::string out;
    out.reserve(4096);
    head(out, "fanout_build_info", "gauge", "Version and node of this origin.");
    out += "fanout_build_info{version=\"" + label(version) + "\",node=\""
           + label(node) + "\"} 1\n";
    const char* family = nullptr;
    for (const MetricRow& row : m.registry()) {
        // A labelled family's rows follow each other: one HELP and TYPE.
        if (family == nullptr || std::string_view(family) != row.name) {
            head(out, row.name, type_name(row.type), row.help);
        }
        family = row.name;
        std::visit(Samples{out, row.name, row.labels}, row.value);
    }
    return out;
}

std::string render_stream_ages(const std::vector<package::StreamAge>& ages)
{
    std::string out;
    struct Family {
        const char* name;
        const char* help;
        double (*value)(const package::StreamAge&);
    };
    static const Family families[] = {
        {"fanout_stream_segment_age_seconds",
         "Seconds since the live stream's last new segment (since its "
         "publish before the first).",
         [](const package::StreamAge& a) {
             return double(a.since_segment_ms) / 1000.0;
         }},
        {"fanout_stream_hls_time_seconds",
         "The live stream's target segment duration (hlsTime).",
         [](const package::StreamAge& a) {
             return double(a.hls_time_ms) / 1000.0;
         }},
    };
    for (const Family& f : families) {
        head(out, f.name, "gauge", f.help);
        for (const package::StreamAge& a : ages) {
            out += f.name;
            out += "{app=\"" + label(a.app) + "\",stream=\""
                   + label(a.stream_id) + "\"} " + num(f.value(a)) + "\n";
        }
    }
    return out;
}

void sample_metrics(OriginContext& ctx)
{
    Metrics& m = ctx.metrics;
    using namespace std::chrono;
    int64_t now_ms =
        duration_cast<milliseconds>(system_clock::now().time_since_epoch())
            .count();
    m.uptime_seconds = double(now_ms - ctx.started_ms) / 1000.0;
    package::StoreStats s = ctx.segments.stats();
    m.streams = s.live_streams;
    m.segments_total = s.segments_total;
    m.segment_store_bytes = s.bytes;
    sample_store(m, ctx.store);
}

}  // namespace fanout::http
