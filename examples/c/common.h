/*
 * Helpers shared by the C examples and tests/c: where Redis is, names that no other run
 * uses, waiting for a counter with a deadline, and failing loudly.
 */
#ifndef LINER_EXAMPLES_COMMON_H
#define LINER_EXAMPLES_COMMON_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "liner.h"

/* The Redis URL: the first argument, else $LINER_REDIS_URL; exits with status 2 if neither. */
static inline const char *redis_url_from(int argc, char **argv)
{
    if (argc > 1 && argv[1][0] != '\0') {
        return argv[1];
    }
    const char *env = getenv("LINER_REDIS_URL");
    if (env != NULL && env[0] != '\0') {
        return env;
    }
    fprintf(stderr, "usage: %s REDIS_URL (or set LINER_REDIS_URL), e.g. redis://127.0.0.1:6400/\n",
            argv[0]);
    exit(2);
}

/* Writes "<label>_<pid>_<n>" into out: names differ between runs and within one. */
static inline void unique_name(char *out, size_t size, const char *label)
{
    static atomic_int next = 0;
    snprintf(out, size, "%s_%ld_%d", label, (long)getpid(), atomic_fetch_add(&next, 1));
}

static inline void sleep_ms(long ms)
{
    struct timespec pause = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&pause, &pause) != 0) {
    }
}

/* Waits until *counter >= expected; false after timeout_ms. */
static inline bool wait_for_count(atomic_int *counter, int expected, long timeout_ms)
{
    for (long waited = 0; atomic_load(counter) < expected; waited += 5) {
        if (waited >= timeout_ms) {
            return false;
        }
        sleep_ms(5);
    }
    return true;
}

/* Prints "error: ..." plus the client's last error (when h is given) and exits with 1. */
static inline void die(lnr_hClient h, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    fputs("error: ", stderr);
    vfprintf(stderr, format, args);
    va_end(args);
    if (h != NULL) {
        const char *message = lnr_last_error_message(h);
        fprintf(stderr, " (code %d: %s)", lnr_last_error_code(h),
                message != NULL ? message : "not a live handle");
    }
    fputc('\n', stderr);
    exit(1);
}

/* Creates a client listening on topic at an ephemeral loopback port, or exits. */
static inline lnr_hClient new_client_or_die(const char *unique, const char *topic,
                                            const char *redis_url)
{
    lnr_hClient h = lnr_new_client_redis(unique, topic, "127.0.0.1:0", redis_url);
    if (h == NULL) {
        die(NULL, "cannot create client %s (is Redis at %s?)", unique, redis_url);
    }
    return h;
}

#endif /* LINER_EXAMPLES_COMMON_H */
