#include "http/metrics_text.h"

#include <cstdio>

namespace fanout::http {

namespace {

void family(std::string& out, const char* name, const char* type,
            const char* help, const std::string& value)
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
    out += name;
    out += ' ';
    out += value;
    out += '\n';
}

std::string num(uint64_t v) { return std::to_string(v); }

std::string num(double v)
{
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%.6g", v);
    return buf;
}

// Label values escape backslash, quote and newline.
std::string label(const std::string& v)
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

}  // namespace

std::string render_metrics(const MetricsSnapshot& m)
{
    std::string out;
    out.reserve(4096);
    out += "# HELP fanout_build_info Version and node of this origin.\n"
           "# TYPE fanout_build_info gauge\n"
           "fanout_build_info{version=\"" + label(m.version) + "\",node=\""
           + label(m.node) + "\"} 1\n";
    family(out, "fanout_uptime_seconds", "gauge",
           "Seconds since the origin started.", num(m.uptime_seconds));
    family(out, "fanout_streams", "gauge",
           "Live streams held by the segment store.", num(m.streams));
    family(out, "fanout_publishers", "gauge",
           "Publishers connected now.", num(m.publishers));
    family(out, "fanout_publishes_total", "counter",
           "Publishes accepted.", num(m.publishes_total));
    family(out, "fanout_publishes_refused_total", "counter",
           "Publishes refused.", num(m.publishes_refused_total));
    family(out, "fanout_rtmp_connections", "gauge",
           "RTMP connections open now.", num(m.rtmp_connections));
    family(out, "fanout_rtmp_bad_input_total", "counter",
           "RTMP connections dropped for malformed input.",
           num(m.rtmp_bad_input_total));
    family(out, "fanout_bytes_in_total", "counter",
           "Media bytes received from publishers.", num(m.bytes_in_total));
    family(out, "fanout_segments_total", "counter",
           "Segments produced since start.", num(m.segments_total));
    out += "# HELP fanout_segment_publish_ms From the frame that closes a "
           "segment arriving to the segment listed (last 1024 segments).\n"
           "# TYPE fanout_segment_publish_ms summary\n"
           "fanout_segment_publish_ms{quantile=\"0.5\"} "
           + num(m.segment_publish_p50_ms) + "\n"
           "fanout_segment_publish_ms{quantile=\"0.95\"} "
           + num(m.segment_publish_p95_ms) + "\n"
           "fanout_segment_publish_ms{quantile=\"0.99\"} "
           + num(m.segment_publish_p99_ms) + "\n"
           "fanout_segment_publish_ms_count "
           + num(m.segment_publish_count) + "\n";
    family(out, "fanout_segment_store_bytes", "gauge",
           "Bytes held by the segment store.", num(m.segment_bytes));
    family(out, "fanout_http_requests_total", "counter",
           "HTTP requests handled.", num(m.http_requests_total));
    family(out, "fanout_segment_requests_total", "counter",
           "Requests under /{app}/streams/.", num(m.segment_requests_total));
    family(out, "fanout_http_connections", "gauge",
           "HTTP connections open now.", num(m.http_connections));
    family(out, "fanout_http_connections_total", "counter",
           "HTTP connections accepted.", num(m.http_connections_total));
    family(out, "fanout_http_connections_rejected_total", "counter",
           "HTTP connections refused at the connection limit.",
           num(m.http_connections_rejected_total));
    family(out, "fanout_http_bad_requests_total", "counter",
           "HTTP requests rejected by the parser.",
           num(m.http_bad_requests_total));
    family(out, "fanout_http_timeouts_total", "counter",
           "HTTP connections closed by a timeout.", num(m.http_timeouts_total));
    family(out, "fanout_store_query_avg_ms", "gauge",
           "Mean duration of cluster store calls (dbQueryAverageTimeMs).",
           num(m.store_query_avg_ms));
    family(out, "fanout_store_queries_total", "counter",
           "Cluster store calls made.", num(m.store_queries_total));
    family(out, "fanout_store_errors_total", "counter",
           "Cluster store calls that failed.", num(m.store_errors_total));
    return out;
}

}  // namespace fanout::http
