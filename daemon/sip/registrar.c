// SPDX-License-Identifier: GPL-2.0
/*
 * Registrar and location service: the AOR table, its agreement with the
 * store, and lookups. Handling a REGISTER is register.c.
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
#include <strings.h>
#include <time.h>

#include "../hash.h"
#include "../log.h"
#include "../metrics.h"
#include "../rcu.h"
#include "../store.h"
#include "registrar.h"
#include "registrar_internal.h"

static struct cds_lfht *reg_ht;
struct reg_config reg_cfg;
unsigned long reg_count;

/*
 * Memory and store agree (group commit): the AORs a batch changed are
 * noted here, and if its commit fails they are reloaded from the store,
 * which rolled back. A full journal means reload everything. Noting is a
 * copy of the user name, no allocation.
 */
#define REG_JOURNAL 128
static char reg_journal[REG_JOURNAL][129];
static int reg_njournal, reg_journal_full;
int64_t reg_now;			/* the time of the last REGISTER, for reloads */
static unsigned int reg_gen;
uint64_t reg_store_failures;

static int reg_match(struct cds_lfht_node *node, const void *key)
{
	const struct sip_str *k = key;
	struct reg_aor *a = caa_container_of(node, struct reg_aor, node);

	return strlen(a->user) == k->len && !memcmp(a->user, k->s, k->len);
}

struct reg_aor *reg_find(struct sip_str user)
{
	struct cds_lfht_iter it;
	struct cds_lfht_node *node;

	cds_lfht_lookup(reg_ht, HASH_Fnv(user.s, user.len), reg_match, &user, &it);
	node = cds_lfht_iter_get_node(&it);
	return node ? caa_container_of(node, struct reg_aor, node) : NULL;
}

struct reg_aor *reg_get(struct sip_str user, struct sip_str domain)
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
	free(b->instance);
	free(b->path);
	b->contact = b->call_id = b->instance = b->path = NULL;
}

/* 0, or the store's error: the binding is then still in memory */
int reg_remove(struct reg_aor *a, int i, int store)
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

void reg_maybe_drop(struct reg_aor *a)
{
	if (a->n)
		return;
	cds_lfht_del(reg_ht, &a->node);
	RCU_Call(&a->rcu, reg_free_rcu);
}

/* room for one more binding; -1 when the AOR is full or memory is short */
int reg_grow(struct reg_aor *a)
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

int reg_find_binding(struct reg_aor *a, struct sip_str contact)
{
	int i;

	for (i = 0; a && i < a->n; i++)
		if (strlen(a->b[i].contact) == contact.len &&
		    !memcmp(a->b[i].contact, contact.s, contact.len))
			return i;
	return -1;
}

/* the binding of this UA instance and flow (RFC 5626 §6), -1 when none */
int reg_find_instance(struct reg_aor *a, struct sip_str instance, unsigned int reg_id)
{
	int i;

	for (i = 0; a && i < a->n; i++)
		if (a->b[i].instance && a->b[i].reg_id == reg_id &&
		    strlen(a->b[i].instance) == instance.len &&
		    !memcmp(a->b[i].instance, instance.s, instance.len))
			return i;
	return -1;
}

int reg_store(struct reg_aor *a, struct reg_binding *b)
{
	char src[64];
	struct sto_binding sb = {
		.aor = a->user, .domain = a->domain, .contact = b->contact,
		.expires = b->expires, .call_id = b->call_id, .cseq = b->cseq,
		.source = src, .proto = b->src.proto,
		.instance = b->instance, .reg_id = b->reg_id, .path = b->path,
		.node = STO_Node(),
	};

	TP_AddrStr(&b->src.addr, src, sizeof(src));
	return STO_BindingPut(&sb);
}

void reg_note(struct sip_str user)
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

/* the same registration (contact, Call-ID and CSeq) as one in old[], -1 when none */
static int reg_same(const struct reg_binding *b, const struct reg_binding *old, int nold)
{
	int i;

	for (i = 0; i < nold; i++)
		if (old[i].contact && !strcmp(old[i].contact, b->contact) &&
		    !strcmp(old[i].call_id, b->call_id) && old[i].cseq == b->cseq)
			return i;
	return -1;
}

/*
 * Make user's bindings in memory what the store holds. A binding the store
 * still has as it was keeps its flow (TCP connection, socket) and NAT ping
 * state. When the store cannot be read, memory stays as it is.
 */
void reg_sync(const char *user)
{
	struct reg_binding old[REG_MAX_BINDINGS];
	struct reg_aor *a = reg_find(STR_C(user));
	int64_t now = reg_now;
	int nold = 0, i, k;

	if (a) {
		nold = a->n;
		memcpy(old, a->b, nold * sizeof(old[0]));
		reg_count -= nold;
		a->n = 0;
	}
	if (STO_BindingLoadAor(user, reg_load_one, &now) < 0) {
		a = reg_find(STR_C(user));
		if (a && !a->n && a->cap >= nold) {
			memcpy(a->b, old, nold * sizeof(old[0]));
			a->n = nold;
			reg_count += nold;
			return;
		}
	}
	a = reg_find(STR_C(user));
	for (i = 0; a && i < a->n; i++) {
		struct reg_binding *b = &a->b[i];

		k = reg_same(b, old, nold);
		if (k < 0)
			continue;
		b->src = old[k].src;
		b->updated = old[k].updated;
		b->ping_id = old[k].ping_id;
		b->ping_fail = old[k].ping_fail;
		b->ping_next = old[k].ping_next;
	}
	for (i = 0; i < nold; i++)
		reg_binding_free(&old[i]);
	if (a) {
		a->gen = reg_gen;
		reg_maybe_drop(a);
	}
}

/* reg_sync_all's second pass: the AORs memory did not have */
static void reg_load_new(const struct sto_binding *sb, void *arg)
{
	struct reg_aor *a = reg_find(STR_C(sb->aor));

	if (!a || a->gen != reg_gen)
		reg_load_one(sb, arg);
}

/* reg_sync for every AOR, those only the store has included */
static void reg_sync_all(void)
{
	struct cds_lfht_iter it;
	struct cds_lfht_node *n;
	char user[129];
	int64_t now = reg_now;

	if (!++reg_gen)
		reg_gen = 1;
	RCU_HashForEach(reg_ht, &it, n) {
		snprintf(user, sizeof(user), "%s", caa_container_of(n, struct reg_aor, node)->user);
		reg_sync(user);
	}
	STO_BindingLoad(reg_load_new, &now);
}

/*
 * Another krtpd changed user's bindings (aor NULL: maybe anyone's) in the
 * shared store: main thread, RCU read side, outside any batch.
 */
static void reg_changed(const char *aor)
{
	if (!reg_ht)
		return;
	reg_now = time(NULL);
	if (aor)
		reg_sync(aor);
	else
		reg_sync_all();
}

/* after each group commit (STO_AddCommitHook); main thread, RCU read side */
static void reg_committed(int err)
{
	int i;

	if (err && reg_ht) {
		LOG_ERR("registrations not stored: %s reloaded from the store",
			reg_journal_full ? "all" : "the changed ones");
		if (reg_journal_full)
			reg_sync_all();
		else
			for (i = 0; i < reg_njournal; i++)
				reg_sync(reg_journal[i]);
	}
	reg_njournal = 0;
	reg_journal_full = 0;
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

/* Where requests for binding b go now; -1 when it cannot be reached (a failed flow). */
static int reg_binding_target(const struct reg_binding *b, struct reg_target *t)
{
	struct sip_uri uri;

	t->route[0] = '\0';
	if (b->path) {
		/* RFC 3327 §5.2: through the proxies on its Path, first one first */
		const char *lt = strchr(b->path, '<'), *gt = lt ? strchr(lt, '>') : NULL;

		if (!gt || URI_Parse(&uri, lt + 1, gt - lt - 1) ||
		    REG_ContactTarget(&uri, NULL, &t->dst))
			return -1;
		snprintf(t->route, sizeof(t->route), "%s", b->path);
	} else if (b->reg_id) {
		/* RFC 5626 §5.3: over its flow, or not at all once the flow is gone */
		if (TP_IsStream(b->src.proto) && !TP_ConnOpen(b->src.conn))
			return -1;
		t->dst = b->src;
	} else if (URI_Parse(&uri, b->contact, strlen(b->contact)) ||
		   REG_ContactTarget(&uri, &b->src, &t->dst)) {
		return -1;
	}
	snprintf(t->uri, sizeof(t->uri), "%s", b->contact);
	return 0;
}

/* a binding of the same instance that is newer and reachable takes the requests */
static int reg_superseded(const struct reg_aor *a, int i, int64_t now)
{
	const struct reg_binding *b = &a->b[i];
	struct reg_target t;
	int k;

	if (!b->instance)
		return 0;
	for (k = 0; k < a->n; k++) {
		const struct reg_binding *o = &a->b[k];

		if (k == i || !o->instance || strcmp(o->instance, b->instance) ||
		    o->expires <= now || o->updated < b->updated ||
		    (o->updated == b->updated && k > i))
			continue;
		if (!reg_binding_target(o, &t))
			return 1;
	}
	return 0;
}

int REG_Lookup(struct sip_str user, int64_t now, struct reg_target *out, int max)
{
	struct reg_aor *a = reg_find(user);
	int i, n = 0;

	for (i = 0; a && i < a->n && n < max; i++) {
		if (a->b[i].expires <= now || reg_superseded(a, i, now))
			continue;
		if (!reg_binding_target(&a->b[i], &out[n]))
			n++;
	}
	return n;
}

/* same user part and host (case-insensitive): the same UA, whatever its parameters */
static int reg_same_ua(const struct sip_uri *a, const struct sip_uri *b)
{
	return a->user.len == b->user.len && !memcmp(a->user.s, b->user.s, a->user.len) &&
	       a->host.len == b->host.len && !strncasecmp(a->host.s, b->host.s, a->host.len);
}

int REG_ContactFlow(struct sip_str user, const struct sip_uri *contact, int64_t now,
		    struct tp_peer *dst)
{
	struct reg_aor *a = reg_find(user);
	int64_t best = -1;
	struct reg_target t;
	struct sip_uri u;
	int i;

	for (i = 0; a && i < a->n; i++) {
		const struct reg_binding *b = &a->b[i];

		if (b->expires <= now || b->updated < best ||
		    URI_Parse(&u, b->contact, strlen(b->contact)) || !reg_same_ua(&u, contact) ||
		    reg_binding_target(b, &t))
			continue;
		*dst = t.dst;
		best = b->updated;
	}
	return best < 0 ? -ENOENT : 0;
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
			/*
			 * gone from memory even if the store fails: a reload drops it
			 * too. Another node's binding is that node's to delete (and
			 * Redis's, at the same expiry): one announcement, not one per node.
			 */
			if (!a->b[i].remote)
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

void REG_Sweep(int (*cb)(const char *user, struct reg_binding *b, void *arg), void *arg,
	       const char *why)
{
	struct cds_lfht_iter it;
	struct cds_lfht_node *n;
	struct reg_aor *a;
	int i;

	RCU_HashForEach(reg_ht, &it, n) {
		a = caa_container_of(n, struct reg_aor, node);
		for (i = 0; i < a->n; i++) {
			if (!cb(a->user, &a->b[i], arg))
				continue;
			LOG_INFO("unregistered %s %s: %s", a->user, a->b[i].contact, why);
			/* a store that refuses now keeps the binding: the next sweep retries */
			if (!reg_remove(a, i, 1))
				i--;
		}
		reg_maybe_drop(a);
	}
}

struct reg_binding *REG_PingFind(struct sip_str user, uint32_t id)
{
	struct reg_aor *a = reg_find(user);
	int i;

	for (i = 0; a && id && i < a->n; i++)
		if (a->b[i].ping_id == id)
			return &a->b[i];
	return NULL;
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
	b->updated = now;
	b->remote = sb->node && sb->node[0] && strcmp(sb->node, STO_Node());
	b->src.proto = TP_IsStream(sb->proto) ? sb->proto : TP_UDP;
	b->src.sock = -1;
	b->instance = sb->instance && sb->instance[0] ? strdup(sb->instance) : NULL;
	b->reg_id = b->instance ? sb->reg_id : 0;
	b->path = sb->path && sb->path[0] ? strdup(sb->path) : NULL;
	if (!b->contact || !b->call_id || TP_AddrParse(sb->source, 5060, &b->src.addr) ||
	    (sb->instance && sb->instance[0] && !b->instance) ||
	    (sb->path && sb->path[0] && !b->path)) {
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
	MET_Counter(o, "krtpd_sip_register_store_failures_total",
		    "REGISTERs answered 503: the state store did not take the change.", NULL,
		    reg_store_failures);
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
	STO_SetChangeHook(reg_changed);
	return STO_AddCommitHook(reg_committed);
}

void REG_Fini(void)
{
	struct cds_lfht_iter it;
	struct cds_lfht_node *n;
	struct reg_aor *a;

	if (!reg_ht)
		return;
	STO_SetChangeHook(NULL);
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
