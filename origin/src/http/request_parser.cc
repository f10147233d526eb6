#include "http/request_parser.h"

#include <algorithm>
#include <cstdint>

namespace fanout::http {

namespace {

// RFC 9110 5.6.2 tchar.
bool is_tchar(unsigned char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z'))
    {
        return true;
    }
    switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*':
    case '+': case '-': case '.': case '^': case '_': case '`': case '|':
    case '~':
        return true;
    default:
        return false;
    }
}

bool is_token(std::string_view s)
{
    return !s.empty()
           && std::all_of(s.begin(), s.end(),
                          [](char c) { return is_tchar(c); });
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }

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

int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
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

ParseError fatal(int status, std::string reason)
{
    return ParseError{status, std::move(reason), 0, false};
}

bool parse_method(std::string_view s, Method* m)
{
    static const std::pair<std::string_view, Method> known[] = {
        {"GET", Method::Get},       {"HEAD", Method::Head},
        {"POST", Method::Post},     {"PUT", Method::Put},
        {"DELETE", Method::Delete}, {"OPTIONS", Method::Options}};
    for (const auto& [name, method] : known) {
        if (s == name) {   // methods are case-sensitive (RFC 9110 9.1)
            *m = method;
            return true;
        }
    }
    *m = Method::Other;    // the caller checked it is a token
    return true;
}

// Decodes %XX escapes; '+' becomes a space when `plus` (query strings).
bool percent_decode(std::string_view raw, bool plus, std::string* out,
                    std::string* why)
{
    out->clear();
    out->reserve(raw.size());
    for (size_t i = 0; i < raw.size(); i++) {
        char c = raw[i];
        if (c == '%') {
            if (raw.size() - i < 3) {
                *why = "truncated percent escape";
                return false;
            }
            int hi = hex_value(raw[i + 1]);
            int lo = hex_value(raw[i + 2]);
            if (hi < 0 || lo < 0) {
                *why = "bad percent escape";
                return false;
            }
            c = char(hi * 16 + lo);
            i += 2;
            if (c == '\0') {
                *why = "encoded NUL";
                return false;
            }
        } else if (c == '+' && plus) {
            c = ' ';
        }
        out->push_back(c);
    }
    return true;
}

}  // namespace

std::string_view method_name(Method m)
{
    switch (m) {
    case Method::Get: return "GET";
    case Method::Head: return "HEAD";
    case Method::Post: return "POST";
    case Method::Put: return "PUT";
    case Method::Delete: return "DELETE";
    case Method::Options: return "OPTIONS";
    case Method::Other: return "OTHER";
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

bool decode_path(std::string_view raw, std::string* out, std::string* why)
{
    if (raw.empty() || raw.front() != '/') {
        *why = "path must start with '/'";
        return false;
    }
    out->clear();
    out->reserve(raw.size());
    for (size_t i = 0; i < raw.size(); i++) {
        unsigned char c = static_cast<unsigned char>(raw[i]);
        if (c == '%') {
            if (raw.size() - i < 3) {
                *why = "truncated percent escape";
                return false;
            }
            int hi = hex_value(raw[i + 1]);
            int lo = hex_value(raw[i + 2]);
            if (hi < 0 || lo < 0) {
                *why = "bad percent escape";
                return false;
            }
            c = static_cast<unsigned char>(hi * 16 + lo);
            i += 2;
            // An encoded '/' would let a segment smuggle a separator past
            // the router; NUL and controls end C strings and log lines.
            if (c == '/') {
                *why = "encoded '/' in path";
                return false;
            }
            if (c == 0) {
                *why = "encoded NUL in path";
                return false;
            }
            if (c < 0x20 || c == 0x7f) {
                *why = "encoded control character in path";
                return false;
            }
        } else if (c <= 0x20 || c >= 0x7f) {
            *why = "bad character in path";
            return false;
        }
        out->push_back(static_cast<char>(c));
    }
    // Checked after decoding, so "%2e%2E" is caught like "..".
    size_t start = 1;
    while (start <= out->size()) {
        size_t slash = out->find('/', start);
        size_t end = slash == std::string::npos ? out->size() : slash;
        std::string_view seg(out->data() + start, end - start);
        if (seg == "." || seg == "..") {
            *why = "dot segment in path";
            return false;
        }
        if (slash == std::string::npos) {
            break;
        }
        start = slash + 1;
    }
    return true;
}

bool parse_query(std::string_view raw,
                 std::vector<std::pair<std::string, std::string>>* out)
{
    out->clear();
    std::string why;
    while (!raw.empty()) {
        size_t amp = raw.find('&');
        std::string_view item = raw.substr(0, amp);
        if (!item.empty()) {
            size_t eq = item.find('=');
            std::string k;
            std::string v;
            if (!percent_decode(item.substr(0, eq), true, &k, &why)) {
                return false;
            }
            if (eq != std::string_view::npos
                && !percent_decode(item.substr(eq + 1), true, &v, &why))
            {
                return false;
            }
            out->emplace_back(std::move(k), std::move(v));
        }
        if (amp == std::string_view::npos) {
            break;
        }
        raw.remove_prefix(amp + 1);
    }
    return true;
}

ParseResult parse_request(std::string_view in, const ParseLimits& limits)
{
    // Empty lines before the request line are ignored (RFC 9112 2.2); they
    // count against the request-line limit so they cannot grow forever.
    size_t pos = 0;
    while (pos < in.size() && (in[pos] == '\r' || in[pos] == '\n')) {
        if (in[pos] == '\r' && pos + 1 < in.size() && in[pos + 1] != '\n') {
            return fatal(400, "bare CR before request line");
        }
        pos++;
    }
    size_t nl = in.find('\n', pos);
    if (nl == std::string_view::npos) {
        if (in.size() > limits.max_request_line) {
            return fatal(414, "request line too long");
        }
        return NeedMoreData{};
    }
    std::string_view line = in.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
    }
    if (nl + 1 > limits.max_request_line) {
        return fatal(414, "request line too long");
    }
    if (line.find('\r') != std::string_view::npos
        || line.find('\0') != std::string_view::npos)
    {
        return fatal(400, "bad character in request line");
    }

    // method SP request-target SP HTTP-version
    size_t sp1 = line.find(' ');
    size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos
        || line.find(' ', sp2 + 1) != std::string_view::npos)
    {
        return fatal(400, "malformed request line");
    }
    std::string_view method = line.substr(0, sp1);
    std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    std::string_view version = line.substr(sp2 + 1);
    if (!is_token(method) || method.size() > 32) {
        return fatal(400, "malformed method");
    }
    if (target.empty()) {
        return fatal(400, "empty request target");
    }
    if (version.size() != 8 || version.substr(0, 5) != "HTTP/"
        || version[6] != '.' || version[5] < '0' || version[5] > '9'
        || version[7] < '0' || version[7] > '9')
    {
        return fatal(400, "malformed HTTP version");
    }
    if (version[5] != '1') {
        return fatal(505, "HTTP version not supported");
    }
    int minor = version[7] - '0';

    // Header fields up to the empty line.
    std::vector<Header> headers;
    size_t header_start = nl + 1;
    pos = header_start;
    size_t header_end = 0;
    for (;;) {
        nl = in.find('\n', pos);
        if (nl == std::string_view::npos) {
            if (in.size() - header_start > limits.max_header_bytes) {
                return fatal(431, "header section too large");
            }
            return NeedMoreData{};
        }
        if (nl + 1 - header_start > limits.max_header_bytes) {
            return fatal(431, "header section too large");
        }
        std::string_view h = in.substr(pos, nl - pos);
        pos = nl + 1;
        if (!h.empty() && h.back() == '\r') {
            h.remove_suffix(1);
        }
        if (h.empty()) {
            header_end = pos;
            break;
        }
        if (h.front() == ' ' || h.front() == '\t') {
            return fatal(400, "obsolete line folding");
        }
        size_t colon = h.find(':');
        if (colon == std::string_view::npos || !is_token(h.substr(0, colon))) {
            return fatal(400, "malformed header field");
        }
        std::string_view value = trim_ows(h.substr(colon + 1));
        for (char c : value) {
            unsigned char u = static_cast<unsigned char>(c);
            if ((u < 0x20 && u != '\t') || u == 0x7f) {
                return fatal(400, "bad character in header value");
            }
        }
        if (headers.size() == limits.max_headers) {
            return fatal(431, "too many header fields");
        }
        Header field;
        field.name.resize(colon);
        std::transform(h.begin(), h.begin() + colon, field.name.begin(), lower);
        field.value.assign(value);
        headers.push_back(std::move(field));
    }

    // Framing: only Content-Length (no chunked uploads: nothing here needs
    // them, and a body of unknown length could not be bounded up front).
    size_t content_length = 0;
    bool have_length = false;
    bool expect_continue = false;
    bool bad_expect = false;
    for (const auto& h : headers) {
        if (h.name == "transfer-encoding") {
            if (has_token(h.value, "chunked")) {
                return fatal(411, "chunked request bodies are not accepted;"
                                  " send Content-Length");
            }
            return fatal(411, "Transfer-Encoding is not accepted;"
                              " send Content-Length");
        }
        if (h.name == "content-length") {
            const std::string& v = h.value;
            if (v.empty() || !std::all_of(v.begin(), v.end(), [](char c) {
                    return c >= '0' && c <= '9';
                }))
            {
                return fatal(400, "malformed Content-Length");
            }
            size_t n = 0;
            bool too_big = v.size() > 18;
            if (!too_big) {
                n = std::stoull(v);
            }
            if (too_big || n > limits.max_body) {
                return fatal(413, "request body too large");
            }
            if (have_length && n != content_length) {
                return fatal(400, "conflicting Content-Length");
            }
            content_length = n;
            have_length = true;
        }
        if (h.name == "expect") {
            if (iequals(h.value, "100-continue")) {
                expect_continue = minor >= 1;
            } else {
                bad_expect = true;
            }
        }
    }
    size_t total = header_end + content_length;
    if (in.size() < total) {
        return NeedMoreData{total, expect_continue};
    }

    // The message is framed: from here on a bad request can be answered
    // and the connection resynced after `total` bytes.
    Request req;
    req.version_minor = minor;
    req.keep_alive = minor >= 1;
    for (const auto& h : headers) {
        if (h.name == "connection") {
            if (has_token(h.value, "close")) {
                req.keep_alive = false;
            } else if (has_token(h.value, "keep-alive")) {
                req.keep_alive = true;
            }
        }
    }
    auto reject = [&](int status, std::string reason) -> ParseResult {
        return ParseError{status, std::move(reason), total, req.keep_alive};
    };

    if (!parse_method(method, &req.method)) {
        return reject(501, "method not implemented");
    }
    if (bad_expect) {
        return reject(417, "unsupported expectation");
    }
    size_t hosts = std::count_if(headers.begin(), headers.end(),
                                 [](const Header& h) { return h.name == "host"; });
    if (hosts > 1 || (minor >= 1 && hosts == 0)) {
        return reject(400, "exactly one Host header is required");
    }

    for (char c : target) {
        unsigned char u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f || c == '#') {
            return reject(400, "bad character in request target");
        }
    }
    std::string_view origin_form = target;
    if (target == "*") {
        if (req.method != Method::Options) {
            return reject(400, "'*' target is only for OPTIONS");
        }
    } else if (target.front() != '/') {
        // absolute-form (RFC 9112 3.2.2): drop scheme and authority.
        size_t scheme_end = target.find("://");
        std::string_view scheme = target.substr(0, scheme_end);
        if (scheme_end == std::string_view::npos
            || !(iequals(scheme, "http") || iequals(scheme, "https")))
        {
            return reject(400, "malformed request target");
        }
        size_t path_start = target.find_first_of("/?", scheme_end + 3);
        if (path_start == std::string_view::npos) {
            origin_form = "/";
        } else if (target[path_start] == '?') {
            return reject(400, "malformed request target");
        } else {
            origin_form = target.substr(path_start);
        }
    }
    req.target.assign(target);

    if (origin_form == "*") {
        req.path = "*";
    } else {
        size_t q = origin_form.find('?');
        std::string why;
        if (!decode_path(origin_form.substr(0, q), &req.path, &why)) {
            return reject(400, why);
        }
        if (q != std::string_view::npos
            && !parse_query(origin_form.substr(q + 1), &req.query))
        {
            return reject(400, "malformed query string");
        }
    }
    req.headers = std::move(headers);
    req.body.assign(in.substr(header_end, content_length));
    return Parsed{std::move(req), total};
}

}  // namespace fanout::http
