// The Prometheus exposition of the metrics registry: every name, type and
// help text that /metrics showed before the registry, byte for byte, and
// (where promtool is installed) a format check by Prometheus itself.
#include "http/metrics_text.h"

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <set>
#include <string>

namespace fanout::http {
namespace {

// Values that tell the rows apart: the integer rows count 2, 3, 4... in
// exposition order, except bytes_in and bytes_out, too big for a "%g".
void fill(Metrics& m)
{
    std::atomic<uint64_t>* integers[] = {&m.streams,
                                         &m.publishers,
                                         &m.publishes_total,
                                         &m.publishes_refused,
                                         &m.rtmp_connections,
                                         &m.rtmp_bad_input_total,
                                         &m.bytes_in,
                                         &m.segments_total,
                                         &m.segment_store_bytes,
                                         &m.http_requests_total,
                                         &m.segment_requests_total,
                                         &m.http.open_connections,
                                         &m.http.connections_total,
                                         &m.http.rejected_connections_total,
                                         &m.http.bad_requests_total,
                                         &m.http.timeouts_total,
                                         &m.store_queries_total,
                                         &m.store_errors_total,
                                         &m.rest_busy_total,
                                         &m.takeovers_total,
                                         &m.takeovers_refused_total,
                                         &m.streams_lost_total,
                                         &m.token_refusals.missing,
                                         &m.token_refusals.malformed,
                                         &m.token_refusals.undefined_stream,
                                         &m.token_refusals.invalid,
                                         &m.token_refusals.expired,
                                         &m.token_refusals.unavailable,
                                         &m.play_refused_total,
                                         &m.broadcast_limit_refusals.publish,
                                         &m.broadcast_limit_refusals.rest,
                                         &m.auto_broadcasts_expired};
    uint64_t n = 2;
    for (std::atomic<uint64_t>* v : integers) {
        *v = n++;
    }
    m.bytes_in = 12345678;
    m.http.bytes_out_total = 87654321;
    m.uptime_seconds = 12.5;
    m.store_query_avg_ms = 0.25;
    m.segment_publish_ms.observe(7.5);
    m.node.cpu_percent = 37.5;
    m.node.memory_percent = 61.25;
    m.node.load1 = 1.5;
    m.node.process_cpu_percent = 2.5;
    m.node.process_resident_bytes = 104857600;
    m.node.store_query_avg_seconds = 0.00025;
    m.node.replication_lag_seconds = -1;
    m.node.heartbeat_timestamp_seconds = 1796563205.5;
}

const char* const kGolden =
    "# HELP fanout_build_info Version and node of this origin.\n"
    "# TYPE fanout_build_info gauge\n"
    "fanout_build_info{version=\"1.2.3\",node=\"n\\\"1\"} 1\n"
    "# HELP fanout_uptime_seconds Seconds since the origin started.\n"
    "# TYPE fanout_uptime_seconds gauge\n"
    "fanout_uptime_seconds 12.5\n"
    "# HELP fanout_streams Live streams held by the segment store.\n"
    "# TYPE fanout_streams gauge\n"
    "fanout_streams 2\n"
    "# HELP fanout_publishers Publishers connected now.\n"
    "# TYPE fanout_publishers gauge\n"
    "fanout_publishers 3\n"
    "# HELP fanout_publishes_total Publishes accepted.\n"
    "# TYPE fanout_publishes_total counter\n"
    "fanout_publishes_total 4\n"
    "# HELP fanout_publishes_refused_total Publishes refused.\n"
    "# TYPE fanout_publishes_refused_total counter\n"
    "fanout_publishes_refused_total 5\n"
    "# HELP fanout_rtmp_connections RTMP connections open now.\n"
    "# TYPE fanout_rtmp_connections gauge\n"
    "fanout_rtmp_connections 6\n"
    "# HELP fanout_rtmp_bad_input_total RTMP connections dropped for "
    "malformed input.\n"
    "# TYPE fanout_rtmp_bad_input_total counter\n"
    "fanout_rtmp_bad_input_total 7\n"
    "# HELP fanout_bytes_in_total Media bytes received from publishers.\n"
    "# TYPE fanout_bytes_in_total counter\n"
    "fanout_bytes_in_total 12345678\n"
    "# HELP fanout_segments_total Segments produced since start.\n"
    "# TYPE fanout_segments_total counter\n"
    "fanout_segments_total 9\n"
    "# HELP fanout_segment_publish_ms From the frame that closes a segment "
    "arriving to the segment listed (last 1024 segments).\n"
    "# TYPE fanout_segment_publish_ms summary\n"
    "fanout_segment_publish_ms{quantile=\"0.5\"} 7.5\n"
    "fanout_segment_publish_ms{quantile=\"0.95\"} 7.5\n"
    "fanout_segment_publish_ms{quantile=\"0.99\"} 7.5\n"
    "fanout_segment_publish_ms_count 1\n"
    "# HELP fanout_segment_store_bytes Bytes held by the segment store.\n"
    "# TYPE fanout_segment_store_bytes gauge\n"
    "fanout_segment_store_bytes 10\n"
    "# HELP fanout_http_requests_total HTTP requests handled.\n"
    "# TYPE fanout_http_requests_total counter\n"
    "fanout_http_requests_total 11\n"
    "# HELP fanout_segment_requests_total Requests under /{app}/streams/.\n"
    "# TYPE fanout_segment_requests_total counter\n"
    "fanout_segment_requests_total 12\n"
    "# HELP fanout_http_connections HTTP connections open now.\n"
    "# TYPE fanout_http_connections gauge\n"
    "fanout_http_connections 13\n"
    "# HELP fanout_http_connections_total HTTP connections accepted.\n"
    "# TYPE fanout_http_connections_total counter\n"
    "fanout_http_connections_total 14\n"
    "# HELP fanout_http_connections_rejected_total HTTP connections refused "
    "at the connection limit.\n"
    "# TYPE fanout_http_connections_rejected_total counter\n"
    "fanout_http_connections_rejected_total 15\n"
    "# HELP fanout_http_bad_requests_total HTTP requests rejected by the "
    "parser.\n"
    "# TYPE fanout_http_bad_requests_total counter\n"
    "fanout_http_bad_requests_total 16\n"
    "# HELP fanout_http_timeouts_total HTTP connections closed by a "
    "timeout.\n"
    "# TYPE fanout_http_timeouts_total counter\n"
    "fanout_http_timeouts_total 17\n"
    "# HELP fanout_bytes_out_total Bytes the HTTP server wrote to clients: "
    "edges, direct viewers, REST and the console (egressBitrate is its "
    "rate).\n"
    "# TYPE fanout_bytes_out_total counter\n"
    "fanout_bytes_out_total 87654321\n"
    "# HELP fanout_store_query_avg_ms Mean duration of the last 128 cluster "
    "store calls (dbQueryAverageTimeMs).\n"
    "# TYPE fanout_store_query_avg_ms gauge\n"
    "fanout_store_query_avg_ms 0.25\n"
    "# HELP fanout_store_queries_total Cluster store calls made.\n"
    "# TYPE fanout_store_queries_total counter\n"
    "fanout_store_queries_total 18\n"
    "# HELP fanout_store_errors_total Cluster store calls that failed.\n"
    "# TYPE fanout_store_errors_total counter\n"
    "fanout_store_errors_total 19\n"
    "# HELP fanout_node_cpu_percent Machine CPU busy, percent of all cores "
    "(cpu).\n"
    "# TYPE fanout_node_cpu_percent gauge\n"
    "fanout_node_cpu_percent 37.5\n"
    "# HELP fanout_node_memory_percent Machine memory used, percent: "
    "(MemTotal - MemAvailable) / MemTotal.\n"
    "# TYPE fanout_node_memory_percent gauge\n"
    "fanout_node_memory_percent 61.25\n"
    "# HELP fanout_node_load1 1-minute load average of the machine.\n"
    "# TYPE fanout_node_load1 gauge\n"
    "fanout_node_load1 1.5\n"
    "# HELP fanout_node_process_cpu_percent This process's CPU, percent of "
    "all cores (processCpu).\n"
    "# TYPE fanout_node_process_cpu_percent gauge\n"
    "fanout_node_process_cpu_percent 2.5\n"
    "# HELP fanout_node_process_resident_bytes This process's resident "
    "memory in bytes (processMemory).\n"
    "# TYPE fanout_node_process_resident_bytes gauge\n"
    "fanout_node_process_resident_bytes 104857600\n"
    "# HELP fanout_node_store_query_avg_seconds Mean duration of the last "
    "128 cluster store calls (dbQueryAverageTimeMs / 1000).\n"
    "# TYPE fanout_node_store_query_avg_seconds gauge\n"
    "fanout_node_store_query_avg_seconds 0.00025\n"
    "# HELP fanout_node_replication_lag_seconds MongoDB replica set "
    "replication lag (replicationLagMs / 1000); -1 unknown or not MongoDB.\n"
    "# TYPE fanout_node_replication_lag_seconds gauge\n"
    "fanout_node_replication_lag_seconds -1\n"
    "# HELP fanout_node_heartbeat_timestamp_seconds Unix time of this "
    "node's last heartbeat the store took.\n"
    "# TYPE fanout_node_heartbeat_timestamp_seconds gauge\n"
    "fanout_node_heartbeat_timestamp_seconds 1796563205.5\n"
    "# HELP fanout_rest_busy_total REST requests answered 503 because the "
    "REST queue was full.\n"
    "# TYPE fanout_rest_busy_total counter\n"
    "fanout_rest_busy_total 20\n"
    "# HELP fanout_takeovers_total Streams taken over from an origin that "
    "had no live publisher.\n"
    "# TYPE fanout_takeovers_total counter\n"
    "fanout_takeovers_total 21\n"
    "# HELP fanout_takeovers_refused_total Takeovers refused: the owner is "
    "live, or could not be trusted.\n"
    "# TYPE fanout_takeovers_refused_total counter\n"
    "fanout_takeovers_refused_total 22\n"
    "# HELP fanout_transcode_renditions_dropped_total Ladder renditions "
    "dropped because transcoding fell behind.\n"
    "# TYPE fanout_transcode_renditions_dropped_total counter\n"
    "fanout_transcode_renditions_dropped_total 0\n"
    "# HELP fanout_streams_lost_total Publishes dropped because another "
    "origin took the stream over.\n"
    "# TYPE fanout_streams_lost_total counter\n"
    "fanout_streams_lost_total 23\n"
    "# HELP fanout_publish_token_refusals_total Publishes refused by the "
    "application's token controls, by reason.\n"
    "# TYPE fanout_publish_token_refusals_total counter\n"
    "fanout_publish_token_refusals_total{reason=\"missing\"} 24\n"
    "fanout_publish_token_refusals_total{reason=\"malformed\"} 25\n"
    "fanout_publish_token_refusals_total{reason=\"undefined_stream\"} 26\n"
    "fanout_publish_token_refusals_total{reason=\"invalid\"} 27\n"
    "fanout_publish_token_refusals_total{reason=\"expired\"} 28\n"
    "fanout_publish_token_refusals_total{reason=\"unavailable\"} 29\n"
    "# HELP fanout_alerts_active Cluster alerts active now, by rule (on the "
    "evaluating origin).\n"
    "# TYPE fanout_alerts_active gauge\n"
    "fanout_alerts_active{rule=\"nodeDead\"} 0\n"
    "fanout_alerts_active{rule=\"highCpu\"} 0\n"
    "fanout_alerts_active{rule=\"highMemory\"} 0\n"
    "fanout_alerts_active{rule=\"slowDatabase\"} 0\n"
    "fanout_alerts_active{rule=\"replicationLag\"} 0\n"
    "fanout_alerts_active{rule=\"streamStalled\"} 0\n"
    "fanout_alerts_active{rule=\"edgeOriginUnreachable\"} 0\n"
    "# HELP fanout_alerts_evaluating 1 while this origin holds the alert "
    "evaluation lease.\n"
    "# TYPE fanout_alerts_evaluating gauge\n"
    "fanout_alerts_evaluating 0\n"
    "# HELP fanout_alert_evaluations_total Alert evaluations completed by "
    "this origin (lease held).\n"
    "# TYPE fanout_alert_evaluations_total counter\n"
    "fanout_alert_evaluations_total 0\n"
    "# HELP fanout_play_refused_total Stream requests refused 403 for their "
    "playback token (play.signed).\n"
    "# TYPE fanout_play_refused_total counter\n"
    "fanout_play_refused_total 30\n"
    "# HELP fanout_broadcast_limit_refusals_total New broadcast records "
    "refused at the application's cap (broadcast.max_per_app), by what "
    "asked.\n"
    "# TYPE fanout_broadcast_limit_refusals_total counter\n"
    "fanout_broadcast_limit_refusals_total{via=\"publish\"} 31\n"
    "fanout_broadcast_limit_refusals_total{via=\"rest\"} 32\n"
    "# HELP fanout_auto_broadcasts_expired_total Finished broadcasts that "
    "publishes auto-created, deleted by this origin's retention sweep "
    "(store.auto_broadcast_retention_s).\n"
    "# TYPE fanout_auto_broadcasts_expired_total counter\n"
    "fanout_auto_broadcasts_expired_total 33\n";

TEST(MetricsText, TheExpositionKeepsEveryNameTypeAndHelp)
{
    Metrics m;
    fill(m);
    EXPECT_EQ(render_metrics(m, "1.2.3", "n\"1"), kGolden);
}

// A name with its labels is one row's own; a labelled family's rows are
// adjacent (one HELP and TYPE for them).
TEST(MetricsText, EveryRowOnceWithANameOfItsOwn)
{
    Metrics m;
    std::set<std::string> names, families;
    std::string last;
    for (const MetricRow& row : m.registry()) {
        std::string labels = row.labels ? row.labels : "";
        EXPECT_TRUE(names.insert(std::string(row.name) + labels).second)
            << row.name << labels;
        if (last != row.name) {
            EXPECT_TRUE(families.insert(row.name).second) << row.name;
        }
        last = row.name;
        EXPECT_EQ(std::string(row.name).rfind("fanout_", 0), 0u) << row.name;
        EXPECT_NE(std::string(row.help), "") << row.name;
    }
    EXPECT_EQ(names.size(), 54u);
    EXPECT_EQ(families.size(), 42u);
}

TEST(MetricsText, RowsReadTheLiveValues)
{
    Metrics m;
    m.publishes_refused++;
    m.publishes_refused++;
    m.http.timeouts_total += 3;
    std::string t = render_metrics(m, "v", "n");
    EXPECT_NE(t.find("\nfanout_publishes_refused_total 2\n"),
              std::string::npos);
    EXPECT_NE(t.find("\nfanout_http_timeouts_total 3\n"), std::string::npos);
}

TEST(MetricsText, StreamAgesPerStream)
{
    std::string t = render_stream_ages(
        {{"live", "cam\"1", 6500, 2000}, {"app2", "s", 0, 4000}});
    EXPECT_NE(t.find("# TYPE fanout_stream_segment_age_seconds gauge\n"),
              std::string::npos);
    EXPECT_NE(t.find("\nfanout_stream_segment_age_seconds{app=\"live\","
                     "stream=\"cam\\\"1\"} 6.5\n"),
              std::string::npos)
        << t;
    EXPECT_NE(t.find("\nfanout_stream_hls_time_seconds{app=\"app2\","
                     "stream=\"s\"} 4\n"),
              std::string::npos)
        << t;
    // No live stream: the families, with no samples.
    std::string empty = render_stream_ages({});
    EXPECT_EQ(empty.find("fanout_stream_segment_age_seconds{"),
              std::string::npos);
    EXPECT_NE(empty.find("# HELP fanout_stream_hls_time_seconds"),
              std::string::npos);
}

#ifdef FANOUT_PROMTOOL
// Prometheus's own parser and linter accept the exposition.  Its one
// complaint, about "_ms" in two names, is about names users already scrape,
// which stay.
TEST(MetricsText, PromtoolAcceptsIt)
{
    Metrics m;
    fill(m);
    std::string path = ::testing::TempDir() + "fanout-metrics.txt";
    FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::string text = render_metrics(m, "1.2.3", "node-a")
                       + render_stream_ages({{"live", "s1", 2500, 2000}});
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
    std::string cmd =
        std::string(FANOUT_PROMTOOL) + " check metrics < " + path + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    ASSERT_NE(p, nullptr);
    std::string out;
    char buf[512];
    while (std::fgets(buf, sizeof(buf), p)) {
        out += buf;
    }
    int status = pclose(p);
    std::remove(path.c_str());
    const std::string kept =
        "fanout_segment_publish_ms metric names should not contain "
        "abbreviated units\n"
        "fanout_store_query_avg_ms metric names should not contain "
        "abbreviated units\n";
    EXPECT_TRUE(status == 0 || out == kept) << "promtool:\n" << out;
    EXPECT_TRUE(WIFEXITED(status)
                && (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 3))
        << "promtool:\n"
        << out;
}
#endif

}  // namespace
}  // namespace fanout::http
