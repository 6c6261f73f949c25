// SPDX-License-Identifier: GPL-2.0
/*
 * The userspace relay (daemon/media/relay.c) doing what krtp.ko does: which
 * SSRC its RTP analysis follows (ssrcs()), and its RTCP split: a flow from
 * a muxed leg to a phone that does not mux, with an RTCP peer and an RTCP
 * via, sends RTP to the phone's RTP port from its via and RTCP to the
 * phone's RTCP port from its RTCP via (krtpd's RTCP port, symmetric RTCP,
 * RFC 4961); without an RTCP via, from the via.
 *
 *   sender 127.0.0.1:S  ->  relay P (flow)  --RTP  from P+2-->  phone RTP  :X
 *                                           --RTCP from P+3-->  phone RTCP :Y
 *
 * The flow is set up by hand on a stream of its own, with its source
 * locked, so nothing but relay.c runs; the media thread relays.
 */
#include <errno.h>
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
static struct med_stream st = { .call = &call };

/* the source port of the next datagram on fd, 0 if none came within 5 s */
static uint16_t recv_sport(int fd, size_t *len)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	unsigned char b[2048];
	ssize_t n;

	if (poll(&pfd, 1, 5000) != 1)
		return 0;
	n = recvfrom(fd, b, sizeof(b), 0, (struct sockaddr *)&from, &fl);
	if (n < 0)
		return 0;
	*len = (size_t)n;
	return ntohs(from.sin_port);
}

/* one RTP packet (PT 0, 160 bytes of payload) and one RTCP RR to the relay */
static void send_pair(int fd, uint16_t to)
{
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons(to),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	unsigned char rtp[172] = { 0x80, 0x00, 0x00, 0x01 };
	unsigned char rr[8] = { 0x80, 201, 0x00, 0x01, 0, 0, 0, 1 };

	CHECK(sendto(fd, rtp, sizeof(rtp), 0, (struct sockaddr *)&dst, sizeof(dst)) ==
	      (ssize_t)sizeof(rtp));
	CHECK(sendto(fd, rr, sizeof(rr), 0, (struct sockaddr *)&dst, sizeof(dst)) ==
	      (ssize_t)sizeof(rr));
}

/* the flow P -> phone, its sender locked to ssin; returns with med_lock released */
static struct med_flow *install(uint16_t p, const struct sockaddr_in *ssin,
				const struct sockaddr_in *psin, const struct sockaddr_in *csin,
				bool rtcp_via)
{
	struct med_flow *f = &st.flow[MED_F_BA_RTP];

	pthread_mutex_lock(&med_lock);
	memset(f, 0, sizeof(*f));
	f->stream = &st;
	f->idx = MED_F_BA_RTP;
	ep_of(&f->kf.local, p);
	ep_of(&f->kf.via, (uint16_t)(p + 2));
	ep_of(&f->kf.peer, ntohs(psin->sin_port));
	ep_of(&f->kf.rtcp_peer, ntohs(csin->sin_port));
	if (rtcp_via)
		ep_of(&f->kf.rtcp_via, (uint16_t)(p + 3));
	f->kf.clock_rate = 8000;
	f->installed = true;
	f->user = true;
	med_relay_install(f);
	/* the sender is known: nothing to learn, no call to tell */
	f->u.locked = true;
	memcpy(&f->u.src, ssin, sizeof(*ssin));
	pthread_mutex_unlock(&med_lock);
	return f;
}

static void split(uint16_t p, int snd, const struct sockaddr_in *ssin, int prtp,
		  const struct sockaddr_in *psin, int prtcp, const struct sockaddr_in *csin,
		  bool rtcp_via)
{
	struct med_flow *f = install(p, ssin, psin, csin, rtcp_via);
	size_t len = 0;

	send_pair(snd, p);
	CHECK_EQ(recv_sport(prtp, &len), p + 2);
	CHECK_EQ(len, 172);
	CHECK_EQ(recv_sport(prtcp, &len), rtcp_via ? p + 3 : p + 2);
	CHECK_EQ(len, 8);

	pthread_mutex_lock(&med_lock);
	CHECK_EQ(f->u.st.packets, 1);
	CHECK_EQ(f->u.st.rtcp_packets, 1);
	med_relay_remove(f);
	f->installed = false;
	pthread_mutex_unlock(&med_lock);
}

/* RTP packets of @ssrc, sequence numbers @first..@last, each relayed to @prtp */
static void send_rtp(int fd, uint16_t to, int prtp, uint32_t ssrc, uint16_t first, uint16_t last)
{
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons(to),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	unsigned char rtp[172] = { 0x80, 0x00 };
	size_t len = 0;
	uint32_t seq;

	for (seq = first; seq <= last; seq++) {
		rtp[2] = (unsigned char)(seq >> 8);
		rtp[3] = (unsigned char)seq;
		rtp[7] = (unsigned char)seq;	/* timestamp */
		rtp[8] = (unsigned char)(ssrc >> 24);
		rtp[9] = (unsigned char)(ssrc >> 16);
		rtp[10] = (unsigned char)(ssrc >> 8);
		rtp[11] = (unsigned char)ssrc;
		CHECK(sendto(fd, rtp, sizeof(rtp), 0, (struct sockaddr *)&dst, sizeof(dst)) ==
		      (ssize_t)sizeof(rtp));
		CHECK_EQ(recv_sport(prtp, &len), to + 2);
	}
}

/*
 * Which SSRC the RTP analysis follows, as krtp.ko's does: a packet of
 * another SSRC now and then (RTX) neither restarts the stream's sequence
 * nor hides its loss; KRTP_RTP_SSRC_SWITCH of another in a row (a PBX that
 * bridged in another party) are followed, with no loss counted for the
 * change and none forgotten.
 */
static void ssrcs(uint16_t p, int snd, const struct sockaddr_in *ssin, int prtp,
		  const struct sockaddr_in *psin, const struct sockaddr_in *csin)
{
	struct med_flow *f = install(p, ssin, psin, csin, false);

	send_rtp(snd, p, prtp, 0xa, 1, 10);
	send_rtp(snd, p, prtp, 0xb, 500, 500);
	send_rtp(snd, p, prtp, 0xa, 12, 20);	/* 11 lost */
	send_rtp(snd, p, prtp, 0xb, 501, 501);
	pthread_mutex_lock(&med_lock);
	CHECK_EQ(f->u.st.rtp_ssrc, 0xa);
	CHECK_EQ(f->u.st.rtp_lost, 1);
	pthread_mutex_unlock(&med_lock);
	send_rtp(snd, p, prtp, 0xb, 502, 502 + KRTP_RTP_SSRC_SWITCH - 1);
	pthread_mutex_lock(&med_lock);
	CHECK_EQ(f->u.st.rtp_ssrc, 0xb);
	CHECK_EQ(f->u.st.rtp_lost, 1);	/* a counter: the first stream's loss stays */
	CHECK_EQ(f->u.st.packets, 20 + 2 + KRTP_RTP_SSRC_SWITCH - 1);
	med_relay_remove(f);
	f->installed = false;
	pthread_mutex_unlock(&med_lock);
}

int main(void)
{
	struct med_config cfg = { .mode = MED_MODE_USER };
	struct sockaddr_in *sin = (struct sockaddr_in *)&cfg.relay4;
	struct sockaddr_in ssin, psin, csin;
	int snd, prtp, prtcp;
	uint16_t p;

	setvbuf(stdout, NULL, _IOLBF, 0);
	srand((unsigned int)(time(NULL) ^ getpid()));
	p = (uint16_t)(42000 + (rand() % 1000) * 4);
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cfg.port_min = p;
	cfg.port_max = (uint16_t)(p + 3);
	CHECK_EQ(MED_Init(&cfg), MED_MODE_USER);
	snd = udp_socket(&ssin);
	prtp = udp_socket(&psin);
	prtcp = udp_socket(&csin);
	CHECK(snd >= 0 && prtp >= 0 && prtcp >= 0);

	pthread_mutex_lock(&med_lock);
	CHECK_EQ(med_ports_claim_pair(AF_INET, &st, p), 0);
	CHECK_EQ(med_ports_claim_pair(AF_INET, &st, (uint16_t)(p + 2)), 0);
	pthread_mutex_unlock(&med_lock);

	/* RTCP from krtpd's RTCP port facing the phone */
	split(p, snd, &ssin, prtp, &psin, prtcp, &csin, true);
	/* without an RTCP via, from the via, as before */
	split(p, snd, &ssin, prtp, &psin, prtcp, &csin, false);
	ssrcs(p, snd, &ssin, prtp, &psin, &csin);

	MED_Fini();
	close(snd);
	close(prtp);
	close(prtcp);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
