/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Redis backend of the state store (store.h): bindings shared by every
 * krtpd that uses the same Redis. Called by store.c only; main thread only.
 * A write inside a batch (STO_Batching()) opens a MULTI that RDS_Commit()
 * closes with EXEC; outside a batch a write is its own MULTI/EXEC.
 */
#ifndef KRTPD_STORE_REDIS_H
#define KRTPD_STORE_REDIS_H

#include "store.h"

/* 0, or -EINVAL for a bad setting (logged); an unreachable Redis is retried */
int RDS_Init(const struct sto_redis_config *rc);
void RDS_Fini(void);
int RDS_Connected(void);
const char *RDS_Node(void);
void RDS_SetChangeHook(void (*fn)(const char *aor));

/* a batch's MULTI is open (or was, on a connection lost since) */
int RDS_InTxn(void);
/* EXEC the batch's MULTI: 0 once Redis acknowledged every write, else -EIO */
int RDS_Commit(void);

int RDS_BindingPut(const struct sto_binding *b);
int RDS_BindingDel(const char *aor, const char *contact);
/* aor NULL: every binding. Returns how many, or -errno. */
int RDS_BindingLoad(const char *aor, void (*cb)(const struct sto_binding *b, void *arg),
		    void *arg);

#endif /* KRTPD_STORE_REDIS_H */
