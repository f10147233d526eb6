// http/time_endpoint.cc — see time_endpoint.h.
#include "http/time_endpoint.h"

#include "http/rest_util.h"
#include "package/hls_playlist.h"

namespace fanout::http {

Response serve_time(const Request& req, int64_t now_ms)
{
    Response r;
    if (req.method == Method::Options) {
        r.status = 204;
        r.add_header("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS");
        r.add_header("Access-Control-Max-Age", "86400");
    } else if (req.method != Method::Get && req.method != Method::Head) {
        r = method_not_allowed("GET, HEAD, OPTIONS");
    } else {
        r = Response::text(200, package::iso8601_ms(now_ms), "text/plain");
    }
    r.add_header("Cache-Control", "no-store");
    r.add_header("Access-Control-Allow-Origin", "*");
    return r;
}

}  // namespace fanout::http
