// SPDX-License-Identifier: GPL-2.0
/*
 * TLS sessions with GnuTLS. Sessions are non-blocking (GNUTLS_NONBLOCK) and
 * never raise SIGPIPE (GNUTLS_NO_SIGNAL); GnuTLS reads and writes the fd
 * itself, conn.c only waits for the direction TLS_WantWrite() names.
 *
 * Credentials are reference-counted: a session keeps the certificate it
 * started with, so TLS_Reload() can swap in a new one while old sessions
 * finish on the old (GnuTLS requires credentials to outlive their sessions).
 *
 * The protocol floor is not left to the priority string: ":-VERS-TLS1.1:
 * -VERS-TLS1.0:-VERS-SSL3.0" is appended to whatever is configured, so no
 * configuration can bring back TLS below 1.2 (RFC 8996).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "../log.h"
#include "tls.h"

struct tls_creds {
	gnutls_certificate_credentials_t x;
	unsigned int refs;
};

struct tls_sess {
	gnutls_session_t s;
	struct tls_creds *cr;
	int done;			/* handshake finished */
	int counted;			/* a failure was already counted */
	int client;
	char host[64];			/* client side: the name we verify */
};

static struct {
	char certificate[256], private_key[256], ca_file[256];
	int verify;
} tls_cfg;
static struct tls_creds *tls_server, *tls_client;
static gnutls_priority_t tls_prio;
static struct tls_stats tls_stats;
static int tls_inited;

static void tls_creds_put(struct tls_creds *cr)
{
	if (cr && !--cr->refs) {
		gnutls_certificate_free_credentials(cr->x);
		free(cr);
	}
}

static struct tls_creds *tls_creds_new(void)
{
	struct tls_creds *cr = calloc(1, sizeof(*cr));

	if (!cr)
		return NULL;
	if (gnutls_certificate_allocate_credentials(&cr->x) < 0) {
		free(cr);
		return NULL;
	}
	cr->refs = 1;
	return cr;
}

/* the certificate and key, or NULL after logging why not */
static struct tls_creds *tls_load_server(void)
{
	struct tls_creds *cr = tls_creds_new();
	int r;

	if (!cr)
		return NULL;
	r = gnutls_certificate_set_x509_key_file(cr->x, tls_cfg.certificate, tls_cfg.private_key,
						 GNUTLS_X509_FMT_PEM);
	if (r < 0) {
		LOG_ERR("tls: cannot load certificate %s with key %s: %s", tls_cfg.certificate,
			tls_cfg.private_key, gnutls_strerror(r));
		tls_creds_put(cr);
		return NULL;
	}
	return cr;
}

int TLS_Init(const struct tls_config *cfg)
{
	char prio[600];
	const char *err = NULL;
	int r;

	memset(&tls_stats, 0, sizeof(tls_stats));
	snprintf(tls_cfg.certificate, sizeof(tls_cfg.certificate), "%s",
		 cfg->certificate ? cfg->certificate : "");
	snprintf(tls_cfg.private_key, sizeof(tls_cfg.private_key), "%s",
		 cfg->private_key && cfg->private_key[0] ? cfg->private_key : tls_cfg.certificate);
	snprintf(tls_cfg.ca_file, sizeof(tls_cfg.ca_file), "%s",
		 cfg->ca_file && cfg->ca_file[0] ? cfg->ca_file : TLS_DEFAULT_CA);
	tls_cfg.verify = cfg->verify;

	snprintf(prio, sizeof(prio), "%s:-VERS-TLS1.1:-VERS-TLS1.0:-VERS-SSL3.0",
		 cfg->priority && cfg->priority[0] ? cfg->priority : TLS_DEFAULT_PRIORITY);
	r = gnutls_priority_init(&tls_prio, prio, &err);
	if (r < 0) {
		LOG_ERR("tls: bad tls_priority near \"%s\": %s", err ? err : "", gnutls_strerror(r));
		return -EINVAL;
	}
	if (tls_cfg.certificate[0]) {
		tls_server = tls_load_server();
		if (!tls_server)
			goto err_prio;
	}
	tls_client = tls_creds_new();
	if (!tls_client)
		goto err_server;
	r = gnutls_certificate_set_x509_trust_file(tls_client->x, tls_cfg.ca_file,
						   GNUTLS_X509_FMT_PEM);
	if (r < 0 && tls_cfg.verify)
		LOG_WARN("tls: cannot load CA file %s (%s): outgoing TLS will fail verification",
			 tls_cfg.ca_file, gnutls_strerror(r));
	tls_inited = 1;
	return 0;
err_server:
	tls_creds_put(tls_server);
	tls_server = NULL;
err_prio:
	gnutls_priority_deinit(tls_prio);
	return -EINVAL;
}

void TLS_Fini(void)
{
	if (!tls_inited)
		return;
	tls_creds_put(tls_server);
	tls_creds_put(tls_client);
	tls_server = tls_client = NULL;
	gnutls_priority_deinit(tls_prio);
	tls_inited = 0;
}

int TLS_Reload(void)
{
	struct tls_creds *cr;

	if (!tls_inited || !tls_cfg.certificate[0])
		return 0;
	cr = tls_load_server();
	if (!cr) {
		LOG_WARN("tls: keeping the certificate in use");
		return -EINVAL;
	}
	tls_creds_put(tls_server);
	tls_server = cr;
	LOG_INFO("tls: reloaded certificate %s", tls_cfg.certificate);
	return 0;
}

int TLS_CanServe(void)
{
	return tls_server != NULL;
}

static struct tls_sess *tls_new(int fd, unsigned int flags, struct tls_creds *cr)
{
	struct tls_sess *t;

	if (!cr)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	if (gnutls_init(&t->s, flags | GNUTLS_NONBLOCK | GNUTLS_NO_SIGNAL) < 0) {
		free(t);
		return NULL;
	}
	if (gnutls_priority_set(t->s, tls_prio) < 0 ||
	    gnutls_credentials_set(t->s, GNUTLS_CRD_CERTIFICATE, cr->x) < 0) {
		gnutls_deinit(t->s);
		free(t);
		return NULL;
	}
	/* conn.c times handshakes out itself, from the epoll loop */
	gnutls_handshake_set_timeout(t->s, 0);
	gnutls_transport_set_int(t->s, fd);
	t->cr = cr;
	cr->refs++;
	tls_stats.sessions++;
	return t;
}

struct tls_sess *TLS_NewServer(int fd)
{
	struct tls_sess *t = tls_new(fd, GNUTLS_SERVER, tls_server);

	if (t)
		gnutls_certificate_server_set_request(t->s, GNUTLS_CERT_IGNORE);
	return t;
}

static int tls_is_ip(const char *host)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

struct tls_sess *TLS_NewClient(int fd, const char *host)
{
	struct tls_sess *t = tls_new(fd, GNUTLS_CLIENT, tls_client);

	if (!t)
		return NULL;
	t->client = 1;
	snprintf(t->host, sizeof(t->host), "%s", host);
	/* RFC 6066 §3: no IP literals in SNI */
	if (!tls_is_ip(t->host))
		gnutls_server_name_set(t->s, GNUTLS_NAME_DNS, t->host, strlen(t->host));
	/* the chain against the CA file and the name (or IP) against the certificate */
	if (tls_cfg.verify)
		gnutls_session_set_verify_cert(t->s, t->host, 0);
	return t;
}

void TLS_Free(struct tls_sess *t)
{
	if (!t)
		return;
	if (!t->done && !t->counted)
		tls_stats.handshake_failures++;
	tls_stats.sessions--;
	gnutls_deinit(t->s);
	tls_creds_put(t->cr);
	free(t);
}

int TLS_Handshake(struct tls_sess *t)
{
	int r;

	if (t->done)
		return 0;
	r = gnutls_handshake(t->s);
	if (r == GNUTLS_E_SUCCESS) {
		t->done = 1;
		tls_stats.handshakes++;
		return 0;
	}
	if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED || !gnutls_error_is_fatal(r))
		return -EAGAIN;
	t->counted = 1;
	tls_stats.handshake_failures++;
	if (r == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) {
		gnutls_datum_t why = { 0 };
		unsigned int status = gnutls_session_get_verify_cert_status(t->s);

		tls_stats.verify_failures++;
		gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &why, 0);
		LOG_WARN("tls: server %s failed verification: %s", t->host,
			 why.data ? (const char *)why.data : "?");
		gnutls_free(why.data);
	} else if (t->client) {
		LOG_WARN("tls: handshake with %s failed: %s", t->host, gnutls_strerror(r));
	} else {
		/* anyone can send garbage: conn.c logs this rate-limited */
		LOG_DEBUG("tls: handshake failed: %s", gnutls_strerror(r));
	}
	return -EPROTO;
}

int TLS_WantWrite(const struct tls_sess *t)
{
	return gnutls_record_get_direction(t->s) == 1;
}

ssize_t TLS_Recv(struct tls_sess *t, void *buf, size_t len)
{
	ssize_t n = gnutls_record_recv(t->s, buf, len);

	if (n >= 0)
		return n;
	if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
		return -EAGAIN;
	if (n == GNUTLS_E_PREMATURE_TERMINATION)
		return 0;	/* closed without close_notify: as good as EOF for SIP */
	if (!gnutls_error_is_fatal(n))
		return -EAGAIN;	/* a warning alert, a TLS 1.3 ticket */
	return -EIO;
}

ssize_t TLS_Send(struct tls_sess *t, const void *buf, size_t len)
{
	ssize_t n = gnutls_record_send(t->s, buf, len);

	if (n >= 0)
		return n;
	if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
		return -EAGAIN;
	return -EIO;
}

size_t TLS_Pending(struct tls_sess *t)
{
	return gnutls_record_check_pending(t->s);
}

const char *TLS_Describe(struct tls_sess *t, char *out, size_t outsz)
{
	const char *v = gnutls_protocol_get_name(gnutls_protocol_get_version(t->s));
	const char *c = gnutls_cipher_get_name(gnutls_cipher_get(t->s));

	snprintf(out, outsz, "%s %s", v ? v : "?", c ? c : "?");
	return out;
}

void TLS_GetStats(struct tls_stats *st)
{
	*st = tls_stats;
}
