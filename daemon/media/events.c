// SPDX-License-Identifier: GPL-2.0
/*
 * krtp.ko's flow events (multicast group "flows"), read by the relay thread
 * from the same epoll set as the relay ports, with med_lock held.
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

/* The installed flow of ours an event is about, or NULL */
static struct med_flow *med_events_flow(const struct krtp_flow *kf)
{
	struct med_call *c;
	unsigned int idx;
	uint64_t hash;
	int fi;

	if (!med_label_parse(kf->label, kf->label_len, &hash, &idx, &fi))
		return NULL;
	c = med_call_by_hash(hash);
	if (!c || !c->streams[idx] || !c->streams[idx]->flow[fi].installed ||
	    c->streams[idx]->flow[fi].kf.id != kf->id)
		return NULL;
	return &c->streams[idx]->flow[fi];
}

static void med_events_cb(int cmd, const struct krtp_flow *kf, void *arg)
{
	struct med_flow *f = med_events_flow(kf);
	struct med_call *c;

	(void)arg;
	if (!f)
		return;
	c = f->stream->call;
	switch (cmd) {
	case KRTP_CMD_FLOW_SRC_LEARNED_NTF:
		if (kf->source.family && kf->source.port)
			med_learned(f, &kf->source);
		if (c->reprogram)
			med_call_program(c);
		break;
	case KRTP_CMD_FLOW_DEL_NTF:
		/* gone from the kernel already; its counters went with it */
		f->installed = false;
		break;
	default:
		break;
	}
}

/* The event socket is readable; called with med_lock held */
void med_events_read(void)
{
	int err;

	if (!med_ev)
		return;
	err = krtp_nl_events_read(med_ev, med_events_cb, NULL);
	/* -ENOBUFS: events were lost; the next scan catches up */
	if (err && err != -ENOBUFS && err != -EAGAIN)
		med_log("media: reading krtp events: %s", strerror(-err));
}
