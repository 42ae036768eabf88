/*
 * A minimal check harness for the C tests: CHECK(condition) and CHECK_ERROR(h, code) count
 * and report failures with file and line; check_summary() prints the totals and gives the
 * exit status.
 */
#ifndef LINER_TESTS_CHECK_H
#define LINER_TESTS_CHECK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "liner.h"

static atomic_int checks_run;
static atomic_int checks_failed;

static inline bool check_that(bool ok, const char *what, const char *file, int line)
{
    atomic_fetch_add(&checks_run, 1);
    if (!ok) {
        atomic_fetch_add(&checks_failed, 1);
        fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
    }
    return ok;
}

#define CHECK(condition) check_that((condition), #condition, __FILE__, __LINE__)

/* The last call on h failed with `code` (and its message is not empty). */
static inline void check_error(lnr_hClient h, int code, const char *file, int line)
{
    int got = lnr_last_error_code(h);
    const char *message = lnr_last_error_message(h);
    bool ok = got == code && message != NULL && message[0] != '\0';
    if (!check_that(ok, "last error code", file, line)) {
        fprintf(stderr, "    expected code %d, got %d (%s)\n", code, got,
                message != NULL ? message : "NULL message");
    }
}

#define CHECK_ERROR(h, code) check_error((h), (code), __FILE__, __LINE__)

/* Both strings non-NULL and equal. */
#define CHECK_STREQ(a, b) CHECK((a) != NULL && (b) != NULL && strcmp((a), (b)) == 0)

static inline int check_summary(const char *program)
{
    int run = atomic_load(&checks_run);
    int failed = atomic_load(&checks_failed);
    printf("%s: %d checks, %d failed\n", program, run, failed);
    return failed == 0 && run > 0 ? 0 : 1;
}

#endif /* LINER_TESTS_CHECK_H */
