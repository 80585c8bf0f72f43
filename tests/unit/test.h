/*
 * test.h: small assertion macros for the C unit tests.
 *
 * A test program runs its cases with TEST_RUN(fn); a failed ASSERT prints
 * file, line and the values, marks the case failed and returns from it.
 * test_done() prints a summary and gives the exit status for automake
 * (0 passed, 1 failed).
 */

#ifndef TEST_H
#define TEST_H

#include <stdio.h>
#include <string.h>
#include <inttypes.h>

extern int test_failed, test_cases, test_case_failed;

#define TEST_GLOBALS int test_failed, test_cases, test_case_failed

#define TEST_FAIL(...) do {						\
	fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);			\
	fprintf(stderr, __VA_ARGS__);					\
	fputc('\n', stderr);						\
	test_case_failed = 1;						\
	return;								\
} while (0)

#define ASSERT_TRUE(e) do {						\
	if (!(e))							\
		TEST_FAIL("ASSERT_TRUE(%s) failed", #e);		\
} while (0)

#define ASSERT_INT_EQ(a, b) do {					\
	long long _a = (long long)(a), _b = (long long)(b);		\
	if (_a != _b)							\
		TEST_FAIL("%s == %s: %lld != %lld", #a, #b, _a, _b);	\
} while (0)

#define ASSERT_INT_NE(a, b) do {					\
	long long _a = (long long)(a), _b = (long long)(b);		\
	if (_a == _b)							\
		TEST_FAIL("%s != %s: both %lld", #a, #b, _a);		\
} while (0)

#define ASSERT_STR_EQ(a, b) do {					\
	const char *_a = (a), *_b = (b);				\
	if (_a == NULL || _b == NULL || strcmp(_a, _b) != 0)		\
		TEST_FAIL("%s == %s: \"%s\" != \"%s\"", #a, #b,		\
		    _a ? _a : "(null)", _b ? _b : "(null)");		\
} while (0)

#define ASSERT_MEM_EQ(a, b, n) do {					\
	if (memcmp((a), (b), (n)) != 0)					\
		TEST_FAIL("%s == %s: %zu bytes differ", #a, #b,		\
		    (size_t)(n));					\
} while (0)

#define TEST_RUN(fn) do {						\
	test_case_failed = 0;						\
	test_cases++;							\
	fn();								\
	if (test_case_failed) {						\
		test_failed++;						\
		fprintf(stderr, "FAIL %s\n", #fn);			\
	} else								\
		fprintf(stderr, "ok   %s\n", #fn);			\
} while (0)

static inline int
test_done(const char *name)
{
	fprintf(stderr, "%s: %d cases, %d failed\n", name, test_cases,
	    test_failed);
	return (test_failed != 0);
}

#endif /* TEST_H */
