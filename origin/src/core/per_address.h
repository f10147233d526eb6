// core/per_address.h — connections per client address, for the RTMP and
// HTTP servers' caps (rtmp.max_connections_per_ip,
// http.max_connections_per_ip).  The trusted proxies (http.trusted_proxies:
// the load balancers, every client's connections arrive from them) are not
// capped.  Owned by one event loop: no locking.
#pragma once

#include <cstddef>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/ip/address.hpp>

#include "core/config.h"

namespace fanout {

class PerAddress {
public:
    // limit 0: no cap.
    PerAddress(size_t limit, std::vector<Cidr> exempt)
        : limit_(limit), exempt_(std::move(exempt))
    {
    }

    // Counts a new connection from a; false (nothing counted) when a is
    // at its cap.
    bool admit(const boost::asio::ip::address& a);
    // The connection admit() counted has closed.
    void release(const boost::asio::ip::address& a);

    size_t addresses() const { return open_.size(); }
    size_t limit() const { return limit_; }

private:
    bool exempt(const boost::asio::ip::address& a) const;

    size_t limit_;
    std::vector<Cidr> exempt_;
    std::unordered_map<std::string, size_t> open_;  // by address bytes
};

}  // namespace fanout
