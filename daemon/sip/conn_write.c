// SPDX-License-Identifier: GPL-2.0
/*
 * The write queue of a stream connection: what cannot be written at once
 * waits in c->wbuf for EPOLLOUT (conn_event.c calls conn_flush then). A
 * TLS connection writes one record at a time, and after -EAGAIN repeats
 * the same length, as GnuTLS requires. While a connection connects or
 * runs its TLS handshake, sends only queue.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../loop.h"
#include "conn_internal.h"
#include "tls.h"

/* what to wait for while output is pending: a closing connection reads no more */
static uint32_t conn_wait_out(const struct conn *c)
{
	return c->closing ? EPOLLOUT : EPOLLIN | EPOLLOUT;
}

/* write what can go now; wait for EPOLLOUT for the rest */
int conn_flush(struct conn *c)
{
	while (c->woff < c->wlen) {
		size_t left = c->wlen - c->woff;
		ssize_t n;

		if (c->tls) {
			/* after -EAGAIN GnuTLS wants the same length again */
			size_t len = c->tls_wpend ? c->tls_wpend :
				     left < CONN_TLS_CHUNK ? left : CONN_TLS_CHUNK;

			n = TLS_Send(c->tls, c->wbuf + c->woff, len);
			if (n == -EAGAIN) {
				c->tls_wpend = len;
				return LOOP_Mod(c->h, conn_wait_out(c));
			}
			if (n < 0)
				return n;
			c->tls_wpend = 0;
		} else {
			n = send(c->fd, c->wbuf + c->woff, left, MSG_NOSIGNAL);
			if (n < 0) {
				if (errno == EAGAIN || errno == EWOULDBLOCK)
					return LOOP_Mod(c->h, conn_wait_out(c));
				return -errno;
			}
		}
		c->woff += n;
	}
	c->woff = c->wlen = 0;
	return LOOP_Mod(c->h, c->closing ? 0 : EPOLLIN);
}

/*
 * Close c once what is queued for it is written: the answer to a refused
 * WebSocket handshake, a close frame. Until then it reads nothing more.
 */
void conn_finish(struct conn *c, const char *why)
{
	if (c->woff == c->wlen || conn_flush(c) || c->woff == c->wlen) {
		conn_close(c, why);
		return;
	}
	c->closing = 1;
	LOOP_Mod(c->h, EPOLLOUT);
}

int conn_queue(struct conn *c, const char *buf, size_t len)
{
	char *w;

	if (c->wlen - c->woff + len > CONN_MAX_WQ)
		return -ENOBUFS;
	if (c->woff) {
		memmove(c->wbuf, c->wbuf + c->woff, c->wlen - c->woff);
		c->wlen -= c->woff;
		c->woff = 0;
	}
	w = realloc(c->wbuf, c->wlen + len);
	if (!w)
		return -ENOMEM;
	c->wbuf = w;
	memcpy(c->wbuf + c->wlen, buf, len);
	c->wlen += len;
	if (c->connecting || c->handshaking)
		return 0;
	return conn_flush(c);
}
