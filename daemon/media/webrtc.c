// SPDX-License-Identifier: GPL-2.0
/*
 * WebRTC legs: ICE-lite answers, the DTLS-SRTP session, and the state that
 * turns them into a stream side media.c can program (see webrtc.h). The
 * answer's SDP is webrtc_sdp.c's.
 *
 * A leg's state is made by the offer (its remote credentials and
 * fingerprint, pending), taken by the answer (krtpd's credentials and the
 * DTLS session, made once per leg; a re-offer with the same ufrag and
 * fingerprint keeps both; new ICE credentials alone are an ICE restart,
 * which keeps the DTLS session; a new fingerprint or role starts afresh),
 * and fed by the relay thread's demux. It dies with its stream.
 *
 * Lifetime and locking: med_lock guards everything here. Every leg is also
 * on med_wr_legs, the list med_webrtc_tick() walks for DTLS retransmissions;
 * med_webrtc_release() takes it off before freeing it.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>

#include "../stun.h"
#include "dtls.h"
#include "ice.h"
#include "webrtc.h"

struct med_webrtc *med_wr_legs;
bool med_wr_keys_pending;

/* n random ice-chars (RFC 8839 section 5.4) from getrandom() */
static int med_wr_random(char *out, size_t n)
{
	static const char ch[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint8_t r[32];

	if (n > sizeof(r) || getrandom(r, n, 0) != (ssize_t)n)
		return -EIO;
	for (size_t i = 0; i < n; i++)
		out[i] = ch[r[i] & 63];
	out[n] = '\0';
	return 0;
}

static uint16_t med_wr_port(const struct med_webrtc *w)
{
	return w->leg ? w->st->pb : w->st->pa;
}

/* the leg's port bound in family: its own, or its alt pair's */
static uint16_t med_wr_port_of(const struct med_webrtc *w, int family)
{
	return w->alt && family != med_stream_fam(w->st, w->leg) ? w->alt : med_wr_port(w);
}

/*
 * The leg's second candidate: a pair in the relay's other family, when it
 * has an address of it (RFC 8839 section 5.1: a host candidate per
 * address), so that a browser whose UDP gets through in one family only
 * still connects. Without a free pair the leg has one candidate, as on a
 * single-family relay. A re-adopted leg stays where krtp.ko's flows are.
 */
static void med_wr_alt_get(struct med_webrtc *w)
{
	int fam = med_family_other(med_stream_fam(w->st, w->leg));

	if (w->alt || w->restored || med_relay_ep(fam)->family != fam)
		return;
	if (med_ports_alloc_pair(fam, w->st, &w->alt))
		w->alt = 0;
}

/*
 * ICE nominated the leg's candidate in the relay's other family: the alt
 * pair becomes the leg's port (media.c programs the flows there, in that
 * family) and the pair it had its alt, still answering checks
 */
static void med_wr_switch(struct med_webrtc *w, int family)
{
	struct med_stream *st = w->st;
	uint16_t *port = w->leg ? &st->pb : &st->pa;
	uint16_t was = *port;

	*port = w->alt;
	w->alt = was;
	st->fam[w->leg] = family;
}

/* The leg's state, made (and put on med_wr_legs) the first time; NULL: no memory */
static struct med_webrtc *med_wr_get(struct med_stream *st, int leg)
{
	struct med_webrtc *w = st->webrtc[leg];

	/* the call's certificate from now on; without one its SDP and sessions fail (-EIO) */
	if (!st->call->dtls_cert)
		st->call->dtls_cert = med_dtls_cert_get();
	if (w)
		return w;
	w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->st = st;
	w->leg = leg;
	w->next = med_wr_legs;
	med_wr_legs = w;
	st->webrtc[leg] = w;
	return w;
}

struct med_webrtc *med_webrtc_new(struct med_stream *st, int leg)
{
	return med_wr_get(st, leg);
}

int med_webrtc_offer(struct med_stream *st, int leg, const char *buf, size_t len,
		     const struct sdp *s, unsigned int i, struct med_offer *offer,
		     struct sdp_anchor *an)
{
	bool member = st && offer->bundle_lead[i] && offer->bundle_lead[i] - 1u != i;
	struct sdp_webrtc wr;
	struct med_webrtc *w;
	const char *why;

	/*
	 * a line krtpd refuses anyway needs only its a=mid, for the answer;
	 * a bundled one has its lead's ICE and DTLS (bundle.c)
	 */
	if (sdp_webrtc_parse(buf, len, s, i, &wr, &why) && st && !member) {
		med_log("media: stream %u: DTLS-SRTP offer refused: %s", i, why);
		return -EPROTO;
	}
	if (st && wr.setup == SDP_SETUP_HOLDCONN) {
		med_log("media: stream %u: DTLS-SRTP offer refused: a=setup:holdconn", i);
		return -EPROTO;
	}
	memcpy(offer->mid[i], wr.mid, sizeof(offer->mid[i]));
	offer->bundle[i] = wr.bundled;
	/*
	 * the plain leg gets RTP/AVP: no ICE (sdp_rewrite), no DTLS, no
	 * crypto, and the relay's address, which a line without candidates
	 * (Chromium's max-bundle video: port 9, c=0.0.0.0) does not give
	 */
	an->proto = "RTP/AVP";
	an->drop_crypto = true;
	an->conn_relay = true;
	if (!st) {
		offer->webrtc[i] = MED_WR_REFUSED;
		return 0;
	}
	offer->webrtc[i] = MED_WR_LEG;
	w = med_wr_get(st, leg);
	if (!w)
		return -ENOMEM;
	/* bundled on the lead line's transport (bundle.c): none of its own */
	if (member) {
		w->lead = st->call->streams[offer->bundle_lead[i] - 1]->webrtc[leg];
		w->offered = wr;
		return 0;
	}
	/* one that left its bundle starts a transport of its own at the answer */
	if (w->lead) {
		w->lead = NULL;
		w->answered = false;
	}
	med_wr_alt_get(w);
	/* a re-offer from a leg krtpd offered WebRTC first: the DTLS roles stay */
	if (w->offerer && w->answered && wr.setup == SDP_SETUP_ACTPASS)
		wr.setup = w->remote.setup;
	w->offered = wr;
	return 0;
}

int med_webrtc_offer_to(struct med_stream *st, int leg)
{
	struct med_webrtc *w = med_wr_get(st, leg);

	if (!w)
		return -ENOMEM;
	/* a line the callee bundled has its lead's candidates */
	if (!w->lead)
		med_wr_alt_get(w);
	/* a leg that offered WebRTC itself before keeps its own credentials */
	if (!w->offerer && !w->answered) {
		w->offerer = true;
		if (med_wr_random(w->ufrag, 8) || med_wr_random(w->pwd, 24))
			return -EIO;
	}
	return 0;
}

int med_webrtc_answer_check(const char *buf, size_t len, const struct sdp *s, unsigned int i,
			    struct sdp_webrtc *wr, const char **why)
{
	if (!s->media[i].dtls) {
		*why = "answer is not UDP/TLS/RTP/SAVP(F)";
		return -EPROTO;
	}
	if (sdp_webrtc_parse(buf, len, s, i, wr, why))
		return -EPROTO;
	/* RFC 5763 section 5: the answerer picks a role */
	if (wr->setup != SDP_SETUP_ACTIVE && wr->setup != SDP_SETUP_PASSIVE) {
		*why = "answer's a=setup is not active or passive";
		return -EPROTO;
	}
	return 0;
}

void med_webrtc_answer_take(struct med_stream *st, int leg, const struct sdp_webrtc *wr)
{
	struct med_webrtc *w = st->webrtc[leg];

	if (w && w->offerer)
		w->offered = *wr;
}

/*
 * Bring the stream's side and SRTP keys of the leg to what ICE and DTLS
 * found: its own, or for a bundled line its lead's, whose port it uses
 */
static void med_wr_apply(struct med_webrtc *w)
{
	const struct med_webrtc *l = w->lead ? w->lead : w;
	struct med_stream *st = w->st;
	struct med_side *sd = &st->side[w->leg];
	struct med_srtp_leg *sl = &st->srtp[w->leg];

	if (w->lead) {
		*(w->leg ? &st->pb : &st->pa) = med_wr_port(l);
		st->fam[w->leg] = l->st->fam[w->leg];
	}

	sd->known = l->nominated && !l->expired;
	if (l->nominated)
		med_sa_to_ep((const struct sockaddr *)&l->addr, &sd->rtp);
	/* RFC 8842: rtcp-mux on the one 5-tuple; the source is the checked address */
	sd->rtcp_port = sd->rtp.port;
	memset(&sd->rtcp_addr, 0, sizeof(sd->rtcp_addr));
	memset(sd->learned, 0, sizeof(sd->learned));
	sd->mux = true;
	sd->nat = false;
	st->mux = true;
	memset(sl, 0, sizeof(*sl));
	if (l->keyed) {
		sl->on = true;
		sl->peer = l->peer;
		sl->own = l->own;
	}
}

/* The lines bundled on w's transport: their side and keys follow w's */
static int med_wr_members_apply(struct med_webrtc *w)
{
	int err = 0;

	for (struct med_webrtc *m = med_wr_legs; m; m = m->next) {
		if (m->lead != w)
			continue;
		med_wr_apply(m);
		if (!err)
			err = med_srtp_update(m->st);
	}
	return err;
}

static void med_wr_send(void *arg, const void *buf, size_t len)
{
	struct med_webrtc *w = arg;
	struct sockaddr_storage *to = &w->dtls_peer;
	struct med_port *p = med_port_get(med_wr_port_of(w, to->ss_family));

	if (!p || p->fd < 0 || !to->ss_family)
		return;
	sendto(p->fd, buf, len, MSG_DONTWAIT, (const struct sockaddr *)to,
	       to->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
}

/* A fresh session (first answer, or an ICE restart): forget what the old one found */
static int med_wr_restart(struct med_webrtc *w)
{
	med_dtls_free(w->dtls);
	w->dtls = NULL;
	w->nchecked = 0;
	w->nominated = w->keyed = w->expired = w->restored = false;
	w->consent_ms = 0;
	explicit_bzero(&w->peer, sizeof(w->peer));
	explicit_bzero(&w->own, sizeof(w->own));
	memset(&w->dtls_peer, 0, sizeof(w->dtls_peer));
	/* krtpd's offer carried its credentials: they stay */
	if (!w->offerer && (med_wr_random(w->ufrag, 8) || med_wr_random(w->pwd, 24)))
		return -EIO;
	w->remote = w->offered;
	/*
	 * RFC 5763 section 5: answer passive to actpass or active, active to
	 * passive; having offered actpass, be what the answer left over
	 */
	if (w->offerer)
		w->server = w->remote.setup == SDP_SETUP_ACTIVE;
	else
		w->server = w->remote.setup != SDP_SETUP_PASSIVE;
	/* the call's certificate, whose fingerprint its SDP showed (struct med_call) */
	w->dtls = med_dtls_new(w->st->call->dtls_cert, w->server, w->remote.fp_hash, w->remote.fp,
			       w->remote.fp_len, med_wr_send, w);
	return w->dtls ? 0 : -EIO;
}

/*
 * An ICE restart (RFC 8445 section 9) on a DTLS session that goes on: the
 * leg's new credentials, and krtpd's new ones when it answers (RFC 8839
 * section 4.4.1.1.2: an answer to a restart changes them too). The DTLS
 * association and its SRTP keys stay (RFC 8829 section 5.2.1: an ICE
 * restart is not a new DTLS session): browsers keep their DTLS transport
 * and send no new handshake, so a session started afresh would never be
 * keyed and the call would lose its media. The flows stay on the
 * nominated address until the new checks nominate one (med_wr_stun).
 */
static int med_wr_ice_restart(struct med_webrtc *w, bool answering)
{
	if (answering && (med_wr_random(w->ufrag, 8) || med_wr_random(w->pwd, 24)))
		return -EIO;
	w->remote = w->offered;
	/*
	 * A re-adopted leg stays where krtp.ko's flows were (med_wr_stun);
	 * with its keys back it can be programmed anew, and must follow the
	 * browser to its new candidates: its old ones are gone. It gets its
	 * second candidate back too, as the browser's network may be of the
	 * other family now.
	 */
	if (w->restored && w->keyed) {
		w->restored = false;
		med_wr_alt_get(w);
	}
	LOG_INFO("media: WebRTC leg: ICE restarted, its DTLS session and keys go on");
	return 0;
}

int med_webrtc_answered(struct med_stream *st, int leg, bool answering)
{
	struct med_webrtc *w = st->webrtc[leg];
	bool server;
	int err = 0;

	if (!w)
		return -EINVAL;
	/* a bundled line: the lead, answered first (lower index), is its transport */
	if (w->lead) {
		memcpy(w->ufrag, w->lead->ufrag, sizeof(w->ufrag));
		memcpy(w->pwd, w->lead->pwd, sizeof(w->pwd));
		w->server = w->lead->server;
		w->remote = w->lead->remote;
		w->answered = true;
		med_wr_apply(w);
		med_webrtc_save(w);
		return 0;
	}
	/* the DTLS role the offer or answer leaves krtpd (as med_wr_restart) */
	if (w->offerer)
		server = w->offered.setup == SDP_SETUP_ACTIVE;
	else
		server = w->offered.setup != SDP_SETUP_PASSIVE;
	/*
	 * A new DTLS session for a new certificate or role; an ICE restart
	 * for new credentials alone; else the session goes on (hold, codec
	 * change). A restored leg's password is not stored (krtpd, ICE lite,
	 * never checks with it): its ufrag says whether ICE restarted.
	 */
	if (!w->answered || w->offered.fp_hash != w->remote.fp_hash ||
	    memcmp(w->offered.fp, w->remote.fp, sizeof(w->remote.fp)) ||
	    (w->offerer && w->offered.setup != w->remote.setup) ||
	    (!w->restored && server != w->server))
		err = med_wr_restart(w);
	else if (strcmp(w->offered.ufrag, w->remote.ufrag) ||
		 (strcmp(w->offered.pwd, w->remote.pwd) && !(w->restored && !w->remote.pwd[0])))
		err = med_wr_ice_restart(w, answering);
	if (err)
		return err;
	w->answered = true;
	med_wr_apply(w);
	med_webrtc_save(w);
	return 0;
}

bool med_webrtc_ready(const struct med_stream *st)
{
	for (int leg = 0; leg < 2; leg++) {
		const struct med_webrtc *w = st->webrtc[leg];
		const struct med_webrtc *l = w && w->lead ? w->lead : w;

		if (w && (!w->answered || !l->answered || !l->keyed || !l->nominated))
			return false;
	}
	return true;
}

struct med_webrtc *med_webrtc_of_port(const struct med_stream *st, uint16_t port)
{
	for (int leg = 0; leg < 2; leg++) {
		struct med_webrtc *w = st->webrtc[leg];

		if (w && w->answered && (med_wr_port(w) == port || (w->alt && w->alt == port)))
			return w;
	}
	return NULL;
}

static bool med_wr_sa_eq(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	struct krtp_ep ea, eb;

	med_sa_to_ep((const struct sockaddr *)a, &ea);
	med_sa_to_ep((const struct sockaddr *)b, &eb);
	return med_ep_eq(&ea, &eb);
}

static bool med_wr_was_checked(const struct med_webrtc *w, const struct sockaddr_storage *src)
{
	for (unsigned int i = 0; i < w->nchecked && i < MED_WR_CHECKED; i++)
		if (med_wr_sa_eq(&w->checked[i], src))
			return true;
	return false;
}

/* The leg's state changed: show media.c, which (re)programs the call's flows */
static void med_wr_changed(struct med_webrtc *w)
{
	int err;

	med_wr_apply(w);
	err = med_srtp_update(w->st);
	if (!err)
		err = med_wr_members_apply(w);
	if (!err)
		err = med_call_program(w->st->call);
	if (err)
		med_log("media: WebRTC leg: programming its flows failed: %s", strerror(-err));
}

void med_webrtc_keys_taken(struct med_webrtc *w)
{
	w->keyed = true;
	/* the store is the main thread's: it is asked to write them (MED_StoreKeys) */
	w->keys_unsaved = med_wr_keys_pending = true;
	for (struct med_webrtc *m = med_wr_legs; m; m = m->next)
		if (m->lead == w)
			m->keys_unsaved = true;
	LOG_INFO("media: WebRTC leg keyed by DTLS-SRTP (%s)", sdp_srtp_suite_name(w->own.suite));
	if (w->nominated)
		med_wr_changed(w);
	LOG_DEBUG("media: WebRTC leg: flows programmed after DTLS");
}

/* DTLS finished: take the SRTP keys */
static void med_wr_keyed(struct med_webrtc *w)
{
	if (med_dtls_keys(w->dtls, &w->peer, &w->own)) {
		med_log("media: WebRTC leg: DTLS gave no SRTP keys (no use_srtp profile agreed)");
		return;
	}
	med_webrtc_keys_taken(w);
}

static void med_wr_stun(struct med_webrtc *w, int fd, const uint8_t *buf, size_t len,
			const struct sockaddr_storage *src)
{
	uint8_t out[ICE_ANSWER_MAX];
	size_t outlen = 0;
	enum ice_verdict v;
	bool ok;

	v = ICE_LiteAnswer(buf, len, src, w->ufrag, w->pwd, w->remote.ufrag, out, &outlen);
	if (v == ICE_DROP || !outlen)
		return;
	sendto(fd, out, outlen, MSG_DONTWAIT, (const struct sockaddr *)src,
	       src->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
	/* an error response (400, 401, 487) authenticates nothing */
	ok = outlen >= 2 && out[0] == (STUN_BINDING_SUCCESS >> 8) &&
	     out[1] == (STUN_BINDING_SUCCESS & 0xff);
	if (!ok)
		return;
	if (!med_wr_was_checked(w, src))
		w->checked[w->nchecked++ % MED_WR_CHECKED] = *src;
	w->consent_ms = med_now_ms();
	/* a re-adopted leg's flows are krtp.ko's as they were: it cannot move */
	if (v != ICE_REPLY_NOMINATED || w->restored ||
	    (w->nominated && med_wr_sa_eq(&w->addr, src)))
		return;
	/* nominated (again, elsewhere): media goes to and comes from there */
	if (w->alt && src->ss_family != med_stream_fam(w->st, w->leg))
		med_wr_switch(w, src->ss_family);
	w->addr = *src;
	w->nominated = true;
	{
		struct krtp_ep ep;
		char s[KRTP_EP_STRLEN];

		med_sa_to_ep((const struct sockaddr *)src, &ep);
		LOG_DEBUG("media: WebRTC leg nominated %s by ICE", krtp_ep_str(&ep, s, sizeof(s)));
	}
	if (!w->server && w->dtls && !w->dtls_peer.ss_family) {
		w->dtls_peer = *src;
		med_dtls_start(w->dtls, med_now_ms());
	}
	if (w->keyed)
		med_wr_changed(w);
}

bool med_webrtc_demux(struct med_webrtc *w, int fd, const uint8_t *buf, size_t len,
		      const struct sockaddr_storage *src)
{
	int r;

	if (!len)
		return true;
	/* RFC 7983 section 7: 0-3 STUN */
	if (buf[0] <= 3) {
		if (STUN_IsStun(buf, len))
			med_wr_stun(w, fd, buf, len, src);
		return true;
	}
	/* 20-63 DTLS, from an address ICE checked */
	if (buf[0] >= 20 && buf[0] <= 63) {
		if (!w->dtls || !med_wr_was_checked(w, src))
			return true;
		w->dtls_peer = *src;
		r = med_dtls_input(w->dtls, buf, len, med_now_ms());
		if (r > 0)
			med_wr_keyed(w);
		return true;
	}
	/* 128-191 RTP and RTCP; anything else is not ours either, and goes the media way */
	return false;
}

void med_webrtc_tick(void)
{
	uint64_t now = med_now_ms();

	for (struct med_webrtc *w = med_wr_legs; w; w = w->next)
		if (w->dtls && med_dtls_tick(w->dtls, now) > 0)
			med_wr_keyed(w);
}

bool med_webrtc_consent_lost(const struct med_webrtc *w, uint64_t now, unsigned int timeout_s)
{
	/* a bundled line's consent is its lead's */
	if (!timeout_s || !w->answered || !w->nominated || w->expired || w->lead)
		return false;
	return now - w->consent_ms >= (uint64_t)timeout_s * 1000;
}

/* Stop the media toward an expired leg (its lead's, for a bundled line) */
static void med_wr_stop_toward(struct med_webrtc *w)
{
	struct med_stream *st = w->st;
	int toward = w->leg ? MED_F_AB_RTP : MED_F_BA_RTP;

	for (int fi = toward; fi <= toward + 1; fi++)
		if (st->flow[fi].installed)
			med_flow_remove(&st->flow[fi], true);
	/* the side is unknown now: nothing programs those flows again */
	if (!st->call->unkeyed)
		med_wr_apply(w);
}

/* Consent expired (RFC 7675 section 5.1): stop sending to the leg at once */
static void med_wr_expire_one(struct med_webrtc *w)
{
	w->expired = true;
	med_log("media: call %s: no ICE consent from its WebRTC leg for %u s, media to it stopped",
		w->st->call->key ? w->st->call->key : "(re-adopted)", med_cfg.consent_timeout);
	med_wr_stop_toward(w);
	for (struct med_webrtc *m = med_wr_legs; m; m = m->next)
		if (m->lead == w)
			med_wr_stop_toward(m);
}

size_t med_webrtc_expire(char **keys, size_t max)
{
	uint64_t now = med_now_ms();
	size_t n = 0;

	for (struct med_webrtc *w = med_wr_legs; w && n < max; w = w->next) {
		struct med_call *c = w->st->call;

		if (!med_webrtc_consent_lost(w, now, med_cfg.consent_timeout))
			continue;
		med_wr_expire_one(w);
		if (!c->key || c->inactive_reported)
			continue;	/* the idle scan deletes a call nobody named */
		c->inactive_reported = true;
		keys[n] = strdup(c->key);
		if (keys[n])
			n++;
	}
	return n;
}

void med_webrtc_release(struct med_stream *st)
{
	for (int leg = 0; leg < 2; leg++) {
		struct med_webrtc *w = st->webrtc[leg], **pp = &med_wr_legs;

		if (!w)
			continue;
		while (*pp && *pp != w)
			pp = &(*pp)->next;
		if (*pp)
			*pp = w->next;
		/* the lines bundled on it have no transport left: not ready until an offer */
		for (struct med_webrtc *m = med_wr_legs; m; m = m->next) {
			if (m->lead == w) {
				m->lead = NULL;
				m->answered = false;
			}
		}
		med_dtls_free(w->dtls);
		if (w->alt)
			med_ports_free_pair(st, w->alt);
		explicit_bzero(w, sizeof(*w));
		free(w);
		st->webrtc[leg] = NULL;
	}
}
