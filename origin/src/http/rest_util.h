// http/rest_util.h — what the REST handlers share: running store calls on
// the blocking pool, turning store statuses into HTTP answers, small
// argument parsers.
#pragma once

#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/origin_context.h"
#include "fanout/store.h"
#include "http/handler.h"
#include "http/response.h"

namespace fanout::http {

// Ant Media's MAX_ITEM_IN_ONE_LIST: list sizes are capped to this.
constexpr size_t kMaxListSize = 50;

// A 500 whose cause (an exception's text, a path) is logged, not sent.
Response internal_error(std::string_view what);

// The answer when the REST lane's queue is full: 503, Retry-After, counted.
Response rest_busy(Metrics& metrics);

// Runs work() (returning a Response) on ctx.pool, the REST lane, where it
// may block on the store, then answers on the event loop.  An exception in
// work() becomes a 500 instead of killing a pool thread.  When the lane
// already holds http.rest_queue_max requests, nothing runs: rest_busy().
template <class Work>
void run_blocking(OriginContext& ctx, Work work, Respond respond)
{
    if (ctx.pool.full()) {
        return respond(rest_busy(ctx.metrics));
    }
    ctx.pool.run(
        [work = std::move(work)]() mutable -> Response {
            try {
                return work();
            } catch (const std::exception& e) {
                return internal_error(e.what());
            }
        },
        [respond = std::move(respond)](Response r) mutable {
            respond(std::move(r));
        });
}

// The answer for a failed store call.  FO_NOT_FOUND → 404 (not_found is
// the message), FO_CONFLICT → 409, FO_ERR_INVALID → 400; FO_ERR is the
// store's trouble, not the client's: 503 with Retry-After, counted and
// logged; its body says only "cluster store unavailable" (the store's
// text may name hosts and paths).  Call from the pool thread or the loop.
Response store_failure(Metrics& metrics, fo_status st, const fo_error& err,
                       std::string_view not_found);

// A count from the store, on the REST lane: count(&n, &err) is the store
// call (fo_node_count, fo_user_count, ...), answer(n) the response; a
// failed call answers store_failure().
template <class Count, class Answer>
void run_count(OriginContext& ctx, Count count, Answer answer, Respond respond)
{
    Metrics* metrics = &ctx.metrics;
    run_blocking(
        ctx,
        [count = std::move(count), answer = std::move(answer),
         metrics]() -> Response {
            int64_t n = 0;
            fo_error err{};
            fo_status st = count(&n, &err);
            if (st != FO_OK) {
                return store_failure(*metrics, st, err, "");
            }
            return answer(n);
        },
        std::move(respond));
}

// Ant Media's {"number":n}, the answer of its count endpoints.
inline Response number_answer(int64_t n)
{
    return Response::json(200, {{"number", n}});
}

// {"success":true,"message":"","dataId":id,"errorId":0}: Ant Media's Result.
Response success(std::string_view data_id = "");

// 405 with the Allow header.
Response method_not_allowed(std::string_view allow);

// 200 with a JSON array of the first n rows of a store listing.
template <class Row, class ToJson>
Response rows_answer(const std::vector<Row>& rows, size_t n, ToJson to_json)
{
    nlohmann::json out = nlohmann::json::array();
    for (size_t i = 0; i < n && i < rows.size(); i++) {
        out.push_back(to_json(rows[i]));
    }
    return Response::json(200, out);
}

// Non-negative decimal index from a path segment, at most 9 digits.
std::optional<size_t> parse_index(std::string_view s);

// The "{offset}/{size}" of a list path; size capped to kMaxListSize.
struct Page {
    size_t offset = 0;
    size_t size = 0;
};
Result<Page> parse_page(std::string_view offset, std::string_view size);

// Ant Media's ?expireDate= of a token: Unix seconds, after now_s and at
// most kMaxTokenLifetimeS after it.  nullptr or "": required.
inline constexpr int64_t kMaxTokenLifetimeS = 366LL * 24 * 3600;
Result<int64_t> parse_expire_date(const std::string* text, int64_t now_s);

}  // namespace fanout::http
