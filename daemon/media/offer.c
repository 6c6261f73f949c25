// SPDX-License-Identifier: GPL-2.0
/*
 * Offer and answer (RFC 3264) as media sees them: MED_Offer records what
 * the offering leg said and allocates relay ports for its new streams,
 * MED_Answer completes both sides of every stream and has media.c program
 * the flows, MED_Repeat rewrites SDP that answers nothing. Each returns the
 * SDP rewritten to show the other leg the relay ports facing it. SDES keys
 * (srtp = bridge) are sdes.c's; see media.c for how calls and flows are kept.
 *
 * Everything runs under med_lock, taken here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "webrtc.h"

static bool med_addr_eq(int family, const void *a, const void *b)
{
	return !memcmp(a, b, family == AF_INET6 ? 16 : 4);
}

/*
 * An address only a NAT's inside uses (RFC 1918, RFC 6598's shared space,
 * link-local; IPv6 unique local and link-local): a phone that shows one
 * in its SDP is behind a NAT, and its media comes from the NAT, which is
 * where its signalling came from when it talks to krtpd directly. A
 * public address that differs from the signalling's is a media address
 * of its own (a trunk's, an SBC's, a phone's STUN-mapped one).
 */
static bool med_addr_private(const struct sdp_addr *a)
{
	const uint8_t *b = (const uint8_t *)&a->v6;

	if (a->family == AF_INET)
		return b[0] == 10 || (b[0] == 172 && (b[1] & 0xf0) == 16) ||
		       (b[0] == 192 && b[1] == 168) || (b[0] == 100 && (b[1] & 0xc0) == 64) ||
		       (b[0] == 169 && b[1] == 254);
	return (b[0] & 0xfe) == 0xfc || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80);
}

/* What leg `leg`'s SDP says about stream i */
static void med_side_from_sdp(struct med_side *sd, const struct sdp *s, unsigned int i,
			      const struct sockaddr *sig_src)
{
	const struct sdp_media *m = &s->media[i];
	const struct sdp_addr *a = sdp_media_addr(s, i);
	struct krtp_ep sig;

	memset(sd, 0, sizeof(*sd));
	sd->known = true;
	sd->rtp.family = a->family;
	memcpy(&sd->rtp.addr, &a->v6, a->family == AF_INET6 ? 16 : 4);
	sd->rtp.port = m->port;
	sd->rtcp_port = sdp_media_rtcp_port(s, i);
	/* RFC 3605: RTCP may go to another address than RTP (same family only) */
	if (m->has_rtcp_addr && m->rtcp_addr.family == a->family) {
		sd->rtcp_addr.family = a->family;
		memcpy(&sd->rtcp_addr.addr, &m->rtcp_addr.v6, a->family == AF_INET6 ? 16 : 4);
	}
	sd->mux = m->rtcp_mux;
	sd->dir = sdp_media_dir(s, i);
	sd->clock_rate = m->clock_rate;
	/* the SIP request came from elsewhere than the SDP says: NAT, learn the source */
	if (sig_src) {
		med_sa_to_ep(sig_src, &sig);
		sd->nat = sig.family != a->family || !med_addr_eq(a->family, &sig.addr, &a->v6);
		if (sd->nat && sig.family == a->family && med_addr_private(a)) {
			sd->sig = sig;
			sd->sig.port = 0;
		}
	}
}

/*
 * The checks every MED_* entry point starts with: a call key, a leg, and
 * SDP that parses (into *sp, freed by the caller). 0, -EINVAL or -ENOMEM.
 */
static int med_sdp_parse(const char *call_key, enum med_leg from, const char *sdp, size_t len,
			 struct sdp **sp)
{
	struct sdp *s;

	if (!call_key || (from != MED_LEG_A && from != MED_LEG_B))
		return -EINVAL;
	s = malloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	if (sdp_parse(sdp, len, s)) {
		free(s);
		return -EINVAL;
	}
	*sp = s;
	return 0;
}

/* Allocate both port pairs of a stream; -ENOSPC when the range is full */
static int med_stream_ports(struct med_call *c, struct med_stream *st)
{
	int err;

	err = med_ports_alloc_pair(med_call_fam(c, 0), st, &st->pa);
	if (err)
		return err;
	err = med_ports_alloc_pair(med_call_fam(c, 1), st, &st->pb);
	if (err) {
		med_ports_free_pair(st, st->pa);
		st->pa = 0;
	}
	return err;
}

int MED_Offer(const char *call_key, enum med_leg from, const struct sockaddr *sig_src,
	      const char *sdp, size_t len, char *out, size_t outsz, size_t *outlen)
{
	return MED_OfferSrtp(call_key, from, MED_SRTP_PASSTHROUGH, sig_src, sdp, len, out, outsz,
			     outlen);
}

int MED_OfferSrtp(const char *call_key, enum med_leg from, enum med_srtp srtp,
		  const struct sockaddr *sig_src, const char *sdp, size_t len, char *out,
		  size_t outsz, size_t *outlen)
{
	return MED_OfferTo(call_key, from, srtp, 0, sig_src, sdp, len, out, outsz, outlen);
}

/*
 * The answering leg (index to) is faced in to_family when the relay has an
 * address of it, else in the offer's family; its ports are bound in it, and
 * the flows between the legs cross families where the two differ.
 */
int MED_OfferTo(const char *call_key, enum med_leg from, enum med_srtp srtp, int to_family,
		const struct sockaddr *sig_src, const char *sdp, size_t len, char *out,
		size_t outsz, size_t *outlen)
{
	return MED_OfferWebrtc(call_key, from, srtp, to_family, false, sig_src, sdp, len, out,
			       outsz, outlen);
}

/* Did krtpd offer leg `to` of the call WebRTC before (a re-offer stays WebRTC)? */
static bool med_to_webrtc(const struct med_call *c, int to)
{
	for (unsigned int i = 0; i < MED_MAX_STREAMS; i++)
		if (c->streams[i] && c->streams[i]->webrtc[to] && c->streams[i]->webrtc[to]->offerer)
			return true;
	return false;
}

int MED_OfferWebrtc(const char *call_key, enum med_leg from, enum med_srtp srtp, int to_family,
		    bool to_webrtc, const struct sockaddr *sig_src, const char *sdp, size_t len,
		    char *out, size_t outsz, size_t *outlen)
{
	static char lines[SDP_MAX_MEDIA][SDP_CRYPTO_LINE_MAX];	/* under med_lock */
	struct sdp_anchor anchors[SDP_MAX_MEDIA] = { 0 };
	bool fresh[SDP_MAX_MEDIA] = { 0 }, created = false, webrtc = false;
	struct med_offer offer = { .valid = true, .from = from };
	int to = from == MED_LEG_A ? 1 : 0, err = 0;
	struct med_call *c = NULL;
	struct sdp *s;
	unsigned int i;

	err = med_sdp_parse(call_key, from, sdp, len, &s);
	if (err)
		return err;
	pthread_mutex_lock(&med_lock);
	if (!med_running()) {
		err = -ENODEV;
		goto out;
	}
	for (i = 0; i < s->nmedia; i++)
		webrtc |= s->media[i].dtls && s->media[i].port;
	c = med_call_find(call_key);
	if (!c) {
		int family = 0;

		/* the relay speaks the family of the first stream it anchors */
		for (i = 0; i < s->nmedia && !family; i++)
			if (s->media[i].udp && s->media[i].port)
				family = sdp_media_addr(s, i)->family;
		if (!family)
			family = s->conn.family ? s->conn.family : AF_INET;
		/*
		 * A WebRTC offer's c= is only its default candidate (RFC 8839
		 * section 4.2.1.1): ICE finds the way, so a relay without that
		 * family answers from the other one
		 */
		if (webrtc && med_relay_ep(family)->family != family)
			family = med_family_other(family);
		if (med_relay_ep(family)->family != family) {
			err = -EAFNOSUPPORT;
			goto out;
		}
		c = med_call_new(med_key_hash(call_key), call_key);
		if (!c) {
			err = -ENOMEM;
			goto out;
		}
		c->family = family;
		c->fam[1 - to] = family;
		c->fam[to] = to_family && med_relay_ep(to_family)->family == to_family ?
			     to_family : family;
		c->srtp = srtp;
		created = true;
	}
	if (c->srtp == MED_SRTP_REQUIRE) {
		err = med_sdes_require(s);
		if (err)
			goto out;
	}
	/* RFC 3264 section 8: a later offer keeps every m= line of the earlier ones */
	if (s->nmedia < c->nstreams) {
		err = -EINVAL;
		goto out;
	}
	offer.nmedia = s->nmedia;
	offer.to_webrtc = to_webrtc || med_to_webrtc(c, to);
	/* the lines a WebRTC offerer bundles on one transport, that krtpd can (bundle.c) */
	if (webrtc)
		med_bundle_plan(sdp, len, s, &offer);
	for (i = 0; i < s->nmedia; i++) {
		const struct sdp_media *m = &s->media[i];
		bool member = offer.bundle_lead[i] && offer.bundle_lead[i] - 1u != i;
		struct med_stream *st;
		int r;

		/* a bundle-only line has port 0 and the lead's transport */
		if (!m->udp || (!m->port && !member))
			continue;
		/* a WebRTC offer: krtpd anchors its audio and video, the rest gets port 0 */
		if (webrtc && (!m->dtls || !med_wr_media(m->type))) {
			anchors[i].anchored = true;
			err = med_webrtc_offer(NULL, 1 - to, sdp, len, s, i, &offer, &anchors[i]);
			if (err)
				goto out;
			continue;
		}
		/* to a WebRTC callee krtpd anchors RTP audio and video; the rest goes with port 0 */
		if (offer.to_webrtc && (!m->rtp || !med_wr_media(m->type)))
			continue;
		/* a WebRTC leg's address is where ICE nominates, in either family */
		if (!webrtc && sdp_media_addr(s, i)->family != med_call_fam(c, 1 - to)) {
			err = -EAFNOSUPPORT;
			goto out;
		}
		st = med_stream_get(c, i, true);
		if (!st) {
			err = -ENOMEM;
			goto out;
		}
		r = webrtc ? med_bundle_ports(c, st, 1 - to, &offer, i, &fresh[i]) : 0;
		if (r < 0) {
			err = r;
			goto out;
		}
		/* a bundle-only line krtpd cannot bundle: refused, port 0 */
		if (!r && !m->port)
			continue;
		if (!st->pa) {
			err = med_stream_ports(c, st);
			if (err)
				goto out;
			fresh[i] = true;
		}
		offer.anchored[i] = true;
		med_side_from_sdp(&offer.side[i], s, i, sig_src);
		anchors[i].anchored = true;
		anchors[i].rtp_port = to ? st->pb : st->pa;
		anchors[i].rtcp_port = (uint16_t)(anchors[i].rtp_port + 1);
		err = med_sdes_offer(c, st, 1 - to, sdp, s, i, &offer, &anchors[i], lines[i],
				     sizeof(lines[i]));
		if (!err && m->dtls)
			err = med_webrtc_offer(st, 1 - to, sdp, len, s, i, &offer, &anchors[i]);
		if (!err && offer.to_webrtc) {
			err = med_webrtc_offer_to(st, to);
			offer.to_wr[i] = true;
		}
		if (err)
			goto out;
	}
	if (offer.to_webrtc) {
		/* a WebRTC callee: an offer of krtpd's own, not the caller's rewritten */
		med_bundle_plan_to(sdp, len, s, &offer);
		err = med_webrtc_offer_sdp(c, &offer, to, sdp, len, s, out, outsz, outlen);
	} else {
		err = sdp_rewrite(sdp, len, s, med_relay_txt(med_call_fam(c, to)),
				  anchors, out, outsz, outlen);
		/* the plain leg sees no DTLS, BUNDLE or SSRC lines */
		if (!err && webrtc)
			sdp_webrtc_strip(out, outlen);
	}
	if (err)
		goto out;
	c->offer = offer;
	explicit_bzero(&offer, sizeof(offer));
	explicit_bzero(lines, sizeof(lines));
	if (c->nstreams < s->nmedia)
		c->nstreams = s->nmedia;
out:
	if (err && c) {
		for (i = 0; i < SDP_MAX_MEDIA; i++) {
			if (fresh[i]) {
				med_ports_free_pair(c->streams[i], c->streams[i]->pa);
				med_ports_free_pair(c->streams[i], c->streams[i]->pb);
				c->streams[i]->pa = c->streams[i]->pb = 0;
				/* a stream without ports had no WebRTC leg: this offer made it */
				med_webrtc_release(c->streams[i]);
			}
		}
		if (created)
			med_call_destroy(c);
	}
	pthread_mutex_unlock(&med_lock);
	free(s);
	return err;
}

int MED_Answer(const char *call_key, enum med_leg from, const struct sockaddr *sig_src,
	       const char *sdp, size_t len, char *out, size_t outsz, size_t *outlen)
{
	static char lines[SDP_MAX_MEDIA][SDP_CRYPTO_LINE_MAX];	/* under med_lock */
	static struct med_srtp_leg legs[SDP_MAX_MEDIA][2];
	static struct sdp_webrtc wrs[SDP_MAX_MEDIA];	/* under med_lock */
	struct sdp_anchor anchors[SDP_MAX_MEDIA] = { 0 };
	struct med_side side[SDP_MAX_MEDIA];
	bool accepted[SDP_MAX_MEDIA] = { 0 }, webrtc = false, was[2];
	struct med_call *c;
	struct sdp *s;
	unsigned int i, lead;
	int err = 0, ol, al;

	err = med_sdp_parse(call_key, from, sdp, len, &s);
	if (err)
		return err;
	pthread_mutex_lock(&med_lock);
	c = med_running() ? med_call_find(call_key) : NULL;
	if (!c) {
		err = -ENOENT;
		goto out;
	}
	/* an answer comes from the leg that did not offer; 183 and 200 may both carry one */
	if (!c->offer.valid || c->offer.from == from || s->nmedia != c->offer.nmedia) {
		err = -EINVAL;
		goto out;
	}
	ol = c->offer.from == MED_LEG_A ? 0 : 1;
	al = 1 - ol;
	for (i = 0; i < s->nmedia; i++) {
		struct med_stream *st = c->streams[i];
		const struct sdp_media *m = &s->media[i];

		if (!c->offer.anchored[i])
			continue;	/* not anchored in the offer: the answer goes through as is */
		anchors[i].anchored = true;
		lead = c->offer.bundle_lead[i];
		/* a bundled line whose lead the answer refused has no transport left */
		if (!m->port || !m->udp || !st || !st->pa ||
		    (lead && lead - 1 != i && !accepted[lead - 1])) {
			/* rejected: shown as port 0, in the profile it was offered in */
			if (c->offer.sdes[i] == MED_SDES_OFFERER)
				anchors[i].proto = c->offer.avpf[i] ? "RTP/SAVPF" : "RTP/SAVP";
			continue;
		}
		/* the answer of a leg krtpd offered WebRTC: usable, or the call fails */
		if (c->offer.to_wr[i]) {
			const char *why;

			err = med_webrtc_answer_check(sdp, len, s, i, &wrs[i], &why);
			if (err) {
				med_log("media: stream %u: WebRTC answer refused: %s", i, why);
				goto out;
			}
		}
		if (!c->offer.to_wr[i] && sdp_media_addr(s, i)->family != med_call_fam(c, al)) {
			err = -EAFNOSUPPORT;
			goto out;
		}
		med_side_from_sdp(&side[i], s, i, sig_src);
		accepted[i] = true;
		anchors[i].rtp_port = ol ? st->pb : st->pa;
		anchors[i].rtcp_port = (uint16_t)(anchors[i].rtp_port + 1);
		err = med_sdes_answer(c, st, sdp, s, i, &anchors[i], lines[i], sizeof(lines[i]),
				      legs[i]);
		if (err)
			goto out;
	}
	err = sdp_rewrite(sdp, len, s, med_relay_txt(med_call_fam(c, ol)),
			  anchors, out, outsz, outlen);
	if (err)
		goto out;
	/* a WebRTC callee offered a group: the lines it bundled (bundle.c) */
	if (c->offer.to_webrtc)
		med_bundle_answered(&c->offer, s, wrs);
	for (i = 0; i < s->nmedia; i++) {
		struct med_stream *st = c->streams[i];

		if (!accepted[i]) {
			/* a rejected or disabled stream keeps no ports */
			if (st)
				med_stream_release(st);
			continue;
		}
		/* a leg still behind the same NAT still sends from where it was learned */
		if (st->side[ol].nat && c->offer.side[i].nat)
			memcpy(c->offer.side[i].learned, st->side[ol].learned, sizeof(side[i].learned));
		if (st->side[al].nat && side[i].nat)
			memcpy(side[i].learned, st->side[al].learned, sizeof(side[i].learned));
		st->side[ol] = c->offer.side[i];
		st->side[al] = side[i];
		st->rtp = s->media[i].rtp;
		st->bundle = c->offer.bundle_lead[i] != 0;
		memcpy(st->bundle_pt, c->offer.pts[i], sizeof(st->bundle_pt));
		/* RFC 5761 section 5.1.1: muxed only if the answer accepted it */
		st->mux = st->side[ol].mux && st->side[al].mux;
		was[0] = st->srtp[0].on;
		was[1] = st->srtp[1].on;
		memcpy(st->srtp, legs[i], sizeof(st->srtp));
		/* a WebRTC leg: its side and keys are what ICE and DTLS found so far */
		if (c->offer.webrtc[i] == MED_WR_LEG)
			err = med_webrtc_answered(st, ol, true);
		if (!err && c->offer.to_wr[i]) {
			med_webrtc_answer_take(st, al, &wrs[i]);
			lead = c->offer.bundle_lead[i];
			if (lead && lead - 1 != i)
				med_bundle_join(st, al, c->streams[lead - 1]);
			err = med_webrtc_answered(st, al, false);
		}
		if (!err)
			err = med_srtp_update(st);
		if (err)
			goto out;
		med_srtp_save(c, st, was);
	}
	/* the WebRTC offerer gets an answer of krtpd's own: ICE-lite, DTLS, its codecs */
	for (i = 0; i < s->nmedia; i++)
		webrtc |= c->offer.webrtc[i] != MED_WR_NONE;
	if (webrtc)
		err = med_webrtc_answer_sdp(c, ol, sdp, len, s, out, outsz, outlen);
	else if (c->offer.to_webrtc)
		/* the plain offerer of a WebRTC callee: plain RTP, nothing of WebRTC */
		err = med_webrtc_plain_answer_sdp(c, ol, sdp, len, s, anchors, out, outsz,
						  outlen);
	if (err)
		goto out;
	err = med_call_program(c);
out:
	explicit_bzero(lines, sizeof(lines));
	explicit_bzero(legs, sizeof(legs));
	explicit_bzero(wrs, sizeof(wrs));
	pthread_mutex_unlock(&med_lock);
	free(s);
	return err;
}

int MED_Repeat(const char *call_key, enum med_leg from, const char *sdp, size_t len,
	       char *out, size_t outsz, size_t *outlen)
{
	struct sdp_anchor anchors[SDP_MAX_MEDIA] = { 0 };
	struct med_call *c;
	struct sdp *s;
	unsigned int i;
	int err;

	err = med_sdp_parse(call_key, from, sdp, len, &s);
	if (err)
		return err;
	pthread_mutex_lock(&med_lock);
	c = med_running() ? med_call_find(call_key) : NULL;
	if (!c) {
		err = -ENOENT;
		goto out;
	}
	if (s->nmedia != c->nstreams) {
		err = -EINVAL;
		goto out;
	}
	for (i = 0; i < s->nmedia; i++) {
		const struct med_stream *st = c->streams[i];
		const struct sdp_media *m = &s->media[i];

		if (!st || !st->pa || !st->pb)
			continue;	/* never anchored: as MED_Answer lets it through */
		anchors[i].anchored = true;
		if (!m->port || !m->udp)
			continue;	/* rejected: shown as port 0 */
		if (sdp_media_addr(s, i)->family != med_call_fam(c, from == MED_LEG_B)) {
			err = -EAFNOSUPPORT;
			goto out;
		}
		/* the port the other leg already sends to */
		anchors[i].rtp_port = from == MED_LEG_B ? st->pa : st->pb;
		anchors[i].rtcp_port = (uint16_t)(anchors[i].rtp_port + 1);
	}
	err = sdp_rewrite(sdp, len, s, med_relay_txt(med_call_fam(c, from == MED_LEG_A)),
			  anchors, out, outsz, outlen);
out:
	pthread_mutex_unlock(&med_lock);
	free(s);
	return err;
}
