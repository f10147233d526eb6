// serialize_head's padding for an edge's cache file.
#include "http/response.h"

#include "fanout/cache_pad.h"

#include <gtest/gtest.h>

namespace fanout::http {
namespace {

const std::string kDate = "Wed, 25 Nov 2026 14:00:00 GMT";

Response segment()
{
    Response r;
    r.add_header("Content-Type", "video/iso.segment");
    r.add_header("Cache-Control", "max-age=31536000, immutable");
    return r;
}

TEST(CacheOffset, PadsTheBodyToAPageBoundary)
{
    for (size_t offset : {0, 1, 15, 16, 17, 437, 2000, 4079, 4080, 4095}) {
        for (size_t extra : {0, 1, 100, 1000}) {
            Response r = segment();
            r.add_header("X-Extra", std::string(extra, 'x'));
            r.cache_offset = offset;
            std::string head = serialize_head(r, 1 << 20, false, kDate);
            EXPECT_EQ((offset + head.size()) % FO_PAD_PAGE, 0u)
                << offset << " " << extra;
            EXPECT_EQ(head.substr(head.size() - 4), "\r\n\r\n");
            // The pad is one header line, the last, of 'p's.
            size_t at = head.find("X-Fanout-Pad: ");
            ASSERT_NE(at, std::string::npos);
            size_t eol = head.find("\r\n", at);
            EXPECT_EQ(eol, head.size() - 4);
            EXPECT_EQ(head.find_first_not_of('p', at + 14), eol);
            // Everything before it is what an unpadded answer says.
            Response plain = r;
            plain.cache_offset.reset();
            EXPECT_EQ(
                head.substr(0, at),
                serialize_head(plain, 1 << 20, false, kDate).substr(0, at));
        }
    }
}

TEST(CacheOffset, NoPadWhenNotAsked)
{
    std::string head = serialize_head(segment(), 1 << 20, false, kDate);
    EXPECT_EQ(head.find("X-Fanout-Pad"), std::string::npos);
}

TEST(CacheOffset, NoPadPastAPage)
{
    // nginx's cache header and key take less; larger offsets are refused.
    Response r = segment();
    r.cache_offset = FO_PAD_PAGE;
    EXPECT_EQ(serialize_head(r, 1 << 20, false, kDate).find("X-Fanout-Pad"),
              std::string::npos);
}

TEST(CacheOffset, NoPadForASmallBody)
{
    Response r = segment();
    r.cache_offset = 437;
    EXPECT_EQ(
        serialize_head(r, 16 * 1024 - 1, false, kDate).find("X-Fanout-Pad"),
        std::string::npos);
    EXPECT_NE(serialize_head(r, 16 * 1024, false, kDate).find("X-Fanout-Pad"),
              std::string::npos);
}

TEST(CacheOffset, NoPadForOtherStatuses)
{
    Response r = segment();
    r.status = 206;
    r.cache_offset = 437;
    EXPECT_EQ(serialize_head(r, 1 << 20, false, kDate).find("X-Fanout-Pad"),
              std::string::npos);
}

TEST(CacheOffset, NoPadForAHeaderBlockOverTwoKiB)
{
    // The edge reserves room for 2 KiB of our headers and a page of pad.
    Response r = segment();
    r.add_header("X-Extra", std::string(2100, 'x'));
    r.cache_offset = 437;
    EXPECT_EQ(serialize_head(r, 1 << 20, false, kDate).find("X-Fanout-Pad"),
              std::string::npos);
}

}  // namespace
}  // namespace fanout::http
