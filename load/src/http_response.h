// load/src/http_response.h — HTTP/1.1 response framing for the viewers'
// keep-alive connections.  Pure, over the bytes a connection has buffered;
// the header section is parsed by the origin's own parser
// (http::parse_fields, origin/src/http/request_parser.h).  Bodies framed
// by Content-Length, chunked transfer coding, or the connection's close.
// Unit-tested with byte literals and fuzzed (tests/fuzz/http_response_fuzz.cc).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/error.h"
#include "http/request_parser.h"

namespace fanout::load {

struct ResponseLimits {
    size_t max_header_bytes = 16 * 1024;
    size_t max_headers = 100;
    size_t max_body = 64u << 20;
};

struct Response {
    int status = 0;
    std::vector<http::Header> headers;
    std::string body;
    bool keep_alive = true;  // the connection may carry the next request

    const std::string* header(std::string_view lower_name) const;
};

struct ResponseNeedMore {};
struct ResponseParsed {
    Response response;
    size_t consumed = 0;
};
using ResponseResult = std::variant<ResponseNeedMore, ResponseParsed, Error>;

// The response at the start of `in`.  head: it answers a HEAD request (no
// body whatever the headers say).  at_eof: the peer has closed, so a body
// delimited by the close is complete.  1xx responses are skipped.
ResponseResult parse_response(std::string_view in, const ResponseLimits& limits,
                              bool head = false, bool at_eof = false);

}  // namespace fanout::load
