// SPDX-License-Identifier: GPL-2.0
/*
 * SIP transaction layer (RFC 3261 §17).
 *
 * Locking: the table is written by the main thread only (insert on creation,
 * delete on termination) and read by the main thread under RCU_ReadLock().
 * A terminated transaction is unhashed, its owner told (ops->destroyed), and
 * its memory freed after a grace period.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../hash.h"
#include "../log.h"
#include "../metrics.h"
#include "build.h"
#include "txn.h"

#define TXN_MAX_LIFE_MS	(400 * 1000)	/* a server transaction nobody answers */

static struct cds_lfht *txn_ht;
static struct cds_lfht *txn_ack_ht;	/* server INVITEs by Call-ID, From tag, CSeq */
static unsigned long txn_count;
static uint64_t txn_created;

#define txn_of(ptr, member) ((struct txn *)((char *)(ptr) - offsetof(struct txn, member)))

static int txn_ack_match(struct cds_lfht_node *node, const void *key)
{
	const struct sip_str *k = key;
	struct txn *t = caa_container_of(node, struct txn, ack_node);

	return t->ack_keylen == k->len && !memcmp(t->ack_key, k->s, k->len);
}

static int txn_ack_key(const struct sip_msg *m, char *out, size_t sz)
{
	int n = snprintf(out, sz, "A%.*s|%.*s|%u", (int)m->call_id.len, m->call_id.s,
			 (int)m->from.tag.len, m->from.tag.s, m->cseq);

	return n > 0 && (size_t)n < sz ? n : -ENOSPC;
}

static int txn_match(struct cds_lfht_node *node, const void *key)
{
	const struct sip_str *k = key;
	struct txn *t = caa_container_of(node, struct txn, node);

	return t->keylen == k->len && !memcmp(t->key, k->s, k->len);
}

/* Server key: branch, sent-by and method (RFC 3261 §17.2.3); RFC 2543 peers get a fallback. */
static int txn_server_key(const struct sip_msg *m, enum sip_method method, char *out, size_t sz)
{
	const struct sip_via *v = &m->via[0];
	int n;

	if (!m->nvia)
		return -EINVAL;
	if (v->branch.len > 7 && !memcmp(v->branch.s, "z9hG4bK", 7))
		n = snprintf(out, sz, "S%.*s|%.*s:%u|%d", (int)v->branch.len, v->branch.s,
			     (int)v->host.len, v->host.s, v->port, method);
	else
		n = snprintf(out, sz, "O%.*s|%.*s|%u|%.*s|%d", (int)m->call_id.len, m->call_id.s,
			     (int)m->from.tag.len, m->from.tag.s, m->cseq, (int)v->raw.len,
			     v->raw.s, method);
	return n > 0 && (size_t)n < sz ? n : -ENOSPC;
}

static struct txn *txn_lookup(const char *key, size_t len)
{
	struct sip_str k = { key, len };
	struct cds_lfht_iter it;
	struct cds_lfht_node *node;

	cds_lfht_lookup(txn_ht, HASH_Fnv(key, len), txn_match, &k, &it);
	node = cds_lfht_iter_get_node(&it);
	return node ? caa_container_of(node, struct txn, node) : NULL;
}

static void txn_free_rcu(struct rcu_head *head)
{
	struct txn *t = caa_container_of(head, struct txn, rcu);

	free(t->key);
	free(t->ack_key);
	free(t->req);
	free(t->resp);
	free(t);
}

static void txn_destroy(struct txn *t)
{
	if (t->state == TXN_TERMINATED)
		return;
	t->state = TXN_TERMINATED;
	TMR_Stop(&t->t_retx);
	TMR_Stop(&t->t_end);
	if (t->ops && t->ops->destroyed)
		t->ops->destroyed(t);
	t->ops = NULL;
	cds_lfht_del(txn_ht, &t->node);
	if (t->ack_key)
		cds_lfht_del(txn_ack_ht, &t->ack_node);
	txn_count--;
	RCU_Call(&t->rcu, txn_free_rcu);
}

static int txn_reliable(const struct txn *t)
{
	return TP_IsStream(t->peer.proto);
}

static void txn_retx_fn(struct tmr *tm);
static void txn_end_fn(struct tmr *tm);

static struct txn *txn_new(enum txn_kind kind, const char *key, size_t keylen)
{
	struct txn *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->key = malloc(keylen);
	if (!t->key) {
		free(t);
		return NULL;
	}
	memcpy(t->key, key, keylen);
	t->keylen = keylen;
	t->hash = HASH_Fnv(key, keylen);
	t->kind = kind;
	t->state = TXN_TRYING;
	t->peer.sock = -1;
	TMR_Setup(&t->t_retx, txn_retx_fn);
	TMR_Setup(&t->t_end, txn_end_fn);
	cds_lfht_node_init(&t->node);
	return t;
}

static int txn_add(struct txn *t)
{
	struct sip_str k = { t->key, t->keylen };
	struct cds_lfht_node *old;

	old = cds_lfht_add_unique(txn_ht, t->hash, txn_match, &k, &t->node);
	if (old != &t->node)
		return -EEXIST;
	txn_count++;
	txn_created++;
	return 0;
}

void TXN_ResponsePeer(const struct sip_msg *m, const struct tp_peer *src, struct tp_peer *out)
{
	const struct sip_via *v = &m->via[0];
	unsigned long port;

	*out = *src;
	if (TP_IsStream(src->proto))
		return;		/* same connection, or a new one to the source */
	/* RFC 3581: rport means "to the source port"; otherwise the Via port */
	if (v->rport)
		return;
	port = v->port ? v->port : 5060;
	if (out->addr.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&out->addr)->sin6_port = htons(port);
	else
		((struct sockaddr_in *)&out->addr)->sin_port = htons(port);
}

/* ---- timers ---- */

static void txn_retx_fn(struct tmr *tm)
{
	struct txn *t = txn_of(tm, t_retx);

	switch (t->kind) {
	case TXN_CLIENT_INVITE:		/* Timer A */
		if (t->state != TXN_TRYING)
			return;
		TP_Send(&t->peer, t->req, t->reqlen);
		t->retx_ms *= 2;
		break;
	case TXN_CLIENT:		/* Timer E */
		if (t->state != TXN_TRYING && t->state != TXN_PROCEEDING)
			return;
		TP_Send(&t->peer, t->req, t->reqlen);
		t->retx_ms = t->state == TXN_PROCEEDING ? SIP_T2 :
			     (t->retx_ms * 2 < SIP_T2 ? t->retx_ms * 2 : SIP_T2);
		break;
	case TXN_SERVER_INVITE:		/* Timer G */
		if (t->state != TXN_COMPLETED)
			return;
		TP_Send(&t->peer, t->resp, t->resplen);
		t->retx_ms = t->retx_ms * 2 < SIP_T2 ? t->retx_ms * 2 : SIP_T2;
		break;
	default:
		return;
	}
	TMR_Start(&t->t_retx, t->retx_ms);
}

static void txn_end_fn(struct tmr *tm)
{
	struct txn *t = txn_of(tm, t_end);

	switch (t->kind) {
	case TXN_CLIENT_INVITE:		/* Timer B, or D */
	case TXN_CLIENT:		/* Timer F, or K */
		if (t->state == TXN_TRYING || t->state == TXN_PROCEEDING) {
			int status = t->status ? t->status : 408;

			if (t->ops && t->ops->failed)
				t->ops->failed(t, status);
		}
		break;
	case TXN_SERVER_INVITE:		/* Timer H, or I */
		if (t->state == TXN_COMPLETED)
			LOG_DEBUG("no ACK for %d, transaction timed out", t->status);
		else if (t->state != TXN_CONFIRMED)
			LOG_WARN("server transaction never answered, dropped");
		break;
	case TXN_SERVER:		/* Timer J */
		break;
	}
	txn_destroy(t);
}

/* ---- server ---- */

struct txn *TXN_ServerFind(const struct sip_msg *m, enum sip_method method)
{
	char key[512];
	int n = txn_server_key(m, method, key, sizeof(key));

	if (n < 0)
		return NULL;
	return txn_lookup(key, n);
}

struct txn *TXN_ServerNew(const struct sip_msg *m, const struct tp_peer *src)
{
	char key[512];
	int n = txn_server_key(m, m->method_id, key, sizeof(key));
	struct txn *t;

	if (n < 0)
		return NULL;
	t = txn_new(m->method_id == SIP_M_INVITE ? TXN_SERVER_INVITE : TXN_SERVER, key, n);
	if (!t)
		return NULL;
	t->method = m->method_id;
	TXN_ResponsePeer(m, src, &t->peer);
	t->state = m->method_id == SIP_M_INVITE ? TXN_PROCEEDING : TXN_TRYING;
	if (txn_add(t)) {
		free(t->key);
		free(t);
		return NULL;
	}
	if (t->kind == TXN_SERVER_INVITE) {
		n = txn_ack_key(m, key, sizeof(key));
		t->ack_key = n > 0 ? malloc(n) : NULL;
		if (t->ack_key) {
			struct sip_str k = { key, n };

			memcpy(t->ack_key, key, n);
			t->ack_keylen = n;
			cds_lfht_node_init(&t->ack_node);
			cds_lfht_add(txn_ack_ht, HASH_Fnv(k.s, k.len), &t->ack_node);
		}
	}
	TMR_Start(&t->t_end, TXN_MAX_LIFE_MS);
	return t;
}

struct txn *TXN_ServerFindAck(const struct sip_msg *ack)
{
	char key[512];
	int n = txn_ack_key(ack, key, sizeof(key));
	struct sip_str k = { key, n };
	struct cds_lfht_iter it;
	struct cds_lfht_node *node;

	if (n < 0)
		return NULL;
	cds_lfht_lookup(txn_ack_ht, HASH_Fnv(key, n), txn_ack_match, &k, &it);
	for (node = cds_lfht_iter_get_node(&it); node;
	     cds_lfht_next_duplicate(txn_ack_ht, txn_ack_match, &k, &it),
	     node = cds_lfht_iter_get_node(&it)) {
		struct txn *t = caa_container_of(node, struct txn, ack_node);

		if (t->state == TXN_COMPLETED || t->state == TXN_CONFIRMED)
			return t;
	}
	return NULL;
}

/* The owner is done with t (its final response passed); t lives on alone. */
static void txn_detach(struct txn *t)
{
	if (t->ops && t->ops->destroyed)
		t->ops->destroyed(t);
	t->ops = NULL;
	t->owner = NULL;
}

int TXN_ServerReply(struct txn *t, int status, const char *buf, size_t len)
{
	char *copy;
	int r;

	if (t->state == TXN_COMPLETED || t->state == TXN_CONFIRMED || t->state == TXN_TERMINATED)
		return -EALREADY;
	copy = malloc(len);
	if (copy) {
		memcpy(copy, buf, len);
		free(t->resp);
		t->resp = copy;
		t->resplen = len;
	}
	t->status = status;
	r = TP_Send(&t->peer, buf, len);
	if (status < 200) {
		t->state = TXN_PROCEEDING;
		return r;
	}
	TMR_Stop(&t->t_end);
	txn_detach(t);
	if (t->kind == TXN_SERVER_INVITE) {
		if (status < 300) {
			/* RFC 3261 §17.2.1: a 2xx ends the server transaction */
			txn_destroy(t);
			return r;
		}
		t->state = TXN_COMPLETED;
		if (!txn_reliable(t)) {
			t->retx_ms = SIP_T1;
			TMR_Start(&t->t_retx, SIP_T1);	/* Timer G */
		}
		TMR_Start(&t->t_end, 64 * SIP_T1);	/* Timer H */
		return r;
	}
	t->state = TXN_COMPLETED;
	TMR_Start(&t->t_end, txn_reliable(t) ? 0 : 64 * SIP_T1);	/* Timer J */
	return r;
}

void TXN_ServerRetransmit(struct txn *t)
{
	if ((t->state == TXN_PROCEEDING || t->state == TXN_COMPLETED) && t->resp)
		TP_Send(&t->peer, t->resp, t->resplen);
}

void TXN_ServerAck(struct txn *t)
{
	if (t->kind != TXN_SERVER_INVITE || t->state != TXN_COMPLETED)
		return;
	t->state = TXN_CONFIRMED;
	TMR_Stop(&t->t_retx);
	TMR_Start(&t->t_end, txn_reliable(t) ? 0 : SIP_T4);	/* Timer I */
}

/* ---- client ---- */

struct txn *TXN_ClientNew(const struct tp_peer *dst, const char *branch, enum sip_method method,
			  const char *req, size_t len, const struct txn_ops *ops, void *owner,
			  int index)
{
	char key[256];
	int n = snprintf(key, sizeof(key), "C%s|%d", branch, method);
	struct txn *t;

	if (n <= 0 || (size_t)n >= sizeof(key))
		return NULL;
	t = txn_new(method == SIP_M_INVITE ? TXN_CLIENT_INVITE : TXN_CLIENT, key, n);
	if (!t)
		return NULL;
	t->method = method;
	t->peer = *dst;
	t->ops = ops;
	t->owner = owner;
	t->branch = index;
	t->req = malloc(len);
	if (!t->req || txn_add(t)) {
		free(t->req);
		free(t->key);
		free(t);
		return NULL;
	}
	memcpy(t->req, req, len);
	t->reqlen = len;
	if (TP_Send(&t->peer, req, len)) {
		/* report from the loop, not from inside the caller */
		t->status = 503;
		TMR_Start(&t->t_end, 0);
		return t;
	}
	if (!txn_reliable(t)) {
		t->retx_ms = SIP_T1;
		TMR_Start(&t->t_retx, SIP_T1);			/* Timer A or E */
	}
	TMR_Start(&t->t_end, 64 * SIP_T1);			/* Timer B or F */
	return t;
}

/*
 * ACK for a non-2xx final response (RFC 3261 §17.1.1.3): Request-URI, Via,
 * From, Call-ID and Route of the INVITE, To of the response.
 */
static void txn_build_ack(struct txn *t, const struct sip_msg *resp)
{
	struct sip_msg *inv = malloc(sizeof(*inv));
	struct sip_buf b;
	char *buf;
	int i;

	if (!inv)
		return;
	buf = malloc(t->reqlen + 256);
	if (!buf || MSG_Parse(inv, t->req, t->reqlen)) {
		free(buf);
		free(inv);
		return;
	}
	SB_Init(&b, buf, t->reqlen + 256);
	SB_LIT(&b, "ACK ");
	SB_Str(&b, inv->ruri_raw);
	SB_LIT(&b, " SIP/2.0\r\n");
	for (i = 0; i < inv->nhdrs; i++) {
		const struct sip_hdr *h = &inv->hdrs[i];

		if (h->id == SIP_H_VIA && inv->via[0].hdr == i) {
			SB_LIT(&b, "Via: ");
			SB_Str(&b, inv->via[0].raw);
			SB_LIT(&b, "\r\n");
		} else if (h->id == SIP_H_FROM || h->id == SIP_H_CALL_ID || h->id == SIP_H_ROUTE) {
			SB_Add(&b, h->line, h->line_len);
		}
	}
	if (resp->has_to) {
		SB_LIT(&b, "To: ");
		SB_Str(&b, resp->to.raw);
		SB_LIT(&b, "\r\n");
	}
	SB_Addf(&b, "CSeq: %u ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n", inv->cseq);
	free(inv);
	if (b.overflow) {
		free(buf);
		return;
	}
	free(t->resp);
	t->resp = buf;
	t->resplen = b.len;
}

int TXN_ClientResponse(const struct sip_msg *resp, const struct tp_peer *src)
{
	char key[256];
	const struct sip_via *v = &resp->via[0];
	struct txn *t;
	int n;

	(void)src;
	if (!resp->nvia || !v->branch.len)
		return -ENOENT;
	n = snprintf(key, sizeof(key), "C%.*s|%d", (int)v->branch.len, v->branch.s,
		     resp->cseq_method_id);
	if (n <= 0 || (size_t)n >= sizeof(key))
		return -ENOENT;
	t = txn_lookup(key, n);
	if (!t || t->state == TXN_TERMINATED)
		return -ENOENT;

	if (resp->status < 200) {
		if (t->state == TXN_TRYING) {
			t->state = TXN_PROCEEDING;
			if (t->kind == TXN_CLIENT_INVITE) {
				TMR_Stop(&t->t_retx);
				/*
				 * Timer B only runs while Calling; the proxy's Timer C
				 * takes over, this is only a backstop against a UAS
				 * that never answers a CANCEL either.
				 */
				TMR_Start(&t->t_end, TXN_MAX_LIFE_MS);
			}
		}
		if (t->state == TXN_PROCEEDING && t->ops && t->ops->response)
			t->ops->response(t, resp);
		return 0;
	}

	if (t->state == TXN_COMPLETED) {
		/* a retransmitted final response: repeat our ACK, tell nobody */
		if (t->kind == TXN_CLIENT_INVITE && t->resp)
			TP_Send(&t->peer, t->resp, t->resplen);
		return 0;
	}
	t->status = resp->status;
	TMR_Stop(&t->t_retx);
	TMR_Stop(&t->t_end);
	if (t->kind == TXN_CLIENT_INVITE && resp->status < 300) {
		if (t->ops && t->ops->response)
			t->ops->response(t, resp);
		txn_destroy(t);
		return 0;
	}
	t->state = TXN_COMPLETED;
	if (t->kind == TXN_CLIENT_INVITE) {
		txn_build_ack(t, resp);
		if (t->resp)
			TP_Send(&t->peer, t->resp, t->resplen);
	}
	if (t->ops && t->ops->response)
		t->ops->response(t, resp);
	txn_detach(t);
	if (t->state == TXN_COMPLETED)
		TMR_Start(&t->t_end, txn_reliable(t) ? 0 :
			  (t->kind == TXN_CLIENT_INVITE ? 32000 : SIP_T4));	/* D or K */
	return 0;
}

void TXN_Orphan(struct txn *t)
{
	txn_detach(t);
}

void TXN_TransportFailed(int proto, const struct sockaddr_storage *addr)
{
	struct cds_lfht_iter it;
	struct cds_lfht_node *n;
	struct txn *t;

	/* a scan, but only when a connection we opened fails: rare and bounded */
	RCU_ReadLock();
	RCU_HashForEach(txn_ht, &it, n) {
		t = caa_container_of(n, struct txn, node);
		if ((t->kind != TXN_CLIENT && t->kind != TXN_CLIENT_INVITE) ||
		    t->state != TXN_TRYING || t->status || t->peer.proto != proto ||
		    !TP_SameAddr(&t->peer.addr, addr))
			continue;
		/* as a send that failed at once: 503 from the loop (§8.1.3.1) */
		t->status = 503;
		TMR_Stop(&t->t_retx);
		TMR_Start(&t->t_end, 0);
	}
	RCU_ReadUnlock();
}

unsigned long TXN_Count(void)
{
	return txn_count;
}

static void txn_emit(struct met_out *o)
{
	MET_Gauge(o, "krtpd_sip_transactions_active", "SIP transactions in progress (server and client).",
		  NULL, txn_count);
	MET_Counter(o, "krtpd_sip_transactions_created_total", "SIP transactions created.", NULL,
		    txn_created);
}

int TXN_Init(void)
{
	MET_AddSource(txn_emit);
	txn_ht = RCU_HashNew();
	txn_ack_ht = RCU_HashNew();
	return txn_ht && txn_ack_ht ? 0 : -ENOMEM;
}

void TXN_Fini(void)
{
	struct cds_lfht_iter it;
	struct cds_lfht_node *n;
	struct txn *t;

	if (!txn_ht)
		return;
	RCU_ReadLock();
	/* owners hear of each one (ops->destroyed) and drop what they hold for it */
	RCU_HashForEach(txn_ht, &it, n) {
		t = caa_container_of(n, struct txn, node);
		txn_destroy(t);
	}
	RCU_ReadUnlock();
	RCU_Barrier();
	RCU_HashFree(txn_ht);
	RCU_HashFree(txn_ack_ht);
	txn_ht = NULL;
	txn_ack_ht = NULL;
}
