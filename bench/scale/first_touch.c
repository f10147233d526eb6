/*
 * first_touch.c — what this machine charges for memory touched the first
 * time: the page faults a new stream's segment memory costs an origin
 * (docs/benchmarks.md, "At 0.1 of a core per origin").
 *
 *   cc -O2 -o /tmp/first_touch bench/scale/first_touch.c
 *   /tmp/first_touch [MiB] [huge]
 *
 * Maps MiB (300) of anonymous memory, writes one byte per 4 KiB page and
 * prints the time; "huge" asks for transparent huge pages first
 * (madvise), so the time is mostly the kernel zeroing the pages.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>


static double
now_s(void)
{
    struct timespec  t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}


int
main(int argc, char **argv)
{
    int      huge;
    char    *p;
    size_t   i, n;
    double   t, d;

    n = (size_t) (argc > 1 ? atoi(argv[1]) : 300) << 20;
    huge = argc > 2 && strcmp(argv[2], "huge") == 0;

    p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
             -1, 0);
    if (p == MAP_FAILED || n == 0) {
        perror("mmap");
        return 1;
    }

    if (huge) {
        (void) madvise(p, n, MADV_HUGEPAGE);
    }

    t = now_s();
    for (i = 0; i < n; i += 4096) {
        p[i] = 1;
    }
    d = now_s() - t;

    printf("%s pages: %.3f s for %zu MiB, %.2f us per 4 KiB\n",
           huge ? "huge" : "4 KiB", d, n >> 20, d / (n / 4096) * 1e6);
    return 0;
}
