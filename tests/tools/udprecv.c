// SPDX-License-Identifier: GPL-2.0
/*
 * udprecv: receive UDP datagrams on one address and port for a bounded
 * time and report what came from where, as recvfrom() saw it.
 *
 *   udprecv -l ADDR:PORT [-n COUNT] [-t MSECS] [-w MSECS] [-R FILE] [-v]
 *
 *   -l  bind here; IPv6 as [addr]:port
 *   -n  stop once COUNT datagrams arrived (after lingering, see -w)
 *   -t  stop after MSECS in any case (default 5000)
 *   -w  after COUNT datagrams, keep listening MSECS for extra ones (default 0)
 *   -R  create FILE once the socket is bound (so a test can wait for it)
 *   -v  print one line per datagram: "pkt SRC BYTES SEQ" (SEQ: RTP sequence)
 *
 * SIGTERM or SIGINT ends the wait early; the report is printed all the same.
 *
 * Output, one line per source then the total:
 *   src 10.0.2.1:4002 packets 10 bytes 1720
 *   total packets 10 bytes 1720
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"

#define MAX_SOURCES 32

struct source {
	struct sockaddr_storage addr;
	unsigned long packets, bytes;
};

static volatile sig_atomic_t stop_now;

static void on_signal(int sig)
{
	(void)sig;
	stop_now = 1;
}

static int64_t now_msecs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET6)
		return !memcmp(&((struct sockaddr_in6 *)a)->sin6_addr, &((struct sockaddr_in6 *)b)->sin6_addr, 16) &&
		       ((struct sockaddr_in6 *)a)->sin6_port == ((struct sockaddr_in6 *)b)->sin6_port;
	return ((struct sockaddr_in *)a)->sin_addr.s_addr == ((struct sockaddr_in *)b)->sin_addr.s_addr &&
	       ((struct sockaddr_in *)a)->sin_port == ((struct sockaddr_in *)b)->sin_port;
}

static void usage(void)
{
	fprintf(stderr, "usage: udprecv -l ADDR:PORT [-n COUNT] [-t MSECS] [-w MSECS] [-R FILE] [-v]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static struct source sources[MAX_SOURCES];
	struct sockaddr_storage local;
	socklen_t locallen = 0;
	unsigned long want = 0, total = 0, total_bytes = 0, other = 0;
	long timeout = 5000, linger = 0;
	const char *ready = NULL;
	int nsources = 0, verbose = 0, fd, c, i;
	int64_t end, linger_end = 0;
	unsigned char buf[65536];
	char a[INET6_ADDRSTRLEN + 16];

	while ((c = getopt(argc, argv, "l:n:t:w:R:v")) != -1) {
		switch (c) {
		case 'l':
			if (addr_parse(optarg, &local, &locallen))
				usage();
			break;
		case 'n': want = strtoul(optarg, NULL, 0); break;
		case 't': timeout = strtol(optarg, NULL, 0); break;
		case 'w': linger = strtol(optarg, NULL, 0); break;
		case 'R': ready = optarg; break;
		case 'v': verbose = 1; break;
		default: usage();
		}
	}
	if (!locallen)
		usage();

	/* no SA_RESTART: poll() returns on the signal */
	sigaction(SIGTERM, &(struct sigaction){ .sa_handler = on_signal }, NULL);
	sigaction(SIGINT, &(struct sigaction){ .sa_handler = on_signal }, NULL);

	fd = socket(local.ss_family, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&local, locallen)) {
		perror("udprecv: bind");
		return 1;
	}
	if (ready) {
		int rfd = open(ready, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (rfd < 0) {
			perror("udprecv: ready file");
			return 1;
		}
		close(rfd);
	}

	end = now_msecs() + timeout;
	for (;;) {
		struct sockaddr_storage from;
		socklen_t fromlen = sizeof(from);
		int64_t now = now_msecs(), stop = linger_end ? linger_end : end;
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (linger_end && linger_end > end)
			stop = end;
		if (now >= stop || stop_now)
			break;
		if (poll(&pfd, 1, stop - now) <= 0)
			continue;
		n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &fromlen);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			perror("udprecv: recvfrom");
			break;
		}
		total++;
		total_bytes += n;
		if (verbose)
			printf("pkt %s %zd %u\n", addr_format(&from, a, sizeof(a)), n,
			       n >= 4 ? (unsigned int)(buf[2] << 8 | buf[3]) : 0);
		for (i = 0; i < nsources; i++)
			if (same_addr(&sources[i].addr, &from))
				break;
		if (i == nsources) {
			if (nsources == MAX_SOURCES) {
				other++;
				goto counted;
			}
			sources[nsources++].addr = from;
		}
		sources[i].packets++;
		sources[i].bytes += n;
counted:
		if (want && total >= want && !linger_end) {
			if (!linger)
				break;
			linger_end = now_msecs() + linger;
		}
	}

	for (i = 0; i < nsources; i++)
		printf("src %s packets %lu bytes %lu\n", addr_format(&sources[i].addr, a, sizeof(a)),
		       sources[i].packets, sources[i].bytes);
	if (other)
		printf("src other packets %lu\n", other);
	printf("total packets %lu bytes %lu\n", total, total_bytes);
	close(fd);
	return 0;
}
