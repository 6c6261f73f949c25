// SPDX-License-Identifier: GPL-2.0
/*
 * The userspace relay on a port that a bundle shares (daemon/media/relay.c,
 * bundle.c), doing what krtp.ko does (kmod/bundle.c): a browser sends audio
 * and video to one port P, each relayed to its own phone port.
 *
 *   browser :B  ->  P  audio (PT 0)   --from P+2-->  phone audio :X
 *                      video (PT 96)  --from P+4-->  phone video :Y
 *   phone video :Y  ->  P+4 (the video's reverse)  --from P-->  browser :B
 *
 * Checked: RTP goes by payload type, and one of no flow's is dropped and
 * counted on the port's first flow; RTCP goes by the sender SSRC a flow's
 * analysis follows, else (plain RTCP) by the stream it reports on, the one
 * a flow's reverse carries, else to the first flow; each flow counts what
 * it carried; with the first flow gone, the other carries on alone and the
 * first one's types are dropped. The flows are set up by hand with their
 * sources locked, so nothing but the relay runs; the media thread relays.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "media.h"
#include "media/internal.h"

#include "check.h"
#include "relaytest.h"

static struct med_call call;
static struct med_stream sta = { .call = &call, .idx = 0 }, stv = { .call = &call, .idx = 1 };

/* the source port of the next datagram on fd, 0 if none came within wait_ms */
static uint16_t recv_sport(int fd, int wait_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	unsigned char b[2048];

	if (poll(&pfd, 1, wait_ms) != 1 ||
	    recvfrom(fd, b, sizeof(b), 0, (struct sockaddr *)&from, &fl) < 0)
		return 0;
	return ntohs(from.sin_port);
}

static void put32(unsigned char *b, uint32_t v)
{
	b[0] = (unsigned char)(v >> 24);
	b[1] = (unsigned char)(v >> 16);
	b[2] = (unsigned char)(v >> 8);
	b[3] = (unsigned char)v;
}

static void send_to(int fd, uint16_t to, const unsigned char *b, size_t len)
{
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons(to),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	CHECK(sendto(fd, b, len, 0, (struct sockaddr *)&dst, sizeof(dst)) == (ssize_t)len);
}

static void send_rtp(int fd, uint16_t to, unsigned int pt, uint32_t ssrc, uint16_t seq)
{
	unsigned char rtp[172] = { 0x80 };

	rtp[1] = (unsigned char)pt;
	rtp[2] = (unsigned char)(seq >> 8);
	rtp[3] = (unsigned char)seq;
	put32(rtp + 8, ssrc);
	send_to(fd, to, rtp, sizeof(rtp));
}

/* an RR from ssrc, with a report block about `about` (none if 0) */
static void send_rr(int fd, uint16_t to, uint32_t ssrc, uint32_t about)
{
	unsigned char rr[32] = { 0x80, 201, 0, 7 };

	put32(rr + 4, ssrc);
	if (about) {
		rr[0] |= 1;
		put32(rr + 8, about);
	}
	send_to(fd, to, rr, sizeof(rr));
}

/* the flow fi of st from local to peer, leaving from via, its sender locked to src */
static struct med_flow *install(struct med_stream *st, int fi, uint16_t local, uint16_t via,
				uint16_t peer, const struct sockaddr_in *src, unsigned int pt)
{
	struct med_flow *f = &st->flow[fi];

	memset(f, 0, sizeof(*f));
	f->stream = st;
	f->idx = fi;
	ep_of(&f->kf.local, local);
	ep_of(&f->kf.via, via);
	ep_of(&f->kf.peer, peer);
	f->kf.clock_rate = 8000;
	if (pt < 128) {
		f->kf.bundle = true;
		f->kf.bundle_pt[pt / 8] = (uint8_t)(1u << (pt % 8));
	}
	f->installed = true;
	f->user = true;
	med_relay_install(f);
	f->u.locked = true;
	memcpy(&f->u.src, src, sizeof(*src));
	return f;
}

/*
 * A call's batch for krtp.ko: the flows of a bundle's port next to each
 * other, the rest in the order they came (krtp.ko publishes such a run at
 * once). Batch of a bundled audio and video and of a second bundle:
 *   0 audio in on P (bundle), 1 audio out, 2 video in on P (bundle),
 *   3 video out, 4 other in on Q (bundle), 5 plain on P, 6 other2 in on Q
 */
static void test_batch_order(void)
{
	struct med_flow f[7], *b[7];
	const unsigned int want[7] = { 0, 2, 1, 3, 4, 6, 5 };
	unsigned int i;

	memset(f, 0, sizeof(f));
	for (i = 0; i < 7; i++) {
		f[i].kf.local.family = AF_INET;
		f[i].kf.local.addr.v4.s_addr = htonl(0x0a000001);
		f[i].kf.local.port = (uint16_t)(5000 + i * 2);
		b[i] = &f[i];
	}
	f[0].kf.bundle = f[2].kf.bundle = f[4].kf.bundle = f[6].kf.bundle = true;
	f[2].kf.local.port = f[5].kf.local.port = f[0].kf.local.port;
	f[6].kf.local.port = f[4].kf.local.port;
	med_kernel_bundles_together(b, 7);
	for (i = 0; i < 7; i++)
		CHECK_EQ(b[i] - f, (long)want[i]);
	/* nothing to move: the order stays */
	f[2].kf.bundle = f[6].kf.bundle = false;
	for (i = 0; i < 7; i++)
		b[i] = &f[i];
	med_kernel_bundles_together(b, 7);
	for (i = 0; i < 7; i++)
		CHECK_EQ(b[i] - f, (long)i);
}

int main(void)
{
	struct med_config cfg = { .mode = MED_MODE_USER };
	struct sockaddr_in *sin = (struct sockaddr_in *)&cfg.relay4;
	struct sockaddr_in bsin, xsin, ysin;
	struct med_flow *fa, *fv, *rv;
	int b, x, y;
	uint16_t p;

	setvbuf(stdout, NULL, _IOLBF, 0);
	test_batch_order();
	srand((unsigned int)(time(NULL) ^ getpid()));
	p = (uint16_t)(44000 + (rand() % 1000) * 6);
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cfg.port_min = p;
	cfg.port_max = (uint16_t)(p + 5);
	CHECK_EQ(MED_Init(&cfg), MED_MODE_USER);
	b = udp_socket(&bsin);
	x = udp_socket(&xsin);
	y = udp_socket(&ysin);
	CHECK(b >= 0 && x >= 0 && y >= 0);

	pthread_mutex_lock(&med_lock);
	CHECK_EQ(med_ports_claim_pair(AF_INET, &sta, p), 0);
	CHECK_EQ(med_ports_claim_pair(AF_INET, &sta, (uint16_t)(p + 2)), 0);
	CHECK_EQ(med_ports_claim_pair(AF_INET, &stv, (uint16_t)(p + 4)), 0);
	fa = install(&sta, MED_F_AB_RTP, p, (uint16_t)(p + 2), ntohs(xsin.sin_port), &bsin, 0);
	fv = install(&stv, MED_F_AB_RTP, p, (uint16_t)(p + 4), ntohs(ysin.sin_port), &bsin, 96);
	rv = install(&stv, MED_F_BA_RTP, (uint16_t)(p + 4), p, ntohs(bsin.sin_port), &ysin, 128);
	CHECK(med_port_get(p)->flow == fa && fa->bnext == fv && !fv->bnext);
	pthread_mutex_unlock(&med_lock);

	/* RTP by payload type; PT 13 is no flow's */
	send_rtp(b, p, 0, 0xa, 1);
	CHECK_EQ(recv_sport(x, 5000), p + 2);
	send_rtp(b, p, 96, 0xb, 1);
	CHECK_EQ(recv_sport(y, 5000), p + 4);
	send_rtp(b, p, 13, 0xd, 1);
	/* the phone's video, back to the browser from the bundle's port */
	send_rtp(y, (uint16_t)(p + 4), 96, 0x77, 1);
	CHECK_EQ(recv_sport(b, 5000), p);

	/* RTCP: the video's sender SSRC; about the phone's video; about no one */
	send_rr(b, p, 0xb, 0);
	CHECK_EQ(recv_sport(y, 5000), p + 4);
	send_rr(b, p, 0xe0, 0x77);
	CHECK_EQ(recv_sport(y, 5000), p + 4);
	send_rr(b, p, 0xe0, 0xf0);
	CHECK_EQ(recv_sport(x, 5000), p + 2);
	CHECK_EQ(recv_sport(x, 300) + recv_sport(y, 300), 0);

	pthread_mutex_lock(&med_lock);
	CHECK_EQ(fa->u.st.packets, 1);
	CHECK_EQ(fa->u.st.rtcp_packets, 1);
	CHECK_EQ(fa->u.st.drop_not_rtp, 1);
	CHECK_EQ(fa->u.st.packets_total, 3);
	CHECK_EQ(fa->u.st.rtp_ssrc, 0xa);
	CHECK_EQ(fv->u.st.packets, 1);
	CHECK_EQ(fv->u.st.rtcp_packets, 2);
	CHECK_EQ(fv->u.st.drop_not_rtp, 0);
	CHECK_EQ(rv->u.st.packets, 1);
	CHECK_EQ(rv->u.st.rtp_ssrc, 0x77);
	/* the first flow goes: the video is the port's now */
	med_relay_remove(fa);
	fa->installed = false;
	CHECK(med_port_get(p)->flow == fv && !fv->bnext);
	pthread_mutex_unlock(&med_lock);

	send_rtp(b, p, 0, 0xa, 2);
	send_rtp(b, p, 96, 0xb, 2);
	CHECK_EQ(recv_sport(y, 5000), p + 4);
	CHECK_EQ(recv_sport(x, 300), 0);
	pthread_mutex_lock(&med_lock);
	CHECK_EQ(fv->u.st.packets, 2);
	CHECK_EQ(fv->u.st.drop_not_rtp, 1);
	/* ... and it joins again, behind the video */
	fa = install(&sta, MED_F_AB_RTP, p, (uint16_t)(p + 2), ntohs(xsin.sin_port), &bsin, 0);
	CHECK(med_port_get(p)->flow == fv && fv->bnext == fa);
	pthread_mutex_unlock(&med_lock);
	send_rtp(b, p, 0, 0xa, 3);
	CHECK_EQ(recv_sport(x, 5000), p + 2);

	pthread_mutex_lock(&med_lock);
	med_relay_remove(fa);
	med_relay_remove(fv);
	med_relay_remove(rv);
	fa->installed = fv->installed = rv->installed = false;
	pthread_mutex_unlock(&med_lock);
	MED_Fini();
	close(b);
	close(x);
	close(y);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
