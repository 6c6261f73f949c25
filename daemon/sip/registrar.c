// SPDX-License-Identifier: GPL-2.0
/*
 * Registrar and location service.
 *
 * Locking: the AOR table is a cds_lfht written and read by the main thread
 * only, under its RCU read-side lock (held around every loop iteration). An
 * AOR's bindings array is changed in place: nobody else reads it. An AOR
 * whose last binding went away is unhashed and freed after a grace period.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../hash.h"
#include "../log.h"
#include "../metrics.h"
#include "../rcu.h"
#include "../store.h"
#include "registrar.h"

struct reg_aor {
	struct cds_lfht_node node;
	struct rcu_head rcu;
	char *user;
	char domain[128];
	int n, cap;
	struct reg_binding *b;		/* n used of cap; at most REG_MAX_BINDINGS */
};

static struct cds_lfht *reg_ht;
static struct reg_config reg_cfg;
static unsigned long reg_count;

/*
 * Memory and store agree (group commit): the AORs a batch changed are
 * noted here, and if its commit fails they are reloaded from the store,
 * which rolled back. A full journal means reload everything. Noting is a
 * copy of the user name, no allocation.
 */
#define REG_JOURNAL 128
static char reg_journal[REG_JOURNAL][129];
static int reg_njournal, reg_journal_full;
static int64_t reg_now;			/* the time of the last REGISTER, for reloads */

static int reg_match(struct cds_lfht_node *node, const void *key)
{
	const struct sip_str *k = key;
	struct reg_aor *a = caa_container_of(node, struct reg_aor, node);

	return strlen(a->user) == k->len && !memcmp(a->user, k->s, k->len);
}

static struct reg_aor *reg_find(struct sip_str user)
{
	struct cds_lfht_iter it;
	struct cds_lfht_node *node;

	cds_lfht_lookup(reg_ht, HASH_Fnv(user.s, user.len), reg_match, &user, &it);
	node = cds_lfht_iter_get_node(&it);
	return node ? caa_container_of(node, struct reg_aor, node) : NULL;
}

static struct reg_aor *reg_get(struct sip_str user, struct sip_str domain)
{
	struct reg_aor *a = reg_find(user);

	if (a)
		return a;
	a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->user = strndup(user.s, user.len);
	if (!a->user) {
		free(a);
		return NULL;
	}
	snprintf(a->domain, sizeof(a->domain), "%.*s", (int)domain.len, domain.s);
	cds_lfht_node_init(&a->node);
	cds_lfht_add(reg_ht, HASH_Fnv(user.s, user.len), &a->node);
	return a;
}

static void reg_free_rcu(struct rcu_head *head)
{
	struct reg_aor *a = caa_container_of(head, struct reg_aor, rcu);

	free(a->user);
	free(a->b);
	free(a);
}

static void reg_binding_free(struct reg_binding *b)
{
	free(b->contact);
	free(b->call_id);
	b->contact = b->call_id = NULL;
}

/* 0, or the store's error: the binding is then still in memory */
static int reg_remove(struct reg_aor *a, int i, int store)
{
	if (store) {
		int err = STO_BindingDel(a->user, a->b[i].contact);

		if (err)
			return err;
	}
	reg_binding_free(&a->b[i]);
	a->b[i] = a->b[--a->n];
	reg_count--;
	return 0;
}

static void reg_maybe_drop(struct reg_aor *a)
{
	if (a->n)
		return;
	cds_lfht_del(reg_ht, &a->node);
	RCU_Call(&a->rcu, reg_free_rcu);
}

/* room for one more binding; -1 when the AOR is full or memory is short */
static int reg_grow(struct reg_aor *a)
{
	struct reg_binding *b;
	int cap;

	if (a->n < a->cap)
		return 0;
	if (a->cap >= REG_MAX_BINDINGS)
		return -1;
	cap = a->cap ? a->cap * 2 : 1;
	if (cap > REG_MAX_BINDINGS)
		cap = REG_MAX_BINDINGS;
	b = realloc(a->b, cap * sizeof(*b));
	if (!b)
		return -1;
	a->b = b;
	a->cap = cap;
	return 0;
}

static int reg_find_binding(struct reg_aor *a, struct sip_str contact)
{
	int i;

	for (i = 0; a && i < a->n; i++)
		if (strlen(a->b[i].contact) == contact.len &&
		    !memcmp(a->b[i].contact, contact.s, contact.len))
			return i;
	return -1;
}

static int reg_store(struct reg_aor *a, struct reg_binding *b)
{
	char src[64];
	struct sto_binding sb = {
		.aor = a->user, .domain = a->domain, .contact = b->contact,
		.expires = b->expires, .call_id = b->call_id, .cseq = b->cseq,
		.source = src, .proto = b->src.proto,
	};

	TP_AddrStr(&b->src.addr, src, sizeof(src));
	return STO_BindingPut(&sb);
}

static void reg_note(struct sip_str user)
{
	if (!STO_Batching())
		return;
	if (reg_njournal == REG_JOURNAL) {
		reg_journal_full = 1;
		return;
	}
	memcpy(reg_journal[reg_njournal], user.s, user.len);
	reg_journal[reg_njournal++][user.len] = '\0';
}

static void reg_load_one(const struct sto_binding *sb, void *arg);

/* Make user's bindings in memory what the store holds. */
static void reg_reload(const char *user)
{
	struct reg_aor *a = reg_find(STR_C(user));
	int64_t now = reg_now;

	if (a)
		while (a->n)
			reg_remove(a, 0, 0);
	STO_BindingLoadAor(user, reg_load_one, &now);
	a = reg_find(STR_C(user));
	if (a)
		reg_maybe_drop(a);
}

static void reg_reload_all(void)
{
	struct cds_lfht_iter it;
	struct cds_lfht_node *n;
	struct reg_aor *a;
	int64_t now = reg_now;

	RCU_HashForEach(reg_ht, &it, n) {
		a = caa_container_of(n, struct reg_aor, node);
		while (a->n)
			reg_remove(a, 0, 0);
		reg_maybe_drop(a);
	}
	STO_BindingLoad(reg_load_one, &now);
}

/* after each group commit (STO_AddCommitHook); main thread, RCU read side */
static void reg_committed(int err)
{
	int i;

	if (err && reg_ht) {
		LOG_ERR("registrations not stored: %s reloaded from the store",
			reg_journal_full ? "all" : "the changed ones");
		if (reg_journal_full)
			reg_reload_all();
		else
			for (i = 0; i < reg_njournal; i++)
				reg_reload(reg_journal[i]);
	}
	reg_njournal = 0;
	reg_journal_full = 0;
}

int REG_Handle(const struct sip_msg *m, const struct tp_peer *src, int64_t now,
	       struct sip_buf *hdrs, const char **reason)
{
	struct sip_str user = m->to.uri.user;
	long exp[SIP_MAX_CONTACT];
	struct reg_aor *a;
	char name[129];
	int i, j;

	*reason = NULL;
	reg_now = now;
	if (!user.len || user.len > 128) {
		*reason = "Missing User In To";
		return 404;
	}
	a = reg_find(user);

	if (m->contact_star) {
		if (m->ncontact || m->expires != 0) {
			*reason = "Contact * Needs Expires 0";
			return 400;
		}
		for (i = 0; a && i < a->n; i++)
			if (!strncmp(a->b[i].call_id, m->call_id.s, m->call_id.len) &&
			    strlen(a->b[i].call_id) == m->call_id.len && m->cseq <= a->b[i].cseq) {
				*reason = "Out Of Order CSeq";
				return 500;
			}
		if (a)
			reg_note(user);
		while (a && a->n)
			if (reg_remove(a, 0, 1))
				goto store_failed;
		if (a)
			reg_maybe_drop(a);
		return 200;
	}

	/* validate everything before changing anything */
	for (i = 0; i < m->ncontact; i++) {
		const struct sip_naddr *c = &m->contact[i];
		long e = c->expires >= 0 ? c->expires :
			 m->expires >= 0 ? m->expires : (long)reg_cfg.default_expires;

		if (e && e < (long)reg_cfg.min_expires) {
			SB_Addf(hdrs, "Min-Expires: %u\r\n", reg_cfg.min_expires);
			return 423;
		}
		if (e > (long)reg_cfg.max_expires)
			e = reg_cfg.max_expires;
		exp[i] = e;
		if (c->uri_raw.len >= 500) {
			*reason = "Contact Too Long";
			return 400;
		}
		j = reg_find_binding(a, c->uri_raw);
		if (j >= 0 && strlen(a->b[j].call_id) == m->call_id.len &&
		    !memcmp(a->b[j].call_id, m->call_id.s, m->call_id.len) &&
		    m->cseq <= a->b[j].cseq) {
			*reason = "Out Of Order CSeq";
			return 500;
		}
	}

	if (m->ncontact)
		reg_note(user);
	for (i = 0; i < m->ncontact; i++) {
		const struct sip_naddr *c = &m->contact[i];
		struct reg_binding *b;

		j = reg_find_binding(a, c->uri_raw);
		if (!exp[i]) {
			if (j >= 0) {
				if (reg_remove(a, j, 1))
					goto store_failed;
				LOG_INFO("unregistered %s %.*s", a->user, (int)c->uri_raw.len,
					 c->uri_raw.s);
			}
			continue;
		}
		if (!a) {
			a = reg_get(user, m->to.uri.host);
			if (!a) {
				*reason = "Out Of Memory";
				return 500;
			}
		}
		if (j < 0) {
			if (reg_grow(a)) {
				*reason = "Too Many Contacts";
				reg_maybe_drop(a);
				return 403;
			}
			j = a->n++;
			reg_count++;
			memset(&a->b[j], 0, sizeof(a->b[j]));
			a->b[j].contact = strndup(c->uri_raw.s, c->uri_raw.len);
			LOG_INFO("registered %s at %.*s for %lds", a->user, (int)c->uri_raw.len,
				 c->uri_raw.s, exp[i]);
		}
		b = &a->b[j];
		free(b->call_id);
		b->call_id = strndup(m->call_id.s, m->call_id.len);
		b->cseq = m->cseq;
		b->expires = now + exp[i];
		b->src = *src;
		if (!b->contact || !b->call_id) {
			reg_remove(a, j, 0);
			*reason = "Out Of Memory";
			return 500;
		}
		if (reg_store(a, b))
			goto store_failed;
	}
	if (a) {
		for (i = 0; i < a->n; i++)
			SB_Addf(hdrs, "Contact: <%s>;expires=%lld\r\n", a->b[i].contact,
				(long long)(a->b[i].expires > now ? a->b[i].expires - now : 0));
		reg_maybe_drop(a);
	}
	return 200;

store_failed:
	/* what this REGISTER changed before the failure goes too */
	snprintf(name, sizeof(name), "%.*s", (int)user.len, user.s);
	reg_reload(name);
	*reason = "State Store Failed";
	return 500;
}

int REG_ContactTarget(const struct sip_uri *uri, const struct tp_peer *src, struct tp_peer *dst)
{
	struct sockaddr_storage ss;
	int proto = uri->transport.len ? TP_ProtoParse(uri->transport) : 0;

	memset(dst, 0, sizeof(*dst));
	dst->sock = -1;
	/* a sips: contact is reached over TLS only (RFC 5630 §3.1.3) */
	if (!proto && uri->sips)
		proto = TP_TLS;
	if (!proto)
		proto = src ? src->proto : TP_UDP;
	dst->proto = proto;
	if (TP_Resolve(uri->host, uri->host_v6, uri->port ? uri->port : TP_DefaultPort(proto), &ss)) {
		/* a name we cannot resolve without DNS: use where the UA is */
		if (!src)
			return -EHOSTUNREACH;
		dst->addr = src->addr;
		dst->conn = src->conn;
		dst->proto = src->proto;
		return 0;
	}
	/* behind NAT: the contact says one address, the packets came from another */
	if (src && !TP_SameIp(&ss, &src->addr)) {
		dst->addr = src->addr;
		dst->conn = src->conn;
		dst->proto = src->proto;
		return 0;
	}
	dst->addr = ss;
	if (src && proto == src->proto && TP_IsStream(proto))
		dst->conn = src->conn;
	return 0;
}

int REG_Lookup(struct sip_str user, int64_t now, struct reg_target *out, int max)
{
	struct reg_aor *a = reg_find(user);
	int i, n = 0;

	for (i = 0; a && i < a->n && n < max; i++) {
		struct sip_uri uri;

		if (a->b[i].expires <= now)
			continue;
		if (URI_Parse(&uri, a->b[i].contact, strlen(a->b[i].contact)))
			continue;
		if (REG_ContactTarget(&uri, &a->b[i].src, &out[n].dst))
			continue;
		snprintf(out[n].uri, sizeof(out[n].uri), "%s", a->b[i].contact);
		n++;
	}
	return n;
}

int REG_Known(struct sip_str user)
{
	return reg_find(user) != NULL;
}

void REG_Expire(int64_t now)
{
	struct cds_lfht_iter it;
	struct cds_lfht_node *n;
	struct reg_aor *a;
	int i;

	RCU_HashForEach(reg_ht, &it, n) {
		a = caa_container_of(n, struct reg_aor, node);
		for (i = 0; i < a->n; i++) {
			if (a->b[i].expires > now)
				continue;
			LOG_INFO("registration of %s at %s expired", a->user, a->b[i].contact);
			/* gone from memory even if the store fails: a reload drops it too */
			STO_BindingDel(a->user, a->b[i].contact);
			reg_remove(a, i--, 0);
		}
		reg_maybe_drop(a);
	}
}

void REG_ForEach(void (*cb)(const char *user, const char *domain, const struct reg_binding *b,
			    void *arg), void *arg)
{
	struct cds_lfht_iter it;
	struct cds_lfht_node *n;
	struct reg_aor *a;
	int i;

	RCU_HashForEach(reg_ht, &it, n) {
		a = caa_container_of(n, struct reg_aor, node);
		for (i = 0; i < a->n; i++)
			cb(a->user, a->domain, &a->b[i], arg);
	}
}

unsigned long REG_Count(void)
{
	return reg_count;
}

static void reg_load_one(const struct sto_binding *sb, void *arg)
{
	int64_t now = *(int64_t *)arg;
	struct sip_str user = STR_C(sb->aor), dom = STR_C(sb->domain);
	struct reg_aor *a;
	struct reg_binding *b;

	if (sb->expires <= now) {
		STO_BindingDel(sb->aor, sb->contact);
		return;
	}
	a = reg_get(user, dom);
	if (!a)
		return;
	if (reg_grow(a)) {
		reg_maybe_drop(a);
		return;
	}
	b = &a->b[a->n];
	memset(b, 0, sizeof(*b));
	b->contact = strdup(sb->contact);
	b->call_id = strdup(sb->call_id);
	b->cseq = sb->cseq;
	b->expires = sb->expires;
	b->src.proto = TP_IsStream(sb->proto) ? sb->proto : TP_UDP;
	b->src.sock = -1;
	if (!b->contact || !b->call_id || TP_AddrParse(sb->source, 5060, &b->src.addr)) {
		reg_binding_free(b);
		reg_maybe_drop(a);
		return;
	}
	a->n++;
	reg_count++;
}

int REG_Load(int64_t now)
{
	int r;

	RCU_ReadLock();
	r = STO_BindingLoad(reg_load_one, &now);
	RCU_ReadUnlock();
	return r < 0 ? r : (int)reg_count;
}

/* Called with the RCU read-side lock held (the main loop's), like every metrics source */
static void reg_emit(struct met_out *o)
{
	struct cds_lfht_iter it;
	struct cds_lfht_node *node;
	unsigned long users = 0;

	RCU_HashForEach(reg_ht, &it, node)
		users++;
	MET_Gauge(o, "krtpd_sip_registrations_active", "Registered contacts (bindings).", NULL,
		  reg_count);
	MET_Gauge(o, "krtpd_sip_registered_users", "Users (AORs) with at least one binding.", NULL,
		  users);
}

int REG_Init(const struct reg_config *cfg)
{
	MET_AddSource(reg_emit);
	reg_cfg = *cfg;
	reg_ht = RCU_HashNew();
	if (!reg_ht)
		return -ENOMEM;
	reg_njournal = 0;
	reg_journal_full = 0;
	return STO_AddCommitHook(reg_committed);
}

void REG_Fini(void)
{
	struct cds_lfht_iter it;
	struct cds_lfht_node *n;
	struct reg_aor *a;

	if (!reg_ht)
		return;
	RCU_ReadLock();
	RCU_HashForEach(reg_ht, &it, n) {
		a = caa_container_of(n, struct reg_aor, node);
		while (a->n)
			reg_remove(a, 0, 0);
		reg_maybe_drop(a);
	}
	RCU_ReadUnlock();
	RCU_Barrier();
	RCU_HashFree(reg_ht);
	reg_ht = NULL;
}
