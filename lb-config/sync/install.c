/*
 * install.c — the round of install.h.
 */
#define _GNU_SOURCE
#include "install.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "node_check.h"
#include "render.h"

const char LB_REFUSED[] = "refused by the configuration test";
const char LB_UNTESTED[] = "not tested this round (test budget spent)";

/* Reads a whole (small) file; NULL when it does not exist. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    if (f == NULL) {
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0
        || fseek(f, 0, SEEK_SET) != 0 || (buf = malloc((size_t) n + 1)) == NULL)
    {
        fclose(f);
        return NULL;
    }
    buf[fread(buf, 1, (size_t) n, f)] = '\0';
    fclose(f);
    return buf;
}

static int write_file(const char *path, const lb_text *t)
{
    char tmp[4200];
    FILE *f;

    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    f = fopen(tmp, "wb");
    if (f == NULL) {
        lb_log("cannot write %s: %s", tmp, strerror(errno));
        return -1;
    }
    if (fwrite(t->buf, 1, t->len, f) != t->len || fclose(f) != 0) {
        lb_log("cannot write %s: %s", tmp, strerror(errno));
        return -1;
    }
    return rename(tmp, path);
}

static int run_cmd(const char *what, const char *cmd)
{
    int rc;

    if (cmd == NULL || cmd[0] == '\0') {
        return 0;
    }
    rc = system(cmd);
    if (rc != 0) {
        lb_log("%s failed (%d): %s", what, rc, cmd);
        return -1;
    }
    return 0;
}

static int write_both(const lb_round *r, const lb_text *http,
                      const lb_text *stream)
{
    if (write_file(r->hpath, http) != 0 || write_file(r->spath, stream) != 0) {
        return -1;
    }
    return 0;
}

/* Renders the nodes in use and writes them when their text differs from
 * old_h/old_s (NULL: no file yet), or always when a test left other text
 * in the files; *changed is whether it differs.  0, or -1. */
static int write_candidate(lb_round *r, const char *old_h, const char *old_s,
                           int *changed, int always)
{
    lb_text http = { 0 }, stream = { 0 };
    int rc = -1;

    if (lb_render(r->nodes, r->use, r->n, &http, &stream) != 0) {
        lb_log("out of memory rendering upstreams");
    } else {
        *changed = !(old_h && old_s && strcmp(old_h, http.buf) == 0
                     && strcmp(old_s, stream.buf) == 0);
        rc = *changed || always ? write_both(r, &http, &stream) : 0;
    }
    free(http.buf);
    free(stream.buf);
    return rc;
}

/* The test command in a process group of its own, its output dropped
 * unless loud; -1 when it cannot start. */
static pid_t spawn_test(const char *cmd, int loud)
{
    pid_t pid;

    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid == 0) {
        int null = loud ? -1 : open("/dev/null", O_WRONLY);

        setpgid(0, 0);
        if (null >= 0) {
            dup2(null, STDOUT_FILENO);
            dup2(null, STDERR_FILENO);
        }
        execl("/bin/sh", "sh", "-c", cmd, (char *) NULL);
        _exit(127);
    }
    if (pid > 0) {
        setpgid(pid, pid);   /* either side may run first */
    }
    return pid;
}

static long ms_since(const struct timespec *t0)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - t0->tv_sec) * 1000
           + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Runs the test command on the files: 0 when it passes.  One run may take
 * a quarter of the round's budget, and at least LB_TEST_MIN_MS (a name
 * server that does not answer holds nginx -t for seconds); then it is
 * killed, with its children, and has failed.  Its output is dropped unless loud: a node nginx refuses
 * would repeat nginx's message every period; lb_install lets it speak
 * once when nothing mends it. */
static int test_files(lb_round *r, int loud)
{
    long cap = r->budget_ms / 4 > LB_TEST_MIN_MS ? r->budget_ms / 4
                                                  : LB_TEST_MIN_MS;
    struct timespec t0, tick = { 0, 5 * 1000000L };
    int status = 0;
    pid_t pid, done;

    r->tests++;
    if (r->test_cmd == NULL) {
        return 0;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid = spawn_test(r->test_cmd, loud);
    if (pid < 0) {
        lb_log("cannot run the test command: %s", strerror(errno));
        return -1;
    }
    while ((done = waitpid(pid, &status, WNOHANG)) == 0
           || (done < 0 && errno == EINTR))
    {
        if (ms_since(&t0) >= cap) {
            kill(-pid, SIGKILL);
            waitpid(pid, &status, 0);
            if (loud) {
                lb_log("test command killed after %ld ms", cap);
            }
            return -1;
        }
        nanosleep(&tick, NULL);
    }
    return done == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0
                                                                        : -1;
}

static int try_candidate(lb_round *r)
{
    int changed;

    return write_candidate(r, NULL, NULL, &changed, 1) == 0 ? test_files(r, 0)
                                                         : -1;
}

static int out_of_budget(const lb_round *r)
{
    return r->tests >= LB_MAX_TESTS || ms_since(&r->start) >= r->budget_ms;
}

static void set_use(lb_round *r, const size_t *idx, size_t k, int use,
                    const char *why)
{
    for (size_t i = 0; i < k; i++) {
        r->use[idx[i]] = (unsigned char) use;
        r->why[idx[i]] = why;
    }
}

/* The host-name nodes idx[0..k) are out, and the configuration fails
 * with all of them in: each half that passes comes back, each that fails
 * is split again, down to single nodes, which stay out. */
static void bisect(lb_round *r, const size_t *idx, size_t k)
{
    size_t half = k / 2;

    if (k == 1) {
        set_use(r, idx, 1, 0, LB_REFUSED);
        return;
    }
    for (int side = 0; side < 2; side++) {
        const size_t *part = side ? idx + half : idx;
        size_t m = side ? k - half : half;

        if (out_of_budget(r)) {
            set_use(r, part, m, 0, LB_UNTESTED);
            continue;
        }
        set_use(r, part, m, 1, NULL);
        if (try_candidate(r) != 0) {
            set_use(r, part, m, 0, NULL);
            bisect(r, part, m);
        }
    }
}

/* The candidate failed its test.  Only nginx can tell a name it cannot
 * resolve: when the configuration passes without the host-name nodes,
 * find the ones it refuses, so that they alone stay out.  0 when the
 * nodes left in pass, -1 when the fault is elsewhere. */
static int leave_out_refused(lb_round *r)
{
    size_t *idx = malloc(r->n * sizeof(*idx) + 1);
    size_t k = 0;
    int rc = -1;

    if (idx == NULL) {
        return -1;
    }
    for (size_t i = 0; i < r->n; i++) {
        if (r->use[i] && lb_addr_kind_of(r->nodes[i].ip,
                                         strnlen(r->nodes[i].ip, FO_ADDR_MAX))
                             == LB_ADDR_HOST)
        {
            idx[k++] = i;
        }
    }
    set_use(r, idx, k, 0, LB_UNTESTED);
    if (k > 0 && !out_of_budget(r) && try_candidate(r) == 0) {
        set_use(r, idx, k, 0, NULL);
        bisect(r, idx, k);
        rc = 0;
    } else {
        set_use(r, idx, k, 1, NULL);
    }
    free(idx);
    return rc;
}

/* After a failed test: the nodes left once the refused ones are out,
 * written and tested (when they differ from the old files).  0 when what
 * the files now hold may be used. */
static int settle(lb_round *r, const char *old_h, const char *old_s,
                  int *changed)
{
    if (leave_out_refused(r) != 0
        || write_candidate(r, old_h, old_s, changed, 1) != 0)
    {
        return -1;
    }
    return *changed ? test_files(r, 0) : 0;
}

int lb_install(lb_round *r)
{
    char *old_h, *old_s;
    int changed = 0, rc = 0;

    clock_gettime(CLOCK_MONOTONIC, &r->start);
    snprintf(r->hpath, sizeof(r->hpath), "%s/upstreams-http.conf", r->dir);
    snprintf(r->spath, sizeof(r->spath), "%s/upstreams-stream.conf", r->dir);
    old_h = slurp(r->hpath);
    old_s = slurp(r->spath);
    if (write_candidate(r, old_h, old_s, &changed, 0) != 0) {
        rc = -1;
    } else if (changed && test_files(r, 0) != 0
               && settle(r, old_h, old_s, &changed) != 0)
    {
        /* the last candidate tried, once more, for nginx's own words */
        test_files(r, 1);
        lb_log("configuration test failed: %s; upstreams unchanged",
               r->test_cmd ? r->test_cmd : "");
        rc = -1;
    }
    if (rc == -1 && old_h && old_s) {
        /* Roll back so the files always describe a configuration that
         * passed the test. */
        lb_text th = { old_h, strlen(old_h), 0 };
        lb_text ts = { old_s, strlen(old_s), 0 };

        write_both(r, &th, &ts);
    } else if (rc == 0 && changed) {
        rc = run_cmd("reload", r->reload_cmd) == 0 ? 1 : -1;
    }
    free(old_h);
    free(old_s);
    return rc;
}
