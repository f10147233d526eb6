// load/src/socket_source.h — a client socket opened on a given local
// address (fanout-load's --source-addresses), before its async_connect.
#pragma once

#include <utility>  // before Asio: its awaitable.hpp needs std::exchange

#include <boost/asio.hpp>
#include <string>

namespace fanout::load {

// Closes sock if open, then, when source is not empty, opens it for to's
// protocol and binds it to source (any port).  An empty source leaves it
// closed: async_connect opens it on the kernel's choice.
inline boost::system::error_code open_from(
    boost::asio::ip::tcp::socket& sock,
    const boost::asio::ip::tcp::endpoint& to, const std::string& source)
{
    boost::system::error_code ec;
    if (sock.is_open()) sock.close(ec);
    if (source.empty()) return {};
    boost::asio::ip::address a = boost::asio::ip::make_address(source, ec);
    if (ec) return ec;
    sock.open(to.protocol(), ec);
    if (!ec) sock.bind({a, 0}, ec);
    if (ec) sock.close();
    return ec;
}

}  // namespace fanout::load
