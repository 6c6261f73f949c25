// SPDX-License-Identifier: GPL-2.0
/*
 * BUNDLE toward a WebRTC offerer (daemon/media/bundle.c), through
 * MED_OfferSrtp and MED_Answer in user mode:
 *   - a max-bundle offer (RFC 8843's shape: the video bundle-only with
 *     port 0, a data channel too; and Chromium's: port 9, no candidates,
 *     no a=bundle-only): the phone is offered the video on relay
 *     ports of its own, with no a=bundle-only or group; the browser's
 *     answer names audio and video in a=group:BUNDLE, puts both on the
 *     audio's port with one set of ICE credentials, and refuses the data
 *     channel (port 0)
 *   - the browser's next offer, every bundled line on the same port (no
 *     bundle-only any more), is answered with the same port, credentials
 *     and group
 *   - a payload type in both lines: the video is not bundled (port 0 for
 *     it, on both legs) and the audio goes on alone
 *   - a phone that refuses the audio: the video, bundled on it, has no
 *     transport left and is refused too
 *   - sdp_media_pt_set(): the formats of an m= line as a set, refusing
 *     what is not a payload type
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include "media.h"
#include "sdp.h"
#include "sdp_webrtc.h"

#include "check.h"

#define FP "C7:07:22:B2:F6:FA:05:14:B2:46:B1:3C:A8:42:75:E3:" \
	   "3D:D5:EA:60:62:72:8F:92:A4:62:F2:D1:4A:60:4D:C3"
#define ICE "a=ice-ufrag:ymEa\r\na=ice-pwd:0IidtAvso31TqAJxJRNtq1\r\n" \
	    "a=fingerprint:sha-256 " FP "\r\na=setup:actpass\r\n"

/* Chromium on max-bundle, loopback; %s the video's port, %s its bundle-only */
static const char offer_fmt[] =
	"v=0\r\no=- 4005508014 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
	"a=group:BUNDLE 0 1 2\r\na=msid-semantic: WMS s\r\n"
	"m=audio 47088 UDP/TLS/RTP/SAVPF 111 0 8\r\nc=IN IP4 127.0.0.1\r\n"
	"a=rtcp:9 IN IP4 0.0.0.0\r\n"
	"a=candidate:1 1 udp 2122260223 127.0.0.1 47088 typ host\r\n" ICE
	"a=mid:0\r\na=sendrecv\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\n"
	"a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=ssrc:1001 cname:c\r\n"
	"m=video %s UDP/TLS/RTP/SAVPF %s\r\nc=IN IP4 127.0.0.1\r\n"
	"a=rtcp:9 IN IP4 0.0.0.0\r\n" ICE "a=mid:1\r\n%s"
	"a=sendrecv\r\na=rtcp-mux\r\na=rtcp-rsize\r\na=rtpmap:96 VP8/90000\r\n"
	"a=rtcp-fb:96 nack pli\r\na=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n"
	"a=ssrc-group:FID 2001 2002\r\na=ssrc:2001 cname:c\r\na=ssrc:2002 cname:c\r\n"
	"m=application %s UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 127.0.0.1\r\n"
	ICE "a=mid:2\r\n%sa=sctp-port:5000\r\n";

static size_t offer(char *out, size_t sz, const char *vport, const char *vpts, bool only)
{
	return (size_t)snprintf(out, sz, offer_fmt, vport, vpts, only ? "a=bundle-only\r\n" : "",
				only ? "0" : vport, only ? "a=bundle-only\r\n" : "");
}

/* bob's answer: %u the audio's port (0 refuses it) */
static const char answer_fmt[] =
	"v=0\r\no=bob 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
	"m=audio %u RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n"
	"m=video 7002 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\na=sendrecv\r\n"
	"m=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\n";

static struct sockaddr_storage sig4(void)
{
	struct sockaddr_storage ss = { 0 };

	ss.ss_family = AF_INET;
	inet_pton(AF_INET, "127.0.0.1", &((struct sockaddr_in *)&ss)->sin_addr);
	return ss;
}

/* the port of out's m= line of type (-1 if none) */
static int mport(const char *out, const char *type)
{
	char want[32];
	const char *p;
	unsigned int port;

	snprintf(want, sizeof(want), "m=%s ", type);
	p = strstr(out, want);
	if (!p || sscanf(p + strlen(want), "%u", &port) != 1)
		return -1;
	return (int)port;
}

/* the section of out from its m= line of type to the next m= line */
static const char *section(const char *out, const char *type, char *buf, size_t sz)
{
	char want[32];
	const char *p, *e;

	snprintf(want, sizeof(want), "m=%s ", type);
	p = strstr(out, want);
	e = p ? strstr(p + 2, "\r\nm=") : NULL;
	snprintf(buf, sz, "%.*s", p ? (e ? (int)(e - p) : (int)strlen(p)) : 0, p ? p : "");
	return buf;
}

/* offer and answer of call key; the WebRTC leg's answer in ans */
static void call(const char *key, const char *in, size_t n, unsigned int aport, char *plain,
		 char *ans, size_t sz)
{
	struct sockaddr_storage sa = sig4();
	char bob[1024];
	size_t olen = 0;

	CHECK_EQ(MED_OfferSrtp(key, MED_LEG_A, MED_SRTP_PASSTHROUGH, (struct sockaddr *)&sa, in, n,
			       plain, sz - 1, &olen), 0);
	plain[olen] = '\0';
	n = (size_t)snprintf(bob, sizeof(bob), answer_fmt, aport);
	olen = 0;
	CHECK_EQ(MED_Answer(key, MED_LEG_B, (struct sockaddr *)&sa, bob, n, ans, sz - 1, &olen), 0);
	ans[olen] = '\0';
}

static void test_media(unsigned int base)
{
	struct med_config cfg = { .mode = MED_MODE_USER };
	char in[4096], plain[4096], ans[4096], v[256], sa[2048], sv[2048];
	char ufrag[64], pwd[64];
	int pa, pvb;
	size_t n;

	cfg.relay4 = sig4();
	cfg.port_min = (uint16_t)base;
	cfg.port_max = (uint16_t)(base + 31);
	CHECK(MED_Init(&cfg) == MED_MODE_USER);

	n = offer(in, sizeof(in), "0", "96 97", true);
	call("b-1", in, n, 7000, plain, ans, sizeof(ans));
	/* the phone: video on relay ports of its own, nothing of BUNDLE */
	pvb = mport(plain, "video");
	CHECK(pvb >= (int)base && pvb <= (int)base + 31 && pvb != mport(plain, "audio"));
	CHECK(!strstr(plain, "a=bundle-only") && !strstr(plain, "a=group"));
	CHECK_EQ(mport(plain, "application"), 0);
	/* the browser: one transport, the audio's, for both */
	pa = mport(ans, "audio");
	CHECK(pa >= (int)base && pa <= (int)base + 31 && pa != pvb);
	CHECK_EQ(mport(ans, "video"), pa);
	CHECK_EQ(mport(ans, "application"), 0);
	CHECK(strstr(ans, "\r\na=group:BUNDLE 0 1\r\na=ice-lite\r\n") != NULL);
	section(ans, "audio", sa, sizeof(sa));
	section(ans, "video", sv, sizeof(sv));
	line_val(sa, "a=ice-ufrag:", ufrag, sizeof(ufrag));
	line_val(sa, "a=ice-pwd:", pwd, sizeof(pwd));
	CHECK_EQ(strlen(ufrag), 8);
	CHECK_STR(line_val(sv, "a=ice-ufrag:", v, sizeof(v)), ufrag);
	CHECK_STR(line_val(sv, "a=ice-pwd:", v, sizeof(v)), pwd);
	CHECK_STR(line_val(sv, "a=setup:", v, sizeof(v)), "passive");
	CHECK_STR(line_val(sv, "a=mid:", v, sizeof(v)), "1");
	CHECK(strstr(sv, "a=rtpmap:96 VP8/90000\r\n") && !strstr(sv, "bundle-only"));
	{
		char want[128];

		snprintf(want, sizeof(want), "1 1 udp 2130706431 127.0.0.1 %d typ host", pa);
		CHECK_STR(line_val(sv, "a=candidate:", v, sizeof(v)), want);
	}

	/*
	 * Chromium's own max-bundle shape: the video on port 9 at 0.0.0.0, no
	 * bundle-only, no candidates. The phone is shown the relay's address
	 * for it, not 0.0.0.0 (old-style hold: it would not send its video)
	 */
	n = offer(in, sizeof(in), "9", "96 97", false);
	{
		char *vc = strstr(strstr(in, "m=video "), "c=IN IP4 127.0.0.1");

		memcpy(vc, "c=IN IP4 0.0.0.0\r\n", 18);
		memmove(vc + 18, vc + 20, strlen(vc + 20) + 1);
		n -= 2;
	}
	call("b-0", in, n, 7000, plain, ans, sizeof(ans));
	CHECK(!strstr(section(plain, "video", sv, sizeof(sv)), "0.0.0.0"));
	CHECK(strstr(sv, "c=IN IP4 127.0.0.1\r\n") != NULL);
	CHECK(mport(ans, "audio") > 0 && mport(ans, "video") == mport(ans, "audio"));
	CHECK(strstr(ans, "\r\na=group:BUNDLE 0 1\r\n") != NULL);
	MED_Delete("b-0");

	/* the browser's next offer: both lines on its one port */
	n = offer(in, sizeof(in), "47088", "96 97", false);
	call("b-1", in, n, 7000, plain, ans, sizeof(ans));
	CHECK_EQ(mport(plain, "video"), pvb);
	CHECK_EQ(mport(ans, "audio"), pa);
	CHECK_EQ(mport(ans, "video"), pa);
	CHECK(strstr(ans, "\r\na=group:BUNDLE 0 1\r\n") != NULL);
	CHECK_STR(line_val(section(ans, "video", sv, sizeof(sv)), "a=ice-ufrag:", v, sizeof(v)),
		  ufrag);
	{
		struct med_call_stats st;

		/* no ICE, no DTLS: nothing forwarded */
		CHECK_EQ(MED_Stats("b-1", &st), 0);
		CHECK_EQ(st.packets_a_to_b + st.packets_b_to_a, 0);
	}
	MED_Delete("b-1");
	CHECK_EQ(MED_Has("b-1"), 0);

	/* PCMU in both lines: no telling them apart by payload type */
	n = offer(in, sizeof(in), "0", "96 97 0", true);
	call("b-2", in, n, 7000, plain, ans, sizeof(ans));
	CHECK_EQ(mport(plain, "video"), 0);
	CHECK_EQ(mport(ans, "video"), 0);
	CHECK(mport(ans, "audio") > 0 && strstr(ans, "\r\na=group:BUNDLE 0\r\n"));
	MED_Delete("b-2");

	/* the phone refuses the audio: the video had no transport but the audio's */
	n = offer(in, sizeof(in), "0", "96 97", true);
	call("b-3", in, n, 0, plain, ans, sizeof(ans));
	CHECK(mport(plain, "video") > 0);
	CHECK_EQ(mport(ans, "audio"), 0);
	CHECK_EQ(mport(ans, "video"), 0);
	CHECK(!strstr(ans, "a=group:BUNDLE 0 1"));
	MED_Delete("b-3");
	MED_Fini();
}

static void test_pt_set(void)
{
	static const char sdp[] =
		"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
		"m=audio 4000 RTP/AVP 0 8 127 8\r\n"
		"m=video 4002 RTP/AVP 96 128\r\n"
		"m=video 4004 RTP/AVP 9x\r\n"
		"m=application 4006 UDP/DTLS/SCTP webrtc-datachannel\r\n";
	struct sdp s;
	uint8_t set[SDP_PT_SET_LEN], want[SDP_PT_SET_LEN] = { 0 };

	CHECK_EQ(sdp_parse(sdp, strlen(sdp), &s), 0);
	CHECK_EQ(sdp_media_pt_set(sdp, strlen(sdp), &s, 0, set), 3);
	want[0] = 1;
	want[1] = 1;
	want[15] = 0x80;
	CHECK(!memcmp(set, want, sizeof(set)));
	CHECK(sdp_media_pt_set(sdp, strlen(sdp), &s, 1, set) < 0);
	CHECK(sdp_media_pt_set(sdp, strlen(sdp), &s, 2, set) < 0);
	CHECK(sdp_media_pt_set(sdp, strlen(sdp), &s, 3, set) < 0);
	CHECK(sdp_media_pt_set(sdp, strlen(sdp), &s, 4, set) < 0);
	/* every prefix of the line, from an exactly sized buffer (ASan) */
	for (size_t k = 0; k < strlen(sdp); k++) {
		char *b = malloc(k ? k : 1);
		struct sdp ps;

		memcpy(b, sdp, k);
		if (!sdp_parse(b, k, &ps))
			for (unsigned int i = 0; i < ps.nmedia; i++)
				(void)sdp_media_pt_set(b, k, &ps, i, set);
		free(b);
	}
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	srand((unsigned int)(time(NULL) ^ getpid()));
	test_pt_set();
	test_media(30000 + (unsigned int)(rand() % 400) * 64);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
