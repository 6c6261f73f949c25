// SPDX-License-Identifier: GPL-2.0
/*
 * A WebRTC leg on a dual-stack relay (relay_address and relay_address6),
 * in user mode, 127.0.0.1 and ::1:
 *   - krtpd's answer to a browser has a host candidate per relay address
 *     (RFC 8839 section 5.1): the m= line's port on 127.0.0.1, and a port
 *     of its own on ::1 with a lower local preference; both ports are
 *     bound by krtpd;
 *   - checks to either candidate are answered with krtpd's credentials,
 *     a wrong password gets 401;
 *   - a nominated check from ::1 moves the leg there: the next answer
 *     puts the m= and c= lines on ::1 and keeps the 127.0.0.1 candidate as
 *     the second; a nominated check from 127.0.0.1 moves it back;
 *   - the call's end frees both pairs, and a refused re-offer the pairs it
 *     made for a new line;
 *   - krtpd's offer to a WebRTC callee has both candidates too;
 *   - a single-family relay gives one candidate, and takes a browser's
 *     offer whose c= line (its default candidate only) is of the other
 *     family, answering from the family it has.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include "media.h"

#include "check.h"
#include "icecheck.h"

#define FP "C7:07:22:B2:F6:FA:05:14:B2:46:B1:3C:A8:42:75:E3:" \
	   "3D:D5:EA:60:62:72:8F:92:A4:62:F2:D1:4A:60:4D:C3"

/* aiortc's offer, audio only; %s: its c= line's address type and address */
static const char offer_fmt[] =
	"v=0\r\no=- 4005508014 4005508014 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
	"a=group:BUNDLE 0\r\n"
	"m=audio 47088 UDP/TLS/RTP/SAVPF 0\r\nc=IN %s\r\na=sendrecv\r\n"
	"a=mid:0\r\na=rtcp-mux\r\na=rtpmap:0 PCMU/8000\r\n"
	"a=candidate:f957a233 1 udp 2130706431 127.0.0.1 47088 typ host\r\n"
	"a=ice-ufrag:ymEa\r\na=ice-pwd:0IidtAvso31TqAJxJRNtq1\r\n"
	"a=fingerprint:sha-256 " FP "\r\na=setup:actpass\r\n";
static const char answer_bob[] =
	"v=0\r\no=bob 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
	"m=audio 7000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n";
static const char offer_bob[] =
	"v=0\r\no=bob 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
	"m=audio 7000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n";

static struct sockaddr_storage sa(int family, const char *ip, uint16_t port)
{
	struct sockaddr_storage ss = { 0 };

	if (family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		inet_pton(AF_INET6, ip, &s6->sin6_addr);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		inet_pton(AF_INET, ip, &s4->sin_addr);
	}
	return ss;
}

static socklen_t sa_len(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

/* a UDP socket bound to ip (port 0: any); -1 if it cannot be bound there */
static int udp_on(int family, const char *ip, uint16_t port)
{
	struct sockaddr_storage me = sa(family, ip, port);
	int fd = socket(family, SOCK_DGRAM, 0);

	if (fd >= 0 && bind(fd, (struct sockaddr *)&me, sa_len(&me))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* is ip:port free again (krtpd closed it)? */
static bool port_free(int family, const char *ip, uint16_t port)
{
	int fd = udp_on(family, ip, port);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* ports krtpd holds in base..base + 31, on 127.0.0.1 or ::1 */
static int held(unsigned int base)
{
	int n = 0;

	for (unsigned int p = base; p <= base + 31; p++)
		n += !port_free(AF_INET, "127.0.0.1", (uint16_t)p) ||
		     !port_free(AF_INET6, "::1", (uint16_t)p);
	return n;
}

/* the browser's offer with c=IN addr, and bob's answer: krtpd's answer to the browser in out */
static int call(const char *key, const char *addr, const struct sockaddr_storage *sig, char *out,
		size_t outsz)
{
	char in[2048];
	size_t n, olen = 0;
	int err;

	n = (size_t)snprintf(in, sizeof(in), offer_fmt, addr);
	err = MED_OfferSrtp(key, MED_LEG_A, MED_SRTP_PASSTHROUGH, (const struct sockaddr *)sig, in,
			    n, out, outsz - 1, &olen);
	if (err)
		return err;
	olen = 0;
	err = MED_Answer(key, MED_LEG_B, (const struct sockaddr *)sig, answer_bob,
			 strlen(answer_bob), out, outsz - 1, &olen);
	out[err ? 0 : olen] = '\0';
	return err;
}

/* the leg's candidate N ("1", "2") of out, as "ADDR PORT", or "" */
static const char *cand(const char *out, const char *n, char *buf, size_t sz)
{
	char key[32], addr[64];
	unsigned int prio, port;
	const char *p;

	snprintf(key, sizeof(key), "a=candidate:%s 1 udp ", n);
	p = strstr(out, key);
	buf[0] = '\0';
	if (p && sscanf(p + strlen(key), "%u %63s %u typ host", &prio, addr, &port) == 3)
		snprintf(buf, sz, "%u %s %u", prio, addr, port);
	return buf;
}

/* user mode on 127.0.0.1 (and ::1 if dual), ports base..base + 31 */
static void init(unsigned int base, bool dual)
{
	struct med_config cfg = { .mode = MED_MODE_USER };

	cfg.relay4 = sa(AF_INET, "127.0.0.1", 0);
	if (dual)
		cfg.relay6 = sa(AF_INET6, "::1", 0);
	cfg.port_min = (uint16_t)base;
	cfg.port_max = (uint16_t)(base + 31);
	CHECK(MED_Init(&cfg) == MED_MODE_USER);
}

static void test_dual(unsigned int base)
{
	struct sockaddr_storage sig = sa(AF_INET, "127.0.0.1", 5060), to4, to6;
	char out[4096], ufrag[16], pwd[32], v[128], want[128];
	unsigned int p4 = 0, p6 = 0, pm = 0;
	int fd4, fd6;

	init(base, true);

	CHECK_EQ(call("dual-1", "IP4 127.0.0.1", &sig, out, sizeof(out)), 0);
	CHECK(sscanf(strstr(out, "m=audio ") ? strstr(out, "m=audio ") : "",
		     "m=audio %u UDP/TLS/RTP/SAVPF 0\r\nc=IN IP4 127.0.0.1\r\n", &p4) == 1);
	CHECK(sscanf(cand(out, "2", v, sizeof(v)), "2130706175 ::1 %u", &p6) == 1);
	snprintf(want, sizeof(want), "2130706431 127.0.0.1 %u", p4);
	CHECK_STR(cand(out, "1", v, sizeof(v)), want);
	CHECK(p6 >= base && p6 <= base + 31 && p6 != p4 && p6 != p4 + 1);
	CHECK(strstr(out, "typ host\r\na=end-of-candidates\r\n") != NULL);
	/* both candidates' ports are krtpd's */
	CHECK(!port_free(AF_INET, "127.0.0.1", (uint16_t)p4));
	CHECK(!port_free(AF_INET6, "::1", (uint16_t)p6));
	line_val(out, "a=ice-ufrag:", ufrag, sizeof(ufrag));
	line_val(out, "a=ice-pwd:", pwd, sizeof(pwd));

	fd4 = udp_on(AF_INET, "127.0.0.1", 0);
	fd6 = udp_on(AF_INET6, "::1", 0);
	CHECK(fd4 >= 0 && fd6 >= 0);
	to4 = sa(AF_INET, "127.0.0.1", (uint16_t)p4);
	to6 = sa(AF_INET6, "::1", (uint16_t)p6);
	/* either candidate answers, with krtpd's credentials only */
	CHECK_EQ(ice_check(fd6, (struct sockaddr *)&to6, sa_len(&to6), ufrag, "ymEa",
			   "not-the-password-at-all", false), STUN_BINDING_ERROR);
	CHECK_EQ(ice_check(fd4, (struct sockaddr *)&to4, sa_len(&to4), ufrag, "ymEa", pwd, false),
		 STUN_BINDING_SUCCESS);
	/* nominated over IPv6: the leg is there now */
	CHECK_EQ(ice_check(fd6, (struct sockaddr *)&to6, sa_len(&to6), ufrag, "ymEa", pwd, true),
		 STUN_BINDING_SUCCESS);
	CHECK_EQ(call("dual-1", "IP4 127.0.0.1", &sig, out, sizeof(out)), 0);
	CHECK(sscanf(strstr(out, "m=audio ") ? strstr(out, "m=audio ") : "",
		     "m=audio %u UDP/TLS/RTP/SAVPF 0\r\nc=IN IP6 ::1\r\n", &pm) == 1);
	CHECK_EQ(pm, p6);
	snprintf(want, sizeof(want), "2130706431 ::1 %u", p6);
	CHECK_STR(cand(out, "1", v, sizeof(v)), want);
	snprintf(want, sizeof(want), "2130706175 127.0.0.1 %u", p4);
	CHECK_STR(cand(out, "2", v, sizeof(v)), want);
	/* and back, nominated over IPv4 */
	CHECK_EQ(ice_check(fd4, (struct sockaddr *)&to4, sa_len(&to4), ufrag, "ymEa", pwd, true),
		 STUN_BINDING_SUCCESS);
	CHECK_EQ(call("dual-1", "IP4 127.0.0.1", &sig, out, sizeof(out)), 0);
	pm = 0;
	CHECK(sscanf(strstr(out, "m=audio ") ? strstr(out, "m=audio ") : "",
		     "m=audio %u UDP/TLS/RTP/SAVPF 0\r\nc=IN IP4 127.0.0.1\r\n", &pm) == 1);
	CHECK_EQ(pm, p4);
	snprintf(want, sizeof(want), "2130706175 ::1 %u", p6);
	CHECK_STR(cand(out, "2", v, sizeof(v)), want);
	close(fd4);
	close(fd6);
	/* the end of the call frees both pairs */
	MED_Delete("dual-1");
	CHECK(port_free(AF_INET, "127.0.0.1", (uint16_t)p4));
	CHECK(port_free(AF_INET6, "::1", (uint16_t)p6));

	/*
	 * A re-offer adding video whose third line is refused (no
	 * fingerprint): the video's ports, its second candidate's included,
	 * go with the refusal
	 */
	{
		static const char more[] =
			"m=video 47090 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 127.0.0.1\r\n"
			"a=mid:1\r\na=rtcp-mux\r\na=rtpmap:96 VP8/90000\r\n"
			"a=ice-ufrag:vIdE\r\na=ice-pwd:0IidtAvso31TqAJxJRNtq2\r\n"
			"a=fingerprint:sha-256 " FP "\r\na=setup:actpass\r\n"
			"m=audio 47092 UDP/TLS/RTP/SAVPF 0\r\nc=IN IP4 127.0.0.1\r\n"
			"a=mid:2\r\na=rtcp-mux\r\na=rtpmap:0 PCMU/8000\r\n";
		char in[4096];
		size_t n, olen = 0;
		int before;

		CHECK_EQ(call("dual-3", "IP4 127.0.0.1", &sig, out, sizeof(out)), 0);
		before = held(base);
		CHECK_EQ(before, 6);	/* alice's two pairs, bob's one */
		n = (size_t)snprintf(in, sizeof(in), offer_fmt, "IP4 127.0.0.1");
		n += (size_t)snprintf(in + n, sizeof(in) - n, "%s", more);
		CHECK_EQ(MED_OfferSrtp("dual-3", MED_LEG_A, MED_SRTP_PASSTHROUGH,
				       (struct sockaddr *)&sig, in, n, out, sizeof(out) - 1, &olen),
			 -EPROTO);
		CHECK_EQ(held(base), before);
		MED_Delete("dual-3");
		CHECK_EQ(held(base), 0);
	}

	/* krtpd's offer to a WebRTC callee: both candidates */
	{
		size_t olen = 0;

		CHECK_EQ(MED_OfferWebrtc("dual-2", MED_LEG_A, MED_SRTP_PASSTHROUGH, AF_INET, true,
					 (struct sockaddr *)&sig, offer_bob, strlen(offer_bob), out,
					 sizeof(out) - 1, &olen), 0);
		out[olen] = '\0';
		p4 = p6 = 0;
		CHECK(sscanf(strstr(out, "m=audio ") ? strstr(out, "m=audio ") : "",
			     "m=audio %u UDP/TLS/RTP/SAVPF", &p4) == 1);
		snprintf(want, sizeof(want), "2130706431 127.0.0.1 %u", p4);
		CHECK_STR(cand(out, "1", v, sizeof(v)), want);
		CHECK(sscanf(cand(out, "2", v, sizeof(v)), "2130706175 ::1 %u", &p6) == 1);
		CHECK(p6 >= base && p6 <= base + 31 && p6 != p4);
		MED_Delete("dual-2");
		CHECK(port_free(AF_INET6, "::1", (uint16_t)p6));
	}
	MED_Fini();
}

static void test_single(unsigned int base)
{
	struct sockaddr_storage sig = sa(AF_INET6, "::1", 5060);
	char out[4096], v[128], want[128];
	unsigned int pa = 0;

	init(base, false);
	/* c=IN IP6 from a browser: its default candidate; ICE decides, the answer is IPv4 */
	CHECK_EQ(call("single-1", "IP6 ::1", &sig, out, sizeof(out)), 0);
	CHECK(sscanf(strstr(out, "m=audio ") ? strstr(out, "m=audio ") : "",
		     "m=audio %u UDP/TLS/RTP/SAVPF 0\r\nc=IN IP4 127.0.0.1\r\n", &pa) == 1);
	snprintf(want, sizeof(want), "2130706431 127.0.0.1 %u", pa);
	CHECK_STR(cand(out, "1", v, sizeof(v)), want);
	CHECK_STR(cand(out, "2", v, sizeof(v)), "");
	MED_Delete("single-1");
	MED_Fini();
}

int main(void)
{
	unsigned int base;

	setvbuf(stdout, NULL, _IOLBF, 0);
	srand((unsigned int)(time(NULL) ^ getpid()));
	base = 20000 + (unsigned int)(rand() % 400) * 100 + 64;
	test_dual(base);
	test_single(base + 32);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
