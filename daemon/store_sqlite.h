/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The SQLite backend of the state store (store.h): dialogs always, and
 * bindings unless they are kept in Redis. Called by store.c only; main
 * thread only. A write inside a batch (STO_Batching()) opens a
 * transaction that SQL_Commit() closes.
 */
#ifndef KRTPD_STORE_SQLITE_H
#define KRTPD_STORE_SQLITE_H

#include "store.h"

/* path ":memory:" for tests. 0 or -EIO (logged). */
int SQL_Open(const char *path);
void SQL_Close(void);
int SQL_IsOpen(void);
/* a batch's transaction is open */
int SQL_InTxn(void);
/* COMMIT the batch's transaction: 0, or -EIO after rolling it back */
int SQL_Commit(void);

int SQL_BindingPut(const struct sto_binding *b);
int SQL_BindingDel(const char *aor, const char *contact);
/* aor NULL: every binding. Returns how many, or -errno. */
int SQL_BindingLoad(const char *aor, void (*cb)(const struct sto_binding *b, void *arg),
		    void *arg);

int SQL_DialogPut(const struct sto_dialog *d);
int SQL_DialogDel(const char *call_id);
int SQL_DialogLoad(void (*cb)(const struct sto_dialog *d, void *arg), void *arg);

int SQL_WebrtcPut(const struct sto_webrtc *w);
int SQL_WebrtcDel(const char *call_id);
int SQL_WebrtcLoad(void (*cb)(const struct sto_webrtc *w, void *arg), void *arg);

int SQL_SrtpPut(const struct sto_srtp *k);
int SQL_SrtpDelLeg(const char *call_id, unsigned int stream, int leg);
int SQL_SrtpDel(const char *call_id);
int SQL_SrtpLoad(void (*cb)(const struct sto_srtp *k, void *arg), void *arg);

int SQL_DtlsCertPut(const char *cert, const char *key);
int SQL_DtlsCertGet(char **cert, char **key);

#endif /* KRTPD_STORE_SQLITE_H */
