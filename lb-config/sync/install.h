/*
 * install.h — one round's upstream files: rendered, tested with the test
 * command, left out node by node where nginx refuses one, reloaded, or
 * rolled back.
 */
#ifndef FANOUT_LB_INSTALL_H
#define FANOUT_LB_INSTALL_H

#include <stddef.h>
#include <time.h>

#include "fanout/store.h"

/* At most this many runs of the test command in one round, the search
 * for the nodes nginx refuses included. */
#define LB_MAX_TESTS 16

/* A test run is killed after a quarter of the budget, but never sooner
 * than this: nginx -t of a whole configuration on a busy machine. */
#define LB_TEST_MIN_MS 1000

/* Why lb_install left a checked node out. */
extern const char LB_REFUSED[];   /* the test fails with it alone */
extern const char LB_UNTESTED[];  /* the round's test budget ran out */

typedef struct {
    const char *dir, *test_cmd, *reload_cmd;   /* commands: NULL for none */
    long budget_ms;          /* no test run starts later in the round */
    const fo_node *nodes;
    size_t n;
    unsigned char *use;      /* in: alive and checked; out: installed */
    const char **why;        /* out: LB_REFUSED or LB_UNTESTED where the
                              * search left a node out; others untouched */

    /* lb_install's own */
    char hpath[4096], spath[4096];
    int tests;
    struct timespec start;
} lb_round;

/*
 * Installs the nodes in use into dir/upstreams-http.conf and
 * dir/upstreams-stream.conf if their text differs from the files'.  The
 * files are tested; when the test fails and passes without the host-name
 * nodes, those nginx refuses are found (halving, at most LB_MAX_TESTS
 * runs and budget_ms) and left out, and the rest installed.  Otherwise
 * the old files are put back.  Returns 1 when nginx was reloaded, 0 when
 * nothing changed, -1 on failure (logged).  Each test run may take a
 * quarter of budget_ms (at least LB_TEST_MIN_MS), so a round returns
 * within budget_ms plus two such runs, plus what the reload command
 * takes.
 */
int lb_install(lb_round *r);

#endif
