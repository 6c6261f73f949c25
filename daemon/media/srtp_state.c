// SPDX-License-Identifier: GPL-2.0
/*
 * The SRTP keys of a call krtpd terminates SRTP for, across a restart:
 * an SDES leg's (srtp = bridge) and a WebRTC leg's, from DTLS-SRTP.
 *
 * krtp.ko never gives a key back, so a restarted krtpd that only had the
 * flows could not answer the next offer of an SRTP leg: it refused it
 * with 488, and a phone or trunk refreshing its session (RFC 4028) ended
 * the call when the session expired. Offering the leg a fresh key does
 * not work either: phones such as baresip keep the key of the call's
 * first answer, and the call goes one-way. So, as rtpengine keeps a
 * call's keys in its Redis, each answer that keys an SDES leg stores the
 * leg's key and krtpd's own toward it (store.h, struct sto_srtp), and
 * MED_Restore gives them back to the re-adopted call. Its offers and
 * answers are then what they were before the restart: the same key keeps
 * its flows as they are, a new key re-keys as in any call.
 *
 * A WebRTC leg's keys come from its DTLS handshake, after the answer, on
 * the media thread: the main thread stores them when asked to
 * (MED_StoreKeys). A restored WebRTC leg has no DTLS session, so its keys
 * are taken back only if krtpd's certificate now is the one the leg was
 * shown (webrtc_state.c, cert_kept): the browser's unchanged re-offer is
 * then answered with that fingerprint and the flows stay. A generated
 * certificate is new at each start, so such calls stay unkeyed.
 *
 * Keys are adopted only if they are the keys of every SRTP flow krtp.ko
 * holds for the call, suite for suite in each direction; otherwise (a
 * WebRTC leg shown another certificate, a store older than the flows) the
 * call stays unkeyed (restore.c) and refuses offers as before.
 *
 * Keys go with the call: MED_Delete removes them (the SIP core's BYE, or
 * the ng protocol's delete), the dialog's removal too; a restart removes
 * those of calls krtp.ko no longer carries.
 *
 * Main thread, med_lock held (MED_Answer, MED_Delete, MED_Restore,
 * MED_StoreKeys): the store is the main thread's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "../log.h"
#include "../store.h"
#include "internal.h"
#include "webrtc.h"

/* store one leg's keys (a failure is logged: the call goes on, unstored) */
static void med_srtp_put(struct med_call *c, unsigned int stream, int leg,
			 const struct med_srtp_leg *sl, bool dtls)
{
	struct sto_srtp k = {
		.call_id = c->key, .stream = stream, .leg = leg,
		.suite = (int)sl->peer.suite,
		.peer_tag = sl->peer.tag, .peer = sl->peer.key, .peer_len = sl->peer.key_len,
		.peer_lifetime = sl->peer.lifetime,
		.own_tag = sl->own.tag, .own = sl->own.key, .own_len = sl->own.key_len,
		.own_lifetime = sl->own.lifetime, .dtls = dtls,
	};
	int err = STO_SrtpPut(&k);

	c->keys_stored |= !err;
	/* -ENODEV: no store (tests); the call works, it just will not survive a restart */
	if (err && err != -ENODEV)
		med_log("media: call %s: cannot store its SRTP keys: %s", c->key, strerror(-err));
}

/*
 * After an answer set the stream's legs: store the SRTP legs (a WebRTC
 * leg once DTLS keyed it), forget the ones that are no longer SRTP (was[]:
 * on before the answer; a WebRTC leg's ICE restart drops its keys).
 */
void med_srtp_save(struct med_call *c, const struct med_stream *st, const bool was[2])
{
	for (int leg = 0; leg < 2 && c->key; leg++) {
		int err = 0;

		if (st->srtp[leg].on)
			med_srtp_put(c, st->idx, leg, &st->srtp[leg], st->webrtc[leg] != NULL);
		else if (was[leg])
			err = STO_SrtpDelLeg(c->key, st->idx, leg);
		if (err && err != -ENODEV)
			med_log("media: call %s: cannot remove a leg's SRTP keys: %s", c->key,
				strerror(-err));
	}
}

void MED_StoreKeys(void)
{
	pthread_mutex_lock(&med_lock);
	for (struct med_webrtc *w = med_wr_legs; w; w = w->next) {
		const struct med_webrtc *l = w->lead ? w->lead : w;	/* a bundled line's: its lead's */
		struct med_call *c = w->st->call;
		struct med_srtp_leg sl = { .on = true };

		if (!w->keys_unsaved)
			continue;
		w->keys_unsaved = false;
		if (!l->keyed || !c->key)
			continue;
		sl.peer = l->peer;
		sl.own = l->own;
		med_srtp_put(c, w->st->idx, w->leg, &sl, true);
		explicit_bzero(&sl, sizeof(sl));
	}
	pthread_mutex_unlock(&med_lock);
}

static bool med_srtp_key_load(struct sdp_crypto *k, int suite, uint32_t tag, const uint8_t *key,
			      size_t len, uint64_t lifetime)
{
	if (!key || len != sdp_srtp_key_len((enum sdp_srtp_suite)suite) || len > sizeof(k->key))
		return false;
	k->suite = (enum sdp_srtp_suite)suite;
	k->tag = tag;
	memcpy(k->key, key, len);
	k->key_len = len;
	k->lifetime = lifetime;
	return true;
}

void med_srtp_forget(struct med_call *c)
{
	int err;

	if (!c->keys_stored || !c->key)
		return;
	err = STO_SrtpDel(c->key);
	if (err && err != -ENODEV)
		med_log("media: call %s: cannot remove its stored SRTP keys: %s", c->key,
			strerror(-err));
	c->keys_stored = false;
}

/* the Call-IDs of stored keys no re-adopted call takes, removed after the load */
struct med_srtp_stale {
	char **ids;
	size_t n, cap;
};

static void med_srtp_stale_add(struct med_srtp_stale *s, const char *id)
{
	if (s->n && !strcmp(s->ids[s->n - 1], id))
		return;		/* a call's rows come one after the other */
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		char **ids = realloc(s->ids, cap * sizeof(*ids));

		if (!ids)
			return;
		s->ids = ids;
		s->cap = cap;
	}
	s->ids[s->n] = strdup(id);
	if (s->ids[s->n])
		s->n++;
}

/*
 * Can the restored WebRTC leg w take its keys back: is krtpd's certificate
 * the one it was shown? Said once per call when not.
 */
static bool med_srtp_cert_kept(const char *call_id, const struct med_webrtc *w,
			       const struct med_srtp_stale *s)
{
	if (w->restored && w->cert_kept)
		return true;
	if (s->n && !strcmp(s->ids[s->n - 1], call_id))
		return false;	/* already said */
	med_log("media: call %s: its WebRTC leg was shown another DTLS certificate than krtpd's now: offers get 488",
		call_id);
	return false;
}

static void med_srtp_restore_one(const struct sto_srtp *r, void *arg)
{
	struct med_call *c = med_call_by_hash(med_key_hash(r->call_id));
	struct med_srtp_leg sl = { .on = true };
	struct med_webrtc *w;
	struct med_stream *st;

	if (!c || !c->restoring || !c->unkeyed || r->stream >= MED_MAX_STREAMS ||
	    (r->leg != 0 && r->leg != 1) || (c->key && strcmp(c->key, r->call_id))) {
		/* not a call krtp.ko still carries with SRTP (or a hash collision) */
		med_srtp_stale_add(arg, r->call_id);
		return;
	}
	st = c->streams[r->stream];
	w = st ? st->webrtc[r->leg] : NULL;
	if (!st || !r->dtls != !w || (w && !med_srtp_cert_kept(r->call_id, w, arg)) ||
	    !med_srtp_key_load(&sl.peer, r->suite, r->peer_tag, r->peer, r->peer_len,
			       r->peer_lifetime) ||
	    !med_srtp_key_load(&sl.own, r->suite, r->own_tag, r->own, r->own_len,
			       r->own_lifetime)) {
		explicit_bzero(&sl, sizeof(sl));
		med_srtp_stale_add(arg, r->call_id);	/* and the call stays unkeyed */
		return;
	}
	if (!c->key) {
		c->key = strdup(r->call_id);
		if (!c->key) {
			explicit_bzero(&sl, sizeof(sl));
			return;
		}
	}
	st->srtp[r->leg] = sl;
	if (w) {
		/* as DTLS keyed it (med_wr_apply copies these) */
		w->peer = sl.peer;
		w->own = sl.own;
		w->keyed = true;
	}
	c->keys_stored = true;
	explicit_bzero(&sl, sizeof(sl));
}

/*
 * Do the stored legs key exactly the SRTP flows krtp.ko holds for the
 * call, suite for suite? With take, the flows get the keys as krtpd would
 * program them, so the next answer's flows compare equal and an unchanged
 * key leaves them alone; their ROC and SRTCP index stay as krtp.ko
 * reported them. Asked first without take: all the flows match, or none
 * is touched.
 */
static bool med_srtp_restored_flows(struct med_call *c, bool take)
{
	bool any = false;

	for (unsigned int s = 0; s < c->nstreams; s++) {
		struct med_stream *st = c->streams[s];

		for (int fi = 0; st && fi < MED_F_MAX; fi++) {
			struct krtp_srtp *in = &st->flow[fi].kf.srtp_in, *out = &st->flow[fi].kf.srtp_out;
			struct krtp_flow want = { 0 };
			bool same;

			if (!st->flow[fi].installed)
				continue;
			med_srtp_flow_keys(st, fi, &want);
			same = want.srtp_in.suite == in->suite && want.srtp_out.suite == out->suite;
			any |= want.srtp_in.suite || want.srtp_out.suite;
			if (same && take) {
				want.srtp_in.roc = in->roc;
				want.srtp_in.srtcp_index = in->srtcp_index;
				want.srtp_out.roc = out->roc;
				want.srtp_out.srtcp_index = out->srtcp_index;
				med_srtp_streams_copy(&want.srtp_in, in);
				med_srtp_streams_copy(&want.srtp_out, out);
				*in = want.srtp_in;
				*out = want.srtp_out;
			}
			explicit_bzero(&want, sizeof(want));
			if (!same)
				return false;
		}
	}
	return any;
}

/* the stream's keys go: the leg's and, for a WebRTC leg, its DTLS ones */
static void med_srtp_unkey(struct med_stream *st)
{
	explicit_bzero(st->srtp, sizeof(st->srtp));
	for (int leg = 0; leg < 2; leg++) {
		struct med_webrtc *w = st->webrtc[leg];

		if (!w)
			continue;
		w->keyed = false;
		explicit_bzero(&w->peer, sizeof(w->peer));
		explicit_bzero(&w->own, sizeof(w->own));
	}
}

static void med_srtp_restore_call(struct med_call *c)
{
	bool sdes = false, webrtc = false;

	for (unsigned int s = 0; s < c->nstreams; s++)
		for (int leg = 0; leg < 2 && c->streams[s]; leg++) {
			if (!c->streams[s]->srtp[leg].on)
				continue;
			if (c->streams[s]->webrtc[leg])
				webrtc = true;
			else
				sdes = true;
		}
	if (!sdes && !webrtc)
		return;
	if (!med_srtp_restored_flows(c, false)) {
		med_log("media: call %s: its stored SRTP keys are not those of its flows in krtp.ko: offers get 488",
			c->key);
		for (unsigned int s = 0; s < c->nstreams; s++)
			if (c->streams[s])
				med_srtp_unkey(c->streams[s]);
		med_srtp_forget(c);
		return;
	}
	med_srtp_restored_flows(c, true);
	c->unkeyed = false;
	/* only srtp = bridge terminates SDES: the call was made under it */
	if (sdes)
		c->srtp = MED_SRTP_BRIDGE;
	LOG_INFO("media: call %s: %s keys re-adopted from the store", c->key,
		 sdes ? (webrtc ? "SDES and DTLS-SRTP" : "SDES") : "DTLS-SRTP");
}

void med_srtp_restore(void)
{
	struct med_srtp_stale stale = { 0 };
	int n = STO_SrtpLoad(med_srtp_restore_one, &stale);

	if (n < 0 && n != -ENODEV)
		med_log("media: cannot load the stored SRTP keys: %s", strerror(-n));
	for (size_t i = 0; i < stale.n; i++) {
		STO_SrtpDel(stale.ids[i]);
		free(stale.ids[i]);
	}
	free(stale.ids);
	for (size_t i = 0; i < MED_BUCKETS; i++)
		for (struct med_call *c = med_calls[i]; c; c = c->next)
			if (c->restoring && c->unkeyed)
				med_srtp_restore_call(c);
}
