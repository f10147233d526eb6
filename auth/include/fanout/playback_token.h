/*
 * fanout/playback_token.h — signed playback URLs: one verifier for the
 * edge module (nginx-module/) and the origin (origin/src/http/).
 *
 * A signed URL carries its token as a path element that relative URIs
 * inherit:
 *
 *   /{app}/streams/t=<kid>.<exp>.<bind>.<mac>/{rest}
 *
 *   kid   the key's id, 1..16 bytes of [A-Za-z0-9_-]
 *   exp   expiry, unix seconds, 1..12 digits
 *   bind  'p' (any client) or 'a' (bound to the client address)
 *   mac   base64url (no padding, 43 bytes) of HMAC-SHA256(secret,
 *         "fanout-play-1\n" app "/" stream "\n" exp "\n" kid "\n" bind
 *         "\n" address)         (address empty unless bind is 'a')
 *
 * The scope is app/stream, the stream id with its rendition suffix removed
 * (_adaptive, _<h>p, _<h>p<kbps>kbps: fo_stream_scope), so one token
 * covers the master playlist, every rendition, every segment and the MPD.
 * "t=" cannot begin a stream name ('=' is outside [A-Za-z0-9_.-]).
 *
 * Everything here except fo_pt_keyring_load is pure: no allocation, no
 * I/O, no global state; a keyring is a plain value, safe to read from any
 * number of threads at once.  The HMAC is RFC 2104 over OpenSSL's SHA-256
 * with each key's inner and outer pads hashed once when the keyring is
 * parsed, so a verify is three SHA-256 blocks on the stack, no allocation
 * (OpenSSL 3's one-shot HMAC() fetches and allocates a MAC context on
 * every call).  The MAC is compared with CRYPTO_memcmp.
 */
#ifndef FANOUT_PLAYBACK_TOKEN_H
#define FANOUT_PLAYBACK_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/sha.h>

#include "fanout/stream_scope.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FO_PT_MARKER        "t="
#define FO_PT_MARKER_LEN    2
#define FO_PT_KID_MAX       16
#define FO_PT_KEYS_MAX      8
#define FO_PT_SECRET_MIN    32      /* bytes, after decoding */
#define FO_PT_SECRET_MAX    64      /* one SHA-256 block */
#define FO_PT_MAC_B64_LEN   43
#define FO_PT_ADDR_MAX      64
/* the token without its marker: kid . 12 digits . bind . mac */
#define FO_PT_TOKEN_MAX     (FO_PT_KID_MAX + 1 + 12 + 1 + 1 + 1 \
                             + FO_PT_MAC_B64_LEN)
/* the header edges send to origins and to themselves (prefetch) */
#define FO_PT_HEADER        "X-Fanout-Play-Token"

typedef struct {
    char        kid[FO_PT_KID_MAX + 1];
    size_t      kid_len;
    SHA256_CTX  inner;              /* state after (secret ^ ipad) */
    SHA256_CTX  outer;              /* state after (secret ^ opad) */
} fo_pt_key;

/* keys[0] signs (the newest); any of them verifies. */
typedef struct {
    fo_pt_key   keys[FO_PT_KEYS_MAX];
    size_t      n;
} fo_pt_keyring;

typedef enum {
    FO_PT_OK = 0,
    FO_PT_MALFORMED,        /* not kid.exp.bind.mac, bad base64, too long */
    FO_PT_UNKNOWN_KID,
    FO_PT_EXPIRED,
    FO_PT_BAD_MAC           /* tampered, another stream, another address */
} fo_pt_rc;

/*
 * Parses a keys file's text: one "kid secret" per line, '#' comments and
 * blank lines ignored, the newest key first.  The secret is hex (an even
 * number of [0-9a-fA-F]) or base64 / base64url (padding optional), 32 to
 * 64 bytes once decoded.  Returns 0, or -1 with a message in err (which
 * never contains a secret).  At least one key, at most FO_PT_KEYS_MAX,
 * each kid once.
 */
int fo_pt_keyring_parse(const char *text, size_t len, fo_pt_keyring *out,
                        char *err, size_t err_len);

/* Reads the file at path (at most 16 KiB) and parses it as above. */
int fo_pt_keyring_load(const char *path, fo_pt_keyring *out, char *err,
                       size_t err_len);

/*
 * Finds a token element right after "/{app}/streams/" in a decoded path.
 * Returns 1 and sets the token (without "t=") and the element's span
 * [elem_off, elem_off + elem_len) — "t=<token>/", so that removing it
 * leaves "/{app}/streams/{rest}" — or 0 when the path has no element
 * there.  Nothing is validated but the layout.
 */
int fo_pt_find_element(const char *path, size_t len, size_t *token_off,
                       size_t *token_len, size_t *elem_off, size_t *elem_len);

/*
 * Writes a token (without "t=") for app/stream (stream is used as given:
 * pass a scope), signed with keys[0], into out.  addr non-NULL binds it to
 * that address.  Returns its length, or 0 when out is too small, the
 * keyring is empty, or an argument is out of range.
 */
size_t fo_pt_sign(const fo_pt_keyring *kr, const char *app, size_t app_len,
                  const char *stream, size_t stream_len, int64_t exp,
                  const char *addr, size_t addr_len, char *out,
                  size_t out_len);

/*
 * Checks token (without "t=") for app/stream (a scope) at time now (unix
 * s).  addr is the client's address, used only by a bound token.  The
 * MAC is checked before the expiry, so a tampered expired token is
 * FO_PT_BAD_MAC.
 */
fo_pt_rc fo_pt_verify(const fo_pt_keyring *kr, const char *token,
                      size_t token_len, const char *app, size_t app_len,
                      const char *stream, size_t stream_len, int64_t now,
                      const char *addr, size_t addr_len);

/* "ok", "malformed", "unknown key", "expired", "bad signature". */
const char *fo_pt_rc_name(fo_pt_rc rc);

#ifdef __cplusplus
}
#endif

#endif /* FANOUT_PLAYBACK_TOKEN_H */
