// http/request_parser.h — HTTP/1.1 request framing and target decoding.
//
// Pure functions over bytes (no socket, no allocation beyond the result):
// the connection feeds whatever it has buffered and gets back one of
//   NeedMoreData  — not a whole request yet (with a hint how much),
//   Parsed        — one request and how many bytes it took,
//   ParseError    — the status to answer and whether the byte stream can be
//                   resynced (the message was framed, so the next request
//                   starts right after it) or the connection must close.
// Unit-tested with byte literals and fuzzed (tests/fuzz/http_request_fuzz.cc).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/error.h"

namespace fanout::http {

// Other: any other method token (PATCH, BREW...); routes answer it with
// 405 and Allow, since a wrong method is the client's mistake.
enum class Method { Get, Head, Post, Put, Delete, Options, Other };

std::string_view method_name(Method m);

struct ParseLimits {
    size_t max_request_line = 8 * 1024;  // -> 414
    size_t max_header_bytes = 16 * 1024;  // all header lines -> 431
    size_t max_headers = 100;  // -> 431
    size_t max_body = 64 * 1024;  // Content-Length -> 413
};

struct Header {
    std::string name;  // lower case
    std::string value;  // optional whitespace trimmed
};

struct Request {
    Method method = Method::Get;
    std::string target;  // as received
    std::string path;  // percent-decoded; no "." / ".." segments, no NUL
    std::vector<std::pair<std::string, std::string>> query;  // decoded
    int version_minor = 1;  // HTTP/1.x
    std::vector<Header> headers;
    std::string body;
    bool keep_alive = true;

    // First header with that (lower-case) name, or nullptr.
    const std::string* header(std::string_view lower_name) const;
    // First query parameter with that name, or nullptr.
    const std::string* query_param(std::string_view name) const;
};

struct NeedMoreData {
    // Total bytes the request needs once its headers are complete (header
    // block + Content-Length), 0 while the headers are still arriving: the
    // caller need not parse again before it has that much.
    size_t total_needed = 0;
    // Headers are complete, the body is not, and the client sent
    // "Expect: 100-continue": it waits for an interim 100 response.
    bool expect_continue = false;
};

struct Parsed {
    Request request;
    size_t consumed = 0;
};

struct ParseError {
    int status = 400;  // what to answer
    std::string reason;  // for the response body and the log
    // Bytes of the rejected request when its framing was sound (the
    // connection may drop them and carry on); 0: close after answering.
    size_t consumed = 0;
    bool keep_alive = false;  // the client's wish, when consumed > 0
};

using ParseResult = std::variant<NeedMoreData, Parsed, ParseError>;

// Parses the request at the start of `in`.  Accepts CRLF or bare LF line
// ends, skips empty lines before the request line (RFC 9112 2.2), needs
// Host on HTTP/1.1, rejects Transfer-Encoding (chunked: 411, others: 501).
ParseResult parse_request(std::string_view in, const ParseLimits& limits);

// The header section from `start` up to its empty line (CRLF or bare LF),
// names lower-cased, values trimmed.  `end` is where the body starts, 0
// while the section is still arriving.  The error's code is the status to
// answer.  Shared with the load generator's response parser (load/).
struct Fields {
    std::vector<Header> headers;
    size_t end = 0;
};
Result<Fields> parse_fields(std::string_view in, size_t start,
                            const ParseLimits& limits);

// Fills req.target, req.path and req.query from a request-target
// (origin-form, absolute-form, or "*" for OPTIONS).  The error's code is
// the status to answer (request_target.cc).
Status parse_target(std::string_view target, Request& req);

// Decodes the path part of a request-target.  false (with why) on a bad
// escape, an encoded '/', a NUL or control byte, or a "." / ".." segment,
// raw or encoded.
bool decode_path(std::string_view raw, std::string* out, std::string* why);

// Decodes "a=1&b=x%20y" ('+' is a space, as HTML forms send it).  false on
// a bad escape or a NUL.
bool parse_query(std::string_view raw,
                 std::vector<std::pair<std::string, std::string>>* out);

// ASCII case-insensitive equality (header values, URI schemes).
bool iequals(std::string_view a, std::string_view b);

// s without leading and trailing spaces and tabs (RFC 9110 OWS).
std::string_view trim_ows(std::string_view s);

}  // namespace fanout::http
