// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the SDP parser and rewriter (daemon/sdp.c) and the
 * a=crypto parser (daemon/sdp_crypto.c).
 *
 * The input is copied into a buffer of exactly its size, so ASan reports
 * any read past the end; a body that parses is rewritten into a buffer that
 * is sometimes too small, with every stream anchored or not according to
 * the first byte, and the result must parse again. Every a=crypto line is
 * parsed; one that parses is written back and must read the same. Streams
 * swap their profile and a=crypto lines as srtp = bridge does, by bit 5.
 * Every stream's WebRTC attributes are read (daemon/sdp_webrtc.c), and a
 * rewritten body stripped of WebRTC-only lines must still parse, with the
 * same m= lines. The static payload types a WebRTC offer built from the
 * body names (krtpd's offer to a WebRTC callee) are read for every stream,
 * and its payload types as a set (BUNDLE); by bit 4, anchored lines take
 * the relay's address even at 0.0.0.0, as WebRTC lines do.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "sdp.h"
#include "sdp_crypto.h"
#include "sdp_webrtc.h"

/* each a=crypto of stream i: parse; what parses writes back to itself */
static void fuzz_crypto(const char *buf, const struct sdp *s, unsigned int i)
{
	struct sdp_crypto c, back;
	char line[SDP_CRYPTO_LINE_MAX];
	const char *why;

	for (unsigned int k = 0; k < s->media[i].ncrypto; k++) {
		if (sdp_crypto_parse(buf + s->media[i].crypto[k].off, s->media[i].crypto[k].len,
				     &c, &why))
			continue;
		if (sdp_crypto_format(&c, line, sizeof(line)) ||
		    sdp_crypto_parse(line + 9, strlen(line) - 9, &back, &why) ||
		    back.tag != c.tag || back.suite != c.suite || memcmp(back.key, c.key, c.key_len))
			abort();
	}
	sdp_crypto_choose(buf, s, i, NULL, &c, &why);
}

/* stream i's WebRTC attributes: what parses is within bounds and terminated */
static void fuzz_webrtc(const char *buf, size_t size, const struct sdp *s, unsigned int i)
{
	static struct sdp_webrtc w;
	const char *why;

	if (sdp_webrtc_parse(buf, size, s, i, &w, &why)) {
		if (!why)
			abort();
		return;
	}
	if (!w.ufrag[0] || !w.pwd[0] || w.fp_len > SDP_FP_MAX || !w.fp_len ||
	    strlen(w.mid) > SDP_MID_MAX || (w.bundled && !w.mid[0]) ||
	    (w.bundle_tag && !w.bundled))
		abort();
}

/* a line's payload types as a set (BUNDLE): as many bits as it says */
static void fuzz_pt_set(const char *buf, size_t size, const struct sdp *s, unsigned int i)
{
	uint8_t set[SDP_PT_SET_LEN];
	int n = sdp_media_pt_set(buf, size, s, i, set), bits = 0;

	for (unsigned int k = 0; k < SDP_PT_SET_LEN; k++)
		bits += __builtin_popcount(set[k]);
	if (n > 128 || (n > 0 && n != bits))
		abort();
}

/* the static payload types a WebRTC offer must name: known ones, in bounds */
static void fuzz_static_pts(const char *buf, size_t size, const struct sdp *s, unsigned int i)
{
	unsigned int pts[SDP_WR_STATIC_MAX];
	size_t n = sdp_webrtc_static_pts(buf, size, s, i, pts, SDP_WR_STATIC_MAX);

	if (n > SDP_WR_STATIC_MAX)
		abort();
	for (size_t k = 0; k < n; k++)
		if (!sdp_static_pt_name(pts[k]))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct sdp_relay relay4 = { .family = AF_INET, .addr = "203.0.113.7" };
	static const struct sdp_relay relay6 = { .family = AF_INET6, .addr = "2001:db8::7" };
	struct sdp_anchor an[SDP_MAX_MEDIA] = { 0 };
	uint8_t sel = size ? data[0] : 0;
	struct sdp s, again;
	size_t outsz, olen;
	char *buf, *out;
	unsigned int i;

	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	if (sdp_parse(buf, size, &s)) {
		free(buf);
		return 0;
	}
	for (i = 0; i < s.nmedia; i++) {
		/* as media anchors them: UDP streams with a port (and so an address) */
		an[i].anchored = ((sel >> (i % 8)) & 1) && s.media[i].udp && s.media[i].port;
		an[i].rtp_port = (uint16_t)(30000 + 2 * i);
		an[i].rtcp_port = (uint16_t)(30001 + 2 * i);
		an[i].proto = NULL;
		an[i].crypto = NULL;
		an[i].drop_crypto = false;
		/* a WebRTC line's: the relay's address even for 0.0.0.0 */
		an[i].conn_relay = (sel & 0x10) != 0;
		if (sel & 0x20) {
			an[i].proto = s.media[i].savp ? "RTP/AVP" : "RTP/SAVP";
			an[i].drop_crypto = true;
			if (!s.media[i].savp)
				an[i].crypto = "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"
					       "d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj";
		}
		fuzz_crypto(buf, &s, i);
		fuzz_webrtc(buf, size, &s, i);
		fuzz_static_pts(buf, size, &s, i);
		fuzz_pt_set(buf, size, &s, i);
	}
	/* a line grows by at most the relay address and a port; a=crypto adds a line */
	outsz = (sel & 0x80) ? size / 2 : size * 2 + 256 + SDP_MAX_MEDIA * SDP_CRYPTO_LINE_MAX;
	out = malloc(outsz ? outsz : 1);
	if (out && !sdp_rewrite(buf, size, &s, (sel & 0x40) ? &relay6 : &relay4, an, out, outsz,
				&olen)) {
		if (olen > outsz || sdp_parse(out, olen, &again) || again.nmedia != s.nmedia)
			abort();
		/* what the plain leg of a WebRTC call gets */
		sdp_webrtc_strip(out, &olen);
		if (olen > outsz || sdp_parse(out, olen, &again) || again.nmedia != s.nmedia)
			abort();
	}
	free(out);
	free(buf);
	return 0;
}
