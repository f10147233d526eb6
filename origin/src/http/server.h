// http/server.h — the origin's HTTP/1.1 server: one acceptor on the shared
// event loop, connections as state machines (no thread per connection),
// the router behind them.
//
// Usage from main():
//     fanout::http::HttpServer http(ctx);          // ctx: OriginContext
//     if (auto st = http.listen(); !st) { ...st.error().message()... }
//     ctx.loop.run();
//     ...  http.stop();   // on the loop thread, e.g. from a signal handler
//
// Threading: every member function and every handler runs on ctx.loop's
// one thread; store calls go to ctx.pool and come back through it.
#pragma once

#include <cstdint>
#include <memory>

#include "core/error.h"
#include "core/origin_context.h"
#include "http/connection.h"

namespace fanout::http {

class HttpServer {
public:
    explicit HttpServer(OriginContext& ctx, ServerOptions options = {});
    // A test or an embedder may supply its own handler.
    HttpServer(OriginContext& ctx, ServerOptions options,
               std::unique_ptr<Handler> handler);
    ~HttpServer();

    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Binds (config.bind_address, config.http_port; port 0 picks a free
    // one) and starts accepting.  Errors name the address.
    Status listen();

    // The bound port, once listening.
    uint16_t port() const;

    // Stops accepting and closes every connection; pending handler answers
    // are then dropped.  Idempotent.
    void stop();

    const HttpStats& stats() const { return shared_->stats; }

private:
    struct Listener;
    OriginContext& ctx_;
    std::shared_ptr<ConnectionShared> shared_;
    std::shared_ptr<Listener> listener_;
};

}  // namespace fanout::http
