/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SIP over WebSocket (RFC 7118), server side: the HTTP/1.1 Upgrade
 * handshake (RFC 6455 §4.2) and the framing, with wslay. This file knows
 * nothing of sockets: conn.c reads and writes the bytes (over TCP for WS,
 * over TLS for WSS) and hands each complete SIP message to the SIP core.
 * Main thread only.
 */
#ifndef KRTPD_SIP_WS_H
#define KRTPD_SIP_WS_H

#include <stddef.h>
#include <stdint.h>

#define WS_MAX_REQUEST	8192	/* the Upgrade request, request line and headers */

struct ws_config {
	const char *origins;	/* allowed Origin values, comma separated; "" or NULL = any */
};

/* Keep the configuration; registers the metrics. 0 or -errno. */
int WS_Init(const struct ws_config *cfg);
void WS_Fini(void);

/*
 * Answer one complete Upgrade request (req ends with CRLF CRLF). Writes the
 * HTTP response to resp and its length to *resplen; returns the status:
 * 101 when the connection is now a WebSocket carrying SIP, else 400 (not a
 * valid WebSocket request for subprotocol "sip"), 403 (Origin not allowed)
 * or 426 (not version 13). *why says what was wrong, for logs.
 */
int WS_Handshake(const char *req, size_t len, char *resp, size_t respsz, size_t *resplen,
		 const char **why);
/* Sec-WebSocket-Accept for a Sec-WebSocket-Key: base64(SHA-1(key GUID)), 28 chars + NUL */
void WS_AcceptKey(const char *key, size_t keylen, char out[29]);

struct ws_sess;
/* Bytes for the peer (the handshake answer, frames); 0 or -errno */
typedef int (*ws_out_fn)(void *arg, const void *buf, size_t len);

/* A server session; each message received may be up to max_message bytes. */
struct ws_sess *WS_New(size_t max_message, ws_out_fn out, void *arg);
void WS_Free(struct ws_sess *w);
/*
 * Bytes read from the connection: the Upgrade request, then frames. Pings
 * are answered, a close is answered with a close. Returns 0, or -errno
 * when the connection is to be closed once what was written is flushed
 * (handshake refused, protocol error, closed by the peer); WS_Why says why.
 */
int WS_Input(struct ws_sess *w, const char *buf, size_t len);
/* Copy the next complete SIP message received to out; its length, 0 when none. */
size_t WS_Next(struct ws_sess *w, char *out, size_t outsz);
/* One SIP message as one frame (text, or binary when it is not ASCII). 0 or -errno. */
int WS_Send(struct ws_sess *w, const char *buf, size_t len);
/* A ping, to keep an idle connection (and its NAT) alive; its pong is traffic. */
int WS_Ping(struct ws_sess *w);
/* The handshake is done (101 sent). */
int WS_IsOpen(const struct ws_sess *w);
/* A request or a data message is half-received. */
int WS_Partial(const struct ws_sess *w);
const char *WS_Why(const struct ws_sess *w);
/* A connection that never finished its handshake is closed: count it. */
void WS_CountTimeout(void);

struct ws_stats {
	unsigned long handshakes;		/* 101 sent */
	unsigned long refused_bad;		/* 400 */
	unsigned long refused_version;		/* 426 */
	unsigned long refused_origin;		/* 403 */
	unsigned long refused_too_large;	/* 431: request over WS_MAX_REQUEST */
	unsigned long handshake_timeouts;
	unsigned long rx, tx;			/* SIP messages */
	unsigned long protocol_errors;		/* closed by us: unmasked, too big, bad frame */
	unsigned long closes;			/* close frames from clients */
	unsigned long pings;			/* pings we sent */
};
void WS_GetStats(struct ws_stats *s);

#endif /* KRTPD_SIP_WS_H */
