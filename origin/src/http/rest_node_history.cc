// GET /rest/v2/cluster/node-history and /rest/v2/cluster/node/{id}/history
// (Fanout's own, rest_api.h): the node samples the alert evaluator keeps
// in the store (alerts/node_history.h), so every origin answers the same.
#include <charconv>
#include <vector>

#include "alerts/node_history.h"
#include "http/rest_api.h"
#include "http/rest_util.h"

namespace fanout::http {

namespace {

// One answer's bound: over 400 nodes of 120 samples (5 MB of rows).
constexpr size_t kMaxSamples = 50000;

// ?since=<Unix ms>: only newer samples (a console that has the rest);
// absent: the whole window.  nullopt when malformed.
std::optional<int64_t> since_param(const Request& req)
{
    const std::string* s = req.query_param("since");
    if (s == nullptr || s->empty()) {
        return int64_t{0};
    }
    int64_t v = 0;
    auto [end, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
    if (ec != std::errc() || end != s->data() + s->size() || v < 0) {
        return std::nullopt;
    }
    return v;
}

}  // namespace

void RestApi::node_history(const std::string& id, Request& req, Respond respond)
{
    if (req.method != Method::Get && req.method != Method::Head) {
        return respond(method_not_allowed("GET, HEAD"));
    }
    if (!id.empty() && !fo_valid_id_len(id.data(), id.size(), FO_ID_MAX)) {
        return respond(Response::error(400, "invalid node id '" + id + "'"));
    }
    std::optional<int64_t> since = since_param(req);
    if (!since) {
        return respond(
            Response::error(400, "since must be a time in Unix milliseconds"));
    }
    fo_store* store = ctx_.store;
    Metrics* metrics = &ctx_.metrics;
    int interval = ctx_.config.alerts.sample_interval_ms;
    int64_t from = *since;
    run_blocking(
        ctx_,
        [store, metrics, id, interval, from]() -> Response {
            fo_error err{};
            int64_t now = 0;
            fo_status st = fo_store_now(store, &now, &err);
            if (st != FO_OK) {
                return store_failure(*metrics, st, err, "");
            }
            int64_t since = std::max(from, now - FO_SAMPLE_KEEP_MS);
            std::vector<fo_node_sample> rows(kMaxSamples);
            size_t n = 0;
            st = fo_node_samples(store, id.empty() ? nullptr : id.c_str(),
                                 since, rows.data(), rows.size(), &n, &err);
            if (st != FO_OK) {
                return store_failure(*metrics, st, err, "");
            }
            return Response::json(
                200,
                alerts::history_json(rows.data(), n, interval, since, now));
        },
        std::move(respond));
}

}  // namespace fanout::http
