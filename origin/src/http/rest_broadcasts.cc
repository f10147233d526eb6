// The broadcast half of the REST API (see rest_api.h).
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <optional>
#include <random>

#include "auth/broadcast_cap.h"
#include "core/log.h"
#include "core/stream_key.h"
#include "http/broadcast_json.h"
#include "http/rest_api.h"
#include "http/rest_util.h"

namespace fanout::http {

namespace {

using nlohmann::json;

bool is_get(const Request& r)
{
    return r.method == Method::Get || r.method == Method::Head;
}

// Ant Media generates 24 digits; letters make collisions rarer still.
std::string random_stream_id()
{
    static const char alphabet[] =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    thread_local std::mt19937_64 rng{std::random_device{}()};
    std::uniform_int_distribution<size_t> pick(0, sizeof(alphabet) - 2);
    std::string id(20, '0');
    for (char& c : id) {
        c = alphabet[pick(rng)];
    }
    return id;
}

void copy_id(char* dst, size_t cap, const std::string& src)
{
    std::snprintf(dst, cap, "%s", src.c_str());
}

Response bad_id(const std::string& id)
{
    return Response::error(
        400, "invalid stream id '" + id + "': use 1-127 of [A-Za-z0-9_.-]");
}

// Reads key's broadcast into *b (on the pool); the answer when it cannot.
std::optional<Response> fetch(fo_store* store, Metrics& metrics,
                              const StreamKey& key, fo_broadcast* b)
{
    fo_error err{};
    fo_status st =
        fo_broadcast_get(store, key.app.c_str(), key.id.c_str(), b, &err);
    if (st != FO_OK) {
        return store_failure(metrics, st, err, "no broadcast " + key.id);
    }
    return std::nullopt;
}

// ?sort_by=name|date|status&order_by=asc|desc&search=text of a list.
struct ListQuery {
    fo_sort sort = FO_SORT_NONE;
    bool descending = false;
    std::optional<std::string> search;
};

Result<ListQuery> parse_list_query(const Request& req)
{
    static const std::pair<std::string_view, fo_sort> sorts[] = {
        {"name", FO_SORT_NAME},
        {"date", FO_SORT_DATE},
        {"status", FO_SORT_STATUS}};
    ListQuery q;
    if (const std::string* s = req.query_param("sort_by"); s && !s->empty()) {
        auto it = std::find_if(std::begin(sorts), std::end(sorts),
                               [s](const auto& e) { return e.first == *s; });
        if (it == std::end(sorts)) {
            return Error("sort_by must be name, date or status");
        }
        q.sort = it->second;
    }
    if (const std::string* o = req.query_param("order_by"); o && !o->empty()) {
        if (*o != "asc" && *o != "desc") {
            return Error("order_by must be asc or desc");
        }
        q.descending = *o == "desc";
    }
    if (const std::string* s = req.query_param("search"); s && !s->empty()) {
        if (s->size() >= FO_NAME_MAX) {
            return Error("search text is too long");
        }
        q.search = *s;
    }
    return q;
}

}  // namespace

RestApi::RestApi(OriginContext& ctx)
    : ctx_(ctx), sampler_(std::make_shared<SystemSampler>("/"))
{
}

void RestApi::broadcasts(const std::string& app,
                         const std::vector<std::string>& segs, Request& req,
                         Respond respond)
{
    const std::string first = segs.empty() ? std::string() : segs[0];
    if (segs.size() == 1 && first == "create") {
        if (req.method != Method::Post) {
            return respond(method_not_allowed("POST"));
        }
        return create(app, req, std::move(respond));
    }
    if (segs.size() == 1
        && (first == "count" || first == "active-live-stream-count")) {
        if (!is_get(req)) {
            return respond(method_not_allowed("GET, HEAD"));
        }
        return count(app, first != "count", "", std::move(respond));
    }
    // Ant Media's count/{search}: the broadcasts whose name or id holds it.
    if (segs.size() == 2 && first == "count" && !segs[1].empty()) {
        if (!is_get(req)) {
            return respond(method_not_allowed("GET, HEAD"));
        }
        if (segs[1].size() >= FO_NAME_MAX) {
            return respond(Response::error(400, "search text is too long"));
        }
        return count(app, false, segs[1], std::move(respond));
    }
    if (segs.size() == 3 && first == "list") {
        if (!is_get(req)) {
            return respond(method_not_allowed("GET, HEAD"));
        }
        return list(app, segs[1], segs[2], req, std::move(respond));
    }
    if (segs.size() == 1 && !first.empty() && first != "list") {
        return broadcast(app, first, req, std::move(respond));
    }
    if (segs.size() == 2 && (segs[1] == "token" || segs[1] == "jwt-token")) {
        if (!is_get(req)) {
            return respond(method_not_allowed("GET, HEAD"));
        }
        Result<StreamKey> key = StreamKey::parse(app, first);
        if (!key) {
            return respond(bad_id(first));
        }
        return issue_token(key.value(), segs[1] == "jwt-token", req,
                           std::move(respond));
    }
    if (segs.size() == 2 && segs[1] == "stop") {
        if (req.method != Method::Post) {
            return respond(method_not_allowed("POST"));
        }
        Result<StreamKey> key = StreamKey::parse(app, first);
        if (!key) {
            return respond(bad_id(first));
        }
        return stop(key.value(), std::move(respond));
    }
    if (segs.size() == 2 && segs[1] == "sessions") {
        if (!is_get(req)) {
            return respond(method_not_allowed("GET, HEAD"));
        }
        Result<StreamKey> key = StreamKey::parse(app, first);
        if (!key) {
            return respond(bad_id(first));
        }
        return sessions(key.value(), std::move(respond));
    }
    respond(Response::error(404, "no such REST resource"));
}

void RestApi::broadcast(const std::string& app, const std::string& id,
                        Request& req, Respond respond)
{
    bool put = req.method == Method::Put;
    bool del = req.method == Method::Delete;
    if (!is_get(req) && !put && !del) {
        return respond(method_not_allowed("GET, HEAD, PUT, DELETE"));
    }
    Result<StreamKey> key = StreamKey::parse(app, id);
    if (!key) {
        return respond(bad_id(id));
    }
    if (put) {
        return update(key.value(), req, std::move(respond));
    }
    if (del) {
        return remove(key.value(), std::move(respond));
    }
    get(key.value(), std::move(respond));
}

namespace {

// broadcast.max_per_app (auth/broadcast_cap.h): 403 and a message when
// the application is full, the store's failure when it cannot count.
std::optional<Response> refuse_at_cap(Metrics& metrics, fo_store* store,
                                      const std::string& app, int64_t cap)
{
    auth::CapVerdict v = auth::check_broadcast_cap(store, app, cap);
    if (v.check == auth::CapCheck::Full) {
        metrics.broadcast_limit_refusals.rest++;
        log::info("REST create refused: " + v.why);
        return Response::error(403, "too many broadcasts: " + v.why);
    }
    if (v.check == auth::CapCheck::Unavailable) {
        fo_error err{};
        err.code = FO_ERR;
        std::snprintf(err.msg, sizeof(err.msg), "%s", v.why.c_str());
        return store_failure(metrics, FO_ERR, err, "");
    }
    return std::nullopt;
}

}  // namespace

void RestApi::create(const std::string& app, Request& req, Respond respond)
{
    auto patch = parse_broadcast_patch(req.body);
    if (!patch.ok()) {
        return respond(Response::error(400, patch.error().message()));
    }
    bool generate = !patch->stream_id.has_value() || patch->stream_id->empty();
    if (!generate && !StreamKey::parse(app, *patch->stream_id)) {
        return respond(bad_id(*patch->stream_id));
    }
    auto b = std::make_shared<fo_broadcast>();
    std::memset(b.get(), 0, sizeof(*b));
    if (Status st = patch_to_new_broadcast(patch.value(), b.get()); !st) {
        return respond(Response::error(400, st.error().message()));
    }
    copy_id(b->app, sizeof(b->app), app);
    if (!generate) {
        copy_id(b->stream_id, sizeof(b->stream_id), *patch->stream_id);
    }
    fo_store* store = ctx_.store;
    Metrics* metrics = &ctx_.metrics;
    run_blocking(
        ctx_,
        [store, metrics, b, generate,
         cap = ctx_.config.broadcast_max_per_app]() -> Response {
            fo_error err{};
            fo_status st;
            if (auto r = refuse_at_cap(*metrics, store, b->app, cap)) {
                return std::move(*r);
            }
            // A generated id that collides is simply drawn again.
            for (int attempt = 0;; attempt++) {
                if (generate) {
                    copy_id(b->stream_id, sizeof(b->stream_id),
                            random_stream_id());
                }
                st = fo_broadcast_create(store, b.get(), &err);
                if (!(generate && st == FO_CONFLICT && attempt < 3)) {
                    break;
                }
            }
            if (st == FO_CONFLICT) {
                return Response::error(409, std::string("broadcast ")
                                                + b->stream_id
                                                + " already exists");
            }
            if (st != FO_OK) {
                return store_failure(*metrics, st, err, "");
            }
            fo_broadcast created{};
            st = fo_broadcast_get(store, b->app, b->stream_id, &created, &err);
            if (st != FO_OK) {
                return store_failure(*metrics, st, err,
                                     "created broadcast vanished");
            }
            return Response::json(200, broadcast_to_json(created));
        },
        std::move(respond));
}

void RestApi::sessions(const StreamKey& key, Respond respond)
{
    fo_store* store = ctx_.store;
    Metrics* metrics = &ctx_.metrics;
    run_blocking(
        ctx_,
        [store, metrics, key]() -> Response {
            std::vector<fo_session> rows(kMaxListSize);
            size_t n = 0;
            fo_error err{};
            fo_status st =
                fo_stream_history(store, key.app.c_str(), key.id.c_str(), 0,
                                  rows.data(), rows.size(), &n, &err);
            if (st != FO_OK) {
                return store_failure(*metrics, st, err,
                                     "no broadcast " + key.id);
            }
            return rows_answer(rows, n, session_to_json);
        },
        std::move(respond));
}

void RestApi::get(const StreamKey& key, Respond respond)
{
    fo_store* store = ctx_.store;
    Metrics* metrics = &ctx_.metrics;
    run_blocking(
        ctx_,
        [store, metrics, key]() -> Response {
            auto b = std::make_unique<fo_broadcast>();
            if (auto failed = fetch(store, *metrics, key, b.get())) {
                return *failed;
            }
            return Response::json(200, broadcast_to_json(*b));
        },
        std::move(respond));
}

void RestApi::update(const StreamKey& key, Request& req, Respond respond)
{
    auto parsed = parse_broadcast_patch(req.body);
    if (!parsed.ok()) {
        return respond(Response::error(400, parsed.error().message()));
    }
    if (parsed->stream_id && *parsed->stream_id != key.id) {
        return respond(Response::error(
            400, "streamId in the body differs from the one in the path"));
    }
    auto patch = std::make_shared<BroadcastPatch>(std::move(parsed.value()));
    fo_store* store = ctx_.store;
    Metrics* metrics = &ctx_.metrics;
    run_blocking(
        ctx_,
        [store, metrics, key, patch]() -> Response {
            // Read, apply, write: the viewer counts share one mask bit and the
            // extra fields are merged, so the current record is needed.
            auto b = std::make_unique<fo_broadcast>();
            if (auto failed = fetch(store, *metrics, key, b.get())) {
                return *failed;
            }
            auto mask = patch_onto_broadcast(*patch, b.get());
            if (!mask.ok()) {
                return Response::error(400, mask.error().message());
            }
            fo_error err{};
            fo_status st =
                fo_broadcast_update(store, b.get(), mask.value(), &err);
            if (st != FO_OK) {
                return store_failure(*metrics, st, err,
                                     "no broadcast " + key.id);
            }
            return success(key.id);
        },
        std::move(respond));
}

void RestApi::list(const std::string& app, const std::string& offset_text,
                   const std::string& size_text, Request& req, Respond respond)
{
    Result<Page> page = parse_page(offset_text, size_text);
    if (!page) {
        return respond(Response::error(400, page.error().message()));
    }
    Result<ListQuery> query = parse_list_query(req);
    if (!query) {
        return respond(Response::error(400, query.error().message()));
    }
    Page p = page.value();
    ListQuery lq = std::move(query.value());
    fo_store* store = ctx_.store;
    Metrics* metrics = &ctx_.metrics;
    run_blocking(
        ctx_,
        [store, metrics, app, p, lq]() -> Response {
            fo_list_query q{lq.sort, lq.descending ? 1 : 0,
                            lq.search ? lq.search->c_str() : nullptr};
            std::vector<fo_broadcast> rows(p.size);
            size_t n = 0;
            fo_error err{};
            fo_status st = fo_broadcast_list(store, app.c_str(), &q, p.offset,
                                             rows.data(), p.size, &n, &err);
            if (st != FO_OK) {
                return store_failure(*metrics, st, err, "");
            }
            return rows_answer(rows, n, broadcast_to_json);
        },
        std::move(respond));
}

void RestApi::count(const std::string& app, bool active,
                    const std::string& search, Respond respond)
{
    fo_store* store = ctx_.store;
    run_count(
        ctx_,
        [store, app, active, search](int64_t* n, fo_error* err) {
            return active
                       ? fo_broadcast_count_active(store, app.c_str(), n, err)
                       : fo_broadcast_count(
                           store, app.c_str(),
                           search.empty() ? nullptr : search.c_str(), n, err);
        },
        number_answer, std::move(respond));
}

}  // namespace fanout::http
