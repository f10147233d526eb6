/*
 * chars.h — the byte classes the keys file and the tokens share (private
 * to auth/src).
 */
#ifndef FANOUT_AUTH_CHARS_H
#define FANOUT_AUTH_CHARS_H

static inline int
fo_pt_kid_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9') || c == '_' || c == '-';
}


/* base64 or base64url, either alphabet, padding optional. */
static inline int
fo_pt_b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '+' || c == '-') {
        return 62;
    }
    if (c == '/' || c == '_') {
        return 63;
    }
    return -1;
}


#endif /* FANOUT_AUTH_CHARS_H */
