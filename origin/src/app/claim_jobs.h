// app/claim_jobs.h — the publish gate's store work, as it runs on the
// membership lane (blocking; never call these on the event loop).
#pragma once

#include <string>

#include "app/publish_gate.h"
#include "package/segment_store.h"

namespace fanout::app_jobs {

// Claims c (c.take_over_session may be set).  OK: reads the stream's last
// progress and the store's clock in the same job, for the continuation,
// and names the live session the claim replaced, if any (one lookup
// before the claim: its liveStreamEnded is the new owner's to post).
// CONFLICT without a takeover: looks the owner up.
PublishGate::ClaimResult claim(fo_store* store, const fo_claim& c);

// Writes the session's progress, with its live figures (rates, and the
// renditions read from segments: app/live_figures.h), and tells whether
// the session still
// owns the stream: Lost when another session does, Unclaimed when nobody
// does (reaped while this origin could not heartbeat), Unknown when the
// store could not say.  With no progress to write yet, a lookup answers.
PublishGate::Standing write_progress(fo_store* store,
                                     const package::SegmentStore& segments,
                                     const StreamKey& key,
                                     const std::string& session,
                                     const LiveRates& rates = {});

// The publish ended: progress (live figures zero), then release (only
// the owner's is).
// Returns the release's status and message.
std::pair<fo_status, std::string> finish(fo_store* store,
                                         const package::SegmentStore& segments,
                                         const StreamKey& key,
                                         const std::string& session);

}  // namespace fanout::app_jobs
