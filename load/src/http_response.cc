#include "http_response.h"

#include <charconv>

namespace fanout::load {
namespace {

struct StatusLine {
    int status = 0;
    int minor = 1;
};

Result<StatusLine> parse_status_line(std::string_view line)
{
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    // "HTTP/1.x NNN reason"; the reason may be empty.
    if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || line[8] != ' '
        || line[7] < '0' || line[7] > '9'
        || (line.size() > 12 && line[12] != ' ')) {
        return Error("malformed status line");
    }
    StatusLine s;
    s.minor = line[7] - '0';
    auto [p, ec] = std::from_chars(line.data() + 9, line.data() + 12, s.status);
    if (ec != std::errc() || p != line.data() + 12 || s.status < 100)
        return Error("malformed status code");
    return s;
}

bool has_token(std::string_view list, std::string_view token)
{
    while (!list.empty()) {
        size_t comma = list.find(',');
        if (http::iequals(http::trim_ows(list.substr(0, comma)), token))
            return true;
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
    return false;
}

// A chunked body from `at`: the decoded body and where the message ends,
// or end 0 while it is still arriving.
struct Chunked {
    std::string body;
    size_t end = 0;
};

Result<Chunked> parse_chunked(std::string_view in, size_t at, size_t max_body)
{
    Chunked c;
    for (;;) {
        size_t nl = in.find('\n', at);
        if (nl == std::string_view::npos) {
            if (in.size() - at > 1024) return Error("chunk size line too long");
            return c;
        }
        std::string_view line = in.substr(at, nl - at);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        line = http::trim_ows(line.substr(0, line.find(';')));  // extensions
        size_t size = 0;
        auto [p, ec] =
            std::from_chars(line.data(), line.data() + line.size(), size, 16);
        if (line.empty() || ec != std::errc() || p != line.data() + line.size())
            return Error("malformed chunk size");
        if (size > max_body - c.body.size()) return Error("body too large");
        at = nl + 1;
        if (size == 0) {
            // Trailer fields, then the empty line.
            Result<http::Fields> t = http::parse_fields(in, at, {});
            if (!t) return Error("malformed trailer: " + t.error().message());
            if (t->end == 0) return Chunked{};
            c.end = t->end;
            return c;
        }
        if (in.size() - at < size + 1) return Chunked{};
        c.body.append(in.substr(at, size));
        at += size;
        if (in[at] == '\r') at++;
        if (at >= in.size()) return Chunked{};
        if (in[at] != '\n') return Error("chunk not followed by CRLF");
        at++;
    }
}

bool no_body(int status, bool head)
{
    return head || status == 204 || status == 304 || status < 200;
}

}  // namespace

const std::string* Response::header(std::string_view lower_name) const
{
    for (const http::Header& h : headers)
        if (h.name == lower_name) return &h.value;
    return nullptr;
}

ResponseResult parse_response(std::string_view in, const ResponseLimits& limits,
                              bool head, bool at_eof)
{
    size_t nl = in.find('\n');
    if (nl == std::string_view::npos)
        return in.size() > limits.max_header_bytes
                   ? ResponseResult(Error("status line too long"))
                   : ResponseNeedMore{};
    Result<StatusLine> sl = parse_status_line(in.substr(0, nl));
    if (!sl) return sl.error();
    http::ParseLimits pl;
    pl.max_header_bytes = limits.max_header_bytes;
    pl.max_headers = limits.max_headers;
    Result<http::Fields> f = http::parse_fields(in, nl + 1, pl);
    if (!f) return Error("header section: " + f.error().message());
    if (f->end == 0) return ResponseNeedMore{};
    if (sl->status < 200) {  // 100 Continue and friends: the real one follows
        ResponseResult next =
            parse_response(in.substr(f->end), limits, head, at_eof);
        if (auto* p = std::get_if<ResponseParsed>(&next)) p->consumed += f->end;
        return next;
    }
    ResponseParsed r;
    r.response.status = sl->status;
    r.response.headers = std::move(f->headers);
    const Response& resp = r.response;
    const std::string* conn = resp.header("connection");
    r.response.keep_alive = conn ? !has_token(*conn, "close") : sl->minor >= 1;
    if (conn && has_token(*conn, "keep-alive")) r.response.keep_alive = true;
    const std::string* te = resp.header("transfer-encoding");
    const std::string* cl = resp.header("content-length");
    if (no_body(sl->status, head)) {
        r.consumed = f->end;
    } else if (te) {
        if (!has_token(*te, "chunked")) return Error("transfer coding " + *te);
        Result<Chunked> c = parse_chunked(in, f->end, limits.max_body);
        if (!c) return c.error();
        if (c->end == 0) return ResponseNeedMore{};
        r.response.body = std::move(c->body);
        r.consumed = c->end;
    } else if (cl) {
        size_t n = 0;
        auto [p, ec] = std::from_chars(cl->data(), cl->data() + cl->size(), n);
        if (cl->empty() || ec != std::errc() || p != cl->data() + cl->size())
            return Error("malformed Content-Length");
        if (n > limits.max_body) return Error("body too large");
        if (in.size() - f->end < n) return ResponseNeedMore{};
        r.response.body.assign(in.substr(f->end, n));
        r.consumed = f->end + n;
    } else {
        // Delimited by the close (RFC 9112 6.3 rule 8).
        if (in.size() - f->end > limits.max_body)
            return Error("body too large");
        if (!at_eof) return ResponseNeedMore{};
        r.response.body.assign(in.substr(f->end));
        r.response.keep_alive = false;
        r.consumed = in.size();
    }
    return r;
}

}  // namespace fanout::load
