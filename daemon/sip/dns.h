/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Locating SIP servers (RFC 3263 §4) with c-ares: NAPTR, then SRV (RFC
 * 2782 priority and weight), then A/AAAA. The c-ares sockets are watched by
 * the main loop and its timeouts run on the timer heap, so a lookup never
 * blocks the SIP loop. Answers are cached for their TTL (bounded in entries),
 * NXDOMAIN and empty answers for a short bounded time. Main thread only.
 *
 * A numeric host never reaches the network or the cache: DNS_Resolve
 * answers it at once, as it does any name whose records are all cached.
 */
#ifndef KRTPD_SIP_DNS_H
#define KRTPD_SIP_DNS_H

#include <stdint.h>
#include <sys/socket.h>

#include "msg.h"

/* Transports as RFC 3263 names them; bit values, so a set fits an int */
enum dns_proto {
	DNS_UDP = 1,		/* SIP+D2U, _sip._udp */
	DNS_TCP = 2,		/* SIP+D2T, _sip._tcp */
	DNS_TLS = 4,		/* SIPS+D2T, _sips._tcp */
};

#define DNS_MAX_SERVERS		4
#define DNS_MAX_TARGETS		8

struct dns_config {
	/* "ADDR[:PORT]" each (IPv6 as [ADDR]:PORT); none: /etc/resolv.conf */
	char servers[DNS_MAX_SERVERS][64];
	int nservers;
	unsigned int cache_size;	/* entries (one name and type each) */
	unsigned int negative_ttl;	/* seconds NXDOMAIN/NODATA is remembered, at most */
	unsigned int timeout_ms;	/* per try and server */
	unsigned int tries;
	int protos;			/* DNS_* krtpd can send on */
};

/* What to locate: the host part of a SIP URI and what the URI says */
struct dns_req {
	struct sip_str host;
	uint16_t port;			/* 0 when the URI has none */
	int proto;			/* from transport=, 0 when absent */
	int sips;			/* sips: URI */
};

/* Where to send, best first (RFC 3263 §4.3: try the next on failure) */
struct dns_target {
	struct sockaddr_storage addr;
	int proto;			/* DNS_UDP, DNS_TCP or DNS_TLS */
};

struct dns_result {
	int n;
	struct dns_target t[DNS_MAX_TARGETS];
};

/*
 * Called once per pending lookup: err 0 with at least one target, or
 * -ENOENT (the name, or an address for it, does not exist), -EAGAIN (no
 * answer: timeout or server failure), -ECANCELED (DNS_Fini).
 */
typedef void (*dns_cb)(int err, const struct dns_result *res, void *arg);

int DNS_Init(const struct dns_config *cfg);
/* Ends every pending lookup with -ECANCELED, then frees the cache */
void DNS_Fini(void);

/*
 * Resolve req. Returns 0 with *out filled when the answer is known now
 * (numeric host, or everything cached; cb is not called), 1 when cb will
 * be called later, or a negative errno as cb would have had it. cb may be
 * NULL to only warm the cache.
 */
int DNS_Resolve(const struct dns_req *req, dns_cb cb, void *arg, struct dns_result *out);

/* The SIP status and reason phrase for a failed lookup's errno */
int DNS_Status(int err, const char **reason);

/* Tests: the random source for SRV weights (NULL restores random()) */
void DNS_SetRandom(long (*fn)(void));
/* Tests: forget every cached answer */
void DNS_Flush(void);

/* The proxy tells when it retried a request on the next target */
void DNS_CountFailover(void);

struct dns_stats {
	unsigned long lookups;		/* DNS_Resolve calls for names */
	unsigned long queries;		/* sent to a server */
	unsigned long cache_hits, cache_misses;
	unsigned long failures;		/* lookups that ended without a target */
	unsigned long nxdomain, timeouts;
	unsigned long failovers;
	unsigned long cache_entries;
};
void DNS_GetStats(struct dns_stats *s);

#endif /* KRTPD_SIP_DNS_H */
