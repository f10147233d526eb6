// core/blocking_pool.h — where blocking work (store calls, webhooks) runs so
// the event loop never waits, the way nginx posts to ngx_thread_pool.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <memory>
#include <utility>

namespace fanout {

class BlockingPool {
public:
    BlockingPool(boost::asio::io_context& loop, size_t threads)
        : loop_(loop), pool_(threads)
    {
    }
    ~BlockingPool() { stop(); }

    // Runs work() on a pool thread, then done(result) on the event loop.
    template <class Work, class Done>
    void run(Work work, Done done)
    {
        boost::asio::post(pool_, [this, work = std::move(work),
                                  done = std::move(done)]() mutable {
            auto result = work();
            boost::asio::post(loop_, [done = std::move(done),
                                      result = std::move(result)]() mutable {
                done(std::move(result));
            });
        });
    }

    // Fire and forget: work() on a pool thread.
    template <class Work>
    void detach(Work work)
    {
        boost::asio::post(pool_, std::move(work));
    }

    // Waits for queued work to finish; later run() calls are dropped.
    void stop() { pool_.join(); }

private:
    boost::asio::io_context& loop_;
    boost::asio::thread_pool pool_;
};

}  // namespace fanout
