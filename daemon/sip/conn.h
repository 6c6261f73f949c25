/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stream connections for SIP over TCP and TLS (RFC 3261 §18.3): framing by
 * Content-Length, a write queue, the idle and handshake sweep, and the cap
 * on their number. WebSocket connections (RFC 7118) are accepted here too;
 * ws.c frames their messages. transport.c accepts and routes sends here; tls.c does
 * the cryptography. Main thread only.
 */
#ifndef KRTPD_SIP_CONN_H
#define KRTPD_SIP_CONN_H

#include "transport.h"

int CONN_Init(const struct tp_limits *lim, tp_handler fn);
void CONN_SetOversizeHandler(tp_handler fn);
/*
 * fn(proto, addr) is called when a connection krtpd opened closes before it
 * could carry anything: connect refused or timed out, TLS handshake or
 * certificate verification failed.
 */
void CONN_SetFailHandler(void (*fn)(int proto, const struct sockaddr_storage *addr));
/* Closes every connection. */
void CONN_Fini(void);
/* Accept what is pending on a listening socket of proto TP_TCP, TP_TLS, TP_WS or TP_WSS. */
void CONN_Accept(int lfd, int proto);
/*
 * Queue buf on dst->conn when it is open, else on an open connection of
 * dst->proto to dst->addr, else on a new one. 0 or -errno.
 */
int CONN_Send(const struct tp_peer *dst, const char *buf, size_t len);
/*
 * A new TLS connection to addr verifies the server's certificate against
 * name (the host name that resolved to addr) instead of the IP. An open
 * connection to addr is reused as it is.
 */
void CONN_TlsName(const struct sockaddr_storage *addr, const char *name);
/* Is the connection with this id still open? */
int CONN_Open(uint32_t id);

struct conn_stats {
	unsigned long rx;		/* messages framed */
	unsigned long opened;		/* connections ever opened, both ways */
	unsigned long refused;		/* over max_conns */
	unsigned long connect_failures;
	unsigned long handshake_timeouts;
	unsigned long open_tcp, open_tls, open_ws, open_wss;	/* open now */
};
void CONN_GetStats(struct conn_stats *s);

#endif /* KRTPD_SIP_CONN_H */
