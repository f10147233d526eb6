/*
 * server_harness.h — starts and stops the real store servers the contract
 * suite runs against: redis-server, and the MongoDB-wire test server
 * (tests/mongo-server) unless FANOUT_TEST_MONGODB_URI names a real one.
 * Servers listen on 127.0.0.1 on a free port and die with the test.
 */
#ifndef FANOUT_TEST_SERVER_HARNESS_H
#define FANOUT_TEST_SERVER_HARNESS_H

#include <stddef.h>
#include <sys/types.h>

typedef struct {
    char kind[16];          /* "sqlite", "redis", "mongodb" */
    int port;
    pid_t pid;              /* 0 when external or none */
    char dir[256];          /* scratch directory (sqlite files, logs) */
    char external_uri[512]; /* mongodb: FANOUT_TEST_MONGODB_URI */
} test_server;

/* Starts the server for kind (nothing for sqlite).  0, or -1 with a
 * message on stderr. */
int test_server_start(test_server *t, const char *kind);

/* Stops it (SIGTERM, then SIGKILL after 3 s); start again with
 * test_server_restart on the same port. */
void test_server_stop(test_server *t);
int test_server_restart(test_server *t);

/* Removes the scratch directory too. */
void test_server_destroy(test_server *t);

/* 1 when the harness controls the server's life (can stop it). */
int test_server_controllable(const test_server *t);

/* A store URI for an isolated namespace numbered ns, with extra options
 * ("" or "k=v&k=v"). */
void test_server_uri(const test_server *t, int ns, const char *opts,
                     char *out, size_t cap);

#endif
