/*
 * playback_token.c — signed playback tokens (fanout/playback_token.h).
 *
 * Pure: the token's layout, its MAC, the stream's scope.  Every length
 * is checked before a byte is read; nothing here allocates.
 */
#define OPENSSL_SUPPRESS_DEPRECATED     /* SHA256_Init & co., see the header */

#include "fanout/playback_token.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "chars.h"

#define FO_PT_CONTEXT      "fanout-play-1\n"
#define FO_PT_MAC_LEN      32
#define FO_PT_EXP_DIGITS   12

static const char fo_pt_b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";


int
fo_pt_find_element(const char *path, size_t len, size_t *token_off,
                   size_t *token_len, size_t *elem_off, size_t *elem_len)
{
    size_t  app_end, start, end;

    if (len < 2 || path[0] != '/') {
        return 0;
    }

    for (app_end = 1; app_end < len && path[app_end] != '/'; app_end++) {
        /* void */
    }

    start = app_end + sizeof("/streams/") - 1;
    if (app_end == 1 || start + FO_PT_MARKER_LEN > len
        || memcmp(path + app_end, "/streams/", sizeof("/streams/") - 1) != 0
        || memcmp(path + start, FO_PT_MARKER, FO_PT_MARKER_LEN) != 0)
    {
        return 0;
    }

    for (end = start; end < len && path[end] != '/'; end++) {
        /* void */
    }

    if (end == len) {
        return 0;                   /* nothing after the element */
    }

    *token_off = start + FO_PT_MARKER_LEN;
    *token_len = end - *token_off;
    *elem_off = start;
    *elem_len = end + 1 - start;

    return 1;
}


/* HMAC-SHA256 of the token's message with key k. */
static void
fo_pt_mac(const fo_pt_key *k, const char *app, size_t app_len,
          const char *stream, size_t stream_len, const char *exp,
          size_t exp_len, char bind, const char *addr, size_t addr_len,
          unsigned char mac[FO_PT_MAC_LEN])
{
    SHA256_CTX     c;
    unsigned char  inner[FO_PT_MAC_LEN];
    char           tail[2] = { '\n', 0 };

    c = k->inner;
    SHA256_Update(&c, FO_PT_CONTEXT, sizeof(FO_PT_CONTEXT) - 1);
    SHA256_Update(&c, app, app_len);
    SHA256_Update(&c, "/", 1);
    SHA256_Update(&c, stream, stream_len);
    SHA256_Update(&c, "\n", 1);
    SHA256_Update(&c, exp, exp_len);
    SHA256_Update(&c, "\n", 1);
    SHA256_Update(&c, k->kid, k->kid_len);
    tail[1] = bind;
    SHA256_Update(&c, tail, 2);
    SHA256_Update(&c, "\n", 1);
    if (bind == 'a') {
        SHA256_Update(&c, addr, addr_len);
    }
    SHA256_Final(inner, &c);

    c = k->outer;
    SHA256_Update(&c, inner, sizeof(inner));
    SHA256_Final(mac, &c);
}


/* 32 bytes -> 43 base64url characters, no padding. */
static void
fo_pt_mac_encode(const unsigned char mac[FO_PT_MAC_LEN], char *out)
{
    size_t    i, n;
    uint32_t  v;

    n = 0;
    for (i = 0; i + 3 <= FO_PT_MAC_LEN; i += 3) {
        v = (uint32_t) mac[i] << 16 | (uint32_t) mac[i + 1] << 8 | mac[i + 2];
        out[n++] = fo_pt_b64url[v >> 18 & 63];
        out[n++] = fo_pt_b64url[v >> 12 & 63];
        out[n++] = fo_pt_b64url[v >> 6 & 63];
        out[n++] = fo_pt_b64url[v & 63];
    }
    v = (uint32_t) mac[30] << 16 | (uint32_t) mac[31] << 8;
    out[n++] = fo_pt_b64url[v >> 18 & 63];
    out[n++] = fo_pt_b64url[v >> 12 & 63];
    out[n] = fo_pt_b64url[v >> 6 & 63];
}


/* 43 base64url characters -> 32 bytes; -1 on a byte outside the
 * alphabet or non-zero trailing bits (one token, one spelling). */
static int
fo_pt_mac_decode(const char *s, unsigned char mac[FO_PT_MAC_LEN])
{
    size_t    i, n;
    int       v;
    uint32_t  acc;
    unsigned  bits;

    n = 0;
    acc = 0;
    bits = 0;
    for (i = 0; i < FO_PT_MAC_B64_LEN; i++) {
        v = fo_pt_b64_value((unsigned char) s[i]);
        if (v < 0 || s[i] == '+' || s[i] == '/') {
            return -1;
        }
        acc = (acc << 6) | (uint32_t) v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            mac[n++] = (unsigned char) (acc >> bits);
        }
    }

    return (acc & ((1u << bits) - 1)) == 0 ? 0 : -1;
}


size_t
fo_pt_sign(const fo_pt_keyring *kr, const char *app, size_t app_len,
           const char *stream, size_t stream_len, int64_t exp,
           const char *addr, size_t addr_len, char *out, size_t out_len)
{
    const fo_pt_key  *k;
    char              exp_s[FO_PT_EXP_DIGITS + 1];
    unsigned char     mac[FO_PT_MAC_LEN];
    int               exp_len;
    size_t            need, n;
    char              bind;

    if (kr == NULL || kr->n == 0 || exp < 0 || exp > 999999999999LL
        || (addr != NULL && addr_len > FO_PT_ADDR_MAX))
    {
        return 0;
    }

    k = &kr->keys[0];
    exp_len = snprintf(exp_s, sizeof(exp_s), "%lld", (long long) exp);
    bind = addr != NULL ? 'a' : 'p';
    need = k->kid_len + 1 + (size_t) exp_len + 3 + FO_PT_MAC_B64_LEN;

    if (out_len < need) {
        return 0;
    }

    fo_pt_mac(k, app, app_len, stream, stream_len, exp_s, (size_t) exp_len,
              bind, addr, addr_len, mac);

    n = 0;
    memcpy(out, k->kid, k->kid_len);
    n += k->kid_len;
    out[n++] = '.';
    memcpy(out + n, exp_s, (size_t) exp_len);
    n += (size_t) exp_len;
    out[n++] = '.';
    out[n++] = bind;
    out[n++] = '.';
    fo_pt_mac_encode(mac, out + n);

    return n + FO_PT_MAC_B64_LEN;
}


/* Splits kid.exp.bind.mac; 0 or -1. */
static int
fo_pt_split(const char *t, size_t len, size_t *kid_len, size_t *exp_len,
            int64_t *exp, char *bind)
{
    size_t  i, e;

    for (i = 0; i < len && fo_pt_kid_char((unsigned char) t[i]); i++) {
        /* void */
    }
    if (i == 0 || i > FO_PT_KID_MAX || i == len || t[i] != '.') {
        return -1;
    }
    *kid_len = i;

    *exp = 0;
    for (e = i + 1; e < len && t[e] >= '0' && t[e] <= '9'; e++) {
        if (e - i > FO_PT_EXP_DIGITS) {
            return -1;
        }
        *exp = *exp * 10 + (t[e] - '0');
    }
    *exp_len = e - i - 1;

    if (*exp_len == 0 || len != e + 3 + FO_PT_MAC_B64_LEN || t[e] != '.'
        || (t[e + 1] != 'p' && t[e + 1] != 'a') || t[e + 2] != '.')
    {
        return -1;
    }
    *bind = t[e + 1];

    return 0;
}


fo_pt_rc
fo_pt_verify(const fo_pt_keyring *kr, const char *token, size_t token_len,
             const char *app, size_t app_len, const char *stream,
             size_t stream_len, int64_t now, const char *addr,
             size_t addr_len)
{
    size_t            i, kid_len, exp_len;
    int64_t           exp;
    char              bind;
    const fo_pt_key  *k;
    unsigned char     want[FO_PT_MAC_LEN], got[FO_PT_MAC_LEN];

    if (token == NULL || token_len > FO_PT_TOKEN_MAX
        || fo_pt_split(token, token_len, &kid_len, &exp_len, &exp, &bind) != 0
        || fo_pt_mac_decode(token + token_len - FO_PT_MAC_B64_LEN, got) != 0)
    {
        return FO_PT_MALFORMED;
    }

    k = NULL;
    for (i = 0; kr != NULL && i < kr->n; i++) {
        if (kr->keys[i].kid_len == kid_len
            && memcmp(kr->keys[i].kid, token, kid_len) == 0)
        {
            k = &kr->keys[i];
            break;
        }
    }
    if (k == NULL) {
        return FO_PT_UNKNOWN_KID;
    }

    if (bind == 'a' && (addr == NULL || addr_len > FO_PT_ADDR_MAX)) {
        addr = "";
        addr_len = 0;
    }

    fo_pt_mac(k, app, app_len, stream, stream_len, token + kid_len + 1,
              exp_len, bind, addr, addr_len, want);

    if (CRYPTO_memcmp(want, got, FO_PT_MAC_LEN) != 0) {
        return FO_PT_BAD_MAC;
    }

    return exp < now ? FO_PT_EXPIRED : FO_PT_OK;
}


const char *
fo_pt_rc_name(fo_pt_rc rc)
{
    switch (rc) {
    case FO_PT_OK:
        return "ok";
    case FO_PT_MALFORMED:
        return "malformed";
    case FO_PT_UNKNOWN_KID:
        return "unknown key";
    case FO_PT_EXPIRED:
        return "expired";
    case FO_PT_BAD_MAC:
        return "bad signature";
    }
    return "unknown";
}
