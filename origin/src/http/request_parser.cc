#include "http/request_parser.h"

#include <algorithm>
#include <cstdint>

#include "core/error.h"

namespace fanout::http {

namespace {

// RFC 9110 5.6.2 tchar.
bool is_tchar(unsigned char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')) {
        return true;
    }
    switch (c) {
        case '!':
        case '#':
        case '$':
        case '%':
        case '&':
        case '\'':
        case '*':
        case '+':
        case '-':
        case '.':
        case '^':
        case '_':
        case '`':
        case '|':
        case '~':
            return true;
        default:
            return false;
    }
}

bool is_token(std::string_view s)
{
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return is_tchar(c);
    });
}

char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
}

// True when the comma-separated header list has the token (any case).
bool has_token(std::string_view list, std::string_view token)
{
    while (!list.empty()) {
        size_t comma = list.find(',');
        std::string_view item = trim_ows(list.substr(0, comma));
        if (iequals(item, token)) {
            return true;
        }
        if (comma == std::string_view::npos) {
            break;
        }
        list.remove_prefix(comma + 1);
    }
    return false;
}

Method parse_method(std::string_view s)
{
    static const std::pair<std::string_view, Method> known[] = {
        {"GET", Method::Get},       {"HEAD", Method::Head},
        {"POST", Method::Post},     {"PUT", Method::Put},
        {"DELETE", Method::Delete}, {"OPTIONS", Method::Options}};
    for (const auto& [name, method] : known) {
        if (s == name) {  // methods are case-sensitive (RFC 9110 9.1)
            return method;
        }
    }
    return Method::Other;  // the request line checked it is a token
}

std::string_view chomp_cr(std::string_view line)
{
    if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
    }
    return line;
}

// method SP request-target SP HTTP-version, without its line end.
struct RequestLine {
    std::string_view method;
    std::string_view target;
    int minor = 1;
};

// Empty lines before the request line are ignored (RFC 9112 2.2); they
// count against the request-line limit so they cannot grow forever.
// Returns where the request line starts.
Result<size_t> skip_empty_lines(std::string_view in)
{
    size_t pos = 0;
    while (pos < in.size() && (in[pos] == '\r' || in[pos] == '\n')) {
        if (in[pos] == '\r' && pos + 1 < in.size() && in[pos + 1] != '\n') {
            return Error(400, "bare CR before request line");
        }
        pos++;
    }
    return pos;
}

Result<RequestLine> parse_request_line(std::string_view line)
{
    if (line.find('\r') != std::string_view::npos
        || line.find('\0') != std::string_view::npos) {
        return Error(400, "bad character in request line");
    }
    size_t sp1 = line.find(' ');
    size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos
        || line.find(' ', sp2 + 1) != std::string_view::npos) {
        return Error(400, "malformed request line");
    }
    RequestLine r;
    r.method = line.substr(0, sp1);
    r.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    std::string_view version = line.substr(sp2 + 1);
    if (!is_token(r.method) || r.method.size() > 32) {
        return Error(400, "malformed method");
    }
    if (r.target.empty()) {
        return Error(400, "empty request target");
    }
    if (version.size() != 8 || version.substr(0, 5) != "HTTP/"
        || version[6] != '.' || version[5] < '0' || version[5] > '9'
        || version[7] < '0' || version[7] > '9') {
        return Error(400, "malformed HTTP version");
    }
    if (version[5] != '1') {
        return Error(505, "HTTP version not supported");
    }
    r.minor = version[7] - '0';
    return r;
}

// One "name: value" line, without its line end.
Result<Header> parse_field(std::string_view h)
{
    if (h.front() == ' ' || h.front() == '\t') {
        return Error(400, "obsolete line folding");
    }
    size_t colon = h.find(':');
    if (colon == std::string_view::npos || !is_token(h.substr(0, colon))) {
        return Error(400, "malformed header field");
    }
    std::string_view value = trim_ows(h.substr(colon + 1));
    for (char c : value) {
        unsigned char u = static_cast<unsigned char>(c);
        if ((u < 0x20 && u != '\t') || u == 0x7f) {
            return Error(400, "bad character in header value");
        }
    }
    Header field;
    field.name.resize(colon);
    std::transform(h.begin(), h.begin() + colon, field.name.begin(), lower);
    field.value.assign(value);
    return field;
}

// What the header fields say about the body.  Only Content-Length: no
// chunked uploads (nothing here needs them, and a body of unknown length
// could not be bounded up front).
struct Framing {
    size_t content_length = 0;
    bool expect_continue = false;
    bool bad_expect = false;  // answered once the message is framed
};

Result<size_t> parse_content_length(const std::string& v,
                                    const ParseLimits& limits)
{
    if (v.empty() || !std::all_of(v.begin(), v.end(), [](char c) {
            return c >= '0' && c <= '9';
        })) {
        return Error(400, "malformed Content-Length");
    }
    bool too_big = v.size() > 18;
    uint64_t n = too_big ? 0 : std::stoull(v);
    if (too_big || n > limits.max_body) {
        return Error(413, "request body too large");
    }
    return size_t(n);
}

Result<Framing> parse_framing(const std::vector<Header>& headers, int minor,
                              const ParseLimits& limits)
{
    Framing f;
    bool have_length = false;
    for (const auto& h : headers) {
        if (h.name == "transfer-encoding") {
            if (has_token(h.value, "chunked")) {
                return Error(411,
                             "chunked request bodies are not accepted;"
                             " send Content-Length");
            }
            return Error(411,
                         "Transfer-Encoding is not accepted;"
                         " send Content-Length");
        }
        if (h.name == "content-length") {
            Result<size_t> n = parse_content_length(h.value, limits);
            if (!n) {
                return n.error();
            }
            if (have_length && n.value() != f.content_length) {
                return Error(400, "conflicting Content-Length");
            }
            f.content_length = n.value();
            have_length = true;
        }
        if (h.name == "expect") {
            if (iequals(h.value, "100-continue")) {
                f.expect_continue = minor >= 1;
            } else {
                f.bad_expect = true;
            }
        }
    }
    return f;
}

bool wants_keep_alive(const std::vector<Header>& headers, int minor)
{
    bool keep_alive = minor >= 1;
    for (const auto& h : headers) {
        if (h.name == "connection") {
            if (has_token(h.value, "close")) {
                keep_alive = false;
            } else if (has_token(h.value, "keep-alive")) {
                keep_alive = true;
            }
        }
    }
    return keep_alive;
}

// Checks that need the whole message: what the client expects, and Host.
Status check_framed(const Request& req, const std::vector<Header>& headers,
                    const Framing& framing)
{
    if (framing.bad_expect) {
        return Error(417, "unsupported expectation");
    }
    size_t hosts =
        std::count_if(headers.begin(), headers.end(),
                      [](const Header& h) { return h.name == "host"; });
    if (hosts > 1 || (req.version_minor >= 1 && hosts == 0)) {
        return Error(400, "exactly one Host header is required");
    }
    return Status();
}

ParseError fatal(const Error& e)
{
    return ParseError{e.code(), e.message(), 0, false};
}

}  // namespace

Result<Fields> parse_fields(std::string_view in, size_t start,
                            const ParseLimits& limits)
{
    Fields f;
    for (size_t pos = start;;) {
        size_t nl = in.find('\n', pos);
        if (nl == std::string_view::npos) {
            if (in.size() - start > limits.max_header_bytes) {
                return Error(431, "header section too large");
            }
            return f;
        }
        if (nl + 1 - start > limits.max_header_bytes) {
            return Error(431, "header section too large");
        }
        std::string_view line = chomp_cr(in.substr(pos, nl - pos));
        pos = nl + 1;
        if (line.empty()) {
            f.end = pos;
            return f;
        }
        Result<Header> field = parse_field(line);
        if (!field) {
            return field.error();
        }
        if (f.headers.size() == limits.max_headers) {
            return Error(431, "too many header fields");
        }
        f.headers.push_back(std::move(field.value()));
    }
}

bool iequals(std::string_view a, std::string_view b)
{
    if (a.size() != b.size()) {
        return false;
    }
    for (size_t i = 0; i < a.size(); i++) {
        if (lower(a[i]) != lower(b[i])) {
            return false;
        }
    }
    return true;
}

std::string_view trim_ows(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

std::string_view method_name(Method m)
{
    switch (m) {
        case Method::Get:
            return "GET";
        case Method::Head:
            return "HEAD";
        case Method::Post:
            return "POST";
        case Method::Put:
            return "PUT";
        case Method::Delete:
            return "DELETE";
        case Method::Options:
            return "OPTIONS";
        case Method::Other:
            return "OTHER";
    }
    return "?";
}

const std::string* Request::header(std::string_view lower_name) const
{
    for (const auto& h : headers) {
        if (h.name == lower_name) {
            return &h.value;
        }
    }
    return nullptr;
}

const std::string* Request::query_param(std::string_view name) const
{
    for (const auto& [k, v] : query) {
        if (k == name) {
            return &v;
        }
    }
    return nullptr;
}

ParseResult parse_request(std::string_view in, const ParseLimits& limits)
{
    Result<size_t> start = skip_empty_lines(in);
    if (!start) {
        return fatal(start.error());
    }
    size_t nl = in.find('\n', start.value());
    size_t line_bytes = nl == std::string_view::npos ? in.size() : nl + 1;
    if (line_bytes > limits.max_request_line) {
        return fatal(Error(414, "request line too long"));
    }
    if (nl == std::string_view::npos) {
        return NeedMoreData{};
    }
    Result<RequestLine> line = parse_request_line(
        chomp_cr(in.substr(start.value(), nl - start.value())));
    if (!line) {
        return fatal(line.error());
    }
    Result<Fields> fields = parse_fields(in, nl + 1, limits);
    if (!fields) {
        return fatal(fields.error());
    }
    if (fields->end == 0) {
        return NeedMoreData{};
    }
    Result<Framing> framing =
        parse_framing(fields->headers, line->minor, limits);
    if (!framing) {
        return fatal(framing.error());
    }
    size_t total = fields->end + framing->content_length;
    if (in.size() < total) {
        return NeedMoreData{total, framing->expect_continue};
    }

    // The message is framed: from here on a bad request can be answered
    // and the connection resynced after `total` bytes.
    Request req;
    req.version_minor = line->minor;
    req.keep_alive = wants_keep_alive(fields->headers, line->minor);
    req.method = parse_method(line->method);
    Status st = check_framed(req, fields->headers, framing.value());
    if (st) {
        st = parse_target(line->target, req);
    }
    if (!st) {
        return ParseError{st.error().code(), st.error().message(), total,
                          req.keep_alive};
    }
    req.headers = std::move(fields->headers);
    req.body.assign(in.substr(fields->end, framing->content_length));
    return Parsed{std::move(req), total};
}

}  // namespace fanout::http
