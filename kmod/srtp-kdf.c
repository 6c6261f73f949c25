// SPDX-License-Identifier: GPL-2.0
/*
 * krtp: SRTP crypto contexts, made at flow setup: session keys derived
 * from the master key and salt (RFC 3711 4.3, key derivation rate 0, as
 * SDES and DTLS-SRTP use it), transforms allocated and keyed, replay
 * bitmaps allocated. Process context only; the packet path (srtp.c)
 * allocates nothing.
 *
 * Key material is wiped where it was: the master key by the caller once
 * the context exists, the session keys here once the transforms hold their
 * schedules (kfree_sensitive, memzero_explicit). The transforms wipe their
 * schedules when freed (crypto_destroy_tfm uses kfree_sensitive).
 */

#include <crypto/aead.h>
#include <crypto/hash.h>
#include <crypto/skcipher.h>
#include <linux/bitmap.h>
#include <linux/kmod.h>
#include <linux/log2.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "srtp.h"

/* RFC 3711 4.3.2 labels; SRTCP's are SRTP's plus 3 */
enum {
	KRTP_SRTP_LABEL_ENC = 0,
	KRTP_SRTP_LABEL_AUTH = 1,
	KRTP_SRTP_LABEL_SALT = 2,
	KRTP_SRTCP_LABEL_BASE = 3,
};

/* derived session key material of one stream, on the heap for the scatterlist */
struct krtp_srtp_session {
	u8 enc[KRTP_SRTP_MASTER_KEY_LEN];
	u8 auth[KRTP_SRTP_AUTH_KEY_LEN];
	u8 salt[KRTP_SRTP_MASTER_SALT_LEN];
};

/*
 * RFC 3711 4.3.1 with kdr 0: x = (label << 48) XOR master salt, and the key
 * is the AES-CM keystream of the master key at IV x * 2^16. @tfm holds the
 * master key; @salt is 14 bytes (GCM's 12 padded with zeros on the right,
 * as libsrtp does); @out is not on the stack.
 */
static int krtp_srtp_kdf(struct crypto_sync_skcipher *tfm, const u8 *salt,
			 u8 label, u8 *out, unsigned int len)
{
	SYNC_SKCIPHER_REQUEST_ON_STACK(req, tfm);
	struct scatterlist sg;
	u8 iv[16];
	int err;

	memcpy(iv, salt, KRTP_SRTP_MASTER_SALT_LEN);
	iv[7] ^= label;
	iv[14] = 0;
	iv[15] = 0;
	memset(out, 0, len);
	sg_init_one(&sg, out, len);
	skcipher_request_set_sync_tfm(req, tfm);
	skcipher_request_set_callback(req, 0, NULL, NULL);
	skcipher_request_set_crypt(req, &sg, &sg, len, iv);
	err = crypto_skcipher_encrypt(req);
	skcipher_request_zero(req);
	memzero_explicit(iv, sizeof(iv));
	return err;
}

/*
 * The algorithms, resolved once at load (krtp_srtp_init) and held until
 * unload. A lookup by name that finds no registered algorithm costs a
 * crypto larval: request_module() (a usermode modprobe) and a template
 * instantiation with its self-test. When the CPU or kernel has no SIMD
 * algorithm, that happened on every keyed flow: seconds per flow under
 * emulation. Held transforms keep their algorithms and template instances
 * registered (and their modules loaded), so each flow's allocation by the
 * exact driver name finds them at once, and an absent SIMD algorithm is
 * known absent without asking again. krtp_srtp_init() first asks for the
 * CPU's implementations by the aliases they answer to, so that a krtp.ko
 * loaded before udev has loaded them (early in boot, from modules-load.d)
 * does not hold the generic ones until it is reloaded.
 */
static struct {
	struct crypto_sync_skcipher *ctr;	/* KDF and AES-CM, or NULL */
	struct crypto_sync_skcipher *ctr_simd;	/* or NULL: none */
	struct crypto_aead *gcm;		/* or NULL */
	struct crypto_aead *gcm_simd;		/* or NULL: none */
	struct crypto_shash *hmac;		/* or NULL */
	/*
	 * What flows allocate by: the held algorithms' driver names, or,
	 * for one the load could not allocate, the generic name, looked up
	 * again (and failing, as at load, unless it appeared since)
	 */
	const char *ctr_name;
	const char *gcm_name;
	const char *hmac_name;
} krtp_srtp_algs = {
	.ctr_name = "ctr(aes)",
	.gcm_name = "gcm(aes)",
	.hmac_name = "hmac(sha1)",
};

/*
 * The CPU's SIMD implementations: the internal algorithms "__ctr(aes)" and
 * "__gcm(aes)" that crypto/simd.c wraps, synchronous (the mask excludes
 * async ones). NULL when the CPU or kernel has none: the packet path then
 * always takes the transform that works in any context.
 */
static struct crypto_sync_skcipher *krtp_srtp_simd_skcipher(void)
{
	struct crypto_sync_skcipher *tfm, *held = krtp_srtp_algs.ctr_simd;

	if (!held)
		return NULL;
	tfm = crypto_alloc_sync_skcipher(crypto_skcipher_driver_name(&held->base),
					 CRYPTO_ALG_INTERNAL,
					 CRYPTO_ALG_INTERNAL);
	return IS_ERR(tfm) ? NULL : tfm;
}

static struct crypto_aead *krtp_srtp_simd_aead(void)
{
	struct crypto_aead *tfm, *held = krtp_srtp_algs.gcm_simd;

	if (!held)
		return NULL;
	tfm = crypto_alloc_aead(crypto_aead_driver_name(held),
				CRYPTO_ALG_INTERNAL,
				CRYPTO_ALG_INTERNAL | CRYPTO_ALG_ASYNC);
	return IS_ERR(tfm) ? NULL : tfm;
}

/* @tfm keyed for GCM with a 16-byte tag, and a request for it */
static int krtp_srtp_gcm_key(struct crypto_aead *tfm, const u8 *key,
			     struct aead_request **req)
{
	int err;

	err = crypto_aead_setkey(tfm, key, KRTP_SRTP_MASTER_KEY_LEN);
	if (!err)
		err = crypto_aead_setauthsize(tfm, KRTP_SRTP_TAG_MAX);
	if (err)
		return err;
	*req = aead_request_alloc(tfm, GFP_KERNEL);
	return *req ? 0 : -ENOMEM;
}

/*
 * Allocate @st's transforms and key them with session keys. Also what the
 * self-tests use to load the RFC's session keys directly. The RTP stream
 * gets the SIMD transform too, where there is one (struct krtp_srtp_stream).
 */
static int krtp_srtp_stream_key(struct krtp_srtp_ctx *ctx,
				struct krtp_srtp_stream *st,
				const struct krtp_srtp_session *keys)
{
	bool simd = st == &ctx->rtp;
	int err;

	if (ctx->gcm) {
		/* the mask asks for a synchronous implementation: softirq */
		st->aead = crypto_alloc_aead(krtp_srtp_algs.gcm_name, 0,
					     CRYPTO_ALG_ASYNC);
		if (IS_ERR(st->aead)) {
			err = PTR_ERR(st->aead);
			st->aead = NULL;
			return err;
		}
		err = krtp_srtp_gcm_key(st->aead, keys->enc, &st->req);
		if (err)
			return err;
		if (simd)
			st->aead_simd = krtp_srtp_simd_aead();
		if (st->aead_simd) {
			err = krtp_srtp_gcm_key(st->aead_simd, keys->enc,
						&st->req_simd);
			if (err)
				return err;
		}
		memcpy(st->salt, keys->salt, KRTP_SRTP_GCM_MASTER_SALT_LEN);
		return 0;
	}

	st->ctr = crypto_alloc_sync_skcipher(krtp_srtp_algs.ctr_name, 0, 0);
	if (IS_ERR(st->ctr)) {
		err = PTR_ERR(st->ctr);
		st->ctr = NULL;
		return err;
	}
	err = crypto_sync_skcipher_setkey(st->ctr, keys->enc, sizeof(keys->enc));
	if (err)
		return err;
	if (simd)
		st->ctr_simd = krtp_srtp_simd_skcipher();
	if (st->ctr_simd) {
		err = crypto_sync_skcipher_setkey(st->ctr_simd, keys->enc,
						  sizeof(keys->enc));
		if (err)
			return err;
	}
	st->hmac = crypto_alloc_shash(krtp_srtp_algs.hmac_name, 0, 0);
	if (IS_ERR(st->hmac)) {
		err = PTR_ERR(st->hmac);
		st->hmac = NULL;
		return err;
	}
	err = crypto_shash_setkey(st->hmac, keys->auth, sizeof(keys->auth));
	if (err)
		return err;
	memcpy(st->salt, keys->salt, KRTP_SRTP_MASTER_SALT_LEN);
	return 0;
}

/* derive one stream's session keys with @kdf (keyed with the master key) */
static int krtp_srtp_stream_derive(struct krtp_srtp_ctx *ctx,
				   struct krtp_srtp_stream *st,
				   struct crypto_sync_skcipher *kdf,
				   const u8 *salt, u8 base)
{
	struct krtp_srtp_session *keys;
	int err;

	keys = kmalloc(sizeof(*keys), GFP_KERNEL);
	if (!keys)
		return -ENOMEM;
	err = krtp_srtp_kdf(kdf, salt, base + KRTP_SRTP_LABEL_ENC, keys->enc,
			    sizeof(keys->enc));
	if (!err && !ctx->gcm)
		err = krtp_srtp_kdf(kdf, salt, base + KRTP_SRTP_LABEL_AUTH,
				    keys->auth, sizeof(keys->auth));
	if (!err)
		err = krtp_srtp_kdf(kdf, salt, base + KRTP_SRTP_LABEL_SALT,
				    keys->salt, sizeof(keys->salt));
	if (!err)
		err = krtp_srtp_stream_key(ctx, st, keys);
	kfree_sensitive(keys);
	return err;
}

static void krtp_srtp_stream_free(struct krtp_srtp_stream *st)
{
	aead_request_free(st->req);	/* kfree_sensitive */
	aead_request_free(st->req_simd);
	crypto_free_aead(st->aead);
	crypto_free_aead(st->aead_simd);
	crypto_free_sync_skcipher(st->ctr);
	crypto_free_sync_skcipher(st->ctr_simd);
	crypto_free_shash(st->hmac);
	bitmap_free(st->seen);
	memzero_explicit(st->salt, sizeof(st->salt));
}

/* one allocation for the replay bitmaps of @st's slots, @bits each */
static int krtp_srtp_bitmaps(struct krtp_srtp_stream *st, u32 bits)
{
	unsigned int i;

	st->seen = bitmap_zalloc(bits * KRTP_SRTP_SSRC_MAX, GFP_KERNEL);
	if (!st->seen)
		return -ENOMEM;
	for (i = 0; i < KRTP_SRTP_SSRC_MAX; i++)
		st->ssrc[i].seen = st->seen + i * BITS_TO_LONGS(bits);
	return 0;
}

/* a context without keys: what both setup and the self-tests start from */
static struct krtp_srtp_ctx *krtp_srtp_ctx_alloc(u32 suite, u32 window,
						 bool out)
{
	struct krtp_srtp_ctx *ctx;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return NULL;
	spin_lock_init(&ctx->lock);
	ctx->suite = suite;
	ctx->gcm = suite == KRTP_SRTP_SUITE_AEAD_AES_128_GCM;
	switch (suite) {
	case KRTP_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80:
		ctx->rtp.tag_len = 10;
		ctx->rtcp.tag_len = 10;
		break;
	case KRTP_SRTP_SUITE_AES_CM_128_HMAC_SHA1_32:
		/* RFC 4568 6.2.1: SRTCP keeps the 80-bit tag */
		ctx->rtp.tag_len = 4;
		ctx->rtcp.tag_len = 10;
		break;
	default:
		ctx->rtp.tag_len = KRTP_SRTP_TAG_MAX;
		ctx->rtcp.tag_len = KRTP_SRTP_TAG_MAX;
		break;
	}
	if (out)
		return ctx;

	/* the receive side keeps a replay bitmap per SSRC it follows */
	ctx->window = window;
	ctx->bits = max_t(u32, roundup_pow_of_two(window), BITS_PER_LONG);
	if (krtp_srtp_bitmaps(&ctx->rtp, ctx->bits) ||
	    krtp_srtp_bitmaps(&ctx->rtcp, ctx->bits)) {
		krtp_srtp_ctx_free(ctx);
		return NULL;
	}
	return ctx;
}

/**
 * krtp_srtp_ctx_create - make a crypto context from master key and salt
 * @cfg: suite, master key and salt, replay window, initial ROC and index,
 *	the streams of a replaced flow;
 *	checked by netlink-flow.c
 * @out: the context encrypts (no replay state) rather than decrypts
 *
 * Process context. The caller wipes @cfg.
 *
 * Return: the context or an ERR_PTR (-ENOMEM, or -ENOENT when the kernel
 * lacks an algorithm).
 */
struct krtp_srtp_ctx *krtp_srtp_ctx_create(const struct krtp_srtp_config *cfg,
					   bool out)
{
	u8 salt[KRTP_SRTP_MASTER_SALT_LEN] = {};
	struct crypto_sync_skcipher *kdf;
	struct krtp_srtp_ctx *ctx;
	unsigned int i;
	int err;

	ctx = krtp_srtp_ctx_alloc(cfg->suite, cfg->window, out);
	if (!ctx)
		return ERR_PTR(-ENOMEM);
	ctx->roc = cfg->roc;
	ctx->srtcp_index = cfg->srtcp_index;
	/* streams of a replaced flow: known, each in its ROC, not started */
	for (i = 0; i < cfg->nstreams; i++) {
		ctx->rtp.ssrc[i].ssrc = cfg->streams[i].ssrc;
		ctx->rtp.ssrc[i].top = (u64)cfg->streams[i].roc << 16;
		ctx->rtp.ssrc[i].known = true;
	}

	kdf = crypto_alloc_sync_skcipher(krtp_srtp_algs.ctr_name, 0, 0);
	if (IS_ERR(kdf)) {
		err = PTR_ERR(kdf);
		goto err_free;
	}
	err = crypto_sync_skcipher_setkey(kdf, cfg->key, sizeof(cfg->key));
	if (err)
		goto err_kdf;
	/* a GCM salt is 12 bytes; the KDF reads it padded with zeros */
	memcpy(salt, cfg->salt, cfg->salt_len);
	err = krtp_srtp_stream_derive(ctx, &ctx->rtp, kdf, salt, 0);
	if (!err)
		err = krtp_srtp_stream_derive(ctx, &ctx->rtcp, kdf, salt,
					      KRTP_SRTCP_LABEL_BASE);
	memzero_explicit(salt, sizeof(salt));
	if (err)
		goto err_kdf;
	crypto_free_sync_skcipher(kdf);
	return ctx;

err_kdf:
	crypto_free_sync_skcipher(kdf);
err_free:
	krtp_srtp_ctx_free(ctx);
	return ERR_PTR(err);
}

/**
 * krtp_srtp_ctx_free - free a context no packet can reach any more
 * @ctx: the context, or NULL
 *
 * May run in an RCU callback (softirq): freeing transforms does not sleep
 * (macsec frees its SA's AEAD from RCU callbacks too).
 */
void krtp_srtp_ctx_free(struct krtp_srtp_ctx *ctx)
{
	if (!ctx)
		return;
	krtp_srtp_stream_free(&ctx->rtp);
	krtp_srtp_stream_free(&ctx->rtcp);
	kfree_sensitive(ctx);
}

/**
 * krtp_srtp_create - the SRTP side of a new flow
 * @in: decryption of what arrives (suite 0: none)
 * @out: encryption of what leaves (suite 0: none)
 *
 * Process context.
 *
 * Return: NULL when neither direction has SRTP, else the pair or an ERR_PTR.
 */
struct krtp_srtp *krtp_srtp_create(const struct krtp_srtp_config *in,
				   const struct krtp_srtp_config *out)
{
	struct krtp_srtp *srtp;
	int err;

	if (!in->suite && !out->suite)
		return NULL;
	srtp = kzalloc(sizeof(*srtp), GFP_KERNEL);
	if (!srtp)
		return ERR_PTR(-ENOMEM);
	if (in->suite) {
		srtp->in = krtp_srtp_ctx_create(in, false);
		if (IS_ERR(srtp->in)) {
			err = PTR_ERR(srtp->in);
			srtp->in = NULL;
			goto err_free;
		}
	}
	if (out->suite) {
		srtp->out = krtp_srtp_ctx_create(out, true);
		if (IS_ERR(srtp->out)) {
			err = PTR_ERR(srtp->out);
			srtp->out = NULL;
			goto err_free;
		}
	}
	return srtp;

err_free:
	krtp_srtp_free(srtp);
	return ERR_PTR(err);
}

/**
 * krtp_srtp_free - free a flow's SRTP side
 * @srtp: what krtp_srtp_create() made, or NULL
 *
 * As krtp_srtp_ctx_free(), may run in an RCU callback.
 */
void krtp_srtp_free(struct krtp_srtp *srtp)
{
	if (!srtp)
		return;
	krtp_srtp_ctx_free(srtp->in);
	krtp_srtp_ctx_free(srtp->out);
	kfree(srtp);
}

/*
 * Load the modules of the CPU's AES and SHA-1 unless they are registered:
 * for AES, the internal SIMD algorithm aesni_intel registers (asked for
 * with CRYPTO_NOLOAD, as below); for SHA-1, a "sha1" better than the
 * generic C code (the highest priority answers the name). The SHA-1 asked
 * for here is dropped at once; only its module stays.
 */
static void __init krtp_srtp_cpu_algs(void)
{
	struct crypto_shash *sha1;
	bool generic = true;

	if (!crypto_has_skcipher("__ctr(aes)", CRYPTO_ALG_INTERNAL,
				 CRYPTO_ALG_INTERNAL | CRYPTO_NOLOAD))
		request_module("crypto-aes");
	sha1 = crypto_alloc_shash("sha1", 0, CRYPTO_NOLOAD);
	if (!IS_ERR(sha1)) {
		generic = !strcmp(crypto_shash_driver_name(sha1), "sha1-generic");
		crypto_free_shash(sha1);
	}
	if (generic)
		request_module("crypto-sha1");
}

/**
 * krtp_srtp_init - resolve the SRTP algorithms, once
 *
 * Allocates one transform of each algorithm flows use and holds it until
 * krtp_srtp_exit(), so that no flow's setup looks an algorithm up through
 * a larval (krtp_srtp_algs above). An algorithm the kernel lacks is
 * not an error here: only keyed flows need it, and they fail with -ENOENT
 * as before. The SIMD lookups skip the modprobe for the algorithm's name
 * (CRYPTO_NOLOAD), which would fail: no module is named after an internal
 * algorithm, and the one that registers it (aesni_intel) is loaded for the
 * CPU's modalias or for "aes".
 *
 * Which is why the load asks for "aes" and "sha1" first: udev loads the
 * CPU's modules (aesni_intel, sha1_ssse3) for its modalias, but a krtp.ko
 * loaded before that would resolve and hold the generic algorithms for as
 * long as it stays loaded (SHA-1 alone is over twice the cost of a
 * forwarded packet in software). modprobe loads every module the alias
 * names. It is asked only when the CPU's implementation is not registered
 * yet (krtp_srtp_cpu_algs()): a usermode modprobe is a process started
 * and waited for, which a reload, or a machine that loads krtp.ko after
 * udev, need not pay.
 */
void __init krtp_srtp_init(void)
{
	struct crypto_sync_skcipher *ctr;
	const char *ctr_simd, *gcm_simd;
	struct crypto_shash *hmac;
	struct crypto_aead *gcm;

	krtp_srtp_cpu_algs();

	/* the masks are those of the flows' allocations (krtp_srtp_stream_key) */
	ctr = crypto_alloc_sync_skcipher("ctr(aes)", 0, 0);
	if (!IS_ERR(ctr)) {
		krtp_srtp_algs.ctr = ctr;
		krtp_srtp_algs.ctr_name = crypto_skcipher_driver_name(&ctr->base);
	}
	gcm = crypto_alloc_aead("gcm(aes)", 0, CRYPTO_ALG_ASYNC);
	if (!IS_ERR(gcm)) {
		krtp_srtp_algs.gcm = gcm;
		krtp_srtp_algs.gcm_name = crypto_aead_driver_name(gcm);
	}
	hmac = crypto_alloc_shash("hmac(sha1)", 0, 0);
	if (!IS_ERR(hmac)) {
		krtp_srtp_algs.hmac = hmac;
		krtp_srtp_algs.hmac_name =
			crypto_tfm_alg_driver_name(crypto_shash_tfm(hmac));
	}
	ctr = crypto_alloc_sync_skcipher("__ctr(aes)", CRYPTO_ALG_INTERNAL,
					 CRYPTO_ALG_INTERNAL | CRYPTO_NOLOAD);
	if (!IS_ERR(ctr))
		krtp_srtp_algs.ctr_simd = ctr;
	gcm = crypto_alloc_aead("__gcm(aes)", CRYPTO_ALG_INTERNAL,
				CRYPTO_ALG_INTERNAL | CRYPTO_ALG_ASYNC |
				CRYPTO_NOLOAD);
	if (!IS_ERR(gcm))
		krtp_srtp_algs.gcm_simd = gcm;
	ctr_simd = krtp_srtp_alg_driver(KRTP_SRTP_ALG_AES_CM_SIMD);
	gcm_simd = krtp_srtp_alg_driver(KRTP_SRTP_ALG_GCM_SIMD);
	pr_debug("srtp algorithms: %s%s%s, %s%s%s, %s\n",
		 krtp_srtp_algs.ctr_name, ctr_simd ? " + " : "", ctr_simd ?: "",
		 krtp_srtp_algs.gcm_name, gcm_simd ? " + " : "", gcm_simd ?: "",
		 krtp_srtp_algs.hmac_name);
}

/**
 * krtp_srtp_alg_driver - the driver of an algorithm krtp.ko holds
 * @alg: which one
 *
 * For /sys/kernel/krtp/srtp/: an operator sees whether SRTP runs on the
 * CPU's AES-NI and SHA extensions or on the generic C code.
 *
 * Return: the driver name, or NULL when the load found none (no SIMD
 * implementation, or a kernel without the algorithm).
 */
const char *krtp_srtp_alg_driver(enum krtp_srtp_alg alg)
{
	/* the held ones' driver names are what flows allocate by (krtp_srtp_algs) */
	switch (alg) {
	case KRTP_SRTP_ALG_AES_CM:
		return krtp_srtp_algs.ctr ? krtp_srtp_algs.ctr_name : NULL;
	case KRTP_SRTP_ALG_AES_CM_SIMD:
		return krtp_srtp_algs.ctr_simd ?
		       crypto_skcipher_driver_name(&krtp_srtp_algs.ctr_simd->base) : NULL;
	case KRTP_SRTP_ALG_GCM:
		return krtp_srtp_algs.gcm ? krtp_srtp_algs.gcm_name : NULL;
	case KRTP_SRTP_ALG_GCM_SIMD:
		return krtp_srtp_algs.gcm_simd ?
		       crypto_aead_driver_name(krtp_srtp_algs.gcm_simd) : NULL;
	case KRTP_SRTP_ALG_HMAC_SHA1:
		return krtp_srtp_algs.hmac ? krtp_srtp_algs.hmac_name : NULL;
	}
	return NULL;
}

/**
 * krtp_srtp_exit - release what krtp_srtp_init() holds
 *
 * After the last flow is freed (the flows' transforms hold their own
 * references, so the order is for tidiness, not safety).
 */
void krtp_srtp_exit(void)
{
	crypto_free_aead(krtp_srtp_algs.gcm_simd);
	crypto_free_sync_skcipher(krtp_srtp_algs.ctr_simd);
	crypto_free_shash(krtp_srtp_algs.hmac);
	crypto_free_aead(krtp_srtp_algs.gcm);
	crypto_free_sync_skcipher(krtp_srtp_algs.ctr);
}

#ifdef DEBUG
#include "selftest/srtp.c"
#endif
