// SPDX-License-Identifier: GPL-2.0
/*
 * The ng server's table of calls (see call.h).
 *
 * A call offered and never answered holds its relay ports, and media never
 * times it out (it has no flows to be idle): if the module's delete is
 * lost, nothing else would free them. As rtpengine's offer-timeout does,
 * such a call is deleted NG_OFFER_TIMEOUT seconds after its last offer;
 * so is an answered one that anchors no stream (every m= line port 0),
 * which has no flows either, an hour after its last offer or answer.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../hash.h"
#include "../log.h"
#include "../timer.h"
#include "call.h"
#include "ng.h"

#define NG_OFFER_TIMEOUT 3600		/* s, as rtpengine's offer-timeout default */
#define NG_SWEEP_MS	60000		/* how often unanswered calls are looked at */

struct cds_lfht *ng_ht;
unsigned long ng_calls, ng_expired;
static struct tmr ng_timer = { .idx = -1 };

static int ng_match(struct cds_lfht_node *node, const void *key)
{
	const struct bnc_node *k = key;
	struct ng_call *c = caa_container_of(node, struct ng_call, node);

	return strlen(c->call_id) == k->len && !memcmp(c->call_id, k->s, k->len);
}

static void ng_call_free_rcu(struct rcu_head *head)
{
	struct ng_call *c = caa_container_of(head, struct ng_call, rcu);

	free(c->call_id);
	free(c);
}

void ng_call_drop(struct ng_call *c)
{
	cds_lfht_del(ng_ht, &c->node);
	RCU_Call(&c->rcu, ng_call_free_rcu);
	ng_calls--;
}

struct ng_call *ng_call_find(const struct bnc_node *id)
{
	struct cds_lfht_iter it;
	struct cds_lfht_node *node;
	struct ng_call *c;

	cds_lfht_lookup(ng_ht, HASH_Fnv(id->s, id->len), ng_match, id, &it);
	node = cds_lfht_iter_get_node(&it);
	if (!node)
		return NULL;
	c = caa_container_of(node, struct ng_call, node);
	if (!MED_Has(c->call_id)) {
		/* its media went (timeout, a BYE seen by krtpd's proxy): forget it */
		ng_call_drop(c);
		return NULL;
	}
	return c;
}

struct ng_call *ng_call_new(const struct bnc_node *id)
{
	struct ng_call *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->call_id = strndup(id->s, id->len);
	if (!c->call_id) {
		free(c);
		return NULL;
	}
	c->created = c->last_signal = time(NULL);
	cds_lfht_node_init(&c->node);
	cds_lfht_add(ng_ht, HASH_Fnv(id->s, id->len), &c->node);
	ng_calls++;
	return c;
}

int ng_tag_is(const char *tag, const struct bnc_node *n)
{
	return n && strlen(tag) == n->len && !memcmp(tag, n->s, n->len);
}

void ng_tag_set(char *tag, size_t sz, const struct bnc_node *n)
{
	snprintf(tag, sz, "%.*s", (int)n->len, n->s);
}

int ng_branch_find(const struct ng_call *c, const struct bnc_node *n)
{
	int i;

	for (i = 0; n && i < c->branches; i++)
		if (ng_tag_is(c->branch[i], n))
			return i;
	return -1;
}

void ng_branch_add(struct ng_call *c, const struct bnc_node *n)
{
	if (n && ng_branch_find(c, n) < 0 && c->branches < NG_BRANCHES)
		ng_tag_set(c->branch[c->branches++], sizeof(c->branch[0]), n);
}

void NG_Expire(time_t now)
{
	struct cds_lfht_iter it;
	struct cds_lfht_node *n;

	RCU_HashForEach(ng_ht, &it, n) {
		struct ng_call *c = caa_container_of(n, struct ng_call, node);
		int alive = MED_Has(c->call_id);
		struct med_call_stats st;

		/* answered, with a stream: its flows, so media's timeout, end it */
		if (alive && c->answered && !MED_Stats(c->call_id, &st) && st.streams)
			continue;
		if (alive && now - c->last_signal < NG_OFFER_TIMEOUT)
			continue;
		if (alive) {
			LOG_INFO("ng: call %s %s %lds ago, no media stream since, deleted",
				 c->call_id, c->answered ? "answered" : "offered",
				 (long)(now - c->last_signal));
			MED_Delete(c->call_id);
			ng_expired++;
		}
		/* gone from media, or just deleted: forgotten either way */
		ng_call_drop(c);
	}
}

static void ng_sweep(struct tmr *t)
{
	NG_Expire(time(NULL));
	TMR_Start(t, NG_SWEEP_MS);
}

int ng_calls_init(void)
{
	ng_calls = ng_expired = 0;
	ng_ht = RCU_HashNew();
	return ng_ht ? 0 : -ENOMEM;
}

void ng_calls_sweep(void)
{
	TMR_Setup(&ng_timer, ng_sweep);
	TMR_Start(&ng_timer, NG_SWEEP_MS);
}

void ng_calls_fini(void)
{
	struct cds_lfht_iter it;
	struct cds_lfht_node *n;

	TMR_Stop(&ng_timer);
	if (!ng_ht)
		return;
	RCU_ReadLock();
	RCU_HashForEach(ng_ht, &it, n)
		ng_call_drop(caa_container_of(n, struct ng_call, node));
	RCU_ReadUnlock();
	RCU_Barrier();
	RCU_HashFree(ng_ht);
	ng_ht = NULL;
}
