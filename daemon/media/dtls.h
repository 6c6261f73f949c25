/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DTLS-SRTP (RFC 5763, RFC 5764) with OpenSSL, for WebRTC legs (webrtc.c).
 *
 * One certificate serves every new call: the operator's (dtls_certificate,
 * loaded again on SIGHUP), or a self-signed ECDSA P-256 one made on first
 * use and kept until exit (dtls_cert.c). A call keeps the certificate its
 * first WebRTC leg was shown for its life (struct med_call), and its
 * sha-256 fingerprint is what the call's offers and answers show. A
 * session runs over the leg's relay socket: webrtc.c feeds it the
 * datagrams whose first byte says DTLS (RFC 7983) and gives it a send
 * function; OpenSSL never touches the socket itself. Handshake
 * retransmissions are driven by med_dtls_tick() from the media thread.
 *
 * use_srtp profiles, krtpd's preference first (the server's wins):
 * SRTP_AEAD_AES_128_GCM (RFC 7714, when krtp.ko or libsrtp2 can use it),
 * SRTP_AES128_CM_SHA1_80, SRTP_AES128_CM_SHA1_32.
 *
 * The peer's certificate is accepted only if its fingerprint is the one
 * its SDP gave (RFC 8122 section 5): that is what binds the keys to the
 * signalling.
 *
 * Like all of daemon/media/, everything runs with med_lock held.
 */
#ifndef KRTPD_MEDIA_DTLS_H
#define KRTPD_MEDIA_DTLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../sdp_crypto.h"
#include "../sdp_webrtc.h"

struct med_dtls;
struct ssl_ctx_st;

/* a certificate and the context sessions are made from, counted (med_lock) */
struct med_dtls_cert {
	unsigned int refs;
	struct ssl_ctx_st *ctx;
	char fp[8 + 32 * 3];	/* "sha-256 AB:CD:..." */
};

/*
 * dtls_cert.c. Load the operator's certificate and key (PEM; key NULL or
 * "": in the certificate's file); 0, or -errno with the reason logged.
 * Without a certificate, one is made on first use.
 */
int med_dtls_init(const char *cert, const char *key);
/* MED_Fini: drop the current certificate; the next MED_Init loads or makes one anew */
void med_dtls_fini(void);
/*
 * Load them again (SIGHUP): the certificate new calls get. 0; 1 without a
 * certificate (the generated one stays); -errno with the reason logged,
 * naming the file, and the certificate in use stays.
 */
int med_dtls_reload(const char *cert, const char *key);
/* the current certificate (made if need be), with a reference; NULL on failure */
struct med_dtls_cert *med_dtls_cert_get(void);
/* drop a reference; the last frees it (sessions keep their context alive) */
void med_dtls_cert_put(struct med_dtls_cert *c);
/* OpenSSL's last error, as text, and the queue cleared */
const char *med_dtls_ssl_error(void);

/* sends one datagram toward the peer; the session does not care whether it left */
typedef void (*med_dtls_send_fn)(void *arg, const void *buf, size_t len);

/*
 * A session with cert's context (SSL_new takes a reference on it, so the
 * session outlives a reload). server: krtpd waits for the ClientHello (its
 * SDP said a=setup:passive), else it sends one on med_dtls_start(). The
 * peer must show a certificate whose fp_hash digest is fp.
 */
struct med_dtls *med_dtls_new(const struct med_dtls_cert *cert, bool server,
			      enum sdp_fp_hash fp_hash, const uint8_t *fp, size_t fp_len,
			      med_dtls_send_fn send, void *arg);
void med_dtls_free(struct med_dtls *d);
/* client: send the ClientHello (once); a server ignores it */
void med_dtls_start(struct med_dtls *d, uint64_t now_ms);
/*
 * One datagram from the peer. 1: the handshake completed with it and the
 * keys are ready; 0: nothing new; -1: the session failed (bad fingerprint,
 * fatal alert) and stays failed.
 */
int med_dtls_input(struct med_dtls *d, const uint8_t *buf, size_t len, uint64_t now_ms);
/* Retransmit if a handshake flight timed out; same returns as med_dtls_input */
int med_dtls_tick(struct med_dtls *d, uint64_t now_ms);
bool med_dtls_done(const struct med_dtls *d);
/*
 * The keys (RFC 5764 section 4.2): *peer decrypts what the peer sends,
 * *own encrypts toward it. 0, or -1 before the handshake completed.
 */
int med_dtls_keys(struct med_dtls *d, struct sdp_crypto *peer, struct sdp_crypto *own);

#endif /* KRTPD_MEDIA_DTLS_H */
