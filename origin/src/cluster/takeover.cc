#include "cluster/takeover.h"

#include <charconv>
#include <nlohmann/json.hpp>

namespace fanout::cluster {

namespace {

OwnerAnswer answer(OwnerAnswer::Kind kind, std::string detail,
                   std::string session = {})
{
    return OwnerAnswer{kind, std::move(session), std::move(detail)};
}

bool iequals(std::string_view a, std::string_view b)
{
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); i++) {
        if (std::tolower(static_cast<unsigned char>(a[i]))
            != std::tolower(static_cast<unsigned char>(b[i]))) {
            return false;
        }
    }
    return true;
}

// The Content-Length of a header block, -1 when absent, -2 when bad.
long long content_length(std::string_view headers)
{
    while (!headers.empty()) {
        size_t eol = headers.find("\r\n");
        std::string_view line = headers.substr(0, eol);
        headers.remove_prefix(eol == std::string_view::npos ? headers.size()
                                                            : eol + 2);
        size_t colon = line.find(':');
        if (colon == std::string_view::npos
            || !iequals(line.substr(0, colon), "content-length")) {
            continue;
        }
        std::string_view v = line.substr(colon + 1);
        while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) {
            v.remove_prefix(1);
        }
        while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) {
            v.remove_suffix(1);
        }
        long long n = 0;
        auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
        if (ec != std::errc() || end != v.data() + v.size() || n < 0) {
            return -2;
        }
        return n;
    }
    return -1;
}

}  // namespace

bool split_http_response(std::string_view bytes, int* status, std::string* body)
{
    // "HTTP/1.x NNN reason\r\n"
    if (bytes.size() < 12 || bytes.substr(0, 7) != "HTTP/1."
        || bytes[8] != ' ') {
        return false;
    }
    int code = 0;
    auto [end, ec] = std::from_chars(bytes.data() + 9, bytes.data() + 12, code);
    if (ec != std::errc() || end != bytes.data() + 12 || code < 100) {
        return false;
    }
    size_t head_end = bytes.find("\r\n\r\n");
    size_t eol = bytes.find("\r\n");
    if (head_end == std::string_view::npos) {
        return false;
    }
    std::string_view headers = bytes.substr(eol + 2, head_end - eol);
    std::string_view rest = bytes.substr(head_end + 4);
    long long length = content_length(headers);
    if (length == -2
        || (length >= 0 && static_cast<size_t>(length) != rest.size())) {
        return false;
    }
    *status = code;
    body->assign(rest);
    return true;
}

OwnerAnswer parse_owner_answer(int status, std::string_view body,
                               const StreamKey& key)
{
    using K = OwnerAnswer::Kind;
    if (status == 401 || status == 403) {
        return answer(K::Unauthorized,
                      "the owner refused our ClusterAuthorization ("
                          + std::to_string(status)
                          + "): clusterCommunicationKey differs?");
    }
    if (status != 200) {
        return answer(K::Malformed,
                      "the owner answered " + std::to_string(status));
    }
    auto j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        return answer(K::Malformed, "the owner's answer is not JSON");
    }
    auto live = j.find("live");
    auto session = j.find("sessionId");
    auto id = j.find("streamId");
    auto app = j.find("app");
    if (live == j.end() || !live->is_boolean() || session == j.end()
        || !session->is_string() || id == j.end() || !id->is_string()
        || app == j.end() || !app->is_string()) {
        return answer(K::Malformed,
                      "the owner's answer lacks app, streamId, live or "
                      "sessionId");
    }
    if (*id != key.id || *app != key.app) {
        return answer(K::Malformed, "the owner answered about another stream");
    }
    if (!live->get<bool>()) {
        return answer(K::NotLive, "the owner has no live publisher");
    }
    std::string s = session->get<std::string>();
    if (s.empty()) {
        return answer(K::Malformed, "the owner is live without a session");
    }
    return answer(K::Live, "the owner has a live publisher, session " + s, s);
}

Takeover decide_takeover(const OwnerAnswer& a, std::string_view store_session)
{
    switch (a.kind) {
        case OwnerAnswer::Kind::Live:
            // Live, but not the session the store names: the store's claim is
            // stale there (an older publish), so it is not this owner's to keep.
            return a.session == store_session ? Takeover::RefuseDuplicate
                                              : Takeover::TakeOver;
        case OwnerAnswer::Kind::NotLive:
        case OwnerAnswer::Kind::Unreachable:
            return Takeover::TakeOver;
        case OwnerAnswer::Kind::Unauthorized:
        case OwnerAnswer::Kind::Malformed:
            break;
    }
    return Takeover::RefuseUntrusted;
}

const char* takeover_name(Takeover t)
{
    switch (t) {
        case Takeover::TakeOver:
            return "take over";
        case Takeover::RefuseDuplicate:
            return "refuse (duplicate publisher)";
        case Takeover::RefuseUntrusted:
            return "refuse (owner's answer untrusted)";
    }
    return "?";
}

}  // namespace fanout::cluster
