/* SPDX-License-Identifier: GPL-2.0 */
/*
 * WebRTC legs (RFC 8829, RFC 8842): a leg whose offer is UDP/TLS/RTP/SAVPF
 * is a WebRTC leg. krtpd terminates it as an ICE-lite agent (RFC 8445
 * section 2.5) with DTLS-SRTP (dtls.c) and shows the other leg plain
 * RTP/AVP. On the relay port facing the leg, datagrams are told apart by
 * their first byte (RFC 7983): 0-3 STUN, answered by ICE_LiteAnswer; 20-63
 * DTLS, fed to the leg's session; 128-191 RTP and RTCP, media.
 *
 * The leg's address is the source of its nominated, authenticated STUN
 * check, never its candidates (a browser may give mDNS names). A relay with
 * an address of each family gives the leg a host candidate on each (RFC
 * 8839 section 5.1), the second on a port pair of its own (alt): if ICE
 * nominates that one, the leg's port and family become the alt pair's and
 * the one it had is kept as the alt, so a later ICE restart may move back.
 * Until the leg is both addressed and keyed, its stream has no flows:
 * nothing is forwarded either way (med_webrtc_ready). Then the keys from
 * the DTLS handshake become the leg's SRTP keys, exactly as an SDES leg's
 * (struct med_srtp_leg), and media.c programs krtp.ko or the relay.
 *
 * A leg becomes WebRTC in one of two ways: it offered UDP/TLS/RTP/SAVP(F)
 * (med_webrtc_offer; krtpd answers as ICE-lite, DTLS role from the offer's
 * a=setup), or krtpd offered it WebRTC itself, a callee registered over
 * WebSocket (med_webrtc_offer_to; krtpd's credentials go in that offer,
 * a=setup:actpass, and the role comes from the leg's answer, RFC 5763
 * section 5).
 *
 * All with med_lock held.
 */
#ifndef KRTPD_MEDIA_WEBRTC_H
#define KRTPD_MEDIA_WEBRTC_H

#include "internal.h"

#define MED_WR_CHECKED	4	/* authenticated check sources kept per leg */

/* one WebRTC leg of a stream: webrtc.c keeps it, webrtc_sdp.c shows it in the answer */
struct med_webrtc {
	struct med_webrtc *next;	/* on med_wr_legs */
	struct med_stream *st;
	int leg;			/* 0 leg A, 1 leg B */
	struct sdp_webrtc offered;	/* from the latest offer, taken by the answer */
	struct sdp_webrtc remote;	/* what the running session was made for */
	bool answered;
	/*
	 * krtpd offered this leg WebRTC (it answers): krtpd's credentials were
	 * in that offer and stay for the leg's life; offered/remote are what
	 * the leg's answer said.
	 */
	bool offerer;
	char ufrag[9], pwd[25];		/* krtpd's ICE credentials (RFC 8839: 4+ and 22+) */
	bool server;			/* krtpd's DTLS role: a=setup:passive */
	struct med_dtls *dtls;
	/* sources of authenticated checks: DTLS is taken from these only */
	struct sockaddr_storage checked[MED_WR_CHECKED];
	unsigned int nchecked;
	bool nominated;
	struct sockaddr_storage addr;	/* media address: the nominated check's source */
	struct sockaddr_storage dtls_peer;	/* where the DTLS session sends */
	/*
	 * RTP port of the leg's pair in the relay's other family (its
	 * second candidate), 0 none: a single-family relay, a full range, a
	 * re-adopted leg. Freed with the leg.
	 */
	uint16_t alt;
	bool keyed;
	struct sdp_crypto peer, own;	/* the leg's SRTP keys, once keyed */
	unsigned int sdp_version;	/* o= version of the answers written for it */
	/*
	 * Consent freshness (RFC 7675): when krtpd last answered an
	 * authenticated check of the leg's; once nominated, consent_timeout
	 * without one expires it: media to it stops and the call ends.
	 */
	uint64_t consent_ms;
	bool expired;
	/*
	 * Rebuilt by a restarted krtpd from the store (webrtc_state.c): ICE
	 * answers go on, its flows in krtp.ko stay as they are, and it has no
	 * DTLS session: DTLS is dropped. cert_kept: the call's certificate now
	 * is the one the leg was shown, so its stored keys may be taken back
	 * (srtp_state.c) and an unchanged re-offer answered as before.
	 */
	bool restored;
	bool cert_kept;
	/* keyed since the main thread last stored keys (MED_StoreKeys) */
	bool keys_unsaved;
	/*
	 * A line bundled on another's transport (bundle.c): the leg of the
	 * group's lead line, whose port, ICE agent, DTLS session and keys are
	 * this one's too; it has none of its own. NULL: none, or the lead went.
	 */
	struct med_webrtc *lead;
};

/* a leg was keyed since the main thread last stored keys (med_lock) */
extern bool med_wr_keys_pending;

/* every leg (webrtc.c's list, med_lock) */
extern struct med_webrtc *med_wr_legs;

/*
 * Stream i of an offer from leg `leg` is UDP/TLS/RTP/SAVP(F): check and
 * record its WebRTC attributes, and rewrite it as RTP/AVP for the other
 * leg. -EPROTO when they are not usable (no a=fingerprint, ...); st NULL
 * for a line krtpd refuses (only audio is anchored).
 */
int med_webrtc_offer(struct med_stream *st, int leg, const char *buf, size_t len,
		     const struct sdp *s, unsigned int i, struct med_offer *offer,
		     struct sdp_anchor *an);
/*
 * krtpd offers leg `leg` of stream st WebRTC (a callee over WebSocket):
 * the leg's state, with krtpd's ICE credentials (made once). 0 or -errno.
 */
int med_webrtc_offer_to(struct med_stream *st, int leg);
/*
 * Stream i of the answer from a leg krtpd offered WebRTC: check and keep
 * its WebRTC attributes (UDP/TLS/RTP/SAVP(F), a=fingerprint, ICE
 * credentials, a=setup active or passive). -EPROTO with *why when krtpd
 * cannot use them; nothing changes then.
 */
int med_webrtc_answer_check(const char *buf, size_t len, const struct sdp *s, unsigned int i,
			    struct sdp_webrtc *wr, const char **why);
void med_webrtc_answer_take(struct med_stream *st, int leg, const struct sdp_webrtc *wr);
/*
 * the answer took stream st: make the WebRTC leg's state match its offer
 * (a new DTLS session for a new certificate or DTLS role, an ICE restart
 * for new credentials alone); answering: krtpd writes this answer, so an
 * ICE restart changes its credentials too. 0 or -errno
 */
int med_webrtc_answered(struct med_stream *st, int leg, bool answering);
/*
 * Write the answer shown to the WebRTC offerer (leg ol) from the other
 * leg's answer buf, parsed into s: ICE-lite, krtpd's credentials,
 * fingerprint and candidates. 0 or -EMSGSIZE.
 */
int med_webrtc_answer_sdp(const struct med_call *c, int ol, const char *buf, size_t len,
			  const struct sdp *s, char *out, size_t outsz, size_t *outlen);
/*
 * Write the WebRTC offer krtpd shows leg `to` (a callee over WebSocket)
 * from the other leg's plain offer buf, parsed into s: UDP/TLS/RTP/SAVPF,
 * ICE-lite with krtpd's credentials and candidates, a=fingerprint,
 * a=setup:actpass, rtcp-mux, a=mid and BUNDLE, the offer's audio codecs;
 * every line krtpd does not anchor as WebRTC with port 0. 0, -EIO (no
 * certificate) or -EMSGSIZE.
 */
int med_webrtc_offer_sdp(const struct med_call *c, const struct med_offer *o, int to,
			 const char *buf, size_t len, const struct sdp *s, char *out, size_t outsz,
			 size_t *outlen);
/*
 * Write the answer shown to the plain offerer (leg ol) of a WebRTC callee
 * from the callee's answer buf, parsed into s: the relay's address and
 * ports, RTP/AVP (or what an[i].proto says, with an[i].crypto), the
 * answer's codecs and direction, a=rtcp-mux only if the offerer offered
 * it. 0 or -EMSGSIZE.
 */
int med_webrtc_plain_answer_sdp(const struct med_call *c, int ol, const char *buf, size_t len,
				const struct sdp *s, const struct sdp_anchor *an, char *out,
				size_t outsz, size_t *outlen);
/* Are all WebRTC legs of st addressed and keyed (true without any)? */
bool med_webrtc_ready(const struct med_stream *st);
/* the WebRTC leg whose RTP port is `port` (a slot of st's), or NULL */
struct med_webrtc *med_webrtc_of_port(const struct med_stream *st, uint16_t port);
/*
 * A datagram from src on the leg's port: true if it was STUN or DTLS and
 * was taken here (answered, fed to DTLS, or dropped), false for media.
 */
bool med_webrtc_demux(struct med_webrtc *w, int fd, const uint8_t *buf, size_t len,
		      const struct sockaddr_storage *src);
/*
 * The leg's DTLS handshake gave it w->peer and w->own: use them (its
 * flows are programmed once it is nominated too), and have them stored.
 */
void med_webrtc_keys_taken(struct med_webrtc *w);
/* retransmit DTLS flights that timed out; from the media thread */
void med_webrtc_tick(void);
/* st's leg `leg`, made (and put on med_wr_legs) if it has none yet; NULL: no memory */
struct med_webrtc *med_webrtc_new(struct med_stream *st, int leg);
/* Has the leg gone timeout_s seconds without consent by now (0: never expires)? */
bool med_webrtc_consent_lost(const struct med_webrtc *w, uint64_t now, unsigned int timeout_s);
/*
 * From the media thread: expire the legs whose consent was lost, stop the
 * media toward them, and return (strdup'ed) the keys of their calls, which
 * the caller ends.
 */
size_t med_webrtc_expire(char **keys, size_t max);
/* webrtc_state.c: store the leg's ICE and DTLS state (main thread, at the answer) */
void med_webrtc_save(const struct med_webrtc *w);
/* webrtc_state.c: MED_Restore's calls get their stored WebRTC legs back */
void med_webrtc_restore(void);
/* free the stream's WebRTC legs (their DTLS sessions and keys) */
void med_webrtc_release(struct med_stream *st);

#endif /* KRTPD_MEDIA_WEBRTC_H */
