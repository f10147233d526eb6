// StreamKey and the one naming rule, against the table every validator's
// tests share (tests/data/stream_ids.tsv).
#include "core/stream_key.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "fanout/store.h"
#include "stream_ids_table.h"

namespace fanout {
namespace {

TEST(StreamKey, EveryRowOfTheSharedTable)
{
    FILE* f = std::fopen(FO_STREAM_IDS_TSV, "r");
    ASSERT_NE(f, nullptr) << FO_STREAM_IDS_TSV;
    fo_id_row row{};
    int rows = 0, rc;
    while ((rc = fo_id_row_next(f, &row)) == 1) {
        std::string_view name(reinterpret_cast<const char*>(row.name), row.len);
        std::string kind = row.kind;
        bool got =
            kind == "stream" ? valid_stream_id(name) : valid_app_name(name);
        EXPECT_EQ(got, row.valid == 1) << "line " << row.line << ": " << kind;
        // The C form agrees wherever the name is a C string.
        if (name.find('\0') == std::string_view::npos) {
            std::string s(name);
            size_t max = kind == "stream" ? FO_STREAM_MAX : FO_ID_MAX;
            EXPECT_EQ(fo_valid_id(s.c_str(), max) != 0, row.valid == 1)
                << "line " << row.line;
        }
        auto key = kind == "stream" ? StreamKey::parse("live", name)
                                    : StreamKey::parse(name, "s1");
        EXPECT_EQ(key.ok(), row.valid == 1) << "line " << row.line;
        rows++;
    }
    std::fclose(f);
    EXPECT_EQ(rc, 0) << "malformed line " << row.line;
    EXPECT_GT(rows, 50);
}

TEST(StreamKey, ErrorsNameThePartAndKeysCompare)
{
    auto bad_app = StreamKey::parse("a b", "s1");
    ASSERT_FALSE(bad_app.ok());
    EXPECT_EQ(bad_app.error().message(), "invalid application name");
    auto bad_id = StreamKey::parse("live", "..");
    ASSERT_FALSE(bad_id.ok());
    EXPECT_EQ(bad_id.error().message(), "invalid stream id");

    auto a = StreamKey::parse("live", "s1").value();
    auto b = StreamKey::parse("live", "s2").value();
    EXPECT_EQ(a.str(), "live/s1");
    EXPECT_LT(a, b);
    EXPECT_EQ(a, StreamKey::parse("live", "s1").value());
}

}  // namespace
}  // namespace fanout
