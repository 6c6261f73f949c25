/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SIP transports (RFC 3261 §18): UDP, TCP, TLS (§26) and WebSocket (RFC
 * 7118, WS and WSS, accepted only) over IPv4 and IPv6. Stream messages are framed by Content-Length; responses reuse the
 * connection the request came on; connections are capped in number, buffer
 * size, idle time and TLS handshake time. Main thread only.
 */
#ifndef KRTPD_SIP_TRANSPORT_H
#define KRTPD_SIP_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "msg.h"

enum tp_proto {
	TP_UDP = 1,
	TP_TCP,
	TP_TLS,
	TP_WS,				/* RFC 7118: SIP over WebSocket */
	TP_WSS,				/* the same over TLS */
};

/* Where a message came from, or where one goes. */
struct tp_peer {
	int proto;			/* TP_UDP, TP_TCP, TP_TLS, TP_WS or TP_WSS */
	struct sockaddr_storage addr;	/* IP and port */
	uint32_t conn;			/* stream connection id to prefer, 0 = any */
	int sock;			/* UDP listener index it arrived on, -1 = any */
};

struct tp_listen {
	struct sockaddr_storage addr;
	int udp, tcp, tls, ws, wss;
};

struct tp_limits {
	size_t max_message;		/* bytes, headers and body */
	unsigned int max_conns;		/* TCP and TLS connections, both directions */
	unsigned int idle_timeout;	/* seconds without traffic before a TCP/TLS close */
	unsigned int tls_handshake_timeout;	/* seconds, 0 = 10 */
};

typedef void (*tp_handler)(const char *buf, size_t len, const struct tp_peer *src);

int TP_Init(const struct tp_listen *l, int n, const struct tp_limits *lim, tp_handler fn);
/*
 * Called with the header section of a TCP message whose Content-Length
 * exceeds max_message (to answer 413) before the connection is closed.
 */
void TP_SetOversizeHandler(tp_handler fn);
/*
 * fn(proto, addr): a TCP or TLS connection krtpd opened to addr failed
 * before it carried a message (RFC 3261 §18.4: a transport error).
 */
void TP_SetFailHandler(void (*fn)(int proto, const struct sockaddr_storage *addr));
void TP_Fini(void);
/* Send one message; TCP/TLS connect when no connection to dst exists. 0 or -errno. */
int TP_Send(const struct tp_peer *dst, const char *buf, size_t len);

/*
 * Tests and fuzzers: send through fn instead of the network (NULL restores
 * the sockets). fn returns what TP_Send should.
 */
/*
 * Group commit (see STO_BatchBegin): the datagrams of one read burst are
 * handled between begin() and commit(); UDP sends in between are queued
 * and go out, with sendmmsg(), only once commit() returned 0. If it
 * failed, they are dropped: a reply must not claim what was not stored,
 * and the UAs retransmit (the registrar reloads what the burst changed,
 * see STO_AddCommitHook). A TCP send, or a full queue, commits early.
 * commit(1) ends the burst.
 */
void TP_SetBatchHooks(void (*begin)(void), int (*commit)(int end));

void TP_SetSendHook(int (*fn)(const struct tp_peer *dst, const char *buf, size_t len));

/* "host:port" krtpd should put in Via/Record-Route for messages to dst. */
int TP_LocalFor(const struct tp_peer *dst, char *out, size_t outsz);
/* Is host[:port] one of ours (a local address or name and a listening port)? */
int TP_IsUs(struct sip_str host, uint16_t port);
/* Refresh the list of local addresses (startup, SIGHUP). */
void TP_RefreshLocal(void);
/* Numeric host (or "localhost") to an address; 0 or -errno. No DNS. */
int TP_Resolve(struct sip_str host, int v6, uint16_t port, struct sockaddr_storage *out);

/* "UDP", "TCP", "TLS", "WS", "WSS": as in Via */
const char *TP_ProtoName(int proto);
/* "udp" ... "wss": as in transport= */
const char *TP_ProtoParam(int proto);
/* TCP, TLS, WS or WSS: reliable, framed, connection-oriented */
int TP_IsStream(int proto);
/* Is TCP/TLS connection id (tp_peer.conn) still open? */
int TP_ConnOpen(uint32_t id);
/* 5061 for TLS (RFC 3261 §19.1.2), 80 and 443 for WS and WSS, else 5060 */
uint16_t TP_DefaultPort(int proto);
int TP_ProtoParse(struct sip_str s);
/* "1.2.3.4:5060" or "[::1]:5060" */
void TP_AddrStr(const struct sockaddr_storage *ss, char *out, size_t outsz);
/* Only the IP */
void TP_IpStr(const struct sockaddr_storage *ss, char *out, size_t outsz);
uint16_t TP_Port(const struct sockaddr_storage *ss);
/* "ip[:port]" or "[v6][:port]"; port defaults to dport. 0 or -EINVAL. */
int TP_AddrParse(const char *s, uint16_t dport, struct sockaddr_storage *out);
int TP_SameIp(const struct sockaddr_storage *a, const struct sockaddr_storage *b);
int TP_SameAddr(const struct sockaddr_storage *a, const struct sockaddr_storage *b);
socklen_t TP_AddrLen(const struct sockaddr_storage *ss);

/* Counters for the control socket and logs */
struct tp_stats {
	unsigned long rx, tx, tx_errors, conns, conns_refused;
	unsigned long tcp_open, tls_open, ws_open, wss_open;	/* connections open now */
	unsigned long tls_handshakes, tls_handshake_failures;	/* failures include timeouts */
	unsigned long tls_handshake_timeouts, tls_verify_failures;
};
void TP_GetStats(struct tp_stats *s);

#endif /* KRTPD_SIP_TRANSPORT_H */
