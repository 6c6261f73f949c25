// SPDX-License-Identifier: GPL-2.0
/*
 * Relay ports: the configured range, handed out as pairs (RTP on the even
 * port, RTCP on the odd one above it), each port bound to a UDP socket on
 * the relay address so that no other program can take it. In user mode these
 * sockets are the relay; in kernel mode krtp.ko takes matching packets before
 * they reach them, and what still arrives (a stream on hold, a flow not yet
 * programmed) is read and dropped by the relay thread.
 *
 * Allocation walks the range from a cursor that keeps moving, so a pair just
 * freed is the last to be handed out again and late packets of an old call
 * do not land in a new one. All functions are called with med_lock held.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/epoll.h>

#include "internal.h"

static struct med_port *med_ports;
static uint16_t med_port_min, med_port_max;	/* even start, last usable port */
static uint16_t med_port_cursor;
static int med_ports_epfd = -1;
static struct sockaddr_storage med_ports_addr4, med_ports_addr6;

struct med_port *med_port_get(uint16_t port)
{
	if (!med_ports || port < med_port_min || port > med_port_max)
		return NULL;
	return &med_ports[port - med_port_min];
}

int med_ports_init(const struct med_config *cfg, int epfd)
{
	unsigned int lo = cfg->port_min, hi = cfg->port_max, n, i;

	if (lo & 1)
		lo++;
	/* at least one pair, and none on port 0 */
	if (lo == 0 || hi > 65535 || lo + 1 > hi)
		return -EINVAL;
	n = hi - lo + 1;
	med_ports = calloc(n, sizeof(*med_ports));
	if (!med_ports)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		med_ports[i].fd = -1;
	med_port_min = (uint16_t)lo;
	med_port_max = (uint16_t)hi;
	med_port_cursor = (uint16_t)lo;
	med_ports_epfd = epfd;
	med_ports_addr4 = cfg->relay4;
	med_ports_addr6 = cfg->relay6;
	return 0;
}

static void med_port_close(struct med_port *p)
{
	if (p->fd < 0)
		return;
	if (med_ports_epfd >= 0)
		epoll_ctl(med_ports_epfd, EPOLL_CTL_DEL, p->fd, NULL);
	close(p->fd);
	p->fd = -1;
	p->flow = NULL;
	p->owner = NULL;
}

void med_ports_fini(void)
{
	unsigned int i;

	if (!med_ports)
		return;
	for (i = 0; i <= (unsigned int)(med_port_max - med_port_min); i++)
		med_port_close(&med_ports[i]);
	free(med_ports);
	med_ports = NULL;
}

/* Bind one port on the relay address of family; the socket is non-blocking */
static int med_port_bind(int family, uint16_t port, struct med_stream *owner)
{
	struct med_port *p = med_port_get(port);
	struct sockaddr_storage ss;
	struct epoll_event ev = { .events = EPOLLIN };
	socklen_t sl;
	int fd, one = 1;

	if (!p || p->fd >= 0)
		return -EADDRINUSE;
	ss = family == AF_INET6 ? med_ports_addr6 : med_ports_addr4;
	if (ss.ss_family != family)
		return -EAFNOSUPPORT;
	if (family == AF_INET6) {
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
		sl = sizeof(struct sockaddr_in6);
	} else {
		((struct sockaddr_in *)&ss)->sin_port = htons(port);
		sl = sizeof(struct sockaddr_in);
	}
	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	p->fd = fd;
	p->gen++;
	p->flow = NULL;
	p->owner = owner;
	ev.data.u64 = med_port_tag(port, p->gen);
	if (med_ports_epfd >= 0 && epoll_ctl(med_ports_epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int err = -errno;

		med_port_close(p);
		return err;
	}
	return 0;
}

int med_ports_claim_pair(int family, struct med_stream *owner, uint16_t port)
{
	int err;

	if (port & 1)
		return -EINVAL;
	err = med_port_bind(family, port, owner);
	if (err)
		return err;
	err = med_port_bind(family, (uint16_t)(port + 1), owner);
	if (err) {
		med_port_close(med_port_get(port));
		return err;
	}
	return 0;
}

int med_ports_alloc_pair(int family, struct med_stream *owner, uint16_t *port)
{
	unsigned int npairs = (unsigned int)(med_port_max - med_port_min + 1) / 2, i;

	for (i = 0; i < npairs; i++) {
		uint16_t p = med_port_cursor;
		struct med_port *rtp = med_port_get(p), *rtcp = med_port_get((uint16_t)(p + 1));

		med_port_cursor = (p + 3 > med_port_max) ? med_port_min : (uint16_t)(p + 2);
		if (!rtp || !rtcp || rtp->fd >= 0 || rtcp->fd >= 0)
			continue;
		/* taken by another program, or any other bind failure: try the next pair */
		if (med_ports_claim_pair(family, owner, p))
			continue;
		*port = p;
		return 0;
	}
	return -ENOSPC;
}

/*
 * Close the pair at port if owner bound it. A stream's pa/pb may name a
 * pair it does not hold: one a re-adopted stream could not bind again
 * (another stream of the same restart, or another program, has it); the
 * pair's holder keeps it.
 */
void med_ports_free_pair(struct med_stream *owner, uint16_t port)
{
	for (unsigned int i = 0; i < 2; i++) {
		struct med_port *p = med_port_get((uint16_t)(port + i));

		if (p && p->fd >= 0 && p->owner == owner)
			med_port_close(p);
	}
}
