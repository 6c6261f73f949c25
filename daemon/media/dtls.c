// SPDX-License-Identifier: GPL-2.0
/*
 * DTLS-SRTP sessions of WebRTC legs, with GnuTLS (see dtls.h).
 *
 * GnuTLS runs non-blocking over custom transport functions: pull hands it
 * the one datagram med_dtls_input() is feeding (and EAGAIN after it), push
 * gives what it writes to the leg's send function. A handshake call that
 * returns GNUTLS_E_AGAIN is called again when the next datagram arrives or
 * when gnutls_dtls_get_timeout() has passed; that later call retransmits
 * the last flight (RFC 6347 section 4.2.4).
 *
 * Lifetime: the certificate and its credentials are made once, under
 * med_lock, and kept until exit (every session refers to them). A session
 * belongs to its leg (webrtc.c) and is freed with it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <gnutls/crypto.h>
#include <gnutls/dtls.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "internal.h"
#include "dtls.h"

#define MED_DTLS_MTU		1200	/* what WebRTC stacks assume (RFC 8831 section 5) */
#define MED_DTLS_RETRANS_MS	1000	/* first retransmission, doubling (RFC 6347 4.2.4.1) */
#define MED_DTLS_TOTAL_MS	30000	/* a handshake that takes longer has failed */

struct med_dtls {
	gnutls_session_t s;
	bool server, started, done, failed;
	enum sdp_fp_hash fp_hash;
	uint8_t fp[SDP_FP_MAX];
	size_t fp_len;
	const uint8_t *in;	/* the datagram pull hands out next, NULL: none */
	size_t inlen;
	med_dtls_send_fn send;
	void *arg;
	uint64_t deadline_ms;	/* call the handshake again then; 0: not waiting */
};

/* made on first use, kept until exit (sessions refer to it) */
static gnutls_certificate_credentials_t med_dtls_cred;
static char med_dtls_fp[8 + 32 * 3];

static int med_dtls_make_cert(void)
{
	gnutls_x509_privkey_t key = NULL;
	gnutls_x509_crt_t crt = NULL;
	uint8_t serial[16], fp[32];
	size_t fplen = sizeof(fp);
	time_t now = time(NULL);
	int r, n;

	r = gnutls_x509_privkey_init(&key);
	if (!r)
		r = gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
						 GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0);
	if (!r)
		r = gnutls_x509_crt_init(&crt);
	if (!r)
		r = gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof(serial));
	serial[0] &= 0x7f;	/* a positive serial number (RFC 5280 4.1.2.2) */
	if (!r)
		r = gnutls_x509_crt_set_version(crt, 3);
	if (!r)
		r = gnutls_x509_crt_set_serial(crt, serial, sizeof(serial));
	if (!r)
		r = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, "krtpd", 5);
	if (!r)
		r = gnutls_x509_crt_set_issuer_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0,
							 "krtpd", 5);
	/* browsers do not check the dates of a fingerprinted certificate; be generous anyway */
	if (!r)
		r = gnutls_x509_crt_set_activation_time(crt, now - 86400);
	if (!r)
		r = gnutls_x509_crt_set_expiration_time(crt, now + 365 * 86400);
	if (!r)
		r = gnutls_x509_crt_set_key(crt, key);
	if (!r)
		r = gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0);
	if (!r)
		r = gnutls_x509_crt_get_fingerprint(crt, GNUTLS_DIG_SHA256, fp, &fplen);
	if (!r)
		r = gnutls_certificate_allocate_credentials(&med_dtls_cred);
	if (!r) {
		r = gnutls_certificate_set_x509_key(med_dtls_cred, &crt, 1, key);
		if (r) {
			gnutls_certificate_free_credentials(med_dtls_cred);
			med_dtls_cred = NULL;
		}
	}
	if (r) {
		med_log("media: cannot make the DTLS certificate: %s", gnutls_strerror(r));
	} else {
		n = snprintf(med_dtls_fp, sizeof(med_dtls_fp), "sha-256 ");
		for (size_t i = 0; i < fplen; i++)
			n += snprintf(med_dtls_fp + n, sizeof(med_dtls_fp) - (size_t)n, "%s%02X",
				      i ? ":" : "", fp[i]);
		LOG_INFO("media: DTLS certificate made, fingerprint %s", med_dtls_fp);
	}
	if (crt)
		gnutls_x509_crt_deinit(crt);
	if (key)
		gnutls_x509_privkey_deinit(key);
	return r ? -EIO : 0;
}

const char *med_dtls_fingerprint(void)
{
	if (!med_dtls_cred && med_dtls_make_cert())
		return NULL;
	return med_dtls_fp;
}

static ssize_t med_dtls_pull(gnutls_transport_ptr_t p, void *buf, size_t size)
{
	struct med_dtls *d = p;
	size_t n;

	if (!d->in) {
		gnutls_transport_set_errno(d->s, EAGAIN);
		return -1;
	}
	n = d->inlen < size ? d->inlen : size;
	memcpy(buf, d->in, n);
	d->in = NULL;
	return (ssize_t)n;
}

/* is a datagram waiting? GnuTLS asks before it reads; it never waits here */
static int med_dtls_pull_timeout(gnutls_transport_ptr_t p, unsigned int ms)
{
	struct med_dtls *d = p;

	(void)ms;
	return d->in ? 1 : 0;
}

static ssize_t med_dtls_push(gnutls_transport_ptr_t p, const void *buf, size_t size)
{
	struct med_dtls *d = p;

	d->send(d->arg, buf, size);
	return (ssize_t)size;	/* UDP: a lost datagram is retransmitted later */
}

struct med_dtls *med_dtls_new(bool server, enum sdp_fp_hash fp_hash, const uint8_t *fp,
			      size_t fp_len, med_dtls_send_fn send, void *arg)
{
	struct med_dtls *d;
	const char *err = NULL;
	int r;

	if (!med_dtls_fingerprint() || fp_len > SDP_FP_MAX)
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
	r = gnutls_init(&d->s, (server ? GNUTLS_SERVER : GNUTLS_CLIENT) | GNUTLS_DATAGRAM |
			GNUTLS_NONBLOCK | GNUTLS_NO_SIGNAL);
	if (r) {
		free(d);
		return NULL;
	}
	r = gnutls_set_default_priority(d->s);
	if (!r)
		r = gnutls_credentials_set(d->s, GNUTLS_CRD_CERTIFICATE, med_dtls_cred);
	/* RFC 5764 section 4.1.2: AES-CM with the 80-bit tag first, as browsers do */
	if (!r)
		r = gnutls_srtp_set_profile_direct(d->s, "SRTP_AES128_CM_HMAC_SHA1_80:"
						   "SRTP_AES128_CM_HMAC_SHA1_32", &err);
	if (r) {
		med_log("media: cannot set up a DTLS session: %s", gnutls_strerror(r));
		gnutls_deinit(d->s);
		free(d);
		return NULL;
	}
	/* the peer's certificate is self-signed: only its fingerprint is checked, below */
	if (server)
		gnutls_certificate_server_set_request(d->s, GNUTLS_CERT_REQUIRE);
	gnutls_dtls_set_mtu(d->s, MED_DTLS_MTU);
	gnutls_dtls_set_timeouts(d->s, MED_DTLS_RETRANS_MS, MED_DTLS_TOTAL_MS);
	gnutls_transport_set_ptr(d->s, d);
	gnutls_transport_set_pull_function(d->s, med_dtls_pull);
	gnutls_transport_set_pull_timeout_function(d->s, med_dtls_pull_timeout);
	gnutls_transport_set_push_function(d->s, med_dtls_push);
	return d;
}

void med_dtls_free(struct med_dtls *d)
{
	if (!d)
		return;
	gnutls_deinit(d->s);	/* frees the session's keys */
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
	static const gnutls_digest_algorithm_t alg[] = {
		[SDP_FP_SHA1] = GNUTLS_DIG_SHA1, [SDP_FP_SHA256] = GNUTLS_DIG_SHA256,
		[SDP_FP_SHA384] = GNUTLS_DIG_SHA384, [SDP_FP_SHA512] = GNUTLS_DIG_SHA512,
	};
	const gnutls_datum_t *peers;
	unsigned int n = 0;
	uint8_t h[SDP_FP_MAX];

	if (d->fp_hash <= SDP_FP_NONE || d->fp_hash > SDP_FP_SHA512)
		return false;
	peers = gnutls_certificate_get_peers(d->s, &n);
	if (!peers || !n || gnutls_hash_get_len(alg[d->fp_hash]) != d->fp_len)
		return false;
	if (gnutls_hash_fast(alg[d->fp_hash], peers[0].data, peers[0].size, h))
		return false;
	return !memcmp(h, d->fp, d->fp_len);
}

/* One step of the handshake; the returns of med_dtls_input */
static int med_dtls_step(struct med_dtls *d, uint64_t now_ms)
{
	int r = gnutls_handshake(d->s);

	if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) {
		d->deadline_ms = now_ms + gnutls_dtls_get_timeout(d->s);
		return 0;
	}
	d->deadline_ms = 0;
	if (r < 0 && !gnutls_error_is_fatal(r))
		return 0;	/* a warning alert, or a stray record: wait for more */
	if (r < 0) {
		med_log("media: DTLS handshake failed: %s", gnutls_strerror(r));
		d->failed = true;
		return -1;
	}
	if (!med_dtls_peer_ok(d)) {
		med_log("media: DTLS peer certificate does not match the SDP's a=fingerprint");
		d->failed = true;
		return -1;
	}
	d->done = true;
	return 1;
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
	ssize_t r;

	if (d->failed)
		return -1;
	d->in = buf;
	d->inlen = len;
	if (!d->done) {
		d->started = true;
		r = med_dtls_step(d, now_ms);
		d->in = NULL;
		return (int)r;
	}
	/* after the handshake: alerts (close_notify), or a retransmitted last flight */
	r = gnutls_record_recv(d->s, scratch, sizeof(scratch));
	d->in = NULL;
	explicit_bzero(scratch, sizeof(scratch));
	if (r == 0 || (r < 0 && gnutls_error_is_fatal((int)r))) {
		d->failed = true;
		return -1;
	}
	return 0;
}

int med_dtls_tick(struct med_dtls *d, uint64_t now_ms)
{
	if (d->done || d->failed || !d->deadline_ms || now_ms < d->deadline_ms)
		return d->failed ? -1 : 0;
	return med_dtls_step(d, now_ms);
}

static void med_dtls_key(struct sdp_crypto *c, enum sdp_srtp_suite suite,
			 const gnutls_datum_t *key, const gnutls_datum_t *salt)
{
	memset(c, 0, sizeof(*c));
	c->suite = suite;
	memcpy(c->key, key->data, key->size);
	memcpy(c->key + key->size, salt->data, salt->size);
	c->key_len = key->size + salt->size;
}

int med_dtls_keys(struct med_dtls *d, struct sdp_crypto *peer, struct sdp_crypto *own)
{
	gnutls_datum_t ck, cs, sk, ss;
	uint8_t mat[2 * SDP_SRTP_KEY_MAX];
	gnutls_srtp_profile_t prof;
	enum sdp_srtp_suite suite;
	int r;

	if (!d->done || gnutls_srtp_get_selected_profile(d->s, &prof))
		return -1;
	switch (prof) {
	case GNUTLS_SRTP_AES128_CM_HMAC_SHA1_80:
		suite = SDP_SRTP_AES_CM_128_HMAC_SHA1_80;
		break;
	case GNUTLS_SRTP_AES128_CM_HMAC_SHA1_32:
		suite = SDP_SRTP_AES_CM_128_HMAC_SHA1_32;
		break;
	default:
		return -1;
	}
	r = gnutls_srtp_get_keys(d->s, mat, sizeof(mat), &ck, &cs, &sk, &ss);
	if (r < 0 || ck.size + cs.size != sdp_srtp_key_len(suite) ||
	    sk.size + ss.size != sdp_srtp_key_len(suite)) {
		explicit_bzero(mat, sizeof(mat));
		return -1;
	}
	/* RFC 5764 section 4.2: each side encrypts with its own write key */
	if (d->server) {
		med_dtls_key(peer, suite, &ck, &cs);
		med_dtls_key(own, suite, &sk, &ss);
	} else {
		med_dtls_key(peer, suite, &sk, &ss);
		med_dtls_key(own, suite, &ck, &cs);
	}
	explicit_bzero(mat, sizeof(mat));
	return 0;
}
