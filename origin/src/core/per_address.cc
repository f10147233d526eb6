// core/per_address.cc — see per_address.h.
#include "core/per_address.h"

namespace fanout {
namespace {

// IPv4-mapped IPv6 counts as its IPv4 address.
boost::asio::ip::address plain(const boost::asio::ip::address& a)
{
    if (a.is_v6() && a.to_v6().is_v4_mapped()) {
        return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped,
                                                a.to_v6());
    }
    return a;
}

std::string key_of(const boost::asio::ip::address& a)
{
    if (a.is_v4()) {
        auto b = a.to_v4().to_bytes();
        return std::string(b.begin(), b.end());
    }
    auto b = a.to_v6().to_bytes();
    return std::string(b.begin(), b.end());
}

}  // namespace

bool PerAddress::exempt(const boost::asio::ip::address& a) const
{
    if (!a.is_v4()) return false;
    const uint32_t v = a.to_v4().to_uint();
    for (const Cidr& c : exempt_) {
        if (c.contains(v)) return true;
    }
    return false;
}

bool PerAddress::admit(const boost::asio::ip::address& addr)
{
    const boost::asio::ip::address a = plain(addr);
    if (limit_ == 0 || exempt(a)) return true;
    size_t& n = open_[key_of(a)];
    if (n >= limit_) return false;
    n++;
    return true;
}

void PerAddress::release(const boost::asio::ip::address& addr)
{
    const boost::asio::ip::address a = plain(addr);
    if (limit_ == 0 || exempt(a)) return;
    auto it = open_.find(key_of(a));
    if (it == open_.end()) return;
    if (--it->second == 0) open_.erase(it);
}

}  // namespace fanout
