// SPDX-License-Identifier: GPL-2.0
/*
 * Media anchoring in user mode (daemon/media/), end to end over loopback:
 *
 *   alice 127.0.0.1:a  <->  relay 127.0.0.1:pa | krtpd | 127.0.0.1:pb  <->  bob 127.0.0.1:b
 *
 * MED_Offer/MED_Answer are driven the way the SIP core drives them; real
 * UDP packets go both ways and every count is exact: what bob receives,
 * from which relay port, and what MED_Stats reports. Also: source
 * validation (a third socket is dropped and counted), hold and resume by
 * re-INVITE, rtcp-mux, rejected streams freeing their ports, -ENOSPC,
 * symmetric RTP for a leg behind NAT (and with nat_media_source =
 * signalling a stranger's packets before its first, dropped: RTP Bleed),
 * IPv6, an IPv6 leg with an IPv4 one,
 * the inactivity callback (which packets from a wrong source do not put
 * off), and MED_Delete closing the ports.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include <sys/wait.h>

#include <krtp/nl.h>
#include "media.h"
#include "sdp.h"

#include "check.h"
#include "lophone.h"

static unsigned int base_port;
static enum med_mode mode = MED_MODE_USER;
static char inactive_key[128];
static int inactive_calls;
static bool nat_signalling;	/* nat_media_source = signalling */

static void on_inactive(const char *key, enum med_end why, void *arg)
{
	(void)arg;
	(void)why;
	snprintf(inactive_key, sizeof(inactive_key), "%s", key);
	__atomic_add_fetch(&inactive_calls, 1, __ATOMIC_SEQ_CST);
}

static const char *sdp_fmt =
	"v=0\r\n"
	"o=%s 100 %d IN %s %s\r\n"
	"s=-\r\n"
	"c=IN %s %s\r\n"
	"t=0 0\r\n"
	"m=audio %u RTP/AVP 0 101\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"%s"
	"%s";

static size_t mk_sdp(char *buf, size_t sz, const char *user, int ver, int family, const char *addr,
		     uint16_t port, const char *extra, const char *video)
{
	const char *ip = family == AF_INET ? "IP4" : "IP6";

	return (size_t)snprintf(buf, sz, sdp_fmt, user, ver, ip, addr, ip, addr, port, extra, video);
}

/* the port the rewritten SDP shows for m= line i, checking its c= address */
static uint16_t shown_port(const char *out, size_t len, unsigned int i, const char *want_addr)
{
	struct sdp s;
	char addr[INET6_ADDRSTRLEN];

	if (sdp_parse(out, len, &s) || i >= s.nmedia)
		return 0;
	inet_ntop(sdp_media_addr(&s, i)->family, &sdp_media_addr(&s, i)->v6, addr, sizeof(addr));
	if (strcmp(addr, want_addr)) {
		printf("shown address %s, want %s\n", addr, want_addr);
		return 0;
	}
	return s.media[i].port;
}

static int kernel_flows(void);

static struct sockaddr_storage sig(int family, const char *addr)
{
	struct sockaddr_storage ss = { 0 };

	ss.ss_family = (sa_family_t)family;
	if (family == AF_INET)
		inet_pton(AF_INET, addr, &((struct sockaddr_in *)&ss)->sin_addr);
	else
		inet_pton(AF_INET6, addr, &((struct sockaddr_in6 *)&ss)->sin6_addr);
	return ss;
}

static int init(unsigned int nports, unsigned int timeout)
{
	struct med_config cfg = { .mode = mode };

	cfg.relay4 = sig(AF_INET, "127.0.0.1");
	cfg.relay6 = sig(AF_INET6, "::1");
	cfg.port_min = (uint16_t)base_port;
	cfg.port_max = (uint16_t)(base_port + nports - 1);
	cfg.inactivity_timeout = timeout;
	cfg.on_inactive = on_inactive;
	cfg.nat_source_signalling = nat_signalling;
	return MED_Init(&cfg);
}

/* the basic call, then hold/resume, wrong source, stats; one relay */
static void test_call(void)
{
	struct sockaddr_storage sa = sig(AF_INET, "127.0.0.1");
	int a[2], b[2], x, wrong = 0;
	uint16_t ap, bp, xp, pa, pb;
	char in[1024], out[1024];
	struct med_call_stats st;
	uint64_t bytes = 0;
	size_t n, olen;

	udp_pair(AF_INET, a, &ap);
	udp_pair(AF_INET, b, &bp);
	x = udp_sock(AF_INET, &xp);

	n = mk_sdp(in, sizeof(in), "alice", 1, AF_INET, "127.0.0.1", ap, "", "");
	CHECK(MED_Offer("call-1", MED_LEG_A, (struct sockaddr *)&sa, in, n, out, sizeof(out), &olen) == 0);
	pb = shown_port(out, olen, 0, "127.0.0.1");
	CHECK(pb >= base_port && pb < base_port + 64 && !(pb & 1));
	CHECK(strstr(out, "o=alice 100 2 IN IP4 127.0.0.1\r\n") != NULL);

	n = mk_sdp(in, sizeof(in), "bob", 1, AF_INET, "127.0.0.1", bp, "", "");
	CHECK(MED_Answer("call-1", MED_LEG_B, (struct sockaddr *)&sa, in, n, out, sizeof(out), &olen) == 0);
	pa = shown_port(out, olen, 0, "127.0.0.1");
	CHECK(pa >= base_port && pa < base_port + 64 && !(pa & 1) && pa != pb);

	/* 49 RTP packets A->B with one sequence gap, 5 RTCP; 30 RTP B->A */
	send_rtp(a[0], AF_INET, pa, 49, 172, 1000, 20);
	send_rtcp(a[1], AF_INET, (uint16_t)(pa + 1), 5);
	send_rtp(b[0], AF_INET, pb, 30, 172, 5000, -1);
	CHECK_EQ(drain(b[0], pb, &bytes, &wrong, 49), 49);
	CHECK_EQ(bytes, 49 * 172);
	CHECK_EQ(drain(b[1], (uint16_t)(pb + 1), NULL, &wrong, 5), 5);
	CHECK_EQ(drain(a[0], pa, NULL, &wrong, 30), 30);
	CHECK_EQ(wrong, 0);

	/* RTP Bleed: after locking on alice, a stranger on the same address is dropped */
	send_rtp(x, AF_INET, pa, 7, 100, 1, -1);
	CHECK_EQ(drain(b[0], pb, NULL, NULL, 0), 0);

	CHECK(MED_Stats("call-1", &st) == 0);
	CHECK_EQ(st.streams, 1);
	CHECK_EQ(st.packets_a_to_b, 49 + 5);
	CHECK_EQ(st.packets_b_to_a, 30);
	CHECK_EQ(st.bytes_a_to_b, 49 * 172 + 5 * 28);
	CHECK_EQ(st.bytes_b_to_a, 30 * 172);
	CHECK_EQ(st.dropped, 7);
	CHECK_EQ(st.lost, 1);
	CHECK_EQ(st.port_a, pa);
	CHECK_EQ(st.port_b, pb);
	CHECK_EQ(st.kernel, mode == MED_MODE_KERNEL);
	CHECK_EQ(kernel_flows(), mode == MED_MODE_KERNEL ? 4 : 0);
	CHECK(st.idle_msecs < 5000);

	/* the ports are krtpd's: nobody else can bind them */
	{
		struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(pa),
					   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		int y = socket(AF_INET, SOCK_DGRAM, 0);

		CHECK(bind(y, (struct sockaddr *)&sin, sizeof(sin)) < 0 && errno == EADDRINUSE);
		close(y);
	}

	/* hold by re-INVITE: alice sendonly, bob recvonly; nothing reaches alice */
	n = mk_sdp(in, sizeof(in), "alice", 2, AF_INET, "127.0.0.1", ap, "a=sendonly\r\n", "");
	CHECK(MED_Offer("call-1", MED_LEG_A, (struct sockaddr *)&sa, in, n, out, sizeof(out), &olen) == 0);
	CHECK_EQ(shown_port(out, olen, 0, "127.0.0.1"), pb);	/* same ports on re-INVITE */
	n = mk_sdp(in, sizeof(in), "bob", 2, AF_INET, "127.0.0.1", bp, "a=recvonly\r\n", "");
	CHECK(MED_Answer("call-1", MED_LEG_B, (struct sockaddr *)&sa, in, n, out, sizeof(out), &olen) == 0);
	CHECK_EQ(shown_port(out, olen, 0, "127.0.0.1"), pa);
	send_rtp(b[0], AF_INET, pb, 10, 172, 5030, -1);
	send_rtp(a[0], AF_INET, pa, 10, 172, 1050, -1);
	CHECK_EQ(drain(a[0], pa, NULL, NULL, 0), 0);
	CHECK_EQ(drain(b[0], pb, NULL, NULL, 10), 10);
	/* RTCP still flows toward the held side (RFC 3264 section 5.1) */
	send_rtcp(b[1], AF_INET, (uint16_t)(pb + 1), 2);
	CHECK_EQ(drain(a[1], (uint16_t)(pa + 1), NULL, NULL, 2), 2);

	/* resume */
	n = mk_sdp(in, sizeof(in), "alice", 3, AF_INET, "127.0.0.1", ap, "", "");
	CHECK(MED_Offer("call-1", MED_LEG_A, (struct sockaddr *)&sa, in, n, out, sizeof(out), &olen) == 0);
	n = mk_sdp(in, sizeof(in), "bob", 3, AF_INET, "127.0.0.1", bp, "", "");
	CHECK(MED_Answer("call-1", MED_LEG_B, (struct sockaddr *)&sa, in, n, out, sizeof(out), &olen) == 0);
	send_rtp(b[0], AF_INET, pb, 4, 172, 5040, -1);
	CHECK_EQ(drain(a[0], pa, NULL, NULL, 4), 4);

	CHECK(MED_Stats("call-1", &st) == 0);
	CHECK_EQ(st.packets_a_to_b, 49 + 5 + 10);
	CHECK_EQ(st.packets_b_to_a, 30 + 2 + 4);
	CHECK_EQ(st.dropped, 7 + 10);	/* the 10 sent toward alice on hold */

	/* an operator's `krtpctl flush`: the next re-INVITE installs the flows again */
	if (mode == MED_MODE_KERNEL) {
		struct krtp_nl *nl;

		CHECK(krtp_nl_open(&nl) == 0 && krtp_nl_flush(nl) == 0);
		krtp_nl_close(nl);
		usleep(300000);
		CHECK_EQ(kernel_flows(), 0);
		n = mk_sdp(in, sizeof(in), "alice", 4, AF_INET, "127.0.0.1", ap, "", "");
		CHECK(MED_Offer("call-1", MED_LEG_A, (struct sockaddr *)&sa, in, n, out, sizeof(out), &olen) == 0);
		n = mk_sdp(in, sizeof(in), "bob", 4, AF_INET, "127.0.0.1", bp, "", "");
		CHECK(MED_Answer("call-1", MED_LEG_B, (struct sockaddr *)&sa, in, n, out, sizeof(out), &olen) == 0);
		CHECK_EQ(kernel_flows(), 4);
		send_rtp(a[0], AF_INET, pa, 3, 100, 1100, -1);
		CHECK_EQ(drain(b[0], pb, NULL, NULL, 3), 3);
	}

	/* alice moves to other ports by re-INVITE: her new source is learned afresh */
	{
		int a2[2];
		uint16_t ap2;

		udp_pair(AF_INET, a2, &ap2);
		n = mk_sdp(in, sizeof(in), "alice", 5, AF_INET, "127.0.0.1", ap2, "", "");
		CHECK(MED_Offer("call-1", MED_LEG_A, (struct sockaddr *)&sa, in, n, out, sizeof(out), &olen) == 0);
		n = mk_sdp(in, sizeof(in), "bob", 5, AF_INET, "127.0.0.1", bp, "", "");
		CHECK(MED_Answer("call-1", MED_LEG_B, (struct sockaddr *)&sa, in, n, out, sizeof(out), &olen) == 0);
		send_rtp(a2[0], AF_INET, pa, 5, 100, 1200, -1);
		CHECK_EQ(drain(b[0], pb, NULL, NULL, 5), 5);
		send_rtp(b[0], AF_INET, pb, 6, 100, 5100, -1);
		CHECK_EQ(drain(a2[0], pa, NULL, NULL, 6), 6);
		CHECK_EQ(drain(a[0], pa, NULL, NULL, 0), 0);
		/* and her old port is a stranger now */
		send_rtp(a[0], AF_INET, pa, 2, 100, 1300, -1);
		CHECK_EQ(drain(b[0], pb, NULL, NULL, 0), 0);
		close(a2[0]);
		close(a2[1]);
	}

	MED_Delete("call-1");
	CHECK(MED_Stats("call-1", &st) == -ENOENT);
	/* the relay port is closed: packets to it go nowhere */
	send_rtp(a[0], AF_INET, pa, 3, 100, 1, -1);
	CHECK_EQ(drain(b[0], pb, NULL, NULL, 0), 0);
	for (int i = 0; i < 2; i++) {
		close(a[i]);
		close(b[i]);
	}
	close(x);
}

/* rtcp-mux on both sides: RTCP on the RTP port is relayed and counted; callee offers */
static void test_mux_and_late_offer(void)
{
	struct sockaddr_storage sa = sig(AF_INET, "127.0.0.1");
	char in[1024], out[1024];
	struct med_call_stats st;
	uint16_t ap, bp, pa, pb;
	int a[2], b[2];
	size_t n, olen;

	udp_pair(AF_INET, a, &ap);
	udp_pair(AF_INET, b, &bp);
	/* late offer: the INVITE had no SDP, bob's 200 offers, alice's ACK answers */
	n = mk_sdp(in, sizeof(in), "bob", 1, AF_INET, "127.0.0.1", bp, "a=rtcp-mux\r\n", "");
	CHECK(MED_Offer("call-2", MED_LEG_B, (struct sockaddr *)&sa, in, n, out, sizeof(out), &olen) == 0);
	pa = shown_port(out, olen, 0, "127.0.0.1");
	CHECK(strstr(out, "a=rtcp-mux\r\n") != NULL);
	n = mk_sdp(in, sizeof(in), "alice", 1, AF_INET, "127.0.0.1", ap, "a=rtcp-mux\r\n", "");
	CHECK(MED_Answer("call-2", MED_LEG_A, (struct sockaddr *)&sa, in, n, out, sizeof(out), &olen) == 0);
	pb = shown_port(out, olen, 0, "127.0.0.1");
	CHECK(pa && pb && pa != pb);
	/* an answer from the offering leg is refused */
	CHECK(MED_Answer("call-2", MED_LEG_B, (struct sockaddr *)&sa, in, n, out, sizeof(out), &olen) == -EINVAL);

	send_rtp(a[0], AF_INET, pa, 20, 200, 1, -1);
	send_rtcp(a[0], AF_INET, pa, 3);
	CHECK_EQ(drain(b[0], pb, NULL, NULL, 23), 23);
	send_rtcp(b[0], AF_INET, pb, 2);
	CHECK_EQ(drain(a[0], pa, NULL, NULL, 2), 2);
	/* no RTCP flow on the odd port with mux */
	send_rtcp(a[1], AF_INET, (uint16_t)(pa + 1), 2);
	CHECK_EQ(drain(b[1], (uint16_t)(pb + 1), NULL, NULL, 0), 0);
	CHECK(MED_Stats("call-2", &st) == 0);
	CHECK_EQ(st.packets_a_to_b, 23);
	CHECK_EQ(st.bytes_a_to_b, 20 * 200 + 3 * 28);
	CHECK_EQ(st.packets_b_to_a, 2);
	CHECK_EQ(st.dropped, 2);
	MED_Delete("call-2");
	for (int i = 0; i < 2; i++) {
		close(a[i]);
		close(b[i]);
	}
}

/* RFC 3605: alice takes RTCP on another address (127.0.0.2) than RTP */
static void test_rtcp_addr(void)
{
	struct sockaddr_storage sa = sig(AF_INET, "127.0.0.1"), a2 = sig(AF_INET, "127.0.0.2");
	char in[1024], out[1024], extra[64];
	uint16_t ap, bp, pa, pb, a2p;
	int a[2], b[2], artcp;
	socklen_t sl = sizeof(a2);
	size_t n, olen;

	udp_pair(AF_INET, a, &ap);
	udp_pair(AF_INET, b, &bp);
	artcp = socket(AF_INET, SOCK_DGRAM, 0);
	if (bind(artcp, (struct sockaddr *)&a2, sizeof(struct sockaddr_in)) < 0) {
		perror("bind 127.0.0.2");
		exit(2);
	}
	getsockname(artcp, (struct sockaddr *)&a2, &sl);
	a2p = ntohs(((struct sockaddr_in *)&a2)->sin_port);
	snprintf(extra, sizeof(extra), "a=rtcp:%u IN IP4 127.0.0.2\r\n", a2p);
	n = mk_sdp(in, sizeof(in), "alice", 1, AF_INET, "127.0.0.1", ap, extra, "");
	CHECK(MED_Offer("call-rtcp", MED_LEG_A, (struct sockaddr *)&sa, in, n, out, sizeof(out), &olen) == 0);
	pb = shown_port(out, olen, 0, "127.0.0.1");
	snprintf(extra, sizeof(extra), "a=rtcp:%u IN IP4 127.0.0.1\r\n", pb + 1);
	CHECK(strstr(out, extra) != NULL);
	n = mk_sdp(in, sizeof(in), "bob", 1, AF_INET, "127.0.0.1", bp, "", "");
	CHECK(MED_Answer("call-rtcp", MED_LEG_B, (struct sockaddr *)&sa, in, n, out, sizeof(out), &olen) == 0);
	pa = shown_port(out, olen, 0, "127.0.0.1");
	send_rtcp(b[1], AF_INET, (uint16_t)(pb + 1), 3);
	CHECK_EQ(drain(artcp, (uint16_t)(pa + 1), NULL, NULL, 3), 3);
	CHECK_EQ(drain(a[1], (uint16_t)(pa + 1), NULL, NULL, 0), 0);
	/* her RTCP comes from 127.0.0.2, which the RTCP flow accepts */
	send_rtcp(artcp, AF_INET, (uint16_t)(pa + 1), 2);
	CHECK_EQ(drain(b[1], (uint16_t)(pb + 1), NULL, NULL, 2), 2);
	MED_Delete("call-rtcp");
	close(artcp);
	for (int i = 0; i < 2; i++) {
		close(a[i]);
		close(b[i]);
	}
}

/*
 * A call from leg A, whose SDP names sdp_addr:4000 and whose SIP came from
 * 127.0.0.1, to bob on 127.0.0.1:bp: *pa and *pb are the relay ports A and
 * bob are told to send to
 */
static void nat_call(const char *key, const char *sdp_addr, uint16_t bp, uint16_t *pa,
		     uint16_t *pb)
{
	struct sockaddr_storage sa = sig(AF_INET, "127.0.0.1");
	char in[1024], out[1024];
	size_t n, olen;

	n = mk_sdp(in, sizeof(in), "alice", 1, AF_INET, sdp_addr, 4000, "", "");
	CHECK(MED_Offer(key, MED_LEG_A, (struct sockaddr *)&sa, in, n, out, sizeof(out), &olen) == 0);
	*pb = shown_port(out, olen, 0, "127.0.0.1");
	n = mk_sdp(in, sizeof(in), "bob", 1, AF_INET, "127.0.0.1", bp, "", "");
	CHECK(MED_Answer(key, MED_LEG_B, (struct sockaddr *)&sa, in, n, out, sizeof(out), &olen) == 0);
	*pa = shown_port(out, olen, 0, "127.0.0.1");
}

/* A UDP socket on addr (another loopback address than 127.0.0.1), any port */
static int udp_sock_on(const char *addr)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	inet_pton(AF_INET, addr, &sin.sin_addr);
	CHECK(fd >= 0 && bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0);
	return fd;
}

/*
 * RTP Bleed on a leg behind NAT, with nat_media_source = signalling:
 * before alice (SDP 10.9.8.7, SIP from 127.0.0.1) sends, a stranger at
 * 127.0.0.2 sprays her relay port. Its packets are dropped, not learned:
 * bob gets none, and nothing bob sends goes to the stranger; alice's first
 * packets are learned after it.
 */
static void test_nat_bleed(void)
{
	struct med_call_stats st;
	uint16_t ap, bp, pa, pb;
	int a[2], b[2], x;

	udp_pair(AF_INET, a, &ap);
	udp_pair(AF_INET, b, &bp);
	x = udp_sock_on("127.0.0.2");
	nat_call("call-bleed", "10.9.8.7", bp, &pa, &pb);
	send_rtp(x, AF_INET, pa, 4, 100, 1, -1);
	CHECK_EQ(drain(b[0], pb, NULL, NULL, 0), 0);
	send_rtp(a[0], AF_INET, pa, 5, 100, 5, -1);
	CHECK_EQ(drain(b[0], pb, NULL, NULL, 5), 5);
	if (mode == MED_MODE_KERNEL)
		usleep(300000);
	send_rtp(b[0], AF_INET, pb, 6, 100, 1, -1);
	CHECK_EQ(drain(a[0], pa, NULL, NULL, 6), 6);
	CHECK_EQ(drain(x, pa, NULL, NULL, 0), 0);
	CHECK(MED_Stats("call-bleed", &st) == 0);
	CHECK_EQ(st.packets_a_to_b, 5);
	CHECK_EQ(st.dropped, 4);
	MED_Delete("call-bleed");
	close(x);
	for (int i = 0; i < 2; i++) {
		close(a[i]);
		close(b[i]);
	}
}

/*
 * With nat_media_source = signalling, a trunk whose SDP names a public
 * media address (198.51.100.7) other than its signalling's (127.0.0.1),
 * and whose media comes from yet another (127.0.0.2, its media server
 * seen through a NAT): learned from its first packet as always, not held
 * to the signalling's address.
 */
static void test_nat_public_sdp(void)
{
	uint16_t bp, pa, pb;
	int b[2], m;

	udp_pair(AF_INET, b, &bp);
	m = udp_sock_on("127.0.0.2");
	nat_call("call-trunk", "198.51.100.7", bp, &pa, &pb);
	send_rtp(m, AF_INET, pa, 5, 100, 1, -1);
	CHECK_EQ(drain(b[0], pb, NULL, NULL, 5), 5);
	MED_Delete("call-trunk");
	close(m);
	for (int i = 0; i < 2; i++)
		close(b[i]);
}

/* alice's SDP shows a private address, her SIP came from loopback: learn, send back there */
static void test_nat(void)
{
	struct med_call_stats st;
	uint16_t ap, bp, pa, pb;
	int a[2], b[2];

	udp_pair(AF_INET, a, &ap);
	udp_pair(AF_INET, b, &bp);
	nat_call("call-nat", "10.9.8.7", bp, &pa, &pb);
	/* alice's first packets teach the relay where she is */
	send_rtp(a[0], AF_INET, pa, 5, 100, 1, -1);
	send_rtcp(a[1], AF_INET, (uint16_t)(pa + 1), 1);
	CHECK_EQ(drain(b[0], pb, NULL, NULL, 5), 5);
	CHECK_EQ(drain(b[1], (uint16_t)(pb + 1), NULL, NULL, 1), 1);
	/* krtp.ko learned her source and told krtpd (event, or the next scan) */
	if (mode == MED_MODE_KERNEL)
		usleep(300000);
	send_rtp(b[0], AF_INET, pb, 6, 100, 1, -1);
	send_rtcp(b[1], AF_INET, (uint16_t)(pb + 1), 1);
	CHECK_EQ(drain(a[0], pa, NULL, NULL, 6), 6);
	CHECK_EQ(drain(a[1], (uint16_t)(pa + 1), NULL, NULL, 1), 1);
	CHECK(MED_Stats("call-nat", &st) == 0);
	CHECK_EQ(st.packets_b_to_a, 7);
	MED_Delete("call-nat");
	for (int i = 0; i < 2; i++) {
		close(a[i]);
		close(b[i]);
	}
}

static void test_ipv6(void)
{
	struct sockaddr_storage sa = sig(AF_INET6, "::1");
	char in[1024], out[1024];
	struct med_call_stats st;
	uint16_t ap, bp, pa, pb;
	int a[2], b[2];
	size_t n, olen;

	udp_pair(AF_INET6, a, &ap);
	udp_pair(AF_INET6, b, &bp);
	n = mk_sdp(in, sizeof(in), "alice", 1, AF_INET6, "::1", ap, "", "");
	CHECK(MED_Offer("call-6", MED_LEG_A, (struct sockaddr *)&sa, in, n, out, sizeof(out), &olen) == 0);
	pb = shown_port(out, olen, 0, "::1");
	CHECK(strstr(out, "c=IN IP6 ::1\r\n") != NULL);
	n = mk_sdp(in, sizeof(in), "bob", 1, AF_INET6, "::1", bp, "", "");
	CHECK(MED_Answer("call-6", MED_LEG_B, (struct sockaddr *)&sa, in, n, out, sizeof(out), &olen) == 0);
	pa = shown_port(out, olen, 0, "::1");
	send_rtp(a[0], AF_INET6, pa, 8, 120, 1, -1);
	send_rtp(b[0], AF_INET6, pb, 9, 120, 1, -1);
	CHECK_EQ(drain(b[0], pb, NULL, NULL, 8), 8);
	CHECK_EQ(drain(a[0], pa, NULL, NULL, 9), 9);
	CHECK(MED_Stats("call-6", &st) == 0);
	CHECK_EQ(st.packets_a_to_b, 8);
	CHECK_EQ(st.packets_b_to_a, 9);
	MED_Delete("call-6");
	for (int i = 0; i < 2; i++) {
		close(a[i]);
		close(b[i]);
	}
}

/*
 * An IPv6-only phone and an IPv4-only one (and the reverse): each leg is
 * shown the relay's address of its own family, and media crosses families
 * both ways, exactly counted, from the relay port facing each leg.
 */
static void test_cross_family(int fa)
{
	int fb = fa == AF_INET ? AF_INET6 : AF_INET;
	const char *addr_a = fa == AF_INET ? "127.0.0.1" : "::1";
	const char *addr_b = fb == AF_INET ? "127.0.0.1" : "::1";
	struct sockaddr_storage sa = sig(fa, addr_a), sb = sig(fb, addr_b);
	char in[1024], out[1024], want_c[64];
	struct med_call_stats st;
	uint16_t ap, bp, pa, pb;
	int a[2], b[2], wrong = 0;
	uint64_t bytes = 0;
	size_t n, olen;

	udp_pair(fa, a, &ap);
	udp_pair(fb, b, &bp);
	n = mk_sdp(in, sizeof(in), "alice", 1, fa, addr_a, ap, "", "");
	CHECK(MED_OfferTo("call-x", MED_LEG_A, MED_SRTP_PASSTHROUGH, fb, (struct sockaddr *)&sa,
			  in, n, out, sizeof(out), &olen) == 0);
	/* bob is shown the relay in his family */
	pb = shown_port(out, olen, 0, addr_b);
	snprintf(want_c, sizeof(want_c), "c=IN %s %s\r\n", fb == AF_INET ? "IP4" : "IP6", addr_b);
	CHECK(strstr(out, want_c) != NULL);
	CHECK(pb != 0);
	n = mk_sdp(in, sizeof(in), "bob", 1, fb, addr_b, bp, "", "");
	CHECK(MED_Answer("call-x", MED_LEG_B, (struct sockaddr *)&sb, in, n, out, sizeof(out),
			 &olen) == 0);
	/* and alice in hers */
	pa = shown_port(out, olen, 0, addr_a);
	snprintf(want_c, sizeof(want_c), "c=IN %s %s\r\n", fa == AF_INET ? "IP4" : "IP6", addr_a);
	CHECK(strstr(out, want_c) != NULL);
	CHECK(pa != 0 && pa != pb);

	send_rtp(a[0], fa, pa, 7, 172, 1, -1);
	send_rtp(b[0], fb, pb, 5, 100, 1, -1);
	CHECK_EQ(drain(b[0], pb, &bytes, &wrong, 7), 7);
	CHECK_EQ(bytes, 7 * 172);
	bytes = 0;
	CHECK_EQ(drain(a[0], pa, &bytes, &wrong, 5), 5);
	CHECK_EQ(bytes, 5 * 100);
	CHECK_EQ(wrong, 0);
	CHECK(MED_Stats("call-x", &st) == 0);
	CHECK_EQ(st.packets_a_to_b, 7);
	CHECK_EQ(st.packets_b_to_a, 5);

	/* a re-INVITE from bob keeps each leg in its family */
	n = mk_sdp(in, sizeof(in), "bob", 2, fb, addr_b, bp, "", "");
	CHECK(MED_Offer("call-x", MED_LEG_B, (struct sockaddr *)&sb, in, n, out, sizeof(out),
			&olen) == 0);
	CHECK_EQ(shown_port(out, olen, 0, addr_a), pa);
	/* an answer in the wrong family is refused, not anchored */
	n = mk_sdp(in, sizeof(in), "alice", 2, fb, addr_b, ap, "", "");
	CHECK(MED_Answer("call-x", MED_LEG_A, (struct sockaddr *)&sa, in, n, out, sizeof(out),
			 &olen) == -EAFNOSUPPORT);
	MED_Delete("call-x");
	for (int i = 0; i < 2; i++) {
		close(a[i]);
		close(b[i]);
	}
}

/* 8 ports = 4 pairs = 2 single-stream calls; a rejected stream gives its pairs back */
static void test_ports(void)
{
	struct sockaddr_storage sa = sig(AF_INET, "127.0.0.1");
	const char *video = "m=video 6000 RTP/AVP 31\r\n";
	const char *novideo = "m=video 0 RTP/AVP 31\r\n";
	char in[1024], out[1024];
	size_t n, olen;

	n = mk_sdp(in, sizeof(in), "alice", 1, AF_INET, "127.0.0.1", 4000, "", video);
	CHECK(MED_Offer("p1", MED_LEG_A, (struct sockaddr *)&sa, in, n, out, sizeof(out), &olen) == 0);
	/* all four pairs are taken */
	n = mk_sdp(in, sizeof(in), "alice", 1, AF_INET, "127.0.0.1", 4002, "", "");
	CHECK(MED_Offer("p2", MED_LEG_A, (struct sockaddr *)&sa, in, n, out, sizeof(out), &olen) == -ENOSPC);
	/* bob rejects the video: its two pairs go back */
	n = mk_sdp(in, sizeof(in), "bob", 1, AF_INET, "127.0.0.1", 5000, "", novideo);
	CHECK(MED_Answer("p1", MED_LEG_B, (struct sockaddr *)&sa, in, n, out, sizeof(out), &olen) == 0);
	CHECK(strstr(out, "m=video 0 RTP/AVP 31\r\n") != NULL);
	n = mk_sdp(in, sizeof(in), "alice", 1, AF_INET, "127.0.0.1", 4002, "", "");
	CHECK(MED_Offer("p2", MED_LEG_A, (struct sockaddr *)&sa, in, n, out, sizeof(out), &olen) == 0);
	CHECK(MED_Offer("p3", MED_LEG_A, (struct sockaddr *)&sa, in, n, out, sizeof(out), &olen) == -ENOSPC);
	/* a full buffer for the rewritten SDP fails cleanly and leaks nothing */
	CHECK(MED_Offer("p3", MED_LEG_A, (struct sockaddr *)&sa, in, n, out, 10, &olen) == -ENOSPC);
	MED_Delete("p1");
	CHECK(MED_Offer("p3", MED_LEG_A, (struct sockaddr *)&sa, in, n, out, 10, &olen) == -EMSGSIZE);
	CHECK(MED_Offer("p3", MED_LEG_A, (struct sockaddr *)&sa, in, n, out, sizeof(out), &olen) == 0);
	/* garbage is refused */
	CHECK(MED_Offer("p4", MED_LEG_A, (struct sockaddr *)&sa, "v=0\r\n", 5, out, sizeof(out), &olen) == -EINVAL);
	MED_Delete("p2");
	MED_Delete("p3");
	MED_Delete("never-existed");
}

static void test_inactive(void)
{
	struct sockaddr_storage sa = sig(AF_INET, "127.0.0.1");
	char in[1024], out[1024];
	struct med_call_stats st;
	uint16_t ap, bp, pa, xp;
	int a[2], b[2], x;
	size_t n, olen;

	__atomic_store_n(&inactive_calls, 0, __ATOMIC_SEQ_CST);
	udp_pair(AF_INET, a, &ap);
	udp_pair(AF_INET, b, &bp);
	n = mk_sdp(in, sizeof(in), "alice", 1, AF_INET, "127.0.0.1", ap, "", "");
	CHECK(MED_Offer("idle-call", MED_LEG_A, (struct sockaddr *)&sa, in, n, out, sizeof(out), &olen) == 0);
	n = mk_sdp(in, sizeof(in), "bob", 1, AF_INET, "127.0.0.1", bp, "", "");
	CHECK(MED_Answer("idle-call", MED_LEG_B, (struct sockaddr *)&sa, in, n, out, sizeof(out), &olen) == 0);
	pa = shown_port(out, olen, 0, "127.0.0.1");
	/* media for 1.5 s keeps it alive, then 2 s of silence ends it */
	for (int i = 0; i < 3; i++) {
		send_rtp(a[0], AF_INET, pa, 1, 100, (uint16_t)i, -1);
		usleep(500000);
	}
	CHECK_EQ(__atomic_load_n(&inactive_calls, __ATOMIC_SEQ_CST), 0);
	/*
	 * alice falls silent, but a stranger keeps sending to her relay
	 * port: dropped as from the wrong source, and no life in the call
	 */
	x = udp_sock(AF_INET, &xp);
	for (int i = 0; i < 50 && !__atomic_load_n(&inactive_calls, __ATOMIC_SEQ_CST); i++) {
		send_rtp(x, AF_INET, pa, 1, 100, (uint16_t)i, -1);
		usleep(100000);
	}
	CHECK_EQ(__atomic_load_n(&inactive_calls, __ATOMIC_SEQ_CST), 1);
	CHECK(!strcmp(inactive_key, "idle-call"));
	CHECK_EQ(MED_Stats("idle-call", &st), 0);
	CHECK(st.dropped >= 10);
	close(x);
	/* reported once only */
	usleep(1500000);
	CHECK_EQ(__atomic_load_n(&inactive_calls, __ATOMIC_SEQ_CST), 1);
	MED_Delete("idle-call");
	for (int i = 0; i < 2; i++) {
		close(a[i]);
		close(b[i]);
	}
}

/* krtpd's flows in the kernel (labels "krtpd:..."), -1 without the module */
static int kernel_flows_cb(const struct krtp_flow *f, void *arg)
{
	if (f->label_len >= 6 && !memcmp(f->label, "krtpd:", 6))
		(*(int *)arg)++;
	return 0;
}

static int kernel_flows(void)
{
	struct krtp_nl *nl;
	int n = 0;

	if (krtp_nl_open(&nl))
		return mode == MED_MODE_KERNEL ? -1 : 0;
	if (krtp_nl_flow_dump(nl, kernel_flows_cb, &n))
		n = -1;
	krtp_nl_close(nl);
	return n;
}

/*
 * kill -9 of krtpd mid-call: a child sets up the call and exits without
 * MED_Fini; the flows keep forwarding, and the next krtpd re-adopts them,
 * rebinds the ports, reports the counters and deletes them on MED_Delete.
 */
static void test_restore(void)
{
	struct sockaddr_storage sa = sig(AF_INET, "127.0.0.1");
	char in[1024], out[1024];
	struct med_call_stats st;
	uint16_t ap, bp, pa = 0, pb = 0;
	int a[2], b[2], pfd[2], status;
	size_t n, olen;
	pid_t pid;

	udp_pair(AF_INET, a, &ap);
	udp_pair(AF_INET, b, &bp);
	if (pipe(pfd))
		exit(2);
	pid = fork();
	if (pid == 0) {
		uint16_t ports[2] = { 0, 0 };

		if (init(64, 0) != MED_MODE_KERNEL)
			_exit(3);
		n = mk_sdp(in, sizeof(in), "alice", 1, AF_INET, "127.0.0.1", ap, "", "");
		if (MED_Offer("call-r", MED_LEG_A, (struct sockaddr *)&sa, in, n, out, sizeof(out), &olen))
			_exit(4);
		ports[1] = shown_port(out, olen, 0, "127.0.0.1");
		n = mk_sdp(in, sizeof(in), "bob", 1, AF_INET, "127.0.0.1", bp, "", "");
		if (MED_Answer("call-r", MED_LEG_B, (struct sockaddr *)&sa, in, n, out, sizeof(out), &olen))
			_exit(5);
		ports[0] = shown_port(out, olen, 0, "127.0.0.1");
		if (write(pfd[1], ports, sizeof(ports)) != sizeof(ports))
			_exit(6);
		_exit(0);	/* no MED_Fini: the flows stay in the kernel */
	}
	CHECK(read(pfd[0], &pa, sizeof(pa)) == sizeof(pa) && read(pfd[0], &pb, sizeof(pb)) == sizeof(pb));
	close(pfd[0]);
	close(pfd[1]);
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_EQ(kernel_flows(), 4);
	/* media goes on while no krtpd runs */
	send_rtp(a[0], AF_INET, pa, 10, 160, 1, -1);
	CHECK_EQ(drain(b[0], pb, NULL, NULL, 10), 10);

	CHECK_EQ(init(64, 0), MED_MODE_KERNEL);
	CHECK_EQ(MED_Restore(), 1);
	{
		struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(pb),
					   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		int y = socket(AF_INET, SOCK_DGRAM, 0);

		CHECK(bind(y, (struct sockaddr *)&sin, sizeof(sin)) < 0 && errno == EADDRINUSE);
		close(y);
	}
	send_rtp(b[0], AF_INET, pb, 3, 160, 1, -1);
	CHECK_EQ(drain(a[0], pa, NULL, NULL, 3), 3);
	CHECK(MED_Stats("call-r", &st) == 0);
	CHECK_EQ(st.packets_a_to_b, 10);
	CHECK_EQ(st.packets_b_to_a, 3);
	CHECK_EQ(st.port_a, pa);
	CHECK_EQ(st.port_b, pb);
	/* a re-INVITE on the re-adopted call keeps its ports */
	n = mk_sdp(in, sizeof(in), "alice", 2, AF_INET, "127.0.0.1", ap, "", "");
	CHECK(MED_Offer("call-r", MED_LEG_A, (struct sockaddr *)&sa, in, n, out, sizeof(out), &olen) == 0);
	CHECK_EQ(shown_port(out, olen, 0, "127.0.0.1"), pb);
	MED_Delete("call-r");
	CHECK_EQ(kernel_flows(), 0);
	MED_Fini();
	for (int i = 0; i < 2; i++) {
		close(a[i]);
		close(b[i]);
	}
}

static void run_suite(void)
{
	printf("# media mode %s\n", mode == MED_MODE_KERNEL ? "kernel" : "user");
	CHECK_EQ(init(64, 0), mode);
	CHECK(init(64, 0) == -EALREADY);
	test_call();
	test_mux_and_late_offer();
	test_rtcp_addr();
	test_nat();
	test_ipv6();
	test_cross_family(AF_INET6);
	test_cross_family(AF_INET);
	MED_Fini();
	CHECK_EQ(kernel_flows(), 0);

	CHECK_EQ(init(8, 0), mode);
	test_ports();
	MED_Fini();

	/* nat_media_source = signalling: NAT is learned as before, strangers are not */
	nat_signalling = true;
	CHECK_EQ(init(16, 0), mode);
	test_nat();
	test_nat_bleed();
	test_nat_public_sdp();
	MED_Fini();
	nat_signalling = false;
	CHECK_EQ(kernel_flows(), 0);

	CHECK_EQ(init(16, 2), mode);
	test_inactive();
	MED_Fini();
	CHECK_EQ(kernel_flows(), 0);
}

int main(void)
{
	struct krtp_nl *nl;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* a port range of its own, so parallel runs do not collide */
	srand((unsigned int)(time(NULL) ^ getpid()));
	base_port = 20000 + (unsigned int)(rand() % 400) * 100;

	mode = MED_MODE_USER;
	run_suite();
	/* with krtp.ko loaded (the VM suite), the same again through the kernel */
	if (!krtp_nl_open(&nl)) {
		krtp_nl_close(nl);
		mode = MED_MODE_KERNEL;
		run_suite();
		test_restore();
	} else {
		printf("# kernel mode skipped: krtp.ko is not loaded\n");
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
