// SPDX-License-Identifier: GPL-2.0
/*
 * Locating SIP servers (RFC 3263 §4) with c-ares.
 *
 * A lookup (struct dns_lookup) walks NAPTR -> SRV -> A/AAAA, each step
 * answered from the cache or by one c-ares query. c-ares does the DNS
 * protocol and the record parsing; libresolv's ns_parserr only reads the
 * TTLs c-ares 1.18 does not return for NAPTR and SRV.
 *
 * Lifetimes:
 *  - a lookup lives from DNS_Resolve until its callback has run; it sits
 *    on dns_pending meanwhile, so DNS_Fini can end it.
 *  - a query (struct dns_q) lives from ares_query until its c-ares
 *    callback; it holds no reference on cache entries.
 *  - cache entries are replaced or evicted only when a c-ares answer is
 *    stored, so a step copies what it needs out of an entry before it
 *    starts the next query.
 * Everything runs in the main thread.
 */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <ares.h>
#include <errno.h>
#include <netdb.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../log.h"
#include "../loop.h"
#include "../metrics.h"
#include "../timer.h"
#include "dns.h"
#include "dns_cache.h"

#define DNS_MAX_SOCKS	16
#define DNS_MAX_CANDS	3		/* SRV names to try: one per transport */

struct dns_lookup;
typedef void (*dns_step_fn)(struct dns_lookup *lk, const struct dns_entry *e, int err, int slot);

struct dns_q {
	struct dns_lookup *lk;
	dns_step_fn fn;
	int type, slot;
	char name[DNS_NAME];
};

/* An SRV target (or the host itself) whose addresses are wanted */
struct dns_host {
	char name[DNS_NAME];
	uint16_t port;
	int proto;
	int n[2];				/* A, AAAA found */
	struct sockaddr_storage a[2][DNS_MAX_TARGETS];
};

struct dns_lookup {
	struct dns_lookup *prev, *next;		/* on dns_pending */
	dns_cb cb;
	void *arg;
	char host[DNS_NAME];
	uint16_t port;
	int proto, sips;
	int pending;				/* queries in flight */
	int issuing;				/* still starting address queries */
	int in_resolve;				/* DNS_Resolve has not returned yet */
	int done, err;
	int ncand, cand;			/* SRV names still to try */
	struct {
		int proto;
		char name[DNS_NAME];
	} cands[DNS_MAX_CANDS];
	int nhosts;
	struct dns_host hosts[DNS_MAX_TARGETS];
	struct dns_result res;
};

struct dns_sock {
	int fd;
	struct loop_fd *h;
};

static struct dns_config dns_cfg;
static struct dns_stats dns_stats;
static ares_channel dns_chan;
static int dns_up, dns_closing;
static struct tmr dns_tmr;
static struct dns_sock dns_socks[DNS_MAX_SOCKS];
static struct dns_lookup dns_pending = { .prev = &dns_pending, .next = &dns_pending };
static long (*dns_random)(void) = random;

static void dns_finish(struct dns_lookup *lk, int err);
static void dns_srv_next(struct dns_lookup *lk);

/* ---- c-ares sockets on the main loop ---- */

static void dns_timer_update(void)
{
	struct timeval tv;

	if (!dns_up || !ares_timeout(dns_chan, NULL, &tv)) {
		TMR_Stop(&dns_tmr);
		return;
	}
	TMR_Start(&dns_tmr, (uint64_t)tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000);
}

static void dns_tmr_fn(struct tmr *t)
{
	(void)t;
	ares_process_fd(dns_chan, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	dns_timer_update();
}

static void dns_fd_event(int fd, uint32_t events, void *arg)
{
	(void)arg;
	ares_process_fd(dns_chan, events & (EPOLLIN | EPOLLERR | EPOLLHUP) ? fd : ARES_SOCKET_BAD,
			events & EPOLLOUT ? fd : ARES_SOCKET_BAD);
	dns_timer_update();
}

/* c-ares opened, changed or closed one of its sockets */
static void dns_sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	uint32_t ev = (readable ? EPOLLIN : 0) | (writable ? EPOLLOUT : 0);
	struct dns_sock *s = NULL, *free_slot = NULL;
	int i;

	(void)data;
	for (i = 0; i < DNS_MAX_SOCKS; i++) {
		if (dns_socks[i].h && dns_socks[i].fd == fd)
			s = &dns_socks[i];
		else if (!dns_socks[i].h && !free_slot)
			free_slot = &dns_socks[i];
	}
	if (!ev) {
		if (s) {
			LOOP_Del(s->h);
			s->h = NULL;
		}
		return;
	}
	if (s) {
		LOOP_Mod(s->h, ev);
		return;
	}
	if (!free_slot) {
		LOG_WARN("dns: more than %d resolver sockets, one is not watched", DNS_MAX_SOCKS);
		return;
	}
	free_slot->fd = fd;
	free_slot->h = LOOP_Add(fd, ev, dns_fd_event, NULL);
	if (!free_slot->h)
		LOG_WARN("dns: cannot watch resolver socket: %m");
}

/* ---- queries ---- */

static void dns_ares_cb(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct dns_q *q = arg;
	struct dns_lookup *lk = q->lk;
	struct dns_entry *e;
	int err;

	(void)timeouts;
	lk->pending--;
	if (dns_closing || status == ARES_EDESTRUCTION || status == ARES_ECANCELLED) {
		free(q);
		return;
	}
	e = DNSC_Answer(q->name, q->type, status, abuf, alen);
	if (status == ARES_ETIMEOUT)
		dns_stats.timeouts++;
	if (e) {
		DNSC_Put(e);
		err = e->err;
	} else {
		LOG_DEBUG("dns: %s type %d: %s", q->name, q->type, ares_strerror(status));
		err = status == ARES_ENOMEM ? -ENOMEM : -EAGAIN;
	}
	q->fn(lk, e, err, q->slot);
	free(q);
}

/*
 * Answer one step of lk: from the cache at once, or by a query whose
 * answer calls fn later. fn gets the entry (NULL on error) and its errno.
 */
static void dns_query(struct dns_lookup *lk, const char *name, int type, int slot,
		      dns_step_fn fn)
{
	struct dns_entry *e = DNSC_Get(name, type);
	struct dns_q *q;

	if (e) {
		dns_stats.cache_hits++;
		fn(lk, e, e->err, slot);
		return;
	}
	dns_stats.cache_misses++;
	q = calloc(1, sizeof(*q));
	if (!q) {
		fn(lk, NULL, -ENOMEM, slot);
		return;
	}
	q->lk = lk;
	q->fn = fn;
	q->type = type;
	q->slot = slot;
	snprintf(q->name, sizeof(q->name), "%s", name);
	lk->pending++;
	dns_stats.queries++;
	ares_query(dns_chan, name, ns_c_in, type, dns_ares_cb, q);
	dns_timer_update();
}

/* ---- RFC 3263 steps ---- */

static uint16_t dns_default_port(int proto)
{
	return proto == DNS_TLS ? 5061 : 5060;
}

static void dns_addr_done(struct dns_lookup *lk)
{
	int i, f, j;

	if (lk->pending || lk->issuing || lk->done)
		return;
	/* SRV order; IPv4 before IPv6 for each target */
	for (i = 0; i < lk->nhosts; i++) {
		struct dns_host *h = &lk->hosts[i];

		for (f = 0; f < 2; f++) {
			for (j = 0; j < h->n[f] && lk->res.n < DNS_MAX_TARGETS; j++) {
				struct dns_target *t = &lk->res.t[lk->res.n++];

				t->addr = h->a[f][j];
				t->proto = h->proto;
				if (t->addr.ss_family == AF_INET)
					((struct sockaddr_in *)&t->addr)->sin_port = htons(h->port);
				else
					((struct sockaddr_in6 *)&t->addr)->sin6_port = htons(h->port);
			}
		}
	}
	dns_finish(lk, lk->res.n ? 0 : lk->err ? lk->err : -ENOENT);
}

static void dns_addr_fn(struct dns_lookup *lk, const struct dns_entry *e, int err, int slot)
{
	struct dns_host *h = &lk->hosts[slot / 2];
	int f = slot % 2, i;

	if (e)
		for (i = 0; i < e->n && i < DNS_MAX_TARGETS; i++)
			h->a[f][i] = e->rr[i].addr;
	h->n[f] = e ? (e->n < DNS_MAX_TARGETS ? e->n : DNS_MAX_TARGETS) : 0;
	/* a timeout counts for more than "no such record" */
	if (err && (!lk->err || err == -EAGAIN))
		lk->err = err;
	dns_addr_done(lk);
}

/* A and AAAA of every host in lk->hosts, all at once */
static void dns_addr_start(struct dns_lookup *lk)
{
	int i;

	lk->err = 0;
	lk->issuing = 1;
	for (i = 0; i < lk->nhosts; i++) {
		dns_query(lk, lk->hosts[i].name, ns_t_a, 2 * i, dns_addr_fn);
		dns_query(lk, lk->hosts[i].name, ns_t_aaaa, 2 * i + 1, dns_addr_fn);
	}
	lk->issuing = 0;
	dns_addr_done(lk);
}

static void dns_host_add(struct dns_lookup *lk, const char *name, uint16_t port, int proto)
{
	struct dns_host *h;

	if (lk->nhosts >= DNS_MAX_TARGETS)
		return;
	h = &lk->hosts[lk->nhosts++];
	snprintf(h->name, sizeof(h->name), "%s", name);
	h->port = port;
	h->proto = proto;
	h->n[0] = h->n[1] = 0;
}

/*
 * RFC 2782 order: by priority; within one priority, pick by weight at
 * random (a running sum against a random number in [0, sum]), zero weights
 * first in the list so they still get a small chance.
 */
static void dns_srv_order(struct dns_lookup *lk, const struct dns_entry *e, int proto)
{
	int used[64] = { 0 }, n = e->n < 64 ? e->n : 64, left = n;

	while (left && lk->nhosts < DNS_MAX_TARGETS) {
		int i, prio = -1, pick = -1;
		unsigned long sum = 0, r, run = 0;

		for (i = 0; i < n; i++)
			if (!used[i] && (prio < 0 || e->rr[i].srv.prio < prio))
				prio = e->rr[i].srv.prio;
		for (i = 0; i < n; i++)
			if (!used[i] && e->rr[i].srv.prio == prio)
				sum += e->rr[i].srv.weight;
		r = (unsigned long)dns_random() % (sum + 1);
		if (!sum) {
			/* all zero: each as likely as the others */
			unsigned long k = 0, m = (unsigned long)dns_random();

			for (i = 0; i < n; i++)
				k += !used[i] && e->rr[i].srv.prio == prio;
			m %= k;
			for (i = 0; i < n && pick < 0; i++)
				if (!used[i] && e->rr[i].srv.prio == prio && !m--)
					pick = i;
		}
		for (i = 0; i < n && pick < 0; i++) {
			if (used[i] || e->rr[i].srv.prio != prio || e->rr[i].srv.weight)
				continue;
			if (run >= r)
				pick = i;
		}
		for (i = 0; i < n && pick < 0; i++) {
			if (used[i] || e->rr[i].srv.prio != prio || !e->rr[i].srv.weight)
				continue;
			run += e->rr[i].srv.weight;
			if (run >= r)
				pick = i;
		}
		if (pick < 0)	/* r was 0 and only weighted records are left */
			for (i = 0; i < n && pick < 0; i++)
				if (!used[i] && e->rr[i].srv.prio == prio)
					pick = i;
		used[pick] = 1;
		left--;
		dns_host_add(lk, e->rr[pick].srv.target, e->rr[pick].srv.port, proto);
	}
}

/* No usable SRV: the host itself on the transport's default port (§4.2) */
static void dns_srv_fallback(struct dns_lookup *lk)
{
	int proto = lk->proto ? lk->proto : lk->sips ? DNS_TLS : DNS_UDP;

	if (!(dns_cfg.protos & proto)) {
		dns_finish(lk, -ENOENT);
		return;
	}
	dns_host_add(lk, lk->host, dns_default_port(proto), proto);
	dns_addr_start(lk);
}

static void dns_srv_fn(struct dns_lookup *lk, const struct dns_entry *e, int err, int slot)
{
	(void)slot;
	if (err == -EAGAIN || err == -ENOMEM) {
		dns_finish(lk, err);
		return;
	}
	/* a single "." target: the service is decidedly not there (RFC 2782) */
	if (e && e->n == 1 && !strcmp(e->rr[0].srv.target, ".")) {
		dns_finish(lk, -ENOENT);
		return;
	}
	if (!e || !e->n) {
		lk->cand++;
		dns_srv_next(lk);
		return;
	}
	dns_srv_order(lk, e, lk->cands[lk->cand].proto);
	dns_addr_start(lk);
}

static void dns_srv_next(struct dns_lookup *lk)
{
	if (lk->cand >= lk->ncand) {
		dns_srv_fallback(lk);
		return;
	}
	dns_query(lk, lk->cands[lk->cand].name, ns_t_srv, 0, dns_srv_fn);
}

static void dns_cand_add(struct dns_lookup *lk, int proto, const char *name)
{
	if (lk->ncand >= DNS_MAX_CANDS || !(dns_cfg.protos & proto))
		return;
	lk->cands[lk->ncand].proto = proto;
	snprintf(lk->cands[lk->ncand].name, DNS_NAME, "%s", name);
	lk->ncand++;
}

static void dns_cand_srv(struct dns_lookup *lk, int proto)
{
	char name[DNS_NAME];

	if (snprintf(name, sizeof(name), "%s.%s", proto == DNS_TLS ? "_sips._tcp" :
		     proto == DNS_TCP ? "_sip._tcp" : "_sip._udp", lk->host) >= (int)sizeof(name))
		return;
	dns_cand_add(lk, proto, name);
}

static void dns_naptr_fn(struct dns_lookup *lk, const struct dns_entry *e, int err, int slot)
{
	int used[64] = { 0 }, n = e ? (e->n < 64 ? e->n : 64) : 0, k;

	(void)slot;
	/*
	 * NXDOMAIN goes on like NODATA: some servers (dnsmasq among them) say
	 * NXDOMAIN for a name that only has SRV records below it.
	 */
	if (err && err != -ENOENT) {
		dns_finish(lk, err);
		return;
	}
	/* RFC 3403: lowest order, then lowest preference */
	for (k = 0; k < n; k++) {
		int i, best = -1;

		for (i = 0; i < n; i++) {
			const struct dns_rr *r = &e->rr[i];

			if (used[i] || (lk->sips && r->naptr.proto != DNS_TLS))
				continue;
			if (best < 0 || r->naptr.order < e->rr[best].naptr.order ||
			    (r->naptr.order == e->rr[best].naptr.order &&
			     r->naptr.pref < e->rr[best].naptr.pref))
				best = i;
		}
		if (best < 0)
			break;
		used[best] = 1;
		dns_cand_add(lk, e->rr[best].naptr.proto, e->rr[best].naptr.repl);
	}
	if (!lk->ncand) {
		/* §4.1: no NAPTR: an SRV query for each transport we support */
		if (lk->sips) {
			dns_cand_srv(lk, DNS_TLS);
		} else {
			dns_cand_srv(lk, DNS_UDP);
			dns_cand_srv(lk, DNS_TCP);
			dns_cand_srv(lk, DNS_TLS);
		}
	}
	dns_srv_next(lk);
}

static void dns_finish(struct dns_lookup *lk, int err)
{
	lk->done = 1;
	lk->err = err;
	if (err) {
		dns_stats.failures++;
		if (err == -ENOENT)
			dns_stats.nxdomain++;
		LOG_DEBUG("dns: %s: %s", lk->host, err == -ENOENT ? "not found" : strerror(-err));
	}
	if (lk->in_resolve)
		return;		/* DNS_Resolve hands the result back */
	lk->prev->next = lk->next;
	lk->next->prev = lk->prev;
	if (lk->cb)
		lk->cb(err, err ? NULL : &lk->res, lk->arg);
	free(lk);
}

/* ---- API ---- */

static int dns_numeric(const struct dns_req *req, struct dns_result *out)
{
	char buf[INET6_ADDRSTRLEN];
	int proto = req->proto ? req->proto : req->sips ? DNS_TLS : DNS_UDP;
	uint16_t port = htons(req->port ? req->port : dns_default_port(proto));
	struct dns_target *t = &out->t[0];

	if (req->host.len >= sizeof(buf))
		return 0;
	memcpy(buf, req->host.s, req->host.len);
	buf[req->host.len] = '\0';
	memset(t, 0, sizeof(*t));
	t->proto = proto;
	if (inet_pton(AF_INET, buf, &((struct sockaddr_in *)&t->addr)->sin_addr) == 1) {
		t->addr.ss_family = AF_INET;
		((struct sockaddr_in *)&t->addr)->sin_port = port;
	} else if (inet_pton(AF_INET6, buf, &((struct sockaddr_in6 *)&t->addr)->sin6_addr) == 1) {
		t->addr.ss_family = AF_INET6;
		((struct sockaddr_in6 *)&t->addr)->sin6_port = port;
	} else {
		return 0;
	}
	out->n = 1;
	return 1;
}

int DNS_Resolve(const struct dns_req *req, dns_cb cb, void *arg, struct dns_result *out)
{
	struct dns_lookup *lk;
	int err;

	if (!req->host.len || req->host.len >= DNS_NAME - 16)
		return -EINVAL;
	if (req->proto && !(dns_cfg.protos & req->proto))
		return -EPROTONOSUPPORT;
	if (dns_numeric(req, out))
		return 0;
	if (!dns_up)
		return -EAGAIN;
	lk = calloc(1, sizeof(*lk));
	if (!lk)
		return -ENOMEM;
	dns_stats.lookups++;
	memcpy(lk->host, req->host.s, req->host.len);
	lk->port = req->port;
	lk->proto = req->proto;
	lk->sips = req->sips;
	lk->cb = cb;
	lk->arg = arg;
	lk->in_resolve = 1;
	lk->next = dns_pending.next;
	lk->prev = &dns_pending;
	dns_pending.next->prev = lk;
	dns_pending.next = lk;

	if (req->port) {
		/* §4.2: an explicit port means A/AAAA only */
		int proto = req->proto ? req->proto : req->sips ? DNS_TLS : DNS_UDP;

		dns_host_add(lk, lk->host, req->port, proto);
		dns_addr_start(lk);
	} else if (req->proto) {
		/* §4.1: the transport is known, so no NAPTR */
		dns_cand_srv(lk, req->proto);
		dns_srv_next(lk);
	} else {
		dns_query(lk, lk->host, ns_t_naptr, 0, dns_naptr_fn);
	}
	lk->in_resolve = 0;
	if (!lk->done)
		return 1;
	/* answered from the cache (or failed) before DNS_Resolve returned */
	lk->prev->next = lk->next;
	lk->next->prev = lk->prev;
	err = lk->err;
	if (!err)
		*out = lk->res;
	free(lk);
	return err;
}

int DNS_Status(int err, const char **reason)
{
	switch (err) {
	case -ENOENT:
		*reason = "Cannot Resolve Host";
		return 404;
	case -EPROTONOSUPPORT:
		*reason = "Transport Not Supported";
		return 503;
	case -EINVAL:
		*reason = "Bad Host Name";
		return 400;
	default:
		*reason = "DNS Failure";
		return 503;
	}
}

void DNS_SetRandom(long (*fn)(void))
{
	dns_random = fn ? fn : random;
}

void DNS_CountFailover(void)
{
	dns_stats.failovers++;
}

void DNS_GetStats(struct dns_stats *s)
{
	*s = dns_stats;
	s->cache_entries = DNSC_Count();
}

void DNS_Flush(void)
{
	DNSC_Flush();
}

static void dns_emit(struct met_out *o)
{
	struct dns_stats st;

	DNS_GetStats(&st);
	MET_Counter(o, "krtpd_dns_lookups_total", "RFC 3263 lookups of names.", NULL, st.lookups);
	MET_Counter(o, "krtpd_dns_queries_total", "Queries sent to a DNS server.", NULL,
		    st.queries);
	MET_Counter(o, "krtpd_dns_cache_hits_total", "Records answered from the cache.", NULL,
		    st.cache_hits);
	MET_Counter(o, "krtpd_dns_cache_misses_total", "Records not in the cache.", NULL,
		    st.cache_misses);
	MET_Gauge(o, "krtpd_dns_cache_entries", "Answers in the cache.", NULL, st.cache_entries);
	MET_Counter(o, "krtpd_dns_failures_total", "Lookups that found no target.",
		    MET_LABELS("reason", "nxdomain"), st.nxdomain);
	MET_Counter(o, "krtpd_dns_failures_total", "Lookups that found no target.",
		    MET_LABELS("reason", "other"),
		    st.failures > st.nxdomain ? st.failures - st.nxdomain : 0);
	MET_Counter(o, "krtpd_dns_timeouts_total", "Queries the DNS server did not answer.", NULL,
		    st.timeouts);
	MET_Counter(o, "krtpd_dns_failovers_total",
		    "Requests sent on to the next target after a 503 or a timeout.", NULL,
		    st.failovers);
}

int DNS_Init(const struct dns_config *cfg)
{
	struct ares_options opt;
	char csv[DNS_MAX_SERVERS * 66] = "";
	int r, i;

	dns_cfg = *cfg;
	if (!dns_cfg.protos)
		dns_cfg.protos = DNS_UDP | DNS_TCP | DNS_TLS;
	memset(&dns_stats, 0, sizeof(dns_stats));
	DNSC_Init(cfg->cache_size, cfg->negative_ttl);
	TMR_Setup(&dns_tmr, dns_tmr_fn);
	r = ares_library_init(ARES_LIB_INIT_ALL);
	if (r != ARES_SUCCESS) {
		LOG_ERR("dns: %s", ares_strerror(r));
		return -ENOMEM;
	}
	memset(&opt, 0, sizeof(opt));
	opt.sock_state_cb = dns_sock_state;
	opt.timeout = cfg->timeout_ms ? (int)cfg->timeout_ms : 1000;
	opt.tries = cfg->tries ? (int)cfg->tries : 2;
	/* SIP names are fully qualified: no search list */
	opt.flags = ARES_FLAG_NOSEARCH;
	r = ares_init_options(&dns_chan, &opt, ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS |
			      ARES_OPT_TRIES | ARES_OPT_FLAGS);
	if (r != ARES_SUCCESS) {
		LOG_ERR("dns: cannot set up the resolver: %s", ares_strerror(r));
		ares_library_cleanup();
		return r == ARES_ENOMEM ? -ENOMEM : -EINVAL;
	}
	for (i = 0; i < cfg->nservers; i++) {
		size_t len = strlen(csv);

		snprintf(csv + len, sizeof(csv) - len, "%s%s", i ? "," : "", cfg->servers[i]);
	}
	if (cfg->nservers && (r = ares_set_servers_ports_csv(dns_chan, csv)) != ARES_SUCCESS) {
		LOG_ERR("dns: bad dns_servers \"%s\": %s", csv, ares_strerror(r));
		ares_destroy(dns_chan);
		ares_library_cleanup();
		return -EINVAL;
	}
	dns_up = 1;
	dns_closing = 0;
	MET_AddSource(dns_emit);
	return 0;
}

void DNS_Fini(void)
{
	int i;

	if (!dns_up)
		return;
	dns_closing = 1;
	ares_destroy(dns_chan);
	dns_up = 0;
	TMR_Stop(&dns_tmr);
	for (i = 0; i < DNS_MAX_SOCKS; i++) {
		if (dns_socks[i].h)
			LOOP_Del(dns_socks[i].h);
		dns_socks[i].h = NULL;
	}
	while (dns_pending.next != &dns_pending) {
		struct dns_lookup *lk = dns_pending.next;

		dns_finish(lk, -ECANCELED);
	}
	DNSC_Flush();
	ares_library_cleanup();
}
