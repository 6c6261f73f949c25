/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * krtp: in-kernel RTP/RTCP relay, generic netlink API.
 *
 * This header is the one definition of the API: krtp.ko, krtpd, krtpctl and
 * the tests all include it. The spec it follows is krtp.yaml beside it; both
 * change in the same commit.
 *
 * A flow is keyed by the local address and UDP port a packet arrives on
 * (KRTP_A_FLOW_LOCAL). A packet that matches is rewritten to come from
 * KRTP_A_FLOW_VIA (default: the local endpoint) and to go to KRTP_A_FLOW_PEER,
 * then routed and sent; the original never reaches a socket.
 *
 * A flow may cross families: LOCAL of one, PEER of the other (an IPv6-only
 * phone calling an IPv4-only one). It then needs VIA, an address of the
 * peer's family, and each packet gets a new IP header of that family
 * (RFC 7915's translation: DSCP/ECN kept, hop limit and TTL less one, the
 * UDP checksum kept right, computed where IPv4 left it out). SOURCE stays
 * of the local family: it is where packets arrive from.
 *
 * Source validation (RTP Bleed) is chosen by what KRTP_A_FLOW_SOURCE holds:
 *   absent                 learn address and port from the first packet, then lock
 *   address only           accept that address; learn the port, then lock
 *   address and port       accept exactly that source
 * Once locked, packets from any other source are dropped and counted.
 *
 * SRTP (RFC 3711, RFC 7714): a flow may carry an SRTP context for what
 * arrives (KRTP_A_FLOW_SRTP_IN: authenticate, check replay, decrypt) and one
 * for what leaves (KRTP_A_FLOW_SRTP_OUT: encrypt, add the tag). With IN only
 * the flow turns SRTP into RTP, with OUT only RTP into SRTP, with both it
 * bridges two SRTP legs with different keys. RTCP on the flow (muxed, or
 * KRTP_FLOW_F_RTCP) is SRTCP with the same master key. Packets that are
 * neither RTP nor RTCP pass untouched (KRTP_FLOW_F_STRICT_RTP drops them).
 * A flow with KRTP_A_FLOW_SRTP_IN learns its source only from a packet that
 * authenticates, and drops what is not SRTP/SRTCP until then.
 * Keys are write-only: replies, dumps and events carry only
 * KRTP_A_SRTP_SUITE inside the nest, which tells the direction.
 *
 * A flow whose RTCP must reach another port than its RTP (a WebRTC leg,
 * rtcp-mux, bridged to a phone without it) names that port in
 * KRTP_A_FLOW_RTCP_PEER: what the flow classifies as RTCP (RFC 5761 4:
 * second byte 192-223) goes there, decrypted or encrypted as the flow's
 * SRTP says, and counts as RTCP; everything else goes to KRTP_A_FLOW_PEER.
 * It leaves from KRTP_A_FLOW_RTCP_VIA when given (the relay's RTCP port,
 * which that leg sends its own RTCP to and may latch or filter on), else
 * from the flow's via.
 *
 * BUNDLE (RFC 8843): one local endpoint may carry several media lines (a
 * browser's audio and video on one port), each relayed to its own peer.
 * Flows with KRTP_A_FLOW_BUNDLE_PT may share a local endpoint when their
 * payload type sets do not overlap and their flags are the same; they are
 * one bundle. An RTP packet goes to the flow whose set holds its payload
 * type, and is dropped (counted as DROP_NOT_RTP on the bundle's first
 * flow) when none does. RTCP goes to the flow whose RTP analysis follows
 * the RTCP packet's sender SSRC, else (plain RTCP) to the flow whose
 * reverse carries the stream it reports on, else to the first flow, which
 * also gets STUN, DTLS and what is neither RTP nor RTCP. The flows of one
 * endpoint that follow each other in one FLOW_NEW request are published
 * together: no packet finds the first without the others. Each flow keeps
 * its own source, SRTP contexts (the same keys, for one DTLS-SRTP
 * transport) and counters. A bundle's flows are named by ID: DEL and GET
 * by LOCAL refuse an endpoint that several flows share.
 */
#ifndef _UAPI_LINUX_KRTP_H
#define _UAPI_LINUX_KRTP_H

#define KRTP_FAMILY_NAME	"krtp"
#define KRTP_FAMILY_VERSION	1

/* multicast group for flow events (KRTP_CMD_*_NTF) */
#define KRTP_MCGRP_FLOWS	"flows"

/* largest opaque label a flow may carry (KRTP_A_FLOW_LABEL) */
#define KRTP_LABEL_MAX_LEN	64

/* Flow flags (KRTP_A_FLOW_FLAGS). Unknown bits are rejected. */
enum krtp_flow_flags {
	/* every packet on this flow is RTCP (the RTCP port of a non-muxed pair) */
	KRTP_FLOW_F_RTCP = 1U << 0,
	/* drop (and count as KRTP_A_STATS_DROP_NOT_RTP) what is not RTP/RTCP v2 */
	KRTP_FLOW_F_STRICT_RTP = 1U << 1,
	/*
	 * WebRTC (RFC 7983 demultiplexing): a UDP payload whose first byte is
	 * 0-3 (STUN) or 20-63 (DTLS) is left to the local socket, from any
	 * source, and counted as KRTP_A_STATS_PASSED; it never teaches the
	 * flow its source
	 */
	KRTP_FLOW_F_PASS_STUN_DTLS = 1U << 2,

	__KRTP_FLOW_F_ALL = KRTP_FLOW_F_RTCP | KRTP_FLOW_F_STRICT_RTP |
			    KRTP_FLOW_F_PASS_STUN_DTLS,
};

/* How a flow validates the source of its packets (KRTP_A_FLOW_SRC_MODE, read-only) */
enum krtp_src_mode {
	KRTP_SRC_MODE_LEARN = 1,	/* learn address and port from the first packet */
	KRTP_SRC_MODE_ADDR,		/* fixed address, port learned from the first packet */
	KRTP_SRC_MODE_EXACT,		/* fixed address and port */
};

/* Why a flow went away (KRTP_A_FLOW_DEL_REASON in KRTP_CMD_FLOW_DEL_NTF) */
enum krtp_del_reason {
	KRTP_DEL_REASON_USER = 1,	/* KRTP_CMD_FLOW_DEL */
	KRTP_DEL_REASON_FLUSH,		/* KRTP_CMD_FLOW_FLUSH */
	KRTP_DEL_REASON_IDLE,		/* idle with KRTP_A_FLOW_IDLE_DELETE set */
};

/* SRTP protection profiles (KRTP_A_SRTP_SUITE), names as in RFC 4568/7714 */
enum krtp_srtp_suite {
	/* AES-128 counter mode, HMAC-SHA1 tag of 80 bits (SRTP and SRTCP) */
	KRTP_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80 = 1,
	/* the same with a 32-bit SRTP tag; SRTCP keeps 80 bits (RFC 4568 6.2.1) */
	KRTP_SRTP_SUITE_AES_CM_128_HMAC_SHA1_32,
	/* AES-128 GCM, 128-bit tag, 96-bit master salt (RFC 7714) */
	KRTP_SRTP_SUITE_AEAD_AES_128_GCM,
};

/* master key length of every suite (KRTP_A_SRTP_MASTER_KEY) */
#define KRTP_SRTP_MASTER_KEY_LEN	16
/* master salt length (KRTP_A_SRTP_MASTER_SALT): AES-CM suites and GCM */
#define KRTP_SRTP_MASTER_SALT_LEN	14
#define KRTP_SRTP_GCM_MASTER_SALT_LEN	12
/* replay window in packets (KRTP_A_SRTP_REPLAY_WINDOW): default and range */
#define KRTP_SRTP_REPLAY_WINDOW_DEFAULT	128
#define KRTP_SRTP_REPLAY_WINDOW_MIN	64
#define KRTP_SRTP_REPLAY_WINDOW_MAX	4096
/*
 * RTP streams (SSRCs) an SRTP context follows at once, each with its own
 * ROC and replay state (RFC 3711 3.2.3): a sender that changes its SSRC
 * (a PBX bridging another party), or sends retransmissions (RTX) on a
 * second one, keeps being carried. When one more authenticates (IN) or is
 * sent (OUT), the stream heard from longest ago is forgotten.
 */
#define KRTP_SRTP_SSRC_MAX		4
/*
 * The RTP analysis (KRTP_A_STATS_RTP_*) follows one SSRC of a flow; it
 * moves to another after this many packets of it in a row: a sender that
 * changed SSRC (a PBX bridging in another party) is followed after a third
 * of a second of audio, while packets of a second SSRC now and then
 * (retransmissions, RTX) leave the stream's loss and jitter alone.
 */
#define KRTP_RTP_SSRC_SWITCH		16

/*
 * KRTP_A_FLOW_BUNDLE_PT: a bitmap of RTP payload types 0-127, bit n of
 * byte n / 8 (least significant bit first) set for payload type n. At most
 * KRTP_BUNDLE_MAX flows share one local endpoint.
 */
#define KRTP_BUNDLE_PT_LEN		16
#define KRTP_BUNDLE_MAX			16

/*
 * An endpoint: one address (IPv4 or IPv6) and a UDP port. Addresses and
 * ports are in network byte order. Used nested in KRTP_A_FLOW_LOCAL, _PEER,
 * _VIA and _SOURCE.
 */
enum {
	KRTP_A_EP_IPV4 = 1,		/* be32 */
	KRTP_A_EP_IPV6,			/* 16 bytes */
	KRTP_A_EP_PORT,			/* be16, 1-65535 */

	__KRTP_A_EP_MAX,
	KRTP_A_EP_MAX = __KRTP_A_EP_MAX - 1
};

/* Per-flow and per-namespace counters, nested in KRTP_A_FLOW_STATS / KRTP_A_STATS */
enum {
	KRTP_A_STATS_PAD = 1,
	KRTP_A_STATS_PACKETS,		/* u64: RTP (and other) packets forwarded */
	KRTP_A_STATS_BYTES,		/* u64: UDP payload bytes of those */
	KRTP_A_STATS_RTCP_PACKETS,	/* u64: RTCP packets forwarded (muxed or not) */
	KRTP_A_STATS_RTCP_BYTES,	/* u64: UDP payload bytes of those */
	KRTP_A_STATS_DROP_WRONG_SOURCE,	/* u64: dropped, source not the validated one */
	KRTP_A_STATS_DROP_NO_ROUTE,	/* u64: dropped, no route to the peer */
	KRTP_A_STATS_DROP_NOT_RTP,	/* u64: dropped by KRTP_FLOW_F_STRICT_RTP */
	KRTP_A_STATS_DROP_OTHER,	/* u64: dropped, other reasons (bad length, no memory) */
	KRTP_A_STATS_IDLE_MSECS,	/* u64: milliseconds since the last packet (flows only) */
	KRTP_A_STATS_RTP_SSRC,		/* u32: SSRC of the stream analysed (flows only) */
	KRTP_A_STATS_RTP_PT,		/* u8: its RTP payload type, last seen (flows only) */
	KRTP_A_STATS_RTP_LOST,		/* u64: packets missing from sequence (gaps) */
	KRTP_A_STATS_RTP_DUPLICATES,	/* u64: sequence numbers seen twice */
	KRTP_A_STATS_RTP_REORDERED,	/* u64: late (out-of-order) packets */
	KRTP_A_STATS_RTP_JITTER,	/* u32: RFC 3550 A.8 jitter, timestamp units */
	KRTP_A_STATS_RTP_JITTER_USECS,	/* u32: the same in microseconds */
	KRTP_A_STATS_FLOWS,		/* u32: flows installed (namespace only) */
	KRTP_A_STATS_PACKETS_TOTAL,	/* u64: packets seen on flows: forwarded, dropped, passed */
	KRTP_A_STATS_SRTP_AUTH_FAIL,	/* u64: dropped, SRTP/SRTCP tag wrong or packet too short */
	KRTP_A_STATS_SRTP_REPLAY,	/* u64: dropped, SRTP/SRTCP index replayed or too old */
	KRTP_A_STATS_PASSED,		/* u64: STUN/DTLS left to the socket (PASS_STUN_DTLS) */

	__KRTP_A_STATS_MAX,
	KRTP_A_STATS_MAX = __KRTP_A_STATS_MAX - 1
};

/* Flow attributes: requests, replies, dumps and notifications */
enum {
	KRTP_A_FLOW_ID = 1,		/* u32, kernel-assigned, never reused */
	KRTP_A_FLOW_LOCAL,		/* nest EP: ingress address and port (the key) */
	KRTP_A_FLOW_PEER,		/* nest EP: where packets are sent, either family */
	KRTP_A_FLOW_VIA,		/* nest EP: egress source, PEER's family, default LOCAL */
	KRTP_A_FLOW_SOURCE,		/* nest EP: expected/learned source */
	KRTP_A_FLOW_SRC_MODE,		/* u8 enum krtp_src_mode (read-only) */
	KRTP_A_FLOW_SRC_LOCKED,		/* flag: source learned and locked (read-only) */
	KRTP_A_FLOW_FLAGS,		/* u32 enum krtp_flow_flags */
	KRTP_A_FLOW_LABEL,		/* binary, <= KRTP_LABEL_MAX_LEN, opaque to the kernel;
					 * in a FLOW_GET dump request: 1 or more bytes, dump
					 * only the flows whose label starts with them */
	KRTP_A_FLOW_IDLE_TIMEOUT,	/* u32 seconds, 0 = never (default) */
	KRTP_A_FLOW_IDLE_DELETE,	/* flag: delete (not only notify) when idle */
	KRTP_A_FLOW_CLOCK_RATE,		/* u32 Hz for jitter, default 8000 */
	KRTP_A_FLOW_STATS,		/* nest STATS (read-only) */
	KRTP_A_FLOW_DEL_REASON,		/* u32 enum krtp_del_reason (notifications) */
	KRTP_A_FLOW_PAD,
	KRTP_A_FLOW_SRTP_IN,		/* nest SRTP: decrypt what arrives (SRTP in) */
	KRTP_A_FLOW_SRTP_OUT,		/* nest SRTP: encrypt what leaves (SRTP out) */
	/*
	 * nest EP: where the flow's RTCP goes, of PEER's family, when it
	 * is not PEER: a muxed leg (RFC 5761) relayed to one that is not,
	 * whose RTCP port is its own. RTP and the rest still go to PEER.
	 * Not with KRTP_FLOW_F_RTCP, whose peer is already the RTCP port
	 */
	KRTP_A_FLOW_RTCP_PEER,
	/*
	 * nest EP: the source of what goes to RTCP_PEER, of PEER's family,
	 * address and port required; default VIA. The port the other leg
	 * sends its RTCP to (symmetric RTCP, RFC 4961), where VIA is the
	 * RTP port. Only with RTCP_PEER
	 */
	KRTP_A_FLOW_RTCP_VIA,
	/*
	 * binary, KRTP_BUNDLE_PT_LEN: the RTP payload types this flow carries
	 * of a local endpoint it shares with other flows (BUNDLE, above); at
	 * least one. Not with KRTP_FLOW_F_RTCP
	 */
	KRTP_A_FLOW_BUNDLE_PT,

	__KRTP_A_FLOW_MAX,
	KRTP_A_FLOW_MAX = __KRTP_A_FLOW_MAX - 1
};

/*
 * An SRTP crypto context, nested in KRTP_A_FLOW_SRTP_IN or _SRTP_OUT of
 * KRTP_CMD_FLOW_NEW. SUITE, MASTER_KEY and MASTER_SALT are required; the
 * salt length must be the suite's (14 bytes, 12 for GCM). Session keys are
 * derived once, at flow creation (RFC 3711 4.3, key derivation rate 0), and
 * the master key is then wiped. No MKI. The context follows up to
 * KRTP_SRTP_SSRC_MAX RTP streams (SSRCs), each with its own ROC and replay
 * state; a stream it has not seen starts at ROC 0, but for those
 * KRTP_A_SRTP_STREAM names, which start at their own ROC, and, when it
 * names none, for the first one, which starts at KRTP_A_SRTP_ROC. In replies, dumps and events the
 * nest holds SUITE, ROC (that of the stream last authenticated or sent),
 * a STREAM per stream the context follows, with its SSRC and ROC, and,
 * for SRTP_OUT, SRTCP_INDEX: where the context stands, not secret. Keys
 * are never read back. To replace a keyed flow (new peer, re-INVITE with
 * the same keys), create the new one with the ROC, STREAMs and SRTCP
 * index the old one reports: each stream goes on in its own ROC.
 */
enum {
	KRTP_A_SRTP_SUITE = 1,		/* u32 enum krtp_srtp_suite */
	KRTP_A_SRTP_MASTER_KEY,		/* binary, KRTP_SRTP_MASTER_KEY_LEN, write-only */
	KRTP_A_SRTP_MASTER_SALT,	/* binary, 14 or 12 (GCM) bytes, write-only */
	/*
	 * u32 packets, KRTP_SRTP_REPLAY_WINDOW_MIN..MAX, default 128: how far
	 * behind the highest index an SRTP/SRTCP packet may arrive (IN only)
	 */
	KRTP_A_SRTP_REPLAY_WINDOW,
	/*
	 * u32 rollover counter (RFC 3711 3.3.1). FLOW_NEW: that of the first
	 * packet, default 0, for a stream that is already running (a
	 * replaced or re-adopted flow). Replies, dumps, events: that of the
	 * highest index authenticated (IN) or sent (OUT) so far
	 */
	KRTP_A_SRTP_ROC,
	/*
	 * u32 SRTCP index of the next packet sent, < 2^31 (OUT only).
	 * FLOW_NEW: default 0. Replies, dumps, events: the current one
	 */
	KRTP_A_SRTP_SRTCP_INDEX,
	/*
	 * nest SRTP_STREAM, up to KRTP_SRTP_SSRC_MAX, SSRCs distinct: an RTP
	 * stream and its ROC. FLOW_NEW: the stream's first packet is taken
	 * to be in that ROC (a stream of a replaced flow). Replies, dumps,
	 * events: one per stream followed, at the ROC of its highest index
	 */
	KRTP_A_SRTP_STREAM,

	__KRTP_A_SRTP_MAX,
	KRTP_A_SRTP_MAX = __KRTP_A_SRTP_MAX - 1
};

/* One RTP stream of an SRTP context, nested in KRTP_A_SRTP_STREAM */
enum {
	KRTP_A_SRTP_STREAM_SSRC = 1,	/* u32, required */
	KRTP_A_SRTP_STREAM_ROC,		/* u32, required */

	__KRTP_A_SRTP_STREAM_MAX,
	KRTP_A_SRTP_STREAM_MAX = __KRTP_A_SRTP_STREAM_MAX - 1
};

/*
 * Top-level attributes. A request names one flow under KRTP_A_FLOW; a reply,
 * dump entry or notification carries one flow the same way.
 */
enum {
	KRTP_A_FLOW = 1,		/* nest FLOW */
	KRTP_A_STATS,			/* nest STATS: namespace totals */

	__KRTP_A_MAX,
	KRTP_A_MAX = __KRTP_A_MAX - 1
};

enum {
	/*
	 * add flows, one FLOW nest each (LOCAL and PEER required), in order
	 * until one is refused; replies with a FLOW nest (ID and LOCAL) per
	 * flow added, then the error of the refused one, if any
	 */
	KRTP_CMD_FLOW_NEW = 1,
	/* delete a flow named by ID or by LOCAL */
	KRTP_CMD_FLOW_DEL,
	/*
	 * get one flow by ID or LOCAL (doit), or all flows (dump); a dump
	 * request may carry a FLOW nest with LABEL only: a label prefix
	 */
	KRTP_CMD_FLOW_GET,
	/* delete all flows of the namespace */
	KRTP_CMD_FLOW_FLUSH,
	/* namespace counters under KRTP_A_STATS */
	KRTP_CMD_STATS_GET,
	/* notification: flow deleted, with KRTP_A_FLOW_DEL_REASON */
	KRTP_CMD_FLOW_DEL_NTF,
	/* notification: source learned and locked, with KRTP_A_FLOW_SOURCE */
	KRTP_CMD_FLOW_SRC_LEARNED_NTF,
	/* notification: packets from a wrong source (at most one per flow a second) */
	KRTP_CMD_FLOW_WRONG_SRC_NTF,
	/* notification: no packets for the flow's idle timeout */
	KRTP_CMD_FLOW_IDLE_NTF,

	__KRTP_CMD_MAX,
	KRTP_CMD_MAX = __KRTP_CMD_MAX - 1
};

#endif /* _UAPI_LINUX_KRTP_H */
