/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the stream connections: what conn.c (the table, opening, closing,
 * the sweep), conn_event.c (epoll events, the TLS handshake), conn_read.c
 * (reading and framing) and conn_write.c (the write queue) share, and
 * nothing else. Main thread only, so there is no locking.
 *
 * Any function here that may close c (conn_close, directly or through a
 * failed send) frees it: callers re-look c up by id with conn_get after
 * anything that calls out, and stop when it is gone.
 */
#ifndef KRTPD_SIP_CONN_INTERNAL_H
#define KRTPD_SIP_CONN_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "conn.h"
#include "transport.h"

#define CONN_MAX_WQ	(1 << 20)	/* queued output per connection */
#define CONN_PARTIAL_MS	30000		/* a started message must complete in this time */
#define CONN_TLS_CHUNK	16384		/* one TLS record */
#define CONN_WS_READ	16384		/* one read of WebSocket frames */

struct conn {
	uint32_t id;
	int fd;
	int proto;			/* TP_TCP, TP_TLS, TP_WS or TP_WSS */
	int connecting;			/* TCP connect() in progress */
	int outgoing;			/* we connected (not accepted) */
	struct tls_sess *tls;		/* TP_TLS and TP_WSS */
	struct ws_sess *ws;		/* TP_WS and TP_WSS */
	int closing;			/* close once the write queue is flushed */
	uint64_t pinged;		/* last_rx when the idle ping went, 0 = none */
	int handshaking;
	size_t tls_wpend;		/* a TLS_Send of this size returned -EAGAIN */
	struct sockaddr_storage peer;
	struct loop_fd *h;
	char *rbuf;
	size_t rlen;
	char *wbuf;
	size_t wlen, woff;
	uint64_t born;			/* TMR_Now() at accept/connect */
	uint64_t last_rx;		/* TMR_Now() of the last read */
	uint64_t partial_since;		/* 0 when no message is half-read */
	unsigned int crlf;		/* CRLF bytes read since the last message */
};

extern struct tp_limits conn_lim;
extern tp_handler conn_fn, conn_oversize_fn;
extern struct conn_stats conn_stats;
/*
 * The read buffer whose message a handler is reading (conn_deliver). A reply
 * that fails to send closes the connection from inside the handler; the
 * buffer must outlive that, so conn_close leaves it to conn_deliver.
 */
extern char *conn_rbuf_busy;

/* the open connection with this id, or NULL */
struct conn *conn_get(uint32_t id);
/* close c now and free it */
void conn_close(struct conn *c, const char *why);

/* the epoll callback of every connection; arg is its id (conn_event.c) */
void conn_event(int fd, uint32_t events, void *arg);

/* One read and the messages it completes. 0 to read again, else stop (conn_read.c). */
int conn_read(struct conn *c);

/* conn_write.c: append to the write queue and write what can go now; 0 or -errno */
int conn_queue(struct conn *c, const char *buf, size_t len);
/* write what can go now; wait for EPOLLOUT for the rest. 0 or -errno */
int conn_flush(struct conn *c);
/* close c once what is queued for it is written; until then it reads nothing more */
void conn_finish(struct conn *c, const char *why);

#endif /* KRTPD_SIP_CONN_INTERNAL_H */
