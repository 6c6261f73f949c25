// SPDX-License-Identifier: GPL-2.0
/*
 * udp-relay: the userspace reference for the media-plane benchmark.
 *
 * Relays UDP the way a well-written userspace RTP proxy does: one bound,
 * non-blocking socket per relay port, epoll, recvmmsg() to drain a batch,
 * sendmmsg() to forward it, and the same source validation krtp.ko does
 * (learn the first source address:port, then lock; packets from elsewhere
 * are dropped and counted). The egress socket is bound to VIA and connected
 * to PEER, so the kernel keeps the route cached on it.
 *
 *   udp-relay [-B BATCH] LOCAL VIA PEER [LOCAL VIA PEER ...]
 *
 * LOCAL, VIA, PEER are IPv4 or [IPv6] address:port. VIA may be "-" to send
 * from the LOCAL socket. Prints "ready" once every socket is bound, and the
 * counters of each flow on SIGINT/SIGTERM:
 *   flow=0 packets=N bytes=N drop_wrong_source=N drop_send=N
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define RELAY_BATCH_MAX	256
#define RELAY_PKT_MAX	2048
#define RELAY_RCVBUF	(4 << 20)

struct relay_flow {
	int rx_fd;			/* bound to local */
	int tx_fd;			/* bound to via, connected to peer (or rx_fd) */
	bool tx_connected;
	struct sockaddr_storage peer;
	socklen_t peer_len;
	struct sockaddr_storage source;	/* learned source, valid when locked */
	socklen_t source_len;
	bool locked;
	uint64_t packets, bytes, drop_wrong_source, drop_send;
};

static volatile sig_atomic_t relay_stop;

static void relay_on_signal(int sig)
{
	(void)sig;
	relay_stop = 1;
}

static void relay_usage(void)
{
	fprintf(stderr, "usage: udp-relay [-B BATCH] LOCAL VIA|- PEER [LOCAL VIA|- PEER ...]\n");
	exit(2);
}

/* "1.2.3.4:5" or "[::1]:5" */
static int relay_parse_ep(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	char buf[INET6_ADDRSTRLEN + 8];
	char *host = buf, *colon, *end;
	unsigned long port;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	colon = strrchr(buf, ':');
	if (!colon)
		return -EINVAL;
	*colon = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || *end || port == 0 || port > 65535)
		return -EINVAL;

	memset(ss, 0, sizeof(*ss));
	if (host[0] == '[') {
		size_t l = strlen(host);

		if (l < 3 || host[l - 1] != ']')
			return -EINVAL;
		host[l - 1] = '\0';
		host++;
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return -EINVAL;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		*len = sizeof(*sin6);
		return 0;
	}
	if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
		return -EINVAL;
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	*len = sizeof(*sin);
	return 0;
}

static int relay_bind(const struct sockaddr_storage *ss, socklen_t len)
{
	int fd, one = 1, buf = RELAY_RCVBUF;

	fd = socket(ss->ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (ss->ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	/* as root, past net.core.rmem_max; else as much as allowed */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	if (bind(fd, (const struct sockaddr *)ss, len) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static bool relay_same_source(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	const struct sockaddr_in6 *a6 = (const void *)a, *b6 = (const void *)b;
	const struct sockaddr_in *a4 = (const void *)a, *b4 = (const void *)b;

	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return a4->sin_port == b4->sin_port && a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	return a6->sin6_port == b6->sin6_port &&
	       !memcmp(&a6->sin6_addr, &b6->sin6_addr, sizeof(a6->sin6_addr));
}

/*
 * Drain one flow's socket: receive a batch, keep the packets from the
 * validated source, send them on in one sendmmsg(), until the socket is
 * empty. Returns 0 or a negative errno on a socket error.
 */
static int relay_drain(struct relay_flow *f, unsigned int batch)
{
	static uint8_t bufs[RELAY_BATCH_MAX][RELAY_PKT_MAX];
	static struct sockaddr_storage from[RELAY_BATCH_MAX];
	static struct mmsghdr rx[RELAY_BATCH_MAX], tx[RELAY_BATCH_MAX];
	static struct iovec rx_iov[RELAY_BATCH_MAX], tx_iov[RELAY_BATCH_MAX];
	int n, i;

	for (;;) {
		unsigned int out = 0, sent = 0;

		for (i = 0; i < (int)batch; i++) {
			rx_iov[i] = (struct iovec){ bufs[i], RELAY_PKT_MAX };
			rx[i].msg_hdr = (struct msghdr){
				.msg_name = &from[i],
				.msg_namelen = sizeof(from[i]),
				.msg_iov = &rx_iov[i],
				.msg_iovlen = 1,
			};
		}
		n = recvmmsg(f->rx_fd, rx, batch, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EINTR)
				continue;
			return -errno;
		}

		for (i = 0; i < n; i++) {
			/* source validation: learn the first source, then lock */
			if (!f->locked) {
				f->source = from[i];
				f->source_len = rx[i].msg_hdr.msg_namelen;
				f->locked = true;
			} else if (!relay_same_source(&f->source, &from[i])) {
				f->drop_wrong_source++;
				continue;
			}
			tx_iov[out] = (struct iovec){ bufs[i], rx[i].msg_len };
			tx[out].msg_hdr = (struct msghdr){
				.msg_name = f->tx_connected ? NULL : &f->peer,
				.msg_namelen = f->tx_connected ? 0 : f->peer_len,
				.msg_iov = &tx_iov[out],
				.msg_iovlen = 1,
			};
			out++;
		}

		while (sent < out) {
			int r = sendmmsg(f->tx_fd, tx + sent, out - sent, MSG_DONTWAIT);

			if (r < 0) {
				if (errno == EINTR)
					continue;
				/* full queue or an ICMP error reported back: drop what is left */
				f->drop_send += out - sent;
				break;
			}
			for (i = 0; i < r; i++)
				f->bytes += tx[sent + i].msg_len;
			f->packets += r;
			sent += r;
		}
		if (n < (int)batch)
			return 0;
	}
}

int main(int argc, char **argv)
{
	struct epoll_event evs[64];
	struct relay_flow *flows;
	unsigned int batch = 64, nflows, i;
	struct sigaction sa = { .sa_handler = relay_on_signal };
	int ep, opt, rc = 0;

	while ((opt = getopt(argc, argv, "B:h")) != -1) {
		switch (opt) {
		case 'B':
			batch = strtoul(optarg, NULL, 10);
			if (!batch || batch > RELAY_BATCH_MAX)
				relay_usage();
			break;
		default:
			relay_usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0 || argc % 3)
		relay_usage();
	nflows = argc / 3;
	flows = calloc(nflows, sizeof(*flows));
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (!flows || ep < 0) {
		perror("udp-relay");
		return 1;
	}

	for (i = 0; i < nflows; i++) {
		struct relay_flow *f = &flows[i];
		struct sockaddr_storage local, via;
		socklen_t local_len, via_len;
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = i };

		if (relay_parse_ep(argv[3 * i], &local, &local_len) ||
		    (strcmp(argv[3 * i + 1], "-") && relay_parse_ep(argv[3 * i + 1], &via, &via_len)) ||
		    relay_parse_ep(argv[3 * i + 2], &f->peer, &f->peer_len))
			relay_usage();
		f->rx_fd = relay_bind(&local, local_len);
		if (f->rx_fd < 0) {
			fprintf(stderr, "udp-relay: bind %s: %s\n", argv[3 * i], strerror(-f->rx_fd));
			return 1;
		}
		if (!strcmp(argv[3 * i + 1], "-")) {
			f->tx_fd = f->rx_fd;
		} else {
			f->tx_fd = relay_bind(&via, via_len);
			if (f->tx_fd < 0) {
				fprintf(stderr, "udp-relay: bind %s: %s\n", argv[3 * i + 1],
					strerror(-f->tx_fd));
				return 1;
			}
			if (connect(f->tx_fd, (struct sockaddr *)&f->peer, f->peer_len) < 0) {
				fprintf(stderr, "udp-relay: connect %s: %s\n", argv[3 * i + 2],
					strerror(errno));
				return 1;
			}
			f->tx_connected = true;
		}
		if (epoll_ctl(ep, EPOLL_CTL_ADD, f->rx_fd, &ev) < 0) {
			perror("udp-relay: epoll_ctl");
			return 1;
		}
	}

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	printf("ready\n");
	fflush(stdout);

	while (!relay_stop) {
		int n = epoll_wait(ep, evs, 64, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("udp-relay: epoll_wait");
			rc = 1;
			break;
		}
		for (i = 0; i < (unsigned int)n; i++) {
			int err = relay_drain(&flows[evs[i].data.u32], batch);

			/* an ICMP error queued on the socket is not fatal for a relay */
			if (err && err != -ECONNREFUSED && err != -EHOSTUNREACH &&
			    err != -ENETUNREACH) {
				fprintf(stderr, "udp-relay: recvmmsg: %s\n", strerror(-err));
				rc = 1;
				relay_stop = 1;
			}
		}
	}

	for (i = 0; i < nflows; i++)
		printf("flow=%u packets=%" PRIu64 " bytes=%" PRIu64 " drop_wrong_source=%" PRIu64
		       " drop_send=%" PRIu64 "\n", i, flows[i].packets, flows[i].bytes,
		       flows[i].drop_wrong_source, flows[i].drop_send);
	return rc;
}
