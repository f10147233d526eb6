// http/time_endpoint.h — GET/HEAD /{app}/streams/time: the server's UTC
// time, what the UTCTiming of every live MPD points at
// (urn:mpeg:dash:utc:http-iso:2014, package::kTimeResource), so a player
// syncs its clock with the cluster's instead of a time server on the
// internet.  The edges serve the same answer.
#pragma once

#include <cstdint>

#include "http/request_parser.h"
#include "http/response.h"

namespace fanout::http {

// now_ms: Unix ms.  GET: "2026-12-06T03:45:01.123Z" as text/plain, never
// cached, readable from any page (CORS *); HEAD: the same without the body;
// OPTIONS: a CORS preflight; anything else 405.
Response serve_time(const Request& req, int64_t now_ms);

}  // namespace fanout::http
