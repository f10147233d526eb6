// http/access.h — who may call the REST API and /metrics: an IP allowlist
// of CIDRs (Ant Media's remoteAllowedCIDR).  Pure.
#pragma once

#include <vector>

#include <boost/asio/ip/address.hpp>

#include "core/config.h"

namespace fanout::http {

// With no CIDRs configured only loopback (127.0.0.0/8, ::1) is allowed.
// IPv4-mapped IPv6 peers are matched as IPv4; other IPv6 peers only by
// the loopback default, since Cidr is IPv4.
bool peer_allowed(const std::vector<Cidr>& allowed,
                  const boost::asio::ip::address& peer);

}  // namespace fanout::http
