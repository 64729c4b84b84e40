/*
 * sim/fuzz/replay.c - run fuzz inputs (files or directories of them) without libFuzzer.
 *
 * Used for coverage (the corpus replayed by a --coverage build) and to
 * re-run a finding under a debugger.  With PVMM_FUZZ_TRACE set, the last
 * input's operations are written as a scenario (see fuzz-ops.c).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    long len;

    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    len = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc(len > 0 ? (size_t)len : 1);
    if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) {
        fclose(f);
        free(buf);
        return -1;
    }
    fclose(f);
    LLVMFuzzerTestOneInput(buf, (size_t)len);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    unsigned long n = 0;

    for (int i = 1; i < argc; i++) {
        struct stat st;
        DIR *d;
        struct dirent *e;

        if (stat(argv[i], &st)) {
            fprintf(stderr, "replay: cannot read %s\n", argv[i]);
            return 2;
        }
        if (!S_ISDIR(st.st_mode)) {
            n += run_file(argv[i]) == 0;
            continue;
        }
        d = opendir(argv[i]);
        while (d && (e = readdir(d))) {
            char path[4096];

            if (e->d_name[0] == '.')
                continue;
            snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
            if (stat(path, &st) || !S_ISREG(st.st_mode))
                continue;
            n += run_file(path) == 0;
        }
        if (d)
            closedir(d);
    }
    printf("replayed %lu inputs\n", n);
    return 0;
}
