// SPDX-License-Identifier: GPL-2.0
/*
 * The DNS answer cache (see dns_cache.h): a fixed hash table of chains
 * plus an LRU list. Records come from c-ares' parsers; TTLs of NAPTR and
 * SRV, which c-ares 1.18 does not return, from libresolv's ns_parserr.
 */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <ares.h>
#include <errno.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../hash.h"
#include "../timer.h"
#include "dns.h"
#include "dns_cache.h"

#define DNSC_BUCKETS	256
#define DNSC_MAX_TTL	86400		/* seconds; a longer TTL is cut to this */

static struct dns_entry *dns_hash[DNSC_BUCKETS];
static struct dns_entry dns_lru = { .lprev = &dns_lru, .lnext = &dns_lru };
static unsigned int dnsc_n, dnsc_max = 1, dnsc_neg_ttl;

static unsigned int dns_bucket(const char *name, int type)
{
	uint64_t h = HASH_FnvCase(name, strlen(name));

	h = HASH_FnvAdd(h, &type, sizeof(type));
	return (unsigned int)(h % DNSC_BUCKETS);
}

static void dns_lru_unlink(struct dns_entry *e)
{
	e->lprev->lnext = e->lnext;
	e->lnext->lprev = e->lprev;
}

static void dns_lru_front(struct dns_entry *e)
{
	e->lnext = dns_lru.lnext;
	e->lprev = &dns_lru;
	dns_lru.lnext->lprev = e;
	dns_lru.lnext = e;
}

static void dns_entry_del(struct dns_entry *e)
{
	struct dns_entry **pp = &dns_hash[dns_bucket(e->name, e->type)];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	dns_lru_unlink(e);
	dnsc_n--;
	free(e);
}

/* an expired entry is dropped on the way */
struct dns_entry *DNSC_Get(const char *name, int type)
{
	struct dns_entry *e;

	for (e = dns_hash[dns_bucket(name, type)]; e; e = e->hnext) {
		if (e->type != type || strcasecmp(e->name, name))
			continue;
		if (e->expires <= TMR_Now()) {
			dns_entry_del(e);
			return NULL;
		}
		dns_lru_unlink(e);
		dns_lru_front(e);
		return e;
	}
	return NULL;
}

void DNSC_Put(struct dns_entry *e)
{
	struct dns_entry *old;
	unsigned int b = dns_bucket(e->name, e->type);

	for (old = dns_hash[b]; old; old = old->hnext)
		if (old->type == e->type && !strcasecmp(old->name, e->name))
			break;
	if (old)
		dns_entry_del(old);
	while (dnsc_n >= dnsc_max && dns_lru.lprev != &dns_lru)
		dns_entry_del(dns_lru.lprev);
	e->hnext = dns_hash[b];
	dns_hash[b] = e;
	dns_lru_front(e);
	dnsc_n++;
}

void DNSC_Flush(void)
{
	while (dns_lru.lnext != &dns_lru)
		dns_entry_del(dns_lru.lnext);
}

static struct dns_entry *dns_entry_new(const char *name, int type, int n)
{
	struct dns_entry *e = calloc(1, sizeof(*e) + n * sizeof(struct dns_rr));

	if (!e)
		return NULL;
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->type = type;
	return e;
}

/*
 * The smallest TTL of the records of type in section sect, or -1.
 * c-ares 1.18 parses NAPTR and SRV without TTLs; libresolv reads them.
 */
static long dns_min_ttl(const unsigned char *abuf, int alen, ns_sect sect, int type)
{
	long ttl = -1;
	ns_msg msg;
	ns_rr rr;
	int i;

	if (!abuf || ns_initparse(abuf, alen, &msg))
		return -1;
	for (i = 0; i < ns_msg_count(msg, sect); i++) {
		if (ns_parserr(&msg, sect, i, &rr))
			break;
		if ((int)ns_rr_type(rr) == type && (ttl < 0 || (long)ns_rr_ttl(rr) < ttl))
			ttl = ns_rr_ttl(rr);
	}
	return ttl;
}

static int dns_naptr_proto(const unsigned char *service)
{
	if (!strcasecmp((const char *)service, "SIP+D2U"))
		return DNS_UDP;
	if (!strcasecmp((const char *)service, "SIP+D2T"))
		return DNS_TCP;
	if (!strcasecmp((const char *)service, "SIPS+D2T"))
		return DNS_TLS;
	return 0;
}

static struct dns_entry *dns_parse_naptr(const char *name, const unsigned char *abuf, int alen)
{
	struct ares_naptr_reply *r, *head = NULL;
	struct dns_entry *e;
	int n = 0;

	if (ares_parse_naptr_reply(abuf, alen, &head) != ARES_SUCCESS)
		return NULL;
	for (r = head; r; r = r->next)
		n++;
	e = dns_entry_new(name, ns_t_naptr, n);
	for (r = head; e && r; r = r->next) {
		int proto = dns_naptr_proto(r->service);

		/* only "s" records lead to SRV (RFC 3263 §4.1); the rest are not for us */
		if (!proto || strcasecmp((const char *)r->flags, "s") || !r->replacement ||
		    !r->replacement[0] || strlen(r->replacement) >= DNS_NAME)
			continue;
		e->rr[e->n].naptr.order = r->order;
		e->rr[e->n].naptr.pref = r->preference;
		e->rr[e->n].naptr.proto = proto;
		strcpy(e->rr[e->n].naptr.repl, r->replacement);
		e->n++;
	}
	ares_free_data(head);
	return e;
}

static struct dns_entry *dns_parse_srv(const char *name, const unsigned char *abuf, int alen)
{
	struct ares_srv_reply *r, *head = NULL;
	struct dns_entry *e;
	int n = 0;

	if (ares_parse_srv_reply(abuf, alen, &head) != ARES_SUCCESS)
		return NULL;
	for (r = head; r; r = r->next)
		n++;
	e = dns_entry_new(name, ns_t_srv, n);
	for (r = head; e && r; r = r->next) {
		if (!r->host || strlen(r->host) >= DNS_NAME)
			continue;
		e->rr[e->n].srv.prio = r->priority;
		e->rr[e->n].srv.weight = r->weight;
		e->rr[e->n].srv.port = r->port;
		strcpy(e->rr[e->n].srv.target, r->host);
		e->n++;
	}
	ares_free_data(head);
	return e;
}

static struct dns_entry *dns_parse_addr(const char *name, int type, const unsigned char *abuf,
					int alen, long *ttl)
{
	struct ares_addrttl a4[DNS_MAX_TARGETS];
	struct ares_addr6ttl a6[DNS_MAX_TARGETS];
	int i, n = DNS_MAX_TARGETS, r;
	struct dns_entry *e;

	if (type == ns_t_a)
		r = ares_parse_a_reply(abuf, alen, NULL, a4, &n);
	else
		r = ares_parse_aaaa_reply(abuf, alen, NULL, a6, &n);
	if (r != ARES_SUCCESS)
		return NULL;
	e = dns_entry_new(name, type, n);
	for (i = 0; e && i < n; i++) {
		struct sockaddr_storage *ss = &e->rr[i].addr;
		long t = type == ns_t_a ? a4[i].ttl : a6[i].ttl;

		if (type == ns_t_a) {
			struct sockaddr_in *sin = (struct sockaddr_in *)ss;

			sin->sin_family = AF_INET;
			sin->sin_addr = a4[i].ipaddr;
		} else {
			struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

			sin6->sin6_family = AF_INET6;
			memcpy(&sin6->sin6_addr, &a6[i].ip6addr, sizeof(sin6->sin6_addr));
		}
		if (*ttl < 0 || t < *ttl)
			*ttl = t;
	}
	if (e)
		e->n = n;
	return e;
}

struct dns_entry *DNSC_Answer(const char *name, int type, int status,
			      const unsigned char *abuf, int alen)
{
	long ttl = -1, neg = dnsc_neg_ttl;
	struct dns_entry *e = NULL;

	if (status == ARES_SUCCESS) {
		if (type == ns_t_naptr)
			e = dns_parse_naptr(name, abuf, alen);
		else if (type == ns_t_srv)
			e = dns_parse_srv(name, abuf, alen);
		else
			e = dns_parse_addr(name, type, abuf, alen, &ttl);
		if (e && type != ns_t_a && type != ns_t_aaaa)
			ttl = dns_min_ttl(abuf, alen, ns_s_an, type);
		/* an answer whose records c-ares could not read (or only CNAMEs): none */
		if (!e && (e = dns_entry_new(name, type, 0)))
			ttl = -1;
	} else if (status == ARES_ENOTFOUND || status == ARES_ENODATA) {
		e = dns_entry_new(name, type, 0);
		if (e && status == ARES_ENOTFOUND)
			e->err = -ENOENT;
	}
	if (!e)
		return NULL;
	if (!e->n) {
		/* RFC 2308: the SOA's TTL bounds the negative answer; ours bounds it too */
		long soa = dns_min_ttl(abuf, alen, ns_s_ns, ns_t_soa);

		ttl = soa >= 0 && soa < neg ? soa : neg;
	}
	if (ttl < 0)
		ttl = 0;
	if (ttl > DNSC_MAX_TTL)
		ttl = DNSC_MAX_TTL;
	e->expires = TMR_Now() + ttl * 1000;
	return e;
}

unsigned int DNSC_Count(void)
{
	return dnsc_n;
}

void DNSC_Init(unsigned int max_entries, unsigned int negative_ttl)
{
	DNSC_Flush();
	dnsc_max = max_entries ? max_entries : 1;
	dnsc_neg_ttl = negative_ttl;
}
