// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for what krtpd takes from a DNS server's answer
 * (daemon/sip/dns_cache.c): c-ares parses the records, libresolv the TTLs,
 * and dns_cache.c turns them into a cache entry. The first byte picks the
 * record type and the c-ares status; the rest is the answer as it came off
 * the wire, in a buffer of exactly its size. Every entry must hold
 * terminated names, a count within what was allocated, a bounded expiry,
 * and go into and out of a small cache without a leak.
 */
#include <arpa/nameser.h>
#include <ares.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sip/dns.h"
#include "sip/dns_cache.h"
#include "timer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int types[] = { ns_t_naptr, ns_t_srv, ns_t_a, ns_t_aaaa };
	static const int status[] = { ARES_SUCCESS, ARES_ENOTFOUND, ARES_ENODATA, ARES_ETIMEOUT };
	static int init;
	struct dns_entry *e;
	unsigned char *buf;
	uint64_t expires;
	int type, st, i;

	if (!init) {
		DNSC_Init(4, 30);
		init = 1;
	}
	if (size < 1)
		return 0;
	type = types[data[0] & 3];
	st = status[(data[0] >> 2) & 3];
	buf = malloc(size - 1 ? size - 1 : 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, size - 1);
	e = DNSC_Answer("fuzz.example", type, st, size > 1 ? buf : NULL, (int)size - 1);
	free(buf);
	if (!e)
		return 0;
	if (e->n < 0 || e->expires > TMR_Now() + 86400ULL * 1000 + 1000)
		abort();
	for (i = 0; i < e->n; i++) {
		if (type == ns_t_naptr && (!memchr(e->rr[i].naptr.repl, 0, DNS_NAME) ||
					   !e->rr[i].naptr.proto))
			abort();
		if (type == ns_t_srv && !memchr(e->rr[i].srv.target, 0, DNS_NAME))
			abort();
	}
	expires = e->expires;
	DNSC_Put(e);
	/* a zero TTL is stored already expired; Get drops it */
	if (DNSC_Get("FUZZ.example", type) != e && expires > TMR_Now())
		abort();
	if (DNSC_Count() > 4)
		abort();
	return 0;
}
