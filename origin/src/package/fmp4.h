// package/fmp4.h — CMAF / fragmented MP4 serialisation.  Pure: configs and
// sample runs in, bytes out.
//
// Track IDs are fixed (video 1, audio 2), so an init segment describing both
// tracks and one describing a single track agree on IDs; the same
// TrackRun can be written muxed (HLS) or alone (DASH) without renumbering.
#pragma once

#include <cstdint>
#include <string>

#include "core/shared_bytes.h"

#include "package/media_segment.h"

namespace fanout::package {

enum class TrackSelect { Both, VideoOnly, AudioOnly };

// ftyp + moov (mvhd, trak per selected track with empty sample tables and
// stsd avc1/hvc1/mp4a, mvex/trex).
std::string write_init_segment(const TrackConfig& tracks,
                               TrackSelect select = TrackSelect::Both);

// styp + moof (mfhd, one traf per non-empty selected run: tfhd
// default-base-is-moof, tfdt v1, trun v1 with per-sample duration, size,
// flags and signed composition offsets) + mdat.  The boxes are one piece;
// the mdat payload is the samples' own data, shared, not copied — the same
// runs make the muxed and the per-track files.
ByteChain media_segment(uint32_t sequence_number, const TrackRun* video,
                        const TrackRun* audio);

// The same bytes, contiguous.
std::string write_media_segment(uint32_t sequence_number, const TrackRun* video,
                                const TrackRun* audio);

}  // namespace fanout::package
