/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the userspace relay's tests (test_relay_*.c) share: loopback UDP
 * sockets standing for the phones, and relay endpoints on 127.0.0.1.
 */
#ifndef KRTPD_TEST_RELAYTEST_H
#define KRTPD_TEST_RELAYTEST_H

#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "media/internal.h"

/* a UDP socket bound to 127.0.0.1 on a port of the kernel's, in *sin; -1 on error */
static inline int udp_socket(struct sockaddr_in *sin)
{
	socklen_t sl = sizeof(*sin);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)sin, sizeof(*sin)) ||
	    getsockname(fd, (struct sockaddr *)sin, &sl))
		return -1;
	return fd;
}

/* 127.0.0.1:port as a krtp endpoint */
static inline void ep_of(struct krtp_ep *ep, uint16_t port)
{
	memset(ep, 0, sizeof(*ep));
	ep->family = AF_INET;
	ep->addr.v4.s_addr = htonl(INADDR_LOOPBACK);
	ep->port = port;
}

#endif /* KRTPD_TEST_RELAYTEST_H */
