// SPDX-License-Identifier: GPL-2.0
/*
 * The relay thread: one epoll set over every bound relay port.
 *
 * In user mode it is the media plane. A port's slot names the flow whose
 * LOCAL it is; packets are read with recvmmsg(), checked against the flow's
 * source rule exactly as krtp.ko does (learn, or address only, then lock;
 * anything else dropped and counted), counted with the same counters, and
 * sent on with one sendmmsg() per batch from the flow's VIA port.
 *
 * In kernel mode krtp.ko takes the packets of programmed flows before the
 * sockets see them; what still arrives here (a held direction, a flow not yet
 * programmed) is read and counted as dropped so the socket never fills.
 *
 * Both modes use the same thread to look for idle calls once a second.
 * Lifetime: slots are found by the port and generation in the epoll event
 * and checked under med_lock, so an event for a port freed (and perhaps
 * handed out again) in the meantime is ignored, and a socket is never read
 * after MED_Delete closed it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* recvmmsg, sendmmsg */
#endif
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

#include "internal.h"

#define MED_BATCH	32
#define MED_PKT_MAX	2048
#define MED_STOP_TAG	UINT64_MAX

static int med_epfd = -1, med_stopfd = -1;
static pthread_t med_thread;
static bool med_thread_running;

/* receive buffers, used only by the relay thread */
static struct {
	struct mmsghdr rx[MED_BATCH], tx[MED_BATCH];
	struct iovec rxiov[MED_BATCH], txiov[MED_BATCH];
	struct sockaddr_storage src[MED_BATCH], dst;
	unsigned char data[MED_BATCH][MED_PKT_MAX + MED_SRTP_ROOM];
	bool rtcp[MED_BATCH];
} med_rb;

int med_relay_init(void)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = MED_STOP_TAG };

	med_epfd = epoll_create1(EPOLL_CLOEXEC);
	if (med_epfd < 0)
		return -errno;
	med_stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (med_stopfd < 0 || epoll_ctl(med_epfd, EPOLL_CTL_ADD, med_stopfd, &ev) < 0) {
		int err = -errno;

		if (med_stopfd >= 0)
			close(med_stopfd);
		close(med_epfd);
		med_epfd = med_stopfd = -1;
		return err;
	}
	return med_epfd;
}

void med_relay_install(struct med_flow *f)
{
	struct med_port *p = med_port_get(f->kf.local.port);

	memset(&f->u, 0, sizeof(f->u));
	if (p)
		p->flow = f;
}

void med_relay_remove(struct med_flow *f)
{
	struct med_port *p = med_port_get(f->kf.local.port);

	if (p && p->flow == f)
		p->flow = NULL;
}

static bool med_sa_eq(const struct sockaddr_storage *a, const struct sockaddr_storage *b, bool port)
{
	struct krtp_ep ea, eb;

	med_sa_to_ep((const struct sockaddr *)a, &ea);
	med_sa_to_ep((const struct sockaddr *)b, &eb);
	if (!port)
		ea.port = eb.port = 0;
	return med_ep_eq(&ea, &eb);
}

/* The source rule of the flow (see include/uapi/linux/krtp.h); true to accept */
static bool med_relay_check_source(const struct med_flow *f, const struct sockaddr_storage *src)
{
	const struct krtp_ep *want = &f->kf.source;
	struct krtp_ep got;

	if (f->u.locked)
		return med_sa_eq(&f->u.src, src, true);
	if (want->family) {
		med_sa_to_ep((const struct sockaddr *)src, &got);
		if (!want->port)
			got.port = 0;
		if (!med_ep_eq(want, &got))
			return false;
	}
	return true;
}

/*
 * Lock the flow on the source of an accepted packet. Called after the
 * SRTP check, so a forged packet that fails authentication cannot lock
 * the flow on its sender.
 */
static void med_relay_lock_source(struct med_flow *f, const struct sockaddr_storage *src)
{
	struct krtp_ep got;

	if (f->u.locked)
		return;
	f->u.locked = true;
	f->u.src = *src;
	med_sa_to_ep((const struct sockaddr *)src, &got);
	med_learned(f, &got);
}

/* RTP sequence (RFC 3550 A.1, simplified) and interarrival jitter (A.8) */
static void med_relay_rtp(struct med_flow *f, const unsigned char *b, size_t len, uint64_t now_us)
{
	struct med_ustate *u = &f->u;
	uint32_t ssrc, ts, rate = f->kf.clock_rate ? f->kf.clock_rate : 8000;
	uint16_t seq, delta;
	int64_t transit, d;

	if (len < 12 || (b[0] >> 6) != 2)
		return;
	seq = (uint16_t)(b[2] << 8 | b[3]);
	ts = (uint32_t)b[4] << 24 | (uint32_t)b[5] << 16 | (uint32_t)b[6] << 8 | b[7];
	ssrc = (uint32_t)b[8] << 24 | (uint32_t)b[9] << 16 | (uint32_t)b[10] << 8 | b[11];
	if (!u->seq_init || ssrc != u->st.rtp_ssrc) {
		u->seq_init = true;
		u->jit_init = false;
		u->base_seq = seq;
		u->max_seq = seq;
		u->cycles = 0;
		u->received = 0;
		u->st.rtp_ssrc = ssrc;
	} else {
		delta = (uint16_t)(seq - u->max_seq);
		if (delta == 0) {
			u->st.rtp_duplicates++;
		} else if (delta < 3000) {
			if (seq < u->max_seq)
				u->cycles += 65536;
			u->max_seq = seq;
		} else if (delta > 65536 - 100) {
			u->st.rtp_reordered++;
		} else {
			/* a jump: the sender restarted; count from here */
			u->base_seq = seq;
			u->max_seq = seq;
			u->cycles = 0;
			u->received = 0;
		}
	}
	u->received++;
	u->st.rtp_pt = b[1] & 0x7f;
	u->st.has_rtp = true;
	{
		uint64_t expected = (uint64_t)u->cycles + u->max_seq - u->base_seq + 1;

		u->st.rtp_lost = expected > u->received ? expected - u->received : 0;
	}
	transit = (int64_t)(now_us * rate / 1000000) - (int64_t)ts;
	if (u->jit_init) {
		d = transit - u->last_transit;
		if (d < 0)
			d = -d;
		/* J += (|D| - J) / 16, with jitter16 = J * 16 */
		u->jitter16 += (uint32_t)(d > UINT32_MAX / 2 ? UINT32_MAX / 2 : d) - ((u->jitter16 + 8) >> 4);
		u->st.rtp_jitter = u->jitter16 >> 4;
		u->st.rtp_jitter_usecs = (uint32_t)((uint64_t)u->st.rtp_jitter * 1000000 / rate);
	}
	u->jit_init = true;
	u->last_transit = transit;
}

/* RFC 5761 section 4: on a muxed port, payload types 192-223 are RTCP */
static bool med_is_rtcp(const unsigned char *b, size_t len)
{
	return len >= 8 && (b[0] >> 6) == 2 && b[1] >= 192 && b[1] <= 223;
}

/* Relay what is queued on one port; called with med_lock held */
static void med_relay_port(uint64_t tag)
{
	struct med_port *p = med_port_get((uint16_t)(tag & 0xffff)), *via;
	uint32_t gen = (uint32_t)(tag >> 16);
	struct timespec ts;
	uint64_t now_us;
	int round, n, i, ntx, sent, sl;
	struct med_flow *f;
	socklen_t dlen;

	if (!p || p->fd < 0 || p->gen != gen)
		return;
	/* a few batches per wakeup, so one busy port cannot starve the others */
	for (round = 0; round < 4; round++) {
		for (i = 0; i < MED_BATCH; i++) {
			med_rb.rxiov[i].iov_base = med_rb.data[i];
			med_rb.rxiov[i].iov_len = MED_PKT_MAX;
			med_rb.rx[i].msg_hdr = (struct msghdr){
				.msg_name = &med_rb.src[i], .msg_namelen = sizeof(med_rb.src[i]),
				.msg_iov = &med_rb.rxiov[i], .msg_iovlen = 1,
			};
		}
		n = recvmmsg(p->fd, med_rb.rx, MED_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		now_us = (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
		f = p->flow;
		if (!f) {
			if (p->owner)
				p->owner->call->dropped += (uint64_t)n;
			continue;
		}
		via = med_port_get(f->kf.via.port ? f->kf.via.port : f->kf.local.port);
		dlen = med_ep_to_sa(&f->kf.peer, &med_rb.dst);
		ntx = 0;
		for (i = 0; i < n; i++) {
			size_t len = med_rb.rx[i].msg_len;
			unsigned char *b = med_rb.data[i];

			f->u.st.packets_total++;
			f->u.last_rx_ms = now_us / 1000;
			if (med_rb.rx[i].msg_hdr.msg_flags & MSG_TRUNC) {
				f->u.st.drop_other++;
				continue;
			}
			if (!med_relay_check_source(f, &med_rb.src[i])) {
				f->u.st.drop_wrong_source++;
				continue;
			}
			med_rb.rtcp[ntx] = (f->kf.flags & KRTP_FLOW_F_RTCP) || med_is_rtcp(b, len);
			/* SRTP krtpd terminates: decrypt from the leg, or encrypt toward it */
			sl = med_srtp_apply(f, b, (int)len, (int)sizeof(med_rb.data[i]),
					    med_rb.rtcp[ntx]);
			if (sl < 0) {
				f->u.st.drop_other++;
				continue;
			}
			med_relay_lock_source(f, &med_rb.src[i]);
			if (!med_rb.rtcp[ntx])
				med_relay_rtp(f, b, len, now_us);
			len = (size_t)sl;
			med_rb.txiov[ntx].iov_base = b;
			med_rb.txiov[ntx].iov_len = len;
			med_rb.tx[ntx].msg_hdr = (struct msghdr){
				.msg_name = &med_rb.dst, .msg_namelen = dlen,
				.msg_iov = &med_rb.txiov[ntx], .msg_iovlen = 1,
			};
			ntx++;
		}
		for (i = 0; i < ntx; i += sent > 0 ? sent : 1) {
			if (via && via->fd >= 0) {
				sent = sendmmsg(via->fd, med_rb.tx + i, (unsigned int)(ntx - i),
						MSG_DONTWAIT);
			} else {
				sent = -1;
				errno = EBADF;
			}
			if (sent <= 0) {
				/* the first of the rest failed: count it, go on with the next */
				if (errno == ENETUNREACH || errno == EHOSTUNREACH)
					f->u.st.drop_no_route++;
				else
					f->u.st.drop_other++;
				continue;
			}
			for (int k = i; k < i + sent; k++) {
				size_t len = med_rb.txiov[k].iov_len;

				if (med_rb.rtcp[k]) {
					f->u.st.rtcp_packets++;
					f->u.st.rtcp_bytes += len;
				} else {
					f->u.st.packets++;
					f->u.st.bytes += len;
				}
			}
		}
		/* a NAT'd sender was just learned: point the reverse flows at it */
		if (f->stream->call->reprogram)
			med_call_program(f->stream->call);
		if (n < MED_BATCH)
			return;
	}
}

static void *med_relay_main(void *arg)
{
	struct epoll_event evs[64];
	uint64_t last_scan = med_now_ms();
	char *keys[64];
	int n, i;

	(void)arg;
	for (;;) {
		n = epoll_wait(med_epfd, evs, 64, 250);
		if (n < 0 && errno != EINTR)
			break;
		for (i = 0; i < n; i++) {
			if (evs[i].data.u64 == MED_STOP_TAG)
				return NULL;
			pthread_mutex_lock(&med_lock);
			if (evs[i].data.u64 == MED_EVENTS_TAG)
				med_events_read();
			else
				med_relay_port(evs[i].data.u64);
			pthread_mutex_unlock(&med_lock);

		}
		if ((med_cfg.inactivity_timeout || med_kernel_mode) &&
		    med_now_ms() - last_scan >= 1000) {
			size_t nk;

			last_scan = med_now_ms();
			pthread_mutex_lock(&med_lock);
			nk = med_check_inactive(keys, 64);
			pthread_mutex_unlock(&med_lock);
			/* without the lock: the callback may well call MED_Delete */
			for (size_t k = 0; k < nk; k++) {
				if (med_cfg.on_inactive)
					med_cfg.on_inactive(keys[k], med_cfg.arg);
				free(keys[k]);
			}
		}
	}
	return NULL;
}

int med_relay_start(void)
{
	int err = pthread_create(&med_thread, NULL, med_relay_main, NULL);

	if (err)
		return -err;
	med_thread_running = true;
	return 0;
}

void med_relay_stop(void)
{
	uint64_t one = 1;

	if (med_thread_running) {
		if (write(med_stopfd, &one, sizeof(one)) != sizeof(one))
			med_log("media: cannot stop the relay thread: %s", strerror(errno));
		pthread_join(med_thread, NULL);
		med_thread_running = false;
	}
}

void med_relay_fini(void)
{
	if (med_stopfd >= 0)
		close(med_stopfd);
	if (med_epfd >= 0)
		close(med_epfd);
	med_stopfd = med_epfd = -1;
}
