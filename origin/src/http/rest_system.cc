// The cluster and system half of the REST API (see rest_api.h), and
// /metrics.
#include <sys/utsname.h>
#include <chrono>

#include "alerts/alert_record.h"
#include "http/broadcast_json.h"
#include "http/metrics_text.h"
#include "http/rest_api.h"
#include "http/rest_util.h"
#include "package/segment_store.h"

#ifndef FANOUT_BUILD_NUMBER
#define FANOUT_BUILD_NUMBER "dev"
#endif

namespace fanout::http {

namespace {

using nlohmann::json;

bool is_get(const Request& r)
{
    return r.method == Method::Get || r.method == Method::Head;
}

int64_t wall_ms()
{
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

void RestApi::global(const std::vector<std::string>& segs, Request& req,
                     Respond respond)
{
    const size_t n = segs.size();
    if (n == 1 && (segs[0] == "system-resources" || segs[0] == "version")) {
        if (!is_get(req)) {
            return respond(method_not_allowed("GET, HEAD"));
        }
        if (segs[0] == "version") {
            return version(std::move(respond));
        }
        return system_resources(std::move(respond));
    }
    // Ant Media's application list: {"applications":[names]}.
    if (n == 1 && segs[0] == "applications") {
        if (!is_get(req)) {
            return respond(method_not_allowed("GET, HEAD"));
        }
        return respond(
            Response::json(200, {{"applications", ctx_.config.apps}}));
    }
    if (n == 3 && segs[0] == "applications" && segs[1] == "settings") {
        return app_settings(segs[2], req, std::move(respond));
    }
    if (n >= 2 && segs[0] == "cluster") {
        if (n == 4 && segs[1] == "nodes") {
            if (!is_get(req)) {
                return respond(method_not_allowed("GET, HEAD"));
            }
            return nodes(segs[2], segs[3], std::move(respond));
        }
        if (n == 2 && segs[1] == "node-count") {
            if (!is_get(req)) {
                return respond(method_not_allowed("GET, HEAD"));
            }
            return node_count(std::move(respond));
        }
        if (n == 3 && segs[1] == "node") {
            return node(segs[2], req, std::move(respond));
        }
        if (n == 2 && segs[1] == "node-history") {
            return node_history("", req, std::move(respond));
        }
        if (n == 4 && segs[1] == "node" && segs[3] == "history") {
            return node_history(segs[2], req, std::move(respond));
        }
        if (n == 2 && segs[1] == "alerts") {
            if (!is_get(req)) {
                return respond(method_not_allowed("GET, HEAD"));
            }
            return cluster_alerts(std::move(respond));
        }
    }
    respond(Response::error(404, "no such REST resource"));
}

void RestApi::liveness(Request& req, Respond respond)
{
    if (!is_get(req)) {
        return respond(method_not_allowed("GET, HEAD"));
    }
    // No store call: a load balancer asks whether this process serves, and
    // a slow store must not take every origin out of rotation.
    respond(Response::json(200, {{"status", "ok"},
                                 {"host", ctx_.node_id},
                                 {"version", ctx_.version},
                                 {"time", wall_ms()},
                                 {"uptimeMs", wall_ms() - ctx_.started_ms}}));
}

void RestApi::version(Respond respond)
{
    respond(Response::json(200, {{"versionName", ctx_.version},
                                 {"versionType", "Community Edition"},
                                 {"buildNumber", FANOUT_BUILD_NUMBER}}));
}

void RestApi::nodes(const std::string& offset_text,
                    const std::string& size_text, Respond respond)
{
    Result<Page> page = parse_page(offset_text, size_text);
    if (!page) {
        return respond(Response::error(400, page.error().message()));
    }
    Page p = page.value();
    fo_store* store = ctx_.store;
    Metrics* metrics = &ctx_.metrics;
    run_blocking(
        ctx_,
        [store, metrics, p]() -> Response {
            std::vector<fo_node> rows(p.size);
            size_t n = 0;
            fo_error err{};
            fo_status st =
                fo_node_list(store, p.offset, rows.data(), p.size, &n, &err);
            if (st != FO_OK) {
                return store_failure(*metrics, st, err, "");
            }
            return rows_answer(rows, n, node_to_json);
        },
        std::move(respond));
}

void RestApi::node_count(Respond respond)
{
    fo_store* store = ctx_.store;
    run_count(
        ctx_,
        [store](int64_t* n, fo_error* err) {
            return fo_node_count(store, n, err);
        },
        number_answer, std::move(respond));
}

void RestApi::node(const std::string& id, Request& req, Respond respond)
{
    bool del = req.method == Method::Delete;
    if (!del && !is_get(req)) {
        return respond(method_not_allowed("GET, HEAD, DELETE"));
    }
    if (!fo_valid_id_len(id.data(), id.size(), FO_ID_MAX)) {
        return respond(Response::error(400, "invalid node id '" + id + "'"));
    }
    fo_store* store = ctx_.store;
    Metrics* metrics = &ctx_.metrics;
    run_blocking(
        ctx_,
        [store, metrics, id, del]() -> Response {
            fo_error err{};
            if (del) {
                fo_status st = fo_node_delete(store, id.c_str(), &err);
                if (st != FO_OK) {
                    return store_failure(*metrics, st, err, "no node " + id);
                }
                return success(id);
            }
            fo_node n{};
            fo_status st = fo_node_get(store, id.c_str(), &n, &err);
            if (st != FO_OK) {
                return store_failure(*metrics, st, err, "no node " + id);
            }
            return Response::json(200, node_to_json(n));
        },
        std::move(respond));
}

// Fanout's own: the alerts the evaluating origin keeps in the store,
// {"active": [...], "recent": [...], "thresholds": {...}}: every active
// one, oldest first, the last FO_ALERT_KEEP ended, newest first
// (alerts/alert_record.h), and the rules' thresholds as this origin's
// alerts.* keys set them, with the store's dead-node window
// (nodeDeadAfterMs), so that the console marks what the rules raise.
void RestApi::cluster_alerts(Respond respond)
{
    fo_store* store = ctx_.store;
    Metrics* metrics = &ctx_.metrics;
    json thresholds = alerts::thresholds_to_json(ctx_.config.alerts);
    run_blocking(
        ctx_,
        [store, metrics, thresholds]() -> Response {
            json out = json::object();
            out["thresholds"] = thresholds;
            out["thresholds"]["nodeDeadAfterMs"] =
                fo_store_dead_after_ms(store);
            std::vector<fo_alert> rows(FO_ALERT_KEEP * 10);
            for (int ended = 0; ended <= 1; ended++) {
                size_t n = 0;
                fo_error err{};
                fo_status st = fo_alert_list(
                    store, ended, rows.data(),
                    ended ? FO_ALERT_KEEP : rows.size(), &n, &err);
                if (st != FO_OK) {
                    return store_failure(*metrics, st, err, "");
                }
                json list = json::array();
                for (size_t i = 0; i < n; i++) {
                    list.push_back(
                        alerts::to_json(alerts::from_record(rows[i])));
                }
                out[ended ? "recent" : "active"] = std::move(list);
            }
            return Response::json(200, out);
        },
        std::move(respond));
}

void RestApi::system_resources(Respond respond)
{
    // sample() reads /proc and calls statvfs, which can stall on a sick
    // file system: keep it off the loop.
    std::shared_ptr<SystemSampler> sampler = sampler_;
    OriginContext* ctx = &ctx_;
    run_blocking(
        ctx_,
        [sampler, ctx]() -> Response {
            sample_metrics(*ctx);
            auto r = sampler->sample();
            if (!r.ok()) {
                return internal_error("system stats: " + r.error().message());
            }
            const SystemStats& s = r.value();
            utsname u{};
            uname(&u);
            // Ant Media's field names where it has them.
            return Response::json(
                200,
                {
                    {"cpuUsage",
                     {{"processCPUTime", s.process_cpu_time_ms * 1000},
                      {"processCPULoad", s.process_cpu_percent},
                      {"systemCPULoad", s.system_cpu_percent},
                      {"intervalMs", s.interval_ms}}},
                    {"systemInfo",
                     {{"osName", u.sysname},
                      {"osArch", u.machine},
                      {"processorCount", s.cpu_count}}},
                    {"systemMemoryInfo",
                     {{"virtualMemory", s.process_virtual_bytes},
                      {"totalMemory", s.mem_total_bytes},
                      {"freeMemory", s.mem_free_bytes},
                      {"availableMemory", s.mem_available_bytes},
                      {"inUseMemory",
                       s.mem_total_bytes - s.mem_available_bytes},
                      {"totalSwapSpace", s.swap_total_bytes},
                      {"freeSwapSpace", s.swap_free_bytes},
                      {"inUseSwapSpace",
                       s.swap_total_bytes - s.swap_free_bytes}}},
                    {"processMemoryInfo",
                     {{"residentMemory", s.process_rss_bytes},
                      {"virtualMemory", s.process_virtual_bytes}}},
                    {"fileSystemInfo",
                     {{"totalSpace", s.disk_total_bytes},
                      {"freeSpace", s.disk_free_bytes},
                      {"usableSpace", s.disk_available_bytes},
                      {"inUseSpace", s.disk_total_bytes - s.disk_free_bytes}}},
                    {"totalLiveStreamSize", ctx->metrics.streams.load()},
                });
        },
        std::move(respond));
}

void RestApi::metrics(Request& req, Respond respond)
{
    if (!is_get(req)) {
        return respond(method_not_allowed("GET, HEAD"));
    }
    OriginContext* ctx = &ctx_;
    run_blocking(
        ctx_,
        [ctx]() -> Response {
            sample_metrics(*ctx);
            return Response::text(
                200,
                render_metrics(ctx->metrics, ctx->version, ctx->node_id)
                    + render_stream_ages(ctx->segments.stream_ages()),
                "text/plain; version=0.0.4; charset=utf-8");
        },
        std::move(respond));
}

}  // namespace fanout::http
