/*
 * harness.h — a small TAP test harness for the C unit tests.
 *
 *   static void test_parse_number(void) { CHECK_INT(parse("1"), 1); }
 *   int main(void) { RUN(test_parse_number); return harness_done(); }
 *
 * Each RUN prints "ok N - name" or "not ok N - name" with the failed checks as TAP
 * comments; harness_done() prints the plan and returns the exit status. A check that
 * fails does not stop the test function: later checks still run and report.
 */
#ifndef SOLIDARITY_TEST_HARNESS_H
#define SOLIDARITY_TEST_HARNESS_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int harness_count;
static int harness_failed_tests;
static int harness_current_failed;

#define RUN(fn)                                                                                    \
    do {                                                                                           \
        harness_current_failed = 0;                                                                \
        fn();                                                                                      \
        harness_count++;                                                                           \
        if (harness_current_failed)                                                                \
            harness_failed_tests++;                                                                \
        printf("%s %d - %s\n", harness_current_failed ? "not ok" : "ok", harness_count, #fn);     \
        fflush(stdout);                                                                            \
    } while (0)

/* For data-driven runners: report one named case. */
static inline void
harness_report(const char *name, int failed)
{
    harness_count++;
    if (failed)
        harness_failed_tests++;
    printf("%s %d - %s\n", failed ? "not ok" : "ok", harness_count, name);
    fflush(stdout);
}

static inline int
harness_done(void)
{
    printf("1..%d\n", harness_count);
    return harness_failed_tests ? 1 : 0;
}

#define HARNESS_FAIL(...)                                                                          \
    do {                                                                                           \
        harness_current_failed = 1;                                                                \
        printf("# %s:%d: ", __FILE__, __LINE__);                                                   \
        printf(__VA_ARGS__);                                                                       \
        printf("\n");                                                                              \
    } while (0)

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            HARNESS_FAIL("CHECK(%s) failed", #cond);                                               \
    } while (0)

#define CHECK_INT(got, want)                                                                       \
    do {                                                                                           \
        long long g_ = (long long)(got), w_ = (long long)(want);                                   \
        if (g_ != w_)                                                                              \
            HARNESS_FAIL("%s == %lld, expected %lld", #got, g_, w_);                               \
    } while (0)

#define CHECK_STR(got, want)                                                                       \
    do {                                                                                           \
        const char *g_ = (got), *w_ = (want);                                                      \
        if (!g_ || !w_ || strcmp(g_, w_) != 0)                                                     \
            HARNESS_FAIL("%s == \"%s\", expected \"%s\"", #got, g_ ? g_ : "(null)",                \
                         w_ ? w_ : "(null)");                                                      \
    } while (0)

/* Compare n bytes at got with the NUL-terminated want. */
#define CHECK_STRN(got, n, want)                                                                   \
    do {                                                                                           \
        const char *g_ = (got), *w_ = (want);                                                      \
        size_t gn_ = (n);                                                                          \
        if (!g_ || strlen(w_) != gn_ || memcmp(g_, w_, gn_) != 0)                                  \
            HARNESS_FAIL("%s == \"%.*s\", expected \"%s\"", #got, (int)gn_, g_ ? g_ : "", w_);    \
    } while (0)

#endif
