// SPDX-License-Identifier: GPL-2.0
/*
 * krtpd's DTLS certificate and the OpenSSL context every WebRTC leg's
 * session is made from (see dtls.h).
 *
 * The certificate is the operator's (dtls_certificate, dtls_private_key;
 * loaded by MED_Init, a file that does not load stops krtpd) or else a
 * self-signed ECDSA P-256 one made on first use. A generated one is new
 * at every start, and so is its fingerprint: calls re-adopted after a
 * restart do not mind (their DTLS session is not rebuilt, webrtc_state.c),
 * but a browser that kept the old fingerprint does not reconnect to it.
 *
 * Lifetime: made once, under med_lock, and kept until exit (every session
 * refers to the context).
 */
#include <errno.h>
#include <stdio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "internal.h"
#include "dtls.h"

static SSL_CTX *med_dtls_ctx_;
static char med_dtls_fp[8 + 32 * 3];

/* OpenSSL's reason for the last failure, for a log line */
const char *med_dtls_ssl_error(void)
{
	static char buf[160];
	unsigned long e = ERR_peek_last_error();

	if (!e)
		return "unknown error";
	ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	return buf;
}

/* the peer's certificate is self-signed: only its fingerprint is checked (dtls.c) */
static int med_dtls_verify(int ok, X509_STORE_CTX *ctx)
{
	(void)ok;
	(void)ctx;
	return 1;
}

/* a password-protected key is refused rather than asked for on a terminal */
static int med_dtls_no_password(char *buf, int size, int rw, void *u)
{
	(void)buf;
	(void)size;
	(void)rw;
	(void)u;
	return -1;
}

static X509 *med_dtls_self_signed(EVP_PKEY *key)
{
	X509 *crt = X509_new();
	X509_NAME *name;
	uint8_t serial[16];
	BIGNUM *bn = NULL;
	bool ok;

	if (!crt)
		return NULL;
	ok = RAND_bytes(serial, sizeof(serial)) == 1;
	serial[0] &= 0x7f;	/* a positive serial number (RFC 5280 4.1.2.2) */
	ok = ok && (bn = BN_bin2bn(serial, sizeof(serial), NULL)) &&
	     BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(crt));
	ok = ok && X509_set_version(crt, 2);	/* v3 */
	name = X509_get_subject_name(crt);
	ok = ok && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
					      (const unsigned char *)"krtpd", -1, -1, 0);
	ok = ok && X509_set_issuer_name(crt, name);
	/* browsers do not check the dates of a fingerprinted certificate; be generous anyway */
	ok = ok && X509_gmtime_adj(X509_getm_notBefore(crt), -86400);
	ok = ok && X509_gmtime_adj(X509_getm_notAfter(crt), 365L * 86400);
	ok = ok && X509_set_pubkey(crt, key);
	ok = ok && X509_sign(crt, key, EVP_sha256());
	BN_free(bn);
	if (!ok) {
		X509_free(crt);
		return NULL;
	}
	return crt;
}

/* the certificate and key of the files, or -errno with the reason logged */
static int med_dtls_load(const char *cert, const char *key, X509 **crt, EVP_PKEY **pkey)
{
	FILE *f = fopen(cert, "r");
	int err = errno;

	if (!f) {
		LOG_ERR("media: dtls_certificate %s: %s", cert, strerror(err));
		return -err;
	}
	*crt = PEM_read_X509(f, NULL, med_dtls_no_password, NULL);
	fclose(f);
	if (!*crt) {
		LOG_ERR("media: dtls_certificate %s: not a PEM certificate (%s)", cert,
			med_dtls_ssl_error());
		return -EINVAL;
	}
	f = fopen(key, "r");
	err = errno;
	if (!f) {
		LOG_ERR("media: dtls_private_key %s: %s", key, strerror(err));
		return -err;
	}
	*pkey = PEM_read_PrivateKey(f, NULL, med_dtls_no_password, NULL);
	fclose(f);
	if (!*pkey) {
		LOG_ERR("media: dtls_private_key %s: not an unencrypted PEM private key (%s)", key,
			med_dtls_ssl_error());
		return -EINVAL;
	}
	if (X509_check_private_key(*crt, *pkey) != 1) {
		ERR_clear_error();
		LOG_ERR("media: dtls_private_key %s is not the key of dtls_certificate %s", key,
			cert);
		return -EINVAL;
	}
	return 0;
}

/* make the context of crt and key and note the fingerprint; 0 or -EIO */
static int med_dtls_ctx_make(X509 *crt, EVP_PKEY *key, const char *from)
{
	uint8_t fp[EVP_MAX_MD_SIZE];
	unsigned int fplen = 0;
	SSL_CTX *ctx;
	int n;

	ctx = SSL_CTX_new(DTLS_method());
	if (!ctx || !SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) ||
	    !SSL_CTX_use_certificate(ctx, crt) || !SSL_CTX_use_PrivateKey(ctx, key) ||
	    !SSL_CTX_check_private_key(ctx) || !X509_digest(crt, EVP_sha256(), fp, &fplen)) {
		med_log("media: cannot set up DTLS with %s: %s", from, med_dtls_ssl_error());
		SSL_CTX_free(ctx);
		return -EIO;
	}
	/* ask for the client's certificate, whose fingerprint the SDP gave */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
			   med_dtls_verify);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	n = snprintf(med_dtls_fp, sizeof(med_dtls_fp), "sha-256 ");
	for (unsigned int i = 0; i < fplen; i++)
		n += snprintf(med_dtls_fp + n, sizeof(med_dtls_fp) - (size_t)n, "%s%02X",
			      i ? ":" : "", fp[i]);
	med_dtls_ctx_ = ctx;
	LOG_INFO("media: DTLS certificate %s, fingerprint %s", from, med_dtls_fp);
	return 0;
}

int med_dtls_init(const char *cert, const char *key)
{
	X509 *crt = NULL;
	EVP_PKEY *pkey = NULL;
	char from[300];
	int err;

	if (med_dtls_ctx_ || !cert || !cert[0])
		return 0;	/* a generated one, made on first use */
	err = med_dtls_load(cert, key && key[0] ? key : cert, &crt, &pkey);
	if (!err) {
		snprintf(from, sizeof(from), "from %s", cert);
		err = med_dtls_ctx_make(crt, pkey, from);
	}
	X509_free(crt);
	EVP_PKEY_free(pkey);
	return err;
}

SSL_CTX *med_dtls_ctx(void)
{
	EVP_PKEY *key;
	X509 *crt = NULL;

	if (med_dtls_ctx_)
		return med_dtls_ctx_;
	key = EVP_EC_gen("P-256");
	if (key)
		crt = med_dtls_self_signed(key);
	if (!crt)
		med_log("media: cannot make the DTLS certificate: %s", med_dtls_ssl_error());
	else
		med_dtls_ctx_make(crt, key, "made");
	X509_free(crt);
	EVP_PKEY_free(key);
	return med_dtls_ctx_;
}

const char *med_dtls_fingerprint(void)
{
	return med_dtls_ctx() ? med_dtls_fp : NULL;
}
