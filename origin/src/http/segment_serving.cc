#include "http/segment_serving.h"

#include <algorithm>
#include <cctype>

#include "http/range.h"
#include "http/rest_util.h"
#include "package/segment_store.h"

namespace fanout::http {

namespace {

void add_cors(Response& r)
{
    r.add_header("Access-Control-Allow-Origin", "*");
}

// Request headers are looked up by their lower-case names.
const std::string& offset_header()
{
    static const std::string name = [] {
        std::string s = FO_PAD_OFFSET_HEADER;
        std::transform(s.begin(), s.end(), s.begin(),
                       [](unsigned char c) { return char(std::tolower(c)); });
        return s;
    }();
    return name;
}

// A CORS preflight from a browser player (hls.js and dash.js send Range).
Response preflight(const Request& req)
{
    Response r;
    r.status = 204;
    add_cors(r);
    r.add_header("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS");
    const std::string* asked = req.header("access-control-request-headers");
    r.add_header("Access-Control-Allow-Headers",
                 asked && !asked->empty() ? *asked : std::string("Range"));
    r.add_header("Access-Control-Max-Age", "86400");
    return r;
}

// Narrows r to the request's Range, or answers 416.
void apply_range(Response& r, const Request& req)
{
    const std::string* range = req.header("range");
    // Without validators an If-Range can never be shown to match, so the
    // whole entity is sent (RFC 9110 13.1.5).
    if (!range || req.header("if-range")) {
        return;
    }
    uint64_t size = r.body->size();
    ByteRange br = parse_range(*range, size);
    if (br.kind == ByteRange::Partial) {
        r.status = 206;
        r.offset = br.first;
        r.length = br.last - br.first + 1;
        r.add_header("Content-Range", "bytes " + std::to_string(br.first) + "-"
                                          + std::to_string(br.last) + "/"
                                          + std::to_string(size));
    } else if (br.kind == ByteRange::Unsatisfiable) {
        r.status = 416;
        r.body.reset();
        r.length = 0;
        r.add_header("Content-Range", "bytes */" + std::to_string(size));
    }
}

}  // namespace

Response stream_not_found()
{
    Response r = Response::error(404, "no such stream resource");
    add_cors(r);
    return r;
}

Response stream_forbidden(std::string_view why)
{
    Response r = Response::error(403, why);
    add_cors(r);
    return r;
}

Response stream_unavailable(std::string_view why)
{
    Response r = Response::error(503, why);
    add_cors(r);
    r.add_header("Retry-After", "1");
    return r;
}

Response stream_redirect(std::string location)
{
    Response r = Response::text(302, "");
    add_cors(r);
    r.add_header("Location", std::move(location));
    r.add_header("Cache-Control", "no-store");
    return r;
}

Response serve_stream(const package::SegmentStore& segments,
                      std::string_view app, std::string_view rest,
                      const Request& req)
{
    if (rest.empty()) {
        return stream_not_found();
    }
    if (req.method == Method::Options) {
        return preflight(req);
    }
    if (req.method != Method::Get && req.method != Method::Head) {
        Response r = method_not_allowed("GET, HEAD, OPTIONS");
        add_cors(r);
        return r;
    }
    std::optional<package::Resource> res = segments.find(app, rest);
    if (!res || !res->body) {
        return stream_not_found();
    }
    Response r;
    r.add_header("Content-Type", res->content_type);
    if (!res->cache_control.empty()) {
        r.add_header("Cache-Control", res->cache_control);
    }
    add_cors(r);
    r.add_header("Access-Control-Expose-Headers",
                 "Content-Length, Content-Range");
    r.add_header("Accept-Ranges", "bytes");
    r.set_body(res->body);
    // An edge caching a segment tells where our answer lands in its cache
    // file; a padded header block puts the body on a page boundary there.
    if (const std::string* at = req.header(offset_header())) {
        r.cache_offset = parse_index(*at);  // decimal digits, or none
    }
    apply_range(r, req);
    return r;
}

std::string cache_pad_line(const Response& r, size_t content_length,
                           size_t head_size)
{
    // The line without its filler: name, ": " and CRLF.
    static constexpr size_t kLine = sizeof(FO_PAD_HEADER ": \r\n") - 1;
    if (!r.cache_offset || *r.cache_offset >= FO_PAD_PAGE || r.status != 200
        || content_length < FO_PAD_MIN_BODY
        || head_size > FO_PAD_MAX_HEAD - kLine) {
        return "";
    }
    // offset + head + pad line (kLine + n bytes) + the blank line's CRLF
    // = whole pages.
    size_t end = *r.cache_offset + head_size + kLine + 2;
    size_t n = (FO_PAD_PAGE - end % FO_PAD_PAGE) % FO_PAD_PAGE;
    return FO_PAD_HEADER ": " + std::string(n, 'p') + "\r\n";
}

}  // namespace fanout::http
