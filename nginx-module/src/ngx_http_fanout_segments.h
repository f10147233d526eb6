/*
 * ngx_http_fanout_segments.h — the newest media segments a live playlist
 * or MPD lists, so that an edge can fetch them before its viewers ask
 * (fanout_prefetch): a segment a viewer can see listed must be in the
 * edge's cache before the origin that listed it can die.
 *
 * Pure functions over bytes, as the path and position parsers: no
 * allocation, no I/O, no nginx header; nginx-module/tests/ compiles this
 * file on its own.
 *
 *   HLS media playlist   the last URI lines (a master playlist lists
 *                        playlists, not segments: none)
 *   DASH MPD             per <SegmentTemplate> with a <SegmentTimeline>:
 *                        its initialization segment, then the last
 *                        numbers/times of its timeline, through its
 *                        media template ($Number$, $Number%0Nd$,
 *                        $Time$, $RepresentationID$ for each
 *                        Representation of its AdaptationSet, $$)
 *
 * Names are written as the document has them: relative to the
 * playlist's own URL, or absolute paths.  A name with a scheme, a query,
 * a fragment or bytes outside [A-Za-z0-9_.~/-] is skipped, as is a
 * template with an open-ended repeat (r="-1") or an unknown identifier.
 * The caller resolves and validates what is left.
 */
#ifndef NGX_HTTP_FANOUT_SEGMENTS_H
#define NGX_HTTP_FANOUT_SEGMENTS_H

#include <stddef.h>

#define NGX_HTTP_FANOUT_SEGMENT_NAME_MAX  255

/*
 * Writes the newest `per_track` segment names of each track (HLS: the
 * playlist is one track; DASH: each template and Representation), oldest
 * first, into out as NUL-terminated strings one after another, at most
 * `max` names and `size` bytes.  Returns the number of names written.
 */
size_t ngx_http_fanout_segments_newest(int dash, const unsigned char *p,
    size_t len, size_t per_track, unsigned char *out, size_t size,
    size_t max);

#endif /* NGX_HTTP_FANOUT_SEGMENTS_H */
