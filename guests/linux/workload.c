/*
 * guests/linux/workload.c - the measured part of the Linux initramfs workload (guests/linux/init).
 *
 *   workload forkexec N   N times: fork, exec /bin/busybox true, wait; every child must exit 0
 *   workload mm K         K rounds: mmap 64 MiB anonymous, write every page, fork; the child
 *                         rewrites every page (copy-on-write) and checks it, the parent then
 *                         checks that it still sees its own values; munmap.  Prints the TSC
 *                         ticks the K rounds took ("mm: P pages, T tsc": under -icount T is
 *                         instructions, which make bench-linux divides by the pages, P)
 *
 * Every step that the kernel (and under it the hypervisor's page-table handling) gets wrong
 * shows up as a wrong value or a failed call: the program prints what and exits 1.
 * Built with the host gcc -static (tools/linux-initramfs); not part of the hypervisor.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define MM_BYTES (64UL << 20)
#define PAGE     4096UL

/* Wait for pid; 0 when it exited with status 0. */
static int reap(pid_t pid, const char *what)
{
    int status;

    if (waitpid(pid, &status, 0) != pid) {
        perror(what);
        return -1;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "workload: %s: child status %#x\n", what, status);
        return -1;
    }
    return 0;
}

/* n times fork + exec of a busybox applet. */
static int forkexec(long n)
{
    long i;

    for (i = 0; i < n; i++) {
        pid_t pid = fork();

        if (pid < 0) {
            perror("fork");
            return -1;
        }
        if (pid == 0) {
            execl("/bin/busybox", "busybox", "true", (char *)NULL);
            _exit(127);
        }
        if (reap(pid, "fork+exec") != 0)
            return -1;
    }
    printf("pvmm-linux: %ld fork+exec done\n", n);
    return 0;
}

/* Check that every page's first word of p is tag ^ page index. */
static long check_pages(const volatile uint64_t *p, uint64_t tag)
{
    unsigned long i;

    for (i = 0; i < MM_BYTES / PAGE; i++)
        if (p[i * (PAGE / 8)] != (tag ^ i))
            return (long)i;
    return -1;
}

static void fill_pages(volatile uint64_t *p, uint64_t tag)
{
    unsigned long i;

    for (i = 0; i < MM_BYTES / PAGE; i++)
        p[i * (PAGE / 8)] = tag ^ i;
}

/* One round: map, touch, fork with copy-on-write writes in the child, check, unmap. */
static int mm_round(long round)
{
    uint64_t parent_tag = 0x5a5a000000000000ULL | (uint64_t)round;
    uint64_t child_tag = 0xc3c3000000000000ULL | (uint64_t)round;
    volatile uint64_t *p;
    long bad;
    pid_t pid;

    p = mmap(NULL, MM_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        perror("mmap");
        return -1;
    }
    fill_pages(p, parent_tag);
    pid = fork();
    if (pid < 0) {
        perror("fork");
        return -1;
    }
    if (pid == 0) {
        if ((bad = check_pages(p, parent_tag)) >= 0) {
            fprintf(stderr, "workload: child sees a wrong page %ld before writing\n", bad);
            _exit(1);
        }
        fill_pages(p, child_tag);
        if ((bad = check_pages(p, child_tag)) >= 0) {
            fprintf(stderr, "workload: child lost its write to page %ld\n", bad);
            _exit(1);
        }
        _exit(0);
    }
    if (reap(pid, "copy-on-write child") != 0)
        return -1;
    if ((bad = check_pages(p, parent_tag)) >= 0) {
        fprintf(stderr, "workload: the child's write reached the parent's page %ld\n", bad);
        return -1;
    }
    if (munmap((void *)p, MM_BYTES) != 0) {
        perror("munmap");
        return -1;
    }
    return 0;
}

static uint64_t tsc(void)
{
    uint32_t lo, hi;

    __asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) :: "memory");
    return ((uint64_t)hi << 32) | lo;
}

static int mm(long rounds)
{
    uint64_t t0 = tsc();
    long r;

    for (r = 0; r < rounds; r++)
        if (mm_round(r) != 0)
            return -1;
    printf("pvmm-linux: mm: %lu pages, %lu tsc\n", (unsigned long)rounds * (MM_BYTES / PAGE),
           (unsigned long)(tsc() - t0));
    printf("pvmm-linux: %ld rounds of mmap %lu MiB/touch/fork+cow/munmap done\n", rounds,
           MM_BYTES >> 20);
    return 0;
}

int main(int argc, char **argv)
{
    long n;

    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc != 3) {
        fprintf(stderr, "usage: workload forkexec|mm N\n");
        return 2;
    }
    n = strtol(argv[2], NULL, 0);
    if (strcmp(argv[1], "forkexec") == 0)
        return forkexec(n) == 0 ? 0 : 1;
    if (strcmp(argv[1], "mm") == 0)
        return mm(n) == 0 ? 0 : 1;
    fprintf(stderr, "workload: unknown step %s\n", argv[1]);
    return 2;
}
