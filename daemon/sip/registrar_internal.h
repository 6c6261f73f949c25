/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the registrar: what registrar.c (the AOR table, the store, lookups)
 * and register.c (handling a REGISTER) share. Everything here runs on the
 * main thread, under its RCU read-side lock (see registrar.c).
 */
#ifndef KRTPD_SIP_REGISTRAR_INTERNAL_H
#define KRTPD_SIP_REGISTRAR_INTERNAL_H

#include <stdint.h>

#include "../rcu.h"
#include "registrar.h"

struct reg_aor {
	struct cds_lfht_node node;
	struct rcu_head rcu;
	char *user;
	char domain[128];
	int n, cap;
	struct reg_binding *b;		/* n used of cap; at most REG_MAX_BINDINGS */
	unsigned int gen;		/* reg_sync_all's pass that re-read it */
};

extern struct reg_config reg_cfg;
extern unsigned long reg_count;		/* bindings in memory */
extern int64_t reg_now;			/* the time of the last REGISTER, for reloads */
extern uint64_t reg_store_failures;	/* REGISTERs answered 503: the store refused */

/* how long a UA waits after a 503 because its binding could not be stored */
#define REG_RETRY_AFTER 5

/* user's AOR, or NULL */
struct reg_aor *reg_find(struct sip_str user);
/* user's AOR, created if missing; NULL when out of memory */
struct reg_aor *reg_get(struct sip_str user, struct sip_str domain);
/* the index of a's binding with this Contact URI, or -1 */
int reg_find_binding(struct reg_aor *a, struct sip_str contact);
/* the index of a's binding of this +sip.instance and reg-id (RFC 5626), or -1 */
int reg_find_instance(struct reg_aor *a, struct sip_str instance, unsigned int reg_id);
/* room for one more binding in a; 0, or -1 (REG_MAX_BINDINGS reached, or no memory) */
int reg_grow(struct reg_aor *a);
/* if a has no binding left: unhash it and free it after a grace period */
void reg_maybe_drop(struct reg_aor *a);
/* note that user's bindings changed in the batch being committed */
void reg_note(struct sip_str user);
/* remove binding i of a, from the store too when store; 0 or -errno */
int reg_remove(struct reg_aor *a, int i, int store);
/* write binding b of a to the store (part of the current batch); 0 or -errno */
int reg_store(struct reg_aor *a, struct reg_binding *b);
/* make user's bindings in memory what the store holds */
void reg_sync(const char *user);

#endif /* KRTPD_SIP_REGISTRAR_INTERNAL_H */
