/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SDP (RFC 8866) parser and rewriter for media anchoring.
 *
 * sdp_parse() reads a session description of len bytes and records what
 * anchoring needs: the connection addresses, each m= line's port, protocol,
 * a=rtcp (RFC 3605), a=rtcp-mux (RFC 5761), direction and clock rate. It never
 * reads past buf + len, needs no NUL terminator, and keeps only offsets into
 * buf, so sdp_rewrite() must get the same buffer.
 *
 * sdp_rewrite() copies the description line by line, byte for byte, except:
 *   o=            sess-version incremented (the relay changed the body)
 *   c=            the relay address, unless the address is 0.0.0.0 or ::
 *                 (RFC 2543 hold, kept so the peer still sees the hold)
 *                 and the anchor does not say conn_relay
 *   m=            the relay's RTP port, for anchored streams
 *   a=rtcp:       the relay's RTCP port (and address when one was given)
 *   ICE lines     dropped: a=candidate, a=remote-candidates,
 *                 a=end-of-candidates, a=ice-ufrag, a=ice-pwd, a=ice-options,
 *                 a=ice-lite, a=ice-mismatch, a=ice-pacing. The relay answers
 *                 no STUN checks, so, as rtpengine does with ICE=remove, the
 *                 peers are shown plain c=/m= transport addresses instead of
 *                 candidates that bypass the relay.
 *   when media terminates SRTP on one side (srtp = bridge, see sdp_crypto.h):
 *   m= protocol   RTP/AVP(F) in place of RTP/SAVP(F) or the other way round
 *   a=crypto      the sender's lines dropped; krtpd's own line added last in
 *                 the m= section
 */
#ifndef KRTPD_SDP_H
#define KRTPD_SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#define SDP_MAX_MEDIA	16
#define SDP_MAX_CRYPTO	8	/* a=crypto lines kept per m= line; more are ignored */

enum sdp_dir {
	SDP_DIR_UNSET = 0,	/* no direction attribute at this level */
	SDP_DIR_SENDRECV,
	SDP_DIR_SENDONLY,
	SDP_DIR_RECVONLY,
	SDP_DIR_INACTIVE,
};

/* A connection address; family 0 when absent */
struct sdp_addr {
	int family;		/* AF_INET, AF_INET6 or 0 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	};
};

struct sdp_media {
	size_t port_off, port_len;	/* the port digits of the m= line, in buf */
	char type[16];			/* "audio", "video", ... (truncated) */
	uint16_t port;			/* 0: stream rejected or disabled */
	bool udp;			/* transported over UDP, so it can be anchored */
	bool rtp;			/* an RTP profile: has RTCP */
	bool has_conn;
	struct sdp_addr conn;		/* media-level c= */
	uint16_t rtcp_port;		/* a=rtcp port, 0 when not given */
	bool has_rtcp_addr;
	struct sdp_addr rtcp_addr;	/* a=rtcp address, when given */
	bool rtcp_mux;			/* a=rtcp-mux */
	enum sdp_dir dir;		/* media-level direction */
	int first_pt;			/* first format of the m= line, -1 if not a number */
	uint32_t clock_rate;		/* of first_pt, from a=rtpmap or static table; 0 unknown */
	size_t proto_off, proto_len;	/* the protocol of the m= line, in buf */
	bool savp;			/* RTP/SAVP or RTP/SAVPF: SRTP keyed by a=crypto */
	bool dtls;			/* UDP/TLS/RTP/SAVP(F): SRTP keyed by DTLS */
	bool avpf;			/* a feedback profile (RFC 4585): ...AVPF or ...SAVPF */
	unsigned int ncrypto;
	struct {
		size_t off, len;	/* the value after "a=crypto:", in buf */
	} crypto[SDP_MAX_CRYPTO];
};

struct sdp {
	size_t version_off, version_len;	/* o= sess-version digits, in buf */
	bool has_conn;
	struct sdp_addr conn;			/* session-level c= */
	enum sdp_dir dir;			/* session-level direction */
	unsigned int nmedia;
	struct sdp_media media[SDP_MAX_MEDIA];
};

/* Returns 0, or -EINVAL when buf is not an SDP body krtpd can anchor. */
int sdp_parse(const char *buf, size_t len, struct sdp *s);

/* The address a stream's media goes to: media-level c=, else session c= (family 0: none) */
const struct sdp_addr *sdp_media_addr(const struct sdp *s, unsigned int i);
/* The stream's direction: media-level, else session-level, else sendrecv */
enum sdp_dir sdp_media_dir(const struct sdp *s, unsigned int i);
/* The RTCP port the stream's owner receives on: a=rtcp, else RTP port + 1 */
uint16_t sdp_media_rtcp_port(const struct sdp *s, unsigned int i);
/* 0.0.0.0 or :: (old-style hold) */
bool sdp_addr_is_any(const struct sdp_addr *a);

/* What to show the peer for each m= line of the parsed description */
struct sdp_anchor {
	bool anchored;		/* false: the m= line is copied as is */
	uint16_t rtp_port, rtcp_port;
	/* for anchored streams only: */
	const char *proto;	/* written in place of the m= line's protocol; NULL: kept */
	bool drop_crypto;	/* leave out the stream's a=crypto lines */
	/*
	 * the relay's address on its c= line even if the sender wrote
	 * 0.0.0.0 or ::, which then is no hold: a WebRTC line's c= is only a
	 * default candidate (RFC 8839 section 4.2.1.1), 0.0.0.0 before any
	 */
	bool conn_relay;
	const char *crypto;	/* "a=crypto:..." (no line end) added at the end of the section */
};

struct sdp_relay {
	int family;		/* AF_INET or AF_INET6 */
	char addr[INET6_ADDRSTRLEN];
};

/*
 * Write buf, parsed into s, to out with the relay's address and ports in
 * place of the sender's. anchors has s->nmedia entries. Returns 0 or
 * -EMSGSIZE when the result does not fit in outsz.
 */
int sdp_rewrite(const char *buf, size_t len, const struct sdp *s,
		const struct sdp_relay *relay, const struct sdp_anchor *anchors,
		char *out, size_t outsz, size_t *outlen);

/* a slice of an SDP body */
struct sdp_str {
	const char *p;
	size_t n;
};

/*
 * The line starting at *pos: its text without "\r\n" or "\n" in *line, the
 * offset of the next line in *pos. Returns false at the end of the buffer.
 */
bool SDP_NextLine(const char *buf, size_t len, size_t *pos, struct sdp_str *line);

#endif /* KRTPD_SDP_H */
