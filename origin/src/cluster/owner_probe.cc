#include "cluster/owner_probe.h"

#include "cluster/cluster_call.h"

namespace fanout::cluster {

void probe_owner(boost::asio::io_context& loop, const ProbeTarget& target,
                 const std::string& token, std::chrono::milliseconds timeout,
                 std::function<void(OwnerAnswer)> done)
{
    CallRequest r{target.host, target.port, "GET",
                  std::string(kInternalStreamsPath) + target.key.app + "/"
                      + target.key.id,
                  token};
    cluster_call(
        loop, r, timeout,
        [key = target.key, done = std::move(done)](CallAnswer a) {
            switch (a.kind) {
                case CallAnswer::Kind::Answered:
                    return done(parse_owner_answer(a.status, a.body, key));
                case CallAnswer::Kind::Unreachable:
                    return done(OwnerAnswer{
                        OwnerAnswer::Kind::Unreachable, {}, a.detail});
                case CallAnswer::Kind::Malformed:
                    break;
            }
            done(OwnerAnswer{OwnerAnswer::Kind::Malformed, {}, a.detail});
        });
}

}  // namespace fanout::cluster
