/*
 * server_harness.c — see server_harness.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "server_harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef FANOUT_SOURCE_DIR
#define FANOUT_SOURCE_DIR "."
#endif

static int free_port(void)
{
    struct sockaddr_in a = { .sin_family = AF_INET };
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && bind(fd, (struct sockaddr *) &a, sizeof(a)) == 0
        && getsockname(fd, (struct sockaddr *) &a, &len) == 0)
    {
        port = ntohs(a.sin_port);
    }
    if (fd >= 0) {
        close(fd);
    }
    return port;
}

static int can_connect(int port)
{
    struct sockaddr_in a = { .sin_family = AF_INET };
    int fd = socket(AF_INET, SOCK_STREAM, 0), ok;

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons((uint16_t) port);
    ok = fd >= 0 && connect(fd, (struct sockaddr *) &a, sizeof(a)) == 0;
    if (fd >= 0) {
        close(fd);
    }
    return ok;
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long) (ms % 1000) * 1000000L };

    nanosleep(&ts, NULL);
}

static int spawn(test_server *t)
{
    char port[16], log[300];
    pid_t pid;

    snprintf(port, sizeof(port), "%d", t->port);
    snprintf(log, sizeof(log), "%s/%s.log", t->dir, t->kind);
    pid = fork();
    if (pid < 0) {
        perror("harness: fork");
        return -1;
    }
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);

        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        if (strcmp(t->kind, "redis") == 0) {
            execlp("redis-server", "redis-server", "--bind", "127.0.0.1",
                   "--port", port, "--save", "", "--appendonly", "no",
                   "--databases", "256", "--dir", t->dir, (char *) NULL);
        } else {
            execlp("node", "node",
                   FANOUT_SOURCE_DIR "/tests/mongo-server/server.mjs",
                   "--host", "127.0.0.1", "--port", port, (char *) NULL);
        }
        _exit(127);
    }
    t->pid = pid;
    /* Bounded wait for the port to accept connections. */
    for (int i = 0; i < 300; i++) {
        int status;

        if (can_connect(t->port)) {
            return 0;
        }
        if (waitpid(pid, &status, WNOHANG) == pid) {
            fprintf(stderr, "harness: %s exited at start; see %s\n", t->kind,
                    log);
            t->pid = 0;
            return -1;
        }
        sleep_ms(50);
    }
    fprintf(stderr, "harness: %s did not listen on %d in 15 s; see %s\n",
            t->kind, t->port, log);
    test_server_stop(t);
    return -1;
}

int test_server_start(test_server *t, const char *kind)
{
    const char *ext = getenv("FANOUT_TEST_MONGODB_URI");

    memset(t, 0, sizeof(*t));
    snprintf(t->kind, sizeof(t->kind), "%s", kind);
    snprintf(t->dir, sizeof(t->dir), "/tmp/fanout-store-test-XXXXXX");
    if (mkdtemp(t->dir) == NULL) {
        perror("harness: mkdtemp");
        return -1;
    }
    if (strcmp(kind, "sqlite") == 0) {
        return 0;
    }
    if (strcmp(kind, "mongodb") == 0 && ext != NULL && ext[0] != '\0') {
        snprintf(t->external_uri, sizeof(t->external_uri), "%s", ext);
        return 0;
    }
    t->port = free_port();
    if (t->port < 0) {
        fprintf(stderr, "harness: no free port\n");
        return -1;
    }
    return spawn(t);
}

void test_server_stop(test_server *t)
{
    int status;

    if (t->pid <= 0) {
        return;
    }
    kill(t->pid, SIGTERM);
    for (int i = 0; i < 60; i++) {
        if (waitpid(t->pid, &status, WNOHANG) == t->pid) {
            t->pid = 0;
            return;
        }
        sleep_ms(50);
    }
    kill(t->pid, SIGKILL);
    waitpid(t->pid, &status, 0);
    t->pid = 0;
}

int test_server_restart(test_server *t)
{
    return spawn(t);
}

void test_server_destroy(test_server *t)
{
    char cmd[300];

    test_server_stop(t);
    if (t->dir[0] != '\0') {
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
        if (system(cmd) != 0) {
            fprintf(stderr, "harness: could not remove %s\n", t->dir);
        }
    }
}

int test_server_controllable(const test_server *t)
{
    return t->pid > 0;
}

void test_server_uri(const test_server *t, int ns, const char *opts,
                     char *out, size_t cap)
{
    const char *sep = opts[0] ? "?" : "";

    if (strcmp(t->kind, "sqlite") == 0) {
        snprintf(out, cap, "sqlite://%s/ns%d.db%s%s", t->dir, ns, sep, opts);
    } else if (strcmp(t->kind, "redis") == 0) {
        snprintf(out, cap, "redis://127.0.0.1:%d/%d%s%s", t->port, ns, sep,
                 opts);
    } else if (t->external_uri[0] != '\0') {
        /* A real server: one database per namespace on its URI's hosts. */
        const char *hosts = strstr(t->external_uri, "://");
        const char *q = strchr(t->external_uri, '?');
        const char *slash = hosts ? strchr(hosts + 3, '/') : NULL;
        size_t hl = slash ? (size_t) (slash - t->external_uri)
                  : q ? (size_t) (q - t->external_uri)
                      : strlen(t->external_uri);

        /* The pid keeps runs apart on a server that outlives them. */
        snprintf(out, cap, "%.*s/fanout_test_%d_%d%s%s%s%s", (int) hl,
                 t->external_uri, (int) getpid(), ns, q ? q : "", q && opts[0] ? "&" : "",
                 q ? "" : sep, opts);
    } else {
        snprintf(out, cap, "mongodb://127.0.0.1:%d/fanout_test_%d%s%s",
                 t->port, ns, sep, opts);
    }
}
