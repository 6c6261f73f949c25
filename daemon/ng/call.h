/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The calls the ng protocol server remembers (ng.c says what for): a
 * cds_lfht by Call-ID, written and read by the main thread under its RCU
 * read-side lock, and the sweep that deletes calls left without an answer
 * or a media stream. Only daemon/ng/ uses this.
 */
#ifndef KRTPD_NG_CALL_H
#define KRTPD_NG_CALL_H

#include <stddef.h>
#include <time.h>

#include "../media.h"
#include "../rcu.h"
#include "bencode.h"

#define NG_BRANCHES	8		/* via-branches remembered per call */

struct ng_call {
	struct cds_lfht_node node;
	struct rcu_head rcu;
	char *call_id;
	char a_tag[128], b_tag[128];
	/* the via-branches of the caller's offers (a forked INVITE), until answered */
	char branch[NG_BRANCHES][64];
	int branches;
	enum med_leg last_offer;
	int answered;
	time_t created, last_signal;
};

extern struct cds_lfht *ng_ht;
/* calls in ng_ht now; calls NG_Expire deleted since ng_calls_init */
extern unsigned long ng_calls, ng_expired;

/* 0 or -ENOMEM */
int ng_calls_init(void);
/* arm the minute sweep (a listening server; tests call NG_Expire) */
void ng_calls_sweep(void);
/* stop the sweep, forget every call (media keeps them) */
void ng_calls_fini(void);

/* the call of Call-ID id, NULL when unknown or its media went (then forgotten) */
struct ng_call *ng_call_find(const struct bnc_node *id);
/* a call for id, added to ng_ht; NULL without memory */
struct ng_call *ng_call_new(const struct bnc_node *id);
/* take c out of ng_ht; freed after a grace period */
void ng_call_drop(struct ng_call *c);

/* is tag the string n? set tag (sz bytes) to n, cut to fit */
int ng_tag_is(const char *tag, const struct bnc_node *n);
void ng_tag_set(char *tag, size_t sz, const struct bnc_node *n);
/* the index of via-branch n among the call's, or -1; remember n */
int ng_branch_find(const struct ng_call *c, const struct bnc_node *n);
void ng_branch_add(struct ng_call *c, const struct bnc_node *n);

#endif /* KRTPD_NG_CALL_H */
