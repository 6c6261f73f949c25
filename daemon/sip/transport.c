// SPDX-License-Identifier: GPL-2.0
/*
 * SIP transports. Everything here runs in the main thread: sockets are
 * non-blocking and driven by the epoll loop, so no locking is needed.
 *
 * This file owns the listening sockets, UDP and the choice of local
 * address; TCP, TLS and WebSocket connections live in conn.c, TLS sessions
 * in tls.c, WebSocket framing in ws.c.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../hash.h"
#include "../log.h"
#include "../loop.h"
#include "../timer.h"
#include "conn.h"
#include "keepalive.h"
#include "limits.h"
#include "stats.h"
#include "tls.h"
#include "transport.h"

#define TP_MAX_LISTEN	16
#define TP_MAX_LOCAL	64

struct tp_sock {
	int fd;
	int proto;
	struct sockaddr_storage addr;
	struct loop_fd *h;
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
static struct tp_limits tp_lim;
static tp_handler tp_fn;
static int (*tp_send_hook)(const struct tp_peer *dst, const char *buf, size_t len);
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
	switch (proto) {
	case TP_TCP: return "TCP";
	case TP_TLS: return "TLS";
	case TP_WS: return "WS";
	case TP_WSS: return "WSS";
	default: return "UDP";
	}
}

const char *TP_ProtoParam(int proto)
{
	switch (proto) {
	case TP_TCP: return "tcp";
	case TP_TLS: return "tls";
	case TP_WS: return "ws";
	case TP_WSS: return "wss";
	default: return "udp";
	}
}

int TP_ProtoParse(struct sip_str s)
{
	if (STR_CaseEqC(s, "ws"))
		return TP_WS;
	if (STR_CaseEqC(s, "wss"))
		return TP_WSS;
	if (STR_CaseEqC(s, "udp"))
		return TP_UDP;
	if (STR_CaseEqC(s, "tcp"))
		return TP_TCP;
	if (STR_CaseEqC(s, "tls"))
		return TP_TLS;
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
	if (TP_IsStream(dst->proto)) {
		int r;

		/* what this burst stored is committed before anything leaves */
		if (tp_txq.active)
			tp_txq_flush(0);
		r = CONN_Send(dst, buf, len);
		if (r) {
			tp_stats.tx_errors++;
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
		if (KA_IsStun((const uint8_t *)tp_rxbuf, n)) {
			uint8_t ans[KA_STUN_MAX];
			size_t alen = KA_Stun((const uint8_t *)tp_rxbuf, n, &src.addr, ans,
					      sizeof(ans));

			if (alen)
				sendto(fd, ans, alen, MSG_DONTWAIT, (struct sockaddr *)&src.addr,
				       TP_AddrLen(&src.addr));
			continue;
		}
		tp_fn(tp_rxbuf, n, &src);
	}
	tp_txq_flush(1);
	tp_txq.active = 0;
}

static void tp_accept(int fd, uint32_t events, void *arg)
{
	(void)events;
	CONN_Accept(fd, tp_socks[(intptr_t)arg].proto);
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
	if (proto != TP_UDP)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (addr->ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (proto == TP_UDP) {
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof(bufsz));
	}
	if (bind(fd, (const struct sockaddr *)addr, TP_AddrLen(addr)))
		goto err_close;
	if (proto != TP_UDP && listen(fd, 128))
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
	tp_fn = fn;
	KA_Init();
	tp_rxbuf = malloc(65536 + 1);
	if (!tp_rxbuf || CONN_Init(lim, fn))
		return -ENOMEM;
	TP_RefreshLocal();
	for (i = 0; i < n; i++) {
		if (l[i].udp && !tp_open(&l[i].addr, TP_UDP))
			ok++;
		if (l[i].tcp && !tp_open(&l[i].addr, TP_TCP))
			ok++;
		if (l[i].tls && !TLS_CanServe()) {
			LOG_ERR("listen_tls needs tls_certificate and tls_private_key");
			continue;
		}
		if (l[i].tls && !tp_open(&l[i].addr, TP_TLS))
			ok++;
		if (l[i].ws && !tp_open(&l[i].addr, TP_WS))
			ok++;
		if (l[i].wss && !TLS_CanServe()) {
			LOG_ERR("listen_wss needs tls_certificate and tls_private_key");
			continue;
		}
		if (l[i].wss && !tp_open(&l[i].addr, TP_WSS))
			ok++;
	}
	if (!ok)
		return -EADDRNOTAVAIL;
	return 0;
}

void TP_SetOversizeHandler(tp_handler fn)
{
	CONN_SetOversizeHandler(fn);
}

int TP_ConnOpen(uint32_t id)
{
	return CONN_Open(id);
}

void TP_SetFailHandler(void (*fn)(int proto, const struct sockaddr_storage *addr))
{
	CONN_SetFailHandler(fn);
}

void TP_Fini(void)
{
	int i;

	CONN_Fini();
	for (i = 0; i < tp_nsocks; i++) {
		LOOP_Del(tp_socks[i].h);
		close(tp_socks[i].fd);
	}
	tp_nsocks = 0;
	free(tp_rxbuf);
	tp_rxbuf = NULL;
}

int TP_IsStream(int proto)
{
	return proto == TP_TCP || proto == TP_TLS || proto == TP_WS || proto == TP_WSS;
}

uint16_t TP_DefaultPort(int proto)
{
	switch (proto) {
	case TP_TLS: return 5061;
	case TP_WS: return 80;
	case TP_WSS: return 443;
	default: return 5060;
	}
}

void TP_GetStats(struct tp_stats *s)
{
	struct conn_stats cs;
	struct tls_stats ts;

	CONN_GetStats(&cs);
	TLS_GetStats(&ts);
	*s = tp_stats;
	s->rx += cs.rx;
	s->tx_errors += cs.connect_failures;
	s->conns = cs.opened;
	s->conns_refused = cs.refused;
	s->tcp_open = cs.open_tcp;
	s->tls_open = cs.open_tls;
	s->ws_open = cs.open_ws;
	s->wss_open = cs.open_wss;
	s->tls_handshakes = ts.handshakes;
	s->tls_handshake_failures = ts.handshake_failures;
	s->tls_handshake_timeouts = cs.handshake_timeouts;
	s->tls_verify_failures = ts.verify_failures;
}
