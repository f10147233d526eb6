#include "viewer_model.h"

#include <algorithm>
#include <cmath>

namespace fanout::load {

void PlayerBuffer::advance(double now)
{
    if (now <= last_) return;
    if (playing_) {
        const double played = now - last_;
        // Equal is just in time: a player plays on (within a microsecond).
        if (played > buffered_ + 1e-6) {
            dry_since_ = last_ + buffered_;
            buffered_ = 0;
            playing_ = false;
            stalls_++;
        } else {
            buffered_ = std::max(0.0, buffered_ - played);
        }
    }
    last_ = now;
}

void PlayerBuffer::add(double now, double duration_s)
{
    if (!first_add_) first_add_ = now;
    if (!started_) last_ = now;
    advance(now);
    buffered_ += duration_s;
    if (!started_) {
        if (buffered_ + 1e-9 >= start_) {
            started_ = playing_ = true;
            startup_ = now - *first_add_;
        }
    } else if (!playing_) {
        stalled_ += now - dry_since_;
        playing_ = true;
    }
}

size_t choose_variant(const std::vector<HlsVariant>& variants,
                      const RenditionPolicy& policy)
{
    if (variants.empty()) return 0;
    if (!policy.bandwidth_bps)
        return std::min(policy.index, variants.size() - 1);
    size_t best = variants.size(), lowest = 0;
    for (size_t i = 0; i < variants.size(); i++) {
        const uint64_t bw = variants[i].bandwidth;
        if (bw < variants[lowest].bandwidth) lowest = i;
        if (bw <= *policy.bandwidth_bps
            && (best == variants.size() || bw > variants[best].bandwidth))
            best = i;
    }
    return best == variants.size() ? lowest : best;
}

SegmentPlan plan_segments(const HlsPlaylist& p, std::optional<uint64_t> last,
                          size_t start_segments)
{
    SegmentPlan plan;
    const auto& s = p.segments;
    if (s.empty()) return plan;
    size_t from = 0;
    if (!last) {
        from = s.size() > start_segments ? s.size() - start_segments : 0;
    } else {
        while (from < s.size() && s[from].sequence <= *last)
            from++;
        if (s.front().sequence > *last + 1)
            plan.skipped = s.front().sequence - *last - 1;
    }
    for (size_t i = from; i < s.size(); i++)
        plan.fetch.push_back(&s[i]);
    return plan;
}

double reload_delay_s(double target_duration_s, bool changed)
{
    const double target = target_duration_s > 0 ? target_duration_s : 1;
    return changed ? target : target / 2;
}

StreamPicker::StreamPicker(size_t count, double s)
{
    double sum = 0;
    for (size_t k = 0; k < std::max<size_t>(count, 1); k++) {
        sum += s == 0 ? 1 : 1 / std::pow(double(k + 1), s);
        cdf_.push_back(sum);
    }
    for (double& c : cdf_)
        c /= sum;
}

size_t StreamPicker::pick(double u) const
{
    auto it = std::upper_bound(cdf_.begin(), cdf_.end(), u);
    return std::min<size_t>(size_t(it - cdf_.begin()), cdf_.size() - 1);
}

}  // namespace fanout::load
