// SPDX-License-Identifier: GPL-2.0
/*
 * DTLS-SRTP sessions of WebRTC legs, with OpenSSL (see dtls.h).
 *
 * OpenSSL runs non-blocking over a BIO of krtpd's: its read hands out the
 * one datagram med_dtls_input() is feeding (and "retry" after it), its
 * write gives each datagram OpenSSL writes to the leg's send function,
 * one write a datagram. A handshake call that wants to read is called
 * again when the next datagram arrives; when DTLSv1_get_timeout() has
 * passed, DTLSv1_handle_timeout() retransmits the last flight (RFC 6347
 * section 4.2.4). OpenSSL gives up after 12 timeouts; krtpd after 30 s.
 *
 * A session belongs to its leg (webrtc.c) and is freed with it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/srtp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "internal.h"
#include "dtls.h"

#define MED_DTLS_MTU		1200	/* what WebRTC stacks assume (RFC 8831 section 5) */
#define MED_DTLS_TOTAL_MS	30000	/* a handshake that takes longer has failed */
#define MED_DTLS_EXPORTER	"EXTRACTOR-dtls_srtp"	/* RFC 5764 section 4.2 */

struct med_dtls {
	SSL *ssl;
	bool server, started, done, failed;
	enum sdp_fp_hash fp_hash;
	uint8_t fp[SDP_FP_MAX];
	size_t fp_len;
	const uint8_t *in;	/* the datagram the BIO hands out next, NULL: none */
	size_t inlen;
	med_dtls_send_fn send;
	void *arg;
	uint64_t deadline_ms;	/* retransmit then; 0: no flight waiting */
	uint64_t give_up_ms;	/* the handshake has failed then; 0: not started */
};

static BIO_METHOD *med_dtls_bio_method;

static int med_dtls_bio_read(BIO *b, char *buf, int size)
{
	struct med_dtls *d = BIO_get_data(b);
	size_t n;

	BIO_clear_retry_flags(b);
	if (!d->in || size <= 0) {
		BIO_set_retry_read(b);
		return -1;
	}
	n = d->inlen < (size_t)size ? d->inlen : (size_t)size;
	memcpy(buf, d->in, n);
	d->in = NULL;
	return (int)n;
}

static int med_dtls_bio_write(BIO *b, const char *buf, int len)
{
	struct med_dtls *d = BIO_get_data(b);

	BIO_clear_retry_flags(b);
	if (len > 0)
		d->send(d->arg, buf, (size_t)len);
	return len;	/* UDP: a lost datagram is retransmitted later */
}

static long med_dtls_bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	(void)b;
	(void)num;
	(void)ptr;
	switch (cmd) {
	case BIO_CTRL_FLUSH:
		return 1;
	case BIO_CTRL_DGRAM_QUERY_MTU:
	case BIO_CTRL_DGRAM_GET_FALLBACK_MTU:
		return MED_DTLS_MTU;
	default:
		return 0;	/* no peer address, no socket timeouts: the caller's */
	}
}

static int med_dtls_bio_create(BIO *b)
{
	BIO_set_init(b, 1);
	return 1;
}

static BIO *med_dtls_bio(struct med_dtls *d)
{
	BIO *b;

	if (!med_dtls_bio_method) {
		BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
					     "krtpd DTLS datagram");

		if (!m || !BIO_meth_set_read(m, med_dtls_bio_read) ||
		    !BIO_meth_set_write(m, med_dtls_bio_write) ||
		    !BIO_meth_set_ctrl(m, med_dtls_bio_ctrl) ||
		    !BIO_meth_set_create(m, med_dtls_bio_create)) {
			BIO_meth_free(m);
			return NULL;
		}
		med_dtls_bio_method = m;
	}
	b = BIO_new(med_dtls_bio_method);
	if (b)
		BIO_set_data(b, d);
	return b;
}

/* GCM first when whatever forwards the leg's media can use it (srtp.c) */
static const char *med_dtls_profiles(void)
{
	if (med_srtp_suite_usable(SDP_SRTP_AEAD_AES_128_GCM))
		return "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80:SRTP_AES128_CM_SHA1_32";
	return "SRTP_AES128_CM_SHA1_80:SRTP_AES128_CM_SHA1_32";
}

struct med_dtls *med_dtls_new(const struct med_dtls_cert *cert, bool server,
			      enum sdp_fp_hash fp_hash, const uint8_t *fp, size_t fp_len,
			      med_dtls_send_fn send, void *arg)
{
	struct med_dtls *d;
	BIO *b;

	if (!cert || fp_len > SDP_FP_MAX)
		return NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->server = server;
	d->fp_hash = fp_hash;
	memcpy(d->fp, fp, fp_len);
	d->fp_len = fp_len;
	d->send = send;
	d->arg = arg;
	/* SSL_new takes its own reference: a reload cannot free the context under us */
	d->ssl = SSL_new(cert->ctx);
	b = d->ssl ? med_dtls_bio(d) : NULL;
	/* SSL_set_tlsext_use_srtp returns 0 on success */
	if (!b || SSL_set_tlsext_use_srtp(d->ssl, med_dtls_profiles())) {
		med_log("media: cannot set up a DTLS session: %s", med_dtls_ssl_error());
		BIO_free(b);
		SSL_free(d->ssl);
		free(d);
		return NULL;
	}
	SSL_set_bio(d->ssl, b, b);	/* the session owns the BIO now */
	SSL_set_options(d->ssl, SSL_OP_NO_QUERY_MTU);
	SSL_set_mtu(d->ssl, MED_DTLS_MTU);
	if (server)
		SSL_set_accept_state(d->ssl);
	else
		SSL_set_connect_state(d->ssl);
	return d;
}

void med_dtls_free(struct med_dtls *d)
{
	if (!d)
		return;
	SSL_free(d->ssl);	/* frees the BIO and the session's keys */
	explicit_bzero(d, sizeof(*d));
	free(d);
}

bool med_dtls_done(const struct med_dtls *d)
{
	return d->done;
}

/* Does the peer's certificate hash to the SDP's fingerprint? */
static bool med_dtls_peer_ok(struct med_dtls *d)
{
	const EVP_MD *md[] = {
		[SDP_FP_SHA1] = EVP_sha1(), [SDP_FP_SHA256] = EVP_sha256(),
		[SDP_FP_SHA384] = EVP_sha384(), [SDP_FP_SHA512] = EVP_sha512(),
	};
	uint8_t h[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	X509 *peer;

	if (d->fp_hash <= SDP_FP_NONE || d->fp_hash > SDP_FP_SHA512)
		return false;
	peer = SSL_get0_peer_certificate(d->ssl);
	if (!peer || !X509_digest(peer, md[d->fp_hash], h, &n) || n != d->fp_len)
		return false;
	return !memcmp(h, d->fp, d->fp_len);
}

static int med_dtls_fail(struct med_dtls *d, const char *why)
{
	med_log("media: DTLS handshake failed: %s", why);
	d->failed = true;
	d->deadline_ms = 0;
	return -1;
}

/* One step of the handshake; the returns of med_dtls_input */
static int med_dtls_step(struct med_dtls *d, uint64_t now_ms)
{
	struct timeval tv;
	int r, e;

	if (!d->give_up_ms)
		d->give_up_ms = now_ms + MED_DTLS_TOTAL_MS;
	ERR_clear_error();
	r = SSL_do_handshake(d->ssl);
	if (r == 1) {
		d->deadline_ms = 0;
		if (!med_dtls_peer_ok(d)) {
			med_log("media: DTLS peer certificate does not match the SDP's a=fingerprint");
			d->failed = true;
			return -1;
		}
		d->done = true;
		return 1;
	}
	e = SSL_get_error(d->ssl, r);
	if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
		return med_dtls_fail(d, med_dtls_ssl_error());
	if (now_ms >= d->give_up_ms)
		return med_dtls_fail(d, "no answer within 30 s");
	/* a flight out: retransmit it then; else only the give-up time */
	if (DTLSv1_get_timeout(d->ssl, &tv) > 0)
		d->deadline_ms = now_ms + (uint64_t)tv.tv_sec * 1000 +
				 ((uint64_t)tv.tv_usec + 999) / 1000;
	else
		d->deadline_ms = d->give_up_ms;
	return 0;
}

void med_dtls_start(struct med_dtls *d, uint64_t now_ms)
{
	if (d->server || d->started || d->failed)
		return;
	d->started = true;
	med_dtls_step(d, now_ms);
}

int med_dtls_input(struct med_dtls *d, const uint8_t *buf, size_t len, uint64_t now_ms)
{
	uint8_t scratch[MED_DTLS_MTU];
	int r, e;

	if (d->failed)
		return -1;
	d->in = buf;
	d->inlen = len;
	if (!d->done) {
		d->started = true;
		r = med_dtls_step(d, now_ms);
		d->in = NULL;
		return r;
	}
	/* after the handshake: alerts (close_notify), or a retransmitted last flight */
	ERR_clear_error();
	r = SSL_read(d->ssl, scratch, sizeof(scratch));
	e = r > 0 ? SSL_ERROR_NONE : SSL_get_error(d->ssl, r);
	d->in = NULL;
	explicit_bzero(scratch, sizeof(scratch));
	if (e == SSL_ERROR_ZERO_RETURN || e == SSL_ERROR_SSL || e == SSL_ERROR_SYSCALL) {
		ERR_clear_error();
		d->failed = true;
		return -1;
	}
	return 0;
}

int med_dtls_tick(struct med_dtls *d, uint64_t now_ms)
{
	if (d->done || d->failed || !d->deadline_ms || now_ms < d->deadline_ms)
		return d->failed ? -1 : 0;
	if (now_ms >= d->give_up_ms)
		return med_dtls_fail(d, "no answer within 30 s");
	ERR_clear_error();
	if (DTLSv1_handle_timeout(d->ssl) < 0)
		return med_dtls_fail(d, med_dtls_ssl_error());
	return med_dtls_step(d, now_ms);
}

static void med_dtls_key(struct sdp_crypto *c, enum sdp_srtp_suite suite,
			 const uint8_t *key, const uint8_t *salt, size_t salt_len)
{
	memset(c, 0, sizeof(*c));
	c->suite = suite;
	memcpy(c->key, key, 16);
	memcpy(c->key + 16, salt, salt_len);
	c->key_len = 16 + salt_len;
}

int med_dtls_keys(struct med_dtls *d, struct sdp_crypto *peer, struct sdp_crypto *own)
{
	const SRTP_PROTECTION_PROFILE *prof;
	uint8_t mat[2 * SDP_SRTP_KEY_MAX];
	enum sdp_srtp_suite suite;
	const uint8_t *ck, *sk, *cs, *ss;
	size_t salt;

	prof = d->done ? SSL_get_selected_srtp_profile(d->ssl) : NULL;
	if (!prof)
		return -1;
	switch (prof->id) {
	case SRTP_AEAD_AES_128_GCM:	/* RFC 7714 section 12: 128-bit key, 96-bit salt */
		suite = SDP_SRTP_AEAD_AES_128_GCM;
		salt = 12;
		break;
	case SRTP_AES128_CM_SHA1_80:
		suite = SDP_SRTP_AES_CM_128_HMAC_SHA1_80;
		salt = 14;
		break;
	case SRTP_AES128_CM_SHA1_32:
		suite = SDP_SRTP_AES_CM_128_HMAC_SHA1_32;
		salt = 14;
		break;
	default:
		return -1;
	}
	if (16 + salt != sdp_srtp_key_len(suite))
		return -1;
	/* client key, server key, client salt, server salt (RFC 5764 section 4.2) */
	if (SSL_export_keying_material(d->ssl, mat, 2 * (16 + salt), MED_DTLS_EXPORTER,
				       strlen(MED_DTLS_EXPORTER), NULL, 0, 0) != 1) {
		med_log("media: DTLS-SRTP key export failed: %s", med_dtls_ssl_error());
		return -1;
	}
	ck = mat;
	sk = mat + 16;
	cs = mat + 32;
	ss = cs + salt;
	/* each side encrypts with its own write key */
	if (d->server) {
		med_dtls_key(peer, suite, ck, cs, salt);
		med_dtls_key(own, suite, sk, ss, salt);
	} else {
		med_dtls_key(peer, suite, sk, ss, salt);
		med_dtls_key(own, suite, ck, cs, salt);
	}
	explicit_bzero(mat, sizeof(mat));
	return 0;
}
