// SPDX-License-Identifier: GPL-2.0
/*
 * The SRTP transform of the userspace relay, with libsrtp2.
 *
 * A stream whose leg krtpd terminates SRTP on (srtp = bridge) has up to two
 * sessions per direction: one decrypts and authenticates what the sending
 * leg sent (its key, from its SDP), one encrypts toward the receiving leg
 * (krtpd's key, from the SDP krtpd sent it). Both legs SRTP would give a
 * direction both; a bridged call has one per direction.
 *
 * Sessions belong to the stream, not to its flows: a flow replaced by a
 * re-INVITE or a learned NAT source keeps the session, and so the rollover
 * counter and replay window. A session is made again only when its key
 * changes, which is always a fresh key on krtpd's side, so no keystream is
 * ever used twice. The RTP and RTCP flows of a direction share the session
 * (libsrtp keeps the SRTP and SRTCP indices of each SSRC apart).
 *
 * Everything here runs with med_lock held: by the SIP core's calls when
 * keys change, by the relay thread per packet.
 */
#include <errno.h>
#include <srtp2/srtp.h>

#include "internal.h"

int med_kernel_srtp;
static bool med_srtp_up;

/*
 * libsrtp's state is process-wide and srtp_init() cannot run twice, so it
 * is set up on the first SRTP call and kept until exit.
 */
int med_srtp_init(void)
{
	srtp_err_status_t e;

	if (med_srtp_up)
		return 0;
	e = srtp_init();
	if (e != srtp_err_status_ok) {
		med_log("media: libsrtp initialisation failed (%d)", (int)e);
		return -EIO;
	}
	med_srtp_up = true;
	return 0;
}

static void med_srtp_set_policy(srtp_policy_t *p, enum sdp_srtp_suite suite)
{
	switch (suite) {
	case SDP_SRTP_AES_CM_128_HMAC_SHA1_32:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p->rtp);
		/* RFC 4568 section 6.2.2: SRTCP keeps the 80-bit tag */
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
		break;
	case SDP_SRTP_AEAD_AES_128_GCM:
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtp);
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtcp);
		break;
	default:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
		break;
	}
}

static void med_srtp_sess_free(struct med_stream *st, int dir, int k)
{
	if (st->sess[dir][k])
		srtp_dealloc(st->sess[dir][k]);
	st->sess[dir][k] = NULL;
	explicit_bzero(&st->sess_key[dir][k], sizeof(st->sess_key[dir][k]));
}

/* session k (0 decrypt, 1 encrypt) of direction dir with key c, or none when c is NULL */
static int med_srtp_sess_set(struct med_stream *st, int dir, int k, const struct sdp_crypto *c)
{
	struct sdp_crypto *cur = &st->sess_key[dir][k];
	srtp_policy_t pol;
	srtp_t sess;
	srtp_err_status_t e;

	if (!c) {
		med_srtp_sess_free(st, dir, k);
		return 0;
	}
	if (st->sess[dir][k] && cur->suite == c->suite && cur->key_len == c->key_len &&
	    !memcmp(cur->key, c->key, c->key_len))
		return 0;	/* same key: keep the session, its ROC and replay window */
	memset(&pol, 0, sizeof(pol));
	med_srtp_set_policy(&pol, c->suite);
	pol.ssrc.type = k ? ssrc_any_outbound : ssrc_any_inbound;
	pol.key = (unsigned char *)c->key;
	pol.window_size = 128;
	/* a duplicate from the plain side is dropped, never encrypted twice */
	pol.allow_repeat_tx = 0;
	e = srtp_create(&sess, &pol);
	if (e != srtp_err_status_ok) {
		med_log("media: cannot create an SRTP session for %s (libsrtp error %d)",
			sdp_srtp_suite_name(c->suite), (int)e);
		return -EINVAL;
	}
	med_srtp_sess_free(st, dir, k);
	st->sess[dir][k] = sess;
	*cur = *c;
	return 0;
}

/*
 * libsrtp2 does AES-GCM only when built with a crypto library (Debian's is,
 * with NSS; one built without has none):
 * a suite is usable if a session for it can be made. Tried once per suite.
 */
bool med_srtp_suite_usable(enum sdp_srtp_suite suite)
{
	static int8_t known[SDP_SRTP_AEAD_AES_128_GCM + 1];	/* 0 untried, 1 yes, -1 no */
	uint8_t key[SDP_SRTP_KEY_MAX] = { 0 };
	srtp_policy_t pol;
	srtp_t sess;

	if (suite < SDP_SRTP_AES_CM_128_HMAC_SHA1_80 || suite > SDP_SRTP_AEAD_AES_128_GCM)
		return false;
	if (med_kernel_srtp > 0)
		return true;
	if (!known[suite] && !med_srtp_init()) {
		memset(&pol, 0, sizeof(pol));
		med_srtp_set_policy(&pol, suite);
		pol.ssrc.type = ssrc_any_inbound;
		pol.key = key;
		known[suite] = srtp_create(&sess, &pol) == srtp_err_status_ok ? 1 : -1;
		if (known[suite] > 0)
			srtp_dealloc(sess);
		else
			med_log("media: %s is not available: libsrtp2 lacks it",
				sdp_srtp_suite_name(suite));
	}
	return known[suite] > 0;
}

int med_srtp_update(struct med_stream *st)
{
	int dir, err = 0;

	if (!med_srtp_up && (st->srtp[0].on || st->srtp[1].on)) {
		err = med_srtp_init();
		if (err)
			return err;
	}
	for (dir = 0; dir < 2 && !err; dir++) {
		const struct med_srtp_leg *from = &st->srtp[dir], *to = &st->srtp[1 - dir];

		err = med_srtp_sess_set(st, dir, 0, from->on ? &from->peer : NULL);
		if (!err)
			err = med_srtp_sess_set(st, dir, 1, to->on ? &to->own : NULL);
	}
	return err;
}

void med_srtp_release(struct med_stream *st)
{
	for (int dir = 0; dir < 2; dir++)
		for (int k = 0; k < 2; k++)
			med_srtp_sess_free(st, dir, k);
	explicit_bzero(st->srtp, sizeof(st->srtp));
}

bool med_srtp_flow(const struct med_stream *st, int fi)
{
	int dir = fi >= MED_F_BA_RTP;

	return st->srtp[dir].on || st->srtp[1 - dir].on;
}

/* sdp_crypto's suites are numbered as krtp.ko's */
_Static_assert((int)SDP_SRTP_AES_CM_128_HMAC_SHA1_80 ==
	       (int)KRTP_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80 &&
	       (int)SDP_SRTP_AES_CM_128_HMAC_SHA1_32 ==
	       (int)KRTP_SRTP_SUITE_AES_CM_128_HMAC_SHA1_32 &&
	       (int)SDP_SRTP_AEAD_AES_128_GCM == (int)KRTP_SRTP_SUITE_AEAD_AES_128_GCM,
	       "suite numbers");

static void med_srtp_kctx(const struct sdp_crypto *c, struct krtp_srtp *k)
{
	k->suite = (uint32_t)c->suite;
	memcpy(k->key, c->key, KRTP_SRTP_MASTER_KEY_LEN);
	k->salt_len = c->key_len - KRTP_SRTP_MASTER_KEY_LEN;
	memcpy(k->salt, c->key + KRTP_SRTP_MASTER_KEY_LEN, k->salt_len);
}

void med_srtp_flow_keys(const struct med_stream *st, int fi, struct krtp_flow *kf)
{
	int dir = fi >= MED_F_BA_RTP;
	const struct med_srtp_leg *from = &st->srtp[dir], *to = &st->srtp[1 - dir];

	if (from->on)
		med_srtp_kctx(&from->peer, &kf->srtp_in);
	if (to->on)
		med_srtp_kctx(&to->own, &kf->srtp_out);
}

bool med_srtp_same_key(const struct krtp_srtp *a, const struct krtp_srtp *b)
{
	return a->suite == b->suite && a->salt_len == b->salt_len &&
	       !memcmp(a->key, b->key, sizeof(a->key)) && !memcmp(a->salt, b->salt, a->salt_len);
}

/* the RTP streams an SRTP context follows, and their ROCs, from one to another */
void med_srtp_streams_copy(struct krtp_srtp *to, const struct krtp_srtp *from)
{
	to->nstreams = from->nstreams;
	memcpy(to->streams, from->streams, sizeof(to->streams));
}

/*
 * A kernel flow is about to be replaced by want (a re-INVITE moved the
 * peer, NAT learning moved the sender). Where a direction keeps its key,
 * the new flow must go on from where the old one stands: restarted at
 * ROC 0, the receiver of a stream past sequence 65535 (21 minutes at 50
 * packets/s) can no longer decrypt it, and SRTCP index 0 would be a
 * replay. krtp.ko reports both (KRTP_A_SRTP_ROC, _SRTCP_INDEX), and the
 * ROC of each RTP stream (KRTP_A_SRTP_STREAM): a video line's RTX or a
 * PBX's second SSRC keeps its own, and the main stream its. A stream
 * within a few packets of a wrap may still cross it at the new flow's
 * first packet; a flow the kernel no longer has starts afresh. Flows of
 * the userspace relay need nothing: their libsrtp sessions belong to the
 * stream and stay.
 */
void med_srtp_carry(const struct med_flow *f, struct krtp_flow *want)
{
	bool keep_in = want->srtp_in.suite && med_srtp_same_key(&f->kf.srtp_in, &want->srtp_in);
	bool keep_out = want->srtp_out.suite && med_srtp_same_key(&f->kf.srtp_out, &want->srtp_out);
	struct krtp_srtp in = { 0 }, out = { 0 };

	if (f->user || !f->installed || (!keep_in && !keep_out))
		return;
	if (med_kernel_srtp_state(f, &in, &out))
		return;
	if (keep_in) {
		want->srtp_in.roc = in.roc;
		med_srtp_streams_copy(&want->srtp_in, &in);
	}
	if (keep_out) {
		want->srtp_out.roc = out.roc;
		want->srtp_out.srtcp_index = out.srtcp_index;
		med_srtp_streams_copy(&want->srtp_out, &out);
	}
}

int med_srtp_apply(struct med_flow *f, unsigned char *b, int len, int cap, bool rtcp)
{
	struct med_stream *st = f->stream;
	int dir = f->idx >= MED_F_BA_RTP;
	srtp_t dec = st->sess[dir][0], enc = st->sess[dir][1];
	srtp_err_status_t e;

	if (!dec && !enc)
		return len;
	/* an SRTP session only takes RTP and RTCP version 2 with a full header */
	if (len < (rtcp ? 8 : 12) || (b[0] >> 6) != 2)
		return -1;
	if (dec) {
		e = rtcp ? srtp_unprotect_rtcp(dec, b, &len) : srtp_unprotect(dec, b, &len);
		if (e != srtp_err_status_ok)
			return -1;	/* forged, replayed, or under another key */
	}
	if (enc) {
		if (len + MED_SRTP_ROOM > cap)
			return -1;
		e = rtcp ? srtp_protect_rtcp(enc, b, &len) : srtp_protect(enc, b, &len);
		if (e != srtp_err_status_ok)
			return -1;
	}
	return len;
}
