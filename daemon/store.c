// SPDX-License-Identifier: GPL-2.0
/*
 * The state store's common part: which backend holds what, group commit,
 * the commit hooks and the commit metrics. Dialogs always go to SQLite
 * (store_sqlite.c); bindings go there too, or to Redis (store_redis.c)
 * after STO_UseRedis(). Main thread only.
 */
#include <errno.h>
#include <time.h>

#include "metrics.h"
#include "store.h"
#include "store_redis.h"
#include "store_sqlite.h"

static int sto_redis;		/* bindings are in Redis */
static int sto_open;
static void (*sto_commit_hooks[4])(int err);
static int sto_ncommit_hooks;

/*
 * Group commit: between STO_BatchBegin() and STO_BatchCommit(), SQLite
 * writes share one transaction and Redis writes one MULTI/EXEC, sent in
 * one round trip.
 */
static int sto_batching;

/*
 * What a commit costs the SIP loop: a group commit (SQLite COMMIT, Redis
 * EXEC), or one write outside a batch. Two clock reads per commit.
 */
static MET_HISTOGRAM(sto_commit_hist, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
		     0.01, 0.025, 0.05, 0.1, 0.25, 1);
static uint64_t sto_commit_errors;

static double sto_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sto_emit(struct met_out *o)
{
	MET_Histogram(o, "krtpd_store_commit_seconds",
		      "State store commit latency (SQLite, Redis): group commits, and writes "
		      "outside a batch.", NULL, &sto_commit_hist);
	MET_Counter(o, "krtpd_store_commit_errors_total",
		    "Commits that failed and were rolled back or not acknowledged.", NULL,
		    sto_commit_errors);
}

int STO_Init(const char *path)
{
	int err;

	MET_AddSource(sto_emit);
	err = SQL_Open(path);
	sto_open = !err;
	return err;
}

int STO_UseRedis(const struct sto_redis_config *rc)
{
	int err = RDS_Init(rc);

	if (!err)
		sto_redis = 1;
	return err;
}

void STO_Fini(void)
{
	if (sto_open)
		STO_BatchCommit(1);
	if (sto_redis)
		RDS_Fini();
	SQL_Close();
	sto_open = 0;
	sto_redis = 0;
	sto_ncommit_hooks = 0;
}

int STO_Writable(void)
{
	return sto_redis ? RDS_Connected() : SQL_IsOpen();
}

const char *STO_Node(void)
{
	return sto_redis ? RDS_Node() : "";
}

void STO_SetChangeHook(void (*fn)(const char *aor))
{
	RDS_SetChangeHook(fn);
}

void STO_BatchBegin(void)
{
	sto_batching = 1;
}

int STO_Batching(void)
{
	return sto_batching;
}

int STO_AddCommitHook(void (*fn)(int err))
{
	int i;

	for (i = 0; i < sto_ncommit_hooks; i++)
		if (sto_commit_hooks[i] == fn)
			return 0;
	if (sto_ncommit_hooks == (int)(sizeof(sto_commit_hooks) / sizeof(sto_commit_hooks[0])))
		return -ENOSPC;
	sto_commit_hooks[sto_ncommit_hooks++] = fn;
	return 0;
}

int STO_BatchCommit(int end)
{
	int i, err = 0;

	if (end)
		sto_batching = 0;
	if (SQL_InTxn()) {
		double t0 = sto_clock();

		if (SQL_Commit()) {
			sto_commit_errors++;
			err = -EIO;
		}
		MET_Observe(&sto_commit_hist, sto_clock() - t0);
	}
	if (sto_redis && RDS_InTxn()) {
		double t0 = sto_clock();

		if (RDS_Commit()) {
			sto_commit_errors++;
			err = -EIO;
		}
		MET_Observe(&sto_commit_hist, sto_clock() - t0);
	}
	for (i = 0; i < sto_ncommit_hooks; i++)
		sto_commit_hooks[i](err);
	return err;
}

/* a write outside a batch is its own commit: time it like one */
static int sto_write_end(double t0, int err)
{
	if (sto_batching)
		return err;
	MET_Observe(&sto_commit_hist, sto_clock() - t0);
	if (err)
		sto_commit_errors++;
	return err;
}

int STO_BindingPut(const struct sto_binding *b)
{
	double t0 = sto_batching ? 0 : sto_clock();

	if (!sto_open)
		return -ENODEV;
	return sto_write_end(t0, sto_redis ? RDS_BindingPut(b) : SQL_BindingPut(b));
}

int STO_BindingDel(const char *aor, const char *contact)
{
	double t0 = sto_batching ? 0 : sto_clock();

	if (!sto_open)
		return -ENODEV;
	return sto_write_end(t0, sto_redis ? RDS_BindingDel(aor, contact) :
					     SQL_BindingDel(aor, contact));
}

int STO_BindingLoad(void (*cb)(const struct sto_binding *b, void *arg), void *arg)
{
	return sto_redis ? RDS_BindingLoad(NULL, cb, arg) : SQL_BindingLoad(NULL, cb, arg);
}

int STO_BindingLoadAor(const char *aor, void (*cb)(const struct sto_binding *b, void *arg),
		       void *arg)
{
	return sto_redis ? RDS_BindingLoad(aor, cb, arg) : SQL_BindingLoad(aor, cb, arg);
}

int STO_DialogPut(const struct sto_dialog *d)
{
	double t0 = sto_batching ? 0 : sto_clock();

	if (!sto_open)
		return -ENODEV;
	return sto_write_end(t0, SQL_DialogPut(d));
}

int STO_DialogDel(const char *call_id)
{
	double t0 = sto_batching ? 0 : sto_clock();

	if (!sto_open)
		return -ENODEV;
	return sto_write_end(t0, SQL_DialogDel(call_id));
}

int STO_DialogLoad(void (*cb)(const struct sto_dialog *d, void *arg), void *arg)
{
	return SQL_DialogLoad(cb, arg);
}

int STO_WebrtcPut(const struct sto_webrtc *w)
{
	double t0 = sto_batching ? 0 : sto_clock();

	if (!sto_open)
		return -ENODEV;
	return sto_write_end(t0, SQL_WebrtcPut(w));
}

int STO_WebrtcDel(const char *call_id)
{
	double t0 = sto_batching ? 0 : sto_clock();

	if (!sto_open)
		return -ENODEV;
	return sto_write_end(t0, SQL_WebrtcDel(call_id));
}

int STO_WebrtcLoad(void (*cb)(const struct sto_webrtc *w, void *arg), void *arg)
{
	if (!sto_open)
		return -ENODEV;
	return SQL_WebrtcLoad(cb, arg);
}

int STO_SrtpPut(const struct sto_srtp *k)
{
	double t0 = sto_batching ? 0 : sto_clock();

	if (!sto_open)
		return -ENODEV;
	return sto_write_end(t0, SQL_SrtpPut(k));
}

int STO_SrtpDelLeg(const char *call_id, unsigned int stream, int leg)
{
	double t0 = sto_batching ? 0 : sto_clock();

	if (!sto_open)
		return -ENODEV;
	return sto_write_end(t0, SQL_SrtpDelLeg(call_id, stream, leg));
}

int STO_SrtpDel(const char *call_id)
{
	double t0 = sto_batching ? 0 : sto_clock();

	if (!sto_open)
		return -ENODEV;
	return sto_write_end(t0, SQL_SrtpDel(call_id));
}

int STO_SrtpLoad(void (*cb)(const struct sto_srtp *k, void *arg), void *arg)
{
	if (!sto_open)
		return -ENODEV;
	return SQL_SrtpLoad(cb, arg);
}

int STO_DtlsCertPut(const char *cert_pem, const char *key_pem)
{
	double t0 = sto_batching ? 0 : sto_clock();

	if (!sto_open)
		return -ENODEV;
	return sto_write_end(t0, SQL_DtlsCertPut(cert_pem, key_pem));
}

int STO_DtlsCertGet(char **cert_pem, char **key_pem)
{
	*cert_pem = *key_pem = NULL;
	if (!sto_open)
		return -ENODEV;
	return SQL_DtlsCertGet(cert_pem, key_pem);
}
