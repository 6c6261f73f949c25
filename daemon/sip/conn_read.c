// SPDX-License-Identifier: GPL-2.0
/*
 * Reading a stream connection: one read, then every message it completes
 * goes to the SIP handler. On TCP and TLS, messages are framed by
 * Content-Length (msg.c's MSG_Frame) and CRLF CRLF between them is a
 * keepalive ping (RFC 5626); on WebSocket, ws.c unframes them. Either way
 * the handler reads the message in place, in the connection's read buffer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "../log.h"
#include "../timer.h"
#include "conn_internal.h"
#include "keepalive.h"
#include "limits.h"
#include "msg.h"
#include "tls.h"
#include "ws.h"

/*
 * Hand len bytes at the start of c's read buffer to fn. Returns c, or NULL
 * when fn closed it (a failed send), in which case the buffer is freed here,
 * after fn is done with the message in it.
 */
static struct conn *conn_deliver(tp_handler fn, struct conn *c, size_t len,
				 const struct tp_peer *src)
{
	uint32_t id = c->id;
	char *buf = c->rbuf;

	conn_rbuf_busy = buf;
	fn(buf, len, src);
	conn_rbuf_busy = NULL;
	c = conn_get(id);
	if (!c)
		free(buf);
	return c;
}

/* One read into buf: bytes read, or -1 when there is nothing (c may be closed) */
static ssize_t conn_recv(struct conn *c, char *buf, size_t room)
{
	ssize_t n;

	if (c->tls) {
		n = TLS_Recv(c->tls, buf, room);
		if (n == -EIO) {
			conn_close(c, "TLS error");
			return -1;
		}
	} else {
		n = recv(c->fd, buf, room, 0);
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			conn_close(c, "read error");
			return -1;
		}
		if (n < 0)
			n = -EAGAIN;
	}
	if (n == 0) {
		conn_close(c, "peer closed");
		return -1;
	}
	return n < 0 ? -1 : n;
}

/*
 * One read on a WebSocket connection: ws.c answers the handshake and the
 * control frames, and the SIP messages it unframed go to the handler one
 * by one through the read buffer, as on TCP. 0 to read again, else stop.
 */
static int conn_ws_read(struct conn *c)
{
	static char raw[CONN_WS_READ];
	struct tp_peer src = { .proto = c->proto, .sock = -1, .addr = c->peer, .conn = c->id };
	uint32_t id = c->id;
	ssize_t n = conn_recv(c, raw, sizeof(raw));
	size_t len;
	int r;

	if (n < 0)
		return -1;
	c->last_rx = TMR_Now();
	c->pinged = 0;
	r = WS_Input(c->ws, raw, n);
	while ((len = WS_Next(c->ws, c->rbuf, conn_lim.max_message))) {
		conn_stats.rx++;
		/* a source over its rate is dropped (and counted by limits.c) */
		if (!LIM_Check(&src.addr, c->rbuf, len)) {
			c = conn_deliver(conn_fn, c, len, &src);
			if (!c)
				return -1;	/* the handler closed us (a failed send) */
		}
	}
	c = conn_get(id);
	if (!c)
		return -1;
	if (r) {
		char a[64];

		TP_AddrStr(&c->peer, a, sizeof(a));
		if (r != -ECONNRESET)
			LOG_Drop(WS_Why(c->ws), a);
		conn_finish(c, WS_Why(c->ws));
		return -1;
	}
	c->partial_since = !WS_Partial(c->ws) ? 0 : c->partial_since ? c->partial_since :
			   TMR_Now();
	return 0;
}

/* One read and the messages it completes. 0 to read again, else stop. */
int conn_read(struct conn *c)
{
	uint32_t id = c->id;
	struct tp_peer src = { .proto = c->proto, .sock = -1 };
	size_t room = conn_lim.max_message + 1 - c->rlen;
	ssize_t n;

	if (c->ws)
		return conn_ws_read(c);
	n = conn_recv(c, c->rbuf + c->rlen, room);
	if (n < 0)
		return -1;
	c->rlen += n;
	c->last_rx = TMR_Now();
	src.addr = c->peer;
	src.conn = id;
	for (;;) {
		size_t skip;
		long len = MSG_Frame(c->rbuf, c->rlen, conn_lim.max_message, &skip);
		char a[64];

		if (skip) {
			memmove(c->rbuf, c->rbuf + skip, c->rlen - skip);
			c->rlen -= skip;
			/*
			 * RFC 5626 §4.4.1: CRLF CRLF between messages is a
			 * ping, answered with one CRLF (a pong), however the
			 * bytes were split over reads; a lone CRLF is not
			 */
			c->crlf += skip;
			if (c->crlf >= 4) {
				c->crlf = 0;
				KA_CountPing();
				if (conn_queue(c, "\r\n", 2)) {
					conn_close(c, "write failed");
					return -1;
				}
			}
		}
		if (len == -EMSGSIZE && conn_oversize_fn) {
			/* headers complete but the body too long: let the proxy answer 413 */
			const char *e = memmem(c->rbuf, c->rlen, "\r\n\r\n", 4);

			if (e && (size_t)(e + 4 - c->rbuf) <= conn_lim.max_message) {
				c = conn_deliver(conn_oversize_fn, c, e + 4 - c->rbuf, &src);
				if (!c)
					return -1;
			}
		}
		if (len < 0) {
			TP_AddrStr(&c->peer, a, sizeof(a));
			LOG_Drop(len == -EMSGSIZE ? "message too large on a stream" :
				 "no Content-Length on a stream", a);
			conn_close(c, "unframeable input");
			return -1;
		}
		if (len == 0) {
			if (!c->rlen)
				c->partial_since = 0;
			else if (!c->partial_since)
				c->partial_since = TMR_Now();
			return 0;
		}
		conn_stats.rx++;
		c->partial_since = 0;
		c->crlf = 0;
		/* a source over its rate is dropped (and counted by limits.c) */
		if (!LIM_Check(&src.addr, c->rbuf, len)) {
			c = conn_deliver(conn_fn, c, len, &src);
			if (!c)
				return -1;	/* the handler closed us (a failed send) */
		}
		memmove(c->rbuf, c->rbuf + len, c->rlen - len);
		c->rlen -= len;
	}
}
