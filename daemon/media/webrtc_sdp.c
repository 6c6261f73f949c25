// SPDX-License-Identifier: GPL-2.0
/*
 * The SDP krtpd writes for WebRTC legs, afresh rather than rewritten:
 * the answer a WebRTC offerer gets, the offer a WebRTC callee gets (a
 * contact over WebSocket, med_webrtc_offer_sdp), and the plain answer the
 * phone calling that callee gets (med_webrtc_plain_answer_sdp).
 *
 * The answer a WebRTC offerer gets (RFC 8829 section 5.3, RFC 8839,
 * RFC 5763) is written from the plain leg's answer.
 * What it takes from that answer is the codecs (the m= line's formats and
 * their a=rtpmap, a=fmtp, a=ptime, a=maxptime) and the direction; the
 * rest is krtpd's: the relay address and port, ICE-lite with krtpd's
 * credentials and a host candidate per relay address (webrtc.h),
 * a=fingerprint of the call's certificate (a reload leaves a call's as
 * it was: struct med_call), a=setup, a=rtcp-mux, and the offer's a=mid.
 * Lines krtpd does not anchor (data channels, bundle-only lines it cannot
 * bundle) are rejected with port 0.
 *
 * The offer to a WebRTC callee (RFC 8829 section 5.2, RFC 8842) takes the
 * codecs of the caller's RTP audio and video lines, naming static payload
 * types the caller left unnamed, and its direction; ICE-lite, krtpd's
 * credentials and candidates, a=fingerprint, a=setup:actpass, a=rtcp-mux,
 * a=mid on every line; every other line with port 0. Its audio and video
 * are grouped as bundle.c says: each on a transport of its own, which a
 * callee that bundles gives up for the first line's (and a later offer
 * shows it so).
 *
 * BUNDLE (RFC 8843): a line bundle.c bundles shows its lead's transport
 * (port, ICE credentials, candidates), and the SDP's a=group:BUNDLE names
 * the lead and them. Lines that are not bundled each have a relay port, an
 * ICE agent and a DTLS session of their own. With one line anchored
 * (audio), the SDP's group names it, as a max-bundle browser needs. An
 * answer with more on transports of their own (a balanced browser's audio
 * and video) has no group: that takes every line out of the offerer's
 * group (section 7.3.3), so the browser keeps the separate transports it
 * gathered. A group naming only the first line would not do: Chromium
 * counts it as established, adds the other lines to it in its next offer
 * (an ICE restart, a hold) and refuses an answer that leaves them out.
 * krtpd's offer to a callee groups its lines, each on its own transport,
 * and the callee decides (bundle.c).
 *
 * Called by MED_OfferWebrtc and MED_Answer with med_lock held.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "dtls.h"
#include "webrtc.h"

struct wr_out {
	char *p;
	size_t len, cap;
	bool overflow;
};

static void wr_printf(struct wr_out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->cap - o->len) {
		o->overflow = true;
		return;
	}
	o->len += (size_t)n;
}

/* The lines of buf, without CR LF; false at the end */
static bool wr_line(const char *buf, size_t len, size_t *pos, const char **p, size_t *n)
{
	const char *nl;
	size_t start = *pos, end;

	if (start >= len)
		return false;
	nl = memchr(buf + start, '\n', len - start);
	end = nl ? (size_t)(nl - buf) : len;
	*pos = nl ? end + 1 : len;
	if (end > start && buf[end - 1] == '\r')
		end--;
	*p = buf + start;
	*n = end - start;
	return true;
}

static bool wr_has_prefix(const char *p, size_t n, const char *lit)
{
	size_t k = strlen(lit);

	return n >= k && !memcmp(p, lit, k);
}

/* what wr_codecs writes of m= line i */
enum wr_what {
	WR_FORMATS,	/* the m= line's formats (after its protocol) */
	WR_CODECS,	/* a=rtpmap, a=fmtp, a=ptime, a=maxptime */
	/*
	 * ... and a=rtcp-fb, for a WebRTC leg: the feedback the plain phone
	 * says it takes (baresip: "nack pli", with RTP/AVP too). A browser
	 * sends key frame requests (PLI, FIR) and NACKs only for feedback
	 * the other side named; without them a picture that lost a packet
	 * stays broken until the phone's next key frame.
	 */
	WR_CODECS_FB,
};

/* The formats of m= line i of buf, or the codec lines of its section */
static void wr_codecs(struct wr_out *o, const char *buf, size_t len, const struct sdp *s,
		      unsigned int i, enum wr_what what)
{
	bool lines = what != WR_FORMATS;
	const struct sdp_media *m = &s->media[i];
	size_t pos = 0, n, from;
	const char *p;
	int idx = -1;

	while (wr_line(buf, len, &pos, &p, &n)) {
		if (wr_has_prefix(p, n, "m=")) {
			idx++;
			if (idx == (int)i && !lines) {
				from = m->proto_off + m->proto_len;
				if (from <= (size_t)(p - buf) + n)
					wr_printf(o, "%.*s", (int)((size_t)(p - buf) + n - from),
						  buf + from);
				return;
			}
			continue;
		}
		if (idx != (int)i || !lines)
			continue;
		if (wr_has_prefix(p, n, "a=rtpmap:") || wr_has_prefix(p, n, "a=fmtp:") ||
		    wr_has_prefix(p, n, "a=ptime:") || wr_has_prefix(p, n, "a=maxptime:") ||
		    (what == WR_CODECS_FB && wr_has_prefix(p, n, "a=rtcp-fb:")))
			wr_printf(o, "%.*s\r\n", (int)n, p);
	}
}

static const char *wr_dir(enum sdp_dir d)
{
	switch (d) {
	case SDP_DIR_SENDONLY:
		return "sendonly";
	case SDP_DIR_RECVONLY:
		return "recvonly";
	case SDP_DIR_INACTIVE:
		return "inactive";
	default:
		return "sendrecv";
	}
}

/* "c=" of an m= line: the relay's address in the family the leg is in there */
static void wr_conn(struct wr_out *o, const struct med_stream *st, int leg,
		    const struct sdp_relay *dflt)
{
	const struct sdp_relay *relay = st ? med_relay_txt(med_stream_fam(st, leg)) : dflt;

	wr_printf(o, "c=IN %s %s\r\n", relay->family == AF_INET6 ? "IP6" : "IP4", relay->addr);
}

/*
 * RFC 8839 section 5.1: a host candidate on the leg's relay port, in the
 * family of its m= and c= lines, and one on its alt pair in the relay's
 * other family (webrtc.h); type preference 126, local preference 65535
 * and 65534, component 1 (rtcp-mux)
 */
static void wr_candidates(struct wr_out *o, const struct med_stream *st,
			  const struct med_webrtc *w, uint16_t port)
{
	int fam = med_stream_fam(st, w->leg);

	wr_printf(o, "a=candidate:1 1 udp 2130706431 %s %u typ host\r\n",
		  med_relay_txt(fam)->addr, port);
	if (w->alt)
		wr_printf(o, "a=candidate:2 1 udp 2130706175 %s %u typ host\r\n",
			  med_relay_txt(med_family_other(fam))->addr, w->alt);
	wr_printf(o, "a=end-of-candidates\r\n");
}

int med_webrtc_answer_sdp(const struct med_call *c, int ol, const char *buf, size_t len,
			  const struct sdp *s, char *out, size_t outsz, size_t *outlen)
{
	const struct sdp_relay *relay = med_relay_txt(c->family);
	const char *ip = relay->family == AF_INET6 ? "IP6" : "IP4";
	const char *fp = c->dtls_cert ? c->dtls_cert->fp : NULL;
	struct wr_out o = { .p = out, .cap = outsz };
	struct med_webrtc *first = NULL;
	bool took[MED_MAX_STREAMS] = { 0 }, bundled = false;
	unsigned int i, ntook = 0;
	int group = -1;

	if (!fp)
		return -EIO;
	for (i = 0; i < s->nmedia && i < MED_MAX_STREAMS; i++) {
		struct med_stream *st = c->streams[i];

		took[i] = c->offer.webrtc[i] == MED_WR_LEG && st && st->pa && st->webrtc[ol] &&
			  s->media[i].port && s->media[i].udp;
		if (took[i] && !first)
			first = st->webrtc[ol];
		if (took[i] && ntook++ == 0 && c->offer.bundle[i])
			group = (int)i;
		bundled |= took[i] && st->webrtc[ol]->lead;
	}
	wr_printf(&o, "v=0\r\no=krtpd %" PRIu64 " %u IN %s %s\r\ns=krtpd\r\nt=0 0\r\n",
		  c->hash >> 1, first ? ++first->sdp_version : 1, ip, relay->addr);
	if (bundled) {
		/* RFC 8843 section 7.3.1: the lead, krtpd's tag, first; then what it carries */
		wr_printf(&o, "a=group:BUNDLE");
		for (i = 0; i < s->nmedia && i < MED_MAX_STREAMS; i++)
			if (took[i] && c->offer.bundle_lead[i])
				wr_printf(&o, " %s", c->offer.mid[i]);
		wr_printf(&o, "\r\n");
	} else if (group >= 0 && ntook == 1) {
		/* a group for one anchored line only: every line keeps its own transport (above) */
		wr_printf(&o, "a=group:BUNDLE %s\r\n", c->offer.mid[group]);
	}
	wr_printf(&o, "a=ice-lite\r\n");
	for (i = 0; i < s->nmedia; i++) {
		const struct med_stream *st = c->streams[i];
		const struct med_webrtc *w = took[i] ? st->webrtc[ol] : NULL;
		const char *proto = c->offer.avpf[i] || !took[i] ? "UDP/TLS/RTP/SAVPF" :
								   "UDP/TLS/RTP/SAVP";
		uint16_t port = w ? (ol ? st->pb : st->pa) : 0;

		/*
		 * A bundled line shows its lead's transport: port (its own,
		 * as med_wr_apply keeps it), credentials and candidates
		 */
		if (w && w->lead) {
			w = w->lead;
			st = w->st;
		}

		wr_printf(&o, "m=%s %u %s", s->media[i].type, port, proto);
		wr_codecs(&o, buf, len, s, i, WR_FORMATS);
		wr_printf(&o, "\r\n");
		wr_conn(&o, w ? st : NULL, ol, relay);
		if (c->offer.mid[i][0])
			wr_printf(&o, "a=mid:%s\r\n", c->offer.mid[i]);
		if (!w)
			continue;
		wr_codecs(&o, buf, len, s, i, WR_CODECS_FB);
		wr_printf(&o, "a=%s\r\na=rtcp-mux\r\n", wr_dir(sdp_media_dir(s, i)));
		wr_printf(&o, "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\n", w->ufrag, w->pwd);
		wr_printf(&o, "a=fingerprint:%s\r\na=setup:%s\r\n", fp,
			  w->server ? "passive" : "active");
		wr_candidates(&o, st, w, port);
	}
	if (o.overflow)
		return -EMSGSIZE;
	*outlen = o.len;
	return 0;
}

/*
 * a=rtpmap for the static payload types of m= line i that have none: RFC
 * 8866 lets a plain phone leave them out, RFC 8829 section 5.2.1 has a
 * browser's offers and answers carry one for every format
 */
static void wr_static_rtpmaps(struct wr_out *o, const char *buf, size_t len, const struct sdp *s,
			      unsigned int i)
{
	unsigned int pts[SDP_WR_STATIC_MAX];
	size_t n = sdp_webrtc_static_pts(buf, len, s, i, pts, SDP_WR_STATIC_MAX);

	for (size_t k = 0; k < n; k++)
		wr_printf(o, "a=rtpmap:%u %s\r\n", pts[k], sdp_static_pt_name(pts[k]));
}

/* The m= line's protocol as it was written (a line that is not RTP keeps it) */
static void wr_proto(struct wr_out *o, const char *buf, const struct sdp_media *m, const char *rtp)
{
	if (m->rtp)
		wr_printf(o, "%s", rtp);
	else
		wr_printf(o, "%.*s", (int)m->proto_len, buf + m->proto_off);
}

int med_webrtc_offer_sdp(const struct med_call *c, const struct med_offer *of, int to,
			 const char *buf, size_t len, const struct sdp *s, char *out, size_t outsz,
			 size_t *outlen)
{
	const struct sdp_relay *relay = med_relay_txt(med_call_fam(c, to));
	const char *ip = relay->family == AF_INET6 ? "IP6" : "IP4";
	const char *fp = c->dtls_cert ? c->dtls_cert->fp : NULL;
	struct wr_out o = { .p = out, .cap = outsz };
	char mid[MED_MAX_STREAMS][SDP_MID_MAX + 1];
	struct med_webrtc *first = NULL;
	unsigned int i;

	if (!fp)
		return -EIO;
	for (i = 0; i < s->nmedia && i < MED_MAX_STREAMS; i++) {
		struct med_stream *st = c->streams[i];

		/* RFC 8843 section 7.2.1: every m= line of the offer has a mid */
		if (of->mid[i][0])
			memcpy(mid[i], of->mid[i], sizeof(mid[i]));
		else
			snprintf(mid[i], sizeof(mid[i]), "%u", i);
		if (of->to_wr[i] && st && st->webrtc[to] && !first)
			first = st->webrtc[to];
	}
	wr_printf(&o, "v=0\r\no=krtpd %" PRIu64 " %u IN %s %s\r\ns=krtpd\r\nt=0 0\r\n",
		  c->hash >> 1, first ? ++first->sdp_version : 1, ip, relay->addr);
	/*
	 * the lines bundle.c groups (each on its transport until the callee
	 * bundles them), or one anchored line alone
	 */
	{
		unsigned int ntook = 0, ngroup = 0;
		int group = -1;

		for (i = 0; i < s->nmedia && i < MED_MAX_STREAMS; i++) {
			if (of->to_wr[i] && c->streams[i] && c->streams[i]->webrtc[to] &&
			    ntook++ == 0)
				group = (int)i;
			ngroup += of->bundle_lead[i] != 0;
		}
		if (ngroup) {
			wr_printf(&o, "a=group:BUNDLE");
			for (i = 0; i < s->nmedia && i < MED_MAX_STREAMS; i++)
				if (of->bundle_lead[i])
					wr_printf(&o, " %s", mid[i]);
			wr_printf(&o, "\r\n");
		} else if (ntook == 1) {
			wr_printf(&o, "a=group:BUNDLE %s\r\n", mid[group]);
		}
	}
	wr_printf(&o, "a=ice-lite\r\na=msid-semantic: WMS\r\n");
	for (i = 0; i < s->nmedia && i < MED_MAX_STREAMS; i++) {
		const struct med_stream *st = c->streams[i];
		const struct med_webrtc *w = of->to_wr[i] && st ? st->webrtc[to] : NULL;
		uint16_t port;

		/* a line the callee bundled before: its lead's transport (a later offer) */
		if (w && w->lead) {
			w = w->lead;
			st = w->st;
		}
		port = w ? (to ? st->pb : st->pa) : 0;
		wr_printf(&o, "m=%s %u ", s->media[i].type, port);
		wr_proto(&o, buf, &s->media[i], "UDP/TLS/RTP/SAVPF");
		wr_codecs(&o, buf, len, s, i, WR_FORMATS);
		wr_printf(&o, "\r\n");
		wr_conn(&o, w ? st : NULL, to, relay);
		wr_printf(&o, "a=mid:%s\r\n", mid[i]);
		if (!w)
			continue;
		wr_codecs(&o, buf, len, s, i, WR_CODECS_FB);
		wr_static_rtpmaps(&o, buf, len, s, i);
		wr_printf(&o, "a=%s\r\na=rtcp-mux\r\n", wr_dir(sdp_media_dir(s, i)));
		wr_printf(&o, "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\n", w->ufrag, w->pwd);
		/* RFC 5763 section 5: the offerer says actpass, the answer picks the role */
		wr_printf(&o, "a=fingerprint:%s\r\na=setup:actpass\r\n", fp);
		wr_candidates(&o, st, w, port);
	}
	if (o.overflow)
		return -EMSGSIZE;
	*outlen = o.len;
	return 0;
}

int med_webrtc_plain_answer_sdp(const struct med_call *c, int ol, const char *buf, size_t len,
				const struct sdp *s, const struct sdp_anchor *an, char *out,
				size_t outsz, size_t *outlen)
{
	const struct sdp_relay *relay = med_relay_txt(med_call_fam(c, ol));
	const char *ip = relay->family == AF_INET6 ? "IP6" : "IP4";
	struct wr_out o = { .p = out, .cap = outsz };
	struct med_webrtc *w = NULL;
	unsigned int i;

	for (i = 0; i < s->nmedia && i < MED_MAX_STREAMS && !w; i++)
		if (c->streams[i])
			w = c->streams[i]->webrtc[1 - ol];
	wr_printf(&o, "v=0\r\no=krtpd %" PRIu64 " %u IN %s %s\r\ns=krtpd\r\nc=IN %s %s\r\nt=0 0\r\n",
		  c->hash >> 1, w ? ++w->sdp_version : 1, ip, relay->addr, ip, relay->addr);
	for (i = 0; i < s->nmedia && i < MED_MAX_STREAMS; i++) {
		const struct med_stream *st = c->streams[i];
		bool took = c->offer.to_wr[i] && st && st->pa && s->media[i].port && s->media[i].udp;
		const char *proto = an[i].proto ? an[i].proto :
				    c->offer.avpf[i] ? "RTP/AVPF" : "RTP/AVP";

		wr_printf(&o, "m=%s %u ", s->media[i].type, took ? (ol ? st->pb : st->pa) : 0);
		wr_proto(&o, buf, &s->media[i], proto);
		wr_codecs(&o, buf, len, s, i, WR_FORMATS);
		wr_printf(&o, "\r\n");
		if (!took)
			continue;
		wr_codecs(&o, buf, len, s, i, WR_CODECS);
		wr_printf(&o, "a=%s\r\n", wr_dir(sdp_media_dir(s, i)));
		/* RFC 5761 section 5.1.1: muxed only if the offer asked; else RTCP on port + 1 */
		if (c->offer.side[i].mux)
			wr_printf(&o, "a=rtcp-mux\r\n");
		if (an[i].crypto)
			wr_printf(&o, "%s\r\n", an[i].crypto);
	}
	if (o.overflow)
		return -EMSGSIZE;
	*outlen = o.len;
	return 0;
}
