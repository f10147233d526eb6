// The publish gate's upkeep at every heartbeat (see publish_gate.h):
// re-claims after a store outage, progress writes, and dropping the
// publishes whose stream another origin took over.
#include <memory>

#include "app/claim_jobs.h"
#include "app/publish_gate.h"
#include "core/log.h"
#include "package/segment_store.h"

namespace fanout {

void PublishGate::after_beat(bool store_ok)
{
    reconcile(store_ok);
    if (store_ok) {
        write_progress();
    }
}

void PublishGate::reconcile(bool store_ok)
{
    bool recovered = store_ok && !store_was_ok_;
    store_was_ok_ = store_ok;
    if (!store_ok) {
        return;
    }
    if (recovered) {
        // The store may have lost what we wrote (a restarted in-memory
        // server) or reaped us while we could not heartbeat: claim every
        // live publish again; for the owning session it is a no-op, and a
        // CONFLICT means the stream was taken over meanwhile.
        for (auto& [key, live] : live_) {
            live.claimed = live.claiming ? live.claimed : false;
        }
    }
    for (auto& [key, live] : live_) {
        if (live.claimed || live.claiming || !live.admitted) {
            continue;
        }
        live.claiming = true;
        claim(live, {}, [this, k = key, s = live.session_id](ClaimResult r) {
            reclaimed(k, s, std::move(r));
        });
    }
}

void PublishGate::reclaimed(const StreamKey& key, const std::string& session,
                            ClaimResult r)
{
    auto it = live_.find(key);
    if (it == live_.end() || it->second.session_id != session) {
        return;
    }
    it->second.claiming = false;
    if (r.status == FO_OK) {
        it->second.claimed = true;
        log::info("publish " + key.str() + " recorded in the store");
    } else if (r.status == FO_CONFLICT) {
        lost(key, session, "its claim, made again, conflicts");
    }
}

void PublishGate::write_progress()
{
    if (progress_in_flight_) {
        return;  // a slow store: never queue writes behind writes
    }
    auto items = std::make_shared<std::vector<std::pair<Live, Standing>>>();
    for (auto& [key, live] : live_) {
        if (live.claimed && !live.claiming && live.admitted) {
            live.measured = live.rates ? live.rates() : LiveRates{};
            items->push_back({live, Standing::Unknown});
        }
    }
    if (items->empty()) {
        return;
    }
    progress_in_flight_ = true;
    fo_store* store = ctx_.cluster_handle();
    const package::SegmentStore* segments = &ctx_.segments;
    ctx_.cluster_lane().run(
        [store, segments, items]() {
            for (auto& [live, standing] : *items) {
                standing = app_jobs::write_progress(
                    store, *segments, live.key, live.session_id, live.measured);
            }
            return items;
        },
        [this](std::shared_ptr<std::vector<std::pair<Live, Standing>>> r) {
            progress_in_flight_ = false;
            progressed(*r);
        });
}

void PublishGate::progressed(
    const std::vector<std::pair<Live, Standing>>& standings)
{
    bool unclaimed = false;
    for (const auto& [written, standing] : standings) {
        auto it = live_.find(written.key);
        if (it == live_.end() || it->second.session_id != written.session_id) {
            continue;  // ended meanwhile
        }
        if (standing == Standing::Lost) {
            lost(written.key, written.session_id,
                 "its progress write found another session owning it");
        } else if (standing == Standing::Unclaimed) {
            // Reaped while this origin could not heartbeat (paused, cut
            // off), and nobody took it: claim it again now, not at the
            // next beat.  The edges serve its last playlist for a bounded
            // grace only; a period later can be past it.
            it->second.claimed = false;
            unclaimed = true;
        }
    }
    if (unclaimed) {
        reconcile(true);
    }
}

void PublishGate::lost(const StreamKey& key, const std::string& session,
                       const std::string& why)
{
    auto it = live_.find(key);
    if (it == live_.end() || it->second.session_id != session) {
        return;
    }
    auto revoke = std::move(it->second.revoke);
    live_.erase(it);
    ctx_.metrics.publishers--;
    ctx_.metrics.streams_lost_total++;
    log::warn("publish " + key.str() + " session " + session
              + " lost to another origin (" + why
              + "): closing the publisher, no longer serving it");
    // Withdrawn first: the publisher's end must not list an ENDLIST the
    // new owner's viewers would see.  The gate no longer knows the
    // session, so the hub's end (ended()) releases nothing.
    ctx_.segments.withdraw(key, session);
    if (revoke) {
        revoke("the stream was taken over by another origin");
    }
}

}  // namespace fanout
