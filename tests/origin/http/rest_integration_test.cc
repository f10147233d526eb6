// The REST API v2 over real TCP against a real SQLite cluster store.
#include <sqlite3.h>

#include <cstdio>
#include <cstring>
#include <set>

#include "server_harness.h"

namespace fanout::http::testing {
namespace {

using nlohmann::json;

const std::string kB = "/LiveApp/rest/v2/broadcasts/";

bool alnum(const std::string& s)
{
    for (char c : s) {
        if (!std::isalnum(static_cast<unsigned char>(c))) {
            return false;
        }
    }
    return true;
}

void put_broadcast(fo_store* s, const char* id, const char* name,
                   const char* status)
{
    fo_broadcast b;
    std::memset(&b, 0, sizeof(b));
    std::strcpy(b.app, "LiveApp");
    std::strcpy(b.stream_id, id);
    std::strcpy(b.name, name);
    std::strcpy(b.status, status);
    fo_error err{};
    ASSERT_EQ(fo_broadcast_create(s, &b, &err), FO_OK) << err.msg;
}

TEST(RestApi, CreateGeneratesIdAndDefaults)
{
    Harness h;
    Client c(h.port);
    // Ant Media's quick test: POST with no body at all.
    Reply r = c.call("POST", kB + "create");
    ASSERT_EQ(r.status, 200) << r.body;
    json b = r.json();
    std::string id = b["streamId"];
    EXPECT_GE(id.size(), 12u);
    EXPECT_TRUE(alnum(id)) << id;
    EXPECT_EQ(b["name"], id);
    EXPECT_EQ(b["status"], "created");
    EXPECT_EQ(b["type"], "liveStream");
    EXPECT_GT(b["date"].get<int64_t>(), 0);
    for (const char* k :
         {"publishType", "originAdress", "startTime", "updateTime",
          "hlsViewerCount", "dashViewerCount", "bitrate"}) {
        EXPECT_TRUE(b.contains(k)) << k;
    }
    Reply second = c.call("POST", kB + "create", "{}");
    EXPECT_NE(second.json()["streamId"], id);
}

TEST(RestApi, BroadcastLifecycle)
{
    Harness h;
    Client c(h.port);
    Reply created = c.call(
        "POST", kB + "create",
        R"({"streamId":"show1","name":"Morning show","publishType":"RTMP",
                               "description":"daily","bitrate":1500000})",
        "Content-Type: application/json\r\n");
    ASSERT_EQ(created.status, 200) << created.body;
    EXPECT_EQ(created.header("content-type"), "application/json");
    json b = created.json();
    EXPECT_EQ(b["streamId"], "show1");
    EXPECT_EQ(b["name"], "Morning show");
    EXPECT_EQ(b["description"], "daily");
    EXPECT_EQ(b["bitrate"], 1500000);

    Reply got = c.call("GET", kB + "show1");
    ASSERT_EQ(got.status, 200);
    EXPECT_EQ(got.json(), b);

    Reply upd = c.call(
        "PUT", kB + "show1",
        R"({"name":"Evening show","status":"broadcasting","hlsViewerCount":12,
                           "category":"news","description":null})");
    ASSERT_EQ(upd.status, 200) << upd.body;
    EXPECT_EQ(upd.json()["success"], true);
    json after = c.call("GET", kB + "show1").json();
    EXPECT_EQ(after["name"], "Evening show");
    EXPECT_EQ(after["status"], "broadcasting");
    EXPECT_EQ(after["hlsViewerCount"], 12);
    EXPECT_EQ(after["dashViewerCount"], 0);
    EXPECT_EQ(after["bitrate"], 1500000);  // not in the body: untouched
    EXPECT_EQ(after["publishType"], "RTMP");
    EXPECT_EQ(after["category"], "news");
    EXPECT_FALSE(after.contains("description"));  // null removed it
    EXPECT_GE(after["updateTime"].get<int64_t>(),
              b["updateTime"].get<int64_t>());

    // Nothing to change is still a success (update time moves).
    EXPECT_EQ(c.call("PUT", kB + "show1", "{}").status, 200);
    EXPECT_EQ(c.call("PUT", kB + "show1", "").status, 200);
    c.call("PUT", kB + "show1", R"({"dashViewerCount":3})");
    json again = c.call("GET", kB + "show1").json();
    EXPECT_EQ(again["hlsViewerCount"], 12);
    EXPECT_EQ(again["dashViewerCount"], 3);

    EXPECT_EQ(c.call("GET", kB + "active-live-stream-count").json()["number"],
              1);

    Reply del = c.call("DELETE", kB + "show1");
    EXPECT_EQ(del.status, 200);
    EXPECT_EQ(del.json()["success"], true);
    EXPECT_EQ(c.call("GET", kB + "show1").status, 404);
    Reply del2 = c.call("DELETE", kB + "show1");
    EXPECT_EQ(del2.status, 404);
    EXPECT_EQ(del2.json()["success"], false);
}

TEST(RestApi, ClientMistakesAre4xx)
{
    Harness h;
    Client c(h.port);
    ASSERT_EQ(c.call("POST", kB + "create", R"({"streamId":"dup"})").status,
              200);

    struct Case {
        std::string method, path, body;
        int status;
    };
    const Case cases[] = {
        {"POST", kB + "create", "{not json", 400},
        {"POST", kB + "create", "[1,2]", 400},
        {"POST", kB + "create", R"({"streamId":"dup"})", 409},
        {"POST", kB + "create", R"({"streamId":"bad id"})", 400},
        {"POST", kB + "create", R"({"streamId":"a/b"})", 400},
        {"POST", kB + "create",
         "{\"streamId\":\"" + std::string(128, 'x') + "\"}", 400},
        {"POST", kB + "create", R"({"name":7})", 400},
        {"POST", kB + "create", R"({"status":"weird"})", 400},
        {"GET", kB + "missing", "", 404},
        {"PUT", kB + "missing", R"({"name":"x"})", 404},
        {"PUT", kB + "dup", "{oops", 400},
        {"PUT", kB + "dup", R"({"streamId":"other"})", 400},
        {"PUT", kB + "dup", R"({"bitrate":-5})", 400},
        {"DELETE", kB + "missing", "", 404},
        {"GET", kB + "bad%20id", "", 400},
        {"GET", kB + "list/x/10", "", 400},
        {"GET", kB + "list/0/-1", "", 400},
        {"GET", kB + "list/0/10?sort_by=size", "", 400},
        {"GET", kB + "list/0/10?order_by=up", "", 400},
        {"GET", kB + "list/0", "", 404},
        {"GET", kB + "a/b/c/d", "", 404},
        {"GET", "/NoSuchApp/rest/v2/broadcasts/count", "", 404},
        {"GET", "/LiveApp/rest/v2/nothing", "", 404},
        {"GET", "/rest/v2/nothing", "", 404},
        {"GET", "/rest/v2/cluster/node/bad%20id", "", 400},
        {"GET", "/rest/v2/cluster/nodes/0/abc", "", 400},
    };
    for (const auto& k : cases) {
        Reply r = c.call(k.method, k.path, k.body);
        EXPECT_EQ(r.status, k.status)
            << k.method << " " << k.path << " " << k.body;
        json j = r.json();
        EXPECT_EQ(j["success"], false) << k.path;
        EXPECT_TRUE(j["message"].is_string()) << k.path;
    }
}

TEST(RestApi, WrongMethodIs405WithAllow)
{
    Harness h;
    Client c(h.port);
    struct Case {
        std::string method, path, allow;
    };
    const Case cases[] = {
        {"GET", kB + "create", "POST"},
        {"PUT", kB + "create", "POST"},
        {"POST", kB + "count", "GET, HEAD"},
        {"DELETE", kB + "active-live-stream-count", "GET, HEAD"},
        {"POST", kB + "list/0/10", "GET, HEAD"},
        {"POST", kB + "someid", "GET, HEAD, PUT, DELETE"},
        {"DELETE", "/rest/v2/version", "GET, HEAD"},
        {"PUT", "/rest/v2/cluster/node/n1", "GET, HEAD, DELETE"},
        {"POST", "/rest/v2/cluster/node-count", "GET, HEAD"},
        {"DELETE", "/rest/v2/cluster/alerts", "GET, HEAD"},
        {"POST", "/rest/v2/liveness", "GET, HEAD"},
        {"POST", "/metrics", "GET, HEAD"},
    };
    for (const auto& k : cases) {
        Reply r = c.call(k.method, k.path, k.method == "GET" ? "" : "{}");
        EXPECT_EQ(r.status, 405) << k.method << " " << k.path;
        EXPECT_EQ(r.header("allow"), k.allow) << k.path;
        EXPECT_EQ(r.json()["success"], false);
    }
}

TEST(RestApi, ListSortSearchAndCap)
{
    Harness h;
    for (int i = 0; i < 55; i++) {
        char id[16];
        char name[16];
        std::snprintf(id, sizeof(id), "id%02d", i);
        std::snprintf(name, sizeof(name), "name%02d", 54 - i);
        put_broadcast(h.store, id, name,
                      i % 5 == 0 ? "broadcasting" : "created");
    }
    Client c(h.port);
    json all = c.call("GET", kB + "list/0/100").json();
    ASSERT_TRUE(all.is_array());
    EXPECT_EQ(all.size(), 50u);  // capped like Ant Media
    EXPECT_EQ(all[0]["streamId"], "id00");

    json page = c.call("GET", kB + "list/50/10").json();
    EXPECT_EQ(page.size(), 5u);
    EXPECT_EQ(page[0]["streamId"], "id50");

    json by_name =
        c.call("GET", kB + "list/0/3?sort_by=name&order_by=asc").json();
    ASSERT_EQ(by_name.size(), 3u);
    EXPECT_EQ(by_name[0]["name"], "name00");
    EXPECT_EQ(by_name[0]["streamId"], "id54");
    json desc =
        c.call("GET", kB + "list/0/2?sort_by=name&order_by=desc").json();
    EXPECT_EQ(desc[0]["name"], "name54");

    json status =
        c.call("GET", kB + "list/0/20?sort_by=status&order_by=asc").json();
    EXPECT_EQ(status[0]["status"], "broadcasting");

    json found = c.call("GET", kB + "list/0/50?search=NAME1").json();
    EXPECT_EQ(found.size(), 10u);  // name10..name19, case-insensitive

    json none = c.call("GET", kB + "list/0/0").json();
    EXPECT_TRUE(none.is_array());
    EXPECT_TRUE(none.empty());

    EXPECT_EQ(c.call("GET", kB + "count").json(), json({{"number", 55}}));
    EXPECT_EQ(c.call("GET", kB + "active-live-stream-count").json(),
              json({{"number", 11}}));
    // Apps are separate.
    EXPECT_EQ(c.call("GET", "/Other/rest/v2/broadcasts/count").json()["number"],
              0);
}

TEST(RestApi, ClusterNodes)
{
    Harness h;
    for (const char* id : {"origin-1", "edge-1", "edge-2"}) {
        fo_node n{};
        std::strcpy(n.id, id);
        std::strcpy(n.ip, "10.0.0.1");
        n.http_port = 5080;
        n.rtmp_port = id[0] == 'o' ? 1935 : 0;
        n.role = id[0] == 'o' ? FO_ROLE_ORIGIN : FO_ROLE_EDGE;
        std::strcpy(n.node_group, "default");
        n.cpu = 25.5;
        n.mem_percent = 50.25;
        n.process_rss = 1 << 20;
        n.active_streams = 2;
        n.viewers = 7;
        fo_error err{};
        ASSERT_EQ(fo_node_heartbeat(h.store, &n, &err), FO_OK) << err.msg;
    }
    Client c(h.port);
    json nodes = c.call("GET", "/rest/v2/cluster/nodes/0/10").json();
    ASSERT_EQ(nodes.size(), 3u);
    EXPECT_EQ(nodes[0]["id"], "edge-1");  // ordered by id
    json o = nodes[2];
    EXPECT_EQ(o["id"], "origin-1");
    EXPECT_EQ(o["status"], "alive");
    EXPECT_EQ(o["role"], "origin");
    EXPECT_EQ(o["rtmpPort"], 1935);
    EXPECT_EQ(o["httpPort"], 5080);
    EXPECT_EQ(o["cpu"], 25.5);
    EXPECT_EQ(o["memory"], 50.25);  // the machine's memory %
    EXPECT_EQ(o["processMemory"], 1 << 20);
    EXPECT_EQ(o["activeStreams"], 2);
    EXPECT_EQ(o["viewers"], 7);
    EXPECT_EQ(o["nodeGroup"], "default");
    EXPECT_GT(o["lastUpdateTime"].get<int64_t>(), 0);
    EXPECT_TRUE(o.contains("dbQueryAverageTimeMs"));
    EXPECT_EQ(c.call("GET", "/rest/v2/cluster/nodes/1/1").json()[0]["id"],
              "edge-2");

    EXPECT_EQ(c.call("GET", "/rest/v2/cluster/node-count").json()["number"], 3);
    EXPECT_EQ(c.call("GET", "/rest/v2/cluster/node/edge-2").json()["id"],
              "edge-2");
    EXPECT_EQ(
        c.call("DELETE", "/rest/v2/cluster/node/edge-2").json()["success"],
        true);
    EXPECT_EQ(c.call("DELETE", "/rest/v2/cluster/node/edge-2").status, 404);
    EXPECT_EQ(c.call("GET", "/rest/v2/cluster/node/edge-2").status, 404);
    EXPECT_EQ(c.call("GET", "/rest/v2/cluster/node-count").json()["number"], 2);
}

// The store's alerts in Ant Media's camelCase: active oldest first, the
// ended ones newest first.
TEST(RestApi, ClusterAlerts)
{
    Harness h;
    Client c(h.port);
    json empty = c.call("GET", "/rest/v2/cluster/alerts").json();
    EXPECT_EQ(empty["active"], json::array());
    EXPECT_EQ(empty["recent"], json::array());
    EXPECT_EQ(empty["thresholds"]["cpuPercent"], 80.0);  // the defaults
    EXPECT_EQ(empty["thresholds"]["nodeDeadAfterMs"], 20000);
    for (int i = 0; i < 3; i++) {
        fo_alert a{};
        std::snprintf(a.id, sizeof(a.id), "highCpu-%d", i);
        std::snprintf(a.rule, sizeof(a.rule), "highCpu");
        std::snprintf(a.subject, sizeof(a.subject), "origin-%d", i);
        std::snprintf(a.message, sizeof(a.message), "CPU 95 %% > 80 %%");
        a.value = 95;
        a.threshold = 80;
        a.started_ms = 1000 + i;
        a.ended_ms = i == 0 ? 0 : 5000 + i;
        fo_error err{};
        ASSERT_EQ(fo_alert_put(h.store, &a, &err), FO_OK) << err.msg;
    }
    json doc = c.call("GET", "/rest/v2/cluster/alerts").json();
    ASSERT_EQ(doc["active"].size(), 1u);
    ASSERT_EQ(doc["recent"].size(), 2u);
    json a = doc["active"][0];
    EXPECT_EQ(a["id"], "highCpu-0");
    EXPECT_EQ(a["rule"], "highCpu");
    EXPECT_EQ(a["subject"], "origin-0");
    EXPECT_EQ(a["value"], 95);
    EXPECT_EQ(a["threshold"], 80);
    EXPECT_EQ(a["startTime"], 1000);
    EXPECT_EQ(a["endTime"], 0);
    EXPECT_EQ(a["active"], true);
    EXPECT_EQ(a["message"], "CPU 95 % > 80 %");
    EXPECT_EQ(doc["recent"][0]["id"], "highCpu-2");
    EXPECT_EQ(doc["recent"][0]["endTime"], 5002);
    EXPECT_EQ(doc["recent"][0]["active"], false);
}

TEST(RestApi, SystemEndpoints)
{
    Harness h;
    Client c(h.port);
    json live = c.call("GET", "/rest/v2/liveness").json();
    EXPECT_EQ(live["status"], "ok");
    EXPECT_EQ(live["host"], "node-a");
    EXPECT_GE(live["uptimeMs"].get<int64_t>(), 5000);

    json v = c.call("GET", "/rest/v2/version").json();
    EXPECT_EQ(v["versionName"], "9.8.7");
    EXPECT_EQ(v["versionType"], "Community Edition");
    EXPECT_TRUE(v.contains("buildNumber"));

    Reply sr = c.call("GET", "/rest/v2/system-resources");
    ASSERT_EQ(sr.status, 200) << sr.body;
    json s = sr.json();
    EXPECT_GT(s["systemInfo"]["processorCount"].get<int>(), 0);
    EXPECT_GT(s["systemMemoryInfo"]["totalMemory"].get<uint64_t>(), 0u);
    EXPECT_GT(s["processMemoryInfo"]["residentMemory"].get<uint64_t>(), 0u);
    EXPECT_GT(s["fileSystemInfo"]["totalSpace"].get<uint64_t>(), 0u);
    double load = s["cpuUsage"]["systemCPULoad"];
    EXPECT_GE(load, 0.0);
    EXPECT_LE(load, 100.0);
    EXPECT_EQ(s["totalLiveStreamSize"], 1);
}

TEST(RestApi, PrometheusMetrics)
{
    Harness h;
    h.metrics.bytes_in = 12345;
    h.metrics.publishers = 2;
    Client c(h.port);
    c.call("GET", "/LiveApp/streams/s1.m3u8");
    c.call("GET", kB + "count");
    Reply r = c.call("GET", "/metrics");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.header("content-type").rfind("text/plain; version=0.0.4", 0),
              0u);
    const std::string& t = r.body;
    for (const char* line :
         {"# TYPE fanout_streams gauge\nfanout_streams 1\n",
          "# TYPE fanout_publishers gauge\nfanout_publishers 2\n",
          "fanout_bytes_in_total 12345\n", "fanout_segments_total 42\n",
          "fanout_http_requests_total 3\n", "fanout_segment_requests_total 1\n",
          "fanout_http_connections 1\n",
          "# TYPE fanout_store_query_avg_ms gauge\n",
          "# HELP fanout_http_requests_total ",
          "fanout_build_info{version=\"9.8.7\",node=\"node-a\"} 1\n"}) {
        EXPECT_NE(t.find(line), std::string::npos) << line << "\n---\n" << t;
    }
    EXPECT_NE(t.find("fanout_store_queries_total "), std::string::npos);
}

TEST(RestApi, AllowlistGuardsRestAndMetricsOnly)
{
    Harness h;  // rest_allowed = 127.0.0.1/32
    Client outsider(h.port, "127.0.0.2");
    for (const std::string& p :
         {kB + "count", std::string("/rest/v2/version"),
          std::string("/rest/v2/cluster/node-count"),
          std::string("/rest/v2/cluster/alerts"), std::string("/metrics"),
          std::string("/NoSuchApp/rest/v2/broadcasts/count")}) {
        Reply r = outsider.call("GET", p);
        EXPECT_EQ(r.status, 403) << p;
        EXPECT_EQ(r.json()["success"], false);
    }
    EXPECT_EQ(outsider.call("POST", kB + "create", "{}").status, 403);
    EXPECT_EQ(outsider.call("GET", "/rest/v2/liveness").status, 200);
    EXPECT_EQ(outsider.call("GET", "/LiveApp/streams/s1.m3u8").status, 200);
    Client insider(h.port);
    EXPECT_EQ(insider.call("GET", kB + "count").status, 200);
    EXPECT_EQ(insider.call("GET", "/metrics").status, 200);
}

TEST(RestApi, StoreFailureIs503WithRetryAfter)
{
    Harness h;
    Client c(h.port);
    ASSERT_EQ(c.call("GET", kB + "count").status, 200);
    // Break the database under the store: its next queries fail.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((h.dir() + "/cluster.db").c_str(), &db), SQLITE_OK);
    char* msg = nullptr;
    ASSERT_EQ(sqlite3_exec(db, "DROP TABLE broadcast", nullptr, nullptr, &msg),
              SQLITE_OK)
        << (msg ? msg : "");
    sqlite3_close(db);

    for (const auto& [method, path] :
         std::vector<std::pair<std::string, std::string>>{
             {"GET", kB + "count"},
             {"GET", kB + "s1"},
             {"GET", kB + "list/0/5"},
             {"POST", kB + "create"}}) {
        Reply r = c.call(method, path, method == "POST" ? "{}" : "");
        EXPECT_EQ(r.status, 503) << method << " " << path << ": " << r.body;
        EXPECT_EQ(r.header("retry-after"), "5");
        EXPECT_EQ(r.json()["success"], false);
    }
    EXPECT_GE(h.metrics.store_errors_total.load(), 4u);
    EXPECT_EQ(c.call("GET", "/rest/v2/liveness").status,
              200);  // no store needed
}

}  // namespace
}  // namespace fanout::http::testing
