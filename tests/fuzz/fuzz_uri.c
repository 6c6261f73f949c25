// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the URI and name-addr parser (daemon/sip/uri.c):
 * URI_Parse, MSG_ParseNaddr, MSG_ParseHostPort, MSG_Param and the string
 * compares, each run on the whole input.
 *
 * The input is copied into a heap buffer of exactly its size, so ASan
 * reports any read past the end. Beyond not crashing, what is checked:
 *
 *   - every sip_str returned lies inside the input (or inside the slice it
 *     was parsed from), and an absent one is { NULL, 0 }
 *   - a parsed host is a host: IPv6 only when inet_pton says so, a port in
 *     1..65535 or 0 when absent
 *   - parsing is stateless: the same input gives the same result twice
 *   - a URI put back together from its parts ("sip:" user "@" host ":" port
 *     params "?" headers) parses again to the same parts
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sip/msg.h"

/* exported by uri.c for the Via parser; no header declares it */
int MSG_ParseHostPort(const char *p, const char *end, struct sip_str *host, int *v6,
		      uint16_t *port);

/* s lies in [lo, hi); an absent slice is NULL and empty */
static void fuzz_inside(struct sip_str s, const char *lo, const char *hi)
{
	if (!s.s) {
		if (s.len)
			abort();
		return;
	}
	if (s.s < lo || s.s > hi || s.len > (size_t)(hi - s.s))
		abort();
}

static void fuzz_host(struct sip_str host, int v6, uint16_t port)
{
	size_t i;

	(void)port; /* uint16_t: 0 or a port, by type */
	if (!host.len || !host.s)
		abort();
	if (v6) {
		char a[64];
		struct in6_addr in6;

		if (host.len >= sizeof(a))
			abort();
		memcpy(a, host.s, host.len);
		a[host.len] = '\0';
		if (inet_pton(AF_INET6, a, &in6) != 1)
			abort();
		return;
	}
	for (i = 0; i < host.len; i++) {
		char c = host.s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '.' || c == '_'))
			abort();
	}
}

static void fuzz_uri_inside(const struct sip_uri *u, const char *lo, const char *hi)
{
	fuzz_inside(u->user, lo, hi);
	fuzz_inside(u->host, lo, hi);
	fuzz_inside(u->params, lo, hi);
	fuzz_inside(u->transport, lo, hi);
	fuzz_inside(u->maddr, lo, hi);
	fuzz_inside(u->headers, lo, hi);
	fuzz_host(u->host, u->host_v6, u->port);
	/* the user ends at the first '@', and params are found inside params */
	if (u->user.len && memchr(u->user.s, '@', u->user.len))
		abort();
	if (u->params.len && u->params.s[0] != ';')
		abort();
	if (u->transport.s)
		fuzz_inside(u->transport, u->params.s, u->params.s + u->params.len);
	if (u->maddr.s)
		fuzz_inside(u->maddr, u->params.s, u->params.s + u->params.len);
	if (u->headers.s && (u->headers.s == lo || u->headers.s[-1] != '?'))
		abort();
}

static int fuzz_str_same(struct sip_str a, struct sip_str b)
{
	return a.s == b.s && a.len == b.len;
}

static int fuzz_uri_same(const struct sip_uri *a, const struct sip_uri *b)
{
	return a->sips == b->sips && fuzz_str_same(a->user, b->user) &&
	       fuzz_str_same(a->host, b->host) && a->host_v6 == b->host_v6 &&
	       a->port == b->port && fuzz_str_same(a->params, b->params) &&
	       fuzz_str_same(a->transport, b->transport) && fuzz_str_same(a->maddr, b->maddr) &&
	       a->lr == b->lr && fuzz_str_same(a->headers, b->headers);
}

static size_t fuzz_put(char *b, size_t n, const char *s, size_t len)
{
	if (len)
		memcpy(b + n, s, len);
	return n + len;
}

/*
 * Put the URI back together from its parts; it must parse to the same parts.
 * By memcpy, not printf: the parts may hold NUL bytes.
 */
static void fuzz_uri_rebuild(const struct sip_uri *u)
{
	struct sip_uri again;
	char *b = malloc(u->user.len + u->host.len + u->params.len + u->headers.len + 32);
	char port[8];
	size_t n = 0;

	if (!b)
		return;
	n = fuzz_put(b, n, u->sips ? "sips:" : "sip:", u->sips ? 5 : 4);
	if (u->user.len) {
		n = fuzz_put(b, n, u->user.s, u->user.len);
		n = fuzz_put(b, n, "@", 1);
	}
	if (u->host_v6)
		n = fuzz_put(b, n, "[", 1);
	n = fuzz_put(b, n, u->host.s, u->host.len);
	if (u->host_v6)
		n = fuzz_put(b, n, "]", 1);
	if (u->port)
		n = fuzz_put(b, n, port, snprintf(port, sizeof(port), ":%u", u->port));
	n = fuzz_put(b, n, u->params.s, u->params.len);
	if (u->headers.s) {
		n = fuzz_put(b, n, "?", 1);
		n = fuzz_put(b, n, u->headers.s, u->headers.len);
	}
	if (URI_Parse(&again, b, n) || again.sips != u->sips ||
	    !STR_Eq(again.user, u->user) || !STR_Eq(again.host, u->host) ||
	    again.host_v6 != u->host_v6 || again.port != u->port ||
	    !STR_Eq(again.params, u->params) || !STR_Eq(again.transport, u->transport) ||
	    !STR_Eq(again.maddr, u->maddr) || again.lr != u->lr ||
	    !STR_Eq(again.headers, u->headers) || !!again.headers.s != !!u->headers.s)
		abort();
	free(b);
}

static void fuzz_naddr(const char *buf, size_t size)
{
	const char *end = buf + size;
	struct sip_naddr na, na2;
	int r = MSG_ParseNaddr(&na, buf, size);

	if (r != MSG_ParseNaddr(&na2, buf, size))
		abort();
	fuzz_inside(na.raw, buf, end);
	if (r)
		return;
	fuzz_inside(na.uri_raw, na.raw.s, na.raw.s + na.raw.len);
	fuzz_inside(na.params, na.raw.s, na.raw.s + na.raw.len);
	fuzz_inside(na.tag, na.params.s, na.params.s + na.params.len);
	if (na.expires < -1 || na.expires > 0xffffffffL)
		abort();
	if (na.uri_raw.len == 1 && na.uri_raw.s[0] == '*')
		return;
	fuzz_uri_inside(&na.uri, na.uri_raw.s, na.uri_raw.s + na.uri_raw.len);
	if (!fuzz_uri_same(&na.uri, &na2.uri))
		abort();
}

static void fuzz_params(const char *buf, size_t size)
{
	static const char *const names[] = { "transport", "lr", "tag", "expires", "maddr",
					      "branch", "q", "" };
	struct sip_str p = { buf, size }, v;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		v.s = NULL;
		v.len = 0;
		if (MSG_Param(p, names[i], &v))
			fuzz_inside(v, buf, buf + size);
		else if (v.s)
			abort(); /* not found: val untouched */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sip_uri u, u2;
	struct sip_str host, a, b;
	uint16_t port;
	char *buf;
	int r, v6;

	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);

	/* URI_Parse: inside the input, stateless, and survives a rebuild */
	r = URI_Parse(&u, buf, size);
	if (r != URI_Parse(&u2, buf, size))
		abort();
	if (!r) {
		fuzz_uri_inside(&u, buf, buf + size);
		if (!fuzz_uri_same(&u, &u2))
			abort();
		fuzz_uri_rebuild(&u);
	}

	/* the same bytes as a From/To/Contact value */
	fuzz_naddr(buf, size);

	/* as a Via sent-by */
	if (!MSG_ParseHostPort(buf, buf + size, &host, &v6, &port)) {
		fuzz_inside(host, buf, buf + size);
		fuzz_host(host, v6, port);
	}

	/* as a raw parameter list */
	fuzz_params(buf, size);

	/* the compares agree with strncasecmp, and are symmetric */
	a.s = buf;
	a.len = size / 2;
	b.s = buf + size / 2;
	b.len = size - size / 2;
	if (STR_CaseEq(a, b) != STR_CaseEq(b, a) ||
	    STR_CaseEq(a, b) != (a.len == b.len && !strncasecmp(a.s, b.s, a.len)))
		abort();
	if (!STR_CaseEq(a, a))
		abort();
	(void)STR_CaseEqC(a, "sip");

	free(buf);
	return 0;
}
