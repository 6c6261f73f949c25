// SPDX-License-Identifier: GPL-2.0
/*
 * WebRTC offers (daemon/sdp_webrtc.c, daemon/media/webrtc*.c): the ICE,
 * DTLS and BUNDLE attributes of an offer as aiortc writes it, media- over
 * session-level values, refusals (no fingerprint, malformed values), every
 * prefix of the offer from an exactly-sized buffer (ASan sees overreads),
 * the lines stripped for the plain leg; then, through MED_OfferSrtp and
 * MED_Answer in user mode, what each leg is shown: the plain phone
 * RTP/AVP with no ICE, DTLS or BUNDLE lines, the WebRTC leg an ICE-lite
 * answer with krtpd's credentials, sha-256 fingerprint, a=setup, its mid
 * and one host candidate on the relay port; video is anchored on a
 * transport of its own (relay port, ICE credentials, candidate, the
 * phone's a=rtcp-fb) and the answer names no BUNDLE group (one
 * anchored line alone would be grouped), a re-offer that adds
 * video keeps the audio's port and credentials, a max-bundle offer's
 * bundle-only video is bundled but the phone refuses it, a data channel
 * gets port 0, and an offer without a=fingerprint is refused with -EPROTO.
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
#include "sdp.h"
#include "sdp_webrtc.h"

#include "check.h"

#define FP "C7:07:22:B2:F6:FA:05:14:B2:46:B1:3C:A8:42:75:E3:" \
	   "3D:D5:EA:60:62:72:8F:92:A4:62:F2:D1:4A:60:4D:C3"

/* aiortc 1.4.0's offer, addresses made loopback */
static const char offer_aiortc[] =
	"v=0\r\n"
	"o=- 4005508014 4005508014 IN IP4 0.0.0.0\r\n"
	"s=-\r\n"
	"t=0 0\r\n"
	"a=group:BUNDLE 0\r\n"
	"a=msid-semantic:WMS *\r\n"
	"m=audio 47088 UDP/TLS/RTP/SAVPF 96 0 8\r\n"
	"c=IN IP4 127.0.0.1\r\n"
	"a=sendrecv\r\n"
	"a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
	"a=mid:0\r\n"
	"a=msid:cae18991 1ffb6202\r\n"
	"a=rtcp:9 IN IP4 0.0.0.0\r\n"
	"a=rtcp-mux\r\n"
	"a=ssrc:3910725946 cname:11929c2f\r\n"
	"a=rtpmap:96 opus/48000/2\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:8 PCMA/8000\r\n"
	"a=candidate:f957a233 1 udp 2130706431 127.0.0.1 47088 typ host\r\n"
	"a=candidate:fff8ec3b 1 udp 2130706431 abcd.local 47089 typ host\r\n"
	"a=end-of-candidates\r\n"
	"a=ice-ufrag:ymEa\r\n"
	"a=ice-pwd:0IidtAvso31TqAJxJRNtq1\r\n"
	"a=fingerprint:sha-256 " FP "\r\n"
	"a=setup:actpass\r\n";

static int parse_wr(const char *text, size_t len, struct sdp_webrtc *w, const char **why)
{
	char *copy = malloc(len ? len : 1);
	struct sdp s;
	int err;

	memcpy(copy, text, len);
	err = sdp_parse(copy, len, &s);
	if (!err)
		err = s.nmedia ? sdp_webrtc_parse(copy, len, &s, 0, w, why) : -ENOENT;
	free(copy);
	return err;
}

static void test_parse(void)
{
	struct sdp_webrtc w;
	const char *why;

	CHECK_EQ(parse_wr(offer_aiortc, strlen(offer_aiortc), &w, &why), 0);
	CHECK_STR(w.ufrag, "ymEa");
	CHECK_STR(w.pwd, "0IidtAvso31TqAJxJRNtq1");
	CHECK_EQ(w.fp_hash, SDP_FP_SHA256);
	CHECK_EQ(w.fp_len, 32);
	CHECK_EQ(w.fp[0], 0xc7);
	CHECK_EQ(w.fp[31], 0xc3);
	CHECK_EQ(w.setup, SDP_SETUP_ACTPASS);
	CHECK_STR(w.mid, "0");
	CHECK(w.bundled);
}

/* session-level values fill in, media-level ones win; the strongest hash is kept */
static void test_levels(void)
{
	static const char sdp[] =
		"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
		"a=ice-ufrag:sess\r\na=ice-pwd:sessionpasswordsessionpw\r\n"
		"a=fingerprint:sha-1 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33\r\n"
		"a=setup:passive\r\n"
		"m=audio 5000 UDP/TLS/RTP/SAVP 0\r\nc=IN IP4 127.0.0.1\r\n"
		"a=ice-ufrag:med1\r\na=fingerprint:sha-256 " FP "\r\n"
		"a=fingerprint:foo-9 00\r\n";
	struct sdp_webrtc w;
	const char *why;

	CHECK_EQ(parse_wr(sdp, strlen(sdp), &w, &why), 0);
	CHECK_STR(w.ufrag, "med1");
	CHECK_STR(w.pwd, "sessionpasswordsessionpw");
	CHECK_EQ(w.fp_hash, SDP_FP_SHA256);
	CHECK_EQ(w.setup, SDP_SETUP_PASSIVE);
	CHECK_STR(w.mid, "");
	CHECK(!w.bundled);
}

/* offer_aiortc with the line starting `drop` replaced by `with` (NULL: removed) */
static size_t edited(char *out, size_t sz, const char *drop, const char *with)
{
	const char *p = strstr(offer_aiortc, drop), *e = strstr(p, "\r\n") + 2;

	return (size_t)snprintf(out, sz, "%.*s%s%s", (int)(p - offer_aiortc), offer_aiortc,
				with ? with : "", e);
}

static void test_refused(void)
{
	struct sdp_webrtc w;
	const char *why = NULL;
	char buf[2048];
	size_t n;

	n = edited(buf, sizeof(buf), "a=fingerprint:", NULL);
	CHECK_EQ(parse_wr(buf, n, &w, &why), -EINVAL);
	CHECK(why && strstr(why, "a=fingerprint"));
	n = edited(buf, sizeof(buf), "a=fingerprint:", "a=fingerprint:sha-256 C7:07:22\r\n");
	CHECK_EQ(parse_wr(buf, n, &w, &why), -EINVAL);
	CHECK_STR(why, "malformed a=fingerprint");
	n = edited(buf, sizeof(buf), "a=fingerprint:", "a=fingerprint:sha-256 " FP "ZZ\r\n");
	CHECK_EQ(parse_wr(buf, n, &w, &why), -EINVAL);
	n = edited(buf, sizeof(buf), "a=ice-ufrag:", "a=ice-ufrag:bad;char\r\n");
	CHECK_EQ(parse_wr(buf, n, &w, &why), -EINVAL);
	n = edited(buf, sizeof(buf), "a=ice-pwd:", NULL);
	CHECK_EQ(parse_wr(buf, n, &w, &why), -EINVAL);
	CHECK_STR(why, "no a=ice-ufrag and a=ice-pwd");
	n = edited(buf, sizeof(buf), "a=setup:", "a=setup:sideways\r\n");
	CHECK_EQ(parse_wr(buf, n, &w, &why), -EINVAL);
	{
		char big[400];

		memset(big, 'a', sizeof(big));
		n = (size_t)snprintf(buf, sizeof(buf), "%.*s", 0, "");
		n = edited(buf, sizeof(buf), "a=ice-ufrag:", NULL);
		snprintf(buf + n, sizeof(buf) - n, "a=ice-ufrag:%.*s\r\n", 300, big);
		CHECK_EQ(parse_wr(buf, strlen(buf), &w, &why), -EINVAL);
	}
}

/* every prefix parses or not without reading past its end */
static void test_prefixes(void)
{
	size_t len = strlen(offer_aiortc), ok = 0;
	struct sdp_webrtc w;
	const char *why;

	for (size_t n = 0; n <= len; n++)
		ok += parse_wr(offer_aiortc, n, &w, &why) == 0;
	/* complete once the a=fingerprint line is in (a=setup defaults to actpass) */
	CHECK(ok >= 1 && ok <= strlen("a=setup:actpass\r\n") + 2);
}

static void test_strip(void)
{
	char buf[] = "v=0\r\na=group:BUNDLE 0\r\nm=audio 1 RTP/AVP 0\r\na=mid:0\r\n"
		     "a=fingerprint:sha-256 00\r\na=rtpmap:0 PCMU/8000\r\na=setup:actpass\r\n"
		     "a=ssrc:1 cname:x\r\na=rtcp-fb:0 nack";
	size_t n = strlen(buf);

	sdp_webrtc_strip(buf, &n);
	CHECK_EQ(n, strlen("v=0\r\nm=audio 1 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"));
	CHECK(!memcmp(buf, "v=0\r\nm=audio 1 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n", n));
}

/* ---- through media, user mode ---- */

static struct sockaddr_storage sig4(const char *addr)
{
	struct sockaddr_storage ss = { 0 };

	ss.ss_family = AF_INET;
	inet_pton(AF_INET, addr, &((struct sockaddr_in *)&ss)->sin_addr);
	return ss;
}

static const char answer_bob[] =
	"v=0\r\no=bob 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
	"m=audio 7000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n";
/* bob's answer to the offer with video: VP8 */
static const char answer_bob_video[] =
	"v=0\r\no=bob 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
	"m=audio 7000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n"
	"m=video 7002 RTP/AVP 97\r\na=rtpmap:97 VP8/90000\r\na=sendrecv\r\n"
	"a=rtcp-fb:* nack pli\r\n";

/* bob's answer to the max-bundle offer: the lines he was shown with port 0 */
static const char answer_bob_audio_only[] =
	"v=0\r\no=bob 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
	"m=audio 7000 RTP/AVP 0\r\nm=video 0 RTP/AVP 97\r\n"
	"m=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\n";

/*
 * aiortc's video line (bundlePolicy balanced): a transport of its own,
 * with its own port, ICE credentials and candidates; the offer's group
 * bundles both lines
 */
static const char video_aiortc[] =
	"m=video 47090 UDP/TLS/RTP/SAVPF 97 98\r\nc=IN IP4 127.0.0.1\r\na=sendrecv\r\n"
	"a=mid:1\r\na=rtcp-mux\r\na=rtcp-fb:97 nack pli\r\na=ssrc:123 cname:11929c2f\r\n"
	"a=rtpmap:97 VP8/90000\r\na=rtpmap:98 rtx/90000\r\na=fmtp:98 apt=97\r\n"
	"a=candidate:a1 1 udp 2130706431 127.0.0.1 47090 typ host\r\na=end-of-candidates\r\n"
	"a=ice-ufrag:Vd3o\r\na=ice-pwd:9XUq5ZcZ2f0cSu4oKQ2xjM\r\n"
	"a=fingerprint:sha-256 " FP "\r\na=setup:actpass\r\n";

/* the offer with video: offer_aiortc, its group over both lines */
static size_t offer_video(char *out, size_t sz, const char *video)
{
	const char *g = strstr(offer_aiortc, "a=group:BUNDLE 0\r\n");

	return (size_t)snprintf(out, sz, "%.*sa=group:BUNDLE 0 1\r\n%s%s",
				(int)(g - offer_aiortc), offer_aiortc,
				g + strlen("a=group:BUNDLE 0\r\n"), video);
}

/* the m= line of out that starts with prefix, up to its CR LF ("" if none) */
static const char *media_line(const char *out, const char *prefix, char *buf, size_t sz)
{
	const char *p = strstr(out, prefix), *e = p ? strstr(p, "\r\n") : NULL;

	snprintf(buf, sz, "%.*s", e ? (int)(e - p) : 0, e ? p : "");
	return buf;
}

static void test_media(unsigned int base)
{
	struct med_config cfg = { .mode = MED_MODE_USER };
	struct sockaddr_storage sa = sig4("127.0.0.1");
	char in[4096], out[4096], v[256], want[128];
	unsigned int pb = 0, pa = 0, pvb = 0, pva = 0;
	const char *video;
	size_t olen, n;

	cfg.relay4 = sa;
	cfg.port_min = (uint16_t)base;
	cfg.port_max = (uint16_t)(base + 31);
	CHECK(MED_Init(&cfg) == MED_MODE_USER);

	/* the plain phone's offer: RTP/AVP, relay address, no ICE, DTLS, BUNDLE, SSRC */
	n = offer_video(in, sizeof(in), video_aiortc);
	olen = 0;
	CHECK_EQ(MED_OfferSrtp("wr-1", MED_LEG_A, MED_SRTP_PASSTHROUGH, (struct sockaddr *)&sa,
			       in, n, out, sizeof(out) - 1, &olen), 0);
	out[olen] = '\0';
	CHECK(sscanf(strstr(out, "m=audio ") ? strstr(out, "m=audio ") : "", "m=audio %u RTP/AVP 96 0 8\r\n", &pb) == 1);
	CHECK(pb >= base && pb <= base + 31);
	/* video on relay ports of its own, VP8 and its RTX named */
	CHECK(sscanf(strstr(out, "m=video ") ? strstr(out, "m=video ") : "",
		     "m=video %u RTP/AVP 97 98\r\n", &pvb) == 1);
	CHECK(pvb >= base && pvb <= base + 31 && pvb != pb && pvb != pb + 1);
	CHECK(strstr(out, "a=rtpmap:97 VP8/90000\r\n") != NULL);
	CHECK(strstr(out, "c=IN IP4 127.0.0.1\r\n") != NULL);
	for (const char *k = "a=fingerprint\0a=setup\0a=ice-\0a=candidate\0a=group\0a=mid\0a=ssrc\0"
			     "a=msid\0a=extmap\0a=end-of-candidates\0a=rtcp-fb\0";
	     *k; k += strlen(k) + 1) {
		if (strstr(out, k)) {
			failed++;
			printf("FAIL plain offer has %s:\n%s\n", k, out);
		} else {
			passed++;
		}
	}

	/* the WebRTC leg's answer: krtpd's ICE-lite, DTLS and codecs from bob */
	olen = 0;
	CHECK_EQ(MED_Answer("wr-1", MED_LEG_B, (struct sockaddr *)&sa, answer_bob_video,
			    strlen(answer_bob_video), out, sizeof(out) - 1, &olen), 0);
	out[olen] = '\0';
	CHECK(sscanf(strstr(out, "m=audio ") ? strstr(out, "m=audio ") : "",
		     "m=audio %u UDP/TLS/RTP/SAVPF 0\r\n", &pa) == 1);
	CHECK(pa >= base && pa <= base + 31 && pa != pb);
	/* no BUNDLE group: audio and video keep their own transports */
	CHECK(strstr(out, "\r\nt=0 0\r\na=ice-lite\r\n") && !strstr(out, "a=group:"));
	CHECK(strstr(out, "a=mid:0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\na=rtcp-mux\r\n"));
	CHECK_EQ(strlen(line_val(out, "a=ice-ufrag:", v, sizeof(v))), 8);
	CHECK_EQ(strlen(line_val(out, "a=ice-pwd:", v, sizeof(v))), 24);
	CHECK_EQ(strlen(line_val(out, "a=fingerprint:sha-256 ", v, sizeof(v))), 32 * 3 - 1);
	CHECK_STR(line_val(out, "a=setup:", v, sizeof(v)), "passive");
	snprintf(want, sizeof(want), "1 1 udp 2130706431 127.0.0.1 %u typ host", pa);
	CHECK_STR(line_val(out, "a=candidate:", v, sizeof(v)), want);
	CHECK(strstr(out, "a=end-of-candidates\r\n") != NULL);
	CHECK(!strstr(out, "7000") && !strstr(out, "ymEa") && !strstr(out, "Vd3o"));
	/* the video: its own relay port, credentials and candidate, bob's VP8 */
	video = strstr(out, "m=video ");
	CHECK(video && sscanf(video, "m=video %u UDP/TLS/RTP/SAVPF 97\r\n", &pva) == 1);
	CHECK(pva >= base && pva <= base + 31 && pva != pa && pva != pvb);
	if (video) {
		char audio_ufrag[64];

		line_val(out, "a=ice-ufrag:", audio_ufrag, sizeof(audio_ufrag));
		/* bob's feedback, so the browser asks him for key frames */
		CHECK(strstr(video, "c=IN IP4 127.0.0.1\r\na=mid:1\r\na=rtpmap:97 VP8/90000\r\n"
				    "a=rtcp-fb:* nack pli\r\na=sendrecv\r\na=rtcp-mux\r\n") != NULL);
		CHECK_EQ(strlen(line_val(video, "a=ice-ufrag:", v, sizeof(v))), 8);
		CHECK(strcmp(v, audio_ufrag) != 0);
		CHECK_STR(line_val(video, "a=setup:", v, sizeof(v)), "passive");
		snprintf(want, sizeof(want), "1 1 udp 2130706431 127.0.0.1 %u typ host", pva);
		CHECK_STR(line_val(video, "a=candidate:", v, sizeof(v)), want);
		CHECK(!strstr(video, "7002"));
	}
	/* no flows before ICE and DTLS: nothing forwarded yet */
	{
		struct med_call_stats st;

		CHECK_EQ(MED_Stats("wr-1", &st), 0);
		CHECK_EQ(st.packets_a_to_b + st.packets_b_to_a, 0);
	}
	MED_Delete("wr-1");

	/*
	 * A browser on max-bundle: its video is bundle-only (port 0, no ICE
	 * or DTLS attributes of its own: RFC 8843 section 7.2), a data
	 * channel rides along. krtpd bundles the video on the audio's
	 * transport (test_webrtc_bundle.c) and offers it to bob on relay
	 * ports of its own; bob refuses it, so the answer's group names the
	 * audio alone; the data channel gets port 0 from both sides
	 */
	n = offer_video(in, sizeof(in),
			"m=video 0 UDP/TLS/RTP/SAVPF 97\r\nc=IN IP4 127.0.0.1\r\na=bundle-only\r\n"
			"a=mid:1\r\na=rtpmap:97 VP8/90000\r\n"
			"m=application 47092 UDP/DTLS/SCTP webrtc-datachannel\r\n"
			"c=IN IP4 127.0.0.1\r\na=mid:2\r\na=sctp-port:5000\r\n");
	olen = 0;
	CHECK_EQ(MED_OfferSrtp("wr-4", MED_LEG_A, MED_SRTP_PASSTHROUGH, (struct sockaddr *)&sa,
			       in, n, out, sizeof(out) - 1, &olen), 0);
	out[olen] = '\0';
	CHECK(strncmp(media_line(out, "m=video ", v, sizeof(v)), "m=video 0 ", 10) != 0);
	CHECK(strncmp(media_line(out, "m=application ", v, sizeof(v)), "m=application 0 ", 16) == 0);
	olen = 0;
	CHECK_EQ(MED_Answer("wr-4", MED_LEG_B, (struct sockaddr *)&sa, answer_bob_audio_only,
			    strlen(answer_bob_audio_only), out, sizeof(out) - 1, &olen), 0);
	out[olen] = '\0';
	CHECK(strstr(out, "\r\na=group:BUNDLE 0\r\na=ice-lite\r\n") != NULL);
	CHECK_STR(media_line(out, "m=video ", v, sizeof(v)), "m=video 0 UDP/TLS/RTP/SAVPF 97");
	CHECK(strncmp(media_line(out, "m=application ", v, sizeof(v)), "m=application 0 ", 16) == 0);
	CHECK(strncmp(media_line(out, "m=audio ", v, sizeof(v)), "m=audio 0 ", 10) != 0);
	MED_Delete("wr-4");

	/*
	 * A browser that turns its camera on mid-call: its re-offer adds the
	 * video line. The audio keeps its port and credentials; the video
	 * gets a relay port and credentials of its own, on both legs
	 */
	olen = 0;
	CHECK_EQ(MED_OfferSrtp("wr-5", MED_LEG_A, MED_SRTP_PASSTHROUGH, (struct sockaddr *)&sa,
			       offer_aiortc, strlen(offer_aiortc), out, sizeof(out) - 1, &olen), 0);
	olen = 0;
	CHECK_EQ(MED_Answer("wr-5", MED_LEG_B, (struct sockaddr *)&sa, answer_bob,
			    strlen(answer_bob), out, sizeof(out) - 1, &olen), 0);
	out[olen] = '\0';
	{
		char ufrag[64], audio[128];

		line_val(out, "a=ice-ufrag:", ufrag, sizeof(ufrag));
		media_line(out, "m=audio ", audio, sizeof(audio));
		CHECK(!strstr(out, "m=video"));
		n = offer_video(in, sizeof(in), video_aiortc);
		olen = 0;
		CHECK_EQ(MED_OfferSrtp("wr-5", MED_LEG_A, MED_SRTP_PASSTHROUGH,
				       (struct sockaddr *)&sa, in, n, out, sizeof(out) - 1, &olen), 0);
		out[olen] = '\0';
		pvb = 0;
		CHECK(sscanf(strstr(out, "m=video ") ? strstr(out, "m=video ") : "",
			     "m=video %u RTP/AVP 97 98\r\n", &pvb) == 1 && pvb);
		olen = 0;
		CHECK_EQ(MED_Answer("wr-5", MED_LEG_B, (struct sockaddr *)&sa, answer_bob_video,
				    strlen(answer_bob_video), out, sizeof(out) - 1, &olen), 0);
		out[olen] = '\0';
		CHECK_STR(line_val(out, "a=ice-ufrag:", v, sizeof(v)), ufrag);
		CHECK_STR(media_line(out, "m=audio ", v, sizeof(v)), audio);
		video = strstr(out, "m=video ");
		pva = 0;
		CHECK(video && sscanf(video, "m=video %u UDP/TLS/RTP/SAVPF 97\r\n", &pva) == 1);
		CHECK(pva && pva != pvb && !strstr(audio, "m=audio 0 "));
		if (video) {
			CHECK_EQ(strlen(line_val(video, "a=ice-ufrag:", v, sizeof(v))), 8);
			CHECK(strcmp(v, ufrag) != 0);
			snprintf(want, sizeof(want), "1 1 udp 2130706431 127.0.0.1 %u typ host", pva);
			CHECK_STR(line_val(video, "a=candidate:", v, sizeof(v)), want);
		}
		CHECK(!strstr(out, "a=group:"));
	}
	MED_Delete("wr-5");
	CHECK_EQ(MED_Has("wr-5"), 0);

	/* an offer that is passive gets an active answer */
	n = edited(in, sizeof(in), "a=setup:", "a=setup:passive\r\n");
	CHECK_EQ(MED_OfferSrtp("wr-2", MED_LEG_A, MED_SRTP_BRIDGE, (struct sockaddr *)&sa, in, n,
			       out, sizeof(out) - 1, &olen), 0);
	olen = 0;
	CHECK_EQ(MED_Answer("wr-2", MED_LEG_B, (struct sockaddr *)&sa, answer_bob,
			    strlen(answer_bob), out, sizeof(out) - 1, &olen), 0);
	out[olen] = '\0';
	CHECK_STR(line_val(out, "a=setup:", v, sizeof(v)), "active");
	MED_Delete("wr-2");

	/* no a=fingerprint: refused (the SIP core answers 488 with a Warning) */
	n = edited(in, sizeof(in), "a=fingerprint:", NULL);
	CHECK_EQ(MED_OfferSrtp("wr-3", MED_LEG_A, MED_SRTP_PASSTHROUGH, (struct sockaddr *)&sa,
			       in, n, out, sizeof(out), &olen), -EPROTO);
	CHECK_EQ(MED_Has("wr-3"), 0);
	MED_Fini();
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	srand((unsigned int)(time(NULL) ^ getpid()));
	test_parse();
	test_levels();
	test_refused();
	test_prefixes();
	test_strip();
	test_media(20000 + (unsigned int)(rand() % 400) * 100 + 64);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
