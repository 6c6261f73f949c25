/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Flood and abuse limits, what Kamailio's pike and ratelimit modules and a
 * fail2ban jail give: a request rate per source address (a token bucket),
 * a temporary ban of a source after repeated failed digest attempts, a cap
 * on TCP connections per source and a cap on transactions in memory.
 * Sources in limit_exempt (CIDRs) pass every check.
 *
 * A source is an IPv4 address or an IPv6 /64 (one subscriber's prefix).
 * Sources live in a table of fixed size that never allocates after
 * LIM_Init; see limits.c for how it evicts. The transport asks LIM_Check
 * once per datagram or TCP message, before the SIP parse. Main thread only.
 */
#ifndef KRTPD_SIP_LIMITS_H
#define KRTPD_SIP_LIMITS_H

#include <stdint.h>
#include <sys/socket.h>

#define LIM_MAX_EXEMPT	32
#define LIM_MAX_RATE	1000000	/* rate and burst; a bucket holds burst * 1000 in 32 bits */

struct lim_cidr {
	int family;			/* AF_INET or AF_INET6 */
	uint8_t addr[16];
	unsigned int prefix;		/* bits */
};

struct lim_config {
	unsigned int rate;		/* requests per second per source, 0 = no limit */
	unsigned int burst;		/* bucket depth, requests */
	unsigned int ban_failures;	/* failed digest attempts before a ban, 0 = never */
	unsigned int ban_window;	/* seconds the failures must fall within */
	unsigned int ban_time;		/* seconds a ban lasts */
	unsigned int conns_per_source;	/* TCP/TLS connections per source, 0 = no cap */
	unsigned int calls_per_source;	/* calls being set up per source, 0 = no cap */
	unsigned int max_transactions;	/* transactions in memory, 0 = no cap */
	unsigned int table_size;	/* sources tracked (rounded up to a power of two) */
	struct lim_cidr exempt[LIM_MAX_EXEMPT];
	int nexempt;
};

/* The defaults (see krtpd.conf.example). */
void LIM_Defaults(struct lim_config *cfg);
/* "10.0.0.0/8", "2001:db8::/32", "192.0.2.1" (a host); 0 or -EINVAL. */
int LIM_CidrParse(const char *s, struct lim_cidr *out);

/* 0 or -ENOMEM. May be called again (SIGHUP is not needed: startup only). */
int LIM_Init(const struct lim_config *cfg);
void LIM_Fini(void);

enum lim_verdict {
	LIM_PASS = 0,
	LIM_RATE,			/* over the request rate: drop (UDP) */
	LIM_BANNED,			/* the source is banned: drop */
};

/*
 * One message of n bytes from addr: is it to be handled? A response
 * (starts with "SIP/") only checks the ban; a request, or anything else,
 * also takes a token. Counts what it drops.
 */
enum lim_verdict LIM_Check(const struct sockaddr_storage *addr, const char *buf, size_t n);
/* A digest check from addr failed (a 403 for wrong credentials); may start a ban. */
void LIM_AuthFailed(const struct sockaddr_storage *addr);
/* May one more TCP/TLS connection from addr (not banned) be accepted, `open` being open? */
int LIM_ConnAllowed(const struct sockaddr_storage *addr, unsigned int open);
/* May a new transaction be created for a request from addr, with `count` in memory? */
int LIM_TxnAllowed(const struct sockaddr_storage *addr, unsigned long count);
/*
 * A new call (INVITE without To tag) from addr: 1 if it counts as one of
 * the source's calls being set up, until LIM_CallEnd; 0 if allowed and not
 * counted (exempt, no cap); -EBUSY over calls_per_source (counted): answer
 * 503. Each call anchors its media on relay ports from the moment of its
 * INVITE, so without this one source could take them all with INVITEs to a
 * phone that never answers.
 */
int LIM_CallBegin(const struct sockaddr_storage *addr);
/* the INVITE LIM_CallBegin counted (returned 1) is done */
void LIM_CallEnd(const struct sockaddr_storage *addr);
/* Seconds for Retry-After in the 503 of a refused transaction. */
#define LIM_RETRY_AFTER_S	"5"

int LIM_Exempt(const struct sockaddr_storage *addr);
/* Is addr banned now? (tests, the control socket) */
int LIM_Banned(const struct sockaddr_storage *addr);
/* Is addr in the table? (tests: eviction) */
int LIM_Tracked(const struct sockaddr_storage *addr);

struct lim_stats {
	unsigned long rate_dropped;	/* requests dropped over the rate */
	unsigned long calls_refused;	/* INVITEs over calls_per_source */
	unsigned long ban_dropped;	/* messages from banned sources dropped */
	unsigned long auth_failures;	/* failed digest attempts seen */
	unsigned long bans;		/* bans started */
	unsigned long bans_active;	/* bans in force now */
	unsigned long conns_refused;	/* TCP/TLS connections over the per-source cap */
	unsigned long txn_refused;	/* requests answered 503 over max_transactions */
	unsigned long evicted;		/* sources pushed out of a full table */
	unsigned long sources;		/* sources in the table now */
	unsigned long table_size;
};
void LIM_GetStats(struct lim_stats *s);

#endif /* KRTPD_SIP_LIMITS_H */
