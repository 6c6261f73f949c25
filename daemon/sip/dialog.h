/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Dialogs of established calls (RFC 3261 §12), as seen by a record-routing
 * proxy: the two legs' tags, contacts, route sets and CSeqs, enough to
 * route their in-dialog requests, to know which leg a re-INVITE comes from,
 * and to build a BYE to each side when media goes idle. Keyed by Call-ID in
 * a cds_lfht, stored in SQLite before the 2xx that creates them is forwarded.
 */
#ifndef KRTPD_SIP_DIALOG_H
#define KRTPD_SIP_DIALOG_H

#include <stdint.h>

#include "../rcu.h"
#include "transport.h"

struct dlg {
	struct cds_lfht_node node;
	struct rcu_head rcu;
	char *call_id;
	char *a_tag, *b_tag;
	char *a_from, *b_to;		/* header values (with their tags) */
	char *a_contact, *b_contact;	/* contact URIs */
	char *a_route, *b_route;	/* route set towards each leg: "<uri>,<uri>" or "" */
	struct tp_peer a_peer, b_peer;	/* signalling addresses last seen */
	uint32_t a_cseq, b_cseq;
	int64_t created;		/* seconds since the epoch */
	int restored;			/* loaded from the store after a restart */
	int late_offer;			/* offer came in a 2xx: the ACK carries the answer */
	int late_offer_leg;		/* enum med_leg that will answer in the ACK */
};

struct dlg_init {
	const char *call_id, *a_tag, *b_tag, *a_from, *b_to, *a_contact, *b_contact;
	const char *a_route, *b_route;
	const struct tp_peer *a_peer, *b_peer;
	uint32_t a_cseq, b_cseq;
	int64_t created;
};

int DLG_Init(void);
void DLG_Fini(void);
/* Reload stored dialogs (startup); returns how many. */
int DLG_Load(void);

/* Called with the RCU read-side lock held; the result is valid until it is dropped. */
struct dlg *DLG_Find(const char *call_id, size_t len);
/* Create, store (before returning) and hash a dialog. 0 or -errno (-EEXIST). */
int DLG_Create(const struct dlg_init *in);
/* Store the changed CSeqs/peers of d. */
void DLG_Save(struct dlg *d);
/* Unhash, delete from the store, free after a grace period. */
void DLG_Remove(struct dlg *d);
void DLG_ForEach(void (*cb)(struct dlg *d, void *arg), void *arg);
unsigned long DLG_Count(void);

/* "udp 1.2.3.4:5060" <-> struct tp_peer */
void DLG_PeerStr(const struct tp_peer *p, char *out, size_t outsz);
int DLG_PeerParse(const char *s, struct tp_peer *p);

#endif /* KRTPD_SIP_DIALOG_H */
