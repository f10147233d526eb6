// app/publish_gate.h — decides whether a publish may start (admission),
// and keeps the cluster store's record of it true: claim on publish, take
// the stream over from an owner that has no live publisher of it
// (cluster/takeover.h), write each stream's progress with every heartbeat
// (what a successor continues from), release when it ends, re-claim what
// the store missed while it was unreachable (ingest never waits for it),
// and drop a publish whose stream another origin took over meanwhile.  It
// forwards no media: an admitted publish gets its hub from
// app/live_streams.h.  Store calls run on the membership lane.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "app/live_figures.h"
#include "auth/publish_auth.h"
#include "cluster/takeover.h"
#include "cluster/webhooks.h"
#include "core/error.h"
#include "core/origin_context.h"
#include "core/stream_key.h"
#include "ingest/publish_control.h"
#include "package/continuation.h"

namespace fanout {

// The application's settings a publish reads once, with its token
// controls (the stored document over origin.properties'): a change
// applies to the next publish.
struct PublishSettings {
    // Where this session's webhooks go: the app's listenerHookURL
    // (cluster/hook_settings.h).
    std::string hook_url;
    // Its segment duration: the app's hlsTime (package/
    // hls_time_setting.h), in ms.
    int hls_time_ms = 2000;
};

// An admitted publish: ended(key, session_id) when it is over.  Its
// numbering continues the stream's last publish (`from`).
struct Admission {
    StreamKey key;
    std::string session_id;
    package::Continuation from;
    int hls_time_ms = 2000;  // PublishSettings::hls_time_ms
};

class PublishGate {
public:
    PublishGate(OriginContext& ctx, cluster::Webhooks& hooks);

    // Called on the event loop; never blocks.  done is called exactly once
    // on the event loop, possibly later (the store is asked on a worker
    // thread, the owner over HTTP).  Refused: an unknown application, a
    // stream already live on this origin, a token the application's
    // controls do not accept (checked before the claim, and so before any
    // takeover), or (store CONFLICT) one whose owner has a live publisher
    // of it or cannot be trusted.  A store that
    // cannot answer does not refuse: the publish goes on unclaimed, and
    // reconcile() claims it when the store is back.
    void admit(const ingest::PublishRequest& request,
               std::function<void(Result<Admission>)> done);

    // The admitted publish is over: its progress is written and its claim
    // released (on the lane).  A session that is no longer the stream's is
    // ignored.
    void ended(const StreamKey& key, const std::string& session_id);

    // Publishes live on this origin now.
    int32_t active() const { return static_cast<int32_t>(live_.size()); }

    // The session of key's admitted publish here (the internal endpoint).
    std::optional<std::string> live_session(const StreamKey& key) const;

    // Closes key's admitted publish here (the REST stop, issue #15): its
    // connection is closed, and its end releases the claim as any
    // unpublish does (ended()).  false when none is here.  The publisher
    // may publish again at once, as in Ant Media.
    bool stop(const StreamKey& key, const std::string& why);

    // How the session's bitrate and speed are measured (app/
    // live_streams.h); called on the loop before each progress write.
    void attach_rates(const StreamKey& key, const std::string& session_id,
                      std::function<LiveRates()> rates);

    // After each heartbeat: claims the sessions that started while the
    // store was unreachable, and writes every claimed stream's progress.
    void after_beat(bool store_ok);

    // Blocking, at shutdown: writes progress and releases every live claim.
    void release_all_blocking();

    struct Live {
        StreamKey key;
        std::string session_id;
        bool claimed = false;
        bool claiming = false;
        bool admitted = false;
        std::function<void(const std::string&)> revoke;
        PublishSettings settings;  // as its publish read them
        std::function<LiveRates()> rates;  // null: not measured
        LiveRates measured;  // what the progress write in flight carries
    };

    // What a claim job brings back from the lane.
    struct ClaimResult {
        fo_status status = FO_OK;
        std::string message;
        bool have_owner = false;  // CONFLICT: who owns the stream
        fo_origin owner{};
        fo_progress progress{};  // OK: the stream's last progress
        int64_t now_ms = 0;  // the store's clock then
        std::string replaced;  // OK: the live session it ended (a dead
            // owner's, or the one taken over)
    };

    // What a progress write found for one stream.
    enum class Standing { Kept, Lost, Unclaimed, Unknown };

private:
    using Done = std::function<void(Result<Admission>)>;

    void reconcile(bool store_ok);
    void write_progress();
    // The application's token controls (auth/publish_auth.h), on the REST
    // lane, before any store write: then the claim, or a refusal.
    void authorize(const Live& live, const ingest::PublishRequest& req,
                   Done done);
    void authorized(const StreamKey& key, const std::string& session,
                    const ingest::PublishRequest& req, auth::PublishAuth a,
                    Done done);
    // take_over: the owning session to replace, or empty.
    void claim(const Live& live, const std::string& take_over,
               std::function<void(ClaimResult)> done);
    void claimed(const StreamKey& key, const ingest::PublishRequest& req,
                 ClaimResult r, Done done, const std::string& taken_from);
    void refuse(const StreamKey& key, const std::string& why, Done& done);
    PublishSettings publish_settings(const std::string& app,
                                     const auth::PublishAuth& a);
    void take_over(const StreamKey& key, const ingest::PublishRequest& req,
                   const fo_origin& owner, Done done);
    void owner_answered(const StreamKey& key, const ingest::PublishRequest& req,
                        const std::string& session,
                        const std::string& owner_session,
                        const cluster::OwnerAnswer& answer, Done done);
    void reclaimed(const StreamKey& key, const std::string& session,
                   ClaimResult r);
    void progressed(const std::vector<std::pair<Live, Standing>>& standings);
    // Another origin owns the stream now: drop the publish, never touching
    // the store's record.
    void lost(const StreamKey& key, const std::string& session,
              const std::string& why);

    OriginContext& ctx_;
    cluster::Webhooks& hooks_;
    std::map<StreamKey, Live> live_;
    // Each application's token settings as last read from the store: what
    // applies while the store cannot answer (else origin.properties').
    std::map<std::string, auth::TokenSettings> token_settings_;
    // The same for each application's PublishSettings.
    std::map<std::string, PublishSettings> publish_settings_;
    bool store_was_ok_ = true;
    bool progress_in_flight_ = false;
};

}  // namespace fanout
