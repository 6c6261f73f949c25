// SPDX-License-Identifier: GPL-2.0
/*
 * Media through the proxy (proxyua.h), on the userspace relay on
 * loopback: a 183 with 100rel and an UPDATE, and an UPDATE from the callee
 * in the early dialog. dave is registered at 5100 first.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "media.h"
#include "sip/proxy.h"
#include "check.h"
#include "lophone.h"
#include "proxyua.h"

/* the port of the first m= line of the SDP in s, and that its c= is 127.0.0.1 */
static int sdp_port(const struct sent *s)
{
	static const char mline[] = "\r\nm=audio ", cline[] = "\r\nc=IN IP4 127.0.0.1\r\n";
	const char *m = s ? memmem(s->buf, s->len, mline, sizeof(mline) - 1) : NULL;

	if (!m || !memmem(s->buf, s->len, cline, sizeof(cline) - 1))
		return -1;
	return atoi(m + sizeof(mline) - 1);
}

static const char sdp_fmt[] = "v=0\r\no=%s 1 %d IN IP4 127.0.0.1\r\ns=-\r\n"
			      "c=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio %u RTP/AVP 0\r\n"
			      "a=rtpmap:0 PCMU/8000\r\n";

static void test_media_methods(void)
{
	static const struct prx_config mpc = { .max_forwards = 70, .invite_timeout = 180,
					       .media = 1 };
	struct med_config mc = { .mode = MED_MODE_USER };
	int base = 20000 + (getpid() % 400) * 100, pa, pb, pa2, pb2, a1, a2, d1, d2;
	char rr[64], route[64], sdp[512], hdr[600];
	uint16_t ap1, ap2, dp1, dp2;
	struct med_call_stats st;
	struct sent c, inv, *s;

	snprintf(rr, sizeof(rr), "Record-Route: <sip:%s;lr>\r\n", us);
	snprintf(route, sizeof(route), "Route: <sip:%s;lr>\r\n", us);
	((struct sockaddr_in *)&mc.relay4)->sin_family = AF_INET;
	((struct sockaddr_in *)&mc.relay4)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	mc.port_min = (uint16_t)base;
	mc.port_max = (uint16_t)(base + 63);
	CHECK_EQ(MED_Init(&mc), MED_MODE_USER);
	PRX_Fini();
	PRX_Init(&mpc);
	a1 = udp_sock(AF_INET, &ap1);
	a2 = udp_sock(AF_INET, &ap2);
	d1 = udp_sock(AF_INET, &dp1);
	d2 = udp_sock(AF_INET, &dp2);
	CHECK(a1 >= 0 && a2 >= 0 && d1 >= 0 && d2 >= 0);

	/* INVITE with an offer and Require: 100rel; 183 with the answer, reliable */
	snprintf(sdp, sizeof(sdp), sdp_fmt, "alice", 1, ap1);
	nsent = 0;
	feed(5070, "INVITE sip:dave@krtp.test SIP/2.0\r\n" HDRS("z9hG4bKmd1", "md-call", "1 INVITE")
	     "Max-Forwards: 70\r\nFrom: <sip:alice@krtp.test>;tag=a7\r\nTo: <sip:dave@krtp.test>\r\n"
	     "Contact: <sip:alice@127.0.0.1:5070>\r\nRequire: 100rel\r\n"
	     "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s", 5070,
	     strlen(sdp), sdp);
	s = find(5100, 0, "INVITE");
	pb = sdp_port(s);
	CHECK(pb >= base && pb < base + 64);
	if (!s)
		goto out;
	keep(&inv, s);
	snprintf(sdp, sizeof(sdp), sdp_fmt, "dave", 1, dp1);
	snprintf(hdr, sizeof(hdr), "Require: 100rel\r\nRSeq: 1\r\nContent-Type: application/sdp\r\n"
		 "Content-Length: %zu\r\n\r\n%s", strlen(sdp), sdp);
	respond(5100, &inv, 183, "d7", hdr);
	s = find(5070, 183, "INVITE");
	CHECK(has(s, "RSeq: 1\r\n"));
	pa = sdp_port(s);
	CHECK(pa >= base && pa < base + 64 && pa != pb);
	/* early media flows both ways through the relay once the 183 was seen */
	send_rtp(a1, AF_INET, (uint16_t)pa, 10, 172, 1, -1);
	CHECK_EQ(drain(d1, 0, NULL, NULL, 10), 10);
	send_rtp(d1, AF_INET, (uint16_t)pb, 5, 172, 1, -1);
	CHECK_EQ(drain(a1, 0, NULL, NULL, 5), 5);
	nsent = 0;
	feed(5070, "PRACK sip:bob@127.0.0.1:5100 SIP/2.0\r\n" HDRS("z9hG4bKmd2", "md-call", "2 PRACK")
	     "%sMax-Forwards: 70\r\n" DLG_A "RAck: 1 1 INVITE\r\nContent-Length: 0\r\n\r\n",
	     5070, route);
	s = find(5100, 0, "PRACK");
	CHECK(has(s, "RAck: 1 1 INVITE\r\n"));
	if (s) {
		keep(&c, s);
		answer(5100, &c, 200, NULL);
	}
	respond(5100, &inv, 200, "d7", hdr + strlen("Require: 100rel\r\nRSeq: 1\r\n"));
	s = find(5070, 200, "INVITE");
	CHECK_EQ(sdp_port(s), pa);
	nsent = 0;
	feed(5070, "ACK sip:bob@127.0.0.1:5100 SIP/2.0\r\n" HDRS("z9hG4bKmd3", "md-call", "1 ACK")
	     "%sMax-Forwards: 70\r\n" DLG_A "Content-Length: 0\r\n\r\n", 5070, route);

	/* UPDATE with a new offer: both sides move to other ports; the relay follows */
	snprintf(sdp, sizeof(sdp), sdp_fmt, "alice", 2, ap2);
	nsent = 0;
	feed(5070, "UPDATE sip:bob@127.0.0.1:5100 SIP/2.0\r\n" HDRS("z9hG4bKmd4", "md-call", "3 UPDATE")
	     "%sMax-Forwards: 70\r\n" DLG_A "Content-Type: application/sdp\r\n"
	     "Content-Length: %zu\r\n\r\n%s", 5070, route, strlen(sdp), sdp);
	s = find(5100, 0, "UPDATE");
	pb2 = sdp_port(s);
	CHECK(pb2 >= base && pb2 < base + 64);
	snprintf(hdr, sizeof(hdr), "m=audio %u ", ap2);
	CHECK(s && !has(s, hdr));		/* dave sees the relay, not alice */
	if (!s)
		goto out;
	keep(&c, s);
	snprintf(sdp, sizeof(sdp), sdp_fmt, "dave", 2, dp2);
	snprintf(hdr, sizeof(hdr), "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s",
		 strlen(sdp), sdp);
	respond(5100, &c, 200, NULL, hdr);
	s = find(5070, 200, "UPDATE");
	pa2 = sdp_port(s);
	CHECK(pa2 >= base && pa2 < base + 64);
	CHECK(MED_Stats("md-call", &st) == 0);
	CHECK_EQ(st.streams, 1);
	CHECK_EQ(st.port_a, pa2);
	CHECK_EQ(st.port_b, pb2);
	/* media now goes between the new ports, and not to the old ones */
	send_rtp(a2, AF_INET, (uint16_t)pa2, 20, 172, 100, -1);
	CHECK_EQ(drain(d2, 0, NULL, NULL, 20), 20);
	CHECK_EQ(drain(d1, 0, NULL, NULL, 0), 0);
	send_rtp(d2, AF_INET, (uint16_t)pb2, 15, 172, 100, -1);
	CHECK_EQ(drain(a2, 0, NULL, NULL, 15), 15);
	CHECK_EQ(drain(a1, 0, NULL, NULL, 0), 0);

	nsent = 0;
	feed(5070, "BYE sip:bob@127.0.0.1:5100 SIP/2.0\r\n" HDRS("z9hG4bKmd5", "md-call", "4 BYE")
	     "%sMax-Forwards: 70\r\n" DLG_A "Content-Length: 0\r\n\r\n", 5070, route);
	CHECK(find(5100, 0, "BYE") != NULL);
	CHECK(MED_Stats("md-call", &st) != 0);

	/* an UPDATE with SDP for a call media does not know takes no relay ports */
	nsent = 0;
	feed(5070, "UPDATE sip:bob@127.0.0.1:5100 SIP/2.0\r\n" HDRS("z9hG4bKmd6", "md-none", "3 UPDATE")
	     "%sMax-Forwards: 70\r\n" DLG_A "Content-Type: application/sdp\r\n"
	     "Content-Length: %zu\r\n\r\n%s", 5070, route, strlen(sdp), sdp);
	CHECK(find(5100, 0, "UPDATE") != NULL);
	CHECK(MED_Stats("md-none", &st) != 0);
out:
	close(a1);
	close(a2);
	close(d1);
	close(d2);
	MED_Fini();
	PRX_Fini();
	PRX_Init(&pc_main);
}

/*
 * An UPDATE from the callee in the early dialog (RFC 3311 section 5.1: after
 * the PRACK of a reliable 183): no dialog is stored yet, and the request is
 * still the callee's. Its offer shows alice the relay port she already
 * sends to, her answer shows dave the one he sends to, and RTP follows
 * dave to his new port.
 */
static void test_media_early_update_callee(void)
{
	static const struct prx_config mpc = { .max_forwards = 70, .invite_timeout = 180,
					       .media = 1 };
	struct med_config mc = { .mode = MED_MODE_USER };
	int base = 20000 + (getpid() % 400) * 100, pa, pb, a1, d1, d2;
	char route[64], sdp[512], hdr[600];
	uint16_t ap1, dp1, dp2;
	struct sent c, inv, *s;

	snprintf(route, sizeof(route), "Route: <sip:%s;lr>\r\n", us);
	((struct sockaddr_in *)&mc.relay4)->sin_family = AF_INET;
	((struct sockaddr_in *)&mc.relay4)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	mc.port_min = (uint16_t)base;
	mc.port_max = (uint16_t)(base + 63);
	CHECK_EQ(MED_Init(&mc), MED_MODE_USER);
	PRX_Fini();
	PRX_Init(&mpc);
	a1 = udp_sock(AF_INET, &ap1);
	d1 = udp_sock(AF_INET, &dp1);
	d2 = udp_sock(AF_INET, &dp2);
	CHECK(a1 >= 0 && d1 >= 0 && d2 >= 0);

	/* INVITE, reliable 183 with the answer, PRACK and its 200 */
	snprintf(sdp, sizeof(sdp), sdp_fmt, "alice", 1, ap1);
	nsent = 0;
	feed(5070, "INVITE sip:dave@krtp.test SIP/2.0\r\n" HDRS("z9hG4bKme1", "me-call", "1 INVITE")
	     "Max-Forwards: 70\r\nFrom: <sip:alice@krtp.test>;tag=a7\r\nTo: <sip:dave@krtp.test>\r\n"
	     "Contact: <sip:alice@127.0.0.1:5070>\r\nSupported: 100rel\r\n"
	     "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s", 5070,
	     strlen(sdp), sdp);
	s = find(5100, 0, "INVITE");
	pb = sdp_port(s);
	if (!s)
		goto out;
	keep(&inv, s);
	snprintf(sdp, sizeof(sdp), sdp_fmt, "dave", 1, dp1);
	snprintf(hdr, sizeof(hdr), "Require: 100rel\r\nRSeq: 1\r\nContent-Type: application/sdp\r\n"
		 "Content-Length: %zu\r\n\r\n%s", strlen(sdp), sdp);
	respond(5100, &inv, 183, "d7", hdr);
	pa = sdp_port(find(5070, 183, "INVITE"));
	CHECK(pa >= base && pa < base + 64 && pb >= base && pb < base + 64 && pa != pb);
	nsent = 0;
	feed(5070, "PRACK sip:dave@127.0.0.1:5100 SIP/2.0\r\n" HDRS("z9hG4bKme2", "me-call", "2 PRACK")
	     "%sMax-Forwards: 70\r\n" DLG_A "RAck: 1 1 INVITE\r\nContent-Length: 0\r\n\r\n",
	     5070, route);
	s = find(5100, 0, "PRACK");
	if (s) {
		keep(&c, s);
		answer(5100, &c, 200, NULL);
	}

	/* dave's UPDATE moves his RTP to dp2 */
	snprintf(sdp, sizeof(sdp), sdp_fmt, "dave", 2, dp2);
	nsent = 0;
	feed(5100, "UPDATE sip:alice@127.0.0.1:5070 SIP/2.0\r\n" HDRS("z9hG4bKme3", "me-call", "1 UPDATE")
	     "%sMax-Forwards: 70\r\n" DLG_D "Content-Type: application/sdp\r\n"
	     "Content-Length: %zu\r\n\r\n%s", 5100, route, strlen(sdp), sdp);
	s = find(5070, 0, "UPDATE");
	CHECK_EQ(sdp_port(s), pa);		/* where alice sends already */
	if (!s)
		goto out;
	keep(&c, s);
	snprintf(sdp, sizeof(sdp), sdp_fmt, "alice", 2, ap1);
	snprintf(hdr, sizeof(hdr), "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s",
		 strlen(sdp), sdp);
	respond(5070, &c, 200, NULL, hdr);
	CHECK_EQ(sdp_port(find(5100, 200, "UPDATE")), pb);	/* where dave sends already */
	send_rtp(a1, AF_INET, (uint16_t)pa, 10, 172, 1, -1);
	CHECK_EQ(drain(d2, 0, NULL, NULL, 10), 10);
	CHECK_EQ(drain(d1, 0, NULL, NULL, 0), 0);
	send_rtp(d2, AF_INET, (uint16_t)pb, 5, 172, 1, -1);
	CHECK_EQ(drain(a1, 0, NULL, NULL, 5), 5);

	/*
	 * The INVITE's 200 repeats dave's current SDP, as RFC 3261 §13.2.1 and
	 * RFC 6337 §3.1 let it (the offer was answered in the 183). It is no
	 * answer to anything, but alice must still see only the relay: the
	 * port she sends to already, never dave's dp2.
	 */
	snprintf(sdp, sizeof(sdp), sdp_fmt, "dave", 2, dp2);
	snprintf(hdr, sizeof(hdr), "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s",
		 strlen(sdp), sdp);
	nsent = 0;
	respond(5100, &inv, 200, "d7", hdr);
	s = find(5070, 200, "INVITE");
	CHECK_EQ(sdp_port(s), pa);
	snprintf(hdr, sizeof(hdr), "m=audio %u ", dp2);
	CHECK(s && !has(s, hdr));
	/* and the media path is as it was */
	send_rtp(a1, AF_INET, (uint16_t)pa, 4, 172, 20, -1);
	CHECK_EQ(drain(d2, 0, NULL, NULL, 4), 4);
	send_rtp(d2, AF_INET, (uint16_t)pb, 3, 172, 20, -1);
	CHECK_EQ(drain(a1, 0, NULL, NULL, 3), 3);
	feed(5070, "ACK sip:dave@127.0.0.1:5100 SIP/2.0\r\n" HDRS("z9hG4bKme4", "me-call", "1 ACK")
	     "%sMax-Forwards: 70\r\n" DLG_A "Content-Length: 0\r\n\r\n", 5070, route);
	nsent = 0;
	feed(5070, "BYE sip:dave@127.0.0.1:5100 SIP/2.0\r\n" HDRS("z9hG4bKme5", "me-call", "3 BYE")
	     "%sMax-Forwards: 70\r\n" DLG_A "Content-Length: 0\r\n\r\n", 5070, route);
	CHECK(find(5100, 0, "BYE") != NULL);
out:
	close(a1);
	close(d1);
	close(d2);
	MED_Fini();
	PRX_Fini();
	PRX_Init(&pc_main);
}

int main(void)
{
	proxyua_init();
	reg("dave", 5100);
	test_media_methods();
	test_media_early_update_callee();
	proxyua_fini();
	return check_summary();
}
