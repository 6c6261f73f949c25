// SPDX-License-Identifier: GPL-2.0
/*
 * Self-test of SRTP (#included by srtp-kdf.c in DEBUG builds): the RFC 3711
 * B.2 AES-CM keystream and B.3 key derivation, the RFC 7714 16.1 (SRTP)
 * and 17.1 (SRTCP) AEAD_AES_128_GCM packets, a round trip of every suite
 * across a ROC rollover with a reordered packet, and the refusal of
 * replayed, stale and tampered packets. Buffers are kmalloc'd: the
 * transforms see them through scatterlists. On x86 all of it runs twice:
 * with the CPU's SIMD transforms where there are some, and inside a kernel
 * FPU section, where the packet path must take the others.
 */

#include <crypto/internal/simd.h>
#include <asm/simd.h>
#ifdef CONFIG_X86
#include <asm/fpu/api.h>
#endif

/* RFC 3711 B.2 */
static const u8 krtp_srtp_b2_key[16] __initconst = {
	0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
	0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c,
};
static const u8 krtp_srtp_b2_salt[14] __initconst = {
	0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7,
	0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd,
};
/* keystream blocks at counters 0000, 0001, 0002 */
static const u8 krtp_srtp_b2_head[48] __initconst = {
	0xe0, 0x3e, 0xad, 0x09, 0x35, 0xc9, 0x5e, 0x80,
	0xe1, 0x66, 0xb1, 0x6d, 0xd9, 0x2b, 0x4e, 0xb4,
	0xd2, 0x35, 0x13, 0x16, 0x2b, 0x02, 0xd0, 0xf7,
	0x2a, 0x43, 0xa2, 0xfe, 0x4a, 0x5f, 0x97, 0xab,
	0x41, 0xe9, 0x5b, 0x3b, 0xb0, 0xa2, 0xe8, 0xdd,
	0x47, 0x79, 0x01, 0xe4, 0xfc, 0xa8, 0x94, 0xc0,
};
/* and at FEFF, FF00, FF01 */
static const u8 krtp_srtp_b2_tail[48] __initconst = {
	0xec, 0x8c, 0xdf, 0x73, 0x98, 0x60, 0x7c, 0xb0,
	0xf2, 0xd2, 0x16, 0x75, 0xea, 0x9e, 0xa1, 0xe4,
	0x36, 0x2b, 0x7c, 0x3c, 0x67, 0x73, 0x51, 0x63,
	0x18, 0xa0, 0x77, 0xd7, 0xfc, 0x50, 0x73, 0xae,
	0x6a, 0x2c, 0xc3, 0x78, 0x78, 0x89, 0x37, 0x4f,
	0xbe, 0xb4, 0xc8, 0x1b, 0x17, 0xba, 0x6c, 0x44,
};

/* RFC 3711 B.3 */
static const u8 krtp_srtp_b3_key[16] __initconst = {
	0xe1, 0xf9, 0x7a, 0x0d, 0x3e, 0x01, 0x8b, 0xe0,
	0xd6, 0x4f, 0xa3, 0x2c, 0x06, 0xde, 0x41, 0x39,
};
static const u8 krtp_srtp_b3_salt[14] __initconst = {
	0x0e, 0xc6, 0x75, 0xad, 0x49, 0x8a, 0xfe, 0xeb,
	0xb6, 0x96, 0x0b, 0x3a, 0xab, 0xe6,
};
static const struct krtp_srtp_session krtp_srtp_b3_session __initconst = {
	.enc = {
		0xc6, 0x1e, 0x7a, 0x93, 0x74, 0x4f, 0x39, 0xee,
		0x10, 0x73, 0x4a, 0xfe, 0x3f, 0xf7, 0xa0, 0x87,
	},
	.auth = {
		0xce, 0xbe, 0x32, 0x1f, 0x6f, 0xf7, 0x71, 0x6b,
		0x6f, 0xd4, 0xab, 0x49, 0xaf, 0x25, 0x6a, 0x15,
		0x6d, 0x38, 0xba, 0xa4,
	},
	.salt = {
		0x30, 0xcb, 0xbc, 0x08, 0x86, 0x3d, 0x8c, 0x85,
		0xd4, 0x9d, 0xb3, 0x4a, 0x9a, 0xe1,
	},
};

/* RFC 7714 16.1 and 17.1: session key, salt, packets (ROC 0, SRTCP index 0x5d4) */
static const struct krtp_srtp_session krtp_srtp_gcm_session __initconst = {
	.enc = {
		0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
		0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	},
	.salt = {
		0x51, 0x75, 0x69, 0x64, 0x20, 0x70, 0x72, 0x6f,
		0x20, 0x71, 0x75, 0x6f,
	},
};
static const u8 krtp_srtp_gcm_rtp[50] __initconst = {
	0x80, 0x40, 0xf1, 0x7b, 0x80, 0x41, 0xf8, 0xd3,
	0x55, 0x01, 0xa0, 0xb2, 0x47, 0x61, 0x6c, 0x6c,
	0x69, 0x61, 0x20, 0x65, 0x73, 0x74, 0x20, 0x6f,
	0x6d, 0x6e, 0x69, 0x73, 0x20, 0x64, 0x69, 0x76,
	0x69, 0x73, 0x61, 0x20, 0x69, 0x6e, 0x20, 0x70,
	0x61, 0x72, 0x74, 0x65, 0x73, 0x20, 0x74, 0x72,
	0x65, 0x73,
};
static const u8 krtp_srtp_gcm_srtp[66] __initconst = {
	0x80, 0x40, 0xf1, 0x7b, 0x80, 0x41, 0xf8, 0xd3,
	0x55, 0x01, 0xa0, 0xb2, 0xf2, 0x4d, 0xe3, 0xa3,
	0xfb, 0x34, 0xde, 0x6c, 0xac, 0xba, 0x86, 0x1c,
	0x9d, 0x7e, 0x4b, 0xca, 0xbe, 0x63, 0x3b, 0xd5,
	0x0d, 0x29, 0x4e, 0x6f, 0x42, 0xa5, 0xf4, 0x7a,
	0x51, 0xc7, 0xd1, 0x9b, 0x36, 0xde, 0x3a, 0xdf,
	0x88, 0x33, 0x89, 0x9d, 0x7f, 0x27, 0xbe, 0xb1,
	0x6a, 0x91, 0x52, 0xcf, 0x76, 0x5e, 0xe4, 0x39,
	0x0c, 0xce,
};
static const u8 krtp_srtp_gcm_rtcp[52] __initconst = {
	0x81, 0xc8, 0x00, 0x0d, 0x4d, 0x61, 0x72, 0x73,
	0x4e, 0x54, 0x50, 0x31, 0x4e, 0x54, 0x50, 0x32,
	0x52, 0x54, 0x50, 0x20, 0x00, 0x00, 0x04, 0x2a,
	0x00, 0x00, 0xe9, 0x30, 0x4c, 0x75, 0x6e, 0x61,
	0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef,
	0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef,
	0xde, 0xad, 0xbe, 0xef,
};
static const u8 krtp_srtp_gcm_srtcp[72] __initconst = {
	0x81, 0xc8, 0x00, 0x0d, 0x4d, 0x61, 0x72, 0x73,
	0x63, 0xe9, 0x48, 0x85, 0xdc, 0xda, 0xb6, 0x7c,
	0xa7, 0x27, 0xd7, 0x66, 0x2f, 0x6b, 0x7e, 0x99,
	0x7f, 0xf5, 0xc0, 0xf7, 0x6c, 0x06, 0xf3, 0x2d,
	0xc6, 0x76, 0xa5, 0xf1, 0x73, 0x0d, 0x6f, 0xda,
	0x4c, 0xe0, 0x9b, 0x46, 0x86, 0x30, 0x3d, 0xed,
	0x0b, 0xb9, 0x27, 0x5b, 0xc8, 0x4a, 0xa4, 0x58,
	0x96, 0xcf, 0x4d, 0x2f, 0xc5, 0xab, 0xf8, 0x72,
	0x45, 0xd9, 0xea, 0xde, 0x80, 0x00, 0x05, 0xd4,
};

#define KRTP_SRTP_SELFTEST_BUF	256

/* run the packet functions where crypto_simd_usable() is false */
static bool krtp_srtp_selftest_nosimd __initdata;

/*
 * The packet functions expect BHs off, as on the packet path; without
 * SIMD they run as in a softirq that interrupted a kernel FPU section.
 */
static int __init krtp_srtp_selftest_run(int (*fn)(struct krtp_srtp_ctx *,
						   u8 *, unsigned int),
					 struct krtp_srtp_ctx *ctx, u8 *pkt,
					 unsigned int len)
{
	int ret;

	local_bh_disable();
#ifdef CONFIG_X86
	if (krtp_srtp_selftest_nosimd) {
		kernel_fpu_begin();
		WARN_ON_ONCE(crypto_simd_usable());
		ret = fn(ctx, pkt, len);
		kernel_fpu_end();
		local_bh_enable();
		return ret;
	}
#endif
	ret = fn(ctx, pkt, len);
	local_bh_enable();
	return ret;
}

/* ctr(aes) keystream of @len bytes at @iv into @buf (not on the stack) */
static int __init krtp_srtp_selftest_ctr(struct crypto_sync_skcipher *tfm,
					 const u8 *iv16, u8 *buf,
					 unsigned int len)
{
	SYNC_SKCIPHER_REQUEST_ON_STACK(req, tfm);
	struct scatterlist sg;
	u8 iv[16];
	int err;

	memcpy(iv, iv16, sizeof(iv));
	memset(buf, 0, len);
	sg_init_one(&sg, buf, len);
	skcipher_request_set_sync_tfm(req, tfm);
	skcipher_request_set_callback(req, 0, NULL, NULL);
	skcipher_request_set_crypt(req, &sg, &sg, len, iv);
	err = crypto_skcipher_encrypt(req);
	skcipher_request_zero(req);
	return err;
}

/* B.3 through the KDF, B.2 through the transform and the RTP IV */
static bool __init krtp_srtp_selftest_cm(u8 *buf)
{
	struct krtp_srtp_session *keys = (struct krtp_srtp_session *)buf;
	struct crypto_sync_skcipher *tfm;
	struct krtp_srtp_ctx *ctx;
	u8 *pkt = buf + 128;
	u8 iv[16];
	bool ok = false;
	int len;

	tfm = crypto_alloc_sync_skcipher("ctr(aes)", 0, 0);
	if (IS_ERR(tfm))
		return false;
	if (crypto_sync_skcipher_setkey(tfm, krtp_srtp_b3_key, 16) ||
	    krtp_srtp_kdf(tfm, krtp_srtp_b3_salt, 0, keys->enc, 16) ||
	    krtp_srtp_kdf(tfm, krtp_srtp_b3_salt, 1, keys->auth, 20) ||
	    krtp_srtp_kdf(tfm, krtp_srtp_b3_salt, 2, keys->salt, 14) ||
	    memcmp(keys, &krtp_srtp_b3_session, sizeof(*keys))) {
		pr_err("srtp kdf self-test: fail (RFC 3711 B.3)\n");
		goto out;
	}
	pr_info("srtp kdf self-test: pass\n");

	/* B.2's last blocks: the counter carries from byte 15 into 14 */
	memcpy(iv, krtp_srtp_b2_salt, 14);
	iv[14] = 0xfe;
	iv[15] = 0xff;
	if (crypto_sync_skcipher_setkey(tfm, krtp_srtp_b2_key, 16) ||
	    krtp_srtp_selftest_ctr(tfm, iv, pkt, 48) ||
	    memcmp(pkt, krtp_srtp_b2_tail, 48)) {
		pr_err("srtp aes-cm self-test: fail (RFC 3711 B.2 at FEFF)\n");
		goto out;
	}

	/* B.2's first blocks as the payload of an RTP packet: SSRC 0, index 0 */
	ctx = krtp_srtp_ctx_alloc(KRTP_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80, 0,
				  true);
	memcpy(keys->enc, krtp_srtp_b2_key, 16);
	memcpy(keys->salt, krtp_srtp_b2_salt, 14);
	memset(keys->auth, 0, 20);
	if (!ctx || krtp_srtp_stream_key(ctx, &ctx->rtp, keys)) {
		pr_err("srtp aes-cm self-test: fail (setup)\n");
		krtp_srtp_ctx_free(ctx);
		goto out;
	}
	memset(pkt, 0, 12 + 48);
	pkt[0] = 0x80;
	len = krtp_srtp_selftest_run(krtp_srtp_rtp_protect, ctx, pkt, 12 + 48);
	krtp_srtp_ctx_free(ctx);
	if (len != 12 + 48 + 10 || memcmp(pkt + 12, krtp_srtp_b2_head, 48)) {
		pr_err("srtp aes-cm self-test: fail (RFC 3711 B.2, %d)\n", len);
		goto out;
	}
	pr_info("srtp aes-cm self-test: pass\n");
	ok = true;
out:
	crypto_free_sync_skcipher(tfm);
	return ok;
}

/* RFC 7714 16.1 and 17.1, both ways */
static bool __init krtp_srtp_selftest_gcm(u8 *buf)
{
	struct krtp_srtp_ctx *out, *in;
	bool ok = false;
	int len;

	out = krtp_srtp_ctx_alloc(KRTP_SRTP_SUITE_AEAD_AES_128_GCM, 0, true);
	in = krtp_srtp_ctx_alloc(KRTP_SRTP_SUITE_AEAD_AES_128_GCM,
				 KRTP_SRTP_REPLAY_WINDOW_DEFAULT, false);
	if (!out || !in ||
	    krtp_srtp_stream_key(out, &out->rtp, &krtp_srtp_gcm_session) ||
	    krtp_srtp_stream_key(out, &out->rtcp, &krtp_srtp_gcm_session) ||
	    krtp_srtp_stream_key(in, &in->rtp, &krtp_srtp_gcm_session) ||
	    krtp_srtp_stream_key(in, &in->rtcp, &krtp_srtp_gcm_session)) {
		pr_err("srtp gcm self-test: fail (setup)\n");
		goto out;
	}
	out->srtcp_index = 0x5d4;

	memcpy(buf, krtp_srtp_gcm_rtp, sizeof(krtp_srtp_gcm_rtp));
	len = krtp_srtp_selftest_run(krtp_srtp_rtp_protect, out, buf,
				     sizeof(krtp_srtp_gcm_rtp));
	if (len != sizeof(krtp_srtp_gcm_srtp) ||
	    memcmp(buf, krtp_srtp_gcm_srtp, len)) {
		pr_err("srtp gcm self-test: fail (RFC 7714 16.1 encrypt, %d)\n",
		       len);
		goto out;
	}
	len = krtp_srtp_selftest_run(krtp_srtp_rtp_unprotect, in, buf, len);
	if (len != sizeof(krtp_srtp_gcm_rtp) ||
	    memcmp(buf, krtp_srtp_gcm_rtp, len)) {
		pr_err("srtp gcm self-test: fail (RFC 7714 16.1 decrypt, %d)\n",
		       len);
		goto out;
	}

	memcpy(buf, krtp_srtp_gcm_rtcp, sizeof(krtp_srtp_gcm_rtcp));
	len = krtp_srtp_selftest_run(krtp_srtp_rtcp_protect, out, buf,
				     sizeof(krtp_srtp_gcm_rtcp));
	if (len != sizeof(krtp_srtp_gcm_srtcp) ||
	    memcmp(buf, krtp_srtp_gcm_srtcp, len)) {
		pr_err("srtp gcm self-test: fail (RFC 7714 17.1 encrypt, %d)\n",
		       len);
		goto out;
	}
	len = krtp_srtp_selftest_run(krtp_srtp_rtcp_unprotect, in, buf, len);
	if (len != sizeof(krtp_srtp_gcm_rtcp) ||
	    memcmp(buf, krtp_srtp_gcm_rtcp, len)) {
		pr_err("srtp gcm self-test: fail (RFC 7714 17.1 decrypt, %d)\n",
		       len);
		goto out;
	}
	pr_info("srtp gcm self-test: pass\n");
	ok = true;
out:
	krtp_srtp_ctx_free(out);
	krtp_srtp_ctx_free(in);
	return ok;
}

/* an RTP packet of 12 + 40 bytes whose payload says its sequence number */
static void __init krtp_srtp_selftest_pkt(u8 *pkt, u16 seq)
{
	memset(pkt, 0, 52);
	pkt[0] = 0x80;
	pkt[1] = 0;
	pkt[2] = seq >> 8;
	pkt[3] = seq;
	pkt[8] = 0x12;
	pkt[9] = 0x34;
	pkt[10] = 0x56;
	pkt[11] = 0x78;
	memset(pkt + 12, seq & 0xff, 40);
}

/*
 * A send and a receive context of @suite with the same keys (bytes from
 * @key0 and @salt0 up), ROC 7, the smallest replay window; ERR_PTRs if
 * either could not be made.
 */
static void __init
krtp_srtp_selftest_pair(u32 suite, u8 key0, u8 salt0,
			const struct krtp_srtp_stream_state *streams,
			unsigned int nstreams, struct krtp_srtp_ctx **out,
			struct krtp_srtp_ctx **in)
{
	struct krtp_srtp_config cfg = {
		.suite = suite,
		.window = KRTP_SRTP_REPLAY_WINDOW_MIN,
		.roc = 7,
		.nstreams = nstreams,
		.salt_len = suite == KRTP_SRTP_SUITE_AEAD_AES_128_GCM ?
			    KRTP_SRTP_GCM_MASTER_SALT_LEN :
			    KRTP_SRTP_MASTER_SALT_LEN,
	};
	unsigned int i;

	for (i = 0; i < nstreams; i++)
		cfg.streams[i] = streams[i];

	for (i = 0; i < sizeof(cfg.key); i++)
		cfg.key[i] = key0 + i + suite;
	for (i = 0; i < cfg.salt_len; i++)
		cfg.salt[i] = salt0 + i;
	*out = krtp_srtp_ctx_create(&cfg, true);
	*in = krtp_srtp_ctx_create(&cfg, false);
	memzero_explicit(&cfg, sizeof(cfg));
}

/*
 * One suite through krtp_srtp_ctx_create(): seqs 65533..65535, 0..2 with
 * 65535 sent after 0, then a replay, a stale packet, a tampered one, and
 * SRTCP both ways.
 */
static bool __init krtp_srtp_selftest_suite(u32 suite, u8 *buf)
{
	static const u16 order[] __initconst = { 65533, 65534, 0, 65535, 1, 2 };
	u8 *pkt = buf, *saved = buf + 128;
	struct krtp_srtp_ctx *out, *in;
	const char *what = "setup";
	unsigned int i;
	int len, slen;
	bool ok = false;

	krtp_srtp_selftest_pair(suite, 0xa0, 0x30, NULL, 0, &out, &in);
	if (IS_ERR(out) || IS_ERR(in))
		goto out;

	what = "rollover";
	for (i = 0; i < ARRAY_SIZE(order); i++) {
		u8 ref[52];

		krtp_srtp_selftest_pkt(pkt, order[i]);
		memcpy(ref, pkt, 52);
		len = krtp_srtp_selftest_run(krtp_srtp_rtp_protect, out, pkt, 52);
		if (len <= 52 || !memcmp(pkt + 12, ref + 12, 40))
			goto out;
		if (order[i] == 1)
			memcpy(saved, pkt, len);	/* for the replay */
		slen = len;
		len = krtp_srtp_selftest_run(krtp_srtp_rtp_unprotect, in, pkt,
					     slen);
		if (len != 52 || memcmp(pkt, ref, 52))
			goto out;
	}
	/* ROC 7 became 8 at the wrap; 2 is the highest index */
	if (in->rtp.last->top != (8ULL << 16 | 2) ||
	    out->rtp.last->top != in->rtp.last->top)
		goto out;

	what = "replay";
	memcpy(pkt, saved, slen);
	if (krtp_srtp_selftest_run(krtp_srtp_rtp_unprotect, in, pkt, slen) !=
	    -EALREADY)
		goto out;

	what = "tamper";
	krtp_srtp_selftest_pkt(pkt, 3);
	len = krtp_srtp_selftest_run(krtp_srtp_rtp_protect, out, pkt, 52);
	memcpy(saved, pkt, len);
	pkt[20] ^= 1;
	if (krtp_srtp_selftest_run(krtp_srtp_rtp_unprotect, in, pkt, len) !=
	    -EBADMSG || in->rtp.last->top != (8ULL << 16 | 2))
		goto out;
	/* the genuine one still passes: the forgery changed nothing */
	memcpy(pkt, saved, len);
	if (krtp_srtp_selftest_run(krtp_srtp_rtp_unprotect, in, pkt, len) != 52)
		goto out;

	what = "stale";
	/* 3 + 64 is sent and received: 3 - 1 is then 65 behind a window of 64 */
	krtp_srtp_selftest_pkt(pkt, 3 + 64);
	len = krtp_srtp_selftest_run(krtp_srtp_rtp_protect, out, pkt, 52);
	if (krtp_srtp_selftest_run(krtp_srtp_rtp_unprotect, in, pkt, len) != 52)
		goto out;
	krtp_srtp_selftest_pkt(pkt, 2);
	out->rtp.last->top = 8ULL << 16 | 2;	/* let the sender produce 2 again */
	len = krtp_srtp_selftest_run(krtp_srtp_rtp_protect, out, pkt, 52);
	if (krtp_srtp_selftest_run(krtp_srtp_rtp_unprotect, in, pkt, len) !=
	    -EALREADY)
		goto out;

	what = "srtcp";
	for (i = 0; i < 3; i++) {
		memset(pkt, 0, 28);
		pkt[0] = 0x81;
		pkt[1] = 201;
		pkt[3] = 6;
		memset(pkt + 8, 0x5a, 20);
		len = krtp_srtp_selftest_run(krtp_srtp_rtcp_protect, out, pkt,
					     28);
		if (len <= 28 || pkt[8] == 0x5a)
			goto out;
		if (i == 2) {
			/* a tampered packet with a fresh index */
			pkt[9] ^= 0x80;
			if (krtp_srtp_selftest_run(krtp_srtp_rtcp_unprotect,
						   in, pkt, len) != -EBADMSG)
				goto out;
			break;
		}
		memcpy(saved, pkt, len);
		slen = len;
		len = krtp_srtp_selftest_run(krtp_srtp_rtcp_unprotect, in, pkt,
					     slen);
		if (len != 28 || pkt[8] != 0x5a || pkt[27] != 0x5a)
			goto out;
	}
	memcpy(pkt, saved, slen);
	if (krtp_srtp_selftest_run(krtp_srtp_rtcp_unprotect, in, pkt, slen) !=
	    -EALREADY)
		goto out;
	ok = true;
out:
	if (!ok)
		pr_err("srtp suite %u self-test: fail (%s)\n", suite, what);
	if (!IS_ERR(out))
		krtp_srtp_ctx_free(out);
	if (!IS_ERR(in))
		krtp_srtp_ctx_free(in);
	return ok;
}

/* the slot of @ssrc in @st (srtp.c's lookup is its own) */
static struct krtp_srtp_ssrc *__init
krtp_srtp_selftest_find(struct krtp_srtp_stream *st, u32 ssrc)
{
	unsigned int i;

	for (i = 0; i < KRTP_SRTP_SSRC_MAX; i++)
		if (st->ssrc[i].known && st->ssrc[i].ssrc == ssrc)
			return &st->ssrc[i];
	return NULL;
}

/* seq @seq of SSRC 0x1234567N through @out then @in: its index, or 0 */
static u64 __init krtp_srtp_selftest_one(struct krtp_srtp_ctx *out,
					 struct krtp_srtp_ctx *in, u8 *pkt,
					 u8 n, u16 seq)
{
	struct krtp_srtp_ssrc *tr;
	int len;

	krtp_srtp_selftest_pkt(pkt, seq);
	pkt[11] = 0x70 + n;
	len = krtp_srtp_selftest_run(krtp_srtp_rtp_protect, out, pkt, 52);
	if (len <= 52 ||
	    krtp_srtp_selftest_run(krtp_srtp_rtp_unprotect, in, pkt, len) != 52 ||
	    pkt[11] != 0x70 + n || pkt[12] != (seq & 0xff))
		return 0;
	tr = krtp_srtp_selftest_find(&in->rtp, 0x12345670 + n);
	if (!tr || tr != in->rtp.last || out->rtp.last->top != tr->top)
		return 0;
	return tr->top;
}

/*
 * Streams of several SSRCs through one context pair (RFC 3711 3.2.3): the
 * first starts at the configured ROC 7 and wraps to 8; the second, from a
 * sequence number a wrap would be guessed for, starts at ROC 0 on both
 * sides; each keeps its own replay window; the fifth stream takes the slot
 * of the one heard from longest ago, and a forged packet of a new SSRC
 * takes none.
 */
static bool __init krtp_srtp_selftest_ssrcs(u32 suite, u8 *buf)
{
	struct krtp_srtp_stream_state streams[KRTP_SRTP_SSRC_MAX];
	struct krtp_srtp_ctx *out, *in;
	u8 *pkt = buf, *saved = buf + 128;
	const char *what = "setup";
	unsigned int n;
	bool ok = false;
	u32 roc;
	int len;

	krtp_srtp_selftest_pair(suite, 0x50, 0x90, NULL, 0, &out, &in);
	if (IS_ERR(out) || IS_ERR(in))
		goto out;

	what = "first stream";
	if (krtp_srtp_selftest_one(out, in, pkt, 0, 65535) != (7ULL << 16 | 65535) ||
	    krtp_srtp_selftest_one(out, in, pkt, 0, 3) != (8ULL << 16 | 3))
		goto out;
	what = "second stream at ROC 0";
	/* 40000 behind 3 would be ROC 7 in the first stream's index space */
	if (krtp_srtp_selftest_one(out, in, pkt, 1, 40000) != 40000 ||
	    krtp_srtp_selftest_one(out, in, pkt, 0, 4) != (8ULL << 16 | 4) ||
	    krtp_srtp_selftest_one(out, in, pkt, 1, 40001) != 40001)
		goto out;
	krtp_srtp_ctx_state(in, &roc, &roc, streams, &n);
	if (roc != 0)	/* the stream last heard: the second */
		goto out;
	what = "every stream's ROC reported";
	if (n != 2 || streams[0].ssrc != 0x12345670 || streams[0].roc != 8 ||
	    streams[1].ssrc != 0x12345671 || streams[1].roc != 0)
		goto out;

	what = "replay per stream";
	krtp_srtp_selftest_pkt(pkt, 40002);
	pkt[11] = 0x71;
	len = krtp_srtp_selftest_run(krtp_srtp_rtp_protect, out, pkt, 52);
	memcpy(saved, pkt, len);
	if (krtp_srtp_selftest_run(krtp_srtp_rtp_unprotect, in, pkt, len) != 52)
		goto out;
	memcpy(pkt, saved, len);
	if (krtp_srtp_selftest_run(krtp_srtp_rtp_unprotect, in, pkt, len) !=
	    -EALREADY)
		goto out;

	what = "forged new stream";
	krtp_srtp_selftest_pkt(pkt, 9);
	pkt[11] = 0x7f;
	len = krtp_srtp_selftest_run(krtp_srtp_rtp_protect, out, pkt, 52);
	pkt[20] ^= 1;
	if (krtp_srtp_selftest_run(krtp_srtp_rtp_unprotect, in, pkt, len) !=
	    -EBADMSG || krtp_srtp_selftest_find(&in->rtp, 0x1234567f))
		goto out;

	what = "a fifth stream";
	/* streams 2 and 3 fill the slots (0x7f took one on the send side) */
	if (!krtp_srtp_selftest_one(out, in, pkt, 2, 100) ||
	    !krtp_srtp_selftest_one(out, in, pkt, 3, 200))
		goto out;
	/* the first stream is the one heard from longest ago: it goes */
	if (!krtp_srtp_selftest_one(out, in, pkt, 4, 300) ||
	    krtp_srtp_selftest_find(&in->rtp, 0x12345670) ||
	    !krtp_srtp_selftest_find(&in->rtp, 0x12345671))
		goto out;
	ok = true;
out:
	if (!ok)
		pr_err("srtp suite %u SSRC self-test: fail (%s)\n", suite, what);
	if (!IS_ERR(out))
		krtp_srtp_ctx_free(out);
	if (!IS_ERR(in))
		krtp_srtp_ctx_free(in);
	return ok;
}

/*
 * A context pair made with the streams of a replaced flow: each named
 * stream goes on in its own ROC (the second from its last sequence number
 * of ROC 2 into ROC 3), a stream not named starts at ROC 0, not at the
 * configured ROC, and the state reports all three.
 */
static bool __init krtp_srtp_selftest_streams(u32 suite, u8 *buf)
{
	static const struct krtp_srtp_stream_state named[] __initconst = {
		{ 0x12345670, 9 }, { 0x12345671, 2 },
	};
	struct krtp_srtp_stream_state streams[KRTP_SRTP_SSRC_MAX];
	struct krtp_srtp_ctx *out, *in;
	const char *what = "setup";
	unsigned int n;
	bool ok = false;
	u32 roc, idx;

	krtp_srtp_selftest_pair(suite, 0x60, 0x10, named, ARRAY_SIZE(named),
				&out, &in);
	if (IS_ERR(out) || IS_ERR(in))
		goto out;
	what = "named streams in their ROCs";
	if (krtp_srtp_selftest_one(out, in, buf, 1, 65535) != (2ULL << 16 | 65535) ||
	    krtp_srtp_selftest_one(out, in, buf, 0, 100) != (9ULL << 16 | 100) ||
	    krtp_srtp_selftest_one(out, in, buf, 1, 0) != (3ULL << 16 | 0))
		goto out;
	what = "a stream not named at ROC 0";
	if (krtp_srtp_selftest_one(out, in, buf, 2, 10) != 10)
		goto out;
	what = "every stream reported";
	krtp_srtp_ctx_state(out, &roc, &idx, streams, &n);
	if (n != 3 || roc != 0 || streams[0].roc != 9 || streams[1].roc != 3 ||
	    streams[2].ssrc != 0x12345672 || streams[2].roc != 0)
		goto out;
	ok = true;
out:
	if (!ok)
		pr_err("srtp suite %u streams self-test: fail (%s)\n", suite, what);
	if (!IS_ERR(out))
		krtp_srtp_ctx_free(out);
	if (!IS_ERR(in))
		krtp_srtp_ctx_free(in);
	return ok;
}

/* every test, with or without SIMD (krtp_srtp_selftest_nosimd) */
static bool __init krtp_srtp_selftest_all(u8 *buf)
{
	u32 suite;

	if (!krtp_srtp_selftest_cm(buf) || !krtp_srtp_selftest_gcm(buf))
		return false;
	for (suite = KRTP_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80;
	     suite <= KRTP_SRTP_SUITE_AEAD_AES_128_GCM; suite++)
		if (!krtp_srtp_selftest_suite(suite, buf) ||
		    !krtp_srtp_selftest_ssrcs(suite, buf) ||
		    !krtp_srtp_selftest_streams(suite, buf))
			return false;
	pr_info("srtp rollover, replay and SSRC self-test: pass\n");
	return true;
}

/**
 * krtp_srtp_selftest - run the SRTP self-tests
 *
 * Return: true if all passed.
 */
bool __init krtp_srtp_selftest(void)
{
	bool ok;
	u8 *buf;

	buf = kzalloc(KRTP_SRTP_SELFTEST_BUF, GFP_KERNEL);
	if (!buf)
		return false;
	ok = krtp_srtp_selftest_all(buf);
#ifdef CONFIG_X86
	if (ok) {
		pr_info("srtp: the same again in a kernel FPU section (no SIMD)\n");
		krtp_srtp_selftest_nosimd = true;
		ok = krtp_srtp_selftest_all(buf);
		krtp_srtp_selftest_nosimd = false;
	}
#endif
	kfree(buf);
	return ok;
}
