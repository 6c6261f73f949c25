// SPDX-License-Identifier: GPL-2.0
/*
 * The epoll events of a stream connection, in the order they can come: a
 * connect() that completes, the TLS handshake step by step as epoll reports
 * the direction GnuTLS waits for, room to write, then input to read.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/socket.h>

#include "../log.h"
#include "../loop.h"
#include "conn_internal.h"
#include "tls.h"

/* 0 when the handshake is done, else stop handling this event */
static int conn_handshake(struct conn *c)
{
	char a[64], d[64];
	int r = TLS_Handshake(c->tls);

	if (r == -EAGAIN) {
		LOOP_Mod(c->h, TLS_WantWrite(c->tls) ? EPOLLOUT : EPOLLIN);
		return -1;
	}
	TP_AddrStr(&c->peer, a, sizeof(a));
	if (r) {
		if (!c->connecting)
			LOG_Drop("TLS handshake failed", a);
		conn_close(c, "TLS handshake failed");
		return -1;
	}
	c->handshaking = 0;
	LOG_DEBUG("tls %s: %s", a, TLS_Describe(c->tls, d, sizeof(d)));
	if (conn_flush(c)) {
		conn_close(c, "write error");
		return -1;
	}
	return 0;
}

void conn_event(int fd, uint32_t events, void *arg)
{
	uint32_t id = (uint32_t)(uintptr_t)arg;
	struct conn *c = conn_get(id);

	(void)fd;
	if (!c)
		return;
	if (c->connecting) {
		int err = 0;
		socklen_t l = sizeof(err);

		if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return;
		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
		if (err) {
			conn_stats.connect_failures++;
			conn_close(c, "connect failed");
			return;
		}
		c->connecting = 0;
		if (!c->handshaking && conn_flush(c)) {
			conn_close(c, "write error");
			return;
		}
	}
	if (c->handshaking) {
		if (conn_handshake(c))
			return;
		events |= EPOLLIN;	/* GnuTLS may hold what came with the last flight */
	} else if (events & EPOLLOUT) {
		if (conn_flush(c)) {
			conn_close(c, "write error");
			return;
		}
	}
	if (c->closing) {
		if (c->woff == c->wlen || (events & (EPOLLHUP | EPOLLERR)))
			conn_close(c, "closed after the last write");
		return;
	}
	if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return;
	/* TLS may decrypt more than a read asked for: epoll cannot see those bytes */
	while (!conn_read(c)) {
		c = conn_get(id);
		if (!c || !c->tls || !TLS_Pending(c->tls))
			break;
	}
}
