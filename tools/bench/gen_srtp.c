// SPDX-License-Identifier: GPL-2.0
/*
 * gen --srtp: the SRTP sender of the generator, so the relay's decrypt and
 * bridge cases get valid SRTP with fresh indexes (the replay window drops
 * anything sent twice).
 *
 * AES_CM_128_HMAC_SHA1_80 and _32 are libsrtp2's. Debian's libsrtp2 is
 * built without AES-GCM, so AEAD_AES_128_GCM (RFC 7714) is OpenSSL's
 * AES-GCM and AES-CTR (the RFC 3711 key derivation) with the packet layout
 * around them, as tests/tools/srtpcheck.c's reference does. One SSRC, one
 * direction, packets in order: all the generator needs.
 *
 * gen protects every packet before its timed window starts, so none of
 * this is in the figures.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <srtp2/srtp.h>

#include "gen_srtp.h"

/* the SRTP session keys of RFC 7714, derived from the master key */
struct gen_gcm {
	uint8_t key[16], salt[12];
	uint32_t roc;
	int last_seq;			/* -1: none yet */
};

static struct {
	bool gcm;
	srtp_t s;			/* AES-CM suites */
	struct gen_gcm g;		/* GCM */
	unsigned int tag_len;
} gen_srtp;

static int gen_hex(const char *s, uint8_t *out, size_t len)
{
	size_t i;

	if (strlen(s) != 2 * len)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		unsigned int b;

		if (sscanf(s + 2 * i, "%2x", &b) != 1)
			return -EINVAL;
		out[i] = b;
	}
	return 0;
}

/* RFC 3711 4.3.1 with kdr 0: label 0 the key, label 2 the salt */
static int gen_gcm_init(struct gen_gcm *g, const uint8_t *master, uint64_t first)
{
	uint8_t zero[16] = { 0 };
	int label, n, ok = 1;

	memset(g, 0, sizeof(*g));
	for (label = 0; label < 3; label += 2) {
		EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
		uint8_t iv[16] = { 0 }, out[16];

		if (!c)
			return -ENOMEM;
		memcpy(iv, master + 16, 12);
		iv[7] ^= label;
		ok &= EVP_EncryptInit_ex(c, EVP_aes_128_ctr(), NULL, master, iv) &&
		      EVP_EncryptUpdate(c, out, &n, zero, 16);
		EVP_CIPHER_CTX_free(c);
		memcpy(label ? g->salt : g->key, out, label ? 12 : 16);
	}
	g->roc = first >> 16;
	g->last_seq = -1;
	return ok ? 0 : -EINVAL;
}

/* RFC 7714 8.1: the header is the AAD, the tag follows the payload */
static int gen_gcm_protect(struct gen_gcm *g, uint8_t *p, int *len)
{
	uint16_t seq = p[2] << 8 | p[3];
	uint8_t iv[12];
	uint64_t index;
	EVP_CIPHER_CTX *c;
	int i, n, ok, body = *len - 12;

	if (g->last_seq >= 0 && seq < g->last_seq && g->last_seq - seq > 32768)
		g->roc++;
	g->last_seq = seq;
	index = (uint64_t)g->roc << 16 | seq;
	iv[0] = iv[1] = 0;
	memcpy(iv + 2, p + 8, 4);
	for (i = 0; i < 6; i++)
		iv[6 + i] = index >> (40 - 8 * i);
	for (i = 0; i < 12; i++)
		iv[i] ^= g->salt[i];

	c = EVP_CIPHER_CTX_new();
	if (!c)
		return -ENOMEM;
	ok = EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), NULL, g->key, iv) &&
	     EVP_EncryptUpdate(c, NULL, &n, p, 12) &&
	     EVP_EncryptUpdate(c, p + 12, &n, p + 12, body) &&
	     EVP_EncryptFinal_ex(c, p + 12 + body, &n) &&
	     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, p + 12 + body);
	EVP_CIPHER_CTX_free(c);
	if (!ok)
		return -EINVAL;
	*len = 12 + body + 16;
	return 0;
}

int gen_srtp_init(const char *spec, uint32_t ssrc, uint64_t first)
{
	uint8_t master[16 + 14];
	srtp_policy_t pol;
	const char *hex = strchr(spec, ':');

	if (!hex)
		return -EINVAL;
	hex++;
	if (!strncmp(spec, "gcm:", 4)) {
		gen_srtp.gcm = true;
		gen_srtp.tag_len = 16;
		if (gen_hex(hex, master, 16 + 12))
			return -EINVAL;
		return gen_gcm_init(&gen_srtp.g, master, first);
	}

	memset(&pol, 0, sizeof(pol));
	if (!strncmp(spec, "aes80:", 6)) {
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtp);
		gen_srtp.tag_len = 10;
	} else if (!strncmp(spec, "aes32:", 6)) {
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&pol.rtp);
		gen_srtp.tag_len = 4;
	} else {
		return -EINVAL;
	}
	srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtcp);
	if (gen_hex(hex, master, sizeof(master)))
		return -EINVAL;
	if (srtp_init() != srtp_err_status_ok)
		return -EINVAL;
	pol.ssrc.type = ssrc_specific;
	pol.ssrc.value = ssrc;
	pol.key = master;
	pol.window_size = 128;
	if (srtp_create(&gen_srtp.s, &pol) != srtp_err_status_ok)
		return -EINVAL;
	/* a run that goes on from an earlier one starts in its rollover period */
	if (srtp_set_stream_roc(gen_srtp.s, ssrc, first >> 16) != srtp_err_status_ok)
		return -EINVAL;
	return 0;
}

unsigned int gen_srtp_tag_len(void)
{
	return gen_srtp.tag_len;
}

int gen_srtp_protect(uint8_t *rtp, int *len)
{
	if (gen_srtp.gcm)
		return gen_gcm_protect(&gen_srtp.g, rtp, len);
	return srtp_protect(gen_srtp.s, rtp, len) == srtp_err_status_ok ? 0 : -EINVAL;
}
