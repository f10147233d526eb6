// core/blocking_pool.h — where blocking work (store calls, /proc, disk) runs
// so the event loop never waits, the way nginx posts to ngx_thread_pool.
// The origin has two, each a lane with its own threads (and its own store
// handle): REST, bounded, and membership (heartbeats, claims, progress,
// releases), which REST therefore cannot starve.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <memory>
#include <utility>

namespace fanout {

class BlockingPool {
public:
    // max_pending: how much work may be queued or running at once before
    // full() (0: no bound).  run() itself never refuses.
    BlockingPool(boost::asio::io_context& loop, size_t threads,
                 size_t max_pending = 0)
        : loop_(loop), pool_(threads), max_pending_(max_pending)
    {
    }
    ~BlockingPool() { stop(); }

    // Runs work() on a pool thread, then done(result) on the event loop.
    template <class Work, class Done>
    void run(Work work, Done done)
    {
        pending_++;
        boost::asio::post(pool_, [this, work = std::move(work),
                                  done = std::move(done)]() mutable {
            auto result = work();
            pending_--;
            boost::asio::post(loop_, [done = std::move(done),
                                      result = std::move(result)]() mutable {
                done(std::move(result));
            });
        });
    }

    // max_pending works are queued or running: a caller that may refuse
    // (REST) answers "busy" instead of calling run().  Read it on the
    // event loop, the only thread that adds work; the workers only ever
    // lower the count, so a "not full" seen there stays true until run().
    bool full() const
    {
        return max_pending_ != 0 && pending_.load() >= max_pending_;
    }

    // Fire and forget: work() on a pool thread.
    template <class Work>
    void detach(Work work)
    {
        boost::asio::post(pool_, std::move(work));
    }

    // Work queued or running now.
    size_t pending() const { return pending_.load(); }
    size_t max_pending() const { return max_pending_; }

    // Waits for queued work to finish; later run() calls are dropped.
    void stop() { pool_.join(); }

private:
    boost::asio::io_context& loop_;
    boost::asio::thread_pool pool_;
    const size_t max_pending_;
    std::atomic<size_t> pending_{0};
};

}  // namespace fanout
