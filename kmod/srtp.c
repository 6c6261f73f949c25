// SPDX-License-Identifier: GPL-2.0
/*
 * krtp: SRTP and SRTCP on the packet path (RFC 3711; AES-GCM, RFC 7714).
 *
 * A flow with SRTP (flow->srtp) decrypts what arrives with its "in"
 * context, encrypts what leaves with its "out" context, or both. The
 * transforms work in place on a linear, private copy of the packet
 * (krtp_srtp_skb()); the tag's room is made before, with pskb_expand_head
 * when the tailroom is short. Nothing is allocated per packet: skcipher
 * and shash requests live on the stack, GCM's requests were made at setup.
 * RTP takes the CPU's SIMD transforms when the FPU may be used here
 * (crypto_simd_usable()) and the others when not (struct krtp_srtp_stream).
 *
 * Locking: each context has a spinlock, taken on the packet path (softirq
 * or BHs off) around the whole transform: it guards the index state (ROC
 * estimation, RFC 3711 3.3.1), the replay bitmaps (3.3.2) and GCM's
 * preallocated request. A flow's packets come from one 5-tuple and land on
 * one CPU, so it is not contended. Keys and transforms never change after
 * setup; the context is freed after an RCU grace period with its flow.
 *
 * The receive order is: estimate the index, refuse a replay, check the
 * tag, decrypt, and only then move the index state and mark the bitmap, so
 * a forged packet changes nothing. ROC and replay state are kept per SSRC
 * (RFC 3711 3.2.3), for up to KRTP_SRTP_SSRC_MAX streams: a sender that
 * moves to a new SSRC, or interleaves retransmissions on a second one,
 * starts that stream at ROC 0 with its own replay window, as libsrtp's
 * receivers and senders do. The SRTCP index sent is one counter for the
 * context: each SSRC still sees it only increase.
 */

#include <crypto/aead.h>
#include <crypto/algapi.h>
#include <crypto/hash.h>
#include <crypto/internal/simd.h>
#include <crypto/sha1.h>
#include <crypto/skcipher.h>
#include <linux/bitmap.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/scatterlist.h>
#include <linux/skbuff.h>
#include <linux/udp.h>
#include <net/checksum.h>
#include <net/ip6_checksum.h>
#include <asm/simd.h>

#include "rtcp.h"
#include "srtp.h"

#define KRTP_SRTCP_E_FLAG	0x80000000U
#define KRTP_SRTCP_INDEX_MASK	0x7fffffffU

static u32 krtp_srtp_get32(const u8 *p)
{
	return (u32)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static void krtp_srtp_put32(u8 *p, u32 v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/*
 * Length of the RTP header (fixed part, CSRCs, extension) of a packet of
 * @len bytes, or 0 if it does not fit.
 */
static unsigned int krtp_srtp_rtp_hdr_len(const u8 *pkt, unsigned int len)
{
	unsigned int hlen = KRTP_RTP_HDR_LEN + 4 * (pkt[0] & 0x0f);

	if (len < hlen)
		return 0;
	if (pkt[0] & 0x10) {
		if (len < hlen + 4)
			return 0;
		hlen += 4 + 4 * (pkt[hlen + 2] << 8 | pkt[hlen + 3]);
		if (len < hlen)
			return 0;
	}
	return hlen;
}

/*
 * The stream of @ssrc in @st, or NULL if the context has none. The last
 * one heard is tried first: the usual flow carries one stream.
 */
static struct krtp_srtp_ssrc *krtp_srtp_find(struct krtp_srtp_stream *st,
					     u32 ssrc)
{
	unsigned int i;

	if (likely(st->last && st->last->ssrc == ssrc))
		return st->last;
	for (i = 0; i < KRTP_SRTP_SSRC_MAX; i++)
		if (st->ssrc[i].known && st->ssrc[i].ssrc == ssrc)
			return &st->ssrc[i];
	return NULL;
}

/*
 * A slot for a new stream, once its first packet authenticated (in) or is
 * sent (out): a free one, else that of the stream heard from longest ago,
 * which is forgotten (a stream FLOW_NEW named and not yet heard counts as
 * the oldest). A forged packet never gets here, so it cannot push out a
 * genuine stream.
 */
static struct krtp_srtp_ssrc *krtp_srtp_claim(struct krtp_srtp_stream *st,
					      u32 ssrc)
{
	struct krtp_srtp_ssrc *tr = &st->ssrc[0];
	unsigned int i;

	for (i = 0; i < KRTP_SRTP_SSRC_MAX; i++) {
		if (!st->ssrc[i].known) {
			tr = &st->ssrc[i];
			break;
		}
		if (st->ssrc[i].used < tr->used)
			tr = &st->ssrc[i];
	}
	tr->ssrc = ssrc;
	tr->known = true;
	tr->started = false;
	return tr;
}

/*
 * RFC 3711 3.3.1 and Appendix A: the index of a packet with sequence number
 * @seq of stream @tr, guessed from its highest index so far. A stream not
 * seen yet starts at ROC 0; one FLOW_NEW named (a flow re-created where its
 * predecessor stood) at its own ROC; without those, the context's first at
 * the configured ROC. A guess below ROC 0 stays in ROC 0.
 */
static u64 krtp_srtp_rtp_index(const struct krtp_srtp_ctx *ctx,
			       const struct krtp_srtp_ssrc *tr, u16 seq)
{
	u32 roc, v;
	u16 s_l;

	/* slot 0 is the first known: the first heard, or one FLOW_NEW named */
	if (!tr)
		return (u64)(ctx->rtp.ssrc[0].known ? 0 : ctx->roc) << 16 | seq;
	roc = tr->top >> 16;
	/* named by FLOW_NEW, not heard yet: in its ROC */
	if (!tr->started)
		return (u64)roc << 16 | seq;
	s_l = tr->top;
	v = roc;
	if (s_l < 0x8000) {
		if ((int)seq - (int)s_l > 0x8000 && roc)
			v = roc - 1;
	} else if ((int)s_l - 0x8000 > (int)seq) {
		v = roc + 1;
	}
	return (u64)v << 16 | seq;
}

/* a replay, or too far behind the window? (RFC 3711 3.3.2) */
static bool krtp_srtp_replayed(const struct krtp_srtp_ctx *ctx,
			       const struct krtp_srtp_ssrc *tr, u64 index)
{
	if (!tr || !tr->started || index > tr->top)
		return false;
	if (tr->top - index >= ctx->window)
		return true;
	return test_bit(index & (ctx->bits - 1), tr->seen);
}

/*
 * Note an index of @ssrc that authenticated (in, @tr from krtp_srtp_find()
 * or NULL for a new stream); under the lock.
 */
static void krtp_srtp_seen(const struct krtp_srtp_ctx *ctx,
			   struct krtp_srtp_stream *st,
			   struct krtp_srtp_ssrc *tr, u32 ssrc, u64 index)
{
	u64 i;

	if (!tr)
		tr = krtp_srtp_claim(st, ssrc);
	if (!tr->started || index > tr->top) {
		if (!tr->started || index - tr->top >= ctx->bits) {
			bitmap_zero(tr->seen, ctx->bits);
		} else {
			/* forget what the bits of the new indexes held */
			for (i = tr->top + 1; i < index; i++)
				__clear_bit(i & (ctx->bits - 1), tr->seen);
		}
		tr->top = index;
		tr->started = true;
	}
	__set_bit(index & (ctx->bits - 1), tr->seen);
	tr->used = ++st->clock;
	st->last = tr;
}

/* note an index of @ssrc sent (out); under the lock */
static void krtp_srtp_sent(struct krtp_srtp_stream *st,
			   struct krtp_srtp_ssrc *tr, u32 ssrc, u64 index)
{
	if (!tr)
		tr = krtp_srtp_claim(st, ssrc);
	if (!tr->started || index > tr->top) {
		tr->top = index;
		tr->started = true;
	}
	tr->used = ++st->clock;
	st->last = tr;
}

/*
 * AES-CM (RFC 3711 4.1.1): IV = (salt << 16) XOR (SSRC << 64) XOR
 * (index << 16), then XOR @len bytes at @data with the keystream.
 */
static int krtp_srtp_cm_crypt(const struct krtp_srtp_stream *st, u32 ssrc,
			      u64 index, u8 *data, unsigned int len)
{
	struct crypto_sync_skcipher *tfm =
		st->ctr_simd && crypto_simd_usable() ? st->ctr_simd : st->ctr;
	SYNC_SKCIPHER_REQUEST_ON_STACK(req, tfm);
	struct scatterlist sg;
	u8 iv[16];
	int i, err;

	if (!len)
		return 0;
	memcpy(iv, st->salt, KRTP_SRTP_MASTER_SALT_LEN);
	iv[14] = 0;
	iv[15] = 0;
	for (i = 0; i < 4; i++)
		iv[4 + i] ^= ssrc >> (24 - 8 * i);
	for (i = 0; i < 6; i++)
		iv[8 + i] ^= index >> (40 - 8 * i);
	sg_init_one(&sg, data, len);
	skcipher_request_set_sync_tfm(req, tfm);
	skcipher_request_set_callback(req, 0, NULL, NULL);
	skcipher_request_set_crypt(req, &sg, &sg, len, iv);
	err = crypto_skcipher_encrypt(req);
	skcipher_request_zero(req);
	return err;
}

/*
 * HMAC-SHA1 over @len bytes at @data into @mac (20 bytes), in one call.
 * SRTP's ROC is authenticated after the packet: the callers write it
 * there, in the tag's room, so that the whole input is one run of bytes.
 */
static int krtp_srtp_hmac(const struct krtp_srtp_stream *st, const u8 *data,
			  unsigned int len, u8 *mac)
{
	SHASH_DESC_ON_STACK(desc, st->hmac);
	int err;

	desc->tfm = st->hmac;
	err = crypto_shash_digest(desc, data, len, mac);
	shash_desc_zero(desc);
	return err;
}

/*
 * AES-GCM (RFC 7714 8.1, 9.1): the 12-byte IV is the session salt XOR
 * 00 00 || SSRC || a 48-bit index: ROC || SEQ for SRTP, 00 00 || SRTCP
 * index for SRTCP, which is the same layout. @sg holds the AAD
 * (@assoclen) and then @cryptlen bytes (with the tag when decrypting).
 * Returns -EBADMSG for a wrong tag.
 */
static int krtp_srtp_gcm_crypt(struct krtp_srtp_stream *st, bool enc, u32 ssrc,
			       u64 index, struct scatterlist *sg,
			       unsigned int assoclen, unsigned int cryptlen)
{
	struct crypto_aead *tfm = st->aead;
	struct aead_request *req = st->req;
	u8 iv[12];
	int i, err;

	if (st->aead_simd && crypto_simd_usable()) {
		tfm = st->aead_simd;
		req = st->req_simd;
	}

	iv[0] = 0;
	iv[1] = 0;
	krtp_srtp_put32(iv + 2, ssrc);
	for (i = 0; i < 6; i++)
		iv[6 + i] = index >> (40 - 8 * i);
	for (i = 0; i < 12; i++)
		iv[i] ^= st->salt[i];
	aead_request_set_tfm(req, tfm);
	aead_request_set_callback(req, 0, NULL, NULL);
	aead_request_set_ad(req, assoclen);
	aead_request_set_crypt(req, sg, sg, cryptlen, iv);
	err = enc ? crypto_aead_encrypt(req) : crypto_aead_decrypt(req);
	memzero_explicit(iv, sizeof(iv));
	return err;
}

/**
 * krtp_srtp_rtp_protect - RTP to SRTP in place
 * @ctx: a send context
 * @pkt: the RTP packet, with room for the tag after it
 * @len: its length
 *
 * Called with BHs disabled. The index follows the stream's sequence
 * numbers (RFC 3711 3.3.1), so packets that come out of order keep theirs.
 *
 * Return: the SRTP packet's length or a negative errno (-EINVAL for a
 * header longer than the packet).
 */
int krtp_srtp_rtp_protect(struct krtp_srtp_ctx *ctx, u8 *pkt,
			  unsigned int len)
{
	unsigned int hlen = krtp_srtp_rtp_hdr_len(pkt, len);
	struct krtp_srtp_stream *st = &ctx->rtp;
	u8 mac[SHA1_DIGEST_SIZE];
	struct krtp_srtp_ssrc *tr;
	struct scatterlist sg;
	u64 index;
	u32 ssrc;
	int err;

	if (!hlen)
		return -EINVAL;
	ssrc = krtp_srtp_get32(pkt + 8);
	spin_lock(&ctx->lock);
	tr = krtp_srtp_find(st, ssrc);
	index = krtp_srtp_rtp_index(ctx, tr, pkt[2] << 8 | pkt[3]);
	if (ctx->gcm) {
		sg_init_one(&sg, pkt, len + st->tag_len);
		err = krtp_srtp_gcm_crypt(st, true, ssrc, index, &sg, hlen,
					  len - hlen);
	} else {
		err = krtp_srtp_cm_crypt(st, ssrc, index, pkt + hlen,
					 len - hlen);
		/* the ROC goes where the tag will (4 <= tag_len) */
		krtp_srtp_put32(pkt + len, index >> 16);
		if (!err)
			err = krtp_srtp_hmac(st, pkt, len + 4, mac);
		if (!err)
			memcpy(pkt + len, mac, st->tag_len);
	}
	if (!err)
		krtp_srtp_sent(st, tr, ssrc, index);
	spin_unlock(&ctx->lock);
	return err ?: len + st->tag_len;
}

/**
 * krtp_srtp_rtp_unprotect - SRTP to RTP in place
 * @ctx: a receive context
 * @pkt: the SRTP packet
 * @len: its length
 *
 * Called with BHs disabled.
 *
 * Return: the RTP packet's length, -EBADMSG if it does not authenticate
 * (or is too short to), -EALREADY for a replay, or another negative errno.
 */
int krtp_srtp_rtp_unprotect(struct krtp_srtp_ctx *ctx, u8 *pkt,
			    unsigned int len)
{
	struct krtp_srtp_stream *st = &ctx->rtp;
	u8 mac[SHA1_DIGEST_SIZE], tag[KRTP_SRTP_TAG_MAX];
	struct krtp_srtp_ssrc *tr;
	unsigned int hlen, alen;
	struct scatterlist sg;
	u64 index;
	u32 ssrc;
	int err;

	if (len < KRTP_RTP_HDR_LEN + st->tag_len)
		return -EBADMSG;
	alen = len - st->tag_len;
	hlen = krtp_srtp_rtp_hdr_len(pkt, alen);
	if (!hlen)
		return -EBADMSG;
	ssrc = krtp_srtp_get32(pkt + 8);

	spin_lock(&ctx->lock);
	tr = krtp_srtp_find(st, ssrc);
	index = krtp_srtp_rtp_index(ctx, tr, pkt[2] << 8 | pkt[3]);
	if (krtp_srtp_replayed(ctx, tr, index)) {
		err = -EALREADY;
		goto out;
	}
	if (ctx->gcm) {
		sg_init_one(&sg, pkt, len);
		err = krtp_srtp_gcm_crypt(st, false, ssrc, index, &sg, hlen,
					  len - hlen);
	} else {
		/* the ROC in the tag's place: one run of bytes to hash */
		memcpy(tag, pkt + alen, st->tag_len);
		krtp_srtp_put32(pkt + alen, index >> 16);
		err = krtp_srtp_hmac(st, pkt, alen + 4, mac);
		if (!err && crypto_memneq(mac, tag, st->tag_len))
			err = -EBADMSG;
		if (!err)
			err = krtp_srtp_cm_crypt(st, ssrc, index, pkt + hlen,
						 alen - hlen);
	}
	if (!err)
		krtp_srtp_seen(ctx, st, tr, ssrc, index);
out:
	spin_unlock(&ctx->lock);
	return err ?: alen;
}

/**
 * krtp_srtp_rtcp_protect - RTCP to SRTCP in place, encrypted (E set)
 * @ctx: a send context
 * @pkt: the RTCP compound packet, with room for index and tag after it
 * @len: its length
 *
 * Called with BHs disabled. The SRTCP index wraps at 2^31.
 *
 * Return: the SRTCP packet's length or a negative errno.
 */
int krtp_srtp_rtcp_protect(struct krtp_srtp_ctx *ctx, u8 *pkt,
			   unsigned int len)
{
	struct krtp_srtp_stream *st = &ctx->rtcp;
	u8 mac[SHA1_DIGEST_SIZE];
	struct scatterlist sg[3];
	u32 ssrc, index, word;
	int err;

	if (len < KRTP_RTCP_HDR_LEN)
		return -EINVAL;
	ssrc = krtp_srtp_get32(pkt + 4);
	spin_lock(&ctx->lock);
	index = ctx->srtcp_index;
	ctx->srtcp_index = (index + 1) & KRTP_SRTCP_INDEX_MASK;
	word = KRTP_SRTCP_E_FLAG | index;
	if (ctx->gcm) {
		/* RFC 7714 9.1: header, ciphertext, tag, then E and index */
		krtp_srtp_put32(ctx->aad_tail, word);
		sg_init_table(sg, 3);
		sg_set_buf(&sg[0], pkt, KRTP_RTCP_HDR_LEN);
		sg_set_buf(&sg[1], ctx->aad_tail, 4);
		sg_set_buf(&sg[2], pkt + KRTP_RTCP_HDR_LEN,
			   len - KRTP_RTCP_HDR_LEN + st->tag_len);
		err = krtp_srtp_gcm_crypt(st, true, ssrc, index, sg,
					  KRTP_RTCP_HDR_LEN + 4,
					  len - KRTP_RTCP_HDR_LEN);
		if (!err)
			krtp_srtp_put32(pkt + len + st->tag_len, word);
	} else {
		/* RFC 3711 3.4: header, ciphertext, E and index, tag */
		err = krtp_srtp_cm_crypt(st, ssrc, index,
					 pkt + KRTP_RTCP_HDR_LEN,
					 len - KRTP_RTCP_HDR_LEN);
		krtp_srtp_put32(pkt + len, word);
		if (!err)
			err = krtp_srtp_hmac(st, pkt, len + 4, mac);
		if (!err)
			memcpy(pkt + len + 4, mac, st->tag_len);
	}
	spin_unlock(&ctx->lock);
	return err ?: len + st->tag_len + 4;
}

/**
 * krtp_srtp_rtcp_unprotect - SRTCP to RTCP in place
 * @ctx: a receive context
 * @pkt: the SRTCP packet
 * @len: its length
 *
 * Called with BHs disabled. Packets with E clear (authenticated only) are
 * accepted too.
 *
 * Return: as krtp_srtp_rtp_unprotect().
 */
int krtp_srtp_rtcp_unprotect(struct krtp_srtp_ctx *ctx, u8 *pkt,
			     unsigned int len)
{
	struct krtp_srtp_stream *st = &ctx->rtcp;
	unsigned int tail = st->tag_len + 4;
	u8 mac[SHA1_DIGEST_SIZE];
	struct krtp_srtp_ssrc *tr;
	struct scatterlist sg[3];
	u32 ssrc, index, word;
	int err;

	if (len < KRTP_RTCP_HDR_LEN + tail)
		return -EBADMSG;
	ssrc = krtp_srtp_get32(pkt + 4);
	word = krtp_srtp_get32(ctx->gcm ? pkt + len - 4 :
			       pkt + len - st->tag_len - 4);
	index = word & KRTP_SRTCP_INDEX_MASK;

	spin_lock(&ctx->lock);
	tr = krtp_srtp_find(st, ssrc);
	if (krtp_srtp_replayed(ctx, tr, index)) {
		err = -EALREADY;
		goto out;
	}
	if (ctx->gcm) {
		krtp_srtp_put32(ctx->aad_tail, word);
		sg_init_table(sg, 3);
		if (word & KRTP_SRTCP_E_FLAG) {
			sg_set_buf(&sg[0], pkt, KRTP_RTCP_HDR_LEN);
			sg_set_buf(&sg[1], ctx->aad_tail, 4);
			sg_set_buf(&sg[2], pkt + KRTP_RTCP_HDR_LEN,
				   len - KRTP_RTCP_HDR_LEN - 4);
			err = krtp_srtp_gcm_crypt(st, false, ssrc, index, sg,
						  KRTP_RTCP_HDR_LEN + 4,
						  len - KRTP_RTCP_HDR_LEN - 4);
		} else {
			/* all of it is AAD; only the tag is "ciphertext" */
			sg_set_buf(&sg[0], pkt, len - tail);
			sg_set_buf(&sg[1], ctx->aad_tail, 4);
			sg_set_buf(&sg[2], pkt + len - tail, st->tag_len);
			err = krtp_srtp_gcm_crypt(st, false, ssrc, index, sg,
						  len - tail + 4, st->tag_len);
		}
	} else {
		err = krtp_srtp_hmac(st, pkt, len - st->tag_len, mac);
		if (!err && crypto_memneq(mac, pkt + len - st->tag_len,
					  st->tag_len))
			err = -EBADMSG;
		if (!err && (word & KRTP_SRTCP_E_FLAG))
			err = krtp_srtp_cm_crypt(st, ssrc, index,
						 pkt + KRTP_RTCP_HDR_LEN,
						 len - tail - KRTP_RTCP_HDR_LEN);
	}
	if (!err)
		krtp_srtp_seen(ctx, st, tr, ssrc, index);
out:
	spin_unlock(&ctx->lock);
	return err ?: len - tail;
}

/**
 * krtp_srtp_ctx_state - where a context stands in its index spaces
 * @ctx: the context
 * @roc: set to the rollover counter of the stream (SSRC) last authenticated
 *	 (in) or sent (out), at its highest index; before the first packet,
 *	 the one the context was made with
 * @srtcp_index: set to the index of the next SRTCP packet sent (out; for
 *	 in, what the context was made with)
 * @streams: set to each RTP stream the context follows, SSRC and the ROC
 *	 of its highest index (or the one FLOW_NEW named it with); room for
 *	 KRTP_SRTP_SSRC_MAX
 * @nstreams: set to how many
 *
 * Process context, for replies and dumps: a flow re-created with the same
 * keys from these values goes on where this one stands, rather than
 * restarting at ROC 0, which a receiver past 65535 packets cannot decrypt.
 * Takes @ctx->lock with BHs off, as the packet path holds it in softirq.
 */
void krtp_srtp_ctx_state(struct krtp_srtp_ctx *ctx, u32 *roc, u32 *srtcp_index,
			 struct krtp_srtp_stream_state *streams,
			 unsigned int *nstreams)
{
	const struct krtp_srtp_ssrc *tr;
	unsigned int i;

	*nstreams = 0;
	spin_lock_bh(&ctx->lock);
	*roc = ctx->rtp.last ? (u32)(ctx->rtp.last->top >> 16) : ctx->roc;
	*srtcp_index = ctx->srtcp_index;
	for (i = 0; i < KRTP_SRTP_SSRC_MAX; i++) {
		tr = &ctx->rtp.ssrc[i];
		if (!tr->known)
			continue;
		streams[*nstreams].ssrc = tr->ssrc;
		streams[(*nstreams)++].roc = tr->top >> 16;
	}
	spin_unlock_bh(&ctx->lock);
}

/**
 * krtp_srtp_skb - decrypt and/or encrypt a packet of an SRTP flow in place
 * @srtp: the flow's SRTP side
 * @skb: the packet, network header at skb->data, not GSO
 * @thoff: offset of the UDP header from the network header
 * @rtcp: the payload is (S)RTCP, else (S)RTP
 *
 * Called from the packet path under rcu_read_lock with BHs disabled. The
 * packet is made linear and private, given room for the tag, transformed,
 * and its IP and UDP lengths and UDP checksum are set for what it now
 * carries (tx.c then updates the checksum for the rewrite, as for any
 * packet).
 *
 * Return: 0, -EBADMSG (authentication), -EALREADY (replay), or another
 * negative errno.
 */
int krtp_srtp_skb(struct krtp_srtp *srtp, struct sk_buff *skb,
		  unsigned int thoff, bool rtcp)
{
	unsigned int off = thoff + sizeof(struct udphdr);
	unsigned int grow = 0, ulen;
	struct udphdr *uh;
	__wsum csum;
	int len;
	u8 *pkt;

	if (srtp->out)
		grow = rtcp ? srtp->out->rtcp.tag_len + 4 :
			      srtp->out->rtp.tag_len;
	/* the transform writes all of the payload: linear and ours alone */
	if (skb_ensure_writable(skb, skb->len))
		return -ENOMEM;
	if (skb_tailroom(skb) < grow &&
	    pskb_expand_head(skb, 0, grow - skb_tailroom(skb), GFP_ATOMIC))
		return -ENOMEM;

	pkt = skb->data + off;
	len = skb->len - off;
	if (srtp->in) {
		len = rtcp ? krtp_srtp_rtcp_unprotect(srtp->in, pkt, len) :
			     krtp_srtp_rtp_unprotect(srtp->in, pkt, len);
		if (len < 0)
			return len;
	}
	if (srtp->out) {
		len = rtcp ? krtp_srtp_rtcp_protect(srtp->out, pkt, len) :
			     krtp_srtp_rtp_protect(srtp->out, pkt, len);
		if (len < 0)
			return len;
	}
	if (off + len > skb->len)
		__skb_put(skb, off + len - skb->len);
	else
		__skb_trim(skb, off + len);

	/* what arrived checksummed (or not) is gone: a full checksum */
	ulen = len + sizeof(*uh);
	uh = (struct udphdr *)(skb->data + thoff);
	uh->len = htons(ulen);
	uh->check = 0;
	skb->ip_summed = CHECKSUM_NONE;
	csum = csum_partial(uh, ulen, 0);
	if (ip_hdr(skb)->version == 4) {
		struct iphdr *iph = ip_hdr(skb);

		/* the header checksum is redone by __ip_local_out() */
		iph->tot_len = htons(skb->len);
		uh->check = csum_tcpudp_magic(iph->saddr, iph->daddr, ulen,
					      IPPROTO_UDP, csum);
	} else {
		struct ipv6hdr *ip6h = ipv6_hdr(skb);

		ip6h->payload_len = htons(ulen);
		uh->check = csum_ipv6_magic(&ip6h->saddr, &ip6h->daddr, ulen,
					    IPPROTO_UDP, csum);
	}
	if (!uh->check)
		uh->check = CSUM_MANGLED_0;
	return 0;
}
