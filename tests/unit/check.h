/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal checks for the krtpd host unit tests: count, print failures,
 * and end with "N passed, N failed" (tests/unit/Makefile sums those lines).
 */
#ifndef KRTPD_TEST_CHECK_H
#define KRTPD_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

static int passed, failed;

#define CHECK(cond) do {							\
	if (cond) {								\
		passed++;							\
	} else {								\
		failed++;							\
		printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);		\
	}									\
} while (0)

#define CHECK_EQ(a, b) do {							\
	long long _a = (long long)(a), _b = (long long)(b);			\
	if (_a == _b) {								\
		passed++;							\
	} else {								\
		failed++;							\
		printf("FAIL %s:%d: %s == %lld, want %lld\n", __FILE__, __LINE__,	\
		       #a, _a, _b);						\
	}									\
} while (0)

#define CHECK_STR(s, want) do {							\
	const char *_s = (s), *_w = (want);					\
	if ((!_s && !_w) || (_s && _w && !strcmp(_s, _w))) {					\
		passed++;							\
	} else {								\
		failed++;							\
		printf("FAIL %s:%d: %s == \"%s\", want \"%s\"\n", __FILE__,	\
		       __LINE__, #s, _s ? _s : "(null)", _w ? _w : "(null)");	\
	}									\
} while (0)

/* a slice equals a C string */
#define CHECK_SL(sl, want) do {							\
	struct sip_str _v = (sl);						\
	const char *_w = (want);						\
	if (_v.len == strlen(_w) && (!_v.len || !memcmp(_v.s, _w, _v.len))) {	\
		passed++;							\
	} else {								\
		failed++;							\
		printf("FAIL %s:%d: %s == \"%.*s\", want \"%s\"\n", __FILE__,	\
		       __LINE__, #sl, (int)_v.len, _v.s ? _v.s : "", _w);	\
	}									\
} while (0)

static inline int check_summary(void)
{
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

/* the value of the first line starting with key in text (up to CR), or "" */
static inline const char *line_val(const char *text, const char *key, char *out, size_t sz)
{
	const char *p = strstr(text, key), *e;

	out[0] = '\0';
	if (!p)
		return out;
	p += strlen(key);
	e = strstr(p, "\r\n");
	snprintf(out, sz, "%.*s", (int)(e ? e - p : (long)strlen(p)), p);
	return out;
}

#endif /* KRTPD_TEST_CHECK_H */
