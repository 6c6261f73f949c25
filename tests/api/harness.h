/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small test harness with the interface of the kernel's
 * tools/testing/selftests/kselftest_harness.h (TEST, FIXTURE, FIXTURE_SETUP,
 * FIXTURE_TEARDOWN, TEST_F, ASSERT_*, EXPECT_*, SKIP, TH_LOG,
 * TEST_F_TIMEOUT, TEST_HARNESS_MAIN) and its KTAP output, for building the API tests
 * without a kernel source tree (the headers packages do not ship it).
 *
 * Each test runs in a forked child, so a crash or a failed ASSERT ends that
 * test only; the result comes back in a shared page. An ASSERT jumps out of
 * the test body or setup to the teardown. Exit status: 0 when every test
 * passed or was skipped, 1 when one failed, 4 (KSFT_SKIP) when all skipped.
 *
 * The test bodies are kept out of line, away from the setjmp() in their
 * runner, so their locals are never clobbered by the longjmp().
 *
 * Comparisons are made as long long: compare integers of any width and
 * sign, not pointers (use ASSERT_TRUE(p != NULL)).
 */
#ifndef KRTP_TEST_HARNESS_H
#define KRTP_TEST_HARNESS_H

#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define KSFT_PASS 0
#define KSFT_FAIL 1
#define KSFT_SKIP 4

#ifndef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 120
#endif

struct __test_metadata {
	const char *name;
	void (*fn)(struct __test_metadata *);
	struct __test_metadata *next;
	int timeout;		/* seconds; 0: TEST_TIMEOUT_DEFAULT */
	/* written by the child, in a shared page */
	bool passed;
	bool skip;
	bool in_teardown;
	char skip_reason[256];
	jmp_buf env;
};

static struct __test_metadata *__test_list, **__test_tail = &__test_list;

static inline void __register_test(struct __test_metadata *t)
{
	*__test_tail = t;
	__test_tail = &t->next;
}

#define TH_LOG(fmt, ...) \
	fprintf(stderr, "# %s:%d:%s:" fmt "\n", __FILE__, __LINE__, _metadata->name, \
		##__VA_ARGS__)

/* Stop the test: back to the runner, which runs the teardown */
static inline void __bail(struct __test_metadata *m)
{
	if (m->in_teardown) {
		fflush(stdout);
		_exit(KSFT_FAIL);
	}
	longjmp(m->env, 1);
}

#define SKIP(statement, fmt, ...) do { \
	snprintf(_metadata->skip_reason, sizeof(_metadata->skip_reason), fmt, ##__VA_ARGS__); \
	_metadata->skip = true; \
	statement; \
} while (0)

#define __EXPECT(expected, expected_str, seen, seen_str, op, is_assert) do { \
	long long __exp = (long long)(expected); \
	long long __seen = (long long)(seen); \
	if (!(__exp op __seen)) { \
		fprintf(stderr, "# %s:%d:%s:Expected %s (%lld) %s %s (%lld)\n", __FILE__, \
			__LINE__, _metadata->name, expected_str, __exp, #op, seen_str, __seen); \
		_metadata->passed = false; \
		if (is_assert) \
			__bail(_metadata); \
	} \
} while (0)

#define __EXPECT_STR(expected, seen, op, is_assert) do { \
	const char *__exp = (expected); \
	const char *__seen = (seen); \
	if (!(strcmp(__exp, __seen) op 0)) { \
		fprintf(stderr, "# %s:%d:%s:Expected '%s' %s '%s'\n", __FILE__, __LINE__, \
			_metadata->name, __exp, #op, __seen); \
		_metadata->passed = false; \
		if (is_assert) \
			__bail(_metadata); \
	} \
} while (0)

#define ASSERT_EQ(e, s) __EXPECT(e, #e, s, #s, ==, 1)
#define ASSERT_NE(e, s) __EXPECT(e, #e, s, #s, !=, 1)
#define ASSERT_LT(e, s) __EXPECT(e, #e, s, #s, <, 1)
#define ASSERT_LE(e, s) __EXPECT(e, #e, s, #s, <=, 1)
#define ASSERT_GT(e, s) __EXPECT(e, #e, s, #s, >, 1)
#define ASSERT_GE(e, s) __EXPECT(e, #e, s, #s, >=, 1)
#define ASSERT_TRUE(s) __EXPECT(0, "0", !!(s), #s, !=, 1)
#define ASSERT_FALSE(s) __EXPECT(0, "0", !!(s), #s, ==, 1)
#define ASSERT_STREQ(e, s) __EXPECT_STR(e, s, ==, 1)
#define ASSERT_STRNE(e, s) __EXPECT_STR(e, s, !=, 1)
#define EXPECT_EQ(e, s) __EXPECT(e, #e, s, #s, ==, 0)
#define EXPECT_NE(e, s) __EXPECT(e, #e, s, #s, !=, 0)
#define EXPECT_LT(e, s) __EXPECT(e, #e, s, #s, <, 0)
#define EXPECT_LE(e, s) __EXPECT(e, #e, s, #s, <=, 0)
#define EXPECT_GT(e, s) __EXPECT(e, #e, s, #s, >, 0)
#define EXPECT_GE(e, s) __EXPECT(e, #e, s, #s, >=, 0)
#define EXPECT_TRUE(s) __EXPECT(0, "0", !!(s), #s, !=, 0)
#define EXPECT_FALSE(s) __EXPECT(0, "0", !!(s), #s, ==, 0)
#define EXPECT_STREQ(e, s) __EXPECT_STR(e, s, ==, 0)
#define EXPECT_STRNE(e, s) __EXPECT_STR(e, s, !=, 0)

#define __TEST_REGISTER(fn_name, test_name, secs) \
	static struct __test_metadata _##fn_name##_object = { \
		.name = test_name, .fn = fn_name, .timeout = secs, \
	}; \
	static void __attribute__((constructor)) _register_##fn_name(void) \
	{ \
		__register_test(&_##fn_name##_object); \
	}

#define TEST(test_name) \
	static void __attribute__((noinline)) test_name(struct __test_metadata *_metadata); \
	static void _run_##test_name(struct __test_metadata *_metadata) \
	{ \
		if (!setjmp(_metadata->env)) \
			test_name(_metadata); \
	} \
	__TEST_REGISTER(_run_##test_name, "global." #test_name, 0) \
	static void test_name(struct __test_metadata __attribute__((unused)) *_metadata)

#define FIXTURE_DATA(fixture_name) struct _fixture_##fixture_name##_data
#define FIXTURE(fixture_name) FIXTURE_DATA(fixture_name)

#define FIXTURE_SETUP(fixture_name) \
	static void __attribute__((noinline)) fixture_name##_setup(struct __test_metadata __attribute__((unused)) *_metadata, \
		FIXTURE_DATA(fixture_name) __attribute__((unused)) *self, \
		const void __attribute__((unused)) *variant)

#define FIXTURE_TEARDOWN(fixture_name) \
	static void __attribute__((noinline)) fixture_name##_teardown(struct __test_metadata __attribute__((unused)) *_metadata, \
		FIXTURE_DATA(fixture_name) __attribute__((unused)) *self, \
		const void __attribute__((unused)) *variant)

#define TEST_F(fixture_name, test_name) TEST_F_TIMEOUT(fixture_name, test_name, 0)

/* A test with its own time limit, in seconds */
#define TEST_F_TIMEOUT(fixture_name, test_name, secs) \
	static void __attribute__((noinline)) fixture_name##_##test_name( \
		struct __test_metadata *_metadata, FIXTURE_DATA(fixture_name) *self, \
		const void *variant); \
	static void _run_##fixture_name##_##test_name(struct __test_metadata *_metadata) \
	{ \
		FIXTURE_DATA(fixture_name) self; \
		volatile bool setup_done = false; \
		memset(&self, 0, sizeof(self)); \
		if (!setjmp(_metadata->env)) { \
			fixture_name##_setup(_metadata, &self, NULL); \
			setup_done = true; \
			if (_metadata->passed && !_metadata->skip) \
				fixture_name##_##test_name(_metadata, &self, NULL); \
		} \
		if (setup_done) { \
			_metadata->in_teardown = true; \
			fixture_name##_teardown(_metadata, &self, NULL); \
		} \
	} \
	__TEST_REGISTER(_run_##fixture_name##_##test_name, #fixture_name "." #test_name, secs) \
	static void fixture_name##_##test_name( \
		struct __test_metadata __attribute__((unused)) *_metadata, \
		FIXTURE_DATA(fixture_name) __attribute__((unused)) *self, \
		const void __attribute__((unused)) *variant)

/* Run one test in a child; returns KSFT_PASS, KSFT_FAIL or KSFT_SKIP */
static inline int __run_test(struct __test_metadata *t, struct __test_metadata *shared)
{
	int status;
	pid_t pid;

	*shared = *t;
	shared->passed = true;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		printf("# %s: fork failed\n", t->name);
		return KSFT_FAIL;
	}
	if (pid == 0) {
		alarm(shared->timeout ?: TEST_TIMEOUT_DEFAULT);
		shared->fn(shared);
		fflush(stdout);
		fflush(stderr);
		_exit(shared->passed ? KSFT_PASS : KSFT_FAIL);
	}
	while (waitpid(pid, &status, 0) < 0)
		;
	if (WIFSIGNALED(status)) {
		printf("# %s: test died of signal %d%s\n", t->name, WTERMSIG(status),
		       WTERMSIG(status) == SIGALRM ? " (timeout)" : "");
		return KSFT_FAIL;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != KSFT_PASS || !shared->passed)
		return KSFT_FAIL;
	return shared->skip ? KSFT_SKIP : KSFT_PASS;
}

/* Arguments select tests whose name contains one of them */
static inline int test_harness_run(int argc, char **argv)
{
	struct __test_metadata *t, *shared;
	int n = 0, i, pass = 0, fail = 0, skip = 0;

	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		      -1, 0);
	if (shared == MAP_FAILED) {
		perror("mmap");
		return KSFT_FAIL;
	}
	for (t = __test_list; t; t = t->next) {
		bool want = argc < 2;

		for (i = 1; i < argc; i++)
			want |= strstr(t->name, argv[i]) != NULL;
		if (!want)
			t->fn = NULL;
		else
			n++;
	}
	printf("TAP version 13\n1..%d\n", n);
	n = 0;
	for (t = __test_list; t; t = t->next) {
		int ret;

		if (!t->fn)
			continue;
		n++;
		printf("#  RUN           %s ...\n", t->name);
		ret = __run_test(t, shared);
		if (ret == KSFT_SKIP) {
			skip++;
			printf("#      SKIP      %s\nok %d %s # SKIP %s\n", shared->skip_reason, n,
			       t->name, shared->skip_reason);
		} else if (ret == KSFT_PASS) {
			pass++;
			printf("#            OK  %s\nok %d %s\n", t->name, n, t->name);
		} else {
			fail++;
			printf("#      FAIL      %s\nnot ok %d %s\n", t->name, n, t->name);
		}
		fflush(stdout);
	}
	printf("# %s: %d / %d tests passed.\n", fail ? "FAILED" : "PASSED", pass, n);
	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:%d error:0\n", pass, fail, skip);
	munmap(shared, sizeof(*shared));
	if (fail)
		return KSFT_FAIL;
	return n && skip == n ? KSFT_SKIP : KSFT_PASS;
}

#define TEST_HARNESS_MAIN \
	int main(int argc, char **argv) \
	{ \
		return test_harness_run(argc, argv); \
	}

#endif /* KRTP_TEST_HARNESS_H */
