// http/segment_serving.h — what a player gets under /{app}/streams/: the
// playlists and segments of the segment store, whole or as one byte range
// (RFC 9110 14), with CORS for browser players, and the padding an edge
// asks for when it caches a segment (the contract in fanout/cache_pad.h).
#pragma once

#include <string>
#include <string_view>

#include "fanout/cache_pad.h"
#include "http/request_parser.h"
#include "http/response.h"

namespace fanout::package {
class SegmentStore;
}

namespace fanout::http {

// The 404 of a stream resource (unknown app, stream or file), with CORS so
// that a browser player can read it.
Response stream_not_found();

// The 403 of a stream resource refused for its playback token (why:
// "no token", "expired token", ...), with CORS, like stream_not_found.
Response stream_forbidden(std::string_view why);

// A stream resource's 503 (why: "cluster store unavailable", ...), with
// CORS and Retry-After.
Response stream_unavailable(std::string_view why);

// The 302 of a playback token exchanged for a signed path
// (http/play_access.h): never cached (Cache-Control: no-store), with CORS.
Response stream_redirect(std::string location);

// The answer to `req` for `rest`, everything after "/{app}/streams/", of
// an app this origin serves: OPTIONS (a CORS preflight), GET and HEAD.
Response serve_stream(const package::SegmentStore& segments,
                      std::string_view app, std::string_view rest,
                      const Request& req);

// The FO_PAD_HEADER line, CRLF included, that ends a header block of
// head_size bytes so that the body of `r` begins on an FO_PAD_PAGE boundary
// of the edge's cache file; "" when r asked for no padding or the contract
// rules it out.  serialize_head calls it.
std::string cache_pad_line(const Response& r, size_t content_length,
                           size_t head_size);

}  // namespace fanout::http
