/*
 * playback_token_fuzz.c — libFuzzer target for fanout/playback_token.h:
 * the signed-path element, the token parser and verifier, the scope rule
 * and the keys file parser, over arbitrary bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fanout/playback_token.h"

static const char keys[] =
    "k2 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
    "k1 VGhpcyBpcyB0aGUgc2Vjb25kIGtleSwgNDAgYnl0ZXMgbG9uZy4u\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static fo_pt_keyring  kr;
    static int            ready;
    fo_pt_keyring         other;
    const char           *p = (const char *) data;
    size_t                to, tl, eo, el, scope;
    char                  err[96], tok[FO_PT_TOKEN_MAX + 1];
    fo_pt_rc              rc;

    if (!ready) {
        if (fo_pt_keyring_parse(keys, sizeof(keys) - 1, &kr, err,
                                sizeof(err)) != 0)
        {
            abort();
        }
        ready = 1;
    }

    /* the input as a path */
    if (fo_pt_find_element(p, size, &to, &tl, &eo, &el)) {
        if (to + tl > size || eo + el > size || el != tl + 3) {
            abort();
        }
        rc = fo_pt_verify(&kr, p + to, tl, "LiveApp", 7, "demo", 4, 0,
                          "127.0.0.1", 9);
        (void) fo_pt_rc_name(rc);
    }

    /* the input as a token, and as a stream id */
    rc = fo_pt_verify(&kr, p, size, "LiveApp", 7, "demo", 4, 0, NULL, 0);
    if (rc == FO_PT_OK) {
        abort();                    /* a forgery */
    }
    scope = fo_stream_scope(p, size);
    if (scope > size) {
        abort();
    }

    /* a token signed for the input's scope verifies for it, once */
    if (scope <= 127) {
        size_t n = fo_pt_sign(&kr, "LiveApp", 7, p, scope, 2000000000, NULL,
                              0, tok, sizeof(tok));
        if (n == 0 || fo_pt_verify(&kr, tok, n, "LiveApp", 7, p, scope,
                                   1, NULL, 0) != FO_PT_OK)
        {
            abort();
        }
    }

    /* the input as a keys file */
    (void) fo_pt_keyring_parse(p, size, &other, err, sizeof(err));

    return 0;
}
