/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SIP transactions (RFC 3261 §17): INVITE and non-INVITE, client and server,
 * with timers A, B, D, E, F, G, H, I, J and K and UDP retransmissions.
 * (Timer C belongs to the proxy's branches, see proxy_fork.c.)
 *
 * Transactions live in one cds_lfht keyed by branch, sent-by and method.
 * Main thread only: created, matched, and destroyed by the loop; a
 * destroyed transaction is unhashed at once and freed after an RCU grace
 * period.
 */
#ifndef KRTPD_SIP_TXN_H
#define KRTPD_SIP_TXN_H

#include <stdint.h>

#include "../rcu.h"
#include "../timer.h"
#include "msg.h"
#include "transport.h"

/* RFC 3261 timer values, ms */
#define SIP_T1	500
#define SIP_T2	4000
#define SIP_T4	5000

enum txn_kind {
	TXN_SERVER_INVITE = 1,
	TXN_SERVER,
	TXN_CLIENT_INVITE,
	TXN_CLIENT,
};

enum txn_state {
	TXN_TRYING = 1,		/* non-INVITE, also "Calling" for client INVITE */
	TXN_PROCEEDING,
	TXN_COMPLETED,
	TXN_CONFIRMED,
	TXN_TERMINATED,
};

struct txn;

/* What the owner of a transaction (the proxy) hears about it. */
struct txn_ops {
	/* client: a response matched (not retransmissions of the final one) */
	void (*response)(struct txn *t, const struct sip_msg *resp);
	/* client: timer B/F fired, or the transport failed (status 408 or 503) */
	void (*failed)(struct txn *t, int status);
	/*
	 * The transaction no longer needs its owner: its final response went
	 * out (server) or came in (client), or it is being freed. Drop every
	 * pointer to it; it finishes its timers alone.
	 */
	void (*destroyed)(struct txn *t);
};

struct txn {
	struct cds_lfht_node node;
	struct rcu_head rcu;
	char *key;
	size_t keylen;
	unsigned long hash;
	/* server INVITE: Call-ID, From tag and CSeq, for ACKs with a wrong branch */
	struct cds_lfht_node ack_node;
	char *ack_key;
	size_t ack_keylen;

	enum txn_kind kind;
	enum txn_state state;
	enum sip_method method;
	struct tp_peer peer;		/* server: where responses go; client: next hop */

	char *req;			/* client: request sent (retransmissions) */
	size_t reqlen;
	char *resp;			/* server: last response sent; client INVITE: ACK */
	size_t resplen;
	int status;			/* last response status sent (server) or received (client) */

	struct tmr t_retx;		/* A, E, G */
	struct tmr t_end;		/* B, D, F, H, I, J, K */
	uint64_t retx_ms;

	const struct txn_ops *ops;
	void *owner;
	int branch;			/* owner's index of this client transaction */
};

int TXN_Init(void);
void TXN_Fini(void);

/* Where responses to request m received from src go (RFC 3261 §18.2.2, RFC 3581). */
void TXN_ResponsePeer(const struct sip_msg *m, const struct tp_peer *src, struct tp_peer *out);

/* Server transaction for m (method overrides m's, for ACK/CANCEL matching); NULL if none. */
struct txn *TXN_ServerFind(const struct sip_msg *m, enum sip_method method);
/*
 * The server INVITE transaction an ACK belongs to by Call-ID, From tag and
 * CSeq, for UAs that give the ACK of a non-2xx final a new branch (RFC 3261
 * §17.1.1.3 says they must not; RFC 2543 peers and some test tools do).
 * Only transactions that sent a non-2xx final match.
 */
struct txn *TXN_ServerFindAck(const struct sip_msg *ack);
/* New server transaction for request m. NULL on ENOMEM. */
struct txn *TXN_ServerNew(const struct sip_msg *m, const struct tp_peer *src);
/* Send a response through t and advance its state. 0 or -errno. */
int TXN_ServerReply(struct txn *t, int status, const char *buf, size_t len);
/* A retransmitted request matched t: resend the last response. */
void TXN_ServerRetransmit(struct txn *t);
/* The ACK for a non-2xx final response matched t. */
void TXN_ServerAck(struct txn *t);

/*
 * New client transaction: sends req (len bytes, already carrying our Via
 * with branch) to dst. The method is taken from the request line.
 */
struct txn *TXN_ClientNew(const struct tp_peer *dst, const char *branch, enum sip_method method,
			  const char *req, size_t len, const struct txn_ops *ops, void *owner,
			  int index);
/* Route a response to its client transaction. 0 if matched, -ENOENT if not. */
int TXN_ClientResponse(const struct sip_msg *resp, const struct tp_peer *src);
/* Stop reporting to the owner (the owner goes away); the transaction finishes alone. */
void TXN_Orphan(struct txn *t);
/*
 * A connection to addr over proto failed before carrying anything: client
 * transactions still waiting for a first answer from there end with 503,
 * from the loop, so their owners can fail over (RFC 3263 §4.3).
 */
void TXN_TransportFailed(int proto, const struct sockaddr_storage *addr);

unsigned long TXN_Count(void);

#endif /* KRTPD_SIP_TXN_H */
