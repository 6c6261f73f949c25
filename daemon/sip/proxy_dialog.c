// SPDX-License-Identifier: GPL-2.0
/*
 * Dialogs and in-dialog requests: the dialog an initial INVITE's 2xx
 * creates (route sets from Record-Route, RFC 3261 §12.1.2), the leg an
 * in-dialog request comes from, the ACK of a 2xx (forwarded statelessly,
 * §16.11), BYE, and the BYEs krtpd sends itself when media goes idle.
 *
 * Lifetimes: struct dlg belongs to dialog.c; a pointer from DLG_Find is used
 * within one call and never kept. DLG_Remove (BYE, PRX_EndCall) frees it,
 * so nothing may use d after that. krtpd's own BYEs are client
 * transactions without an owner: they finish alone.
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
#include "proxy_internal.h"
#include "registrar.h"
#include "txn.h"

/*
 * Which leg of dialog d sent m: MED_LEG_A or MED_LEG_B, -1 when its tags
 * are not the dialog's. Both tags must match: a forked INVITE answered
 * twice has a second dialog under the same Call-ID, which the caller ends
 * at once; its BYE must not end the call that was kept.
 */
int prx_dialog_leg(const struct sip_msg *m, const struct dlg *d)
{
	if (STR_Eq(m->from.tag, STR_C(d->a_tag)) && STR_Eq(m->to.tag, STR_C(d->b_tag)))
		return MED_LEG_A;
	if (STR_Eq(m->from.tag, STR_C(d->b_tag)) && STR_Eq(m->to.tag, STR_C(d->a_tag)))
		return MED_LEG_B;
	return -1;
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

void prx_dialog_create(struct prx_ctx *ctx, struct prx_branch *br, const struct sip_msg *r)
{
	struct sip_msg *inv = prx_ctx_msg(ctx);
	char a_route[1024] = "", b_route[1024] = "";
	char *ac, *bc, *af, *bt, *at, *btag;
	int first = -1, last = -1, i;
	struct dlg_init in;

	if (!inv)
		return;
	for (i = 0; i < r->nrr; i++) {
		if (CNF_UriIsUs(&r->rr[i].uri)) {
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

/* In-dialog bookkeeping: leg, CSeq, BYE; returns the leg the request came from */
enum med_leg prx_in_dialog(const struct sip_msg *m, const struct tp_peer *src)
{
	struct dlg *d;
	enum med_leg leg;
	int match;

	if (!m->to.tag.len)
		return MED_LEG_A;
	d = DLG_Find(m->call_id.s, m->call_id.len);
	if (!d)
		/* an early dialog (PRACK, UPDATE): the pending INVITE names the caller */
		return prx_early_from_callee(m) ? MED_LEG_B : MED_LEG_A;
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

/* ACK for a 2xx, and nothing else, is forwarded without a transaction (§16.11) */
void prx_ack_stateless(const struct sip_msg *m, const struct tp_peer *src)
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
	/* a name: only if known now; a retransmission finds it cached */
	if (tg[0].by_name && prx_dns_now(&tg[0], &tg[0].dst))
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

/*
 * A dialog's UA on a stream (TCP, TLS, WS, WSS) whose connection is gone,
 * or unknown after a restart (conn 0), that connected and registered
 * again: its requests take the new flow of its binding. A browser does so
 * after a network change and after krtpd restarted; without this, the
 * other side's BYE or re-INVITE to it would fail. aor: the header (From
 * or To) that names the UA's address of record.
 */
void prx_dialog_flow(struct tp_peer *dst, const char *aor, const struct sip_uri *contact)
{
	struct sip_naddr na;

	if (!TP_IsStream(dst->proto) || (dst->conn && TP_ConnOpen(dst->conn)) || !aor ||
	    MSG_ParseNaddr(&na, aor, strlen(aor)))
		return;
	REG_ContactFlow(na.uri.user, contact, time(NULL), dst);
}

/*
 * The BYE krtpd sends itself when the media of a call ended it (no media,
 * a WebRTC leg's consent gone): RFC 3326's Reason says why, as cause 408
 * and the text krtpd logs. why is krtpd's own; characters a quoted-string
 * may not hold are dropped all the same.
 */
static void prx_send_bye(struct dlg *d, int to_b, const char *why)
{
	const char *contact = to_b ? d->b_contact : d->a_contact;
	const char *route = to_b ? d->b_route : d->a_route;
	struct tp_peer *hint = to_b ? &d->b_peer : &d->a_peer;
	char routebuf[512], local[80], branch[64], text[96];
	struct tp_peer dst;
	size_t n = 0;
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
		prx_dialog_flow(&dst, to_b ? d->b_to : d->a_from, &u);
	}
	if (TP_LocalFor(&dst, local, sizeof(local)))
		return;
	for (; *why && n < sizeof(text) - 1; why++)
		if (*why >= 0x20 && *why < 0x7f && *why != '"' && *why != '\\')
			text[n++] = *why;
	text[n] = '\0';
	snprintf(branch, sizeof(branch), PRX_BRANCH_PFX "bye.%lx", ++prx_branch_seq);
	SB_Init(&b, prx_buf, PRX_BUFSZ);
	SB_Addf(&b, "BYE %s SIP/2.0\r\nVia: SIP/2.0/%s %s;branch=%s\r\n", contact,
		TP_ProtoName(dst.proto), local, branch);
	if (route[0])
		SB_Addf(&b, "Route: %s\r\n", route);
	SB_Addf(&b, "Max-Forwards: 70\r\nFrom: %s\r\nTo: %s\r\nCall-ID: %s\r\n"
		"CSeq: %u BYE\r\nReason: SIP;cause=408;text=\"%s\"\r\n"
		"User-Agent: " SIP_SERVER "\r\nContent-Length: 0\r\n\r\n",
		to_b ? d->a_from : d->b_to, to_b ? d->b_to : d->a_from, d->call_id,
		(to_b ? d->a_cseq : d->b_cseq) + 1, text);
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
	prx_send_bye(d, 1, why);
	prx_send_bye(d, 0, why);
	DLG_Remove(d);
}

/*
 * A 2xx whose answer media could not take (a WebRTC callee's answer
 * without a=fingerprint): the callee's dialog is ended here, with the ACK
 * its 2xx wants (RFC 3261 §13.2.2.4) and a BYE saying why, both sent
 * straight to dst, where the 2xx came from. The caller gets an error
 * response from the proxy instead of the 2xx.
 */
void prx_refuse_2xx(const struct tp_peer *dst, const struct sip_msg *r, const char *why)
{
	static const char *const methods[] = { "ACK", "BYE" };
	char local[80], branch[64];
	struct sip_buf b;
	int i;

	if (!r->ncontact || TP_LocalFor(dst, local, sizeof(local)))
		return;
	for (i = 0; i < 2; i++) {
		snprintf(branch, sizeof(branch), PRX_BRANCH_PFX "%s.%lx", i ? "bye" : "ack",
			 ++prx_branch_seq);
		SB_Init(&b, prx_buf, PRX_BUFSZ);
		SB_Addf(&b, "%s %.*s SIP/2.0\r\nVia: SIP/2.0/%s %s;branch=%s\r\n", methods[i],
			(int)r->contact[0].uri_raw.len, r->contact[0].uri_raw.s,
			TP_ProtoName(dst->proto), local, branch);
		SB_Addf(&b, "Max-Forwards: 70\r\nFrom: %.*s\r\nTo: %.*s\r\nCall-ID: %.*s\r\n"
			"CSeq: %u %s\r\n", (int)r->from.raw.len, r->from.raw.s,
			(int)r->to.raw.len, r->to.raw.s, (int)r->call_id.len, r->call_id.s,
			r->cseq + (unsigned int)i, methods[i]);
		if (i)
			SB_Addf(&b, "Reason: SIP;cause=488;text=\"%s\"\r\n", why);
		SB_Addf(&b, "User-Agent: " SIP_SERVER "\r\nContent-Length: 0\r\n\r\n");
		if (b.overflow)
			return;
		if (i)
			TXN_ClientNew(dst, branch, SIP_M_BYE, b.p, b.len, NULL, NULL, 0);
		else
			prx_send_built(dst, &b);
	}
}
