// http/response.h — what a handler answers, and its serialisation.
//
// Bodies are shared, immutable byte chains with a slice (offset, length),
// so a media segment is written straight from the segment store, piece by
// piece with scatter/gather, without a copy, and a range request is just a
// narrower slice.
#pragma once

#include <cstdint>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/shared_bytes.h"

namespace fanout::http {

struct Response {
    int status = 200;
    // Besides Date, Server, Content-Length and Connection, which the
    // connection adds.
    std::vector<std::pair<std::string, std::string>> headers;
    std::shared_ptr<const ByteChain> body;  // may be null: empty body
    size_t offset = 0;
    size_t length = 0;
    // The connection must close after this response, whatever the client
    // asked for (the byte stream could not be resynced).
    bool close = false;
    // Where the status line will begin in an edge's cache file
    // (FO_PAD_OFFSET_HEADER): the header block is then padded so that the
    // body begins on a page boundary there (see cache_pad_line).
    std::optional<size_t> cache_offset;

    void set_body(std::shared_ptr<const ByteChain> b);
    void add_header(std::string name, std::string value);

    static Response text(
        int status, std::string body,
        std::string content_type = "text/plain; charset=utf-8");
    static Response json(int status, const nlohmann::json& body);
    // {"success":false,"message":...}: Ant Media's Result shape for errors.
    static Response error(int status, std::string_view message);
};

std::string_view status_reason(int status);

// RFC 9110 IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
std::string http_date(std::time_t t);

// The status line and header block, CRLF-terminated, padded for an edge's
// cache when r.cache_offset asks (cache_pad_line, http/segment_serving.h).
// content_length is the entity bytes described (for HEAD: what GET would
// send).
std::string serialize_head(const Response& r, size_t content_length, bool close,
                           std::string_view date);

// JSON text that never throws: invalid UTF-8 from a record is replaced.
std::string dump_json(const nlohmann::json& j);

}  // namespace fanout::http
