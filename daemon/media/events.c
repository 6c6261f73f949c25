// SPDX-License-Identifier: GPL-2.0
/*
 * krtp.ko's flow events (multicast group "flows"): the socket, read by the
 * media thread (thread.c) from the same epoll set as the relay ports, with
 * med_lock held; thread.c applies them to the calls.
 *
 * Two events matter to media:
 *   source learned   a leg behind NAT sent its first packet: point the
 *                    flows toward that leg at the learned source at once,
 *                    instead of at the next once-a-second scan
 *   flow deleted     an operator's flush (or an idle-delete) took a flow:
 *                    forget it, so the next change of the call installs it
 *                    again
 *
 * Events can be lost (the socket buffer overflows under a storm); the scan
 * in restore.c reads the same facts from a dump, so nothing depends on
 * seeing every event.
 */
#include <errno.h>
#include <unistd.h>
#include <sys/epoll.h>

#include "internal.h"

static struct krtp_nl *med_ev;

/* Subscribe, and add the socket to the relay's epoll set under tag */
int med_events_open(int epfd, uint64_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };
	int err;

	err = krtp_nl_events_open(&med_ev);
	if (err)
		return err;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, krtp_nl_fd(med_ev), &ev) < 0) {
		err = -errno;
		krtp_nl_close(med_ev);
		med_ev = NULL;
		return err;
	}
	return 0;
}

void med_events_close(void)
{
	if (med_ev)
		krtp_nl_close(med_ev);
	med_ev = NULL;
}

/* The event socket is readable: hand each event to cb; with med_lock held */
void med_events_read(void (*cb)(int cmd, const struct krtp_flow *kf, void *arg), void *arg)
{
	int err;

	if (!med_ev)
		return;
	err = krtp_nl_events_read(med_ev, cb, arg);
	/* -ENOBUFS: events were lost; the next scan catches up */
	if (err && err != -ENOBUFS && err != -EAGAIN)
		med_log("media: reading krtp events: %s", strerror(-err));
}
