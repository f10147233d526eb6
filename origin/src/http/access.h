// http/access.h — who may call the REST API and /metrics: an IP allowlist
// of CIDRs (Ant Media's remoteAllowedCIDR), checked against the real
// client, which a trusted load balancer names in X-Forwarded-For or
// X-Real-IP.  Pure.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include <boost/asio/ip/address.hpp>

#include "core/config.h"

namespace fanout::http {

// With no CIDRs configured only loopback (127.0.0.0/8, ::1) is allowed.
// IPv4-mapped IPv6 peers are matched as IPv4; other IPv6 peers only by
// the loopback default, since Cidr is IPv4.
bool peer_allowed(const std::vector<Cidr>& allowed,
                  const boost::asio::ip::address& peer);

// True when addr (IPv4, or IPv4-mapped IPv6) is in one of cidrs.
bool in_cidrs(const std::vector<Cidr>& cidrs,
              const boost::asio::ip::address& addr);

// The address a request speaks for (nginx's realip with recursion):
//   - the TCP peer, unless the peer is in `trusted` (http.trusted_proxies);
//   - from a trusted peer, X-Forwarded-For read right to left: the first
//     address that is not itself a trusted proxy (every one trusted: the
//     left-most).  Entries left of it are the client's own words and are
//     never read;
//   - from a trusted peer without X-Forwarded-For, X-Real-IP;
//   - from a trusted peer with neither header, the peer.
// xff: every X-Forwarded-For line, joined with commas, or empty; real_ip:
// X-Real-IP or empty.  nullopt when a trusted peer's header holds
// something that is not an address where it is read: the caller refuses
// (a proxy that forwards garbage is not vouching for anyone).
std::optional<boost::asio::ip::address> client_address(
    const std::vector<Cidr>& trusted, const boost::asio::ip::address& peer,
    std::string_view xff, std::string_view real_ip);

}  // namespace fanout::http
