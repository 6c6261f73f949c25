// SPDX-License-Identifier: GPL-2.0
/*
 * The userspace relay: what the media thread (thread.c) does with a relay
 * port that has packets. It knows ports and flows, never calls: a source it
 * learns is handed back to the caller, which tells the owner of the call.
 *
 * In user mode it is the media plane. A port's slot names the flow whose
 * LOCAL it is (the first of them, on a port a bundle shares: each packet
 * takes its line's flow, bundle.c); packets are read with recvmmsg(), checked against the flow's
 * source rule exactly as krtp.ko does (learn, or address only, then lock;
 * anything else dropped and counted), counted with the same counters, and
 * sent on with one sendmmsg() per batch from the flow's VIA port (RTCP split
 * off to an RTCP peer leaves from the RTCP_VIA port, one sendmmsg() a run).
 *
 * In kernel mode krtp.ko takes the packets of programmed flows before the
 * sockets see them; what still arrives here (a held direction, a flow not yet
 * programmed) is read and counted as dropped so the socket never fills.
 *
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

#include "internal.h"
#include "webrtc.h"

#define MED_BATCH	32
#define MED_PKT_MAX	2048

/* receive buffers, used only by the relay thread */
static struct {
	struct mmsghdr rx[MED_BATCH], tx[MED_BATCH];
	struct iovec rxiov[MED_BATCH], txiov[MED_BATCH];
	struct sockaddr_storage src[MED_BATCH], dst[MED_BATCH];
	unsigned char data[MED_BATCH][MED_PKT_MAX + MED_SRTP_ROOM];
	bool rtcp[MED_BATCH];
	struct med_flow *flow[MED_BATCH];	/* the flow each packet to send took */
	struct med_port *out[MED_BATCH];	/* the port it leaves from */
	bool taken[MED_BATCH];		/* STUN or DTLS of a WebRTC leg: not media */
} med_rb;

/*
 * A port's slot names its flow; the flows of a bundle (struct med_stream)
 * share the port, chained from the first on bnext in the order they came
 */
void med_relay_install(struct med_flow *f)
{
	struct med_port *p = med_port_get(f->kf.local.port);
	struct med_flow **pp;

	memset(&f->u, 0, sizeof(f->u));
	f->bnext = NULL;
	if (!p)
		return;
	if (!p->flow || !p->flow->kf.bundle || !f->kf.bundle) {
		p->flow = f;
		return;
	}
	for (pp = &p->flow; *pp; pp = &(*pp)->bnext)
		;
	*pp = f;
}

void med_relay_remove(struct med_flow *f)
{
	struct med_port *p = med_port_get(f->kf.local.port);
	struct med_flow **pp;

	for (pp = p ? &p->flow : NULL; pp && *pp; pp = &(*pp)->bnext) {
		if (*pp == f) {
			*pp = f->bnext;
			break;
		}
	}
	f->bnext = NULL;
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
 * Lock the flow on the source of an accepted packet, and say which it is
 * in *learned. Called after the SRTP check, so a forged packet that fails
 * authentication cannot lock the flow on its sender.
 */
static void med_relay_lock_source(struct med_flow *f, const struct sockaddr_storage *src,
				  struct krtp_ep *learned)
{
	if (f->u.locked)
		return;
	f->u.locked = true;
	f->u.src = *src;
	med_sa_to_ep((const struct sockaddr *)src, learned);
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
	if (u->seq_init && ssrc != u->st.rtp_ssrc) {
		/* another source: followed once it is the only one heard */
		if (ssrc != u->other_ssrc) {
			u->other_ssrc = ssrc;
			u->other_count = 0;
		}
		if (++u->other_count < KRTP_RTP_SSRC_SWITCH)
			return;
		u->seq_init = false;
	}
	u->other_count = 0;
	if (!u->seq_init) {
		u->seq_init = true;
		u->jit_init = false;
		u->lost_before = u->st.rtp_lost;
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
			u->lost_before = u->st.rtp_lost;
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

		u->st.rtp_lost = u->lost_before +
				 (expected > u->received ? expected - u->received : 0);
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

bool med_relay_port(uint64_t tag, struct med_flow **learned, struct krtp_ep *src)
{
	struct med_port *p = med_port_get((uint16_t)(tag & 0xffff)), *out;
	uint32_t gen = (uint32_t)(tag >> 16);
	struct timespec ts;
	uint64_t now_us;
	int round, n, i, ntx, sent, sl, ntaken, run;
	struct med_webrtc *wr;
	struct med_flow *head, *f;
	bool split;

	*learned = NULL;
	if (!p || p->fd < 0 || p->gen != gen)
		return false;
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
			return false;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		now_us = (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
		/*
		 * A WebRTC leg's port: STUN and DTLS go to webrtc.c first (RFC
		 * 7983), which may program the call and so change p->flow.
		 */
		ntaken = 0;
		wr = p->owner ? med_webrtc_of_port(p->owner, (uint16_t)(tag & 0xffff)) : NULL;
		for (i = 0; i < n; i++) {
			med_rb.taken[i] = wr && med_webrtc_demux(wr, p->fd, med_rb.data[i],
								 med_rb.rx[i].msg_len, &med_rb.src[i]);
			ntaken += med_rb.taken[i];
		}
		head = p->flow;
		if (!head) {
			if (p->owner)
				p->owner->call->dropped += (uint64_t)(n - ntaken);
			continue;
		}
		ntx = 0;
		for (i = 0; i < n; i++) {
			size_t len = med_rb.rx[i].msg_len;
			unsigned char *b = med_rb.data[i];
			bool rtcp;

			if (med_rb.taken[i])
				continue;
			rtcp = (head->kf.flags & KRTP_FLOW_F_RTCP) || med_is_rtcp(b, len);
			/* a bundled port: the line's flow, by payload type or SSRC (bundle.c) */
			f = med_bundle_pick(head, b, len, rtcp);
			if (!f) {
				head->u.st.packets_total++;
				head->u.st.drop_not_rtp++;
				continue;
			}
			f->u.st.packets_total++;
			if (!med_relay_check_source(f, &med_rb.src[i])) {
				f->u.st.drop_wrong_source++;
				continue;
			}
			/*
			 * Only a packet the source rule lets in is life in the
			 * call, as krtp.ko's krtp_flow_touch(): anyone can send
			 * to a relay port, and would keep a dead call and its
			 * ports past inactivity_timeout forever.
			 */
			f->u.last_rx_ms = now_us / 1000;
			if (med_rb.rx[i].msg_hdr.msg_flags & MSG_TRUNC) {
				f->u.st.drop_other++;
				continue;
			}
			med_rb.rtcp[ntx] = rtcp;
			/* SRTP krtpd terminates: decrypt from the leg, or encrypt toward it */
			sl = med_srtp_apply(f, b, (int)len, (int)sizeof(med_rb.data[i]), rtcp);
			if (sl < 0) {
				f->u.st.drop_other++;
				continue;
			}
			/*
			 * Learned sources matter for a leg behind NAT; the flows
			 * of a bundle are a WebRTC leg's, whose address ICE gave:
			 * one reported a batch is enough
			 */
			if (!f->u.locked) {
				struct krtp_ep other;

				med_relay_lock_source(f, &med_rb.src[i], *learned ? &other : src);
				if (!*learned)
					*learned = f;
			}
			if (!rtcp)
				med_relay_rtp(f, b, len, now_us);
			len = (size_t)sl;
			med_rb.txiov[ntx].iov_base = b;
			med_rb.txiov[ntx].iov_len = len;
			/*
			 * RTCP from a muxed leg to one that does not mux: its own
			 * port, from krtpd's RTCP port facing it (symmetric RTCP,
			 * RFC 4961)
			 */
			split = rtcp && f->kf.rtcp_peer.family;
			med_rb.flow[ntx] = f;
			med_rb.out[ntx] = split && f->kf.rtcp_via.port ? med_port_get(f->kf.rtcp_via.port) :
					  med_port_get(f->kf.via.port ? f->kf.via.port : f->kf.local.port);
			med_rb.tx[ntx].msg_hdr = (struct msghdr){
				.msg_name = &med_rb.dst[ntx],
				.msg_namelen = med_ep_to_sa(split ? &f->kf.rtcp_peer : &f->kf.peer,
							    &med_rb.dst[ntx]),
				.msg_iov = &med_rb.txiov[ntx], .msg_iovlen = 1,
			};
			ntx++;
		}
		for (i = 0; i < ntx; i += sent > 0 ? sent : 1) {
			/* a run of packets that leave from the same port */
			for (run = 1; i + run < ntx && med_rb.out[i + run] == med_rb.out[i]; run++)
				;
			out = med_rb.out[i];
			f = med_rb.flow[i];
			if (out && out->fd >= 0) {
				sent = sendmmsg(out->fd, med_rb.tx + i, (unsigned int)run, MSG_DONTWAIT);
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

				f = med_rb.flow[k];
				if (med_rb.rtcp[k]) {
					f->u.st.rtcp_packets++;
					f->u.st.rtcp_bytes += len;
				} else {
					f->u.st.packets++;
					f->u.st.bytes += len;
				}
			}
		}
		/*
		 * A sender was just learned: the owner must hear of it before
		 * more is relayed (the reverse flows may have to point at it).
		 * The rest stays queued; epoll is level-triggered.
		 */
		if (*learned)
			return true;
		if (n < MED_BATCH)
			return false;
	}
	return false;
}
