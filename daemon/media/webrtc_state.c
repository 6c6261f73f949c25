// SPDX-License-Identifier: GPL-2.0
/*
 * A WebRTC leg across a krtpd restart. At the answer, what the leg's ICE
 * consent checks and DTLS need from krtpd (its ICE credentials, the leg's
 * ufrag, the DTLS role, the fingerprint the leg's certificate must have)
 * and the fingerprint of krtpd's certificate the leg was shown go to the
 * store (store.h, struct sto_webrtc). After kill -9, krtp.ko keeps
 * forwarding the call; MED_Restore rebuilds it from the flows and
 * med_webrtc_restore() gives it its WebRTC leg back, so the browser's
 * consent checks, passed by the flow's pass-stun-dtls to the relay port,
 * are answered and the browser keeps the call.
 *
 * The SRTP keys DTLS gave are stored too (srtp_state.c), and taken back
 * only if krtpd's certificate now (dtls_certificate's, or the generated
 * one kept in the store: dtls_cert.c) has the fingerprint the leg was
 * shown (cert_kept): the browser's unchanged re-offer is then answered as
 * before and the flows stay. With another certificate the call stays
 * unkeyed (restore.c: its flows are left as they are and offers get
 * 488). The DTLS session is not rebuilt
 * either way: the restored leg drops DTLS records, so a DTLS alert or
 * close_notify from the browser cannot end the call; consent expiry or a
 * BYE does.
 *
 * Main thread, med_lock held (MED_Answer, MED_Restore): the store is the
 * main thread's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "../store.h"
#include "dtls.h"
#include "webrtc.h"

void med_webrtc_save(const struct med_webrtc *w)
{
	const struct med_call *c = w->st->call;
	struct sto_webrtc r = {
		.call_id = c->key, .stream = w->st->idx, .leg = w->leg,
		.ufrag = w->ufrag, .pwd = w->pwd, .remote_ufrag = w->remote.ufrag,
		.server = w->server, .fp_hash = w->remote.fp_hash,
		.fp = w->remote.fp, .fp_len = w->remote.fp_len,
		.own_fp = c->dtls_cert ? c->dtls_cert->fp : "",
		.offerer = w->offerer,
	};
	int err;

	if (!c->key)
		return;
	err = STO_WebrtcPut(&r);
	/* -ENODEV: no store (tests); the call works, it just will not survive a restart */
	if (err && err != -ENODEV)
		med_log("media: call %s: cannot store its WebRTC leg: %s", c->key, strerror(-err));
}

/* copy a stored string into a fixed field; false if it does not fit */
static bool med_wr_copy(char *dst, size_t sz, const char *src)
{
	size_t n = strlen(src);

	if (n >= sz)
		return false;
	memcpy(dst, src, n + 1);
	return true;
}

static void med_wr_restore_one(const struct sto_webrtc *r, void *arg)
{
	uint64_t now = *(const uint64_t *)arg;
	struct med_call *c = med_call_by_hash(med_key_hash(r->call_id));
	struct med_stream *st;
	struct med_webrtc *w;

	if (!c || !c->restoring || r->stream >= MED_MAX_STREAMS || (r->leg != 0 && r->leg != 1))
		return;
	if (c->key && strcmp(c->key, r->call_id))
		return;		/* a hash collision */
	st = c->streams[r->stream];
	if (!st || st->webrtc[r->leg] || !st->side[r->leg].known || !st->side[r->leg].rtp.family ||
	    r->fp_len > sizeof(w->remote.fp) || strlen(r->ufrag) >= sizeof(w->ufrag) ||
	    strlen(r->pwd) >= sizeof(w->pwd))
		return;
	if (!c->key) {
		/* named now: consent expiry can end it by its Call-ID */
		c->key = strdup(r->call_id);
		if (!c->key)
			return;
	}
	w = med_webrtc_new(st, r->leg);
	if (!w)
		return;
	memcpy(w->ufrag, r->ufrag, strlen(r->ufrag) + 1);
	memcpy(w->pwd, r->pwd, strlen(r->pwd) + 1);
	if (!med_wr_copy(w->remote.ufrag, sizeof(w->remote.ufrag), r->remote_ufrag))
		w->remote.ufrag[0] = '\0';
	w->remote.fp_hash = (enum sdp_fp_hash)r->fp_hash;
	memcpy(w->remote.fp, r->fp, r->fp_len);
	w->remote.fp_len = r->fp_len;
	w->server = r->server;
	w->offerer = r->offerer;
	/*
	 * the leg's a=setup, from the DTLS role it left krtpd (med_wr_restart):
	 * a callee's answer said active (krtpd the server) or passive, and its
	 * next answer must say the same for the session to go on; an offerer
	 * said actpass, or passive when krtpd is the client
	 */
	if (w->offerer)
		w->remote.setup = w->server ? SDP_SETUP_ACTIVE : SDP_SETUP_PASSIVE;
	else
		w->remote.setup = w->server ? SDP_SETUP_ACTPASS : SDP_SETUP_PASSIVE;
	w->offered = w->remote;
	w->answered = w->nominated = w->restored = true;
	/* the call's certificate (med_webrtc_new took krtpd's current one) is the leg's */
	w->cert_kept = r->own_fp && r->own_fp[0] && c->dtls_cert &&
		       !strcmp(r->own_fp, c->dtls_cert->fp);
	/* the leg's address is where krtp.ko sends to it */
	med_ep_to_sa(&st->side[r->leg].rtp, &w->addr);
	w->checked[0] = w->addr;
	w->nchecked = 1;
	/* consent is counted afresh from the restart: the browser kept checking meanwhile */
	w->consent_ms = now;
	LOG_INFO("media: call %s: WebRTC leg re-adopted, its ICE consent checks answered again",
		 c->key);
}

void med_webrtc_restore(void)
{
	uint64_t now = med_now_ms();
	int n = STO_WebrtcLoad(med_wr_restore_one, &now);

	if (n < 0 && n != -ENODEV)
		med_log("media: cannot load the stored WebRTC legs: %s", strerror(-n));
	/*
	 * A bundled line's flows arrive on its lead's port (bundle.c), which
	 * the lead's stream bound again (restore.c): the lead's leg answers
	 * the checks there, and this one follows it
	 */
	for (struct med_webrtc *w = med_wr_legs; w; w = w->next) {
		uint16_t port = w->leg ? w->st->pb : w->st->pa;
		const struct med_port *p = med_port_get(port);

		if (!w->restored || !w->st->call->restoring || w->lead || !p || p->fd < 0 ||
		    !p->owner || p->owner == w->st || p->owner->call != w->st->call ||
		    !p->owner->webrtc[w->leg])
			continue;
		w->lead = p->owner->webrtc[w->leg];
	}
}
