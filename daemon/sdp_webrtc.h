/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a WebRTC (RFC 8829) offer says beyond plain SDP: the ICE credentials
 * (RFC 8839), the DTLS certificate fingerprint and role (RFC 8122, RFC
 * 5763), the m= line's identification and BUNDLE group (RFC 8843).
 *
 * sdp_webrtc_parse() reads them for stream i of a description sdp_parse()
 * accepted (the same buf), media-level values first, then session-level
 * ones. Like sdp_parse() it never reads past buf + len. What krtpd cannot
 * use is -EINVAL with *why set: no a=fingerprint with a hash it knows, an
 * ICE credential longer than RFC 8839 allows, a malformed fingerprint.
 *
 * sdp_webrtc_strip() removes from SDP that krtpd wrote (sdp_rewrite output)
 * the lines that mean something only to a WebRTC peer, so a plain-RTP phone
 * gets an RTP/AVP offer without DTLS, BUNDLE or SSRC signalling.
 */
#ifndef KRTPD_SDP_WEBRTC_H
#define KRTPD_SDP_WEBRTC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sdp.h"

#define SDP_ICE_UFRAG_MAX	256	/* RFC 8839 section 5.4: at most 256 ice-chars */
#define SDP_ICE_PWD_MAX		256
#define SDP_MID_MAX		32	/* RFC 8843 does not bound it; longer is refused */
#define SDP_FP_MAX		64	/* sha-512 */

enum sdp_setup {
	SDP_SETUP_ACTPASS = 0,	/* the default when a=setup is absent (RFC 4145) */
	SDP_SETUP_ACTIVE,
	SDP_SETUP_PASSIVE,
	SDP_SETUP_HOLDCONN,
};

enum sdp_fp_hash {
	SDP_FP_NONE = 0,
	SDP_FP_SHA1,
	SDP_FP_SHA256,
	SDP_FP_SHA384,
	SDP_FP_SHA512,
};

struct sdp_webrtc {
	char ufrag[SDP_ICE_UFRAG_MAX + 1];	/* "" when absent */
	char pwd[SDP_ICE_PWD_MAX + 1];
	enum sdp_fp_hash fp_hash;		/* the strongest a=fingerprint given */
	uint8_t fp[SDP_FP_MAX];
	size_t fp_len;
	enum sdp_setup setup;
	char mid[SDP_MID_MAX + 1];		/* "" when absent */
	bool bundled;				/* mid is in an a=group:BUNDLE */
	bool bundle_tag;			/* ... its first: the offerer's tag */
	bool bundle_only;			/* a=bundle-only (RFC 8843 section 6) */
	bool candidates;			/* a=candidate in its section */
};

/* 0, or -EINVAL with *why naming what krtpd cannot use */
int sdp_webrtc_parse(const char *buf, size_t len, const struct sdp *s, unsigned int i,
		     struct sdp_webrtc *w, const char **why);
/* Remove WebRTC-only lines from out (*len bytes) in place; *len is updated */
void sdp_webrtc_strip(char *out, size_t *len);
/* The name of a fingerprint hash as SDP writes it ("sha-256") */
const char *sdp_fp_hash_name(enum sdp_fp_hash h);

/*
 * The payload types of m= line i of buf, parsed into s, as a set (bit n of
 * byte n / 8, as KRTP_A_FLOW_BUNDLE_PT): how many, or -EINVAL when a format
 * is not an RTP payload type (0-127) or there is none
 */
#define SDP_PT_SET_LEN		16
int sdp_media_pt_set(const char *buf, size_t len, const struct sdp *s, unsigned int i,
		     uint8_t set[SDP_PT_SET_LEN]);

/* The name RFC 3551 gives a static audio payload type a browser knows ("PCMU/8000"), or NULL */
const char *sdp_static_pt_name(unsigned int pt);
#define SDP_WR_STATIC_MAX	8
/*
 * The static payload types (sdp_static_pt_name) among the formats of m=
 * line i of buf, parsed into s, that have no a=rtpmap in its section: at
 * most max of them into pts, in m= line order. Their count.
 */
size_t sdp_webrtc_static_pts(const char *buf, size_t len, const struct sdp *s, unsigned int i,
			     unsigned int *pts, size_t max);

#endif /* KRTPD_SDP_WEBRTC_H */
