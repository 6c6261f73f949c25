// SPDX-License-Identifier: GPL-2.0
/*
 * SIP transports. Everything here runs in the main thread: sockets are
 * non-blocking and driven by the epoll loop, so no locking is needed.
 *
 * A TCP connection is named by an id (slot | generation << 16) so that a
 * transaction can ask for "the connection the request came on" long after
 * that connection may have closed and its slot been reused.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../hash.h"
#include "../log.h"
#include "../loop.h"
#include "../timer.h"
#include "limits.h"
#include "stats.h"
#include "transport.h"

#define TP_MAX_LISTEN	16
#define TP_MAX_LOCAL	64
#define TP_MAX_WQ	(1 << 20)	/* queued output per TCP connection */
#define TP_PARTIAL_MS	30000		/* a started message must complete in this time */

struct tp_sock {
	int fd;
	int proto;
	struct sockaddr_storage addr;
	struct loop_fd *h;
};

struct tp_conn {
	uint32_t id;
	int fd;
	int connecting;
	struct sockaddr_storage peer;
	struct loop_fd *h;
	char *rbuf;
	size_t rlen;
	char *wbuf;
	size_t wlen, woff;
	uint64_t last_rx;		/* TMR_Now() of the last read */
	uint64_t partial_since;		/* 0 when no message is half-read */
};

/* which local address reaches a peer (TP_LocalFor with wildcard listeners) */
#define TP_ROUTE_CACHE	256
struct tp_route {
	struct sockaddr_storage dst, local;
	uint64_t when;			/* TMR_Now() of the lookup, 0 = empty */
};

static struct tp_route tp_routes[TP_ROUTE_CACHE];
static struct tp_sock tp_socks[TP_MAX_LISTEN];
static int tp_nsocks;
static struct tp_conn **tp_conns;
static uint32_t tp_gen;
static struct tp_limits tp_lim;
static tp_handler tp_fn, tp_oversize_fn;
static int (*tp_send_hook)(const struct tp_peer *dst, const char *buf, size_t len);
static struct tmr tp_sweep = { .idx = -1 };
static struct tp_stats tp_stats;

#define TP_TXQ_MAX	64		/* one read burst */
#define TP_TXQ_BYTES	(256 * 1024)

/* UDP datagrams held back until their burst is committed */
static struct {
	int active;			/* inside a read burst */
	int n;
	size_t used;			/* bytes of buf */
	int fd[TP_TXQ_MAX];
	struct sockaddr_storage addr[TP_TXQ_MAX];
	struct iovec iov[TP_TXQ_MAX];
	struct mmsghdr msg[TP_TXQ_MAX];
	char buf[TP_TXQ_BYTES];
} tp_txq;
static void (*tp_batch_begin)(void);
static int (*tp_batch_commit)(int end);
static struct sockaddr_storage tp_local[TP_MAX_LOCAL];
static int tp_nlocal;
static char *tp_rxbuf;

const char *TP_ProtoName(int proto)
{
	return proto == TP_TCP ? "TCP" : "UDP";
}

int TP_ProtoParse(struct sip_str s)
{
	if (STR_CaseEqC(s, "udp"))
		return TP_UDP;
	if (STR_CaseEqC(s, "tcp"))
		return TP_TCP;
	return 0;
}

socklen_t TP_AddrLen(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

uint16_t TP_Port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

void TP_IpStr(const struct sockaddr_storage *ss, char *out, size_t outsz)
{
	if (ss->ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, out, outsz);
	else if (ss->ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, out, outsz);
	else
		snprintf(out, outsz, "?");
}

void TP_AddrStr(const struct sockaddr_storage *ss, char *out, size_t outsz)
{
	char ip[INET6_ADDRSTRLEN];

	TP_IpStr(ss, ip, sizeof(ip));
	if (ss->ss_family == AF_INET6)
		snprintf(out, outsz, "[%s]:%u", ip, TP_Port(ss));
	else
		snprintf(out, outsz, "%s:%u", ip, TP_Port(ss));
}

int TP_SameIp(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET6)
		return !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
			       &((const struct sockaddr_in6 *)b)->sin6_addr, 16);
	return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
	       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
}

int TP_SameAddr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	return TP_SameIp(a, b) && TP_Port(a) == TP_Port(b);
}

static int tp_ip_parse(const char *s, size_t len, uint16_t port, struct sockaddr_storage *out)
{
	char tmp[INET6_ADDRSTRLEN + 1];

	if (len >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, tmp, &((struct sockaddr_in *)out)->sin_addr) == 1) {
		out->ss_family = AF_INET;
		((struct sockaddr_in *)out)->sin_port = htons(port);
		return 0;
	}
	if (inet_pton(AF_INET6, tmp, &((struct sockaddr_in6 *)out)->sin6_addr) == 1) {
		out->ss_family = AF_INET6;
		((struct sockaddr_in6 *)out)->sin6_port = htons(port);
		return 0;
	}
	return -EINVAL;
}

int TP_AddrParse(const char *s, uint16_t dport, struct sockaddr_storage *out)
{
	const char *h = s, *e, *c;
	unsigned long port = dport;

	if (*s == '[') {
		h = s + 1;
		e = strchr(h, ']');
		if (!e)
			return -EINVAL;
		c = e + 1;
		if (*c && *c != ':')
			return -EINVAL;
	} else {
		c = strchr(s, ':');
		if (c && strchr(c + 1, ':'))
			c = NULL;	/* bare IPv6 address */
		e = c ? c : s + strlen(s);
	}
	if (c && *c == ':') {
		char *end;

		port = strtoul(c + 1, &end, 10);
		if (*end || !port || port > 65535)
			return -EINVAL;
	}
	if (e - h == 9 && !strncasecmp(h, "localhost", 9))
		return tp_ip_parse("127.0.0.1", 9, port, out);
	return tp_ip_parse(h, e - h, port, out);
}

int TP_Resolve(struct sip_str host, int v6, uint16_t port, struct sockaddr_storage *out)
{
	(void)v6;
	if (!port)
		port = 5060;
	if (STR_CaseEqC(host, "localhost"))
		return tp_ip_parse("127.0.0.1", 9, port, out);
	return tp_ip_parse(host.s, host.len, port, out);
}

/* ---- local addresses ---- */

void TP_RefreshLocal(void)
{
	struct ifaddrs *ifa, *i;

	memset(tp_routes, 0, sizeof(tp_routes));
	tp_nlocal = 0;
	if (getifaddrs(&ifa))
		return;
	for (i = ifa; i && tp_nlocal < TP_MAX_LOCAL; i = i->ifa_next) {
		if (!i->ifa_addr)
			continue;
		if (i->ifa_addr->sa_family != AF_INET && i->ifa_addr->sa_family != AF_INET6)
			continue;
		memset(&tp_local[tp_nlocal], 0, sizeof(tp_local[0]));
		memcpy(&tp_local[tp_nlocal], i->ifa_addr,
		       i->ifa_addr->sa_family == AF_INET ? sizeof(struct sockaddr_in) :
							  sizeof(struct sockaddr_in6));
		tp_nlocal++;
	}
	freeifaddrs(ifa);
}

static int tp_is_local_ip(const struct sockaddr_storage *ss)
{
	int i;

	for (i = 0; i < tp_nlocal; i++)
		if (TP_SameIp(&tp_local[i], ss))
			return 1;
	for (i = 0; i < tp_nsocks; i++)
		if (TP_SameIp(&tp_socks[i].addr, ss))
			return 1;
	return 0;
}

int TP_IsUs(struct sip_str host, uint16_t port)
{
	struct sockaddr_storage ss;
	int i;

	if (!port)
		port = 5060;
	for (i = 0; i < tp_nsocks; i++)
		if (TP_Port(&tp_socks[i].addr) == port)
			break;
	if (i == tp_nsocks)
		return 0;
	if (STR_CaseEqC(host, "localhost"))
		return 1;
	if (TP_Resolve(host, 0, port, &ss))
		return 0;
	return tp_is_local_ip(&ss);
}

static int tp_is_any(const struct sockaddr_storage *ss)
{
	static const struct in6_addr any6;

	if (ss->ss_family == AF_INET6)
		return !memcmp(&((const struct sockaddr_in6 *)ss)->sin6_addr, &any6, 16);
	return ((const struct sockaddr_in *)ss)->sin_addr.s_addr == INADDR_ANY;
}

static struct tp_sock *tp_sock_for(int proto, int family)
{
	int i;

	for (i = 0; i < tp_nsocks; i++)
		if (tp_socks[i].proto == proto && tp_socks[i].addr.ss_family == family)
			return &tp_socks[i];
	/* a TCP-only or UDP-only listen: Via still needs a port */
	for (i = 0; i < tp_nsocks; i++)
		if (tp_socks[i].addr.ss_family == family)
			return &tp_socks[i];
	return NULL;
}

int TP_LocalFor(const struct tp_peer *dst, char *out, size_t outsz)
{
	struct tp_sock *s = tp_sock_for(dst->proto, dst->addr.ss_family);
	struct sockaddr_storage local;
	socklen_t alen = sizeof(local);
	char ip[INET6_ADDRSTRLEN];
	int fd;

	if (!s)
		return -EAFNOSUPPORT;
	local = s->addr;
	if (tp_is_any(&s->addr)) {
		/* a small cache: the routing table is asked at most every 10 s per peer */
		struct tp_route *rc = &tp_routes[HASH_Fnv(&dst->addr, TP_AddrLen(&dst->addr)) %
						 TP_ROUTE_CACHE];
		uint64_t now = TMR_Now();

		if (rc->when && now - rc->when < 10000 && TP_SameIp(&rc->dst, &dst->addr)) {
			local = rc->local;
		} else {
			/* ask the routing table which source address reaches dst */
			fd = socket(dst->addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
			if (fd < 0)
				return -errno;
			if (connect(fd, (const struct sockaddr *)&dst->addr,
				    TP_AddrLen(&dst->addr)) ||
			    getsockname(fd, (struct sockaddr *)&local, &alen)) {
				close(fd);
				return -errno;
			}
			close(fd);
			rc->dst = dst->addr;
			rc->local = local;
			rc->when = now;
		}
	}
	TP_IpStr(&local, ip, sizeof(ip));
	snprintf(out, outsz, local.ss_family == AF_INET6 ? "[%s]:%u" : "%s:%u", ip,
		 TP_Port(&s->addr));
	return 0;
}

/* ---- TCP connections ---- */

static struct tp_conn *tp_conn_get(uint32_t id)
{
	uint32_t slot = id & 0xffff;

	if (!id || slot >= tp_lim.max_conns || !tp_conns[slot] || tp_conns[slot]->id != id)
		return NULL;
	return tp_conns[slot];
}

static void tp_conn_close(struct tp_conn *c, const char *why)
{
	char a[64];

	TP_AddrStr(&c->peer, a, sizeof(a));
	LOG_DEBUG("tcp %s closed: %s", a, why);
	LOOP_Del(c->h);
	close(c->fd);
	tp_conns[c->id & 0xffff] = NULL;
	free(c->rbuf);
	free(c->wbuf);
	free(c);
}

static void tp_conn_event(int fd, uint32_t events, void *arg);

static struct tp_conn *tp_conn_new(int fd, const struct sockaddr_storage *peer, int connecting)
{
	struct tp_conn *c;
	unsigned int i;

	for (i = 0; i < tp_lim.max_conns; i++)
		if (!tp_conns[i])
			break;
	if (i == tp_lim.max_conns) {
		tp_stats.conns_refused++;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->rbuf = malloc(tp_lim.max_message + 1);
	if (!c->rbuf) {
		free(c);
		return NULL;
	}
	c->fd = fd;
	c->peer = *peer;
	c->connecting = connecting;
	c->last_rx = TMR_Now();
	tp_gen = (tp_gen + 1) & 0xffff;
	if (!tp_gen)
		tp_gen = 1;
	c->id = i | tp_gen << 16;
	c->h = LOOP_Add(fd, EPOLLIN | (connecting ? EPOLLOUT : 0), tp_conn_event,
			(void *)(uintptr_t)c->id);
	if (!c->h) {
		free(c->rbuf);
		free(c);
		return NULL;
	}
	tp_conns[i] = c;
	tp_stats.conns++;
	return c;
}

static int tp_conn_flush(struct tp_conn *c)
{
	while (c->woff < c->wlen) {
		ssize_t n = send(c->fd, c->wbuf + c->woff, c->wlen - c->woff, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return LOOP_Mod(c->h, EPOLLIN | EPOLLOUT);
			return -errno;
		}
		c->woff += n;
	}
	c->woff = c->wlen = 0;
	return LOOP_Mod(c->h, EPOLLIN);
}

static int tp_conn_queue(struct tp_conn *c, const char *buf, size_t len)
{
	char *w;

	if (c->wlen - c->woff + len > TP_MAX_WQ)
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
	if (c->connecting)
		return 0;
	return tp_conn_flush(c);
}

static void tp_conn_read(struct tp_conn *c)
{
	uint32_t id = c->id;
	struct tp_peer src = { .proto = TP_TCP, .sock = -1 };
	ssize_t n;

	n = recv(c->fd, c->rbuf + c->rlen, tp_lim.max_message + 1 - c->rlen, 0);
	if (n == 0) {
		tp_conn_close(c, "peer closed");
		return;
	}
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			tp_conn_close(c, "read error");
		return;
	}
	c->rlen += n;
	c->last_rx = TMR_Now();
	src.addr = c->peer;
	src.conn = id;
	for (;;) {
		size_t skip;
		long len = MSG_Frame(c->rbuf, c->rlen, tp_lim.max_message, &skip);
		char a[64];

		if (skip) {
			memmove(c->rbuf, c->rbuf + skip, c->rlen - skip);
			c->rlen -= skip;
		}
		if (len == -EMSGSIZE && tp_oversize_fn) {
			/* headers complete but the body too long: let the proxy answer 413 */
			const char *e = memmem(c->rbuf, c->rlen, "\r\n\r\n", 4);

			if (e && (size_t)(e + 4 - c->rbuf) <= tp_lim.max_message) {
				tp_oversize_fn(c->rbuf, e + 4 - c->rbuf, &src);
				c = tp_conn_get(id);
				if (!c)
					return;
			}
		}
		if (len < 0) {
			TP_AddrStr(&c->peer, a, sizeof(a));
			LOG_Drop(len == -EMSGSIZE ? "message too large on TCP" :
				 "no Content-Length on TCP", a);
			tp_conn_close(c, "unframeable input");
			return;
		}
		if (len == 0) {
			if (!c->rlen)
				c->partial_since = 0;
			else if (!c->partial_since)
				c->partial_since = TMR_Now();
			return;
		}
		tp_stats.rx++;
		c->partial_since = 0;
		if (!LIM_Check(&src.addr, c->rbuf, len))
			tp_fn(c->rbuf, len, &src);
		/* the handler may have closed us (a failed send) */
		c = tp_conn_get(id);
		if (!c)
			return;
		memmove(c->rbuf, c->rbuf + len, c->rlen - len);
		c->rlen -= len;
	}
}

static void tp_conn_event(int fd, uint32_t events, void *arg)
{
	struct tp_conn *c = tp_conn_get((uint32_t)(uintptr_t)arg);

	(void)fd;
	if (!c)
		return;
	if (c->connecting && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
		int err = 0;
		socklen_t l = sizeof(err);

		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
		if (err) {
			tp_stats.tx_errors++;
			tp_conn_close(c, "connect failed");
			return;
		}
		c->connecting = 0;
	}
	if (events & EPOLLOUT) {
		if (tp_conn_flush(c)) {
			tp_conn_close(c, "write error");
			return;
		}
	}
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		tp_conn_read(c);
}

/* open connections whose peer has the IP of addr */
static unsigned int tp_conns_from(const struct sockaddr_storage *addr)
{
	unsigned int i, n = 0;

	for (i = 0; i < tp_lim.max_conns; i++)
		n += tp_conns[i] && TP_SameIp(&tp_conns[i]->peer, addr);
	return n;
}

static void tp_accept(int fd, uint32_t events, void *arg)
{
	int i;

	(void)events;
	(void)arg;
	for (i = 0; i < 32; i++) {
		struct sockaddr_storage peer;
		socklen_t alen = sizeof(peer);
		int cfd = accept4(fd, (struct sockaddr *)&peer, &alen,
				  SOCK_NONBLOCK | SOCK_CLOEXEC);
		int one = 1;

		if (cfd < 0)
			return;
		setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (!LIM_ConnAllowed(&peer, tp_conns_from(&peer))) {
			char a[64];

			TP_AddrStr(&peer, a, sizeof(a));
			LOG_Drop("too many TCP connections from this source, or banned", a);
			close(cfd);
			continue;
		}
		if (!tp_conn_new(cfd, &peer, 0)) {
			char a[64];

			TP_AddrStr(&peer, a, sizeof(a));
			LOG_Drop("too many TCP connections", a);
			close(cfd);
		}
	}
}

static struct tp_conn *tp_conn_find(const struct sockaddr_storage *peer)
{
	unsigned int i;

	for (i = 0; i < tp_lim.max_conns; i++)
		if (tp_conns[i] && TP_SameAddr(&tp_conns[i]->peer, peer))
			return tp_conns[i];
	return NULL;
}

static struct tp_conn *tp_conn_connect(const struct sockaddr_storage *peer)
{
	struct tp_conn *c;
	int one = 1;
	int fd = socket(peer->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return NULL;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (const struct sockaddr *)peer, TP_AddrLen(peer)) && errno != EINPROGRESS) {
		close(fd);
		return NULL;
	}
	c = tp_conn_new(fd, peer, 1);
	if (!c)
		close(fd);
	return c;
}

static void tp_sweep_fn(struct tmr *t)
{
	uint64_t now = TMR_Now();
	unsigned int i;

	for (i = 0; i < tp_lim.max_conns; i++) {
		struct tp_conn *c = tp_conns[i];

		if (!c)
			continue;
		if (c->partial_since && now - c->partial_since > TP_PARTIAL_MS)
			tp_conn_close(c, "incomplete message timed out");
		else if (now - c->last_rx > (uint64_t)tp_lim.idle_timeout * 1000 && !c->wlen)
			tp_conn_close(c, "idle");
	}
	TMR_Start(t, 5000);
}

void TP_SetSendHook(int (*fn)(const struct tp_peer *dst, const char *buf, size_t len))
{
	tp_send_hook = fn;
}

void TP_SetBatchHooks(void (*begin)(void), int (*commit)(int end))
{
	tp_batch_begin = begin;
	tp_batch_commit = commit;
}

/* send the queue, each run of one socket's datagrams with one sendmmsg() */
static void tp_txq_send(void)
{
	int i = 0, j, k, r;

	while (i < tp_txq.n) {
		for (j = i; j < tp_txq.n && tp_txq.fd[j] == tp_txq.fd[i]; j++)
			;
		for (k = i; k < j; ) {
			r = sendmmsg(tp_txq.fd[i], &tp_txq.msg[k], j - k, MSG_DONTWAIT);
			if (r <= 0) {
				tp_stats.tx_errors++;	/* this one failed: go on after it */
				k++;
				continue;
			}
			tp_stats.tx += r;
			k += r;
		}
		i = j;
	}
	tp_txq.n = 0;
	tp_txq.used = 0;
}

/* commit what the burst so far wrote, then let its replies go */
static void tp_txq_flush(int end)
{
	if (tp_batch_commit && tp_batch_commit(end)) {
		LOG_ERR("state not stored: %d replies withheld, the UAs will retransmit",
			tp_txq.n);
		tp_stats.tx_errors += tp_txq.n;
		tp_txq.n = 0;
		tp_txq.used = 0;
		return;
	}
	tp_txq_send();
}

static void tp_txq_put(int fd, const struct tp_peer *dst, const char *buf, size_t len)
{
	int i;

	if (tp_txq.n == TP_TXQ_MAX || TP_TXQ_BYTES - tp_txq.used < len)
		tp_txq_flush(0);
	i = tp_txq.n++;
	memcpy(tp_txq.buf + tp_txq.used, buf, len);
	tp_txq.fd[i] = fd;
	tp_txq.addr[i] = dst->addr;
	tp_txq.iov[i].iov_base = tp_txq.buf + tp_txq.used;
	tp_txq.iov[i].iov_len = len;
	memset(&tp_txq.msg[i], 0, sizeof(tp_txq.msg[i]));
	tp_txq.msg[i].msg_hdr.msg_name = &tp_txq.addr[i];
	tp_txq.msg[i].msg_hdr.msg_namelen = TP_AddrLen(&dst->addr);
	tp_txq.msg[i].msg_hdr.msg_iov = &tp_txq.iov[i];
	tp_txq.msg[i].msg_hdr.msg_iovlen = 1;
	tp_txq.used += len;
}

int TP_Send(const struct tp_peer *dst, const char *buf, size_t len)
{
	SST_Sent(buf, len);
	if (tp_send_hook)
		return tp_send_hook(dst, buf, len);
	if (dst->proto == TP_TCP) {
		struct tp_conn *c = tp_conn_get(dst->conn);
		int r;

		/* what this burst stored is committed before anything leaves */
		if (tp_txq.active)
			tp_txq_flush(0);

		if (!c)
			c = tp_conn_find(&dst->addr);
		if (!c)
			c = tp_conn_connect(&dst->addr);
		if (!c) {
			tp_stats.tx_errors++;
			return -ECONNREFUSED;
		}
		r = tp_conn_queue(c, buf, len);
		if (r) {
			tp_stats.tx_errors++;
			tp_conn_close(c, "write failed");
			return r;
		}
		tp_stats.tx++;
		return 0;
	}
	{
		struct tp_sock *s = NULL;

		if (dst->sock >= 0 && dst->sock < tp_nsocks &&
		    tp_socks[dst->sock].proto == TP_UDP &&
		    tp_socks[dst->sock].addr.ss_family == dst->addr.ss_family)
			s = &tp_socks[dst->sock];
		if (!s)
			s = tp_sock_for(TP_UDP, dst->addr.ss_family);
		if (!s || s->proto != TP_UDP) {
			tp_stats.tx_errors++;
			return -EAFNOSUPPORT;
		}
		if (tp_txq.active && len <= TP_TXQ_BYTES) {
			tp_txq_put(s->fd, dst, buf, len);
			return 0;
		}
		if (sendto(s->fd, buf, len, MSG_DONTWAIT, (const struct sockaddr *)&dst->addr,
			   TP_AddrLen(&dst->addr)) < 0) {
			tp_stats.tx_errors++;
			return -errno;
		}
		tp_stats.tx++;
		return 0;
	}
}

static void tp_udp_read(int fd, uint32_t events, void *arg)
{
	struct tp_peer src = { .proto = TP_UDP, .sock = (int)(intptr_t)arg };
	int i;

	(void)events;
	tp_txq.active = 1;
	if (tp_batch_begin)
		tp_batch_begin();
	for (i = 0; i < TP_TXQ_MAX; i++) {
		socklen_t alen = sizeof(src.addr);
		ssize_t n = recvfrom(fd, tp_rxbuf, 65536, MSG_TRUNC | MSG_DONTWAIT,
				     (struct sockaddr *)&src.addr, &alen);
		char a[64];

		if (n < 0)
			break;
		if (n == 0 || (n <= 4 && !memchr(tp_rxbuf, ':', n)))
			continue;	/* keep-alive CRLF or empty datagram */
		if ((size_t)n > tp_lim.max_message || n > 65536) {
			TP_AddrStr(&src.addr, a, sizeof(a));
			LOG_Drop("datagram too large", a);
			continue;
		}
		tp_stats.rx++;
		if (LIM_Check(&src.addr, tp_rxbuf, n))
			continue;	/* counted there; answering would feed the flood */
		tp_fn(tp_rxbuf, n, &src);
	}
	tp_txq_flush(1);
	tp_txq.active = 0;
}

static int tp_open(const struct sockaddr_storage *addr, int proto)
{
	struct tp_sock *s = &tp_socks[tp_nsocks];
	int one = 1, fd, bufsz = 4 << 20;
	char a[64];

	TP_AddrStr(addr, a, sizeof(a));
	if (tp_nsocks == TP_MAX_LISTEN)
		return -ENOSPC;
	fd = socket(addr->ss_family, (proto == TP_UDP ? SOCK_DGRAM : SOCK_STREAM) |
		    SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto err;
	/*
	 * TCP needs SO_REUSEADDR to restart over TIME_WAIT; UDP must not have
	 * it, or a second krtpd would silently share the port with the first.
	 */
	if (proto == TP_TCP)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (addr->ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (proto == TP_UDP) {
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof(bufsz));
	}
	if (bind(fd, (const struct sockaddr *)addr, TP_AddrLen(addr)))
		goto err_close;
	if (proto == TP_TCP && listen(fd, 128))
		goto err_close;
	s->fd = fd;
	s->proto = proto;
	s->addr = *addr;
	s->h = LOOP_Add(fd, EPOLLIN, proto == TP_UDP ? tp_udp_read : tp_accept,
			(void *)(intptr_t)tp_nsocks);
	if (!s->h)
		goto err_close;
	tp_nsocks++;
	LOG_INFO("listening on %s %s", TP_ProtoName(proto), a);
	return 0;
err_close:
	close(fd);
err:
	LOG_ERR("cannot listen on %s %s: %m", TP_ProtoName(proto), a);
	return -errno;
}

int TP_Init(const struct tp_listen *l, int n, const struct tp_limits *lim, tp_handler fn)
{
	int i, ok = 0;

	tp_lim = *lim;
	if (tp_lim.max_conns > 65535)
		tp_lim.max_conns = 65535;
	if (!tp_lim.max_conns)
		tp_lim.max_conns = 1;
	tp_fn = fn;
	tp_conns = calloc(tp_lim.max_conns, sizeof(*tp_conns));
	tp_rxbuf = malloc(65536 + 1);
	if (!tp_conns || !tp_rxbuf)
		return -ENOMEM;
	TP_RefreshLocal();
	for (i = 0; i < n; i++) {
		if (l[i].udp && !tp_open(&l[i].addr, TP_UDP))
			ok++;
		if (l[i].tcp && !tp_open(&l[i].addr, TP_TCP))
			ok++;
	}
	if (!ok)
		return -EADDRNOTAVAIL;
	TMR_Setup(&tp_sweep, tp_sweep_fn);
	TMR_Start(&tp_sweep, 5000);
	return 0;
}

void TP_SetOversizeHandler(tp_handler fn)
{
	tp_oversize_fn = fn;
}

void TP_Fini(void)
{
	unsigned int i;

	TMR_Stop(&tp_sweep);
	for (i = 0; tp_conns && i < tp_lim.max_conns; i++)
		if (tp_conns[i])
			tp_conn_close(tp_conns[i], "shutdown");
	for (i = 0; i < (unsigned int)tp_nsocks; i++) {
		LOOP_Del(tp_socks[i].h);
		close(tp_socks[i].fd);
	}
	tp_nsocks = 0;
	free(tp_conns);
	tp_conns = NULL;
	free(tp_rxbuf);
	tp_rxbuf = NULL;
}

void TP_GetStats(struct tp_stats *s)
{
	*s = tp_stats;
}
