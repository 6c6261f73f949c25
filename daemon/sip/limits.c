// SPDX-License-Identifier: GPL-2.0
/*
 * Flood and abuse limits: per-source token buckets and auth-failure bans
 * in one table of fixed size, plus the connection and transaction caps.
 *
 * The table. Sources hash (a keyed mix, seeded at random on each start,
 * so a sender cannot aim at a chosen bucket) to a bucket of LIM_WAYS
 * slots; a lookup compares at most LIM_WAYS keys, and the memory is
 * allocated once in LIM_Init. A new source takes a free slot of its
 * bucket, or else evicts, in this order:
 *
 *   1. a "probationary" entry: one that has sent a single request, or has
 *      been idle for LIM_IDLE_MS; the oldest of them;
 *   2. an established, active entry, the least recently seen;
 *   3. a banned entry, the one whose ban ends first (logged).
 *
 * A flood of spoofed sources is a stream of one-request entries: each
 * evicts another one-request entry (rule 1), so it churns among itself and
 * cannot push out a client that talks to us (two requests or more, seen in
 * the last LIM_IDLE_MS), nor a ban. Evicting an idle entry loses nothing:
 * its bucket had refilled. Evicting an active one, which needs all slots
 * of its bucket busy with established sources, resets its bucket to a
 * full burst, and that is the only harm eviction can do.
 *
 * Bans end at their time: LIM_Check notices on the source's next message,
 * and a one-second sweep (armed only while bans are in force) notices the
 * rest, so every ban gets its expiry logged.
 *
 * Calls being set up are counted per source apart from the table, exactly
 * (an evicted entry must not forget them): a node per source with such
 * calls, hashed with the table's key, freed when its count is back to 0.
 * There are at most as many as INVITE transactions (max_transactions).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "../log.h"
#include "../metrics.h"
#include "../timer.h"
#include "limits.h"

#define LIM_WAYS	4
#define LIM_IDLE_MS	10000	/* an entry silent this long may be evicted first */
#define LIM_SWEEP_MS	1000	/* ban expiry sweep while bans are in force */
#define LIM_MILLI	1000	/* tokens are kept in thousandths */

struct lim_entry {
	uint8_t key[16];	/* IPv4 as ::ffff:a.b.c.d; IPv6 /64 with the rest zero */
	uint64_t last;		/* ms: last request; the bucket was refilled up to here */
	uint64_t ban_until;	/* ms: banned until then; 0 = not banned */
	uint64_t fail_start;	/* ms: start of the current failure window */
	uint32_t tokens;	/* thousandths of a request */
	uint16_t hits;		/* requests seen, saturating */
	uint8_t fails;		/* failed digest attempts in the window */
	uint8_t used;
};

static struct lim_config lim_cfg;
static struct lim_entry *lim_tab;
static uint32_t lim_mask;	/* buckets - 1 */
static uint64_t lim_seed[2];
static struct lim_stats lim_stats;
static struct tmr lim_sweep = { .idx = -1 };

struct lim_calls {
	struct lim_calls *next;
	uint8_t key[16];
	uint32_t n;		/* the source's INVITEs LIM_CallBegin counted */
	bool said;		/* its refusals logged, until it is under the cap again */
};
static struct lim_calls **lim_calls_tab;	/* lim_mask + 1 chains */

void LIM_Defaults(struct lim_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->rate = 100;
	cfg->burst = 200;
	cfg->ban_failures = 10;
	cfg->ban_window = 60;
	cfg->ban_time = 600;
	cfg->conns_per_source = 32;
	cfg->calls_per_source = 100;
	cfg->max_transactions = 200000;
	cfg->table_size = 65536;
	LIM_CidrParse("127.0.0.1", &cfg->exempt[0]);
	LIM_CidrParse("::1", &cfg->exempt[1]);
	cfg->nexempt = 2;
}

int LIM_CidrParse(const char *s, struct lim_cidr *out)
{
	char ip[64], *slash, *end;
	unsigned long bits;

	if (strlen(s) >= sizeof(ip))
		return -EINVAL;
	strcpy(ip, s);
	slash = strchr(ip, '/');
	if (slash)
		*slash++ = '\0';
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, ip, out->addr) == 1)
		out->family = AF_INET;
	else if (inet_pton(AF_INET6, ip, out->addr) == 1)
		out->family = AF_INET6;
	else
		return -EINVAL;
	out->prefix = out->family == AF_INET ? 32 : 128;
	if (slash) {
		errno = 0;
		bits = strtoul(slash, &end, 10);
		if (!*slash || *end || errno || bits > out->prefix)
			return -EINVAL;
		out->prefix = bits;
	}
	return 0;
}

static int lim_prefix_eq(const uint8_t *a, const uint8_t *b, unsigned int bits)
{
	unsigned int n = bits / 8, r = bits % 8;

	if (memcmp(a, b, n))
		return 0;
	return !r || !((a[n] ^ b[n]) & (0xff00 >> r));
}

int LIM_Exempt(const struct sockaddr_storage *addr)
{
	const uint8_t *a;
	int i, fam = addr->ss_family;

	a = fam == AF_INET ? (const uint8_t *)&((const struct sockaddr_in *)addr)->sin_addr :
			     ((const struct sockaddr_in6 *)addr)->sin6_addr.s6_addr;
	/* a v4-mapped IPv6 source is checked as the IPv4 address it is */
	if (fam == AF_INET6 && IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)a)) {
		a += 12;
		fam = AF_INET;
	}
	for (i = 0; i < lim_cfg.nexempt; i++)
		if (lim_cfg.exempt[i].family == fam &&
		    lim_prefix_eq(a, lim_cfg.exempt[i].addr, lim_cfg.exempt[i].prefix))
			return 1;
	return 0;
}

/* The table key of a source: IPv4 address, or IPv6 /64. */
static void lim_key(const struct sockaddr_storage *addr, uint8_t key[16])
{
	memset(key, 0, 16);
	if (addr->ss_family == AF_INET) {
		key[10] = key[11] = 0xff;
		memcpy(key + 12, &((const struct sockaddr_in *)addr)->sin_addr, 4);
		return;
	}
	memcpy(key, ((const struct sockaddr_in6 *)addr)->sin6_addr.s6_addr, 16);
	if (!IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)key))
		memset(key + 8, 0, 8);
}

static void lim_key_str(const uint8_t key[16], char *out, size_t sz)
{
	char ip[INET6_ADDRSTRLEN];

	if (IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)key)) {
		inet_ntop(AF_INET, key + 12, out, sz);
		return;
	}
	inet_ntop(AF_INET6, key, ip, sizeof(ip));
	snprintf(out, sz, "%s/64", ip);
}

/* murmur3's finaliser over the key words, keyed by the random seed */
static uint64_t lim_mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

/* the bucket of a key, in the table and in the chains of calls being set up */
static uint32_t lim_hash(const uint8_t key[16])
{
	uint64_t a, b;

	memcpy(&a, key, 8);
	memcpy(&b, key + 8, 8);
	return lim_mix(lim_mix(a ^ lim_seed[0]) ^ b ^ lim_seed[1]) & lim_mask;
}

static struct lim_entry *lim_bucket(const uint8_t key[16])
{
	return &lim_tab[lim_hash(key) * LIM_WAYS];
}

static struct lim_entry *lim_find(const uint8_t key[16])
{
	struct lim_entry *e = lim_bucket(key);
	int i;

	for (i = 0; i < LIM_WAYS; i++)
		if (e[i].used && !memcmp(e[i].key, key, 16))
			return &e[i];
	return NULL;
}

static int lim_is_banned(const struct lim_entry *e, uint64_t now)
{
	return e->ban_until && e->ban_until > now;
}

static void lim_unban(struct lim_entry *e, const char *why)
{
	char a[INET6_ADDRSTRLEN + 4];

	lim_key_str(e->key, a, sizeof(a));
	LOG_WARN("ban of %s %s", a, why);
	e->ban_until = 0;
	e->fails = 0;
	lim_stats.bans_active--;
}

/* The eviction class of a used entry (see the top of the file). */
static int lim_class(const struct lim_entry *e, uint64_t now)
{
	if (lim_is_banned(e, now))
		return 2;
	if (e->hits < 2 || now - e->last >= LIM_IDLE_MS)
		return 0;
	return 1;
}

/* Find or add the entry of key; never fails (it evicts). */
static struct lim_entry *lim_get(const uint8_t key[16], uint64_t now)
{
	struct lim_entry *b = lim_bucket(key), *v = NULL;
	int i, vc = 3;

	for (i = 0; i < LIM_WAYS; i++)
		if (b[i].used && !memcmp(b[i].key, key, 16))
			return &b[i];
	for (i = 0; i < LIM_WAYS; i++) {
		int c;

		if (!b[i].used) {
			v = &b[i];
			break;
		}
		c = lim_class(&b[i], now);
		if (!v || c < vc || (c == vc && (c == 2 ? b[i].ban_until < v->ban_until :
						       b[i].last < v->last))) {
			v = &b[i];
			vc = c;
		}
	}
	if (v->used) {
		lim_stats.evicted++;
		if (lim_is_banned(v, now))
			lim_unban(v, "ended early: the source table is full");
		else if (v->ban_until)
			lim_unban(v, "expired");
	} else {
		lim_stats.sources++;
	}
	memset(v, 0, sizeof(*v));
	memcpy(v->key, key, 16);
	v->used = 1;
	v->last = now;
	v->tokens = lim_cfg.burst * LIM_MILLI;
	return v;
}

/* Take one token; 0 when there was none. */
static int lim_take(struct lim_entry *e, uint64_t now)
{
	uint64_t t = e->tokens;

	if (now > e->last) {
		t += (now - e->last) * lim_cfg.rate;	/* rate/s = rate thousandths per ms */
		if (t > (uint64_t)lim_cfg.burst * LIM_MILLI)
			t = (uint64_t)lim_cfg.burst * LIM_MILLI;
		e->last = now;
	}
	if (e->hits < UINT16_MAX)
		e->hits++;
	if (t < LIM_MILLI) {
		e->tokens = t;
		return 0;
	}
	e->tokens = t - LIM_MILLI;
	return 1;
}

/* At most one line a second about rate drops: a flood must not flood the log. */
static void lim_log_rate(const uint8_t key[16], uint64_t now)
{
	static uint64_t last_s;
	char a[INET6_ADDRSTRLEN + 4];

	if (now / 1000 == last_s)
		return;
	last_s = now / 1000;
	lim_key_str(key, a, sizeof(a));
	LOG_WARN("%s is over %u requests/s: dropping (%lu requests dropped so far)", a,
		 lim_cfg.rate, lim_stats.rate_dropped);
}

enum lim_verdict LIM_Check(const struct sockaddr_storage *addr, const char *buf, size_t n)
{
	int response = n >= 4 && !memcmp(buf, "SIP/", 4);
	uint64_t now = TMR_Now();
	struct lim_entry *e;
	uint8_t key[16];

	if (!lim_tab || (addr->ss_family != AF_INET && addr->ss_family != AF_INET6))
		return LIM_PASS;
	if (lim_cfg.nexempt && LIM_Exempt(addr))
		return LIM_PASS;
	lim_key(addr, key);
	e = response || !lim_cfg.rate ? lim_find(key) : lim_get(key, now);
	if (!e)
		return LIM_PASS;
	if (e->ban_until) {
		if (lim_is_banned(e, now)) {
			lim_stats.ban_dropped++;
			return LIM_BANNED;
		}
		lim_unban(e, "expired");
	}
	if (response || !lim_cfg.rate || lim_take(e, now))
		return LIM_PASS;
	lim_stats.rate_dropped++;
	lim_log_rate(key, now);
	return LIM_RATE;
}

static void lim_sweep_fn(struct tmr *t)
{
	uint64_t now = TMR_Now();
	uint32_t i;

	for (i = 0; i < (lim_mask + 1) * LIM_WAYS && lim_stats.bans_active; i++)
		if (lim_tab[i].used && lim_tab[i].ban_until && !lim_is_banned(&lim_tab[i], now))
			lim_unban(&lim_tab[i], "expired");
	if (lim_stats.bans_active)
		TMR_Start(t, LIM_SWEEP_MS);
}

void LIM_AuthFailed(const struct sockaddr_storage *addr)
{
	uint64_t now = TMR_Now();
	struct lim_entry *e;
	uint8_t key[16];
	char a[INET6_ADDRSTRLEN + 4];

	lim_stats.auth_failures++;
	if (!lim_tab || !lim_cfg.ban_failures || LIM_Exempt(addr))
		return;
	lim_key(addr, key);
	e = lim_get(key, now);
	if (lim_is_banned(e, now))
		return;
	if (!e->fails || now - e->fail_start > lim_cfg.ban_window * 1000ULL) {
		e->fails = 0;
		e->fail_start = now;
	}
	/* the failures make the entry established: a flood cannot evict a guesser */
	if (e->hits < 2)
		e->hits = 2;
	e->last = now > e->last ? now : e->last;
	if (++e->fails < lim_cfg.ban_failures)
		return;
	if (e->ban_until)	/* an old ban not yet swept */
		lim_unban(e, "expired");
	e->ban_until = now + lim_cfg.ban_time * 1000ULL;
	lim_stats.bans++;
	lim_stats.bans_active++;
	lim_key_str(key, a, sizeof(a));
	LOG_WARN("banned %s for %us: %u failed authentications within %us", a,
		 lim_cfg.ban_time, e->fails, lim_cfg.ban_window);
	if (!TMR_Armed(&lim_sweep))
		TMR_Start(&lim_sweep, LIM_SWEEP_MS);
}

int LIM_ConnAllowed(const struct sockaddr_storage *addr, unsigned int open)
{
	if (LIM_Exempt(addr))
		return 1;
	if (LIM_Banned(addr)) {
		lim_stats.ban_dropped++;
		return 0;
	}
	if (!lim_cfg.conns_per_source || open < lim_cfg.conns_per_source)
		return 1;
	lim_stats.conns_refused++;
	return 0;
}

int LIM_TxnAllowed(const struct sockaddr_storage *addr, unsigned long count)
{
	if (!lim_cfg.max_transactions || count < lim_cfg.max_transactions || LIM_Exempt(addr))
		return 1;
	lim_stats.txn_refused++;
	return 0;
}

static struct lim_calls **lim_calls_slot(const uint8_t key[16])
{
	struct lim_calls **p = &lim_calls_tab[lim_hash(key)];

	while (*p && memcmp((*p)->key, key, 16))
		p = &(*p)->next;
	return p;
}

int LIM_CallBegin(const struct sockaddr_storage *addr)
{
	struct lim_calls **p, *c;
	uint8_t key[16];
	char who[64];

	if (!lim_calls_tab || !lim_cfg.calls_per_source || LIM_Exempt(addr) ||
	    (addr->ss_family != AF_INET && addr->ss_family != AF_INET6))
		return 0;
	lim_key(addr, key);
	p = lim_calls_slot(key);
	c = *p;
	if (c && c->n >= lim_cfg.calls_per_source) {
		lim_stats.calls_refused++;
		if (!c->said) {
			lim_key_str(key, who, sizeof(who));
			LOG_WARN("%s: %u calls being set up, more get 503 until some end", who,
				 c->n);
			c->said = true;
		}
		return -EBUSY;
	}
	if (!c) {
		c = calloc(1, sizeof(*c));
		if (!c)
			return 0;	/* not counted: no worse than no cap */
		memcpy(c->key, key, 16);
		*p = c;
	}
	c->n++;
	return 1;
}

void LIM_CallEnd(const struct sockaddr_storage *addr)
{
	struct lim_calls **p, *c;
	uint8_t key[16];

	if (!lim_calls_tab)
		return;
	lim_key(addr, key);
	p = lim_calls_slot(key);
	c = *p;
	if (!c)
		return;
	c->n--;
	if (c->n < lim_cfg.calls_per_source)
		c->said = false;
	if (!c->n) {
		*p = c->next;
		free(c);
	}
}

int LIM_Banned(const struct sockaddr_storage *addr)
{
	struct lim_entry *e;
	uint8_t key[16];

	if (!lim_tab)
		return 0;
	lim_key(addr, key);
	e = lim_find(key);
	return e && lim_is_banned(e, TMR_Now());
}

int LIM_Tracked(const struct sockaddr_storage *addr)
{
	uint8_t key[16];

	if (!lim_tab)
		return 0;
	lim_key(addr, key);
	return lim_find(key) != NULL;
}

void LIM_GetStats(struct lim_stats *s)
{
	*s = lim_stats;
	s->table_size = lim_tab ? (lim_mask + 1) * LIM_WAYS : 0;
}

static void lim_emit(struct met_out *o)
{
	static const char drop[] = "SIP messages dropped by the flood and abuse limits.";
	static const char refused[] = "Connections and requests refused by the caps.";

	MET_Counter(o, "krtpd_limits_dropped_total", drop, MET_LABELS("reason", "rate"),
		    lim_stats.rate_dropped);
	MET_Counter(o, "krtpd_limits_dropped_total", drop, MET_LABELS("reason", "banned"),
		    lim_stats.ban_dropped);
	MET_Counter(o, "krtpd_limits_refused_total", refused, MET_LABELS("what", "connection"),
		    lim_stats.conns_refused);
	MET_Counter(o, "krtpd_limits_refused_total", refused, MET_LABELS("what", "transaction"),
		    lim_stats.txn_refused);
	MET_Counter(o, "krtpd_limits_refused_total", refused, MET_LABELS("what", "call"),
		    lim_stats.calls_refused);
	MET_Counter(o, "krtpd_limits_auth_failures_total",
		    "Failed digest attempts (403 for wrong credentials).", NULL,
		    lim_stats.auth_failures);
	MET_Counter(o, "krtpd_limits_bans_total", "Sources banned after failed digest attempts.",
		    NULL, lim_stats.bans);
	MET_Gauge(o, "krtpd_limits_bans_active", "Bans in force.", NULL, lim_stats.bans_active);
	MET_Counter(o, "krtpd_limits_evicted_total", "Sources pushed out of the full table.",
		    NULL, lim_stats.evicted);
	MET_Gauge(o, "krtpd_limits_sources", "Sources tracked by the limits table.", NULL,
		  lim_stats.sources);
}

int LIM_Init(const struct lim_config *cfg)
{
	static int registered;
	uint32_t buckets = 1;

	if (!registered && !MET_AddSource(lim_emit))
		registered = 1;

	LIM_Fini();
	lim_cfg = *cfg;
	if (lim_cfg.burst < 1)
		lim_cfg.burst = 1;
	if (lim_cfg.burst > LIM_MAX_RATE)
		lim_cfg.burst = LIM_MAX_RATE;
	if (lim_cfg.rate > LIM_MAX_RATE)
		lim_cfg.rate = LIM_MAX_RATE;
	while (buckets * LIM_WAYS < lim_cfg.table_size && buckets < (1u << 24))
		buckets <<= 1;
	lim_tab = calloc((size_t)buckets * LIM_WAYS, sizeof(*lim_tab));
	lim_calls_tab = calloc(buckets, sizeof(*lim_calls_tab));
	if (!lim_tab || !lim_calls_tab) {
		LIM_Fini();
		return -ENOMEM;
	}
	lim_mask = buckets - 1;
	if (getrandom(lim_seed, sizeof(lim_seed), GRND_NONBLOCK) != sizeof(lim_seed)) {
		lim_seed[0] = (uintptr_t)lim_tab ^ TMR_Now();
		lim_seed[1] = lim_mix(lim_seed[0]);
	}
	TMR_Setup(&lim_sweep, lim_sweep_fn);
	return 0;
}

void LIM_Fini(void)
{
	struct lim_calls *c;
	uint32_t i;

	TMR_Stop(&lim_sweep);
	for (i = 0; lim_calls_tab && i <= lim_mask; i++)
		while ((c = lim_calls_tab[i])) {
			lim_calls_tab[i] = c->next;
			free(c);
		}
	free(lim_calls_tab);
	lim_calls_tab = NULL;
	free(lim_tab);
	lim_tab = NULL;
	memset(&lim_stats, 0, sizeof(lim_stats));
}
