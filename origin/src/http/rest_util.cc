#include "http/rest_util.h"

#include <algorithm>

#include "core/log.h"

namespace fanout::http {

Response store_failure(Metrics& metrics, fo_status st, const fo_error& err,
                       std::string_view not_found)
{
    switch (st) {
        case FO_OK:
            return Response::error(500, "internal error: store call succeeded");
        case FO_NOT_FOUND:
            return Response::error(404, not_found);
        case FO_CONFLICT:
            return Response::error(409, err.msg);
        case FO_ERR_INVALID:
            return Response::error(400, err.msg);
        case FO_ERR:
            break;
    }
    // The store's own text (hosts, file paths, driver errors) goes to the
    // log, never to the client.
    metrics.store_errors_total++;
    log::warn(std::string("http: store: ") + err.msg);
    Response r = Response::error(503, "cluster store unavailable");
    r.add_header("Retry-After", "5");
    return r;
}

Response internal_error(std::string_view what)
{
    log::error("http: REST: " + std::string(what));
    return Response::error(500, "internal error");
}

Response rest_busy(Metrics& metrics)
{
    metrics.rest_busy_total++;
    Response r = Response::json(
        503, {{"success", false},
              {"message", "the origin's REST queue is full; retry later"},
              {"errorId", 503}});
    r.add_header("Retry-After", "1");
    return r;
}

Response success(std::string_view data_id)
{
    return Response::json(200, {{"success", true},
                                {"message", ""},
                                {"dataId", data_id},
                                {"errorId", 0}});
}

Response method_not_allowed(std::string_view allow)
{
    Response r =
        Response::error(405, "method not allowed; use " + std::string(allow));
    r.add_header("Allow", std::string(allow));
    return r;
}

std::optional<size_t> parse_index(std::string_view s)
{
    if (s.empty() || s.size() > 9) {
        return std::nullopt;
    }
    size_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        v = v * 10 + size_t(c - '0');
    }
    return v;
}

Result<Page> parse_page(std::string_view offset, std::string_view size)
{
    std::optional<size_t> o = parse_index(offset);
    std::optional<size_t> n = parse_index(size);
    if (!o || !n) {
        return Error("offset and size must be non-negative integers");
    }
    return Page{*o, std::min(*n, kMaxListSize)};
}

Result<int64_t> parse_expire_date(const std::string* text, int64_t now_s)
{
    if (text == nullptr || text->empty()) {
        return Error("expireDate is required (Unix seconds)");
    }
    int64_t v = 0;
    for (char c : *text) {
        if (c < '0' || c > '9' || v > kMaxTokenLifetimeS * 1000) {
            return Error("expireDate must be Unix seconds");
        }
        v = v * 10 + (c - '0');
    }
    if (v <= now_s) {
        return Error("expireDate must be in the future");
    }
    if (v - now_s > kMaxTokenLifetimeS) {
        return Error("expireDate must be within 366 days");
    }
    return v;
}

}  // namespace fanout::http
