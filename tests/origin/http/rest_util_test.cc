// tests/origin/http/rest_util_test.cc — what REST failures tell a client:
// a 503 or 500 carries no store text, path or exception message (they go
// to the log), and still counts.
#include "http/rest_util.h"

#include <gtest/gtest.h>

#include <cstring>

namespace fanout::http {
namespace {

std::string body_of(const Response& r)
{
    std::string out;
    r.body->for_each(0, r.body->size(), [&](const uint8_t* d, size_t n) {
        out.append(reinterpret_cast<const char*>(d), n);
    });
    return out;
}

TEST(RestUtil, StoreFailureKeepsTheStoreTextInside)
{
    Metrics metrics;
    fo_error err{};
    std::strcpy(err.msg,
                "sqlite: unable to open /var/lib/fanout/cluster.db: "
                "mongodb://admin:s3cret@db");
    Response r = store_failure(metrics, FO_ERR, err, "");
    EXPECT_EQ(r.status, 503);
    const std::string body = body_of(r);
    EXPECT_EQ(nlohmann::json::parse(body),
              (nlohmann::json{{"success", false},
                              {"message", "cluster store unavailable"}}));
    EXPECT_EQ(body.find("/var/lib"), std::string::npos);
    EXPECT_EQ(body.find("s3cret"), std::string::npos);
    EXPECT_EQ(metrics.store_errors_total.load(), 1u);
    bool retry_after = false;
    for (const auto& [name, value] : r.headers) {
        retry_after |= name == "Retry-After";
    }
    EXPECT_TRUE(retry_after);
    // A client's own mistakes still say what was wrong.
    EXPECT_EQ(
        store_failure(metrics, FO_NOT_FOUND, err, "no broadcast x").status,
        404);
}

TEST(RestUtil, InternalErrorsSayNoMore)
{
    Response r = internal_error("std::bad_alloc at /src/origin/x.cc:12");
    EXPECT_EQ(r.status, 500);
    EXPECT_EQ(body_of(r), R"({"message":"internal error","success":false})");
}

}  // namespace
}  // namespace fanout::http
