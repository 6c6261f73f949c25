// SPDX-License-Identifier: GPL-2.0
/*
 * BUNDLE (RFC 8843) toward a WebRTC offerer: audio and video on one
 * transport, as a browser on bundlePolicy max-bundle requires (its offer
 * gives every line but the first port 0 and a=bundle-only), and as any
 * browser's later offers have it once a bundle is up (every bundled line
 * on the same port).
 *
 * Which lines: the offer's BUNDLE group names them and its first is the
 * offerer's tag. krtpd bundles the tag line, when it anchors it (audio or
 * video, UDP/TLS/RTP/SAVPF), with each later line of the group that the
 * offer puts on the tag's transport (bundle-only; the tag's address and
 * port; or no candidates of its own, as Chromium on max-bundle writes
 * it) and whose payload types no other line of the bundle uses:
 * krtp.ko and the relay tell bundled lines apart by payload type (RTP)
 * and by sender SSRC (RTCP), never by the MID header extension. A line
 * that fails a test is not bundled: a bundle-only one is refused with
 * port 0, one of its own keeps its own transport, as before.
 *
 * How: each line stays a stream of its own, with a port pair facing the
 * plain leg as always. On the WebRTC side a member has no port, ICE agent
 * or DTLS session of its own: its leg's `lead` is the lead line's leg,
 * whose port its flows use (struct med_stream's bundle_pt tells them
 * apart there) and whose address and keys it takes (webrtc.c). The
 * answer names the bundle in a=group:BUNDLE and puts every line on the
 * lead's port (webrtc_sdp.c).
 *
 * All with med_lock held.
 */
#include <errno.h>

#include "dtls.h"
#include "internal.h"
#include "webrtc.h"

static bool med_bundle_same_addr(const struct sdp *s, unsigned int i, unsigned int j)
{
	const struct sdp_addr *a = sdp_media_addr(s, i), *b = sdp_media_addr(s, j);

	return a->family == b->family &&
	       !memcmp(&a->v6, &b->v6, a->family == AF_INET6 ? 16 : 4);
}

void med_bundle_plan(const char *buf, size_t len, const struct sdp *s, struct med_offer *o)
{
	static struct sdp_webrtc wr[SDP_MAX_MEDIA];	/* under med_lock */
	bool ok[SDP_MAX_MEDIA] = { 0 };
	uint8_t used[SDP_PT_SET_LEN];
	unsigned int i, k, n = 0;
	int tag = -1, err;
	const char *why;

	memset(o->bundle_lead, 0, sizeof(o->bundle_lead));
	for (i = 0; i < s->nmedia && i < MED_MAX_STREAMS; i++) {
		const struct sdp_media *m = &s->media[i];

		/*
		 * A bundled line needs no ICE or DTLS attributes of its own
		 * (RFC 8843 section 7.2: they are the tag's); the tag does
		 */
		err = sdp_webrtc_parse(buf, len, s, i, &wr[i], &why);
		ok[i] = m->udp && m->dtls && med_wr_media(m->type) && wr[i].bundled &&
			sdp_media_pt_set(buf, len, s, i, o->pts[i]) > 0;
		if (ok[i] && !err && tag < 0 && wr[i].bundle_tag && m->port)
			tag = (int)i;
	}
	if (tag < 0)
		return;
	memcpy(used, o->pts[tag], sizeof(used));
	for (i = (unsigned int)tag + 1; i < s->nmedia && i < MED_MAX_STREAMS; i++) {
		const struct sdp_media *m = &s->media[i];
		bool clash = false;

		if (!ok[i])
			continue;
		/*
		 * On the tag's transport: bundle-only (port 0), the tag's
		 * address and port (a later offer), or no candidates of its
		 * own (Chromium on max-bundle gives such a line port 9 and no
		 * a=bundle-only; a trickle offer has none yet on any line,
		 * and accepting the group is the answerer's choice then)
		 */
		if (!(m->port == 0 && wr[i].bundle_only) &&
		    !(m->port == s->media[tag].port && med_bundle_same_addr(s, i, (unsigned int)tag)) &&
		    wr[i].candidates)
			continue;
		for (k = 0; k < SDP_PT_SET_LEN; k++)
			clash |= (used[k] & o->pts[i][k]) != 0;
		if (clash) {
			med_log("media: stream %u: not bundled: a payload type of it is another bundled line's",
				i);
			continue;
		}
		for (k = 0; k < SDP_PT_SET_LEN; k++)
			used[k] |= o->pts[i][k];
		o->bundle_lead[i] = (uint8_t)(tag + 1);
		n++;
	}
	if (n)
		o->bundle_lead[tag] = (uint8_t)(tag + 1);
	explicit_bzero(wr, sizeof(wr));
}

/*
 * krtpd offers a WebRTC callee (a contact over WebSocket) the lines it
 * anchors, each on a transport of its own as before, and, when no payload
 * type is in two of them, a group of them all, the first its tag (RFC
 * 8843 section 7.2, as a browser on bundlePolicy balanced offers): a
 * callee that bundles (any browser, and one on max-bundle must) moves them
 * onto the first line's transport, one that does not keeps them apart.
 */
void med_bundle_plan_to(const char *buf, size_t len, const struct sdp *s, struct med_offer *o)
{
	uint8_t used[SDP_PT_SET_LEN] = { 0 };
	unsigned int i, k, n = 0;
	int tag = -1;

	memset(o->bundle_lead, 0, sizeof(o->bundle_lead));
	for (i = 0; i < s->nmedia && i < MED_MAX_STREAMS; i++) {
		if (!o->to_wr[i])
			continue;
		if (sdp_media_pt_set(buf, len, s, i, o->pts[i]) <= 0)
			return;
		for (k = 0; k < SDP_PT_SET_LEN; k++) {
			if (used[k] & o->pts[i][k])
				return;		/* a payload type in two lines: no group */
			used[k] |= o->pts[i][k];
		}
		if (tag < 0)
			tag = (int)i;
		n++;
	}
	for (i = 0; n > 1 && i < s->nmedia && i < MED_MAX_STREAMS; i++)
		if (o->to_wr[i])
			o->bundle_lead[i] = (uint8_t)(tag + 1);
}

/*
 * The callee's answer to such an offer: the lines its group names with the
 * tag's stay bundled, the others leave (bundle_lead 0). wrs: the answer's
 * WebRTC attributes of each line krtpd offered WebRTC
 */
void med_bundle_answered(struct med_offer *o, const struct sdp *s, const struct sdp_webrtc *wrs)
{
	unsigned int i, n = 0, tag;

	for (i = 0; i < s->nmedia && i < MED_MAX_STREAMS; i++) {
		if (!o->bundle_lead[i])
			continue;
		tag = o->bundle_lead[i] - 1u;
		if (!wrs[i].bundled || !wrs[tag].bundled || !s->media[i].port || !s->media[tag].port)
			o->bundle_lead[i] = 0;
		else if (tag != i)
			n++;
	}
	for (i = 0; !n && i < s->nmedia && i < MED_MAX_STREAMS; i++)
		o->bundle_lead[i] = 0;
}

/* Is port one of st's own (bound by it), not one it borrows from its lead? */
static bool med_bundle_own(const struct med_stream *st, uint16_t port)
{
	const struct med_port *p = port ? med_port_get(port) : NULL;

	return p && p->fd >= 0 && p->owner == st;
}

int med_bundle_ports(struct med_call *c, struct med_stream *st, int wleg, struct med_offer *o,
		     unsigned int i, bool *fresh)
{
	uint16_t *wp = wleg ? &st->pb : &st->pa, *pp = wleg ? &st->pa : &st->pb;
	unsigned int lead = o->bundle_lead[i] ? o->bundle_lead[i] - 1u : i;
	const struct med_stream *ls = lead < MED_MAX_STREAMS ? c->streams[lead] : NULL;
	int err;

	if (lead != i) {
		uint16_t lp = ls ? (wleg ? ls->pb : ls->pa) : 0;

		/*
		 * A line with a transport of its own keeps it (a bundle is
		 * made by the first offer, RFC 8843 section 7.5.2); one whose
		 * lead is not anchored has nothing to share
		 */
		if (med_bundle_own(st, *wp) || !lp || !ls->webrtc[wleg]) {
			o->bundle_lead[i] = 0;
		} else {
			if (!*pp) {
				err = med_ports_alloc_pair(med_call_fam(c, 1 - wleg), st, pp);
				if (err)
					return err;
				*fresh = true;
			}
			*wp = lp;
			st->fam[wleg] = ls->fam[wleg];
			return 1;
		}
	}
	/* not (or no longer) a member: the port it borrowed is not its to keep */
	if (*wp && !med_bundle_own(st, *wp)) {
		*wp = 0;
		st->fam[wleg] = 0;
		if (*pp) {
			err = med_ports_alloc_pair(med_call_fam(c, wleg), st, wp);
			if (err)
				return err;
			*fresh = true;
		}
	}
	return 0;
}

void med_bundle_join(struct med_stream *st, int leg, struct med_stream *lead)
{
	struct med_webrtc *w = st->webrtc[leg];
	uint16_t port = leg ? st->pb : st->pa;

	if (!w || w->lead || !lead->webrtc[leg])
		return;
	/* its own pairs, offered in case the callee did not bundle, are not needed */
	if (med_bundle_own(st, port))
		med_ports_free_pair(st, port);
	if (w->alt)
		med_ports_free_pair(st, w->alt);
	w->alt = 0;
	med_dtls_free(w->dtls);
	w->dtls = NULL;
	w->lead = lead->webrtc[leg];
}

static bool med_bundle_has(const struct med_flow *f, unsigned int pt)
{
	return f->kf.bundle && (f->kf.bundle_pt[pt / 8] & (1u << (pt % 8)));
}

/* the flow of the bundle (from head) whose reverse carries the stream of ssrc */
static struct med_flow *med_bundle_by_reverse(struct med_flow *head, uint32_t ssrc)
{
	for (struct med_flow *f = head; f; f = f->bnext) {
		const struct med_port *p = f->kf.via.port ? med_port_get(f->kf.via.port) : NULL;
		const struct med_flow *rev = p ? p->flow : NULL;

		if (rev && rev->u.st.has_rtp && rev->u.st.rtp_ssrc == ssrc)
			return f;
	}
	return NULL;
}

static uint32_t med_be32(const unsigned char *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/*
 * RTCP whose sender no flow knows: by the stream it reports on, in the
 * first MED_BUNDLE_RTCP_WALK sub-packets, as krtp.ko does
 */
#define MED_BUNDLE_RTCP_WALK	4
static struct med_flow *med_bundle_rtcp_about(struct med_flow *head, const unsigned char *b,
					      size_t len)
{
	size_t off = 0, at, size;
	struct med_flow *f;

	for (int n = 0; n < MED_BUNDLE_RTCP_WALK && off + 8 <= len; n++) {
		const unsigned char *h = b + off;

		if ((h[0] >> 6) != 2)
			return NULL;
		size = 4 * ((size_t)(h[2] << 8 | h[3]) + 1);
		switch (h[1]) {
		case 200:	/* SR: the first report block, after the sender info */
			at = h[0] & 0x1f ? 28 : 0;
			break;
		case 201:	/* RR */
			at = h[0] & 0x1f ? 8 : 0;
			break;
		case 205:	/* RTPFB: the media source */
			at = 8;
			break;
		case 206:	/* PSFB: the media source; a FIR's is 0, its entry's */
			at = (h[0] & 0x1f) == 4 ? 12 : 8;
			break;
		default:
			at = 0;
		}
		if (at && at + 4 <= size && off + at + 4 <= len) {
			f = med_bundle_by_reverse(head, med_be32(h + at));
			if (f)
				return f;
		}
		off += size;
	}
	return NULL;
}

/*
 * As krtp.ko (kmod/bundle.c): RTP by payload type, none of the port's:
 * dropped; RTCP by its sender SSRC, the one a flow's RTP analysis follows,
 * else by the stream it reports on, else the first flow; anything else the
 * first flow
 */
struct med_flow *med_bundle_pick(struct med_flow *head, const unsigned char *b, size_t len,
				 bool rtcp)
{
	struct med_flow *f;
	uint32_t ssrc;

	if (!head->kf.bundle || len < 8 || (b[0] >> 6) != 2)
		return head;
	if (rtcp) {
		ssrc = med_be32(b + 4);
		for (f = head; f; f = f->bnext)
			if (f->u.st.has_rtp && f->u.st.rtp_ssrc == ssrc)
				return f;
		/* SRTCP: all but the first 8 bytes are ciphertext here */
		f = head->stream->srtp[head->idx >= MED_F_BA_RTP].on ? NULL :
		    med_bundle_rtcp_about(head, b, len);
		return f ? f : head;
	}
	if (len < 12)
		return head;
	for (f = head; f; f = f->bnext)
		if (med_bundle_has(f, b[1] & 0x7f))
			return f;
	return NULL;
}
