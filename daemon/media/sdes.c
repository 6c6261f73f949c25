// SPDX-License-Identifier: GPL-2.0
/*
 * SDES-SRTP policy in offers and answers (srtp = bridge and require).
 *
 * bridge: each leg gets what it asks for. An offer of RTP/SAVP(F) with an
 * a=crypto krtpd supports makes the offering leg an SRTP leg: krtpd keeps
 * its key, shows the other leg RTP/AVP(F) without a=crypto, and answers
 * the SRTP leg RTP/SAVP(F) with an a=crypto of its own (same tag and
 * suite, a fresh key from getrandom()). A plain offer stays plain, unless
 * the other leg is already an SRTP leg of this stream (a re-INVITE from
 * the plain side): then that leg is offered RTP/SAVP(F) with krtpd's
 * current key, and its answer's a=crypto of the same tag gives its key.
 *
 * Re-keying: a re-offer whose key differs from the leg's current one
 * replaces the leg's key and krtpd's key toward it (both sessions start
 * afresh); the same key keeps both, so a hold or a codec change does not
 * re-key. DTLS-SRTP (UDP/TLS/RTP/SAVP) is always relayed opaque.
 *
 * require: nothing is rewritten (as passthrough); an offer whose RTP
 * streams are not all SRTP (RTP/SAVP(F) with a=crypto, or DTLS-SRTP) is
 * refused.
 *
 * After a restart, a call whose flows krtp.ko carries with SRTP keys gets
 * its legs' keys back from the state store (srtp_state.c), and its offers
 * and answers go on as before. One whose keys the store does not have (a
 * WebRTC leg's DTLS keys) is re-adopted without them (krtp.ko never gives
 * them back): its media goes on in the kernel as it was, and any later
 * offer is refused (-ENOKEY, 488), which leaves the session as it is
 * (RFC 3261 section 14.1), until the BYE.
 */
#include <errno.h>

#include "internal.h"

int med_sdes_require(const struct sdp *s)
{
	for (unsigned int i = 0; i < s->nmedia; i++) {
		const struct sdp_media *m = &s->media[i];

		if (!m->rtp || !m->port || m->dtls || (m->savp && m->ncrypto))
			continue;
		return -EPROTONOSUPPORT;
	}
	return 0;
}

static const char *med_sdes_proto(bool srtp, bool avpf)
{
	if (srtp)
		return avpf ? "RTP/SAVPF" : "RTP/SAVP";
	return avpf ? "RTP/AVPF" : "RTP/AVP";
}

int med_sdes_offer(struct med_call *c, struct med_stream *st, int from, const char *buf,
		   const struct sdp *s, unsigned int i, struct med_offer *offer,
		   struct sdp_anchor *an, char *line, size_t linesz)
{
	const struct sdp_media *m = &s->media[i];
	const struct med_srtp_leg *other = &st->srtp[1 - from];
	const char *why = NULL;
	int err;

	if (c->unkeyed)
		return -ENOKEY;	/* re-adopted SRTP call: nothing can be re-keyed */
	offer->sdes[i] = MED_SDES_NONE;
	offer->avpf[i] = m->avpf;
	if (c->srtp != MED_SRTP_BRIDGE || !m->rtp || m->dtls)
		return 0;
	if (m->savp) {
		err = sdp_crypto_choose(buf, s, i, med_srtp_suite_usable, &offer->key[i], &why);
		if (err) {
			med_log("media: stream %u: no usable a=crypto (%s)", i, why);
			return -EOPNOTSUPP;
		}
		offer->sdes[i] = MED_SDES_OFFERER;
		an->proto = med_sdes_proto(false, m->avpf);
		an->drop_crypto = true;
		return 0;
	}
	if (!other->on)
		return 0;	/* plain to plain */
	offer->sdes[i] = MED_SDES_ANSWERER;
	offer->key[i] = other->own;
	err = sdp_crypto_format(&other->own, line, linesz);
	if (err)
		return err;
	an->proto = med_sdes_proto(true, m->avpf);
	an->drop_crypto = true;
	an->crypto = line;
	return 0;
}

static bool med_sdes_same_key(const struct sdp_crypto *a, const struct sdp_crypto *b)
{
	return a->suite == b->suite && a->key_len == b->key_len &&
	       !memcmp(a->key, b->key, a->key_len);
}

int med_sdes_answer(struct med_call *c, struct med_stream *st, const char *buf,
		    const struct sdp *s, unsigned int i, struct sdp_anchor *an, char *line,
		    size_t linesz, struct med_srtp_leg legs[2])
{
	const struct med_offer *o = &c->offer;
	int ol = o->from == MED_LEG_A ? 0 : 1, al = 1 - ol, err;
	const struct sdp_media *m = &s->media[i];
	const struct med_srtp_leg *cur = &st->srtp[ol];
	const char *why = NULL;

	memset(legs, 0, 2 * sizeof(*legs));
	switch (o->sdes[i]) {
	case MED_SDES_OFFERER:
		/* the offerer is the SRTP leg; the answerer was shown plain RTP */
		legs[ol].on = true;
		legs[ol].peer = o->key[i];
		if (cur->on && med_sdes_same_key(&cur->peer, &o->key[i])) {
			legs[ol].own = cur->own;
		} else {
			legs[ol].own.suite = o->key[i].suite;
			err = sdp_crypto_new_key(&legs[ol].own);
			if (err)
				return err;
		}
		legs[ol].own.tag = o->key[i].tag;
		err = sdp_crypto_format(&legs[ol].own, line, linesz);
		if (err)
			return err;
		an->proto = med_sdes_proto(true, o->avpf[i]);
		an->drop_crypto = true;
		an->crypto = line;
		return 0;
	case MED_SDES_ANSWERER:
		/* a plain offer shown to the SRTP leg with krtpd's key: its answer keys it */
		if (m->savp) {
			err = sdp_crypto_find(buf, s, i, o->key[i].tag, &legs[al].peer, &why);
			if (!err && legs[al].peer.suite != o->key[i].suite) {
				why = "suite differs from the offer's";
				err = -EOPNOTSUPP;
			}
			if (err) {
				med_log("media: stream %u: answer's a=crypto not usable (%s)", i, why);
				return -EOPNOTSUPP;
			}
			/* krtpd's key toward the leg stays the one it offered */
			legs[al].on = true;
			legs[al].own = o->key[i];
		}
		an->proto = med_sdes_proto(false, o->avpf[i]);
		an->drop_crypto = true;
		return 0;
	default:
		return 0;
	}
}
