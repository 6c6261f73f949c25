/* SPDX-License-Identifier: GPL-2.0 */
/*
 * krtpd media anchoring (daemon/media/): relay ports, SDP rewriting, and the
 * flows that carry a call's RTP/RTCP, in krtp.ko or in the userspace relay.
 *
 * The SIP core calls these; media keeps its own state, behind its own lock,
 * and may call cfg->on_inactive from its own thread.
 *
 * A call is named by its key (the SIP core uses the Call-ID). The caller's
 * side is leg A (sent the INVITE), the callee's side is leg B. For each m=
 * line, media holds two relay ports pairs: one facing A (A sends to it) and one
 * facing B. An offer from A is rewritten to show B the B-facing ports, and the
 * answer from B is rewritten to show A the A-facing ports; once both sides'
 * addresses are known the four flows (RTP and RTCP, each direction) exist.
 */
#ifndef KRTPD_MEDIA_H
#define KRTPD_MEDIA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

enum med_mode {
	MED_MODE_AUTO = 1,	/* kernel if krtp.ko is loaded, else user (with a warning) */
	MED_MODE_KERNEL,	/* kernel or fail */
	MED_MODE_USER,		/* userspace relay only */
};

enum med_leg {
	MED_LEG_A = 1,		/* the caller (sent the initial INVITE) */
	MED_LEG_B,		/* the callee */
};

/* SDES-SRTP (RFC 4568) policy of a call, from the config's srtp keys */
enum med_srtp {
	MED_SRTP_PASSTHROUGH = 1,	/* a=crypto untouched, SRTP relayed opaque */
	MED_SRTP_BRIDGE,		/* krtpd terminates SRTP: an SRTP leg to a plain one */
	MED_SRTP_REQUIRE,		/* as passthrough, but a plain offer is refused */
};

/* why media asks the SIP core to end a call */
enum med_end {
	MED_END_IDLE = 1,	/* no packet either way for inactivity_timeout */
	MED_END_CONSENT,	/* a WebRTC leg's ICE consent expired (RFC 7675) */
};

struct med_config {
	enum med_mode mode;
	/* address written into SDP and bound for relay ports, one per family (family 0 = none) */
	struct sockaddr_storage relay4, relay6;
	uint16_t port_min, port_max;	/* relay port range; RTP even, RTCP odd */
	unsigned int inactivity_timeout;	/* seconds without media before on_inactive, 0 = never */
	/*
	 * A leg behind NAT whose SDP names a private address: accept its
	 * media from the address its signalling came from only (the port
	 * learned), not from whichever address sends first
	 */
	bool nat_source_signalling;
	/* seconds without an answered ICE check before a WebRTC leg's consent expires, 0 = never */
	unsigned int consent_timeout;
	/* PEM files of the DTLS certificate and key; NULL or "": one is made */
	const char *dtls_certificate, *dtls_private_key;
	/* called (from a media thread) when a call must end: its media idle, or consent gone */
	void (*on_inactive)(const char *call_key, enum med_end why, void *arg);
	/*
	 * called (from a media thread, without media's lock) when a WebRTC
	 * leg's DTLS handshake gave it SRTP keys: the main thread is to call
	 * MED_StoreKeys() soon, so that a restart finds them
	 */
	void (*on_keys)(void *arg);
	void *arg;
};

/* Start media; returns the mode in use (MED_MODE_KERNEL or MED_MODE_USER) or -errno. */
int MED_Init(const struct med_config *cfg);
/* Stop: deletes every flow media created and closes its ports. */
void MED_Fini(void);
/*
 * SIGHUP: load dtls_certificate and dtls_private_key again. Calls that
 * start from now on get the new certificate; calls already up keep theirs
 * (their offers, answers and DTLS sessions) until they end. Without
 * dtls_certificate the generated certificate stays. 0, or -errno when the
 * files do not load: the reason is logged, naming the file, and the
 * certificate in use stays.
 */
int MED_DtlsReload(void);
/*
 * Re-adopt calls after a restart: find krtpd's flows in the kernel (by their
 * labels) and rebind their ports. Returns the number of calls adopted.
 */
int MED_Restore(void);
/*
 * Main thread: store the SRTP keys DTLS gave WebRTC legs since the last
 * call (cfg->on_keys asked for it), with the call's other keys.
 */
void MED_StoreKeys(void);

/*
 * An SDP offer from leg `from` (initial INVITE or re-INVITE; from may be B for
 * a callee's re-INVITE). sig_src is where the SIP message came from: when its
 * address differs from the SDP's, the UA is taken to be behind NAT and the
 * source is learned from the first packet. Writes the rewritten SDP to out.
 * Returns 0 or -errno (-EINVAL: SDP not understood, -ENOSPC: no relay ports).
 */
int MED_Offer(const char *call_key, enum med_leg from, const struct sockaddr *sig_src,
	      const char *sdp, size_t len, char *out, size_t outsz, size_t *outlen);
/*
 * MED_Offer under an SRTP policy; the first offer of a call fixes it. More
 * returns: -EPROTONOSUPPORT (require: the offer has no SRTP), -EOPNOTSUPP
 * (bridge: no a=crypto krtpd supports), -ENOKEY (a bridged call re-adopted
 * after a restart: its keys are in krtp.ko only), -EPROTO (a WebRTC offer,
 * UDP/TLS/RTP/SAVP(F), without a=fingerprint or ICE credentials). MED_Offer
 * is passthrough.
 */
int MED_OfferSrtp(const char *call_key, enum med_leg from, enum med_srtp srtp,
		  const struct sockaddr *sig_src, const char *sdp, size_t len, char *out,
		  size_t outsz, size_t *outlen);
/*
 * MED_OfferSrtp toward a leg reached over to_family (AF_INET, AF_INET6; 0:
 * the offer's own). The first offer of a call fixes it: that leg is shown
 * the relay's address of its family, so an IPv6-only phone and an IPv4-only
 * one each see an address they can reach, and the flows between them cross
 * families (in krtp.ko, or in the userspace relay). MED_OfferSrtp passes 0.
 */
int MED_OfferTo(const char *call_key, enum med_leg from, enum med_srtp srtp, int to_family,
		const struct sockaddr *sig_src, const char *sdp, size_t len, char *out,
		size_t outsz, size_t *outlen);
/*
 * MED_OfferTo toward a WebRTC callee (to_webrtc: a contact registered over
 * WebSocket, RFC 7118): the answering leg is shown an offer of krtpd's
 * own, UDP/TLS/RTP/SAVPF with ICE-lite, a=fingerprint and a=setup:actpass,
 * for the offer's RTP audio lines (the rest with port 0). Its answer must
 * carry a=fingerprint, ICE credentials and a=setup active or passive, or
 * MED_Answer fails with -EPROTO; the offerer then gets plain RTP. A call
 * whose callee was offered WebRTC is offered WebRTC on every later offer.
 */
int MED_OfferWebrtc(const char *call_key, enum med_leg from, enum med_srtp srtp, int to_family,
		    bool to_webrtc, const struct sockaddr *sig_src, const char *sdp, size_t len,
		    char *out, size_t outsz, size_t *outlen);
/* The matching SDP answer from the other leg; programs the flows. Same returns. */
int MED_Answer(const char *call_key, enum med_leg from, const struct sockaddr *sig_src,
	       const char *sdp, size_t len, char *out, size_t outsz, size_t *outlen);
/*
 * SDP from leg `from` that answers no offer: a 2xx or 18x repeating the
 * session description of an exchange already complete (RFC 3261 §13.2.1,
 * RFC 6337 §3.1), e.g. after an early UPDATE from the callee. Rewritten with
 * the relay ports the other leg already sends to; nothing is reprogrammed.
 * -ENOENT without the call, -EINVAL when its m= lines are not the call's.
 */
int MED_Repeat(const char *call_key, enum med_leg from, const char *sdp, size_t len,
	       char *out, size_t outsz, size_t *outlen);
/* The call ended (BYE, CANCEL, failure, timeout): delete its flows, free its ports. */
void MED_Delete(const char *call_key);

/* Per-call counters for `krtpctl calls` / `krtpctl show call` */
struct med_call_stats {
	int streams;
	uint64_t packets_a_to_b, packets_b_to_a;
	uint64_t bytes_a_to_b, bytes_b_to_a;
	uint64_t dropped;
	uint64_t lost;
	uint32_t jitter_usecs;
	uint64_t idle_msecs;	/* since the last packet in either direction */
	uint16_t port_a, port_b;	/* first RTP relay port facing A and facing B */
	int kernel;		/* carried by krtp.ko (1) or the userspace relay (0) */
};
int MED_Stats(const char *call_key, struct med_call_stats *out);
/* Does media anchor a call by this key (an offer was taken)? */
int MED_Has(const char *call_key);

/*
 * Module-wide figures for the metrics endpoint, from memory only (no
 * netlink): calls and installed flows, and in userspace mode what the relay
 * forwarded and dropped since start (live flows plus removed ones). In
 * kernel mode the packet counters are krtp.ko's (sysfs) and stay 0 here.
 */
struct med_totals {
	int up, kernel;
	unsigned int calls, flows;
	uint64_t packets, bytes, rtcp_packets, rtcp_bytes;
	uint64_t drop_wrong_source, drop_no_route, drop_not_rtp, drop_other;
};
void MED_Totals(struct med_totals *t);

#endif /* KRTPD_MEDIA_H */
