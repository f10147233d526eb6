// libFuzzer target: the HTTP request parser and the Range parser.
//
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined \
//     -I origin/src tests/fuzz/http_request_fuzz.cc \
//     origin/src/http/{request_parser,request_target,range}.cc
//
// Besides "no crash", it checks the parser's contract: a result never
// claims more bytes than it was given, parsing is a pure function of its
// input, every prefix of a parsed request needs more data (or is already an
// error, never a different request), and decoded paths hold no NUL and no
// dot segments.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/range.h"
#include "http/request_parser.h"

using namespace fanout::http;

namespace {

void check(bool ok)
{
    if (!ok) {
        std::abort();
    }
}

void check_request(const Request& r)
{
    if (r.path == "*") {
        check(r.method == Method::Options);
        return;
    }
    check(!r.path.empty() && r.path[0] == '/');
    check(r.path.find('\0') == std::string::npos);
    check(r.path.find("/../") == std::string::npos);
    check(r.path.find("/./") == std::string::npos);
    check(r.path.size() < 3
          || r.path.compare(r.path.size() - 3, 3, "/..") != 0);
    for (const auto& h : r.headers) {
        for (char c : h.name) {
            check(!(c >= 'A' && c <= 'Z'));
        }
        check(h.value.find('\r') == std::string::npos);
        check(h.value.find('\n') == std::string::npos);
    }
    for (const auto& [k, v] : r.query) {
        check(k.find('\0') == std::string::npos
              && v.find('\0') == std::string::npos);
    }
    if (const std::string* range = r.header("range")) {
        for (uint64_t size : {uint64_t(0), uint64_t(1), uint64_t(1000)}) {
            ByteRange br = parse_range(*range, size);
            if (br.kind == ByteRange::Partial) {
                check(br.first <= br.last && br.last < size);
            }
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    std::string_view in(reinterpret_cast<const char*>(data), size);
    ParseLimits limits;
    limits.max_request_line = 512;  // small limits reach the limit paths
    limits.max_header_bytes = 1024;
    limits.max_headers = 16;
    limits.max_body = 256;

    ParseResult r = parse_request(in, limits);
    if (auto* p = std::get_if<Parsed>(&r)) {
        check(p->consumed > 0 && p->consumed <= size);
        check(p->request.body.size() <= limits.max_body);
        check_request(p->request);
        // Deterministic, and unaffected by what follows the request.
        std::string more(in.substr(0, p->consumed));
        more += "GET / HTTP/1.1\r\n";
        ParseResult again = parse_request(more, limits);
        auto* q = std::get_if<Parsed>(&again);
        check(q && q->consumed == p->consumed
              && q->request.path == p->request.path);
        // A prefix is never a (different) complete request.
        for (size_t cut : {p->consumed - 1, p->consumed / 2}) {
            check(!std::holds_alternative<Parsed>(
                parse_request(in.substr(0, cut), limits)));
        }
    } else if (auto* e = std::get_if<ParseError>(&r)) {
        check(e->status >= 400 && e->status < 600);
        check(e->consumed <= size);
    } else {
        auto& m = std::get<NeedMoreData>(r);
        check(m.total_needed == 0 || m.total_needed > size);
    }

    // The Range parser on raw input too.
    ByteRange br = parse_range(in, 4096);
    if (br.kind == ByteRange::Partial) {
        check(br.first <= br.last && br.last < 4096);
    }
    return 0;
}
