// The request-target: absolute-form to origin-form, the path and the
// query percent-decoded (the origin's one percent-decoder), dot segments
// refused.  Pure, like the rest of the parser (request_parser.h).
#include "http/request_parser.h"

#include <string>
#include <string_view>

namespace fanout::http {

namespace {

int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// The origin's one percent-decoder.  Decodes %XX escapes ('+' is a space
// when `plus`: query strings) and asks `refuse(byte, escaped)` about each
// byte as decoded: a reason refuses it, nullptr keeps it.
template <class Refuse>
Result<std::string> percent_decode(std::string_view raw, bool plus,
                                   Refuse refuse)
{
    std::string out;
    out.reserve(raw.size());
    for (size_t i = 0; i < raw.size(); i++) {
        unsigned char c = static_cast<unsigned char>(raw[i]);
        bool escaped = c == '%';
        if (escaped) {
            if (raw.size() - i < 3) {
                return Error("truncated percent escape");
            }
            int hi = hex_value(raw[i + 1]);
            int lo = hex_value(raw[i + 2]);
            if (hi < 0 || lo < 0) {
                return Error("bad percent escape");
            }
            c = static_cast<unsigned char>(hi * 16 + lo);
            i += 2;
        } else if (c == '+' && plus) {
            c = ' ';
        }
        if (const char* why = refuse(c, escaped)) {
            return Error(why);
        }
        out.push_back(static_cast<char>(c));
    }
    return out;
}

// A path byte, as decoded.  An encoded '/' would let a segment smuggle a
// separator past the router; NUL and controls end C strings and log lines.
const char* refuse_in_path(unsigned char c, bool escaped)
{
    if (!escaped) {
        return (c <= 0x20 || c >= 0x7f) ? "bad character in path" : nullptr;
    }
    if (c == '/') {
        return "encoded '/' in path";
    }
    if (c == 0) {
        return "encoded NUL in path";
    }
    if (c < 0x20 || c == 0x7f) {
        return "encoded control character in path";
    }
    return nullptr;
}

const char* refuse_in_query(unsigned char c, bool escaped)
{
    return (escaped && c == 0) ? "encoded NUL" : nullptr;
}

bool has_dot_segment(std::string_view path)
{
    size_t start = 1;
    while (start <= path.size()) {
        size_t slash = path.find('/', start);
        size_t end = slash == std::string_view::npos ? path.size() : slash;
        std::string_view seg = path.substr(start, end - start);
        if (seg == "." || seg == "..") {
            return true;
        }
        if (slash == std::string_view::npos) {
            break;
        }
        start = slash + 1;
    }
    return false;
}

// The origin-form of a request-target: absolute-form (RFC 9112 3.2.2)
// loses its scheme and authority; "*" stays, for OPTIONS only.
Result<std::string_view> origin_form(std::string_view target, Method method)
{
    for (char c : target) {
        unsigned char u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f || c == '#') {
            return Error(400, "bad character in request target");
        }
    }
    if (target == "*") {
        if (method != Method::Options) {
            return Error(400, "'*' target is only for OPTIONS");
        }
        return target;
    }
    if (target.front() == '/') {
        return target;
    }
    size_t scheme_end = target.find("://");
    std::string_view scheme = target.substr(0, scheme_end);
    if (scheme_end == std::string_view::npos
        || !(iequals(scheme, "http") || iequals(scheme, "https"))) {
        return Error(400, "malformed request target");
    }
    size_t path_start = target.find_first_of("/?", scheme_end + 3);
    if (path_start == std::string_view::npos) {
        return std::string_view("/");
    }
    if (target[path_start] == '?') {
        return Error(400, "malformed request target");
    }
    return target.substr(path_start);
}

}  // namespace

bool decode_path(std::string_view raw, std::string* out, std::string* why)
{
    if (raw.empty() || raw.front() != '/') {
        *why = "path must start with '/'";
        return false;
    }
    Result<std::string> path = percent_decode(raw, false, refuse_in_path);
    if (!path) {
        *why = path.error().message();
        return false;
    }
    // Checked after decoding, so "%2e%2E" is caught like "..".
    if (has_dot_segment(path.value())) {
        *why = "dot segment in path";
        return false;
    }
    *out = std::move(path.value());
    return true;
}

bool parse_query(std::string_view raw,
                 std::vector<std::pair<std::string, std::string>>* out)
{
    out->clear();
    while (!raw.empty()) {
        size_t amp = raw.find('&');
        std::string_view item = raw.substr(0, amp);
        if (!item.empty()) {
            size_t eq = item.find('=');
            Result<std::string> k =
                percent_decode(item.substr(0, eq), true, refuse_in_query);
            Result<std::string> v = percent_decode(
                eq == std::string_view::npos ? "" : item.substr(eq + 1), true,
                refuse_in_query);
            if (!k || !v) {
                return false;
            }
            out->emplace_back(std::move(k.value()), std::move(v.value()));
        }
        if (amp == std::string_view::npos) {
            break;
        }
        raw.remove_prefix(amp + 1);
    }
    return true;
}

Status parse_target(std::string_view target, Request& req)
{
    Result<std::string_view> form = origin_form(target, req.method);
    if (!form) {
        return form.error();
    }
    req.target.assign(target);
    if (form.value() == "*") {
        req.path = "*";
        return Status();
    }
    size_t q = form->find('?');
    std::string why;
    if (!decode_path(form->substr(0, q), &req.path, &why)) {
        return Error(400, why);
    }
    if (q != std::string_view::npos
        && !parse_query(form->substr(q + 1), &req.query)) {
        return Error(400, "malformed query string");
    }
    return Status();
}

}  // namespace fanout::http
