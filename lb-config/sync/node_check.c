/*
 * node_check.c — the checks of node_check.h.
 */
#define _GNU_SOURCE
#include "node_check.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

static int is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9');
}

/* A name nginx will look up: letters, digits, '-' and '.', starting with
 * a letter or digit, and with a letter somewhere (all digits and dots is
 * a malformed IPv4 address, not a name). */
static int is_host_name(const char *a, size_t len)
{
    int letter = 0;

    if (!is_alnum(a[0])) {
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        char c = a[i];

        if (!is_alnum(c) && c != '-' && c != '.') {
            return 0;
        }
        letter |= (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }
    return letter;
}

lb_addr_kind lb_addr_kind_of(const char *a, size_t len)
{
    char buf[FO_ADDR_MAX];
    unsigned char bin[16];
    const char *lit = buf;

    if (len == 0 || len >= FO_ADDR_MAX || memchr(a, '\0', len) != NULL) {
        return LB_ADDR_BAD;
    }
    memcpy(buf, a, len);
    buf[len] = '\0';
    if (buf[0] == '[' && len > 2 && buf[len - 1] == ']') {
        buf[len - 1] = '\0';
        lit = buf + 1;
    }
    if (strchr(buf, ':') != NULL) {
        return inet_pton(AF_INET6, lit, bin) == 1 ? LB_ADDR_IPV6
                                                  : LB_ADDR_BAD;
    }
    if (lit != buf) {
        return LB_ADDR_BAD;   /* brackets around anything but IPv6 */
    }
    if (inet_pton(AF_INET, buf, bin) == 1) {
        return LB_ADDR_IPV4;
    }
    return is_host_name(buf, len) ? LB_ADDR_HOST : LB_ADDR_BAD;
}

static int valid_port(int port)
{
    return port >= 0 && port <= 65535;
}

const char *lb_node_fault(const fo_node *n)
{
    if (!fo_valid_id(n->id, FO_ID_MAX)) {
        return "id";
    }
    if (lb_addr_kind_of(n->ip, strnlen(n->ip, FO_ADDR_MAX)) == LB_ADDR_BAD) {
        return "address";
    }
    if (n->node_group[0] != '\0' && !fo_valid_id(n->node_group, FO_ID_MAX)) {
        return "node group";
    }
    if (n->role != FO_ROLE_ORIGIN && n->role != FO_ROLE_EDGE) {
        return "role";
    }
    if (!valid_port(n->http_port)) {
        return "http port";
    }
    return valid_port(n->rtmp_port) ? NULL : "rtmp port";
}

int lb_server_addr(const fo_node *n, int port, char *buf, size_t cap)
{
    size_t len = strnlen(n->ip, FO_ADDR_MAX);
    int bare = lb_addr_kind_of(n->ip, len) == LB_ADDR_IPV6 && n->ip[0] != '[';
    int w;

    w = snprintf(buf, cap, bare ? "[%.*s]:%d" : "%.*s:%d", (int) len, n->ip,
                 port);
    return w < 0 || (size_t) w >= cap ? -1 : 0;
}

void lb_printable(const char *s, size_t max, char *out, size_t cap)
{
    size_t o = 0;

    if (cap == 0) {
        return;
    }
    for (size_t i = 0; i < max && s[i] != '\0'; i++) {
        unsigned char c = (unsigned char) s[i];
        int plain = c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
        size_t need = plain ? 1 : 4;

        if (o + need >= cap) {
            break;
        }
        if (plain) {
            out[o] = (char) c;
        } else {
            snprintf(out + o, 5, "\\x%02x", c);
        }
        o += need;
    }
    out[o] = '\0';
}
