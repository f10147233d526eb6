#include "http/access.h"

namespace fanout::http {

bool peer_allowed(const std::vector<Cidr>& allowed,
                  const boost::asio::ip::address& peer)
{
    boost::asio::ip::address a = peer;
    if (a.is_v6() && a.to_v6().is_v4_mapped()) {
        a = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped,
                                             a.to_v6());
    }
    if (allowed.empty()) {
        return a.is_loopback();
    }
    if (!a.is_v4()) {
        return false;
    }
    uint32_t v4 = a.to_v4().to_uint();
    for (const Cidr& c : allowed) {
        if (c.contains(v4)) {
            return true;
        }
    }
    return false;
}

}  // namespace fanout::http
