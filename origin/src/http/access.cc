#include "http/access.h"

#include <string>

namespace fanout::http {

namespace {

using boost::asio::ip::address;

address unmapped(const address& a)
{
    if (a.is_v6() && a.to_v6().is_v4_mapped()) {
        return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped,
                                                a.to_v6());
    }
    return a;
}

std::string_view trim(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

// One X-Forwarded-For / X-Real-IP entry: an IPv4 or IPv6 address, an
// IPv6 one possibly in brackets (RFC 7239 style).  No ports.
std::optional<address> parse_entry(std::string_view text)
{
    text = trim(text);
    if (text.size() > 2 && text.front() == '[' && text.back() == ']') {
        text = text.substr(1, text.size() - 2);
    }
    if (text.empty() || text.size() > 64) {
        return std::nullopt;
    }
    boost::system::error_code ec;
    address a = boost::asio::ip::make_address(std::string(text), ec);
    if (ec) {
        return std::nullopt;
    }
    return unmapped(a);
}

}  // namespace

bool in_cidrs(const std::vector<Cidr>& cidrs, const address& addr)
{
    const address a = unmapped(addr);
    if (!a.is_v4()) {
        return false;
    }
    const uint32_t v4 = a.to_v4().to_uint();
    for (const Cidr& c : cidrs) {
        if (c.contains(v4)) {
            return true;
        }
    }
    return false;
}

bool peer_allowed(const std::vector<Cidr>& allowed, const address& peer)
{
    if (allowed.empty()) {
        return unmapped(peer).is_loopback();
    }
    return in_cidrs(allowed, peer);
}

std::optional<address> client_address(const std::vector<Cidr>& trusted,
                                      const address& peer, std::string_view xff,
                                      std::string_view real_ip)
{
    if (!in_cidrs(trusted, peer)) {
        return peer;
    }
    if (trim(xff).empty()) {
        return trim(real_ip).empty() ? std::optional<address>(peer)
                                     : parse_entry(real_ip);
    }
    std::optional<address> client;
    for (;;) {
        const size_t comma = xff.rfind(',');
        const std::string_view item =
            comma == std::string_view::npos ? xff : xff.substr(comma + 1);
        client = parse_entry(item);
        if (!client || !in_cidrs(trusted, *client)
            || comma == std::string_view::npos) {
            return client;
        }
        xff = xff.substr(0, comma);
    }
}

}  // namespace fanout::http
