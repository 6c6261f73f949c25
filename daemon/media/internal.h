/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the media files share: calls, streams and flows (media.c), relay
 * ports (ports.c), krtp.ko programming (kernel.c) and the relay thread
 * (relay.c). Nothing outside daemon/media/ includes this.
 *
 * Locking: one mutex, med_lock, guards every call, stream, flow, port slot
 * and the netlink request socket. The idle scan's dump alone runs without
 * it, on a socket and a buffer only the media thread touches (restore.c). The SIP core's MED_* calls and the relay
 * thread both take it; cfg->on_inactive is always called without it, since
 * it may call MED_Delete.
 */
#ifndef KRTPD_MEDIA_INTERNAL_H
#define KRTPD_MEDIA_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <krtp/nl.h>
#include "../log.h"
#include "../media.h"
#include "../sdp.h"
#include "../sdp_crypto.h"
#include "../sdp_webrtc.h"

#define MED_MAX_STREAMS		SDP_MAX_MEDIA
#define MED_LABEL_PREFIX	"krtpd:"
#define med_log(...)		LOG_WARN(__VA_ARGS__)

/* the four flows of a stream; with rtcp-mux only the RTP ones exist */
enum med_flow_idx {
	MED_F_AB_RTP,		/* arrives on the A-facing RTP port, goes to B */
	MED_F_AB_RTCP,
	MED_F_BA_RTP,		/* arrives on the B-facing RTP port, goes to A */
	MED_F_BA_RTCP,
	MED_F_MAX
};

/* userspace relay state of one flow (relay.c) */
struct med_ustate {
	struct krtp_stats st;
	bool locked;			/* source learned and locked */
	struct sockaddr_storage src;	/* the locked source */
	uint64_t last_rx_ms;		/* monotonic ms of the last packet, 0 = none */
	/*
	 * RFC 3550 A.1/A.8, simplified: sequence and jitter of one SSRC;
	 * another is followed after KRTP_RTP_SSRC_SWITCH packets of it in a
	 * row, as krtp.ko does
	 */
	uint32_t other_ssrc;
	unsigned int other_count;
	bool seq_init;
	uint16_t max_seq;
	uint32_t cycles, base_seq;
	uint64_t received;
	uint64_t lost_before;		/* lost by the streams before this one: a counter */
	bool jit_init;
	int64_t last_transit;
	uint32_t jitter16;		/* jitter * 16, timestamp units */
};

struct med_stream;

struct med_flow {
	bool installed;
	bool user;			/* carried by the userspace relay, not krtp.ko */
	struct krtp_flow kf;		/* what is (to be) installed; kf.id when in the kernel */
	/*
	 * Where the sender's SDP said it sends from when the flow was made: if
	 * a re-INVITE moves it, the flow is replaced so that its source is
	 * learned again instead of staying locked on the old port.
	 */
	struct krtp_ep sender;
	struct med_ustate u;
	struct med_stream *stream;
	int idx;			/* enum med_flow_idx */
	/*
	 * User mode: the next flow on the same LOCAL port, a bundle's (the
	 * port's slot names the first); NULL: none (relay.c)
	 */
	struct med_flow *bnext;
};

/* what one leg's SDP said about one stream */
struct med_side {
	bool known;
	struct krtp_ep rtp;		/* address and RTP port */
	uint16_t rtcp_port;
	struct krtp_ep rtcp_addr;	/* a=rtcp with an address (port 0); family 0: none */
	bool mux;			/* a=rtcp-mux */
	enum sdp_dir dir;
	bool nat;			/* signalled from another address: learn the source */
	/*
	 * Behind NAT with a private address in its SDP, the address its
	 * signalling came from (port 0), when of the SDP's family: its NAT's,
	 * the only one its media is accepted from with nat_source_signalling.
	 * Family 0: none.
	 */
	struct krtp_ep sig;
	/*
	 * Behind NAT the SDP address is not reachable: once the leg's packets
	 * have shown where it really sends from ([0] RTP, [1] RTCP), the relay
	 * sends to that (symmetric RTP, RFC 4961) instead.
	 */
	struct krtp_ep learned[2];
	uint32_t clock_rate;
};

/*
 * SRTP that krtpd terminates on one leg of a stream (srtp = bridge): the
 * leg sends SRTP under its key, krtpd sends it SRTP under its own.
 */
struct med_srtp_leg {
	bool on;
	struct sdp_crypto peer;		/* the leg's key, from its SDP: decrypts what it sends */
	struct sdp_crypto own;		/* krtpd's key, in the SDP sent to it: encrypts toward it */
};

struct med_call;
struct med_webrtc;

struct med_stream {
	struct med_call *call;
	unsigned int idx;
	uint16_t pa, pb;		/* RTP relay ports facing A and B, 0 = none */
	/*
	 * The family pa (fam[0]) or pb (fam[1]) is bound in when not the
	 * call's leg's: a WebRTC leg that ICE took to the relay's address of
	 * the other family (webrtc.c), or a stream re-adopted so; 0 = the call's
	 */
	int fam[2];
	bool rtp;			/* an RTP profile (has RTCP) */
	bool mux;			/* both sides agreed on rtcp-mux */
	struct med_side side[2];	/* [0] leg A, [1] leg B */
	struct med_flow flow[MED_F_MAX];
	struct krtp_stats acc[2];	/* counters of replaced flows: [0] A->B, [1] B->A */
	struct med_srtp_leg srtp[2];	/* [0] leg A, [1] leg B */
	/*
	 * libsrtp sessions (srtp.c) per direction ([0] A->B, [1] B->A): [0]
	 * decrypts what the sending leg sent, [1] encrypts for the receiving
	 * leg; NULL: plain. key[][] is the key each was made with.
	 */
	void *sess[2][2];
	struct sdp_crypto sess_key[2][2];
	/* a WebRTC leg's ICE and DTLS state (webrtc.c): [0] leg A, [1] leg B; NULL: none */
	struct med_webrtc *webrtc[2];
	/*
	 * In a BUNDLE (bundle.c): the flows from its WebRTC leg share their
	 * port with the other lines of the group and carry bundle_pt, the
	 * line's payload types, by which krtp.ko or the relay tells them apart
	 */
	bool bundle;
	uint8_t bundle_pt[SDP_PT_SET_LEN];
};

/* how an offer's stream is keyed (srtp = bridge, sdes.c) */
enum med_sdes {
	MED_SDES_NONE = 0,	/* plain, or SRTP relayed opaque */
	MED_SDES_OFFERER,	/* the offerer sent a=crypto; the other leg was offered plain */
	MED_SDES_ANSWERER,	/* a plain offer, shown to an SRTP leg with krtpd's a=crypto */
};

/* what an offer's stream is to WebRTC (webrtc.c) */
enum med_wr_line {
	MED_WR_NONE = 0,	/* not UDP/TLS/RTP/SAVP(F) */
	MED_WR_LEG,		/* anchored: the offerer is a WebRTC leg on this stream */
	MED_WR_REFUSED,		/* DTLS-SRTP that krtpd does not anchor (data, bundle-only): port 0 */
};

/* an offer waiting for its answer */
struct med_offer {
	bool valid;
	enum med_leg from;
	unsigned int nmedia;
	bool anchored[MED_MAX_STREAMS];
	struct med_side side[MED_MAX_STREAMS];
	uint8_t sdes[MED_MAX_STREAMS];		/* enum med_sdes */
	bool avpf[MED_MAX_STREAMS];		/* the offer's profile has feedback */
	/* MED_SDES_OFFERER: the offerer's key; MED_SDES_ANSWERER: the one krtpd offered */
	struct sdp_crypto key[MED_MAX_STREAMS];
	uint8_t webrtc[MED_MAX_STREAMS];		/* enum med_wr_line */
	char mid[MED_MAX_STREAMS][SDP_MID_MAX + 1];	/* WebRTC lines' a=mid, "" if none */
	bool bundle[MED_MAX_STREAMS];			/* ... in the offer's BUNDLE group */
	/*
	 * Lines krtpd bundles (bundle.c): 1 + the index of the group's line
	 * whose transport they share (the lead, itself included), 0 none;
	 * pts, each line's payload types
	 */
	uint8_t bundle_lead[MED_MAX_STREAMS];
	uint8_t pts[MED_MAX_STREAMS][SDP_PT_SET_LEN];
	/*
	 * krtpd offered the answering leg WebRTC (a callee over WebSocket):
	 * to_wr[i], the lines it anchors so (audio); the rest went with port 0
	 */
	bool to_webrtc;
	bool to_wr[MED_MAX_STREAMS];
};

struct med_call {
	struct med_call *next;		/* hash chain */
	uint64_t hash;			/* of the call key; names its flows' labels */
	enum med_srtp srtp;		/* policy, fixed by the first offer */
	char *key;			/* NULL for a re-adopted call until the SIP core names it */
	int family;			/* relay address family of the first offer */
	/*
	 * The relay's address family facing each leg ([0] A: ports pa, [1] B:
	 * ports pb), each leg's own: an IPv6-only phone and an IPv4-only one
	 * talk through cross-family flows. Set with the call; 0: family.
	 */
	int fam[2];
	unsigned int nstreams;
	struct med_stream *streams[MED_MAX_STREAMS];	/* allocated when first anchored */
	struct med_offer offer;
	bool inactive_reported;
	bool restoring;			/* being rebuilt by MED_Restore */
	/*
	 * Re-adopted with SRTP flows whose keys the store did not give back
	 * (srtp_state.c): krtp.ko keeps them and krtpd cannot read them, so
	 * the flows are left as they are and offers refused.
	 */
	bool unkeyed;
	bool reprogram;			/* a NAT source was learned: flows need med_call_program */
	uint64_t programmed_ms;		/* when flows last changed: idle is counted from here */
	uint64_t scan_idle_ms;		/* kernel mode: least idle_msecs of its flows, last scan */
	bool scan_seen;
	uint64_t dropped;		/* packets that reached a relay socket with no flow */
	/*
	 * The DTLS certificate of its WebRTC legs, a reference taken with the
	 * first one (webrtc.c) and dropped with the call: a SIGHUP reload
	 * leaves the fingerprint its offers, answers and sessions use as it was.
	 */
	struct med_dtls_cert *dtls_cert;
	bool keys_stored;		/* srtp_state.c put SRTP keys of it in the store */
};

/* media.c */
extern pthread_mutex_t med_lock;
extern struct med_config med_cfg;
extern bool med_kernel_mode;
/* userspace relay: counters of the flows removed so far (totals.c adds the live ones) */
extern struct krtp_stats med_user_retired;
void med_stats_add(struct krtp_stats *d, const struct krtp_stats *s);
bool med_running(void);		/* between MED_Init and MED_Fini; med_lock held */
uint64_t med_now_ms(void);
uint64_t med_key_hash(const char *key);
#define MED_BUCKETS	4096
extern struct med_call *med_calls[MED_BUCKETS];
extern unsigned int med_ncalls;
extern const char *const med_flow_names[MED_F_MAX];
struct med_call *med_call_by_hash(uint64_t hash);
struct med_call *med_call_find(const char *key);
/* the counters of an installed flow, from krtp.ko or the relay */
int med_flow_stats(const struct med_flow *f, struct krtp_stats *st);
/* key may be NULL: a re-adopted call, named later */
struct med_call *med_call_new(uint64_t hash, const char *key);
/* stream i of the call, allocated if create; NULL if absent (or out of memory) */
struct med_stream *med_stream_get(struct med_call *c, unsigned int i, bool create);
void med_call_destroy(struct med_call *c);
/* take an installed flow out of krtp.ko or the relay; keep_stats: into the stream's acc */
void med_flow_remove(struct med_flow *f, bool keep_stats);
/* where flow fi's sender says it sends from (its SDP): a flow moves with it */
void med_flow_sender(const struct med_stream *st, int fi, struct krtp_ep *sender);
/* install and remove flows until they match the call's streams */
int med_call_program(struct med_call *c);
const struct krtp_ep *med_relay_ep(int family);
/* the relay's family facing leg index leg (0 A, 1 B) */
static inline int med_call_fam(const struct med_call *c, int leg)
{
	return c->fam[leg] ? c->fam[leg] : c->family;
}
/* the other address family: a dual-stack relay's second one */
static inline int med_family_other(int family)
{
	return family == AF_INET6 ? AF_INET : AF_INET6;
}
/* ... and on stream st, where a WebRTC leg may have moved to the other one */
static inline int med_stream_fam(const struct med_stream *st, int leg)
{
	return st->fam[leg] ? st->fam[leg] : med_call_fam(st->call, leg);
}
/* the relay address of family as SDP text (offer.c) */
const struct sdp_relay *med_relay_txt(int family);
/* free a stream's ports and flows (a stream the answer rejected) */
void med_stream_release(struct med_stream *st);
/* called by the media thread WITHOUT med_lock; returns how many keys it put in keys[] */
size_t med_check_inactive(char **keys, size_t max);
void med_scan_fini(void);	/* after the media thread stopped */

/* ports.c: one slot per port of the range */
struct med_port {
	int fd;				/* bound UDP socket, -1 = free */
	uint32_t gen;			/* bumped on every allocation, tags epoll events */
	struct med_flow *flow;		/* user mode: the flow packets arriving here take */
	struct med_stream *owner;
};
int med_ports_init(const struct med_config *cfg, int epfd);
void med_ports_fini(void);
/* allocate and bind an even/odd pair; returns 0 and *port (even) or -ENOSPC */
int med_ports_alloc_pair(int family, struct med_stream *owner, uint16_t *port);
/* bind a given pair again (re-adoption); -EADDRINUSE if taken */
int med_ports_claim_pair(int family, struct med_stream *owner, uint16_t port);
/* close the pair at port (even) if owner holds it; a pair owner does not hold stays */
void med_ports_free_pair(struct med_stream *owner, uint16_t port);
struct med_port *med_port_get(uint16_t port);
/* epoll event data: port in the low 16 bits, generation above */
static inline uint64_t med_port_tag(uint16_t port, uint32_t gen)
{
	return ((uint64_t)gen << 16) | port;
}

/* kernel.c: all calls with med_lock held but med_kernel_scan() */
int med_kernel_open(void);
void med_kernel_close(void);
int med_kernel_add(struct med_flow **flows, size_t n);
void med_kernel_bundles_together(struct med_flow **flows, size_t n);
void med_kernel_del(struct med_flow *f);
int med_kernel_stats(const struct med_flow *f, struct krtp_stats *st);
int med_kernel_srtp_state(const struct med_flow *f, struct krtp_srtp *in, struct krtp_srtp *out);
/* krtpd's flows (label prefix "krtpd:"), through med_lock's socket */
int med_kernel_dump(int (*cb)(const struct krtp_flow *flow, void *arg), void *arg);
/* the same for the media thread's idle scan: its own socket, med_lock NOT held */
int med_kernel_scan(int (*cb)(const struct krtp_flow *flow, void *arg), void *arg);
bool med_kernel_dump_interrupted(void);

/* a flow from a leg behind NAT locked on src: send the leg's packets there */
void med_learned(struct med_flow *f, const struct krtp_ep *src);

/* srtp.c: libsrtp sessions of the userspace relay, med_lock held */
#define MED_SRTP_ROOM	160	/* bytes an SRTP/SRTCP transform may add to a packet */
/* krtp.ko takes SRTP flows: 1 yes, -1 no (they go to the relay), 0 not tried yet */
extern int med_kernel_srtp;
int med_srtp_init(void);
/* make the stream's sessions match its legs' keys; 0 or -errno */
int med_srtp_update(struct med_stream *st);
void med_srtp_release(struct med_stream *st);
/* can the relay (or krtp.ko, when it does SRTP) use this suite? */
bool med_srtp_suite_usable(enum sdp_srtp_suite suite);
/* does flow fi of st carry SRTP that krtpd terminates? */
bool med_srtp_flow(const struct med_stream *st, int fi);
/* the SRTP contexts of flow fi of st, for krtp.ko (KRTP_A_FLOW_SRTP_IN/_OUT) */
void med_srtp_flow_keys(const struct med_stream *st, int fi, struct krtp_flow *kf);
/* the same suite and master key and salt (not ROC, SRTCP index) */
bool med_srtp_same_key(const struct krtp_srtp *a, const struct krtp_srtp *b);
/* before f is replaced by want: carry its kernel ROC and SRTCP index over */
void med_srtp_carry(const struct med_flow *f, struct krtp_flow *want);
/* copy the RTP streams (SSRC, ROC) an SRTP context reported */
void med_srtp_streams_copy(struct krtp_srtp *to, const struct krtp_srtp *from);
/* transform one packet of f in place (buffer of cap bytes): its new length, or -1 to drop */
int med_srtp_apply(struct med_flow *f, unsigned char *b, int len, int cap, bool rtcp);

/* srtp_state.c: SDES and DTLS-SRTP keys across a restart, med_lock held, main thread */
/* after an answer set st's legs; was[leg]: the leg was SRTP before it */
void med_srtp_save(struct med_call *c, const struct med_stream *st, const bool was[2]);
/* MED_Restore: give the re-adopted calls their stored keys back */
void med_srtp_restore(void);
/* the call ended: its stored keys go (MED_Delete, the SIP core's thread) */
void med_srtp_forget(struct med_call *c);

/* sdes.c: the SDP side of srtp = bridge and require, med_lock held */
int med_sdes_require(const struct sdp *s);
int med_sdes_offer(struct med_call *c, struct med_stream *st, int from, const char *buf,
		   const struct sdp *s, unsigned int i, struct med_offer *offer,
		   struct sdp_anchor *an, char *line, size_t linesz);
int med_sdes_answer(struct med_call *c, struct med_stream *st, const char *buf,
		    const struct sdp *s, unsigned int i, struct sdp_anchor *an, char *line,
		    size_t linesz, struct med_srtp_leg legs[2]);

/*
 * The lines krtpd anchors between a WebRTC leg and a plain one: audio and
 * video, each on a transport of its own (its relay port, ICE and DTLS
 * session) or bundled on another line's (bundle.c). Data channels and
 * anything else get port 0.
 */
static inline bool med_wr_media(const char *type)
{
	return !strcmp(type, "audio") || !strcmp(type, "video");
}

/* bundle.c: BUNDLE (RFC 8843) for WebRTC offerers, med_lock held */
/* which lines of a WebRTC offer krtpd bundles: offer->bundle_lead and pts */
void med_bundle_plan(const char *buf, size_t len, const struct sdp *s, struct med_offer *offer);
/*
 * The ports of stream st for line i of offer from its WebRTC leg wleg:
 * a bundle member's WebRTC side is its lead's port, its other side a pair
 * of its own; *fresh when a pair was allocated. 0 or -errno.
 */
int med_bundle_ports(struct med_call *c, struct med_stream *st, int wleg, struct med_offer *offer,
		     unsigned int i, bool *fresh);
/* which lines of krtpd's offer to a WebRTC callee it offers bundled */
void med_bundle_plan_to(const char *buf, size_t len, const struct sdp *s, struct med_offer *offer);
/* the callee's answer: which stay bundled (struct sdp_webrtc: each line's, parsed) */
void med_bundle_answered(struct med_offer *offer, const struct sdp *s,
			 const struct sdp_webrtc *wrs);
/* stream st's WebRTC leg `leg` moves onto the transport of lead's (the callee bundled) */
void med_bundle_join(struct med_stream *st, int leg, struct med_stream *lead);
/* the flow of a bundled port (head: the port's first) that takes this packet; NULL: drop */
struct med_flow *med_bundle_pick(struct med_flow *head, const unsigned char *b, size_t len,
				 bool rtcp);

/* restore.c */
/* parse "krtpd:<hash>:<stream>:<dir>"; returns false if the label is not krtpd's */
bool med_label_parse(const uint8_t *label, size_t len, uint64_t *hash, unsigned int *idx, int *fi);

/* events.c: krtp.ko flow events, read with med_lock held */
#define MED_EVENTS_TAG	(UINT64_MAX - 1)	/* epoll tag of the event socket */
int med_events_open(int epfd, uint64_t tag);
void med_events_close(void);
void med_events_read(void (*cb)(int cmd, const struct krtp_flow *kf, void *arg), void *arg);

/* thread.c: the media thread */
int med_thread_init(void);	/* creates the epoll set, returns its fd */
int med_thread_start(void);
void med_thread_stop(void);	/* joins the thread */
void med_thread_fini(void);	/* closes the epoll set */

/* relay.c: the userspace relay, driven by the media thread */
/*
 * Relay what is queued on the port of epoll tag; with med_lock held. True
 * when a flow locked on its first source: *learned and *src say which, and
 * the caller must tell the call (med_learned) before relaying more.
 */
bool med_relay_port(uint64_t tag, struct med_flow **learned, struct krtp_ep *src);
void med_relay_install(struct med_flow *f);
void med_relay_remove(struct med_flow *f);

/* comparing and converting endpoints */
static inline bool med_ep_addr_eq(const struct krtp_ep *a, const struct krtp_ep *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == AF_INET)
		return a->addr.v4.s_addr == b->addr.v4.s_addr;
	if (a->family == AF_INET6)
		return !memcmp(&a->addr.v6, &b->addr.v6, sizeof(a->addr.v6));
	return true;
}

static inline bool med_ep_eq(const struct krtp_ep *a, const struct krtp_ep *b)
{
	return a->port == b->port && med_ep_addr_eq(a, b);
}


static inline socklen_t med_ep_to_sa(const struct krtp_ep *ep, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (ep->family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = ep->addr.v6;
		sin6->sin6_port = htons(ep->port);
		return sizeof(*sin6);
	}
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	sin->sin_family = AF_INET;
	sin->sin_addr = ep->addr.v4;
	sin->sin_port = htons(ep->port);
	return sizeof(*sin);
}

static inline void med_sa_to_ep(const struct sockaddr *sa, struct krtp_ep *ep)
{
	memset(ep, 0, sizeof(*ep));
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		ep->family = AF_INET;
		ep->addr.v4 = sin->sin_addr;
		ep->port = ntohs(sin->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

		ep->port = ntohs(sin6->sin6_port);
		/* a dual-stack SIP socket reports IPv4 peers as ::ffff:a.b.c.d */
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			ep->family = AF_INET;
			memcpy(&ep->addr.v4, &sin6->sin6_addr.s6_addr[12], 4);
		} else {
			ep->family = AF_INET6;
			ep->addr.v6 = sin6->sin6_addr;
		}
	}
}

#endif /* KRTPD_MEDIA_INTERNAL_H */
