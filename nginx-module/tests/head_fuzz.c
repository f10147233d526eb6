/*
 * head_fuzz.c — libFuzzer target for the response head parser
 * (src/ngx_http_fanout_head.c): any bytes, no crash, no read out of
 * bounds; a head found is within the input, with a status of 100..599
 * and a length of -1 or more.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "ngx_http_fanout_head.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int        status = 0;
    long       n;
    long long  length = -7;

    n = ngx_http_fanout_head_parse(data, size, &status, &length);

    if (n < NGX_HTTP_FANOUT_HEAD_INVALID || n > (long) size) {
        abort();
    }

    if (n > 0 && (status < 100 || status > 599 || length < -1)) {
        abort();
    }

    return 0;
}
