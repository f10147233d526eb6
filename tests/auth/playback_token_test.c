/*
 * playback_token_test.c — fanout/playback_token.h over byte vectors:
 * valid, expired, tampered MAC / scope / expiry / key id, unknown key,
 * wrong stream, renditions sharing a scope, bound address, bad base64,
 * oversized, the keys file, and the MAC against OpenSSL's own HMAC().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "fanout/playback_token.h"

#define HEX_A "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define B64_B "VGhpcyBpcyB0aGUgc2Vjb25kIGtleSwgNDAgYnl0ZXMgbG9uZy4u"

static const char keys_text[] =
    "# newest first\n"
    "k2 " HEX_A "\n"
    "\n"
    "  k1\t" B64_B "  \r\n";

static fo_pt_keyring kr;

static int
setup(void **state)
{
    char  err[128];

    (void) state;
    return fo_pt_keyring_parse(keys_text, sizeof(keys_text) - 1, &kr, err,
                               sizeof(err));
}

static size_t
sign(const char *stream, int64_t exp, const char *addr, char *out)
{
    return fo_pt_sign(&kr, "LiveApp", 7, stream, strlen(stream), exp, addr,
                      addr ? strlen(addr) : 0, out, FO_PT_TOKEN_MAX + 1);
}

static fo_pt_rc
verify(const char *tok, size_t len, const char *stream, int64_t now,
       const char *addr)
{
    return fo_pt_verify(&kr, tok, len, "LiveApp", 7, stream, strlen(stream),
                        now, addr, addr ? strlen(addr) : 0);
}

static void
test_keys_file(void **state)
{
    fo_pt_keyring  k;
    char           err[128];

    (void) state;
    assert_int_equal(kr.n, 2);
    assert_string_equal(kr.keys[0].kid, "k2");
    assert_string_equal(kr.keys[1].kid, "k1");

    assert_int_equal(fo_pt_keyring_parse("", 0, &k, err, sizeof(err)), -1);
    assert_string_equal(err, "no key");
    /* 31 bytes: too short */
    assert_int_equal(fo_pt_keyring_parse("a " HEX_A, 2 + 62, &k, err,
                                         sizeof(err)), -1);
    assert_non_null(strstr(err, "32 to 64"));
    assert_null(strstr(err, "0001"));       /* never the secret */
    assert_int_equal(fo_pt_keyring_parse("a=b " HEX_A, 4 + 64, &k, err,
                                         sizeof(err)), -1);
    assert_int_equal(fo_pt_keyring_parse("a " HEX_A "\na " HEX_A,
                                         2 * (3 + 64) - 1, &k, err,
                                         sizeof(err)), -1);
    assert_non_null(strstr(err, "twice"));
    assert_int_equal(fo_pt_keyring_parse("a " HEX_A "!", 67, &k, err,
                                         sizeof(err)), -1);
    assert_int_equal(fo_pt_keyring_parse("a", 1, &k, err, sizeof(err)), -1);
}

static void
test_mac_matches_openssl(void **state)
{
    static const char  msg[] =
        "fanout-play-1\nLiveApp/demo\n2000000000\nk2\np\n";
    unsigned char      key[32], mac[32];
    unsigned int       mac_len;
    char               tok[FO_PT_TOKEN_MAX + 1], b64[64];
    size_t             n, i;

    (void) state;
    for (i = 0; i < 32; i++) {
        key[i] = (unsigned char) i;
    }
    HMAC(EVP_sha256(), key, 32, (const unsigned char *) msg, sizeof(msg) - 1,
         mac, &mac_len);
    EVP_EncodeBlock((unsigned char *) b64, mac, 32);
    for (i = 0; i < 43; i++) {
        b64[i] = b64[i] == '+' ? '-' : b64[i] == '/' ? '_' : b64[i];
    }
    b64[43] = '\0';

    n = sign("demo", 2000000000, NULL, tok);
    tok[n] = '\0';
    assert_int_equal(n, strlen("k2.2000000000.p.") + 43);
    assert_memory_equal(tok, "k2.2000000000.p.", 16);
    assert_string_equal(tok + 16, b64);
}

static void
test_valid_and_renditions(void **state)
{
    char    tok[FO_PT_TOKEN_MAX + 1];
    size_t  n;

    (void) state;
    n = sign("demo", 1000, NULL, tok);
    assert_int_equal(verify(tok, n, "demo", 999, NULL), FO_PT_OK);
    assert_int_equal(verify(tok, n, "demo", 1000, NULL), FO_PT_OK);
    assert_int_equal(verify(tok, n, "demo", 1001, NULL), FO_PT_EXPIRED);
    assert_int_equal(verify(tok, n, "demo2", 999, NULL), FO_PT_BAD_MAC);
    assert_int_equal(fo_pt_verify(&kr, tok, n, "Other", 5, "demo", 4, 999,
                                  NULL, 0), FO_PT_BAD_MAC);

    /* every rendition name maps to the scope "demo" */
    assert_int_equal(fo_stream_scope("demo_adaptive", 13), 4);
    assert_int_equal(fo_stream_scope("demo_240p400kbps", 16), 4);
    assert_int_equal(fo_stream_scope("demo_720p", 9), 4);
    assert_int_equal(fo_stream_scope("demo", 4), 4);
    assert_int_equal(fo_stream_scope("_adaptive", 9), 9);
    assert_int_equal(fo_stream_scope("a_p", 3), 3);
    assert_int_equal(fo_stream_scope("demo_240p12345678kbps", 21), 21);
}

static void
test_tampered(void **state)
{
    char    tok[FO_PT_TOKEN_MAX + 1], t[FO_PT_TOKEN_MAX + 1];
    size_t  n;

    (void) state;
    n = sign("demo", 5000, NULL, tok);

    memcpy(t, tok, n);
    t[n - 5] = t[n - 5] == 'A' ? 'B' : 'A';                 /* the mac */
    assert_int_equal(verify(t, n, "demo", 1, NULL), FO_PT_BAD_MAC);

    memcpy(t, tok, n);
    t[3] = '6';                                             /* the expiry */
    assert_int_equal(verify(t, n, "demo", 1, NULL), FO_PT_BAD_MAC);

    memcpy(t, tok, n);
    t[1] = '1';                                             /* k2 -> k1 */
    assert_int_equal(verify(t, n, "demo", 1, NULL), FO_PT_BAD_MAC);

    memcpy(t, tok, n);
    t[1] = '9';                                             /* k9 */
    assert_int_equal(verify(t, n, "demo", 1, NULL), FO_PT_UNKNOWN_KID);

    memcpy(t, tok, n);
    t[8] = 'a';                                             /* p -> a */
    assert_int_equal(verify(t, n, "demo", 1, "10.0.0.1"), FO_PT_BAD_MAC);

    /* expired and tampered: the signature first */
    memcpy(t, tok, n);
    t[n - 1] = t[n - 1] == 'A' ? 'Q' : 'A';
    assert_int_equal(verify(t, n, "demo", 9999, NULL), FO_PT_BAD_MAC);
}

static void
test_bound_and_rotation(void **state)
{
    char           tok[FO_PT_TOKEN_MAX + 1];
    size_t         n;
    fo_pt_keyring  old;
    char           err[64];

    (void) state;
    n = sign("demo", 5000, "192.0.2.7", tok);
    assert_int_equal(tok[8], 'a');
    assert_int_equal(verify(tok, n, "demo", 1, "192.0.2.7"), FO_PT_OK);
    assert_int_equal(verify(tok, n, "demo", 1, "192.0.2.8"), FO_PT_BAD_MAC);
    assert_int_equal(verify(tok, n, "demo", 1, NULL), FO_PT_BAD_MAC);

    /* a token signed with the older key (k1 alone) still verifies */
    assert_int_equal(fo_pt_keyring_parse("k1 " B64_B, 3 + strlen(B64_B),
                                         &old, err, sizeof(err)), 0);
    n = fo_pt_sign(&old, "LiveApp", 7, "demo", 4, 5000, NULL, 0, tok,
                   sizeof(tok));
    assert_memory_equal(tok, "k1.", 3);
    assert_int_equal(verify(tok, n, "demo", 1, NULL), FO_PT_OK);
}

static void
test_malformed(void **state)
{
    static const char *bad[] = {
        "", "k2", "k2.", "k2.100", "k2.100.p", "k2.100.p.",
        "k2..p.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "k2.100.x.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "k2.100.p.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",   /* 42 */
        "k2.100.p.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", /* 44 */
        "k2.100.p.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+",  /* std b64 */
        "k2.100.p.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "k2.100.p.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB",  /* tail bits */
        "k2.1000000000000.p.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "k=2.100.p.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "k2345678901234567.1.p.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    };
    char    big[300];
    size_t  i;

    (void) state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(verify(bad[i], strlen(bad[i]), "demo", 1, NULL),
                         FO_PT_MALFORMED);
    }
    memset(big, 'A', sizeof(big));
    assert_int_equal(verify(big, sizeof(big), "demo", 1, NULL),
                     FO_PT_MALFORMED);
    assert_int_equal(verify(NULL, 0, "demo", 1, NULL), FO_PT_MALFORMED);
    /* a well-formed token with an unknown key is not "malformed" */
    assert_int_equal(
        verify("zz.100.p.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 52,
               "demo", 1, NULL), FO_PT_UNKNOWN_KID);
}

static void
test_find_element(void **state)
{
    size_t       to, tl, eo, el;
    const char  *p = "/LiveApp/streams/t=k2.1.p.X/demo/demo-1.m4s";

    (void) state;
    assert_int_equal(fo_pt_find_element(p, strlen(p), &to, &tl, &eo, &el), 1);
    assert_int_equal(to, 19);
    assert_int_equal(tl, 8);
    assert_int_equal(eo, 17);
    assert_int_equal(el, 11);

#define NONE(s) assert_int_equal(fo_pt_find_element(s, strlen(s), &to, &tl, \
                                                    &eo, &el), 0)
    NONE("/LiveApp/streams/demo.m3u8");
    NONE("/LiveApp/streams/t=abc");            /* nothing after it */
    NONE("/LiveApp/stream/t=abc/demo.m3u8");
    NONE("//streams/t=abc/demo.m3u8");
    NONE("LiveApp/streams/t=abc/demo.m3u8");
    NONE("/LiveApp/streams/");
    NONE("/LiveApp");
    NONE("");
    NONE("/LiveApp/streams/tx=abc/d.m3u8");
#undef NONE
    assert_int_equal(fo_pt_find_element("/a/streams/t=/d.m3u8", 20, &to, &tl,
                                        &eo, &el), 1);
    assert_int_equal(tl, 0);
}

int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_keys_file),
        cmocka_unit_test(test_mac_matches_openssl),
        cmocka_unit_test(test_valid_and_renditions),
        cmocka_unit_test(test_tampered),
        cmocka_unit_test(test_bound_and_rotation),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_find_element),
    };

    return cmocka_run_group_tests(tests, setup, NULL);
}
