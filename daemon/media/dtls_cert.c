// SPDX-License-Identifier: GPL-2.0
/*
 * krtpd's DTLS certificate and the OpenSSL context every WebRTC leg's
 * session is made from (see dtls.h).
 *
 * The certificate is the operator's (dtls_certificate, dtls_private_key;
 * loaded by MED_Init, a file that does not load stops krtpd) or else a
 * self-signed ECDSA P-256 one made on first use and kept, with its key, in
 * the state store (mode 0600, like the SRTP keys there): the next start
 * takes it back, so browsers see the same fingerprint and restarted WebRTC
 * calls can take their keys back (webrtc_state.c). It is made anew when
 * there is no store, when the kept one does not load, or when it has less
 * than 30 days to run (a year when made).
 *
 * SIGHUP (MED_DtlsReload) loads the operator's files again. Files that do
 * not load leave the certificate in use, with the reason logged; krtpd
 * goes on. A generated certificate is kept as it is: a new one would only
 * give new calls another fingerprint than the calls already up.
 *
 * Lifetime, all under med_lock: med_dtls_cur holds one reference to the
 * current certificate, and each call that has a WebRTC leg holds one to
 * the certificate it was first shown (media.c drops it with the call), so
 * a reload never changes the fingerprint a call's offers, answers and
 * sessions use. The last reference frees the struct and drops its
 * SSL_CTX; OpenSSL counts those too (SSL_new takes a reference, SSL_free
 * drops it), so a context outlives every session made from it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "../store.h"
#include "internal.h"
#include "dtls.h"

static struct med_dtls_cert *med_dtls_cur;

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

/* the certificate of crt and key, with one reference; NULL with the reason logged */
static struct med_dtls_cert *med_dtls_cert_make(X509 *crt, EVP_PKEY *key, const char *from)
{
	uint8_t fp[EVP_MAX_MD_SIZE];
	unsigned int fplen = 0;
	struct med_dtls_cert *c;
	SSL_CTX *ctx;
	int n;

	c = calloc(1, sizeof(*c));
	ctx = c ? SSL_CTX_new(DTLS_method()) : NULL;
	if (!ctx || !SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) ||
	    !SSL_CTX_use_certificate(ctx, crt) || !SSL_CTX_use_PrivateKey(ctx, key) ||
	    !SSL_CTX_check_private_key(ctx) || !X509_digest(crt, EVP_sha256(), fp, &fplen)) {
		LOG_ERR("media: cannot set up DTLS with the certificate %s: %s", from,
			med_dtls_ssl_error());
		SSL_CTX_free(ctx);
		free(c);
		return NULL;
	}
	/* ask for the client's certificate, whose fingerprint the SDP gave */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
			   med_dtls_verify);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	n = snprintf(c->fp, sizeof(c->fp), "sha-256 ");
	for (unsigned int i = 0; i < fplen; i++)
		n += snprintf(c->fp + n, sizeof(c->fp) - (size_t)n, "%s%02X", i ? ":" : "", fp[i]);
	c->ctx = ctx;
	c->refs = 1;
	return c;
}

/*
 * *out: the certificate of the operator's files, with one reference. 0, or
 * -errno with the reason logged (naming the file) and *out NULL.
 */
static int med_dtls_cert_load(const char *cert, const char *key, const char *what,
			      struct med_dtls_cert **out)
{
	EVP_PKEY *pkey = NULL;
	X509 *crt = NULL;
	char from[300];
	int err;

	*out = NULL;
	err = med_dtls_load(cert, key && key[0] ? key : cert, &crt, &pkey);
	if (!err) {
		snprintf(from, sizeof(from), "%s %s", what, cert);
		*out = med_dtls_cert_make(crt, pkey, from);
		if (*out)
			LOG_INFO("media: DTLS certificate %s, fingerprint %s", from, (*out)->fp);
		else
			err = -EIO;
	}
	X509_free(crt);
	EVP_PKEY_free(pkey);
	return err;
}

int med_dtls_init(const char *cert, const char *key)
{
	if (med_dtls_cur || !cert || !cert[0])
		return 0;	/* a generated one, made on first use */
	return med_dtls_cert_load(cert, key, "from", &med_dtls_cur);
}

void med_dtls_fini(void)
{
	/* calls still up keep theirs; MED_Fini destroyed them all */
	med_dtls_cert_put(med_dtls_cur);
	med_dtls_cur = NULL;
}

int med_dtls_reload(const char *cert, const char *key)
{
	struct med_dtls_cert *c;
	int err;

	if (!cert || !cert[0]) {
		LOG_DEBUG("media: no dtls_certificate: the generated DTLS certificate stays");
		return 1;
	}
	err = med_dtls_cert_load(cert, key, "reloaded from", &c);
	if (err) {
		if (med_dtls_cur)
			LOG_ERR("media: dtls_certificate %s not reloaded, the one in use stays: fingerprint %s",
				cert, med_dtls_cur->fp);
		return err;
	}
	/* calls up keep theirs: this drops only the reference of "current" */
	med_dtls_cert_put(med_dtls_cur);
	med_dtls_cur = c;
	return 0;
}

int MED_DtlsReload(void)
{
	int r = -ENODEV;

	pthread_mutex_lock(&med_lock);
	if (med_running())
		r = med_dtls_reload(med_cfg.dtls_certificate, med_cfg.dtls_private_key);
	pthread_mutex_unlock(&med_lock);
	return r < 0 ? r : 0;
}

/* keep a generated certificate and its key in the state store; 0 or -errno */
static int med_dtls_keep(X509 *crt, EVP_PKEY *key)
{
	BIO *cb = BIO_new(BIO_s_mem()), *kb = BIO_new(BIO_s_mem());
	char *cert = NULL, *pkey = NULL;
	long cn = 0, kn = 0;
	int err = -ENOMEM;

	if (cb && kb && PEM_write_bio_X509(cb, crt) &&
	    PEM_write_bio_PrivateKey(kb, key, NULL, NULL, 0, NULL, NULL) &&
	    BIO_write(cb, "", 1) == 1 && BIO_write(kb, "", 1) == 1) {
		cn = BIO_get_mem_data(cb, &cert);
		kn = BIO_get_mem_data(kb, &pkey);
	}
	if (cn > 0 && kn > 0)
		err = STO_DtlsCertPut(cert, pkey);
	if (kn > 0)
		OPENSSL_cleanse(pkey, (size_t)kn);
	BIO_free(cb);
	BIO_free(kb);
	return err;
}

/*
 * The generated certificate a previous start kept, if it loads, its key is
 * its own and it is good for another 30 days; else NULL.
 */
static struct med_dtls_cert *med_dtls_kept(void)
{
	char *cert, *pkey;
	BIO *cb = NULL, *kb = NULL;
	X509 *crt = NULL;
	EVP_PKEY *key = NULL;
	struct med_dtls_cert *c = NULL;
	time_t soon = time(NULL) + 30L * 86400;
	int err = STO_DtlsCertGet(&cert, &pkey);

	if (err) {
		if (err != -ENOENT && err != -ENODEV)
			LOG_ERR("media: cannot read the kept DTLS certificate: %s", strerror(-err));
		return NULL;
	}
	cb = BIO_new_mem_buf(cert, -1);
	kb = BIO_new_mem_buf(pkey, -1);
	if (cb && kb) {
		crt = PEM_read_bio_X509(cb, NULL, NULL, NULL);
		key = PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL);
	}
	if (!crt || !key || X509_check_private_key(crt, key) != 1)
		LOG_WARN("media: the DTLS certificate in the state store does not load: a new one is made");
	else if (X509_cmp_time(X509_get0_notAfter(crt), &soon) <= 0)
		LOG_INFO("media: the DTLS certificate in the state store expires within 30 days: a new one is made");
	else
		c = med_dtls_cert_make(crt, key, "from the state store");
	if (c)
		LOG_INFO("media: DTLS certificate from the state store, fingerprint %s", c->fp);
	BIO_free(cb);
	BIO_free(kb);
	X509_free(crt);
	EVP_PKEY_free(key);
	OPENSSL_cleanse(pkey, strlen(pkey));
	free(pkey);
	free(cert);
	return c;
}

/* a new self-signed certificate, kept in the state store when there is one */
static struct med_dtls_cert *med_dtls_generate(void)
{
	struct med_dtls_cert *c = NULL;
	EVP_PKEY *key;
	X509 *crt = NULL;
	int err;

	key = EVP_EC_gen("P-256");
	if (key)
		crt = med_dtls_self_signed(key);
	if (!crt)
		LOG_ERR("media: cannot make the DTLS certificate: %s", med_dtls_ssl_error());
	else
		c = med_dtls_cert_make(crt, key, "made");
	if (c) {
		LOG_INFO("media: DTLS certificate made, fingerprint %s", c->fp);
		err = med_dtls_keep(crt, key);
		if (err && err != -ENODEV)
			LOG_WARN("media: cannot keep the DTLS certificate in the state store (%s): after a restart browsers see a new fingerprint",
				 strerror(-err));
	}
	X509_free(crt);
	EVP_PKEY_free(key);
	return c;
}

/*
 * The current certificate; no reference taken. Without dtls_certificate,
 * the one a previous start made and kept in the state store, else a new
 * one (kept there). Made on first use, not at start: only WebRTC needs it.
 */
static struct med_dtls_cert *med_dtls_current(void)
{
	if (!med_dtls_cur)
		med_dtls_cur = med_dtls_kept();
	if (!med_dtls_cur)
		med_dtls_cur = med_dtls_generate();
	return med_dtls_cur;
}

struct med_dtls_cert *med_dtls_cert_get(void)
{
	struct med_dtls_cert *c = med_dtls_current();

	if (c)
		c->refs++;
	return c;
}

void med_dtls_cert_put(struct med_dtls_cert *c)
{
	if (!c || --c->refs)
		return;
	/* sessions made from it hold their own reference to the context */
	SSL_CTX_free(c->ctx);
	free(c);
}

