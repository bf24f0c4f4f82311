/*
 * memspy: counts the large memory copies of a process, by caller.
 *
 * Callgrind counts a `rep movsb` copy as one instruction, so the bytes a TLS library moves
 * around (states returned by value, decoded messages moved into their state, contexts
 * cloned) are invisible in its instruction counts, yet show in wall time (perf record -e
 * cpu-clock: `__memmove_*` at 4-5 % of a resumed TLS 1.3 pair). This LD_PRELOAD library
 * replaces memcpy and memmove with plain byte loops that first record (return address,
 * size) for every call of 128 bytes or more, and writes the table at exit:
 *
 *   gcc -O1 -fno-builtin -shared -fPIC -o /tmp/memspy.so benches/tools/memspy.c -ldl
 *   MEMSPY_OUT=/tmp/ms.txt LD_PRELOAD=/tmp/memspy.so \
 *       target/release/padlock-handshake-loop padlock p256-resume 1000
 *   python3 benches/tools/memspy_report.py /tmp/ms.txt 1000 target/release/padlock-handshake-loop
 *
 * A measuring tool only: the loops are slow, so time nothing under it.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define SLOTS 65536
#define MIN_SIZE 128

static struct {
    void *caller;
    size_t size;
    unsigned long count;
} table[SLOTS];

static void record(void *caller, size_t size) {
    if (size < MIN_SIZE) return;
    size_t start = ((uintptr_t)caller * 2654435761u ^ size) % SLOTS;
    for (size_t i = 0; i < SLOTS; i++) {
        size_t j = (start + i) % SLOTS;
        if (table[j].caller == caller && table[j].size == size) {
            table[j].count++;
            return;
        }
        if (!table[j].caller) {
            table[j].caller = caller;
            table[j].size = size;
            table[j].count = 1;
            return;
        }
    }
}

static void *copy(void *dst, const void *src, size_t n) {
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d < s) {
        for (size_t i = 0; i < n; i++) d[i] = s[i];
    } else {
        for (size_t i = n; i > 0; i--) d[i - 1] = s[i - 1];
    }
    return dst;
}

void *memcpy(void *dst, const void *src, size_t n) {
    record(__builtin_return_address(0), n);
    return copy(dst, src, n);
}

void *memmove(void *dst, const void *src, size_t n) {
    record(__builtin_return_address(0), n);
    return copy(dst, src, n);
}

/* One line per (caller, size): count, size, caller's offset in its object, the object. */
__attribute__((destructor)) static void dump(void) {
    const char *path = getenv("MEMSPY_OUT");
    FILE *out = fopen(path ? path : "/tmp/memspy.txt", "w");
    if (!out) return;
    for (size_t i = 0; i < SLOTS; i++) {
        if (!table[i].caller) continue;
        Dl_info info;
        char *base = 0;
        const char *object = "?";
        if (dladdr(table[i].caller, &info)) {
            base = info.dli_fbase;
            object = info.dli_fname;
        }
        fprintf(out, "%lu %zu %p %s\n", table[i].count, table[i].size,
                (void *)((char *)table[i].caller - base), object);
    }
    fclose(out);
}
