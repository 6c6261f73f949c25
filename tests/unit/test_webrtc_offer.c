// SPDX-License-Identifier: GPL-2.0
/*
 * krtpd's WebRTC offer to a callee over WebSocket (daemon/media/offer.c,
 * webrtc.c, webrtc_sdp.c), in user mode: a plain phone's RTP/AVP offer
 * becomes UDP/TLS/RTP/SAVPF with ICE-lite, krtpd's 8- and 24-character
 * credentials, a sha-256 fingerprint, a=setup:actpass, rtcp-mux, a=mid
 * and BUNDLE, one host candidate on the relay port, the phone's codecs
 * with a=rtpmap named for static payload types it left unnamed, video
 * on a relay port, credentials and candidate of its own (no BUNDLE
 * group), and none of the phone's addresses or ports. The
 * browser's answer becomes plain RTP/AVP for the phone, with its codecs
 * and none of its WebRTC lines, a=rtcp-mux only when the phone offered
 * it; video it declines gets port 0, video it takes a relay port. Answers
 * without a=fingerprint, with a=setup:actpass or in RTP/AVP are refused
 * with -EPROTO; a re-offer stays WebRTC with the same credentials.
 *
 * A reload of dtls_certificate (MED_DtlsReload, SIGHUP) between krtpd's
 * offer and the browser's answer: the call keeps the fingerprint it
 * showed, in its re-offers too, while a new call shows openssl(1)'s
 * fingerprint of the new certificate; a file that is no certificate is
 * refused and new calls keep that one.
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
#include "sdp_webrtc.h"

#include "check.h"

#define FP "C7:07:22:B2:F6:FA:05:14:B2:46:B1:3C:A8:42:75:E3:" \
	   "3D:D5:EA:60:62:72:8F:92:A4:62:F2:D1:4A:60:4D:C3"

/* a desk phone: PCMU named, PCMA and G.722 not, DTMF, and a video line */
static const char offer_phone[] =
	"v=0\r\no=phone 1 1 IN IP4 127.0.0.9\r\ns=-\r\nc=IN IP4 127.0.0.9\r\nt=0 0\r\n"
	"m=audio 7000 RTP/AVP 0 8 9 101\r\na=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\na=sendrecv\r\n"
	"m=video 7002 RTP/AVP 97\r\na=rtpmap:97 H264/90000\r\n";

/* aiortc 1.4.0's answer to krtpd's offer, addresses made loopback */
static const char answer_aiortc[] =
	"v=0\r\no=- 3912 3912 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
	"a=group:BUNDLE 0\r\na=msid-semantic:WMS *\r\n"
	"m=audio 41000 UDP/TLS/RTP/SAVPF 0 101\r\nc=IN IP4 127.0.0.8\r\na=sendrecv\r\n"
	"a=mid:0\r\na=msid:4a2b 7c1d\r\na=rtcp:9 IN IP4 0.0.0.0\r\na=rtcp-mux\r\n"
	"a=ssrc:1234 cname:abcd\r\na=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n"
	"a=candidate:f957 1 udp 2130706431 127.0.0.8 41000 typ host\r\n"
	"a=end-of-candidates\r\na=ice-ufrag:Qm7x\r\na=ice-pwd:Lp0uYh1i2WnEbA3kd9Zz0q\r\n"
	"a=fingerprint:sha-256 " FP "\r\na=setup:active\r\n"
	"m=video 0 UDP/TLS/RTP/SAVPF 97\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\n";

/* aiortc's answer taking the video too, on a transport of its own */
static const char answer_aiortc_video[] =
	"v=0\r\no=- 3912 3912 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
	"a=group:BUNDLE 0\r\na=msid-semantic:WMS *\r\n"
	"m=audio 41000 UDP/TLS/RTP/SAVPF 0 101\r\nc=IN IP4 127.0.0.8\r\na=sendrecv\r\n"
	"a=mid:0\r\na=rtcp-mux\r\na=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n"
	"a=candidate:f957 1 udp 2130706431 127.0.0.8 41000 typ host\r\n"
	"a=end-of-candidates\r\na=ice-ufrag:Qm7x\r\na=ice-pwd:Lp0uYh1i2WnEbA3kd9Zz0q\r\n"
	"a=fingerprint:sha-256 " FP "\r\na=setup:active\r\n"
	"m=video 41002 UDP/TLS/RTP/SAVPF 97\r\nc=IN IP4 127.0.0.8\r\na=sendrecv\r\n"
	"a=mid:1\r\na=rtcp-mux\r\na=rtcp-fb:97 nack pli\r\na=rtpmap:97 H264/90000\r\n"
	"a=candidate:f958 1 udp 2130706431 127.0.0.8 41002 typ host\r\n"
	"a=end-of-candidates\r\na=ice-ufrag:Rn8y\r\na=ice-pwd:Mq1vZi2j3XoFcB4le0Aa1r\r\n"
	"a=fingerprint:sha-256 " FP "\r\na=setup:active\r\n";

/* the answer of a browser that bundles: the video on the audio's transport */
static const char answer_bundled[] =
	"v=0\r\no=- 3912 3912 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
	"a=group:BUNDLE 0 1\r\na=msid-semantic:WMS *\r\n"
	"m=audio 41000 UDP/TLS/RTP/SAVPF 0 101\r\nc=IN IP4 127.0.0.8\r\na=sendrecv\r\n"
	"a=mid:0\r\na=rtcp-mux\r\na=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n"
	"a=candidate:f957 1 udp 2130706431 127.0.0.8 41000 typ host\r\n"
	"a=end-of-candidates\r\na=ice-ufrag:Qm7x\r\na=ice-pwd:Lp0uYh1i2WnEbA3kd9Zz0q\r\n"
	"a=fingerprint:sha-256 " FP "\r\na=setup:active\r\n"
	"m=video 41000 UDP/TLS/RTP/SAVPF 97\r\nc=IN IP4 127.0.0.8\r\na=sendrecv\r\n"
	"a=mid:1\r\na=rtcp-mux\r\na=rtpmap:97 H264/90000\r\n"
	"a=ice-ufrag:Qm7x\r\na=ice-pwd:Lp0uYh1i2WnEbA3kd9Zz0q\r\n"
	"a=fingerprint:sha-256 " FP "\r\na=setup:active\r\n";

/* text with the line starting with `drop` replaced by `with` (NULL: removed) */
static size_t edited(const char *text, char *out, size_t sz, const char *drop, const char *with)
{
	const char *p = strstr(text, drop), *e = p ? strstr(p, "\r\n") + 2 : NULL;

	if (!p)
		return (size_t)snprintf(out, sz, "%s", text);
	return (size_t)snprintf(out, sz, "%.*s%s%s", (int)(p - text), text, with ? with : "", e);
}

static void none_of(const char *what, const char *out, const char *keys)
{
	for (const char *k = keys; *k; k += strlen(k) + 1) {
		if (strstr(out, k)) {
			failed++;
			printf("FAIL %s has %s:\n%s\n", what, k, out);
		} else {
			passed++;
		}
	}
}

static int offer(const char *key, const char *sdp, bool to_webrtc, char *out, size_t sz)
{
	struct sockaddr_storage sa = { 0 };
	size_t olen = 0;
	int r;

	sa.ss_family = AF_INET;
	inet_pton(AF_INET, "127.0.0.9", &((struct sockaddr_in *)&sa)->sin_addr);
	r = MED_OfferWebrtc(key, MED_LEG_A, MED_SRTP_PASSTHROUGH, 0, to_webrtc,
			    (struct sockaddr *)&sa, sdp, strlen(sdp), out, sz - 1, &olen);
	out[r ? 0 : olen] = '\0';
	return r;
}

static int answer(const char *key, const char *sdp, char *out, size_t sz)
{
	struct sockaddr_storage sa = { 0 };
	size_t olen = 0;
	int r;

	sa.ss_family = AF_INET;
	inet_pton(AF_INET, "127.0.0.8", &((struct sockaddr_in *)&sa)->sin_addr);
	r = MED_Answer(key, MED_LEG_B, (struct sockaddr *)&sa, sdp, strlen(sdp), out, sz - 1,
		       &olen);
	out[r ? 0 : olen] = '\0';
	return r;
}

/* can a UDP socket bind 127.0.0.1:port (krtpd does not hold it)? */
static bool port_free(uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	bool ok;

	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	ok = fd >= 0 && !bind(fd, (struct sockaddr *)&sin, sizeof(sin));
	if (fd >= 0)
		close(fd);
	return ok;
}

/*
 * A callee that bundles (any browser; one on max-bundle must): the video
 * moves onto the audio's transport, its own pairs are freed, and krtpd's
 * next offer shows it there, with the audio's credentials
 */
static void test_bundled(void)
{
	char out[4096], ans[4096], ufrag[16], v[256], want[128];
	unsigned int pb = 0, pvb = 0;
	const char *video;

	CHECK_EQ(offer("wo-b", offer_phone, true, out, sizeof(out)), 0);
	CHECK(sscanf(strstr(out, "m=audio ") ? strstr(out, "m=audio ") : "", "m=audio %u ", &pb) == 1);
	CHECK(sscanf(strstr(out, "m=video ") ? strstr(out, "m=video ") : "", "m=video %u ", &pvb) == 1);
	line_val(out, "a=ice-ufrag:", ufrag, sizeof(ufrag));
	CHECK(pvb && pvb != pb && !port_free((uint16_t)pvb));
	CHECK_EQ(answer("wo-b", answer_bundled, ans, sizeof(ans)), 0);
	/* the phone still gets the video on a relay port of its own */
	video = strstr(ans, "m=video ");
	CHECK(video && strncmp(video, "m=video 0 ", 10) != 0);
	CHECK(port_free((uint16_t)pvb) && port_free((uint16_t)(pvb + 1)));
	/* the phone's re-offer: the video on the audio's transport */
	CHECK_EQ(offer("wo-b", offer_phone, false, out, sizeof(out)), 0);
	snprintf(want, sizeof(want), "m=video %u UDP/TLS/RTP/SAVPF 97\r\n", pb);
	video = strstr(out, "m=video ");
	CHECK(video && !strncmp(video, want, strlen(want)));
	CHECK(video && !strcmp(line_val(video, "a=ice-ufrag:", v, sizeof(v)), ufrag));
	CHECK(strstr(out, "a=group:BUNDLE 0 1\r\n") != NULL);
	CHECK_EQ(answer("wo-b", answer_bundled, ans, sizeof(ans)), 0);
	MED_Delete("wo-b");
	CHECK_EQ(MED_Has("wo-b"), 0);
}

static void test_offer(unsigned int base)
{
	struct med_config cfg = { .mode = MED_MODE_USER };
	char out[4096], ans[4096], v[256], want[256], ufrag[16];
	unsigned int pb = 0, pa = 0, pvb = 0, pva = 0;
	const char *video;

	cfg.relay4.ss_family = AF_INET;
	inet_pton(AF_INET, "127.0.0.1", &((struct sockaddr_in *)&cfg.relay4)->sin_addr);
	cfg.port_min = (uint16_t)base;
	cfg.port_max = (uint16_t)(base + 31);
	CHECK(MED_Init(&cfg) == MED_MODE_USER);

	/* the offer the browser gets */
	CHECK_EQ(offer("wo-1", offer_phone, true, out, sizeof(out)), 0);
	CHECK(!strncmp(out, "v=0\r\no=krtpd ", 13));
	/* audio and video on transports of their own, offered as one group */
	CHECK(strstr(out, "\r\ns=krtpd\r\nt=0 0\r\na=group:BUNDLE 0 1\r\na=ice-lite\r\n") != NULL);
	CHECK(sscanf(strstr(out, "m=audio ") ? strstr(out, "m=audio ") : "",
		     "m=audio %u UDP/TLS/RTP/SAVPF 0 8 9 101\r\n", &pb) == 1);
	CHECK(pb >= base && pb <= base + 31 && pb % 2 == 0);
	CHECK(strstr(out, "c=IN IP4 127.0.0.1\r\na=mid:0\r\na=rtpmap:0 PCMU/8000\r\n"
			  "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\n"
			  "a=rtpmap:8 PCMA/8000\r\na=rtpmap:9 G722/8000\r\n"
			  "a=sendrecv\r\na=rtcp-mux\r\n") != NULL);
	CHECK_EQ(strlen(line_val(out, "a=ice-ufrag:", ufrag, sizeof(ufrag))), 8);
	CHECK_EQ(strlen(line_val(out, "a=ice-pwd:", v, sizeof(v))), 24);
	CHECK_EQ(strlen(line_val(out, "a=fingerprint:sha-256 ", v, sizeof(v))), 32 * 3 - 1);
	CHECK_STR(line_val(out, "a=setup:", v, sizeof(v)), "actpass");
	snprintf(want, sizeof(want), "1 1 udp 2130706431 127.0.0.1 %u typ host", pb);
	CHECK_STR(line_val(out, "a=candidate:", v, sizeof(v)), want);
	/* the video: a relay port, credentials and candidate of its own */
	video = strstr(out, "a=end-of-candidates\r\nm=video ");
	CHECK(video && sscanf(video, "a=end-of-candidates\r\nm=video %u UDP/TLS/RTP/SAVPF 97\r\n",
			      &pvb) == 1);
	CHECK(pvb >= base && pvb <= base + 31 && pvb % 2 == 0 && pvb != pb);
	if (video) {
		CHECK(strstr(video, "c=IN IP4 127.0.0.1\r\na=mid:1\r\na=rtpmap:97 H264/90000\r\n"
				    "a=sendrecv\r\na=rtcp-mux\r\n") != NULL);
		CHECK_EQ(strlen(line_val(video, "a=ice-ufrag:", v, sizeof(v))), 8);
		CHECK(strcmp(v, ufrag) != 0);
		CHECK_STR(line_val(video, "a=setup:", v, sizeof(v)), "actpass");
		snprintf(want, sizeof(want), "1 1 udp 2130706431 127.0.0.1 %u typ host", pvb);
		CHECK_STR(line_val(video, "a=candidate:", v, sizeof(v)), want);
	}
	none_of("the WebRTC offer", out, "127.0.0.9\0" "7000\0" "7002\0" "a=crypto\0");

	/* the browser's answer, as the phone sees it */
	CHECK_EQ(answer("wo-1", answer_aiortc, ans, sizeof(ans)), 0);
	CHECK(sscanf(strstr(ans, "m=audio ") ? strstr(ans, "m=audio ") : "",
		     "m=audio %u RTP/AVP 0 101\r\n", &pa) == 1);
	CHECK(pa >= base && pa <= base + 31 && pa != pb);
	snprintf(want, sizeof(want), "s=krtpd\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
		 "m=audio %u RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
		 "a=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\nm=video 0 RTP/AVP 97\r\n", pa);
	CHECK(strstr(ans, want) != NULL);
	none_of("the phone's answer", ans, "a=rtcp-mux\0" "a=fingerprint\0" "a=setup\0" "a=ice-\0"
		"a=candidate\0" "a=group\0" "a=mid\0" "a=ssrc\0" "a=msid\0" "127.0.0.8\0"
		"41000\0" "SAVPF\0");
	/* a re-offer from the phone, plain to krtpd's proxy: still WebRTC, same credentials */
	CHECK_EQ(offer("wo-1", offer_phone, false, out, sizeof(out)), 0);
	CHECK_STR(line_val(out, "a=ice-ufrag:", v, sizeof(v)), ufrag);
	CHECK_STR(line_val(out, "a=setup:", v, sizeof(v)), "actpass");
	snprintf(want, sizeof(want), "m=audio %u UDP/TLS/RTP/SAVPF 0 8 9 101\r\n", pb);
	CHECK(strstr(out, want) != NULL);
	CHECK_EQ(answer("wo-1", answer_aiortc, ans, sizeof(ans)), 0);
	MED_Delete("wo-1");
	CHECK_EQ(MED_Has("wo-1"), 0);

	/* a browser that takes the video: the phone gets it on a relay port of its own */
	CHECK_EQ(offer("wo-v", offer_phone, true, out, sizeof(out)), 0);
	CHECK_EQ(answer("wo-v", answer_aiortc_video, ans, sizeof(ans)), 0);
	video = strstr(ans, "m=video ");
	CHECK(sscanf(strstr(ans, "m=audio ") ? strstr(ans, "m=audio ") : "",
		     "m=audio %u RTP/AVP 0 101\r\n", &pa) == 1);
	CHECK(video && sscanf(video, "m=video %u RTP/AVP 97\r\n", &pva) == 1);
	CHECK(pva >= base && pva <= base + 31 && pva != pa && pva % 2 == 0);
	CHECK(video && strstr(video, "a=rtpmap:97 H264/90000\r\na=sendrecv\r\n"));
	none_of("the phone's answer with video", ans, "a=rtcp-fb\0" "a=ice-\0" "a=mid\0"
		"41002\0" "SAVPF\0");
	MED_Delete("wo-v");
	CHECK_EQ(MED_Has("wo-v"), 0);

	/* a phone that offers rtcp-mux gets it in the answer */
	{
		char muxed[1024];

		edited(offer_phone, muxed, sizeof(muxed), "a=sendrecv\r\n",
		       "a=sendrecv\r\na=rtcp-mux\r\n");
		CHECK_EQ(offer("wo-2", muxed, true, out, sizeof(out)), 0);
		CHECK_EQ(answer("wo-2", answer_aiortc, ans, sizeof(ans)), 0);
		CHECK(strstr(ans, "a=sendrecv\r\na=rtcp-mux\r\n") != NULL);
		MED_Delete("wo-2");
	}

	/* answers krtpd cannot use: refused, and the call can be deleted with nothing left */
	{
		static const struct {
			const char *drop, *with;
		} bad[] = {
			{ "a=fingerprint:", NULL },
			{ "a=setup:", "a=setup:actpass\r\n" },
			{ "a=ice-pwd:", NULL },
			{ "m=audio ", "m=audio 41000 RTP/AVP 0 101\r\n" },
		};
		char sdp[2048], key[16];

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			snprintf(key, sizeof(key), "wo-bad-%zu", i);
			edited(answer_aiortc, sdp, sizeof(sdp), bad[i].drop, bad[i].with);
			CHECK_EQ(offer(key, offer_phone, true, out, sizeof(out)), 0);
			CHECK_EQ(answer(key, sdp, ans, sizeof(ans)), -EPROTO);
			MED_Delete(key);
			CHECK_EQ(MED_Has(key), 0);
		}
	}

	/* not to a WebRTC callee: the phone's offer is only rewritten */
	CHECK_EQ(offer("wo-3", offer_phone, false, out, sizeof(out)), 0);
	CHECK(strstr(out, "RTP/AVP 0 8 9 101\r\n") && !strstr(out, "a=ice-lite"));
	MED_Delete("wo-3");
	test_bundled();
	MED_Fini();
}

/* NAME.pem and NAME.key in dir, a P-256 pair made by openssl(1); fp: its fingerprint */
static int mkcert(const char *dir, const char *name, char *fp, size_t sz)
{
	char cmd[1024];
	FILE *f;
	int ok;

	snprintf(cmd, sizeof(cmd),
		 "cd %s && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
		 "-nodes -keyout %s.key -out %s.pem -subj /CN=%s -days 2 2>/dev/null && "
		 "openssl x509 -in %s.pem -noout -fingerprint -sha256",
		 dir, name, name, name, name);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	/* "sha256 Fingerprint=AB:CD:..." */
	ok = fscanf(f, "sha256 Fingerprint=%127s", fp) == 1 && sz > 127;
	return pclose(f) == 0 && ok ? 0 : -1;
}

/* cp dir/FROM.pem and .key over dir/cert.pem and key.pem */
static int use_cert(const char *dir, const char *from)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "cd %s && cp %s.pem cert.pem && cp %s.key key.pem", dir, from,
		 from);
	return system(cmd);
}

static void test_reload(unsigned int base)
{
	struct med_config cfg = { .mode = MED_MODE_USER };
	char dir[] = "/tmp/krtp-wo-XXXXXX", crt[300], key[300], cmd[400];
	char out[4096], ans[4096], v[256], fp1[128], fp2[128];
	FILE *f;

	if (!mkdtemp(dir) || mkcert(dir, "one", fp1, sizeof(fp1)) ||
	    mkcert(dir, "two", fp2, sizeof(fp2)) || use_cert(dir, "one")) {
		CHECK(0);
		return;
	}
	snprintf(crt, sizeof(crt), "%s/cert.pem", dir);
	snprintf(key, sizeof(key), "%s/key.pem", dir);
	cfg.relay4.ss_family = AF_INET;
	inet_pton(AF_INET, "127.0.0.1", &((struct sockaddr_in *)&cfg.relay4)->sin_addr);
	cfg.port_min = (uint16_t)base;
	cfg.port_max = (uint16_t)(base + 31);
	cfg.dtls_certificate = crt;
	cfg.dtls_private_key = key;
	CHECK(MED_Init(&cfg) == MED_MODE_USER);

	CHECK_EQ(offer("wr-1", offer_phone, true, out, sizeof(out)), 0);
	CHECK_STR(line_val(out, "a=fingerprint:sha-256 ", v, sizeof(v)), fp1);
	/* the browser has that offer when the certificate changes */
	CHECK_EQ(use_cert(dir, "two"), 0);
	CHECK_EQ(MED_DtlsReload(), 0);
	CHECK_EQ(answer("wr-1", answer_aiortc, ans, sizeof(ans)), 0);
	CHECK_EQ(offer("wr-1", offer_phone, false, out, sizeof(out)), 0);
	CHECK_STR(line_val(out, "a=fingerprint:sha-256 ", v, sizeof(v)), fp1);
	/* a call set up after the reload shows the new one */
	CHECK_EQ(offer("wr-2", offer_phone, true, out, sizeof(out)), 0);
	CHECK_STR(line_val(out, "a=fingerprint:sha-256 ", v, sizeof(v)), fp2);
	/* the old certificate goes with its last call */
	MED_Delete("wr-1");

	/* a file that is no certificate: refused, the one in use stays */
	f = fopen(crt, "w");
	if (f) {
		fputs("not a certificate\n", f);
		fclose(f);
	}
	CHECK_EQ(MED_DtlsReload(), -EINVAL);
	CHECK_EQ(offer("wr-3", offer_phone, true, out, sizeof(out)), 0);
	CHECK_STR(line_val(out, "a=fingerprint:sha-256 ", v, sizeof(v)), fp2);
	MED_Delete("wr-2");
	MED_Delete("wr-3");
	MED_Fini();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK_EQ(system(cmd), 0);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	srand((unsigned int)(time(NULL) ^ getpid()));
	/* first: MED_Init loads dtls_certificate only if no certificate was made before */
	test_reload(20000 + (unsigned int)(rand() % 400) * 100);
	test_offer(20000 + (unsigned int)(rand() % 400) * 100 + 32);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
