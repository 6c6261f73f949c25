/* SPDX-License-Identifier: GPL-2.0 */
/*
 * For unit tests that run krtpd's own event loop against real sockets on
 * loopback: run the loop for a bounded time, and find a port nobody holds.
 * The caller has done LOOP_Init (and TMR_Init where the test needs it).
 */
#ifndef KRTPD_TEST_LOOPTEST_H
#define KRTPD_TEST_LOOPTEST_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loop.h"
#include "timer.h"

static struct tmr looptest_tmr = { .idx = -1 };

static void looptest_stop(struct tmr *t)
{
	(void)t;
	LOOP_Quit();
}

/* run the loop for at most ms (a handler may end it sooner with LOOP_Quit) */
static inline void run_for(unsigned int ms)
{
	TMR_Setup(&looptest_tmr, looptest_stop);
	TMR_Start(&looptest_tmr, ms);
	LOOP_Run();
	TMR_Stop(&looptest_tmr);
}

/* a port on the loopback address of family that is free for TCP and UDP alike */
static inline uint16_t free_port_family(int family)
{
	struct sockaddr_storage ss = { .ss_family = (sa_family_t)family };
	socklen_t alen = sizeof(ss);
	int fd = socket(family, SOCK_STREAM, 0);

	if (family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
	bind(fd, (struct sockaddr *)&ss, family == AF_INET ? sizeof(struct sockaddr_in) :
							      sizeof(struct sockaddr_in6));
	getsockname(fd, (struct sockaddr *)&ss, &alen);
	close(fd);
	return family == AF_INET ? ntohs(((struct sockaddr_in *)&ss)->sin_port) :
				   ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

static inline uint16_t free_port(void)
{
	return free_port_family(AF_INET);
}

#endif /* KRTPD_TEST_LOOPTEST_H */
