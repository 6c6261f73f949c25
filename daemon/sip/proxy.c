// SPDX-License-Identifier: GPL-2.0
/*
 * Stateful proxy core (RFC 3261 §16).
 *
 * A request that krtpd forwards gets a context (struct prx_ctx) tying its
 * server transaction to one client transaction per branch. The context is
 * reference-counted: the code handling the request, the server transaction
 * and each client transaction hold one, dropped in their txn_ops.destroyed
 * callbacks; the last put frees it. Everything runs in the main thread
 * (under its RCU read-side lock), so there is no locking here.
 *
 * Media: the offer (INVITE or re-INVITE with SDP) is rewritten by
 * MED_Offer before it is forwarded, the answer (18x/2xx with SDP) by
 * MED_Answer; BYE and a failed initial INVITE call MED_Delete.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../config.h"
#include "../hash.h"
#include "../log.h"
#include "../media.h"
#include "auth.h"
#include "build.h"
#include "dialog.h"
#include "proxy.h"
#include "registrar.h"
#include "txn.h"

#define PRX_BUFSZ	(65536 + 8192)
#define PRX_BRANCH_PFX	"z9hG4bKkr"

struct prx_ctx;

struct prx_branch {
	struct prx_ctx *ctx;
	struct txn *t;			/* client transaction, NULL once it is gone */
	char branch[64];
	struct tp_peer dst;
	char *req;			/* the request as forwarded (CANCEL is built from it) */
	size_t reqlen;
	int status;			/* final status, 0 while pending */
	int provisional;		/* a 1xx arrived: CANCEL may be sent */
	int cancel_pending;		/* cancel as soon as a 1xx arrives */
	int cancelled;
	int timer_c_fired;
	struct tmr t_c;			/* Timer C (INVITE only) */
};

struct prx_ctx {
	int refs;
	struct prx_ctx *prev, *next;	/* pending INVITEs, for the control socket */
	struct txn *st;			/* server transaction, NULL once it is gone */
	char *req;			/* our copy of the request, parsed again when needed */
	size_t reqlen;
	enum sip_method method;
	struct tp_peer src;
	char call_id[256];
	int initial_invite;		/* INVITE without To tag */
	int media_offer;		/* MED_Offer was called for this request */
	enum med_leg answer_leg;	/* who answers the offer */
	enum med_leg req_leg;		/* who sent the request */
	int cancelled;
	int final_sent;
	int got_2xx;
	int best_status;
	int best_provisional;
	char *best;			/* copy of the best final response, NULL if synthetic */
	size_t bestlen;
	uint64_t started;
	int nbranches;
	struct prx_branch br[REG_MAX_BINDINGS];
};

static struct prx_config prx_cfg;
static struct prx_stats prx_stats;
static struct prx_ctx prx_pending = { .prev = &prx_pending, .next = &prx_pending };
static unsigned long prx_branch_seq;
static char *prx_buf;		/* scratch for building one message at a time */
static char *prx_sdp;		/* scratch for rewritten SDP */

static void prx_ctx_put(struct prx_ctx *ctx);

/*
 * The request of ctx, parsed into a heap buffer the caller frees. Contexts
 * keep only the bytes: a parsed message is 17 KB, and the rare paths that
 * need one (a locally generated final, a new dialog) can parse again.
 */
static struct sip_msg *prx_ctx_msg(const struct prx_ctx *ctx)
{
	struct sip_msg *m = malloc(sizeof(*m));

	if (m && MSG_Parse(m, ctx->req, ctx->reqlen)) {
		free(m);
		return NULL;
	}
	return m;
}

/* ---- helpers ---- */

static int prx_is_sdp(const struct sip_msg *m)
{
	return m->body.len && m->content_type.len >= 15 &&
	       !strncasecmp(m->content_type.s, "application/sdp", 15);
}

static int prx_uri_is_us(const struct sip_uri *u)
{
	if (TP_IsUs(u->host, u->port))
		return 1;
	return CNF_IsLocalDomain(u->host) && (!u->port || TP_IsUs(STR_C("127.0.0.1"), u->port) ||
					       TP_IsUs(STR_C("::1"), u->port));
}

static int prx_via_is_ours(const struct sip_via *v)
{
	return v->branch.len > sizeof(PRX_BRANCH_PFX) - 1 &&
	       !memcmp(v->branch.s, PRX_BRANCH_PFX, sizeof(PRX_BRANCH_PFX) - 1) &&
	       TP_IsUs(v->host, v->port);
}

/* RFC 3261 §16.6 step 8: a hash of what identifies the request, for loop detection */
static uint32_t prx_loop_hash(const struct sip_msg *m)
{
	uint64_t h = HASH_Fnv(m->ruri_raw.s, m->ruri_raw.len);
	const struct sip_hdr *pr;

	h = HASH_FnvAdd(h, m->from.tag.s, m->from.tag.len);
	h = HASH_FnvAdd(h, "|", 1);
	h = HASH_FnvAdd(h, m->to.tag.s, m->to.tag.len);
	h = HASH_FnvAdd(h, "|", 1);
	h = HASH_FnvAdd(h, m->call_id.s, m->call_id.len);
	h = HASH_FnvAdd(h, &m->cseq, sizeof(m->cseq));
	pr = MSG_Header(m, SIP_H_PROXY_REQUIRE, 0);
	if (pr)
		h = HASH_FnvAdd(h, pr->value.s, pr->value.len);
	return (uint32_t)(h ^ (h >> 32));
}

static void prx_new_branch(const struct sip_msg *m, char *out, size_t sz)
{
	snprintf(out, sz, PRX_BRANCH_PFX "%08x.%lx", prx_loop_hash(m), ++prx_branch_seq);
}

static int prx_send_built(const struct tp_peer *dst, struct sip_buf *b)
{
	if (b->overflow) {
		LOG_WARN("message too large to build, not sent");
		return -EMSGSIZE;
	}
	return TP_Send(dst, b->p, b->len);
}

/*
 * Reply to request m locally. Through st when there is one (it keeps the
 * response for retransmissions), else straight back per its Via.
 */
static void prx_reply(const struct sip_msg *m, const struct tp_peer *src, struct txn *st,
		      int status, const char *reason, const char *hdrs, size_t hdrslen)
{
	struct sip_buf b;
	char tag[40];

	if (m->method_id == SIP_M_ACK)
		return;
	BLD_ToTag(m, tag, sizeof(tag));
	SB_Init(&b, prx_buf, PRX_BUFSZ);
	BLD_ResponseStart(&b, m, status, reason, tag);
	if (hdrs)
		SB_Add(&b, hdrs, hdrslen);
	BLD_ResponseEnd(&b, NULL, 0);
	if (b.overflow)
		return;
	if (st) {
		TXN_ServerReply(st, status, b.p, b.len);
	} else {
		struct tp_peer dst;

		TXN_ResponsePeer(m, src, &dst);
		TP_Send(&dst, b.p, b.len);
	}
}

/* Copy the received top Via with received= and rport= filled in (RFC 3581). */
static void prx_add_top_via(struct sip_buf *b, const struct sip_msg *m, const struct tp_peer *src)
{
	const struct sip_via *v = &m->via[0];
	char ip[64];
	struct sip_str rest = v->raw;

	TP_IpStr(&src->addr, ip, sizeof(ip));
	SB_LIT(b, "Via: ");
	if (v->rport && !v->rport_val.len) {
		size_t pre = v->rport_val.s - v->raw.s;

		SB_Add(b, v->raw.s, pre);
		SB_Addf(b, "=%u", TP_Port(&src->addr));
		rest.s += pre;
		rest.len -= pre;
	}
	SB_Str(b, rest);
	if (!v->received.len && (v->rport || !STR_Eq(v->host, STR_C(ip))))
		SB_Addf(b, ";received=%s", ip);
	SB_LIT(b, "\r\n");
}

/* The remaining values of a multi-value header line after element `after`. */
static void prx_rest_of_line(struct sip_buf *b, const struct sip_hdr *h, struct sip_str after,
			     const char *name)
{
	const char *p = after.s + after.len, *end = h->value.s + h->value.len;

	while (p < end && (*p == ',' || *p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	if (p >= end)
		return;
	SB_Addf(b, "%s: ", name);
	SB_Add(b, p, end - p);
	SB_LIT(b, "\r\n");
}

struct prx_fwd {
	const char *ruri;		/* new Request-URI, NULL to keep */
	int npop;			/* leading Route entries (ours) to remove */
	const char *branch;
	const struct tp_peer *src, *dst;
	int record_route;
	int strip_auth;			/* drop Proxy-Authorization for our realm */
	const char *body;		/* replacement body, NULL to keep */
	size_t bodylen;
};

/* RFC 3261 §16.6: the copy of m that goes to one target */
static void prx_build_request(struct sip_buf *b, const struct sip_msg *m, const struct prx_fwd *f)
{
	char local[80], in[80];
	int i, had_mf = 0;

	if (TP_LocalFor(f->dst, local, sizeof(local))) {
		b->overflow = 1;
		return;
	}
	SB_Str(b, m->method);
	SB_LIT(b, " ");
	if (f->ruri)
		SB_Add(b, f->ruri, strlen(f->ruri));
	else
		SB_Str(b, m->ruri_raw);
	SB_LIT(b, " SIP/2.0\r\n");
	SB_Addf(b, "Via: SIP/2.0/%s %s;branch=%s\r\n", TP_ProtoName(f->dst->proto), local,
		f->branch);
	if (f->record_route) {
		/* two entries when the legs reach us on different addresses (RFC 5658) */
		const char *tcp_out = f->dst->proto == TP_TCP ? ";transport=tcp" : "";
		const char *tcp_in = f->src->proto == TP_TCP ? ";transport=tcp" : "";

		SB_Addf(b, "Record-Route: <sip:%s;lr%s>\r\n", local, tcp_out);
		if (!TP_LocalFor(f->src, in, sizeof(in)) &&
		    (strcmp(in, local) || f->src->proto != f->dst->proto))
			SB_Addf(b, "Record-Route: <sip:%s;lr%s>\r\n", in, tcp_in);
	}
	for (i = 0; i < m->nhdrs; i++) {
		const struct sip_hdr *h = &m->hdrs[i];

		switch (h->id) {
		case SIP_H_VIA:
			if (m->via[0].hdr == i) {
				prx_add_top_via(b, m, f->src);
				prx_rest_of_line(b, h, m->via[0].raw, "Via");
			} else {
				SB_Add(b, h->line, h->line_len);
			}
			break;
		case SIP_H_MAX_FORWARDS:
			SB_Addf(b, "Max-Forwards: %ld\r\n", m->max_forwards - 1);
			had_mf = 1;
			break;
		case SIP_H_ROUTE: {
			int j, last = -1, any = 0;

			for (j = 0; j < m->nroute; j++) {
				if (m->route[j].hdr != i)
					continue;
				any = 1;
				if (j < f->npop)
					last = j;
			}
			if (!any || last < 0)
				SB_Add(b, h->line, h->line_len);
			else
				prx_rest_of_line(b, h, m->route[last].raw, "Route");
			break;
		}
		case SIP_H_CONTENT_LENGTH:
			break;
		case SIP_H_PROXY_AUTHORIZATION:
			/* credentials for our realm were for us: §22.3 lets us remove them */
			if (!f->strip_auth || !AUTH_ForUs(h->value))
				SB_Add(b, h->line, h->line_len);
			break;
		default:
			SB_Add(b, h->line, h->line_len);
			break;
		}
	}
	if (!had_mf)
		SB_Addf(b, "Max-Forwards: %u\r\n", prx_cfg.max_forwards);
	if (f->body) {
		SB_Addf(b, "Content-Length: %zu\r\n\r\n", f->bodylen);
		SB_Add(b, f->body, f->bodylen);
	} else {
		SB_Addf(b, "Content-Length: %zu\r\n\r\n", m->body.len);
		SB_Str(b, m->body);
	}
}

/*
 * A response without our top Via, with body replaced when body != NULL.
 * When ours was its only Via (a UAS that answered the INVITE with the Via of
 * our CANCEL), the Vias of the request it answers, orig, are put back.
 */
static void prx_build_response(struct sip_buf *b, const struct sip_msg *m, const char *body,
			       size_t bodylen, const struct sip_msg *orig)
{
	const char *eol = memchr(m->buf, '\n', m->len);
	int i;

	SB_Add(b, m->buf, eol - m->buf + 1);
	if (m->nvia < 2 && orig)
		for (i = 0; i < orig->nhdrs; i++)
			if (orig->hdrs[i].id == SIP_H_VIA)
				SB_Add(b, orig->hdrs[i].line, orig->hdrs[i].line_len);
	for (i = 0; i < m->nhdrs; i++) {
		const struct sip_hdr *h = &m->hdrs[i];

		if (h->id == SIP_H_VIA && m->via[0].hdr == i)
			prx_rest_of_line(b, h, m->via[0].raw, "Via");
		else if (h->id != SIP_H_CONTENT_LENGTH)
			SB_Add(b, h->line, h->line_len);
	}
	if (!body) {
		body = m->body.s;
		bodylen = m->body.len;
	}
	SB_Addf(b, "Content-Length: %zu\r\n\r\n", bodylen);
	SB_Add(b, body, bodylen);
}

/* Where a response goes once our Via is gone: the next Via (RFC 3261 §18.2.2) */
static int prx_response_dst(const struct sip_msg *m, struct tp_peer *dst)
{
	const struct sip_via *v;
	struct sip_str host;
	unsigned long port;

	if (m->nvia < 2)
		return -ENOENT;
	v = &m->via[1];
	memset(dst, 0, sizeof(*dst));
	dst->sock = -1;
	dst->proto = TP_ProtoParse(v->transport);
	if (!dst->proto)
		return -EPROTONOSUPPORT;
	host = v->received.len ? v->received : v->host;
	port = v->port ? v->port : 5060;
	if (v->rport && v->rport_val.len) {
		char tmp[8];

		snprintf(tmp, sizeof(tmp), "%.*s", (int)(v->rport_val.len < 6 ? v->rport_val.len : 6),
			 v->rport_val.s);
		port = strtoul(tmp, NULL, 10);
		if (!port || port > 65535)
			return -EINVAL;
	}
	return TP_Resolve(host, 0, port, &dst->addr);
}

static void prx_forward_stateless_response(const struct sip_msg *m, const char *body,
					   size_t bodylen)
{
	struct tp_peer dst;
	struct sip_buf b;

	if (prx_response_dst(m, &dst))
		return;
	SB_Init(&b, prx_buf, PRX_BUFSZ);
	prx_build_response(&b, m, body, bodylen, NULL);
	prx_send_built(&dst, &b);
}

/* Forward a branch's response upstream, through the server transaction if it lives. */
static void prx_send_up(struct prx_ctx *ctx, const struct sip_msg *m, const char *body,
			size_t bodylen)
{
	struct sip_buf b;

	if (!ctx->st) {
		if (m->status >= 200 && m->status < 300)
			prx_forward_stateless_response(m, body, bodylen);
		return;
	}
	SB_Init(&b, prx_buf, PRX_BUFSZ);
	if (m->nvia < 2) {
		struct sip_msg *orig = prx_ctx_msg(ctx);

		prx_build_response(&b, m, body, bodylen, orig);
		free(orig);
	} else {
		prx_build_response(&b, m, body, bodylen, NULL);
	}
	if (b.overflow)
		return;
	if (TXN_ServerReply(ctx->st, m->status, b.p, b.len) == -EALREADY &&
	    m->status >= 200 && m->status < 300)
		prx_forward_stateless_response(m, body, bodylen);
}

/* ---- media glue ---- */

static int prx_media_status(int err, const char **reason)
{
	if (err == -ENOSPC) {
		*reason = "No Relay Ports";
		return 503;
	}
	if (err == -EINVAL) {
		*reason = "SDP Not Acceptable";
		return 488;
	}
	*reason = "Media Failure";
	return 500;
}

/* ---- contexts ---- */

static void prx_timer_c(struct tmr *t);

static struct prx_ctx *prx_ctx_new(const struct sip_msg *m, const struct tp_peer *src,
				   struct txn *st)
{
	struct prx_ctx *ctx = calloc(1, sizeof(*ctx));

	if (!ctx)
		return NULL;
	ctx->req = malloc(m->len);
	if (!ctx->req)
		goto err;
	memcpy(ctx->req, m->buf, m->len);
	ctx->reqlen = m->len;
	ctx->method = m->method_id;
	ctx->refs = 1;
	ctx->src = *src;
	ctx->st = st;
	ctx->started = TMR_Now();
	snprintf(ctx->call_id, sizeof(ctx->call_id), "%.*s", (int)m->call_id.len, m->call_id.s);
	ctx->initial_invite = m->method_id == SIP_M_INVITE && !m->to.tag.len;
	if (st) {
		ctx->refs++;
		st->owner = ctx;
	}
	if (ctx->initial_invite) {
		ctx->next = prx_pending.next;
		ctx->prev = &prx_pending;
		prx_pending.next->prev = ctx;
		prx_pending.next = ctx;
	}
	return ctx;
err:
	free(ctx->req);
	free(ctx);
	return NULL;
}

static void prx_ctx_put(struct prx_ctx *ctx)
{
	int i;

	if (--ctx->refs)
		return;
	if (ctx->next) {
		ctx->prev->next = ctx->next;
		ctx->next->prev = ctx->prev;
	}
	for (i = 0; i < ctx->nbranches; i++) {
		TMR_Stop(&ctx->br[i].t_c);
		free(ctx->br[i].req);
	}
	free(ctx->best);
	free(ctx->req);
	free(ctx);
}

static void prx_st_destroyed(struct txn *t)
{
	struct prx_ctx *ctx = t->owner;

	if (!ctx)
		return;
	ctx->st = NULL;
	t->owner = NULL;
	prx_ctx_put(ctx);
}

static const struct txn_ops prx_st_ops = {
	.destroyed = prx_st_destroyed,
};

/* ---- CANCEL ---- */

/* RFC 3261 §9.1: CANCEL with the INVITE's Request-URI, top Via, From, To, Call-ID, Route */
static void prx_cancel_branch(struct prx_branch *br)
{
	struct sip_msg *inv;
	struct sip_buf b;
	int i;

	if (br->cancelled || br->status)
		return;
	if (!br->provisional) {
		br->cancel_pending = 1;
		return;
	}
	br->cancelled = 1;
	inv = malloc(sizeof(*inv));
	if (!inv || MSG_Parse(inv, br->req, br->reqlen)) {
		free(inv);
		return;
	}
	SB_Init(&b, prx_buf, PRX_BUFSZ);
	SB_LIT(&b, "CANCEL ");
	SB_Str(&b, inv->ruri_raw);
	SB_LIT(&b, " SIP/2.0\r\nVia: ");
	SB_Str(&b, inv->via[0].raw);
	SB_LIT(&b, "\r\n");
	for (i = 0; i < inv->nhdrs; i++) {
		const struct sip_hdr *h = &inv->hdrs[i];

		if (h->id == SIP_H_FROM || h->id == SIP_H_TO || h->id == SIP_H_CALL_ID ||
		    h->id == SIP_H_ROUTE)
			SB_Add(&b, h->line, h->line_len);
	}
	SB_Addf(&b, "CSeq: %u CANCEL\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
		inv->cseq);
	free(inv);
	if (!b.overflow)
		TXN_ClientNew(&br->dst, br->branch, SIP_M_CANCEL, b.p, b.len, NULL, NULL, 0);
}

static void prx_cancel_all(struct prx_ctx *ctx, int except)
{
	int i;

	for (i = 0; i < ctx->nbranches; i++)
		if (i != except)
			prx_cancel_branch(&ctx->br[i]);
}

/* ---- responses from branches ---- */

/* RFC 3261 §16.7 step 6: 6xx beats all, then the lowest class */
static int prx_better(int status, int best)
{
	if (!best)
		return 1;
	if (best >= 600)
		return 0;
	if (status >= 600)
		return 1;
	return status / 100 < best / 100;
}

static void prx_call_failed(struct prx_ctx *ctx, int status)
{
	if (!ctx->initial_invite)
		return;
	prx_stats.calls_failed++;
	LOG_INFO("call %s failed: %d", ctx->call_id, status);
	if (ctx->media_offer && !DLG_Find(ctx->call_id, strlen(ctx->call_id)))
		MED_Delete(ctx->call_id);
}

/* All branches done and nothing final sent yet: send the best response. */
static void prx_check_done(struct prx_ctx *ctx)
{
	struct sip_msg *m;
	int i;

	if (ctx->final_sent)
		return;
	for (i = 0; i < ctx->nbranches; i++)
		if (!ctx->br[i].status)
			return;
	ctx->final_sent = 1;
	prx_call_failed(ctx, ctx->best_status);
	if (!ctx->st)
		return;
	m = ctx->best && ctx->best_status != 503 ? malloc(sizeof(*m)) : NULL;
	if (m && !MSG_Parse(m, ctx->best, ctx->bestlen)) {
		prx_send_up(ctx, m, NULL, 0);
		free(m);
		return;
	}
	free(m);
	/* synthetic (timeout, unreachable), or a 503 which must become a 500 (§16.7) */
	m = prx_ctx_msg(ctx);
	if (m)
		prx_reply(m, &ctx->src, ctx->st, ctx->best_status == 503 ? 500 :
			  ctx->best_status ? ctx->best_status : 408, NULL, NULL, 0);
	free(m);
}

static void prx_branch_final(struct prx_branch *br, int status, const struct sip_msg *m)
{
	struct prx_ctx *ctx = br->ctx;

	br->status = status;
	TMR_Stop(&br->t_c);
	if (ctx->final_sent)
		return;
	if (prx_better(status, ctx->best_status)) {
		free(ctx->best);
		ctx->best = NULL;
		ctx->best_status = status;
		if (m) {
			ctx->best = malloc(m->len);
			if (ctx->best) {
				memcpy(ctx->best, m->buf, m->len);
				ctx->bestlen = m->len;
			}
		}
	}
	if (status >= 600)
		prx_cancel_all(ctx, br - ctx->br);
	prx_check_done(ctx);
}

/* the 2xx of an initial INVITE: remember the dialog before it is forwarded */
/* append "<uri>" to a comma-separated route set; gives up when full */
static void prx_route_add(char *set, size_t sz, struct sip_str uri)
{
	size_t len = strlen(set);

	if (len + uri.len + 4 >= sz)
		return;
	snprintf(set + len, sz - len, "%s<%.*s>", len ? "," : "", (int)uri.len, uri.s);
}

static void prx_dialog_create(struct prx_ctx *ctx, struct prx_branch *br, const struct sip_msg *r)
{
	struct sip_msg *inv = prx_ctx_msg(ctx);
	char a_route[1024] = "", b_route[1024] = "";
	char *ac, *bc, *af, *bt, *at, *btag;
	int first = -1, last = -1, i;
	struct dlg_init in;

	if (!inv)
		return;
	for (i = 0; i < r->nrr; i++) {
		if (prx_uri_is_us(&r->rr[i].uri)) {
			if (first < 0)
				first = i;
			last = i;
		}
	}
	if (first >= 0) {
		/* towards B: the entries above ours, as A's route set lists them (reversed) */
		for (i = first - 1; i >= 0; i--)
			prx_route_add(b_route, sizeof(b_route), r->rr[i].uri_raw);
		for (i = last + 1; i < r->nrr; i++)
			prx_route_add(a_route, sizeof(a_route), r->rr[i].uri_raw);
	}
	ac = strndup(inv->ncontact ? inv->contact[0].uri_raw.s : "",
		     inv->ncontact ? inv->contact[0].uri_raw.len : 0);
	bc = strndup(r->ncontact ? r->contact[0].uri_raw.s : "",
		     r->ncontact ? r->contact[0].uri_raw.len : 0);
	af = strndup(inv->from.raw.s, inv->from.raw.len);
	bt = strndup(r->to.raw.s, r->to.raw.len);
	at = strndup(inv->from.tag.s, inv->from.tag.len);
	btag = strndup(r->to.tag.s, r->to.tag.len);
	if (ac && bc && af && bt && at && btag) {
		memset(&in, 0, sizeof(in));
		in.call_id = ctx->call_id;
		in.a_tag = at;
		in.b_tag = btag;
		in.a_from = af;
		in.b_to = bt;
		in.a_contact = ac;
		in.b_contact = bc;
		in.a_route = a_route;
		in.b_route = b_route;
		in.a_peer = &ctx->src;
		in.b_peer = &br->dst;
		in.a_cseq = inv->cseq;
		in.created = time(NULL);
		if (DLG_Create(&in) == 0)
			prx_stats.calls_started++;
	}
	free(ac);
	free(bc);
	free(af);
	free(bt);
	free(at);
	free(btag);
	free(inv);
}

static void prx_br_response(struct txn *t, const struct sip_msg *m)
{
	struct prx_ctx *ctx = t->owner;
	struct prx_branch *br;
	const char *body = NULL;
	size_t bodylen = 0;
	struct dlg *d;
	int late = 0;

	if (!ctx)
		return;
	br = &ctx->br[t->branch];
	if (m->status < 200) {
		if (m->status == 100)
			return;
		br->provisional = 1;
		if (ctx->method == SIP_M_INVITE && !br->status)
			TMR_Start(&br->t_c, prx_cfg.invite_timeout * 1000ULL);
		if (br->cancel_pending || ctx->cancelled) {
			prx_cancel_branch(br);
			return;
		}
		if (ctx->final_sent)
			return;
		if (ctx->media_offer && prx_is_sdp(m)) {
			size_t outlen;

			if (!MED_Answer(ctx->call_id, ctx->answer_leg, (const void *)&br->dst.addr,
					m->body.s, m->body.len, prx_sdp, PRX_BUFSZ, &outlen)) {
				body = prx_sdp;
				bodylen = outlen;
			}
		}
		if (m->status > ctx->best_provisional)
			ctx->best_provisional = m->status;
		prx_send_up(ctx, m, body, bodylen);
		return;
	}
	if (m->status >= 300) {
		prx_branch_final(br, m->status, m);
		return;
	}
	/* 2xx: forwarded, always (§16.7 step 5) */
	br->status = m->status;
	TMR_Stop(&br->t_c);
	if (ctx->method == SIP_M_INVITE) {
		/* a second 2xx of a fork goes up as it is: the caller ends that dialog */
		if (ctx->media_offer && prx_is_sdp(m) && !ctx->got_2xx) {
			size_t outlen;
			int r = MED_Answer(ctx->call_id, ctx->answer_leg, (const void *)&br->dst.addr,
					   m->body.s, m->body.len, prx_sdp, PRX_BUFSZ, &outlen);

			if (!r) {
				body = prx_sdp;
				bodylen = outlen;
			} else {
				LOG_WARN("call %s: media answer refused (%s)", ctx->call_id,
					 strerror(-r));
			}
		} else if (!ctx->media_offer && prx_cfg.media && prx_is_sdp(m) &&
			   !ctx->got_2xx) {
			/* late offer (RFC 3261 §13.2.1): the 2xx offers, the ACK answers */
			enum med_leg from = ctx->req_leg == MED_LEG_A ? MED_LEG_B : MED_LEG_A;
			size_t outlen;
			int r = MED_Offer(ctx->call_id, from, (const void *)&br->dst.addr,
					  m->body.s, m->body.len, prx_sdp, PRX_BUFSZ, &outlen);

			if (!r) {
				body = prx_sdp;
				bodylen = outlen;
				late = 1;
			} else {
				LOG_WARN("call %s: media offer in 2xx refused (%s)", ctx->call_id,
					 strerror(-r));
			}
		}
		if (ctx->initial_invite && !ctx->got_2xx)
			prx_dialog_create(ctx, br, m);
		d = DLG_Find(ctx->call_id, strlen(ctx->call_id));
		if (d && !ctx->got_2xx) {
			d->late_offer = late;
			d->late_offer_leg = ctx->req_leg;
		}
	}
	ctx->got_2xx = 1;
	ctx->final_sent = 1;
	prx_send_up(ctx, m, body, bodylen);
	prx_cancel_all(ctx, t->branch);
}

static void prx_br_failed(struct txn *t, int status)
{
	struct prx_ctx *ctx = t->owner;

	if (!ctx)
		return;
	prx_branch_final(&ctx->br[t->branch], status, NULL);
}

static void prx_br_destroyed(struct txn *t)
{
	struct prx_ctx *ctx = t->owner;

	if (!ctx)
		return;
	ctx->br[t->branch].t = NULL;
	t->owner = NULL;
	prx_ctx_put(ctx);
}

static const struct txn_ops prx_br_ops = {
	.response = prx_br_response,
	.failed = prx_br_failed,
	.destroyed = prx_br_destroyed,
};

/* Timer C (§16.6 step 11): a branch rang too long */
static void prx_timer_c(struct tmr *t)
{
	struct prx_branch *br = (struct prx_branch *)((char *)t - offsetof(struct prx_branch, t_c));

	struct prx_ctx *ctx = br->ctx;

	if (br->status)
		return;
	if (br->provisional && !br->timer_c_fired) {
		br->timer_c_fired = 1;
		prx_cancel_branch(br);
		TMR_Start(&br->t_c, 64 * SIP_T1);
		return;
	}
	/* no 487 after our CANCEL either: give up on the branch */
	ctx->refs++;
	if (br->t)
		TXN_Orphan(br->t);
	prx_branch_final(br, 408, NULL);
	prx_ctx_put(ctx);
}

/* ---- routing ---- */

/* How many leading Route entries are ours (to be popped, RFC 3261 §16.4) */
static int prx_our_routes(const struct sip_msg *m)
{
	int n = 0;

	while (n < m->nroute && prx_uri_is_us(&m->route[n].uri))
		n++;
	return n;
}

struct prx_target {
	char uri[512];			/* new Request-URI, "" = keep */
	struct tp_peer dst;
};

/*
 * Decide where request m goes (RFC 3261 §16.4, §16.5). Returns 0 with
 * targets filled, or a status to answer with (*reason may be set), or -1
 * when the request was answered here (REGISTER, OPTIONS).
 */
static int prx_route(const struct sip_msg *m, const struct tp_peer *src, struct txn *st,
		     struct prx_target *tg, int *nt, int *npop, const char **reason)
{
	int popped, ruri_us, in_dialog = m->to.tag.len > 0;
	struct dlg *d = NULL;

	*nt = 0;
	*npop = prx_our_routes(m);
	popped = *npop > 0;
	ruri_us = prx_uri_is_us(&m->ruri);

	if (*npop < m->nroute) {
		if (!popped && !ruri_us && !prx_cfg.allow_relay) {
			*reason = "Relaying Denied";
			return 403;
		}
		tg[0].uri[0] = '\0';
		if (REG_ContactTarget(&m->route[*npop].uri, NULL, &tg[0].dst)) {
			*reason = "Cannot Resolve Route";
			return 404;
		}
		*nt = 1;
		return 0;
	}
	if (!ruri_us) {
		if (!prx_cfg.allow_relay && !(popped && in_dialog)) {
			*reason = "Relaying Denied";
			return 403;
		}
		/* a UA behind NAT is reached where its dialog's requests came from */
		d = DLG_Find(m->call_id.s, m->call_id.len);
		if (d && !strncmp(d->a_contact, m->ruri_raw.s, m->ruri_raw.len) &&
		    strlen(d->a_contact) == m->ruri_raw.len && d->a_peer.proto)
			REG_ContactTarget(&m->ruri, &d->a_peer, &tg[0].dst);
		else if (d && !strncmp(d->b_contact, m->ruri_raw.s, m->ruri_raw.len) &&
			 strlen(d->b_contact) == m->ruri_raw.len && d->b_peer.proto)
			REG_ContactTarget(&m->ruri, &d->b_peer, &tg[0].dst);
		else if (REG_ContactTarget(&m->ruri, NULL, &tg[0].dst)) {
			*reason = "Cannot Resolve Request-URI";
			return 404;
		}
		tg[0].uri[0] = '\0';
		*nt = 1;
		return 0;
	}

	/* for a local domain */
	if (m->method_id == SIP_M_REGISTER) {
		char hdrs[4096];
		struct sip_buf hb;
		int status, stale;

		SB_Init(&hb, hdrs, sizeof(hdrs));
		if (AUTH_Enabled()) {
			status = AUTH_Check(m, AUTH_WWW, m->to.uri.user, &stale, reason);
			if (status == 401) {
				AUTH_Challenge(&hb, AUTH_WWW, stale);
				prx_reply(m, src, st, 401, NULL, hb.p, hb.len);
				return -1;
			}
			if (status) {
				prx_reply(m, src, st, 403, *reason, NULL, 0);
				return -1;
			}
		}
		status = REG_Handle(m, src, time(NULL), &hb, reason);
		prx_reply(m, src, st, status, *reason, hb.overflow ? NULL : hb.p, hb.len);
		return -1;
	}
	if (m->method_id == SIP_M_OPTIONS && (!m->ruri.user.len || m->max_forwards == 0)) {
		static const char hdrs[] = "Allow: " SIP_ALLOW "\r\n"
					   "Accept: application/sdp\r\n"
					   "Accept-Encoding: identity\r\n"
					   "Accept-Language: en\r\n"
					   "Supported: \r\n";

		prx_reply(m, src, st, 200, NULL, hdrs, sizeof(hdrs) - 1);
		return -1;
	}
	if (in_dialog) {
		/* a UA that put us in its target instead of its route set */
		d = DLG_Find(m->call_id.s, m->call_id.len);
		if (d) {
			int from_a = m->from.tag.len == strlen(d->a_tag) &&
				     !memcmp(m->from.tag.s, d->a_tag, m->from.tag.len);
			const char *c = from_a ? d->b_contact : d->a_contact;
			struct sip_uri u;

			if (!URI_Parse(&u, c, strlen(c)) &&
			    !REG_ContactTarget(&u, from_a ? &d->b_peer : &d->a_peer, &tg[0].dst)) {
				snprintf(tg[0].uri, sizeof(tg[0].uri), "%s", c);
				*nt = 1;
				return 0;
			}
		}
	}
	if (!m->ruri.user.len) {
		if (m->method_id == SIP_M_OPTIONS)
			return 200;
		*reason = "No User In Request-URI";
		return 404;
	}
	{
		struct reg_target rt[REG_MAX_BINDINGS];
		int i, n = REG_Lookup(m->ruri.user, time(NULL), rt, REG_MAX_BINDINGS);

		if (!n) {
			if (AUTH_UserKnown(m->ruri.user) || REG_Known(m->ruri.user))
				return 480;
			return 404;
		}
		for (i = 0; i < n; i++) {
			memcpy(tg[i].uri, rt[i].uri, sizeof(tg[i].uri));
			tg[i].uri[sizeof(tg[i].uri) - 1] = '\0';
			tg[i].dst = rt[i].dst;
		}
		*nt = n;
	}
	return 0;
}

/* ---- caller authentication ---- */

/*
 * Which leg of dialog d sent m: MED_LEG_A or MED_LEG_B, -1 when its tags
 * are not the dialog's. Both tags must match: a forked INVITE answered
 * twice has a second dialog under the same Call-ID, which the caller ends
 * at once; its BYE must not end the call that was kept.
 */
static int prx_dialog_leg(const struct sip_msg *m, const struct dlg *d)
{
	if (STR_Eq(m->from.tag, STR_C(d->a_tag)) && STR_Eq(m->to.tag, STR_C(d->b_tag)))
		return MED_LEG_A;
	if (STR_Eq(m->from.tag, STR_C(d->b_tag)) && STR_Eq(m->to.tag, STR_C(d->a_tag)))
		return MED_LEG_B;
	return -1;
}

static int prx_auth_calls(void)
{
	return prx_cfg.auth_calls && AUTH_Enabled();
}

/* The From claims one of our domains or addresses (Kamailio's from_uri==myself) */
static int prx_from_is_local(const struct sip_msg *m)
{
	const struct sip_uri *u = &m->from.uri;

	return CNF_IsLocalDomain(u->host) || TP_IsUs(u->host, u->port);
}

/*
 * Does request m need Proxy-Authorization (RFC 3261 §22.3)? Requests that
 * start a dialog or stand alone, whose From claims our domains. Not ACK and
 * CANCEL (they belong to an INVITE that was checked), not REGISTER (the
 * registrar's 401), not an OPTIONS krtpd answers itself, and not in-dialog
 * requests: a To tag, and our Route on top or both tags of a dialog of ours.
 */
static int prx_needs_auth(const struct sip_msg *m)
{
	int npop;

	if (!prx_auth_calls() || m->method_id == SIP_M_ACK || m->method_id == SIP_M_CANCEL ||
	    m->method_id == SIP_M_REGISTER || !prx_from_is_local(m))
		return 0;
	npop = prx_our_routes(m);
	if (m->to.tag.len) {
		struct dlg *d;

		if (npop)
			return 0;
		d = DLG_Find(m->call_id.s, m->call_id.len);
		if (d && prx_dialog_leg(m, d) >= 0)
			return 0;
	}
	/* the OPTIONS prx_route answers: for us, nothing left to route, no user or no hops */
	if (m->method_id == SIP_M_OPTIONS && npop == m->nroute && prx_uri_is_us(&m->ruri) &&
	    (!m->ruri.user.len || m->max_forwards == 0))
		return 0;
	return 1;
}

/* Returns 0 to go on, 1 when the request was answered: 407 challenge or 403 */
static int prx_authorize(const struct sip_msg *m, const struct tp_peer *src, struct txn *st)
{
	const char *reason;
	char hdrs[1024];
	struct sip_buf hb;
	int status, stale;

	if (!prx_needs_auth(m))
		return 0;
	status = AUTH_Check(m, AUTH_PROXY, m->from.uri.user, &stale, &reason);
	if (!status)
		return 0;
	LOG_DEBUG("%.*s from %.*s@%.*s: %d %s", (int)m->method.len, m->method.s,
		  (int)m->from.uri.user.len, m->from.uri.user.s, (int)m->from.uri.host.len,
		  m->from.uri.host.s, status, status == 407 ? "challenged" : reason);
	if (status == 407) {
		SB_Init(&hb, hdrs, sizeof(hdrs));
		AUTH_Challenge(&hb, AUTH_PROXY, stale);
		prx_reply(m, src, st, 407, NULL, hb.overflow ? NULL : hb.p, hb.len);
	} else {
		prx_reply(m, src, st, 403, reason, NULL, 0);
	}
	return 1;
}

/* ---- requests ---- */

/* ACK for a 2xx, and nothing else, is forwarded without a transaction (§16.11) */
static void prx_ack_stateless(const struct sip_msg *m, const struct tp_peer *src)
{
	struct prx_target tg[REG_MAX_BINDINGS];
	const char *reason = NULL;
	char branch[64];
	struct prx_fwd f;
	struct sip_buf b;
	int nt, npop;

	if (m->max_forwards == 0)
		return;
	if (prx_route(m, src, NULL, tg, &nt, &npop, &reason) || nt < 1)
		return;
	/* the same ACK retransmitted gets the same branch */
	snprintf(branch, sizeof(branch), PRX_BRANCH_PFX "%08x.a%llx", prx_loop_hash(m),
		 (unsigned long long)HASH_Fnv(m->via[0].branch.s, m->via[0].branch.len));
	memset(&f, 0, sizeof(f));
	f.ruri = tg[0].uri[0] ? tg[0].uri : NULL;
	f.npop = npop;
	f.branch = branch;
	f.src = src;
	f.dst = &tg[0].dst;
	f.strip_auth = prx_auth_calls();
	if (prx_cfg.media && prx_is_sdp(m)) {
		struct dlg *d = DLG_Find(m->call_id.s, m->call_id.len);
		size_t outlen;

		/* the answer to a late offer; repeated ACKs are answered again, the same */
		if (d && d->late_offer &&
		    !MED_Answer(d->call_id, d->late_offer_leg, (const void *)&src->addr,
				m->body.s, m->body.len, prx_sdp, PRX_BUFSZ, &outlen)) {
			f.body = prx_sdp;
			f.bodylen = outlen;
		}
	}
	SB_Init(&b, prx_buf, PRX_BUFSZ);
	prx_build_request(&b, m, &f);
	prx_send_built(&tg[0].dst, &b);
}

static void prx_cancel(const struct sip_msg *m, const struct tp_peer *src)
{
	struct txn *inv = TXN_ServerFind(m, SIP_M_INVITE);
	struct txn *cst = TXN_ServerNew(m, src);

	if (!inv) {
		prx_reply(m, src, cst, 481, NULL, NULL, 0);
		return;
	}
	prx_reply(m, src, cst, 200, NULL, NULL, 0);
	if (inv->owner) {
		struct prx_ctx *ctx = inv->owner;

		LOG_DEBUG("call %s cancelled", ctx->call_id);
		ctx->cancelled = 1;
		prx_cancel_all(ctx, -1);
	}
}

/* In-dialog bookkeeping: leg, CSeq, BYE; returns the leg the request came from */
static enum med_leg prx_in_dialog(const struct sip_msg *m, const struct tp_peer *src)
{
	struct dlg *d;
	enum med_leg leg;
	int match;

	if (!m->to.tag.len)
		return MED_LEG_A;
	d = DLG_Find(m->call_id.s, m->call_id.len);
	if (!d)
		return MED_LEG_A;
	match = prx_dialog_leg(m, d);
	if (match < 0)
		return MED_LEG_A;
	leg = match;
	if (leg == MED_LEG_A) {
		if (m->cseq > d->a_cseq)
			d->a_cseq = m->cseq;
		d->a_peer = *src;
		d->a_peer.conn = 0;
	} else {
		if (m->cseq > d->b_cseq)
			d->b_cseq = m->cseq;
		d->b_peer = *src;
		d->b_peer.conn = 0;
	}
	if (m->method_id == SIP_M_BYE) {
		LOG_INFO("call %s ended by %s", d->call_id, leg == MED_LEG_A ? "caller" : "callee");
		if (prx_cfg.media)
			MED_Delete(d->call_id);
		DLG_Remove(d);
	} else if (m->method_id == SIP_M_INVITE) {
		DLG_Save(d);
	}
	return leg;
}

static void prx_request(const struct sip_msg *m, const struct tp_peer *src)
{
	struct prx_target tg[REG_MAX_BINDINGS];
	const char *reason = NULL, *body = NULL;
	size_t bodylen = 0;
	struct prx_ctx *ctx;
	struct txn *st;
	enum med_leg leg;
	int i, nt, npop, status;
	uint32_t lh;

	prx_stats.requests++;
	if (m->method_id == SIP_M_ACK) {
		st = TXN_ServerFind(m, SIP_M_INVITE);
		if (!st)
			st = TXN_ServerFindAck(m);
		if (st) {
			/* the ACK of a non-2xx final response ends here (§16.7 step 10) */
			TXN_ServerAck(st);
			return;
		}
		prx_ack_stateless(m, src);
		return;
	}
	st = TXN_ServerFind(m, m->method_id);
	if (st) {
		TXN_ServerRetransmit(st);
		return;
	}
	if (m->method_id == SIP_M_CANCEL) {
		prx_cancel(m, src);
		return;
	}
	st = TXN_ServerNew(m, src);
	if (!st) {
		prx_reply(m, src, NULL, 500, "Out Of Memory", NULL, 0);
		return;
	}
	if (m->method_id == SIP_M_INVITE)
		prx_reply(m, src, st, 100, NULL, NULL, 0);

	/* §16.3 request validation */
	if (m->max_forwards == 0 && m->method_id != SIP_M_OPTIONS) {
		prx_reply(m, src, st, 483, NULL, NULL, 0);
		return;
	}
	if (MSG_Header(m, SIP_H_PROXY_REQUIRE, 0)) {
		const struct sip_hdr *h = MSG_Header(m, SIP_H_PROXY_REQUIRE, 0);
		char hdr[512];
		int n = snprintf(hdr, sizeof(hdr), "Unsupported: %.*s\r\n",
				 (int)(h->value.len < 400 ? h->value.len : 400), h->value.s);

		prx_reply(m, src, st, 420, NULL, hdr, n);
		return;
	}
	lh = prx_loop_hash(m);
	for (i = 0; i < m->nvia; i++) {
		char want[20];

		snprintf(want, sizeof(want), PRX_BRANCH_PFX "%08x", lh);
		if (m->via[i].branch.len > strlen(want) &&
		    !memcmp(m->via[i].branch.s, want, strlen(want)) && prx_via_is_ours(&m->via[i])) {
			prx_reply(m, src, st, 482, NULL, NULL, 0);
			return;
		}
	}

	if (prx_authorize(m, src, st))
		return;
	status = prx_route(m, src, st, tg, &nt, &npop, &reason);
	if (status < 0)
		return;
	if (status) {
		prx_reply(m, src, st, status, reason, NULL, 0);
		return;
	}

	leg = prx_in_dialog(m, src);
	ctx = prx_ctx_new(m, src, st);
	if (!ctx) {
		prx_reply(m, src, st, 500, "Out Of Memory", NULL, 0);
		return;
	}
	st->ops = &prx_st_ops;
	ctx->req_leg = leg;

	if (m->method_id == SIP_M_INVITE && prx_cfg.media && prx_is_sdp(m)) {
		int r = MED_Offer(ctx->call_id, leg, (const void *)&src->addr, m->body.s,
				  m->body.len, prx_sdp, PRX_BUFSZ, &bodylen);

		if (r) {
			status = prx_media_status(r, &reason);
			LOG_WARN("call %s: media offer refused (%s): %d", ctx->call_id, strerror(-r),
				 status);
			ctx->final_sent = 1;
			prx_reply(m, src, st, status, reason, NULL, 0);
			prx_ctx_put(ctx);
			return;
		}
		body = prx_sdp;
		ctx->media_offer = 1;
		ctx->answer_leg = leg == MED_LEG_A ? MED_LEG_B : MED_LEG_A;
	}
	if (ctx->initial_invite)
		LOG_INFO("call %s: INVITE %.*s -> %d target(s)", ctx->call_id,
			 (int)m->ruri_raw.len, m->ruri_raw.s, nt);

	/* §16.6: one copy per target, each in its own client transaction */
	for (i = 0; i < nt; i++) {
		struct prx_branch *br = &ctx->br[ctx->nbranches];
		struct prx_fwd f;
		struct sip_buf b;

		br->ctx = ctx;
		br->dst = tg[i].dst;
		TMR_Setup(&br->t_c, prx_timer_c);
		prx_new_branch(m, br->branch, sizeof(br->branch));
		memset(&f, 0, sizeof(f));
		f.ruri = tg[i].uri[0] ? tg[i].uri : NULL;
		f.npop = npop;
		f.branch = br->branch;
		f.src = src;
		f.dst = &br->dst;
		f.record_route = m->method_id == SIP_M_INVITE && !m->to.tag.len;
		f.strip_auth = prx_auth_calls();
		f.body = body;
		f.bodylen = bodylen;
		SB_Init(&b, prx_buf, PRX_BUFSZ);
		prx_build_request(&b, m, &f);
		if (b.overflow)
			continue;
		br->req = malloc(b.len);
		if (!br->req)
			continue;
		memcpy(br->req, b.p, b.len);
		br->reqlen = b.len;
		ctx->nbranches++;
		br->t = TXN_ClientNew(&br->dst, br->branch, m->method_id, br->req, br->reqlen,
				      &prx_br_ops, ctx, br - ctx->br);
		if (!br->t) {
			br->status = 503;
			continue;
		}
		ctx->refs++;
	}
	if (!ctx->nbranches) {
		ctx->final_sent = 1;
		prx_reply(m, src, st, 500, "Cannot Forward", NULL, 0);
		prx_call_failed(ctx, 500);
	} else {
		prx_check_done(ctx);
	}
	prx_ctx_put(ctx);
}

/* ---- responses ---- */

static void prx_response(const struct sip_msg *m, const struct tp_peer *src)
{
	prx_stats.responses++;
	if (!TXN_ClientResponse(m, src))
		return;
	/* no transaction: a 2xx retransmission, or a stray; forward if it is ours (§16.7) */
	if (!m->nvia || !prx_via_is_ours(&m->via[0]))
		return;
	if (m->method_id == SIP_M_INVITE && m->status >= 200 && m->status < 300 &&
	    prx_cfg.media && prx_is_sdp(m)) {
		char cid[256];
		size_t outlen;
		struct dlg *d = DLG_Find(m->call_id.s, m->call_id.len);

		snprintf(cid, sizeof(cid), "%.*s", (int)m->call_id.len, m->call_id.s);
		if (d) {
			enum med_leg leg = m->to.tag.len == strlen(d->b_tag) &&
					   !memcmp(m->to.tag.s, d->b_tag, m->to.tag.len) ?
					   MED_LEG_B : MED_LEG_A;

			if (!MED_Answer(cid, leg, (const void *)&src->addr, m->body.s, m->body.len,
					prx_sdp, PRX_BUFSZ, &outlen)) {
				prx_forward_stateless_response(m, prx_sdp, outlen);
				return;
			}
		}
	}
	prx_forward_stateless_response(m, NULL, 0);
}

void PRX_Receive(const char *buf, size_t len, const struct tp_peer *src)
{
	struct sip_msg m;

	if (MSG_Parse(&m, buf, len)) {
		char a[64];

		prx_stats.bad++;
		TP_AddrStr(&src->addr, a, sizeof(a));
		if (MSG_CanReply(&m)) {
			int status = m.err && !strcmp(m.err, "Unsupported URI Scheme") ? 416 : 400;

			LOG_DEBUG("bad request from %s: %s", a, m.err);
			prx_reply(&m, src, NULL, status, status == 416 ? NULL : m.err, NULL, 0);
		} else {
			LOG_Drop(m.err ? m.err : "unparsable", a);
		}
		return;
	}
	if (m.request)
		prx_request(&m, src);
	else
		prx_response(&m, src);
}

void PRX_Oversize(const char *buf, size_t len, const struct tp_peer *src)
{
	struct sip_msg m;
	char a[64];

	prx_stats.bad++;
	MSG_Parse(&m, buf, len);	/* fails on the Content-Length; the rest is known */
	TP_AddrStr(&src->addr, a, sizeof(a));
	LOG_Drop("message too large", a);
	if (MSG_CanReply(&m))
		prx_reply(&m, src, NULL, 413, NULL, NULL, 0);
}

/* ---- media inactivity ---- */

static void prx_route_first(const char *route, struct sip_uri *u, char *buf, size_t sz)
{
	const char *s = strchr(route, '<'), *e = s ? strchr(s, '>') : NULL;

	memset(u, 0, sizeof(*u));
	if (!s || !e || (size_t)(e - s) >= sz)
		return;
	memcpy(buf, s + 1, e - s - 1);
	buf[e - s - 1] = '\0';
	URI_Parse(u, buf, strlen(buf));
}

static void prx_send_bye(struct dlg *d, int to_b)
{
	const char *contact = to_b ? d->b_contact : d->a_contact;
	const char *route = to_b ? d->b_route : d->a_route;
	struct tp_peer *hint = to_b ? &d->b_peer : &d->a_peer;
	char routebuf[512], local[80], branch[64];
	struct tp_peer dst;
	struct sip_uri u;
	struct sip_buf b;

	if (!contact[0])
		return;
	if (route[0]) {
		prx_route_first(route, &u, routebuf, sizeof(routebuf));
		if (!u.host.len || REG_ContactTarget(&u, NULL, &dst))
			return;
	} else {
		if (URI_Parse(&u, contact, strlen(contact)) ||
		    REG_ContactTarget(&u, hint->proto ? hint : NULL, &dst))
			return;
	}
	if (TP_LocalFor(&dst, local, sizeof(local)))
		return;
	snprintf(branch, sizeof(branch), PRX_BRANCH_PFX "bye.%lx", ++prx_branch_seq);
	SB_Init(&b, prx_buf, PRX_BUFSZ);
	SB_Addf(&b, "BYE %s SIP/2.0\r\nVia: SIP/2.0/%s %s;branch=%s\r\n", contact,
		TP_ProtoName(dst.proto), local, branch);
	if (route[0])
		SB_Addf(&b, "Route: %s\r\n", route);
	SB_Addf(&b, "Max-Forwards: 70\r\nFrom: %s\r\nTo: %s\r\nCall-ID: %s\r\n"
		"CSeq: %u BYE\r\nReason: SIP;cause=408;text=\"media timeout\"\r\n"
		"User-Agent: " SIP_SERVER "\r\nContent-Length: 0\r\n\r\n",
		to_b ? d->a_from : d->b_to, to_b ? d->b_to : d->a_from, d->call_id,
		(to_b ? d->a_cseq : d->b_cseq) + 1);
	if (!b.overflow)
		TXN_ClientNew(&dst, branch, SIP_M_BYE, b.p, b.len, NULL, NULL, 0);
}

void PRX_EndCall(const char *call_id, const char *why)
{
	struct dlg *d = DLG_Find(call_id, strlen(call_id));

	LOG_INFO("call %s: %s, tearing it down", call_id, why);
	if (prx_cfg.media)
		MED_Delete(call_id);
	if (!d)
		return;
	prx_send_bye(d, 1);
	prx_send_bye(d, 0);
	DLG_Remove(d);
}

void PRX_ForEachPending(void (*cb)(const struct prx_pending *p, void *arg), void *arg)
{
	struct prx_ctx *ctx;
	uint64_t now = TMR_Now();

	for (ctx = prx_pending.next; ctx != &prx_pending; ctx = ctx->next) {
		char from[256], to[256];
		struct prx_pending p;
		struct sip_msg *m;

		if (ctx->final_sent)
			continue;
		m = prx_ctx_msg(ctx);
		if (!m)
			continue;
		snprintf(from, sizeof(from), "%.*s", (int)m->from.uri_raw.len, m->from.uri_raw.s);
		snprintf(to, sizeof(to), "%.*s", (int)m->to.uri_raw.len, m->to.uri_raw.s);
		free(m);
		p.call_id = ctx->call_id;
		p.from = from;
		p.to = to;
		p.status = ctx->best_provisional;
		p.age = (now - ctx->started) / 1000.0;
		cb(&p, arg);
	}
}

void PRX_GetStats(struct prx_stats *s)
{
	*s = prx_stats;
}

int PRX_Init(const struct prx_config *cfg)
{
	prx_cfg = *cfg;
	prx_buf = malloc(PRX_BUFSZ);
	prx_sdp = malloc(PRX_BUFSZ);
	if (!prx_buf || !prx_sdp)
		return -ENOMEM;
	return 0;
}

void PRX_Fini(void)
{
	free(prx_buf);
	free(prx_sdp);
	prx_buf = prx_sdp = NULL;
}
