// SPDX-License-Identifier: GPL-2.0
/*
 * Forwarding and forking (RFC 3261 §16.6, §16.7): a request that krtpd
 * forwards gets a context (struct prx_ctx) tying its server transaction to
 * one client transaction per branch; responses from the branches are
 * collected, the best final one goes up, CANCEL and Timer C end branches.
 *
 * Lifetimes: the context is reference-counted. prx_ctx_new gives one
 * reference to its caller and one to the server transaction; each client
 * transaction created in prx_fork holds one. Transactions drop theirs in
 * their txn_ops.destroyed callbacks (prx_st_destroyed, prx_br_destroyed),
 * which also clear ctx->st / br->t and the transaction's owner; the last
 * prx_ctx_put frees the context with its branches' request copies and the
 * best response. Timer C takes a reference around the code that may end
 * the branch's transaction. A CANCEL's client transaction has no owner.
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
#include "limits.h"
#include "proxy_internal.h"
#include "registrar.h"
#include "txn.h"

static struct prx_ctx prx_pending = { .prev = &prx_pending, .next = &prx_pending };

/*
 * The request of ctx, parsed into a heap buffer the caller frees. Contexts
 * keep only the bytes: a parsed message is 17 KB, and the rare paths that
 * need one (a locally generated final, a new dialog) can parse again.
 */
/*
 * The request of ctx, parsed into a heap buffer the caller frees. Contexts
 * keep only the bytes: a parsed message is 17 KB, and the rare paths that
 * need one (a locally generated final, a new dialog) can parse again.
 */
struct sip_msg *prx_ctx_msg(const struct prx_ctx *ctx)
{
	struct sip_msg *m = malloc(sizeof(*m));

	if (m && MSG_Parse(m, ctx->req, ctx->reqlen)) {
		free(m);
		return NULL;
	}
	return m;
}

/* Forward a branch's response upstream, through the server transaction if it lives. */
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

/* ---- contexts ---- */

static void prx_timer_c(struct tmr *t);
static const struct txn_ops prx_st_ops;

struct prx_ctx *prx_ctx_new(const struct sip_msg *m, const struct tp_peer *src,
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
		st->ops = &prx_st_ops;
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

void prx_ctx_put(struct prx_ctx *ctx)
{
	int i;

	if (--ctx->refs)
		return;
	if (ctx->lim_counted)
		LIM_CallEnd(&ctx->src.addr);
	if (ctx->next) {
		ctx->prev->next = ctx->next;
		ctx->next->prev = ctx->prev;
	}
	for (i = 0; i < ctx->nbranches; i++) {
		TMR_Stop(&ctx->br[i].t_c);
		free(ctx->br[i].req);
		prx_dns_free(ctx->br[i].dns);
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

	/* only an INVITE is cancelled (§9.1): other branches run to their end */
	if (br->cancelled || br->status || br->ctx->method != SIP_M_INVITE)
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

void prx_call_failed(struct prx_ctx *ctx, int status)
{
	if (!ctx->initial_invite)
		return;
	prx_stats.calls_failed++;
	LOG_INFO("call %s failed: %d", ctx->call_id, status);
	if (ctx->media_offer && !DLG_Find(ctx->call_id, strlen(ctx->call_id)))
		MED_Delete(ctx->call_id);
}

/* All branches done and nothing final sent yet: send the best response. */
void prx_check_done(struct prx_ctx *ctx)
{
	struct sip_msg *m;
	int i;

	if (ctx->final_sent || ctx->dns_waiting)
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

/*
 * br failed and its request went on to the next address of the same name:
 * it is done, but its status is not a candidate for the best response.
 */
static void prx_branch_superseded(struct prx_branch *br, int status)
{
	br->status = status;
	TMR_Stop(&br->t_c);
}

/*
 * The SDP in branch br's response m answers the offer we anchored: have
 * media rewrite it to the relay and point *body at the result. 0, or the
 * media layer's -errno with *body left alone (m goes up unchanged).
 */
static int prx_answer_sdp(struct prx_ctx *ctx, struct prx_branch *br, const struct sip_msg *m,
			  const char **body, size_t *bodylen)
{
	size_t outlen;
	int r = MED_Answer(ctx->call_id, ctx->answer_leg, (const void *)&br->dst.addr, m->body.s,
			   m->body.len, prx_sdp, PRX_BUFSZ, &outlen);

	/*
	 * Not an answer (the exchange was completed by a reliable 18x or an
	 * UPDATE): a repeat of the callee's SDP, which must still show only
	 * the relay, never the callee's own address.
	 */
	if (r == -EINVAL)
		r = MED_Repeat(ctx->call_id, ctx->answer_leg, m->body.s, m->body.len, prx_sdp,
			       PRX_BUFSZ, &outlen);
	if (!r) {
		*body = prx_sdp;
		*bodylen = outlen;
	}
	return r;
}

static void prx_webrtc_answer_refused(struct prx_ctx *ctx, struct prx_branch *br,
				      const struct sip_msg *m)
{
	static const char warning[] = "Warning: 399 krtpd \"WebRTC answer needs a=fingerprint, "
				      "a=ice-ufrag, a=ice-pwd and a=setup active or passive\"\r\n";
	struct sip_msg *inv;

	prx_refuse_2xx(&br->dst, m, "WebRTC answer without DTLS-SRTP");
	ctx->final_sent = 1;
	prx_cancel_all(ctx, (int)(br - ctx->br));
	prx_call_failed(ctx, 488);
	inv = ctx->st ? prx_ctx_msg(ctx) : NULL;
	if (inv)
		prx_reply(inv, &ctx->src, ctx->st, 488, NULL, warning, sizeof(warning) - 1);
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
		if (ctx->media_offer && prx_is_sdp(m))
			prx_answer_sdp(ctx, br, m, &body, &bodylen);
		if (m->status > ctx->best_provisional)
			ctx->best_provisional = m->status;
		prx_send_up(ctx, m, body, bodylen);
		return;
	}
	if (m->status >= 300) {
		/* RFC 3263 §4.3: a 503 sends the request to the name's next address */
		if (m->status == 503 && prx_dns_failover(br)) {
			prx_branch_superseded(br, m->status);
			return;
		}
		prx_branch_final(br, m->status, m);
		return;
	}
	/* 2xx: forwarded, always (§16.7 step 5) */
	br->status = m->status;
	TMR_Stop(&br->t_c);
	if (ctx->method == SIP_M_UPDATE && ctx->media_offer && prx_is_sdp(m)) {
		/* the answer to an UPDATE's offer (RFC 3311), as to a re-INVITE's */
		int r = prx_answer_sdp(ctx, br, m, &body, &bodylen);

		if (r)
			LOG_WARN("call %s: media answer to UPDATE refused (%s)", ctx->call_id,
				 strerror(-r));
	}
	if (ctx->method == SIP_M_INVITE) {
		/* a second 2xx of a fork goes up as it is: the caller ends that dialog */
		if (ctx->media_offer && prx_is_sdp(m) && !ctx->got_2xx) {
			int r = prx_answer_sdp(ctx, br, m, &body, &bodylen);

			if (r)
				LOG_WARN("call %s: media answer refused (%s)", ctx->call_id,
					 strerror(-r));
			/*
			 * the WebRTC callee krtpd offered DTLS-SRTP answered without
			 * what it needs (a=fingerprint, ICE): the call fails, the
			 * caller sees a 488 and never the callee's SDP
			 */
			if (r == -EPROTO && ctx->initial_invite) {
				prx_webrtc_answer_refused(ctx, br, m);
				return;
			}
		} else if (!ctx->media_offer && prx_cfg.media && prx_is_sdp(m) &&
			   !ctx->got_2xx) {
			/* late offer (RFC 3261 §13.2.1): the 2xx offers, the ACK answers */
			enum med_leg from = ctx->req_leg == MED_LEG_A ? MED_LEG_B : MED_LEG_A;
			size_t outlen;
			/* the caller sees the relay in the family it called over */
			int r = MED_OfferTo(ctx->call_id, from, ctx->srtp, ctx->src.addr.ss_family,
					    (const void *)&br->dst.addr, m->body.s, m->body.len,
					    prx_sdp, PRX_BUFSZ, &outlen);

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
	/* a timeout (Timer B/F) or a failed send: the name's next address, if any */
	if (prx_dns_failover(&ctx->br[t->branch])) {
		prx_branch_superseded(&ctx->br[t->branch], status);
		return;
	}
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

/* ---- requests ---- */

/*
 * Forward m to dst as a new branch of ctx (§16.6). Returns the branch, or
 * NULL when no copy could be built; a branch whose client transaction
 * could not be created is counted, with status 503.
 */
struct prx_branch *prx_branch_start(struct prx_ctx *ctx, const struct sip_msg *m,
				    const struct tp_peer *dst, const char *ruri, const char *route,
				    int npop, const char *body, size_t bodylen)
{
	struct prx_branch *br;
	struct prx_fwd f;
	struct sip_buf b;

	if (ctx->nbranches >= REG_MAX_BINDINGS)
		return NULL;
	br = &ctx->br[ctx->nbranches];
	memset(br, 0, sizeof(*br));
	br->ctx = ctx;
	br->dst = *dst;
	TMR_Setup(&br->t_c, prx_timer_c);
	prx_new_branch(m, br->branch, sizeof(br->branch));
	memset(&f, 0, sizeof(f));
	f.ruri = ruri && ruri[0] ? ruri : NULL;
	f.npop = npop;
	f.branch = br->branch;
	f.src = &ctx->src;
	f.dst = &br->dst;
	/* requests that create a dialog: its in-dialog requests come through us */
	f.record_route = !m->to.tag.len && (m->method_id == SIP_M_INVITE ||
					    m->method_id == SIP_M_SUBSCRIBE ||
					    m->method_id == SIP_M_REFER);
	f.strip_auth = prx_auth_calls();
	f.body = body;
	f.bodylen = bodylen;
	f.route = route && route[0] ? route : NULL;
	SB_Init(&b, prx_buf, PRX_BUFSZ);
	prx_build_request(&b, m, &f);
	if (b.overflow)
		return NULL;
	br->req = malloc(b.len);
	if (!br->req)
		return NULL;
	memcpy(br->req, b.p, b.len);
	br->reqlen = b.len;
	ctx->nbranches++;
	br->t = TXN_ClientNew(&br->dst, br->branch, m->method_id, br->req, br->reqlen,
			      &prx_br_ops, ctx, br - ctx->br);
	if (!br->t) {
		br->status = 503;
		return br;
	}
	ctx->refs++;
	return br;
}

/* §16.6: one copy per target, each in its own client transaction */
void prx_fork(struct prx_ctx *ctx, const struct sip_msg *m, const struct tp_peer *src,
	      struct txn *st, const struct prx_target *tg, int nt, int npop,
	      const char *body, size_t bodylen)
{
	int i;

	for (i = 0; i < nt; i++) {
		if (tg[i].by_name)
			prx_dns_fork(ctx, m, &tg[i], npop, body, bodylen);
		else
			prx_branch_start(ctx, m, &tg[i].dst, tg[i].uri, tg[i].route, npop, body,
					 bodylen);
	}
	if (ctx->final_sent || ctx->dns_waiting)
		return;
	if (!ctx->nbranches) {
		ctx->final_sent = 1;
		prx_reply(m, src, st, 500, "Cannot Forward", NULL, 0);
		prx_call_failed(ctx, 500);
	} else {
		prx_check_done(ctx);
	}
}

void prx_cancel(const struct sip_msg *m, const struct tp_peer *src)
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

/*
 * In an early dialog (no struct dlg before the INVITE's 2xx), is request m
 * the callee's? Then its To tag is the From tag of the pending INVITE.
 */
int prx_early_from_callee(const struct sip_msg *m)
{
	struct prx_ctx *ctx;

	for (ctx = prx_pending.next; ctx != &prx_pending; ctx = ctx->next) {
		struct sip_msg *inv;
		int r;

		if (!STR_Eq(m->call_id, STR_C(ctx->call_id)))
			continue;
		inv = prx_ctx_msg(ctx);
		if (!inv)
			continue;
		r = inv->from.tag.len && STR_Eq(m->to.tag, inv->from.tag);
		free(inv);
		if (r)
			return 1;
	}
	return 0;
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
