/* SPDX-License-Identifier: GPL-2.0 */
/*
 * krtpd's persistent state: registrations and established dialogs. Each
 * write is committed before the SIP reply that depends on it is sent.
 * Dialogs are in SQLite (store_sqlite.c; WAL, synchronous=NORMAL: survives
 * a crash or kill -9 of krtpd): their media lives on this host. Bindings
 * are in SQLite too, or with STO_UseRedis() in Redis (store_redis.c), where
 * every krtpd sharing that Redis sees them. Main thread only.
 *
 * Group commit: between STO_BatchBegin() and STO_BatchCommit(1), writes
 * share one transaction, opened by the first of them. The transport
 * brackets each burst of datagrams with these and holds the burst's
 * replies until the commit returned 0.
 */
#ifndef KRTPD_STORE_H
#define KRTPD_STORE_H

#include <stdint.h>

struct sto_binding {
	const char *aor;		/* user part (the registrar's key) */
	const char *domain;		/* host of the To URI, for display */
	const char *contact;		/* contact URI */
	int64_t expires;		/* absolute, seconds since the epoch */
	const char *call_id;
	uint32_t cseq;
	const char *source;		/* "ip:port" the REGISTER came from */
	int proto;			/* TP_UDP / TP_TCP */
	const char *instance;		/* +sip.instance, "" when none (RFC 5626) */
	unsigned int reg_id;		/* reg-id, 0 when none */
	const char *path;		/* Path header values (RFC 3327), "" when none */
	const char *node;		/* the krtpd that took the REGISTER (Redis), "" */
};

/* store = redis: where, and how this krtpd calls itself there */
struct sto_redis_config {
	char server[256];		/* "host[:port]" (6379) or "unix:/path" */
	char password[128];		/* AUTH, "" = none */
	unsigned int db;		/* SELECT */
	char prefix[64];		/* of every key and of the channel, "krtpd:" */
	unsigned int timeout_ms;	/* connect and each command */
	char node[128];			/* this krtpd's name in the bindings it writes */
};

struct sto_dialog {
	const char *call_id;
	const char *a_tag, *b_tag;
	const char *a_from, *b_to;	/* From of the INVITE, To of the 2xx (header values) */
	const char *a_contact, *b_contact;
	const char *a_route, *b_route;	/* route sets towards A and B, "<uri>,<uri>" */
	const char *a_peer, *b_peer;	/* "proto ip:port" last seen signalling address */
	uint32_t a_cseq, b_cseq;
	int64_t created;
};

/*
 * What a restarted krtpd needs to go on answering a WebRTC leg's ICE
 * consent checks (RFC 7675) on a call krtp.ko still carries: krtpd's own
 * ICE credentials, the leg's ufrag, krtpd's DTLS role and the fingerprint
 * the leg's certificate must have; and the fingerprint of krtpd's own
 * certificate the leg was shown, without which its SRTP keys (table srtp,
 * struct sto_srtp) are not taken back. One row per call, stream and leg;
 * written when krtpd answers the leg, removed with the call's dialog.
 * SQLite only, like the dialogs.
 */
struct sto_webrtc {
	const char *call_id;
	unsigned int stream;
	int leg;			/* 0 leg A, 1 leg B */
	const char *ufrag, *pwd;	/* krtpd's (a secret: never logged) */
	const char *remote_ufrag;
	int server;			/* krtpd was a=setup:passive */
	int fp_hash;			/* enum sdp_fp_hash */
	const uint8_t *fp;
	size_t fp_len;
	const char *own_fp;		/* krtpd's certificate's, "sha-256 AB:..."; "" if unknown */
	int offerer;			/* krtpd offered the leg WebRTC (a callee) */
};

/*
 * The SRTP keys of one leg of a stream krtpd terminates, so a restarted
 * krtpd holds the keys krtp.ko is still using: an SDES leg's (srtp =
 * bridge) or a WebRTC leg's, which DTLS-SRTP gave (RFC 5764): the leg's
 * (peer: decrypts what it sends) and krtpd's own toward it (own). A
 * session refresh (re-INVITE, UPDATE; RFC 4028 session timers) then gets
 * the answer it got before instead of a 488 that would end the call at
 * the session's expiry. Secrets: the store is mode 0600, deleted rows are
 * overwritten (secure_delete), nothing of them is logged. Written at each
 * answer that keys the leg (a WebRTC leg: when its DTLS handshake ends),
 * removed with the call (its media, or its dialog), or at the next start
 * if krtp.ko no longer carries it. Calls the ng protocol drives have keys
 * here too, and no dialog. SQLite only.
 */
struct sto_srtp {
	const char *call_id;
	unsigned int stream;
	int leg;			/* 0 leg A, 1 leg B */
	int suite;			/* enum sdp_srtp_suite, both keys' */
	uint32_t peer_tag, own_tag;	/* a=crypto tags */
	const uint8_t *peer, *own;	/* master key || master salt */
	size_t peer_len, own_len;
	uint64_t peer_lifetime, own_lifetime;	/* packets, 0: not given */
	int dtls;			/* a WebRTC leg's, from DTLS-SRTP; 0: SDES */
};

/* path ":memory:" for tests. 0 or -errno (logged). */
int STO_Init(const char *path);
void STO_Fini(void);
/*
 * After STO_Init: bindings go to Redis. Only a bad setting fails (-EINVAL);
 * while Redis cannot be reached krtpd runs, refuses writes (STO_Writable)
 * and tries again after a second, then up to every 8 s.
 */
int STO_UseRedis(const struct sto_redis_config *rc);
/* bindings can be written now: a REGISTER is refused before anything changes */
int STO_Writable(void);
/* this krtpd's name in the bindings' node, "" without Redis */
const char *STO_Node(void);
/*
 * fn(aor) when another krtpd changed aor's bindings in the shared store,
 * fn(NULL) when anything may have changed (a reconnect after messages were
 * lost). Main thread, RCU read side, outside any batch.
 */
void STO_SetChangeHook(void (*fn)(const char *aor));

void STO_BatchBegin(void);
/* commit what the batch wrote; @end also ends the batch. 0 or -EIO (rolled back) */
int STO_BatchCommit(int end);
/* inside a batch: what is written now is undone if its commit fails */
int STO_Batching(void);
/*
 * fn(err) runs after every STO_BatchCommit with its result; on -EIO the
 * batch's writes are gone and a module keeping them in memory too must
 * undo them there (the registrar reloads what it changed). At most 4.
 */
int STO_AddCommitHook(void (*fn)(int err));

int STO_BindingPut(const struct sto_binding *b);
int STO_BindingDel(const char *aor, const char *contact);
int STO_BindingLoad(void (*cb)(const struct sto_binding *b, void *arg), void *arg);
/* the stored bindings of one AOR only */
int STO_BindingLoadAor(const char *aor, void (*cb)(const struct sto_binding *b, void *arg),
		       void *arg);

int STO_DialogPut(const struct sto_dialog *d);
int STO_DialogDel(const char *call_id);
int STO_DialogLoad(void (*cb)(const struct sto_dialog *d, void *arg), void *arg);

int STO_WebrtcPut(const struct sto_webrtc *w);
/* every row of the call (STO_DialogDel removes them too) */
int STO_WebrtcDel(const char *call_id);
/* the rows of calls that still have a dialog; the others are removed first */
int STO_WebrtcLoad(void (*cb)(const struct sto_webrtc *w, void *arg), void *arg);

int STO_SrtpPut(const struct sto_srtp *k);
/* one leg of one stream (it is no longer SRTP) */
int STO_SrtpDelLeg(const char *call_id, unsigned int stream, int leg);
/* every row of the call (STO_DialogDel removes them too) */
int STO_SrtpDel(const char *call_id);
int STO_SrtpLoad(void (*cb)(const struct sto_srtp *k, void *arg), void *arg);

/*
 * krtpd's generated DTLS certificate and its private key, PEM
 * (media/dtls_cert.c): kept so that a restarted krtpd shows browsers the
 * fingerprint it showed them before, and restarted WebRTC calls can take
 * their keys back. One row, replaced when a new one is made. SQLite only.
 */
int STO_DtlsCertPut(const char *cert_pem, const char *key_pem);
/* malloc'd strings for the caller to free; -ENOENT: none stored */
int STO_DtlsCertGet(char **cert_pem, char **key_pem);

#endif /* KRTPD_STORE_H */
