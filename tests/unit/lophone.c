// SPDX-License-Identifier: GPL-2.0
/* Phones on loopback for the media tests (lophone.h) */
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/socket.h>

#include "lophone.h"

int udp_sock(int family, uint16_t *port)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t sl = sizeof(ss);
	int fd = socket(family, SOCK_DGRAM, 0);

	ss.ss_family = (sa_family_t)family;
	if (family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, family == AF_INET ?
		   sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)) < 0) {
		perror("bind");
		exit(2);
	}
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	*port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port :
		      ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

void udp_pair(int family, int fd[2], uint16_t *port)
{
	for (int tries = 0; tries < 200; tries++) {
		uint16_t p;

		fd[0] = udp_sock(family, &p);
		if (p & 1) {
			close(fd[0]);
			continue;
		}
		struct sockaddr_storage ss = { 0 };

		ss.ss_family = (sa_family_t)family;
		fd[1] = socket(family, SOCK_DGRAM, 0);
		if (family == AF_INET) {
			((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
			((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)(p + 1));
		} else {
			((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
			((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)(p + 1));
		}
		if (bind(fd[1], (struct sockaddr *)&ss, family == AF_INET ?
			 sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)) == 0) {
			*port = p;
			return;
		}
		close(fd[0]);
		close(fd[1]);
	}
	fprintf(stderr, "no free port pair\n");
	exit(2);
}

void send_to(int fd, int family, uint16_t port, const void *buf, size_t len)
{
	struct sockaddr_storage ss = { 0 };

	ss.ss_family = (sa_family_t)family;
	if (family == AF_INET) {
		((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		((struct sockaddr_in *)&ss)->sin_port = htons(port);
	} else {
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
	}
	if (sendto(fd, buf, len, 0, (struct sockaddr *)&ss, family == AF_INET ?
		   sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)) != (ssize_t)len)
		perror("sendto");
}

void send_rtp(int fd, int family, uint16_t port, int n, size_t len, uint16_t seq, int skip)
{
	unsigned char b[1500] = { 0x80, 0 };

	for (int i = 0; i < n; i++) {
		uint16_t s = (uint16_t)(seq + i + (skip >= 0 && i >= skip ? 1 : 0));
		uint32_t ts = (uint32_t)s * 160;

		b[1] = 0;	/* PCMU */
		b[2] = (unsigned char)(s >> 8);
		b[3] = (unsigned char)s;
		b[4] = (unsigned char)(ts >> 24);
		b[5] = (unsigned char)(ts >> 16);
		b[6] = (unsigned char)(ts >> 8);
		b[7] = (unsigned char)ts;
		b[8] = 0x12;
		b[11] = 0x34;
		send_to(fd, family, port, b, len);
	}
}

void send_rtcp(int fd, int family, uint16_t port, int n)
{
	unsigned char b[28] = { 0x80, 200, 0, 6 };	/* an empty sender report */

	for (int i = 0; i < n; i++)
		send_to(fd, family, port, b, sizeof(b));
}

int drain(int fd, uint16_t from_port, uint64_t *bytes, int *wrong_from, int expect)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	unsigned char b[2048];
	int n = 0;

	for (int rounds = 0; rounds < 1000; rounds++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		ssize_t r;
		uint16_t p;

		if (poll(&pfd, 1, n < expect ? 3000 : expect ? 200 : 500) <= 0)
			break;
		r = recvfrom(fd, b, sizeof(b), MSG_DONTWAIT, (struct sockaddr *)&ss, &sl);
		if (r < 0)
			continue;
		p = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port :
			  ((struct sockaddr_in6 *)&ss)->sin6_port);
		if (p != from_port && wrong_from)
			(*wrong_from)++;
		if (bytes)
			*bytes += (uint64_t)r;
		n++;
	}
	return n;
}
