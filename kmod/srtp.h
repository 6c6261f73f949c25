/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KRTP_SRTP_H
#define _KRTP_SRTP_H

#include <linux/atomic.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <uapi/linux/krtp.h>

struct crypto_aead;
struct crypto_shash;
struct crypto_sync_skcipher;
struct aead_request;
struct sk_buff;

/* longest tag: GCM's; SRTCP adds the 4-byte E flag and index */
#define KRTP_SRTP_TAG_MAX	16
#define KRTP_SRTCP_TRAILER_MAX	(KRTP_SRTP_TAG_MAX + 4)
#define KRTP_SRTP_AUTH_KEY_LEN	20	/* HMAC-SHA1 session key (n_a) */

/*
 * One direction's key material as FLOW_NEW gave it (netlink-flow.c). It is
 * on the handler's stack and wiped (memzero_explicit) once the context is
 * made; suite 0 means the direction has no SRTP.
 */
struct krtp_srtp_config {
	u32 suite;			/* enum krtp_srtp_suite, 0: none */
	u32 window;			/* replay window, packets */
	u32 roc;			/* ROC of the first packet */
	u32 srtcp_index;		/* first SRTCP index sent */
	u8 nstreams;			/* in @streams */
	struct krtp_srtp_stream_state {
		u32 ssrc;
		u32 roc;
	} streams[KRTP_SRTP_SSRC_MAX];	/* streams of a replaced flow */
	u8 salt_len;
	u8 key[KRTP_SRTP_MASTER_KEY_LEN];
	u8 salt[KRTP_SRTP_MASTER_SALT_LEN];
};

/*
 * Where one stream (SSRC) of a context stands in its index space (RFC 3711
 * 3.2.3: ROC and replay list are per SSRC). For SRTP the index is ROC *
 * 65536 + SEQ (48 bits), for SRTCP the 31-bit SRTCP index of the packets
 * that SSRC sends.
 */
struct krtp_srtp_ssrc {
	u32 ssrc;
	/*
	 * @known: the slot holds a stream, @ssrc valid. @started: and a
	 * packet of it was authenticated or sent, @top and @seen are valid;
	 * known but not started (FLOW_NEW named it), @top's ROC is where
	 * its first packet is taken to be
	 */
	bool known;
	bool started;
	u64 top;		/* highest index authenticated (in) or sent (out) */
	u64 used;		/* the stream's clock tick when last heard */
	unsigned long *seen;	/* replay bitmap, bit index % bits (in) */
};

/*
 * Session keys of SRTP or of SRTCP within a context, and where each of
 * its RTP streams stands in its index space (up to KRTP_SRTP_SSRC_MAX;
 * the one heard from longest ago gives its slot to a new one). Key
 * schedules live in the transforms, allocated and keyed at setup; the
 * packet path only uses them.
 *
 * The RTP stream also holds the CPU's SIMD implementation (AES-NI) where
 * there is one: the synchronous "internal" algorithm that the crypto API
 * otherwise reaches only through an async wrapper (crypto/simd.c). It may
 * only run when crypto_simd_usable(); when not (a softirq that interrupted
 * a kernel FPU section), the packet takes the other transform, which works
 * in any context. RTCP, a packet every few seconds, only has the latter.
 */
struct krtp_srtp_stream {
	struct crypto_sync_skcipher *ctr;	/* AES-CM suites */
	struct crypto_sync_skcipher *ctr_simd;	/* AES-CM, RTP: or NULL */
	struct crypto_shash *hmac;		/* AES-CM suites, keyed */
	struct crypto_aead *aead;		/* GCM */
	struct aead_request *req;		/* GCM: used under the lock */
	struct crypto_aead *aead_simd;		/* GCM, RTP: or NULL */
	struct aead_request *req_simd;		/* for it, under the lock */
	u8 salt[KRTP_SRTP_MASTER_SALT_LEN];	/* session salt (12 for GCM) */
	u8 tag_len;
	struct krtp_srtp_ssrc *last;	/* last authenticated or sent, or NULL */
	u64 clock;			/* ticks per packet, for ->used */
	struct krtp_srtp_ssrc ssrc[KRTP_SRTP_SSRC_MAX];
	unsigned long *seen;		/* the slots' replay bitmaps (in) */
};

/**
 * struct krtp_srtp_ctx - an SRTP/SRTCP crypto context, one flow direction
 * @lock: serialises the index state, the replay bitmaps and the GCM
 *	requests; taken on the packet path (softirq) only
 * @suite: enum krtp_srtp_suite
 * @gcm: AEAD_AES_128_GCM
 * @window: replay window in packets (in)
 * @bits: size of each replay bitmap, a power of two >= @window
 * @roc: ROC of the first RTP stream's first packet (later streams start at 0)
 * @srtcp_index: index of the next SRTCP packet sent (out)
 * @rtp: SRTP keys and per-SSRC state; the index is ROC * 65536 + SEQ
 * @rtcp: SRTCP keys and per-SSRC state; the index is the SRTCP index
 * @aad_tail: the E flag and SRTCP index as GCM's AAD sees them; in the
 *	context (kmalloc, not the stack) so a scatterlist may point at it
 *
 * Made by krtp_srtp_ctx_create() in process context, immutable but for
 * what @lock guards, freed by krtp_srtp_ctx_free() after the flow's last
 * reader.
 */
struct krtp_srtp_ctx {
	spinlock_t lock;	/* index state, replay bitmaps, @aad_tail, requests */
	u8 suite;
	bool gcm;
	u32 window;
	u32 bits;
	u32 roc;
	u32 srtcp_index;
	struct krtp_srtp_stream rtp;
	struct krtp_srtp_stream rtcp;
	u8 aad_tail[4];
};

/*
 * The SRTP side of a flow: what arrives is decrypted, what leaves
 * encrypted. Its drops are counted here, not in struct krtp_flow, so that
 * plain flows do not carry the counters; netlink adds them to the flow's.
 */
struct krtp_srtp {
	struct krtp_srtp_ctx *in;	/* NULL: plain RTP arrives */
	struct krtp_srtp_ctx *out;	/* NULL: plain RTP leaves */
	atomic64_t auth_fail;		/* KRTP_DROP_SRTP_AUTH */
	atomic64_t replay;		/* KRTP_DROP_SRTP_REPLAY */
};

struct krtp_srtp_ctx *krtp_srtp_ctx_create(const struct krtp_srtp_config *cfg,
					   bool out);
void krtp_srtp_ctx_free(struct krtp_srtp_ctx *ctx);
struct krtp_srtp *krtp_srtp_create(const struct krtp_srtp_config *in,
				   const struct krtp_srtp_config *out);
void krtp_srtp_free(struct krtp_srtp *srtp);
void krtp_srtp_ctx_state(struct krtp_srtp_ctx *ctx, u32 *roc, u32 *srtcp_index,
			 struct krtp_srtp_stream_state *streams,
			 unsigned int *nstreams);

int krtp_srtp_rtp_protect(struct krtp_srtp_ctx *ctx, u8 *pkt,
			  unsigned int len);
int krtp_srtp_rtp_unprotect(struct krtp_srtp_ctx *ctx, u8 *pkt,
			    unsigned int len);
int krtp_srtp_rtcp_protect(struct krtp_srtp_ctx *ctx, u8 *pkt,
			   unsigned int len);
int krtp_srtp_rtcp_unprotect(struct krtp_srtp_ctx *ctx, u8 *pkt,
			     unsigned int len);
int krtp_srtp_skb(struct krtp_srtp *srtp, struct sk_buff *skb,
		  unsigned int thoff, bool rtcp);
void krtp_srtp_init(void);
void krtp_srtp_exit(void);

/* the algorithms krtp_srtp_init() holds, by what they do */
enum krtp_srtp_alg {
	KRTP_SRTP_ALG_AES_CM,		/* ctr(aes): KDF, AES-CM, SRTCP */
	KRTP_SRTP_ALG_AES_CM_SIMD,	/* __ctr(aes): AES-CM RTP, FPU usable */
	KRTP_SRTP_ALG_GCM,		/* gcm(aes): SRTCP, FPU not usable */
	KRTP_SRTP_ALG_GCM_SIMD,		/* __gcm(aes): GCM RTP, FPU usable */
	KRTP_SRTP_ALG_HMAC_SHA1,	/* hmac(sha1): AES-CM's authentication */
};
const char *krtp_srtp_alg_driver(enum krtp_srtp_alg alg);
bool krtp_srtp_selftest(void);

#endif /* _KRTP_SRTP_H */
