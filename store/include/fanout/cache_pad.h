/*
 * fanout/cache_pad.h — the origin–edge contract that puts a cached
 * segment's body on a page boundary in the edge's proxy_cache file.
 *
 * The edge sends FO_PAD_OFFSET_HEADER: where the origin's status line
 * will begin in its cache file (nginx's cache header and key come first).
 * For a 200 whose body is at least FO_PAD_MIN_BODY bytes, an offset below
 * FO_PAD_PAGE and a header block of at most FO_PAD_MAX_HEAD bytes, the
 * origin adds FO_PAD_HEADER with as many filler bytes as make
 * offset + header block a multiple of FO_PAD_PAGE; every cache hit then
 * sends whole pages.  The edge offers an offset only when its proxy
 * buffer can hold FO_PAD_ROOM bytes behind it, and hides FO_PAD_HEADER
 * from viewers.
 *
 * Not a store concept: it lives here because the store's include
 * directory is the one C home that the origin (C++) and the edge module
 * (C) both build with.
 */
#ifndef FANOUT_CACHE_PAD_H
#define FANOUT_CACHE_PAD_H

#define FO_PAD_OFFSET_HEADER  "X-Fanout-Cache-Offset"
#define FO_PAD_HEADER         "X-Fanout-Pad"

#define FO_PAD_PAGE       4096                /* the page the body aligns to */
#define FO_PAD_MAX_HEAD   2048                /* largest header block padded */
#define FO_PAD_MIN_BODY   (4 * FO_PAD_PAGE)   /* smaller bodies: no padding */
#define FO_PAD_ROOM       (FO_PAD_PAGE + FO_PAD_MAX_HEAD)

#endif /* FANOUT_CACHE_PAD_H */
