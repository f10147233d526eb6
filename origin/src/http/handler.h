// http/handler.h — what the connection hands a request to.
//
// A handler answers exactly once through `respond`, on the event loop,
// either at once or later from a BlockingPool completion (the nginx
// AGAIN-then-resume pattern).  `respond` holds only a weak reference to
// the connection: calling it after the client went away is a no-op.
#pragma once

#include <cstdint>
#include <functional>

#include <boost/asio/ip/address.hpp>

#include "http/request_parser.h"
#include "http/response.h"

namespace fanout::http {

struct Peer {
    boost::asio::ip::address address;
    uint16_t port = 0;
};

using Respond = std::function<void(Response)>;

class Handler {
public:
    virtual ~Handler() = default;
    virtual void handle(Request request, const Peer& peer, Respond respond) = 0;
};

}  // namespace fanout::http
