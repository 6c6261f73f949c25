/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TLS sessions for SIP over TLS (RFC 3261 §26.2, RFC 5630), with GnuTLS.
 * This file knows nothing of SIP: conn.c owns the sockets and calls these
 * on non-blocking file descriptors from the epoll loop. Main thread only.
 */
#ifndef KRTPD_SIP_TLS_H
#define KRTPD_SIP_TLS_H

#include <stddef.h>
#include <sys/types.h>

struct tls_config {
	const char *certificate;	/* PEM chain for the server side, "" = none */
	const char *private_key;	/* PEM key matching it */
	const char *ca_file;		/* PEM bundle for verifying servers we connect to */
	const char *priority;		/* GnuTLS priority string; TLS < 1.2 is always removed */
	int verify;			/* verify the certificate and name of servers */
};

#define TLS_DEFAULT_CA		"/etc/ssl/certs/ca-certificates.crt"
#define TLS_DEFAULT_PRIORITY	"SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:%SERVER_PRECEDENCE"

struct tls_sess;

/* Load credentials; -errno after logging what is wrong. */
int TLS_Init(const struct tls_config *cfg);
void TLS_Fini(void);
/* Re-read the certificate and key (SIGHUP); the old ones stay in use on failure. */
int TLS_Reload(void);
/* A server certificate is loaded: listen_tls can accept. */
int TLS_CanServe(void);

/* A session on a connected fd; host is the name to verify (client side). NULL on failure. */
struct tls_sess *TLS_NewServer(int fd);
struct tls_sess *TLS_NewClient(int fd, const char *host);
/*
 * Free a session (the fd stays open). One that never finished its
 * handshake counts as a failed handshake.
 */
void TLS_Free(struct tls_sess *s);
/* One handshake step: 0 done, -EAGAIN call again when TLS_WantWrite says, else failed. */
int TLS_Handshake(struct tls_sess *s);
/* After -EAGAIN: 1 when GnuTLS waits to write, 0 when it waits to read */
int TLS_WantWrite(const struct tls_sess *s);
/* Bytes read, 0 when the peer closed, -EAGAIN, or -EIO. */
ssize_t TLS_Recv(struct tls_sess *s, void *buf, size_t len);
/* Bytes written, -EAGAIN (call again with the same len), or -EIO. */
ssize_t TLS_Send(struct tls_sess *s, const void *buf, size_t len);
/* Decrypted bytes GnuTLS holds that epoll cannot see */
size_t TLS_Pending(struct tls_sess *s);
/* "TLS1.3 AES-256-GCM" for logs */
const char *TLS_Describe(struct tls_sess *s, char *out, size_t outsz);

struct tls_stats {
	unsigned long handshakes;	/* completed */
	unsigned long handshake_failures;	/* garbage, bad certificate, timeout, closed */
	unsigned long verify_failures;	/* of those: a server we called failed verification */
	unsigned long sessions;		/* open now */
};
void TLS_GetStats(struct tls_stats *st);

#endif /* KRTPD_SIP_TLS_H */
