// SPDX-License-Identifier: GPL-2.0
/*
 * WebRTC attributes of an SDP offer (see sdp_webrtc.h). Lines are walked
 * once: the session part, then the m= sections, counting m= lines as
 * sdp_parse() does, so stream i here is stream i there. A value given in
 * stream i's section wins over the session-level one (RFC 8839 section 5.4,
 * RFC 8122 section 5: both levels are allowed).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sdp.h"
#include "sdp_webrtc.h"

/* If l starts with name, set *v to the rest (trailing blanks cut) and say so */
static bool wr_attr(const struct sdp_str *l, const char *name, struct sdp_str *v)
{
	size_t n = strlen(name);

	if (l->n < n || memcmp(l->p, name, n))
		return false;
	v->p = l->p + n;
	v->n = l->n - n;
	while (v->n && (v->p[v->n - 1] == ' ' || v->p[v->n - 1] == '\t'))
		v->n--;
	return true;
}

/* ice-char (RFC 8839 section 5.4): ALPHA / DIGIT / "+" / "/" */
static bool wr_ice_chars(const struct sdp_str *v)
{
	for (size_t i = 0; i < v->n; i++) {
		char c = v->p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '+' || c == '/'))
			return false;
	}
	return v->n > 0;
}

static int wr_copy_ice(char *dst, size_t max, const struct sdp_str *v)
{
	if (v->n > max || !wr_ice_chars(v))
		return -EINVAL;
	memcpy(dst, v->p, v->n);
	dst[v->n] = '\0';
	return 0;
}

static int wr_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static const struct {
	const char *name;
	enum sdp_fp_hash hash;
	size_t len;
} wr_hashes[] = {
	{ "sha-1", SDP_FP_SHA1, 20 },
	{ "sha-256", SDP_FP_SHA256, 32 },
	{ "sha-384", SDP_FP_SHA384, 48 },
	{ "sha-512", SDP_FP_SHA512, 64 },
};

const char *sdp_fp_hash_name(enum sdp_fp_hash h)
{
	for (size_t i = 0; i < sizeof(wr_hashes) / sizeof(wr_hashes[0]); i++)
		if (wr_hashes[i].hash == h)
			return wr_hashes[i].name;
	return "none";
}

/*
 * "sha-256 AB:CD:..." (RFC 8122 section 5). Another hash function is
 * skipped (0, *h left alone); a known one that is malformed is -EINVAL.
 * Of several, the strongest is kept.
 */
static int wr_fingerprint(const struct sdp_str *v, enum sdp_fp_hash *h, uint8_t *fp,
			  size_t *fp_len)
{
	const char *sp = memchr(v->p, ' ', v->n);
	size_t nlen, i, k, want = 0;
	enum sdp_fp_hash hash = SDP_FP_NONE;
	uint8_t tmp[SDP_FP_MAX];

	if (!sp)
		return -EINVAL;
	nlen = (size_t)(sp - v->p);
	for (i = 0; i < sizeof(wr_hashes) / sizeof(wr_hashes[0]); i++) {
		if (nlen == strlen(wr_hashes[i].name) &&
		    !strncasecmp(v->p, wr_hashes[i].name, nlen)) {
			hash = wr_hashes[i].hash;
			want = wr_hashes[i].len;
		}
	}
	if (hash == SDP_FP_NONE || hash < *h)
		return 0;
	/* want bytes: two hex digits each, colons between */
	i = nlen;
	while (i < v->n && v->p[i] == ' ')
		i++;
	if (v->n - i != want * 3 - 1)
		return -EINVAL;
	for (k = 0; k < want; k++, i += 3) {
		int hi = wr_hex(v->p[i]), lo = wr_hex(v->p[i + 1]);

		if (hi < 0 || lo < 0 || (k + 1 < want && v->p[i + 2] != ':'))
			return -EINVAL;
		tmp[k] = (uint8_t)(hi << 4 | lo);
	}
	*h = hash;
	memcpy(fp, tmp, want);
	*fp_len = want;
	return 0;
}

static int wr_setup(const struct sdp_str *v, enum sdp_setup *setup)
{
	static const char *const names[] = { "actpass", "active", "passive", "holdconn" };

	for (size_t i = 0; i < 4; i++) {
		if (v->n == strlen(names[i]) && !strncasecmp(v->p, names[i], v->n)) {
			*setup = (enum sdp_setup)i;
			return 0;
		}
	}
	return -EINVAL;
}

/*
 * Is mid one of the space-separated tokens of v (after "BUNDLE")? *first:
 * it is the first, the offerer's tag (RFC 8843 section 7.2)
 */
static bool wr_group_has(const struct sdp_str *v, const char *mid, bool *first)
{
	size_t i = 0, n = strlen(mid), start;

	*first = false;
	if (!n)
		return false;
	for (int k = 0; i < v->n; k++) {
		while (i < v->n && v->p[i] == ' ')
			i++;
		start = i;
		while (i < v->n && v->p[i] != ' ')
			i++;
		if (i > start && i - start == n && !memcmp(v->p + start, mid, n)) {
			*first = k == 0;
			return true;
		}
		if (i == start)
			break;
	}
	return false;
}

int sdp_webrtc_parse(const char *buf, size_t len, const struct sdp *s, unsigned int i,
		     struct sdp_webrtc *w, const char **why)
{
	struct sdp_webrtc sess;
	struct sdp_str l, v, group = { NULL, 0 };
	size_t pos = 0;
	int idx = -1;
	bool m_ufrag = false, m_pwd = false, m_fp = false, m_setup = false;

	memset(w, 0, sizeof(*w));
	memset(&sess, 0, sizeof(sess));
	*why = NULL;
	if (i >= s->nmedia) {
		*why = "no such m= line";
		return -EINVAL;
	}
	while (SDP_NextLine(buf, len, &pos, &l)) {
		struct sdp_webrtc *t;
		bool media;

		if (l.n >= 2 && l.p[0] == 'm' && l.p[1] == '=') {
			idx++;
			continue;
		}
		if (idx >= 0 && idx != (int)i)
			continue;
		media = idx >= 0;
		t = media ? w : &sess;
		if (wr_attr(&l, "a=ice-ufrag:", &v)) {
			if (wr_copy_ice(t->ufrag, SDP_ICE_UFRAG_MAX, &v)) {
				*why = "a=ice-ufrag is not 1 to 256 ice-chars";
				return -EINVAL;
			}
			m_ufrag |= media;
		} else if (wr_attr(&l, "a=ice-pwd:", &v)) {
			if (wr_copy_ice(t->pwd, SDP_ICE_PWD_MAX, &v)) {
				*why = "a=ice-pwd is not 1 to 256 ice-chars";
				return -EINVAL;
			}
			m_pwd |= media;
		} else if (wr_attr(&l, "a=fingerprint:", &v)) {
			if (wr_fingerprint(&v, &t->fp_hash, t->fp, &t->fp_len)) {
				*why = "malformed a=fingerprint";
				return -EINVAL;
			}
			m_fp |= media && t->fp_hash;
		} else if (wr_attr(&l, "a=setup:", &v)) {
			if (wr_setup(&v, &t->setup)) {
				*why = "a=setup is not actpass, active, passive or holdconn";
				return -EINVAL;
			}
			m_setup |= media;
		} else if (media && wr_attr(&l, "a=mid:", &v)) {
			if (v.n > SDP_MID_MAX || !v.n || memchr(v.p, ' ', v.n)) {
				*why = "a=mid is not one token of at most 32 characters";
				return -EINVAL;
			}
			memcpy(w->mid, v.p, v.n);
			w->mid[v.n] = '\0';
		} else if (media && l.n == 13 && !memcmp(l.p, "a=bundle-only", 13)) {
			w->bundle_only = true;
		} else if (media && wr_attr(&l, "a=candidate:", &v)) {
			w->candidates = true;
		} else if (!media && wr_attr(&l, "a=group:BUNDLE", &v)) {
			group = v;
		}
	}
	/* media level wins; session level fills in what the section left out */
	if (!m_ufrag)
		memcpy(w->ufrag, sess.ufrag, sizeof(w->ufrag));
	if (!m_pwd)
		memcpy(w->pwd, sess.pwd, sizeof(w->pwd));
	if (!m_fp) {
		w->fp_hash = sess.fp_hash;
		w->fp_len = sess.fp_len;
		memcpy(w->fp, sess.fp, sizeof(w->fp));
	}
	if (!m_setup)
		w->setup = sess.setup;
	w->bundled = group.p && wr_group_has(&group, w->mid, &w->bundle_tag);
	if (!w->fp_hash) {
		*why = "no a=fingerprint (sha-1, sha-256, sha-384 or sha-512)";
		return -EINVAL;
	}
	if (!w->ufrag[0] || !w->pwd[0]) {
		*why = "no a=ice-ufrag and a=ice-pwd";
		return -EINVAL;
	}
	return 0;
}

/* lines a plain-RTP phone must not see: DTLS, BUNDLE, WebRTC's SSRC signalling */
static bool wr_strip_line(const struct sdp_str *l)
{
	static const char *const drop[] = {
		"a=fingerprint:", "a=setup:", "a=tls-id:", "a=group:", "a=mid:",
		"a=msid-semantic:", "a=msid:", "a=ssrc:", "a=ssrc-group:",
		"a=extmap:", "a=extmap-allow-mixed", "a=rtcp-fb:", "a=rtcp-rsize",
		"a=bundle-only",
	};
	struct sdp_str v;

	for (size_t i = 0; i < sizeof(drop) / sizeof(drop[0]); i++)
		if (wr_attr(l, drop[i], &v))
			return true;
	return false;
}

void sdp_webrtc_strip(char *out, size_t *len)
{
	size_t pos = 0, w = 0, start;
	struct sdp_str l;

	while (start = pos, SDP_NextLine(out, *len, &pos, &l)) {
		if (wr_strip_line(&l))
			continue;
		memmove(out + w, out + start, pos - start);
		w += pos - start;
	}
	*len = w;
}

int sdp_media_pt_set(const char *buf, size_t len, const struct sdp *s, unsigned int i,
		     uint8_t set[SDP_PT_SET_LEN])
{
	size_t p, end;
	int n = 0;

	memset(set, 0, SDP_PT_SET_LEN);
	if (i >= s->nmedia)
		return -EINVAL;
	p = s->media[i].proto_off + s->media[i].proto_len;
	if (p > len)
		return -EINVAL;
	/* the m= line ends at its line end */
	for (end = p; end < len && buf[end] != '\r' && buf[end] != '\n'; end++)
		;
	while (p < end) {
		unsigned int pt = 0;
		size_t d = 0;

		while (p < end && buf[p] == ' ')
			p++;
		if (p == end)
			break;
		for (; p < end && buf[p] != ' '; p++, d++) {
			if (buf[p] < '0' || buf[p] > '9' || d >= 3)
				return -EINVAL;
			pt = pt * 10 + (unsigned int)(buf[p] - '0');
		}
		if (pt > 127)
			return -EINVAL;
		if (!(set[pt / 8] & (1u << (pt % 8))))
			n++;
		set[pt / 8] |= (uint8_t)(1u << (pt % 8));
	}
	return n ? n : -EINVAL;
}

const char *sdp_static_pt_name(unsigned int pt)
{
	switch (pt) {
	case 0:
		return "PCMU/8000";
	case 3:
		return "GSM/8000";
	case 8:
		return "PCMA/8000";
	case 9:
		return "G722/8000";
	case 13:
		return "CN/8000";
	case 18:
		return "G729/8000";
	default:
		return NULL;
	}
}

/* Does section i of buf have an a=rtpmap for payload type pt? */
static bool wr_has_rtpmap(const char *buf, size_t len, unsigned int i, unsigned int pt)
{
	struct sdp_str l, v;
	size_t pos = 0;
	int idx = -1;

	while (SDP_NextLine(buf, len, &pos, &l)) {
		unsigned int got = 0, digits = 0;

		if (l.n >= 2 && l.p[0] == 'm' && l.p[1] == '=') {
			idx++;
			continue;
		}
		if (idx != (int)i || !wr_attr(&l, "a=rtpmap:", &v))
			continue;
		while (digits < v.n && digits < 4 && v.p[digits] >= '0' && v.p[digits] <= '9')
			got = got * 10 + (unsigned int)(v.p[digits++] - '0');
		if (digits && got == pt && (digits == v.n || v.p[digits] == ' '))
			return true;
	}
	return false;
}

size_t sdp_webrtc_static_pts(const char *buf, size_t len, const struct sdp *s, unsigned int i,
			     unsigned int *pts, size_t max)
{
	const struct sdp_media *m;
	size_t at, n = 0;

	if (i >= s->nmedia)
		return 0;
	m = &s->media[i];
	at = m->proto_off + m->proto_len;
	/* the formats: the rest of the m= line */
	while (at < len && buf[at] != '\r' && buf[at] != '\n' && n < max) {
		unsigned int pt = 0, digits = 0;
		bool num = true;

		while (at < len && buf[at] == ' ')
			at++;
		if (at >= len || buf[at] == '\r' || buf[at] == '\n')
			break;
		while (at < len && buf[at] != ' ' && buf[at] != '\r' && buf[at] != '\n') {
			if (buf[at] < '0' || buf[at] > '9' || digits >= 3)
				num = false;
			else
				pt = pt * 10 + (unsigned int)(buf[at] - '0');
			digits++;
			at++;
		}
		if (num && sdp_static_pt_name(pt) && !wr_has_rtpmap(buf, len, i, pt))
			pts[n++] = pt;
	}
	return n;
}
