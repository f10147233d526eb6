/*
 * stream_scope.c — a name's stream id without its rendition suffix
 * (fanout/stream_scope.h).  Pure.
 */
#include "fanout/stream_scope.h"

#include <string.h>


static int
fo_pt_ends_with(const char *s, size_t len, const char *tail, size_t n)
{
    return len >= n && memcmp(s + len - n, tail, n) == 0;
}


/* The number of 1..max digits that end s[0, end), or 0. */
static size_t
fo_pt_digits_before(const char *s, size_t end, size_t max)
{
    size_t  n;

    for (n = 0; n < end && s[end - 1 - n] >= '0' && s[end - 1 - n] <= '9';
         n++)
    {
        if (n == max) {
            return 0;
        }
    }

    return n;
}


size_t
fo_stream_scope(const char *s, size_t len)
{
    size_t  i, digits;

    if (len > 9 && fo_pt_ends_with(s, len, "_adaptive", 9)) {
        return len - 9;
    }

    i = len;

    if (fo_pt_ends_with(s, len, "kbps", 4)) {
        digits = fo_pt_digits_before(s, len - 4, 7);
        if (digits == 0) {
            return len;
        }
        i = len - 4 - digits;
    }

    if (i < 4 || s[i - 1] != 'p') {
        return len;
    }

    i--;
    digits = fo_pt_digits_before(s, i, 5);

    if (digits == 0 || i - digits < 2 || s[i - digits - 1] != '_') {
        return len;
    }

    return i - digits - 1;
}
