/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The answer cache of dns.c: one entry per name and record type, kept for
 * the answer's TTL (cut to a day), NXDOMAIN and NODATA for at most the
 * configured negative TTL (RFC 2308: less when the SOA says so). Bounded
 * in entries; the least recently used goes first. Main thread only.
 *
 * An entry stays valid until the next DNSC_Put or DNSC_Flush; callers
 * copy what they need before they can cause either.
 */
#ifndef KRTPD_SIP_DNS_CACHE_H
#define KRTPD_SIP_DNS_CACHE_H

#include <stdint.h>
#include <sys/socket.h>

#define DNS_NAME	256

/* One record of a cached answer, by type */
struct dns_rr {
	union {
		struct {
			uint16_t order, pref;
			int proto;		/* DNS_*, from the service field */
			char repl[DNS_NAME];
		} naptr;
		struct {
			uint16_t prio, weight, port;
			char target[DNS_NAME];
		} srv;
		struct sockaddr_storage addr;
	};
};

struct dns_entry {
	struct dns_entry *hnext;		/* hash chain */
	struct dns_entry *lprev, *lnext;	/* LRU, most recent first */
	int type;				/* ns_t_* */
	char name[DNS_NAME];			/* as asked; compared ignoring case */
	uint64_t expires;			/* TMR_Now() ms */
	int err;				/* 0 or -ENOENT (NXDOMAIN) */
	int n;					/* 0 with err 0: NODATA */
	struct dns_rr rr[];
};


void DNSC_Init(unsigned int max_entries, unsigned int negative_ttl);
/* A live entry for name (any case) and type (ns_t_*), or NULL */
struct dns_entry *DNSC_Get(const char *name, int type);
/* Store e (taking it), replacing an older answer for its name and type */
void DNSC_Put(struct dns_entry *e);
/*
 * An entry for what c-ares handed to a query callback (its status and
 * answer), or NULL when there is nothing to remember: a timeout, a
 * failing server, no memory.
 */
struct dns_entry *DNSC_Answer(const char *name, int type, int status,
			      const unsigned char *abuf, int alen);
void DNSC_Flush(void);
unsigned int DNSC_Count(void);

#endif /* KRTPD_SIP_DNS_CACHE_H */
