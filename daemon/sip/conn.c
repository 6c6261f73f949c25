// SPDX-License-Identifier: GPL-2.0
/*
 * SIP stream connections, TCP and TLS. Main thread only: sockets are
 * non-blocking and driven by the epoll loop, so no locking is needed.
 *
 * A connection is named by an id (slot | generation << 16) so that a
 * transaction can ask for "the connection the request came on" long after
 * that connection may have closed and its slot been reused.
 *
 * Lifetime: a connection lives from accept() or connect() until
 * conn_close(), which any callback may call, the SIP handler included (a
 * failed send). Code that calls out therefore re-looks the connection up by
 * id afterwards and stops when it is gone.
 *
 * A TLS connection first runs its handshake, step by step as epoll reports
 * the direction GnuTLS waits for; messages queued meanwhile are sent after
 * it. A handshake that fails (garbage instead of a ClientHello, a server
 * certificate that does not verify) closes the connection at once; one that
 * stalls is closed by the sweep after tls_handshake_timeout. Either costs
 * one connection slot and its buffers for that long, nothing more.
 *
 * WebSocket connections (WS over TCP, WSS over TLS, accepted only) pass
 * what they read to ws.c, which answers the Upgrade request and unframes
 * one SIP message per WebSocket message; sends are framed there too. A
 * connection ws.c is done with (a refused handshake, a protocol error, a
 * close frame) is closed once its answer is written. Idle ones get a ping
 * at half tcp_idle_timeout, so a browser that is still there stays.
 *
 * This file keeps the table: opening (accept, connect), closing, finding a
 * connection to send on, and the sweep. conn_event.c handles epoll events
 * and the TLS handshake, conn_read.c reads and frames messages, and
 * conn_write.c queues and writes; conn_internal.h is what they share.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../log.h"
#include "../loop.h"
#include "../timer.h"
#include "conn_internal.h"
#include "limits.h"
#include "tls.h"
#include "ws.h"

#define CONN_SWEEP_MS	2000
#define CONN_NAMES	32		/* TLS names remembered for addresses */

static struct conn **conn_tab;
static uint32_t conn_gen;
struct tp_limits conn_lim;
tp_handler conn_fn, conn_oversize_fn;
static void (*conn_fail_fn)(int proto, const struct sockaddr_storage *addr);
static struct tmr conn_sweep = { .idx = -1 };
struct conn_stats conn_stats;
char *conn_rbuf_busy;		/* see conn_internal.h */

/*
 * The name a new outgoing TLS connection to an address must prove (RFC
 * 5922 §4: the host of the URI that was resolved, not the SRV target nor
 * the IP). Set by whoever resolved the name just before sending; a small
 * ring, the oldest entry replaced. An address with no entry is verified as
 * an IP literal against the certificate's IP addresses.
 */
static struct {
	struct sockaddr_storage addr;
	char name[64];
} conn_names[CONN_NAMES];
static unsigned int conn_names_next;

/* the entry of addr, CONN_NAMES when it has none */
static unsigned int conn_name_find(const struct sockaddr_storage *addr)
{
	unsigned int i;

	for (i = 0; i < CONN_NAMES; i++)
		if (conn_names[i].name[0] && TP_SameAddr(&conn_names[i].addr, addr))
			break;
	return i;
}

void CONN_TlsName(const struct sockaddr_storage *addr, const char *name)
{
	unsigned int i = conn_name_find(addr);

	if (i == CONN_NAMES) {
		i = conn_names_next;
		conn_names_next = (conn_names_next + 1) % CONN_NAMES;
	}
	conn_names[i].addr = *addr;
	snprintf(conn_names[i].name, sizeof(conn_names[i].name), "%s", name);
}

/* the name to verify for addr: its entry, else the IP as text */
static void conn_tls_name(const struct sockaddr_storage *addr, char *out, size_t outsz)
{
	unsigned int i = conn_name_find(addr);

	if (i < CONN_NAMES)
		snprintf(out, outsz, "%s", conn_names[i].name);
	else
		TP_IpStr(addr, out, outsz);
}

static const char *conn_name(const struct conn *c)
{
	return TP_ProtoParam(c->proto);
}

static int conn_is_tls(int proto)
{
	return proto == TP_TLS || proto == TP_WSS;
}

static unsigned long *conn_open_count(int proto)
{
	switch (proto) {
	case TP_TLS: return &conn_stats.open_tls;
	case TP_WS: return &conn_stats.open_ws;
	case TP_WSS: return &conn_stats.open_wss;
	default: return &conn_stats.open_tcp;
	}
}

struct conn *conn_get(uint32_t id)
{
	uint32_t slot = id & 0xffff;

	if (!id || slot >= conn_lim.max_conns || !conn_tab[slot] || conn_tab[slot]->id != id)
		return NULL;
	return conn_tab[slot];
}

void conn_close(struct conn *c, const char *why)
{
	/* one we opened that never carried a message: a transport error */
	int failed = c->outgoing && (c->connecting || c->handshaking);
	struct sockaddr_storage peer = c->peer;
	int proto = c->proto;
	char a[64];

	TP_AddrStr(&c->peer, a, sizeof(a));
	if (failed)
		LOG_INFO("%s connection to %s failed: %s", conn_name(c), a, why);
	else
		LOG_DEBUG("%s %s closed: %s", conn_name(c), a, why);
	LOOP_Del(c->h);
	TLS_Free(c->tls);
	if (c->ws) {
		char junk[4096];
		int i;

		/*
		 * Unread input makes close() send a reset, which may cost the
		 * peer the close frame or the refusal still in flight: read it
		 */
		for (i = 0; i < 16 && recv(c->fd, junk, sizeof(junk), MSG_DONTWAIT) > 0; i++)
			;
		WS_Free(c->ws);
	}
	close(c->fd);
	conn_tab[c->id & 0xffff] = NULL;
	(*conn_open_count(c->proto))--;
	if (c->rbuf != conn_rbuf_busy)
		free(c->rbuf);
	free(c->wbuf);
	free(c);
	/* after the slot is free, so nothing sent from the handler finds it */
	if (failed && conn_fail_fn)
		conn_fail_fn(proto, &peer);
}

/* ws.c's bytes for the peer go to the write queue as they are */
static int conn_ws_out(void *arg, const void *buf, size_t len)
{
	return conn_queue(arg, buf, len);
}

static struct conn *conn_new(int fd, int proto, const struct sockaddr_storage *peer,
			     int connecting)
{
	struct conn *c;
	unsigned int i;

	for (i = 0; i < conn_lim.max_conns; i++)
		if (!conn_tab[i])
			break;
	if (i == conn_lim.max_conns) {
		conn_stats.refused++;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->rbuf = malloc(conn_lim.max_message + 1);
	if (!c->rbuf) {
		free(c);
		return NULL;
	}
	c->fd = fd;
	c->proto = proto;
	c->peer = *peer;
	c->connecting = connecting;
	c->outgoing = connecting;
	c->born = c->last_rx = TMR_Now();
	if (conn_is_tls(proto)) {
		char name[64];

		/* the name that was resolved to peer, or peer's IP */
		if (connecting)
			conn_tls_name(peer, name, sizeof(name));
		c->tls = connecting ? TLS_NewClient(fd, name) : TLS_NewServer(fd);
		if (!c->tls) {
			free(c->rbuf);
			free(c);
			return NULL;
		}
		c->handshaking = 1;
	}
	conn_gen = (conn_gen + 1) & 0xffff;
	if (!conn_gen)
		conn_gen = 1;
	c->id = i | conn_gen << 16;
	if (proto == TP_WS || proto == TP_WSS)
		c->ws = WS_New(conn_lim.max_message, conn_ws_out, c);
	c->h = (proto != TP_WS && proto != TP_WSS) || c->ws ?
	       LOOP_Add(fd, EPOLLIN | (connecting ? EPOLLOUT : 0), conn_event,
			(void *)(uintptr_t)c->id) : NULL;
	if (!c->h) {
		TLS_Free(c->tls);
		WS_Free(c->ws);
		free(c->rbuf);
		free(c);
		return NULL;
	}
	conn_tab[i] = c;
	conn_stats.opened++;
	(*conn_open_count(proto))++;
	return c;
}

/* open connections whose peer has the IP of addr */
static unsigned int conn_from(const struct sockaddr_storage *addr)
{
	unsigned int i, n = 0;

	for (i = 0; i < conn_lim.max_conns; i++)
		n += conn_tab[i] && TP_SameIp(&conn_tab[i]->peer, addr);
	return n;
}

void CONN_Accept(int lfd, int proto)
{
	int i;

	for (i = 0; i < 32; i++) {
		struct sockaddr_storage peer;
		socklen_t alen = sizeof(peer);
		int cfd = accept4(lfd, (struct sockaddr *)&peer, &alen,
				  SOCK_NONBLOCK | SOCK_CLOEXEC);
		int one = 1;

		if (cfd < 0)
			return;
		setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (!LIM_ConnAllowed(&peer, conn_from(&peer))) {
			char a[64];

			TP_AddrStr(&peer, a, sizeof(a));
			LOG_Drop("too many TCP/TLS connections from this source, or banned", a);
			close(cfd);
			continue;
		}
		if (!conn_new(cfd, proto, &peer, 0)) {
			char a[64];

			TP_AddrStr(&peer, a, sizeof(a));
			LOG_Drop(proto != TP_TCP ? "too many TLS/WebSocket/TCP connections" :
				 "too many TCP connections", a);
			close(cfd);
		}
	}
}

static struct conn *conn_find(int proto, const struct sockaddr_storage *peer)
{
	unsigned int i;

	for (i = 0; i < conn_lim.max_conns; i++)
		if (conn_tab[i] && conn_tab[i]->proto == proto &&
		    TP_SameAddr(&conn_tab[i]->peer, peer))
			return conn_tab[i];
	return NULL;
}

static struct conn *conn_connect(int proto, const struct sockaddr_storage *peer)
{
	struct conn *c;
	int one = 1;
	int fd;

	/* WebSocket clients connect to us; krtpd is no WebSocket client */
	if (proto == TP_WS || proto == TP_WSS)
		return NULL;
	fd = socket(peer->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (const struct sockaddr *)peer, TP_AddrLen(peer)) && errno != EINPROGRESS) {
		close(fd);
		return NULL;
	}
	c = conn_new(fd, proto, peer, 1);
	if (!c)
		close(fd);
	return c;
}

int CONN_Open(uint32_t id)
{
	return id && conn_get(id) != NULL;
}

int CONN_Send(const struct tp_peer *dst, const char *buf, size_t len)
{
	struct conn *c = conn_get(dst->conn);
	int r;

	if (c && c->proto != dst->proto)
		c = NULL;
	if (!c)
		c = conn_find(dst->proto, &dst->addr);
	if (!c)
		c = conn_connect(dst->proto, &dst->addr);
	if (!c || c->closing)
		return -ECONNREFUSED;
	r = c->ws ? WS_Send(c->ws, buf, len) : conn_queue(c, buf, len);
	if (r)
		conn_close(c, "write failed");
	return r;
}

static void conn_sweep_fn(struct tmr *t)
{
	uint64_t now = TMR_Now();
	unsigned int i;

	for (i = 0; i < conn_lim.max_conns; i++) {
		struct conn *c = conn_tab[i];

		if (!c)
			continue;
		if (c->ws && !c->handshaking && !WS_IsOpen(c->ws) &&
		    now - c->born > (uint64_t)conn_lim.tls_handshake_timeout * 1000) {
			char a[64];

			/* an Upgrade request gets as long as a TLS handshake */
			WS_CountTimeout();
			TP_AddrStr(&c->peer, a, sizeof(a));
			LOG_Drop("WebSocket handshake timed out", a);
			conn_close(c, "WebSocket handshake timed out");
		} else if (c->closing && now - c->last_rx > CONN_PARTIAL_MS) {
			conn_close(c, "last write timed out");
		} else if (c->handshaking &&
		    now - c->born > (uint64_t)conn_lim.tls_handshake_timeout * 1000) {
			char a[64];

			conn_stats.handshake_timeouts++;
			TP_AddrStr(&c->peer, a, sizeof(a));
			LOG_Drop("TLS handshake timed out", a);
			conn_close(c, "TLS handshake timed out");
		} else if (c->partial_since && now - c->partial_since > CONN_PARTIAL_MS) {
			conn_close(c, "incomplete message timed out");
		} else if (now - c->last_rx > (uint64_t)conn_lim.idle_timeout * 1000 && !c->wlen) {
			conn_close(c, "idle");
		} else if (c->ws && WS_IsOpen(c->ws) && !c->pinged &&
			   now - c->last_rx > (uint64_t)conn_lim.idle_timeout * 500) {
			/* a browser answers with a pong, which counts as traffic */
			c->pinged = c->last_rx;
			if (WS_Ping(c->ws))
				conn_close(c, "write failed");
		}
	}
	TMR_Start(t, CONN_SWEEP_MS);
}

int CONN_Init(const struct tp_limits *lim, tp_handler fn)
{
	conn_lim = *lim;
	if (conn_lim.max_conns > 65535)
		conn_lim.max_conns = 65535;
	if (!conn_lim.max_conns)
		conn_lim.max_conns = 1;
	if (!conn_lim.tls_handshake_timeout)
		conn_lim.tls_handshake_timeout = 10;
	conn_fn = fn;
	memset(&conn_stats, 0, sizeof(conn_stats));
	conn_tab = calloc(conn_lim.max_conns, sizeof(*conn_tab));
	if (!conn_tab)
		return -ENOMEM;
	TMR_Setup(&conn_sweep, conn_sweep_fn);
	TMR_Start(&conn_sweep, CONN_SWEEP_MS);
	return 0;
}

void CONN_SetFailHandler(void (*fn)(int proto, const struct sockaddr_storage *addr))
{
	conn_fail_fn = fn;
}

void CONN_SetOversizeHandler(tp_handler fn)
{
	conn_oversize_fn = fn;
}

void CONN_Fini(void)
{
	unsigned int i;

	TMR_Stop(&conn_sweep);
	for (i = 0; conn_tab && i < conn_lim.max_conns; i++)
		if (conn_tab[i])
			conn_close(conn_tab[i], "shutdown");
	free(conn_tab);
	conn_tab = NULL;
	memset(conn_names, 0, sizeof(conn_names));
}

void CONN_GetStats(struct conn_stats *s)
{
	*s = conn_stats;
}
