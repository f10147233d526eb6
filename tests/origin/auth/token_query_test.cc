// The publish token's query parser, over byte vectors.
#include "auth/token_query.h"

#include <gtest/gtest.h>

#include <string>

namespace fanout::auth {
namespace {

TokenParam parse(std::string_view q)
{
    return find_token(q);
}

TEST(TokenQuery, FindsTheTokenAmongOtherParameters)
{
    EXPECT_EQ(parse("token=abc").value, "abc");
    EXPECT_EQ(parse("a=1&token=abc&b=2").value, "abc");
    EXPECT_EQ(parse("token=abc").found, TokenFound::Present);
    EXPECT_EQ(parse("token=a.b.c-_").value, "a.b.c-_");
    EXPECT_EQ(parse("token=a=b").value, "a=b");  // '=' in the value stays
}

TEST(TokenQuery, DecodesPercentEscapesAndKeepsPlus)
{
    EXPECT_EQ(parse("token=%41%62c").value, "Abc");
    EXPECT_EQ(parse("token=a+b").value, "a+b");
}

TEST(TokenQuery, MissingWhenAbsentOrEmpty)
{
    EXPECT_EQ(parse("").found, TokenFound::Missing);
    EXPECT_EQ(parse("a=1&b=2").found, TokenFound::Missing);
    EXPECT_EQ(parse("token=").found, TokenFound::Missing);
    EXPECT_EQ(parse("token").found, TokenFound::Missing);
    EXPECT_EQ(parse("Token=abc").found, TokenFound::Missing);  // case counts
    EXPECT_EQ(parse("tokens=abc").found, TokenFound::Missing);
    EXPECT_EQ(parse("a=1;token=abc").found, TokenFound::Missing);  // ';' no
}

TEST(TokenQuery, MalformedInput)
{
    EXPECT_EQ(parse("token=a&token=b").found, TokenFound::Malformed);
    EXPECT_EQ(parse("token=&token=b").found, TokenFound::Malformed);
    EXPECT_EQ(parse("token=%4").found, TokenFound::Malformed);
    EXPECT_EQ(parse("token=%zz").found, TokenFound::Malformed);
    EXPECT_EQ(parse("token=a%20b").found, TokenFound::Malformed);  // blank
    EXPECT_EQ(parse("token=a%00b").found, TokenFound::Malformed);  // NUL
    EXPECT_EQ(parse(std::string("token=a\x01", 8)).found,
              TokenFound::Malformed);
    EXPECT_EQ(parse("token=\xc3\xa9").found, TokenFound::Malformed);
    EXPECT_TRUE(parse("token=%4").value.empty());
}

TEST(TokenQuery, BoundedLength)
{
    std::string max(kMaxTokenBytes, 'a');
    EXPECT_EQ(parse("token=" + max).found, TokenFound::Present);
    EXPECT_EQ(parse("token=" + max + "a").found, TokenFound::Malformed);
}

}  // namespace
}  // namespace fanout::auth
