// SPDX-License-Identifier: GPL-2.0
/*
 * Stateful proxy core (RFC 3261 §16): request routing.
 *
 * PRX_Receive parses a message; a request is validated (§16.3), its caller
 * authorized (proxy_auth.c), and its targets chosen here (§16.4, §16.5:
 * our Route entries, a dialog's peer, the registrar's bindings, or krtpd
 * itself for REGISTER and OPTIONS); proxy_fork.c then forwards it. A
 * response without a transaction goes on statelessly from here.
 *
 * Lifetimes (see proxy_internal.h): prx_request holds the reference that
 * prx_ctx_new returns until it has forked, then drops it; a request
 * answered here never gets a context. Parsed messages are on the stack
 * and live for one call.
 *
 * Media: the offer (INVITE or re-INVITE with SDP) is rewritten by
 * MED_Offer before it is forwarded, the answer (18x/2xx with SDP) by
 * MED_Answer (proxy_fork.c); BYE and a failed initial INVITE call
 * MED_Delete.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <arpa/inet.h>

#include "../config.h"
#include "../hash.h"
#include "../log.h"
#include "../media.h"
#include "auth.h"
#include "build.h"
#include "dialog.h"
#include "limits.h"
#include "natping.h"
#include "proxy_internal.h"
#include "registrar.h"
#include "srtp_policy.h"
#include "stats.h"
#include "txn.h"

struct prx_config prx_cfg;
struct prx_stats prx_stats;
unsigned long prx_branch_seq;
char *prx_buf;
char *prx_sdp;

/* ---- helpers ---- */

int prx_via_is_ours(const struct sip_via *v)
{
	return v->branch.len > sizeof(PRX_BRANCH_PFX) - 1 &&
	       !memcmp(v->branch.s, PRX_BRANCH_PFX, sizeof(PRX_BRANCH_PFX) - 1) &&
	       TP_IsUs(v->host, v->port);
}

/* RFC 3261 §16.6 step 8: a hash of what identifies the request, for loop detection */
uint32_t prx_loop_hash(const struct sip_msg *m)
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

void prx_new_branch(const struct sip_msg *m, char *out, size_t sz)
{
	snprintf(out, sz, PRX_BRANCH_PFX "%08x.%lx", prx_loop_hash(m), ++prx_branch_seq);
}

/* ---- media glue ---- */

/* The status, reason and Warning (RFC 3261 §20.43) for a refused offer */
/*
 * The address family a request to tg reaches its target over: its resolved
 * address, or an IP literal it names; 0 when only DNS will tell (the media
 * offer then keeps its own family).
 */
static int prx_target_family(const struct prx_target *tg)
{
	char host[sizeof(tg->name.host)];
	unsigned char buf[sizeof(struct in6_addr)];
	size_t n;

	if (!tg->by_name)
		return tg->dst.addr.ss_family;
	n = strlen(tg->name.host);
	if (n > 2 && tg->name.host[0] == '[' && tg->name.host[n - 1] == ']') {
		memcpy(host, tg->name.host + 1, n - 2);
		host[n - 2] = '\0';
	} else {
		memcpy(host, tg->name.host, n + 1);
	}
	if (inet_pton(AF_INET6, host, buf) == 1)
		return AF_INET6;
	if (inet_pton(AF_INET, host, buf) == 1)
		return AF_INET;
	return 0;
}

/*
 * Is the callee WebRTC? RFC 7118 clients are browsers (and WebRTC stacks
 * like them): a request whose every target is a binding or dialog peer
 * reached over WebSocket (ws or wss) gets a WebRTC offer from krtpd. With
 * targets of mixed transports the plain offer goes to all of them, and
 * with ws_webrtc = no (WebSocket phones that do plain RTP) to every one.
 */
static int prx_targets_webrtc(const struct prx_target *tg, int nt)
{
	int i;

	if (!prx_cfg.ws_webrtc)
		return 0;
	for (i = 0; i < nt; i++)
		if (tg[i].by_name || (tg[i].dst.proto != TP_WS && tg[i].dst.proto != TP_WSS))
			return 0;
	return nt > 0;
}

static int prx_media_status(int err, const char **reason, const char **warning)
{
	*warning = NULL;
	if (err == -EPROTONOSUPPORT) {
		/* srtp = require */
		*reason = NULL;
		*warning = "Warning: 302 krtpd \"SRTP required: offer RTP/SAVP with a=crypto\"\r\n";
		return 488;
	}
	if (err == -EOPNOTSUPP) {
		/* srtp = bridge, and no a=crypto krtpd can terminate */
		*reason = NULL;
		*warning = "Warning: 305 krtpd \"no supported SRTP crypto suite: want "
			   "AES_CM_128_HMAC_SHA1_80, AES_CM_128_HMAC_SHA1_32 or AEAD_AES_128_GCM "
			   "without MKI\"\r\n";
		return 488;
	}
	if (err == -EPROTO) {
		/* a WebRTC (DTLS-SRTP) offer krtpd cannot terminate */
		*reason = NULL;
		*warning = "Warning: 399 krtpd \"DTLS-SRTP offer needs a=fingerprint, "
			   "a=ice-ufrag and a=ice-pwd\"\r\n";
		return 488;
	}
	if (err == -ENOKEY) {
		*reason = NULL;
		*warning = "Warning: 399 krtpd \"SRTP keys of this call were lost in a restart; "
			   "its media goes on unchanged\"\r\n";
		return 488;
	}
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

/* ---- routing ---- */

/* How many leading Route entries are ours (to be popped, RFC 3261 §16.4) */
int prx_our_routes(const struct sip_msg *m)
{
	int n = 0;

	while (n < m->nroute && CNF_UriIsUs(&m->route[n].uri))
		n++;
	return n;
}

/*
 * Decide where request m goes (RFC 3261 §16.4, §16.5). Returns 0 with
 * targets filled, or a status to answer with (*reason may be set), or -1
 * when the request was answered here (REGISTER, OPTIONS).
 */
int prx_route(const struct sip_msg *m, const struct tp_peer *src, struct txn *st,
	      struct prx_target *tg, int *nt, int *npop, const char **reason)
{
	int popped, ruri_us, in_dialog = m->to.tag.len > 0;
	struct dlg *d = NULL;

	*nt = 0;
	tg[0].by_name = 0;
	tg[0].trunk = 0;
	tg[0].route[0] = '\0';
	*npop = prx_our_routes(m);
	popped = *npop > 0;
	ruri_us = CNF_UriIsUs(&m->ruri);

	if (*npop < m->nroute) {
		if (!popped && !ruri_us && !prx_cfg.allow_relay) {
			*reason = "Relaying Denied";
			return 403;
		}
		tg[0].uri[0] = '\0';
		/* not an address: RFC 3263 */
		if (REG_ContactTarget(&m->route[*npop].uri, NULL, &tg[0].dst))
			prx_target_name(&tg[0], &m->route[*npop].uri);
		*nt = 1;
		return 0;
	}
	if (!ruri_us) {
		/* the trunk takes calls to other domains from our users */
		int trunk = CNF_Get()->trunk[0] && !in_dialog &&
			    (prx_cfg.allow_relay || prx_from_is_local(m));

		if (!prx_cfg.allow_relay && !(popped && in_dialog) && !trunk) {
			*reason = "Relaying Denied";
			return 403;
		}
		/* a UA behind NAT is reached where its dialog's requests came from */
		d = DLG_Find(m->call_id.s, m->call_id.len);
		if (d && !strncmp(d->a_contact, m->ruri_raw.s, m->ruri_raw.len) &&
		    strlen(d->a_contact) == m->ruri_raw.len && d->a_peer.proto) {
			REG_ContactTarget(&m->ruri, &d->a_peer, &tg[0].dst);
			prx_dialog_flow(&tg[0].dst, d->a_from, &m->ruri);
		} else if (d && !strncmp(d->b_contact, m->ruri_raw.s, m->ruri_raw.len) &&
			   strlen(d->b_contact) == m->ruri_raw.len && d->b_peer.proto) {
			REG_ContactTarget(&m->ruri, &d->b_peer, &tg[0].dst);
			prx_dialog_flow(&tg[0].dst, d->b_to, &m->ruri);
		} else if (trunk && !prx_trunk_target(m, &tg[0], 1))
			;
		else if (REG_ContactTarget(&m->ruri, NULL, &tg[0].dst))
			prx_target_name(&tg[0], &m->ruri);	/* RFC 3263 */
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
				AUTH_Challenge(&hb, AUTH_WWW, m->to.uri.user, stale);
				prx_reply(m, src, st, 401, NULL, hb.p, hb.len);
				return -1;
			}
			if (status) {
				if (status == 403)
					LIM_AuthFailed(&src->addr);
				prx_reply(m, src, st, status, *reason, NULL, 0);
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
		static const char allow[] = "Allow: " PRX_ALLOW_SELF "\r\n";

		if (m->method_id == SIP_M_OPTIONS)
			return 200;
		if (in_dialog)
			return 481;	/* no dialog of ours, nothing to route on */
		/* for krtpd itself, which handles REGISTER and OPTIONS only (§21.4.6) */
		prx_reply(m, src, st, 405, NULL, allow, sizeof(allow) - 1);
		return -1;
	}
	{
		struct reg_target rt[REG_MAX_BINDINGS];
		int i, n = REG_Lookup(m->ruri.user, time(NULL), rt, REG_MAX_BINDINGS);

		if (!n) {
			if (AUTH_UserKnown(m->ruri.user) || REG_Known(m->ruri.user))
				return 480;
			/* a number we do not serve, from one of our users: the trunk */
			if (prx_from_is_local(m) && !prx_trunk_target(m, &tg[0], 0)) {
				*nt = 1;
				return 0;
			}
			return 404;
		}
		for (i = 0; i < n; i++) {
			tg[i].by_name = 0;
			memcpy(tg[i].uri, rt[i].uri, sizeof(tg[i].uri));
			tg[i].uri[sizeof(tg[i].uri) - 1] = '\0';
			memcpy(tg[i].route, rt[i].route, sizeof(tg[i].route));
			tg[i].route[sizeof(tg[i].route) - 1] = '\0';
			tg[i].dst = rt[i].dst;
		}
		*nt = n;
	}
	return 0;
}

/* ---- requests ---- */

/* the 503s of the caps (limits.h): when to try again */
static const char prx_retry_after[] = "Retry-After: " LIM_RETRY_AFTER_S "\r\n";

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
	/* over max_transactions, new requests wait; in-dialog ones (BYE) must pass */
	if (!m->to.tag.len && !LIM_TxnAllowed(&src->addr, TXN_Count())) {
		prx_reply(m, src, NULL, 503, "Too Many Transactions", prx_retry_after,
			  sizeof(prx_retry_after) - 1);
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
	ctx->req_leg = leg;
	ctx->srtp = SRP_Policy(m, nt > 0 && tg[0].trunk);
	/* before its media takes relay ports: the source's calls being set up */
	if (ctx->initial_invite) {
		int r = LIM_CallBegin(&src->addr);

		if (r < 0) {
			ctx->final_sent = 1;
			prx_reply(m, src, st, 503, "Too Many Calls", prx_retry_after,
				  sizeof(prx_retry_after) - 1);
			prx_ctx_put(ctx);
			return;
		}
		ctx->lim_counted = r;
	}

	/* an UPDATE offers like a re-INVITE (RFC 3311), for a call media anchors */
	if (prx_cfg.media && prx_is_sdp(m) && (m->method_id == SIP_M_INVITE ||
	    (m->method_id == SIP_M_UPDATE && m->to.tag.len && MED_Has(ctx->call_id)))) {
		const char *warning;
		int r;

		/* the callee sees the relay in the family it is reached over (first target) */
		r = MED_OfferWebrtc(ctx->call_id, leg, ctx->srtp,
				    nt > 0 ? prx_target_family(&tg[0]) : 0,
				    prx_targets_webrtc(tg, nt), (const void *)&src->addr,
				    m->body.s, m->body.len, prx_sdp, PRX_BUFSZ, &bodylen);
		if (r) {
			status = prx_media_status(r, &reason, &warning);
			LOG_WARN("call %s: media offer refused (%s, srtp = %s): %d", ctx->call_id,
				 strerror(-r), SRP_Name(ctx->srtp), status);
			ctx->final_sent = 1;
			prx_reply(m, src, st, status, reason, warning,
				  warning ? strlen(warning) : 0);
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
	prx_fork(ctx, m, src, st, tg, nt, npop, body, bodylen);
	prx_ctx_put(ctx);
}

/* ---- responses ---- */

static void prx_response(const struct sip_msg *m, const struct tp_peer *src)
{
	prx_stats.responses++;
	if (NATP_Response(m))
		return;		/* a UA behind NAT answered our ping */
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
			int status = m.err == MSG_ERR_VERSION ? 505 :
				     m.err && !strcmp(m.err, "Unsupported URI Scheme") ? 416 : 400;

			LOG_DEBUG("bad request from %s: %s", a, m.err);
			prx_reply(&m, src, NULL, status, status == 400 ? m.err : NULL, NULL, 0);
		} else {
			LOG_Drop(m.err ? m.err : "unparsable", a);
		}
		return;
	}
	SST_Received(&m);
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

void PRX_GetStats(struct prx_stats *s)
{
	*s = prx_stats;
}

int PRX_Init(const struct prx_config *cfg)
{
	prx_cfg = *cfg;
	SST_Init();
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
