// SPDX-License-Identifier: GPL-2.0
/*
 * Dialog table.
 *
 * Locking: written and read by the main thread only, under its RCU
 * read-side lock; a removed dialog is freed after a grace period.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../hash.h"
#include "../log.h"
#include "../metrics.h"
#include "../store.h"
#include "dialog.h"

static struct cds_lfht *dlg_ht;
static unsigned long dlg_count;

static int dlg_match(struct cds_lfht_node *node, const void *key)
{
	const struct sip_str *k = key;
	struct dlg *d = caa_container_of(node, struct dlg, node);

	return strlen(d->call_id) == k->len && !memcmp(d->call_id, k->s, k->len);
}

struct dlg *DLG_Find(const char *call_id, size_t len)
{
	struct sip_str k = { call_id, len };
	struct cds_lfht_iter it;
	struct cds_lfht_node *node;

	cds_lfht_lookup(dlg_ht, HASH_Fnv(call_id, len), dlg_match, &k, &it);
	node = cds_lfht_iter_get_node(&it);
	return node ? caa_container_of(node, struct dlg, node) : NULL;
}

static void dlg_free(struct dlg *d)
{
	free(d->call_id);
	free(d->a_tag);
	free(d->b_tag);
	free(d->a_from);
	free(d->b_to);
	free(d->a_contact);
	free(d->b_contact);
	free(d->a_route);
	free(d->b_route);
	free(d);
}

static void dlg_free_rcu(struct rcu_head *head)
{
	dlg_free(caa_container_of(head, struct dlg, rcu));
}

void DLG_PeerStr(const struct tp_peer *p, char *out, size_t outsz)
{
	char a[64];

	TP_AddrStr(&p->addr, a, sizeof(a));
	snprintf(out, outsz, "%s %s", TP_ProtoParam(p->proto), a);
}

int DLG_PeerParse(const char *s, struct tp_peer *p)
{
	memset(p, 0, sizeof(*p));
	p->sock = -1;
	if (!strncasecmp(s, "tcp ", 4))
		p->proto = TP_TCP;
	else if (!strncasecmp(s, "udp ", 4))
		p->proto = TP_UDP;
	else if (!strncasecmp(s, "tls ", 4))
		p->proto = TP_TLS;
	else if (!strncasecmp(s, "ws ", 3))
		p->proto = TP_WS;
	else if (!strncasecmp(s, "wss ", 4))
		p->proto = TP_WSS;
	else
		return -EINVAL;
	return TP_AddrParse(s + (p->proto == TP_WS ? 3 : 4), 5060, &p->addr);
}

static void dlg_to_store(const struct dlg *d, struct sto_dialog *sd, char *ap, char *bp)
{
	DLG_PeerStr(&d->a_peer, ap, 80);
	DLG_PeerStr(&d->b_peer, bp, 80);
	sd->call_id = d->call_id;
	sd->a_tag = d->a_tag;
	sd->b_tag = d->b_tag;
	sd->a_from = d->a_from;
	sd->b_to = d->b_to;
	sd->a_contact = d->a_contact;
	sd->b_contact = d->b_contact;
	sd->a_route = d->a_route;
	sd->b_route = d->b_route;
	sd->a_peer = ap;
	sd->b_peer = bp;
	sd->a_cseq = d->a_cseq;
	sd->b_cseq = d->b_cseq;
	sd->created = d->created;
}

static struct dlg *dlg_new(const struct dlg_init *in)
{
	struct dlg *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->call_id = strdup(in->call_id);
	d->a_tag = strdup(in->a_tag ? in->a_tag : "");
	d->b_tag = strdup(in->b_tag ? in->b_tag : "");
	d->a_from = strdup(in->a_from ? in->a_from : "");
	d->b_to = strdup(in->b_to ? in->b_to : "");
	d->a_contact = strdup(in->a_contact ? in->a_contact : "");
	d->b_contact = strdup(in->b_contact ? in->b_contact : "");
	d->a_route = strdup(in->a_route ? in->a_route : "");
	d->b_route = strdup(in->b_route ? in->b_route : "");
	if (!d->call_id || !d->a_tag || !d->b_tag || !d->a_from || !d->b_to || !d->a_contact ||
	    !d->b_contact || !d->a_route || !d->b_route) {
		dlg_free(d);
		return NULL;
	}
	if (in->a_peer)
		d->a_peer = *in->a_peer;
	if (in->b_peer)
		d->b_peer = *in->b_peer;
	d->a_peer.conn = d->b_peer.conn = 0;
	d->a_cseq = in->a_cseq;
	d->b_cseq = in->b_cseq;
	d->created = in->created;
	cds_lfht_node_init(&d->node);
	return d;
}

static int dlg_hash(struct dlg *d)
{
	struct sip_str k = STR_C(d->call_id);
	struct cds_lfht_node *old;

	old = cds_lfht_add_unique(dlg_ht, HASH_Fnv(k.s, k.len), dlg_match, &k, &d->node);
	if (old != &d->node)
		return -EEXIST;
	dlg_count++;
	return 0;
}

int DLG_Create(const struct dlg_init *in)
{
	struct sto_dialog sd;
	char ap[80], bp[80];
	struct dlg *d;
	int r;

	if (DLG_Find(in->call_id, strlen(in->call_id)))
		return -EEXIST;
	d = dlg_new(in);
	if (!d)
		return -ENOMEM;
	dlg_to_store(d, &sd, ap, bp);
	r = STO_DialogPut(&sd);
	if (r) {
		dlg_free(d);
		return r;
	}
	r = dlg_hash(d);
	if (r) {
		dlg_free(d);
		return r;
	}
	LOG_INFO("call %s established", d->call_id);
	return 0;
}

void DLG_Save(struct dlg *d)
{
	struct sto_dialog sd;
	char ap[80], bp[80];

	dlg_to_store(d, &sd, ap, bp);
	STO_DialogPut(&sd);
}

void DLG_Remove(struct dlg *d)
{
	STO_DialogDel(d->call_id);
	cds_lfht_del(dlg_ht, &d->node);
	dlg_count--;
	RCU_Call(&d->rcu, dlg_free_rcu);
}

void DLG_ForEach(void (*cb)(struct dlg *d, void *arg), void *arg)
{
	struct cds_lfht_iter it;
	struct cds_lfht_node *n;
	struct dlg *d;

	RCU_HashForEach(dlg_ht, &it, n) {
		d = caa_container_of(n, struct dlg, node);
		cb(d, arg);
	}
}

unsigned long DLG_Count(void)
{
	return dlg_count;
}

static void dlg_load_one(const struct sto_dialog *sd, void *arg)
{
	struct tp_peer ap, bp;
	struct dlg_init in = {
		.call_id = sd->call_id, .a_tag = sd->a_tag, .b_tag = sd->b_tag,
		.a_from = sd->a_from, .b_to = sd->b_to, .a_contact = sd->a_contact,
		.b_contact = sd->b_contact, .a_route = sd->a_route, .b_route = sd->b_route,
		.a_peer = &ap, .b_peer = &bp, .a_cseq = sd->a_cseq, .b_cseq = sd->b_cseq,
		.created = sd->created,
	};
	struct dlg *d;

	(void)arg;
	if (DLG_PeerParse(sd->a_peer, &ap))
		memset(&ap, 0, sizeof(ap));
	if (DLG_PeerParse(sd->b_peer, &bp))
		memset(&bp, 0, sizeof(bp));
	d = dlg_new(&in);
	if (!d)
		return;
	d->restored = 1;
	if (dlg_hash(d))
		dlg_free(d);
}

int DLG_Load(void)
{
	int r;

	RCU_ReadLock();
	r = STO_DialogLoad(dlg_load_one, NULL);
	RCU_ReadUnlock();
	return r < 0 ? r : (int)dlg_count;
}

static void dlg_emit(struct met_out *o)
{
	MET_Gauge(o, "krtpd_sip_dialogs_active", "Established calls (INVITE dialogs) krtpd routes.",
		  NULL, dlg_count);
}

int DLG_Init(void)
{
	MET_AddSource(dlg_emit);
	dlg_ht = RCU_HashNew();
	return dlg_ht ? 0 : -ENOMEM;
}

void DLG_Fini(void)
{
	struct cds_lfht_iter it;
	struct cds_lfht_node *n;
	struct dlg *d;

	if (!dlg_ht)
		return;
	RCU_ReadLock();
	RCU_HashForEach(dlg_ht, &it, n) {
		d = caa_container_of(n, struct dlg, node);
		cds_lfht_del(dlg_ht, &d->node);
		RCU_Call(&d->rcu, dlg_free_rcu);
	}
	RCU_ReadUnlock();
	RCU_Barrier();
	RCU_HashFree(dlg_ht);
	dlg_ht = NULL;
	dlg_count = 0;
}
