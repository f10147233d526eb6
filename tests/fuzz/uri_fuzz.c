/*
 * uri_fuzz.c — libFuzzer target for the store URI parser.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "uri.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    fo_uri u;
    fo_error err;

    if (s == NULL) {
        return 0;
    }
    memcpy(s, data, size);
    s[size] = '\0';
    if (fo_uri_parse(s, &u, &err) == FO_OK) {
        /* Whatever parses must be terminated and in range. */
        if (strnlen(u.scheme, sizeof(u.scheme)) == sizeof(u.scheme)
            || strnlen(u.user, sizeof(u.user)) == sizeof(u.user)
            || strnlen(u.password, sizeof(u.password)) == sizeof(u.password)
            || strnlen(u.host, sizeof(u.host)) == sizeof(u.host)
            || strnlen(u.path, sizeof(u.path)) == sizeof(u.path)
            || strnlen(u.passthrough, sizeof(u.passthrough))
                   == sizeof(u.passthrough)
            || u.port < 0 || u.port > 65535 || u.timeout_ms <= 0)
        {
            abort();
        }
    }
    free(s);
    return 0;
}
