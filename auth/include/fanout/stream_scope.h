/*
 * fanout/stream_scope.h — the stream a path's name belongs to: its id
 * without a rendition suffix (Ant Media's names).  One rule for the edge's
 * path parser (nginx-module/src/ngx_http_fanout_uri.c) and the signed
 * playback scope (fanout/playback_token.h), so that a token checked at the
 * edge and at the origin covers the same names.  Pure, no dependency.
 */
#ifndef FANOUT_STREAM_SCOPE_H
#define FANOUT_STREAM_SCOPE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The length of s without its rendition suffix, else len.  The suffixes,
 * when something precedes the '_':
 *   "_<1-5 digits>p"                    s1_720p
 *   "_<1-5 digits>p<1-7 digits>kbps"    s1_360p800kbps (fileNameFormat %r%b)
 *   "_adaptive"                         s1_adaptive (the master playlist)
 */
size_t fo_stream_scope(const char *s, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* FANOUT_STREAM_SCOPE_H */
