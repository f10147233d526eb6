/*
 * playback_keys.c — the keys file of signed playback
 * (fanout/playback_token.h): "kid secret" lines into a keyring whose keys
 * carry their HMAC pads, hashed once here.
 */
#define OPENSSL_SUPPRESS_DEPRECATED     /* SHA256_Init & co., see the header */

#include "fanout/playback_token.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "chars.h"

#define FO_PT_BLOCK        64
#define FO_PT_FILE_MAX     16384


static void
fo_pt_err(char *err, size_t err_len, const char *msg, size_t line)
{
    if (err != NULL && err_len > 0) {
        if (line > 0) {
            snprintf(err, err_len, "line %zu: %s", line, msg);
        } else {
            snprintf(err, err_len, "%s", msg);
        }
    }
}


static int
fo_pt_hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}


/* Decodes s into out (at most max bytes); returns the length or -1. */
static long
fo_pt_decode_secret(const char *s, size_t len, unsigned char *out, size_t max)
{
    size_t    i, n, bits;
    int       all_hex, v;
    uint32_t  acc;

    all_hex = len % 2 == 0;
    for (i = 0; i < len && all_hex; i++) {
        all_hex = fo_pt_hex_value((unsigned char) s[i]) >= 0;
    }

    if (all_hex) {
        if (len / 2 > max) {
            return -1;
        }
        for (i = 0; i < len; i += 2) {
            out[i / 2] = (unsigned char) (fo_pt_hex_value(s[i]) << 4
                                          | fo_pt_hex_value(s[i + 1]));
        }
        return (long) (len / 2);
    }

    while (len > 0 && s[len - 1] == '=') {
        len--;
    }

    n = 0;
    bits = 0;
    acc = 0;
    for (i = 0; i < len; i++) {
        v = fo_pt_b64_value((unsigned char) s[i]);
        if (v < 0) {
            return -1;
        }
        acc = (acc << 6) | (uint32_t) v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n == max) {
                return -1;
            }
            out[n++] = (unsigned char) (acc >> bits);
        }
    }

    return (len % 4 == 1) ? -1 : (long) n;
}


static void
fo_pt_key_pads(fo_pt_key *k, const unsigned char *secret, size_t len)
{
    unsigned char  pad[FO_PT_BLOCK];
    size_t         i;

    for (i = 0; i < FO_PT_BLOCK; i++) {
        pad[i] = (unsigned char) ((i < len ? secret[i] : 0) ^ 0x36);
    }
    SHA256_Init(&k->inner);
    SHA256_Update(&k->inner, pad, FO_PT_BLOCK);

    for (i = 0; i < FO_PT_BLOCK; i++) {
        pad[i] = (unsigned char) ((i < len ? secret[i] : 0) ^ 0x5c);
    }
    SHA256_Init(&k->outer);
    SHA256_Update(&k->outer, pad, FO_PT_BLOCK);

    OPENSSL_cleanse(pad, sizeof(pad));
}


/* One "kid secret" line (without its newline) into kr; 0 or -1. */
static int
fo_pt_parse_line(const char *p, size_t len, fo_pt_keyring *kr, size_t line,
                 char *err, size_t err_len)
{
    size_t         i, kid_len, s_off, s_end;
    long           n;
    unsigned char  secret[FO_PT_SECRET_MAX];

    for (kid_len = 0; kid_len < len && fo_pt_kid_char(p[kid_len]); kid_len++) {
        /* void */
    }
    if (kid_len == 0 || kid_len > FO_PT_KID_MAX
        || (kid_len < len && p[kid_len] != ' ' && p[kid_len] != '\t'))
    {
        fo_pt_err(err, err_len, "key id must be 1 to 16 of [A-Za-z0-9_-]",
                  line);
        return -1;
    }

    for (s_off = kid_len; s_off < len && (p[s_off] == ' ' || p[s_off] == '\t');
         s_off++)
    { /* void */ }
    for (s_end = len; s_end > s_off
         && (p[s_end - 1] == ' ' || p[s_end - 1] == '\t' || p[s_end - 1] == '\r');
         s_end--)
    { /* void */ }

    n = fo_pt_decode_secret(p + s_off, s_end - s_off, secret, sizeof(secret));
    if (n < FO_PT_SECRET_MIN) {
        OPENSSL_cleanse(secret, sizeof(secret));
        fo_pt_err(err, err_len, "secret must be hex or base64 of 32 to 64 "
                  "bytes", line);
        return -1;
    }

    for (i = 0; i < kr->n; i++) {
        if (kr->keys[i].kid_len == kid_len
            && memcmp(kr->keys[i].kid, p, kid_len) == 0)
        {
            OPENSSL_cleanse(secret, sizeof(secret));
            fo_pt_err(err, err_len, "key id listed twice", line);
            return -1;
        }
    }

    if (kr->n == FO_PT_KEYS_MAX) {
        OPENSSL_cleanse(secret, sizeof(secret));
        fo_pt_err(err, err_len, "more than 8 keys", line);
        return -1;
    }

    memcpy(kr->keys[kr->n].kid, p, kid_len);
    kr->keys[kr->n].kid[kid_len] = '\0';
    kr->keys[kr->n].kid_len = kid_len;
    fo_pt_key_pads(&kr->keys[kr->n], secret, (size_t) n);
    OPENSSL_cleanse(secret, sizeof(secret));
    kr->n++;

    return 0;
}


int
fo_pt_keyring_parse(const char *text, size_t len, fo_pt_keyring *out,
                    char *err, size_t err_len)
{
    size_t       i, start, line, lead;
    const char  *p;

    memset(out, 0, sizeof(*out));
    line = 0;

    for (start = 0; start < len; start = i + 1) {
        for (i = start; i < len && text[i] != '\n'; i++) {
            /* void */
        }
        line++;
        p = text + start;
        for (lead = 0; start + lead < i && (p[lead] == ' ' || p[lead] == '\t'
                                            || p[lead] == '\r');
             lead++)
        { /* void */ }
        if (start + lead == i || p[lead] == '#') {
            continue;
        }
        if (fo_pt_parse_line(p + lead, i - start - lead, out, line, err,
                             err_len) != 0)
        {
            memset(out, 0, sizeof(*out));
            return -1;
        }
    }

    if (out->n == 0) {
        fo_pt_err(err, err_len, "no key", 0);
        return -1;
    }

    return 0;
}


int
fo_pt_keyring_load(const char *path, fo_pt_keyring *out, char *err,
                   size_t err_len)
{
    char    buf[FO_PT_FILE_MAX + 1];
    size_t  n;
    int     rc;
    FILE   *f;

    f = fopen(path, "r");
    if (f == NULL) {
        fo_pt_err(err, err_len, strerror(errno), 0);
        return -1;
    }

    n = fread(buf, 1, sizeof(buf), f);
    rc = ferror(f);
    fclose(f);

    if (rc != 0 || n > FO_PT_FILE_MAX) {
        OPENSSL_cleanse(buf, sizeof(buf));
        fo_pt_err(err, err_len, "keys file unreadable or over 16 KiB", 0);
        return -1;
    }

    rc = fo_pt_keyring_parse(buf, n, out, err, err_len);
    OPENSSL_cleanse(buf, sizeof(buf));
    return rc;
}
