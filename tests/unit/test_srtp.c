// SPDX-License-Identifier: GPL-2.0
/*
 * SDES-SRTP in krtpd: the a=crypto attribute (daemon/sdp_crypto.c), the
 * offers and answers of srtp = bridge and require (daemon/media/sdes.c),
 * and the userspace relay's transform (daemon/media/srtp.c), end to end
 * over loopback:
 *
 *   alice (SRTP, libsrtp here)  <->  relay pa | krtpd | pb  <->  bob (plain RTP)
 *
 * alice encrypts with the key of her offer and decrypts with the key of
 * krtpd's answer; bob sends and receives plain RTP; every payload is
 * compared byte for byte, and forged packets are dropped and counted (and
 * lock the flow on nobody).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <srtp2/srtp.h>
#include <sys/socket.h>

#include "media.h"
#include "sdp.h"
#include "sdp_crypto.h"
#include "sip/msg.h"
#include "sip/srtp_policy.h"

#include "check.h"
#include "lophone.h"

static unsigned int base_port;

/* RFC 4568 section 8.1's example line, and a second key */
#define KEY1	"WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVzcyAoc2VuZGVyKS"
#define KEY_A	"d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj"	/* 30 bytes */
#define KEY_B	"PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR"	/* 30 bytes */

static int parse_line(const char *line, struct sdp_crypto *c, const char **why)
{
	size_t n = strlen(line);
	char *copy = malloc(n ? n : 1);		/* exactly sized: ASan sees overreads */
	int err;

	memcpy(copy, line, n);
	err = sdp_crypto_parse(copy, n, c, why);
	free(copy);
	return err;
}

static void test_parse(void)
{
	static const struct {
		const char *line;
		int err;
		enum sdp_srtp_suite suite;
		uint64_t lifetime;
	} cases[] = {
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:" KEY_A, 0, SDP_SRTP_AES_CM_128_HMAC_SHA1_80, 0 },
		{ "2 AES_CM_128_HMAC_SHA1_32 inline:" KEY_A "|2^31", 0,
		  SDP_SRTP_AES_CM_128_HMAC_SHA1_32, 1ULL << 31 },
		{ "3 AES_CM_128_HMAC_SHA1_80 inline:" KEY_A "|1048576 WSH=64", 0,
		  SDP_SRTP_AES_CM_128_HMAC_SHA1_80, 1048576 },
		/* RFC 7714: 28 bytes, with and without padding */
		{ "4 AEAD_AES_128_GCM inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJQ==", 0,
		  SDP_SRTP_AEAD_AES_128_GCM, 0 },
		{ "4 AEAD_AES_128_GCM inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJQ", 0,
		  SDP_SRTP_AEAD_AES_128_GCM, 0 },
		/* handled elsewhere but not by krtpd: refused, 488 when nothing else is offered */
		{ "1 AES_256_CM_HMAC_SHA1_80 inline:" KEY1, -EOPNOTSUPP, 0, 0 },
		{ "1 F8_128_HMAC_SHA1_80 inline:" KEY_A, -EOPNOTSUPP, 0, 0 },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:" KEY_A "|2^20|1:4", -EOPNOTSUPP, 0, 0 },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:" KEY_A "|1:4", -EOPNOTSUPP, 0, 0 },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:" KEY_A ";inline:" KEY_B, -EOPNOTSUPP, 0, 0 },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:" KEY_A " UNENCRYPTED_SRTP", -EOPNOTSUPP, 0, 0 },
		{ "1 AES_CM_128_HMAC_SHA1_80 uri:http://example.com/key", -EOPNOTSUPP, 0, 0 },
		/* malformed */
		{ "", -EINVAL, 0, 0 },
		{ "x AES_CM_128_HMAC_SHA1_80 inline:" KEY_A, -EINVAL, 0, 0 },
		{ "1234567890 AES_CM_128_HMAC_SHA1_80 inline:" KEY_A, -EINVAL, 0, 0 },
		{ "1 AES_CM_128_HMAC_SHA1_80", -EINVAL, 0, 0 },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:" KEY1, -EINVAL, 0, 0 },	/* 40 bytes */
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:d0Rm*mcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj",
		  -EINVAL, 0, 0 },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:" KEY_A "|2^x", -EINVAL, 0, 0 },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:" KEY_A "|2^64", -EINVAL, 0, 0 },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:" KEY_A "|1:0", -EINVAL, 0, 0 },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:" KEY_A "|", -EINVAL, 0, 0 },
	};
	struct sdp_crypto c;
	const char *why;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int err = parse_line(cases[i].line, &c, &why);

		if (err != cases[i].err)
			printf("case %zu \"%s\": %d\n", i, cases[i].line, err);
		CHECK_EQ(err, cases[i].err);
		if (err || cases[i].err)
			continue;
		CHECK_EQ(c.suite, cases[i].suite);
		CHECK_EQ(c.key_len, sdp_srtp_key_len(cases[i].suite));
		CHECK_EQ(c.lifetime, cases[i].lifetime);
	}
	CHECK(!parse_line("7 AES_CM_128_HMAC_SHA1_80 inline:" KEY_A, &c, &why));
	CHECK_EQ(c.tag, 7);
	CHECK_EQ(c.key[0], 'w');	/* "d0Rm" is "wDf" */
}

/* a fresh key, formatted and read back, is the same key; the line is RFC 4568's */
static void test_format(void)
{
	for (int s = SDP_SRTP_AES_CM_128_HMAC_SHA1_80; s <= SDP_SRTP_AEAD_AES_128_GCM; s++) {
		struct sdp_crypto c = { .tag = 3, .suite = s }, back, other = { .suite = s };
		char line[SDP_CRYPTO_LINE_MAX], want[64];
		const char *why;

		CHECK(!sdp_crypto_new_key(&c));
		CHECK(!sdp_crypto_new_key(&other));
		CHECK(memcmp(c.key, other.key, c.key_len));	/* getrandom, not a constant */
		CHECK(!sdp_crypto_format(&c, line, sizeof(line)));
		snprintf(want, sizeof(want), "a=crypto:3 %s inline:", sdp_srtp_suite_name(s));
		CHECK(!strncmp(line, want, strlen(want)));
		CHECK_EQ(strlen(line), strlen(want) + 40);
		CHECK(!parse_line(line + 9, &back, &why));
		CHECK_EQ(back.suite, s);
		CHECK(!memcmp(back.key, c.key, c.key_len));
		CHECK_EQ(sdp_crypto_format(&c, line, 40), -EMSGSIZE);
	}
}

/* ---- a call over loopback ---- */

/* one datagram within 1 s, or -1 */
static int recv_one(int fd, unsigned char *b, size_t sz)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (poll(&pfd, 1, 1000) <= 0)
		return -1;
	return (int)recv(fd, b, sz, MSG_DONTWAIT);
}

/* nothing more arrives within 300 ms */
static bool quiet(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, 300) == 0;
}

/* an RTP packet: PCMU, seq, SSRC, 160 bytes of payload derived from seq */
static size_t mk_rtp(unsigned char *b, uint16_t seq, uint32_t ssrc)
{
	memset(b, 0, 12);
	b[0] = 0x80;
	b[2] = (unsigned char)(seq >> 8);
	b[3] = (unsigned char)seq;
	b[7] = (unsigned char)seq;
	b[8] = (unsigned char)(ssrc >> 24);
	b[11] = (unsigned char)ssrc;
	for (int i = 0; i < 160; i++)
		b[12 + i] = (unsigned char)(seq * 7 + i);
	return 172;
}

static srtp_t session(const char *b64, bool outbound)
{
	struct sdp_crypto c;
	srtp_policy_t pol;
	const char *why;
	char line[96];
	srtp_t s = NULL;

	snprintf(line, sizeof(line), "1 AES_CM_128_HMAC_SHA1_80 inline:%s", b64);
	if (parse_line(line, &c, &why))
		return NULL;
	memset(&pol, 0, sizeof(pol));
	srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtp);
	srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtcp);
	pol.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
	pol.key = c.key;
	pol.window_size = 128;
	if (srtp_create(&s, &pol) != srtp_err_status_ok)
		return NULL;
	return s;
}

static const char *offer_fmt =
	"v=0\r\n"
	"o=%s 1 %d IN IP4 127.0.0.1\r\n"
	"s=-\r\n"
	"c=IN IP4 127.0.0.1\r\n"
	"t=0 0\r\n"
	"m=audio %u %s 0\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"%s";

static size_t mk_sdp(char *buf, size_t sz, const char *user, int ver, uint16_t port,
		     const char *proto, const char *crypto)
{
	return (size_t)snprintf(buf, sz, offer_fmt, user, ver, port, proto, crypto);
}

/* the port of the (only) m= line, and krtpd's key from its a=crypto line */
static uint16_t shown(const char *out, size_t len, char *key_b64, const char *want_proto)
{
	char proto[16] = "";
	unsigned int port = 0;
	const char *m = strstr(out, "m=audio "), *k = strstr(out, "inline:");

	if (!m || sscanf(m, "m=audio %u %15s", &port, proto) != 2 || strcmp(proto, want_proto)) {
		printf("shown m= line: %.*s\n", (int)len, out);
		return 0;
	}
	if (key_b64) {
		key_b64[0] = '\0';
		if (k)
			sscanf(k, "inline:%40[A-Za-z0-9+/=]", key_b64);
	}
	return (uint16_t)port;
}

static int init(void)
{
	struct med_config cfg = { .mode = MED_MODE_USER };
	struct sockaddr_in *sin = (struct sockaddr_in *)&cfg.relay4;

	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cfg.port_min = (uint16_t)base_port;
	cfg.port_max = (uint16_t)(base_port + 63);
	return MED_Init(&cfg);
}

/* alice's SRTP reaches bob as plain RTP, bob's plain RTP reaches alice as SRTP */
static int media_both_ways(int a[2], int b[2], uint16_t pa, uint16_t pb, const char *alice_key,
			   const char *krtpd_key, uint16_t seq)
{
	srtp_t enc = session(alice_key, true), dec = session(krtpd_key, false);
	unsigned char pkt[256 + SRTP_MAX_TRAILER_LEN], want[256], got[512];
	int ok = 0, len, n;

	if (!enc || !dec)
		return -1;
	for (int i = 0; i < 5; i++) {
		len = (int)mk_rtp(pkt, (uint16_t)(seq + i), 0xa11ce);
		memcpy(want, pkt, (size_t)len);
		if (srtp_protect(enc, pkt, &len) != srtp_err_status_ok)
			break;
		send_to(a[0], AF_INET, pa, pkt, (size_t)len);
		n = recv_one(b[0], got, sizeof(got));
		ok += n == 172 && !memcmp(got, want, 172);

		len = (int)mk_rtp(pkt, (uint16_t)(seq + 100 + i), 0xb0b);
		memcpy(want, pkt, (size_t)len);
		send_to(b[0], AF_INET, pb, pkt, (size_t)len);
		n = recv_one(a[0], got, sizeof(got));
		ok += n == 172 + 10 && memcmp(got + 12, want + 12, 160) &&
		      srtp_unprotect(dec, got, &n) == srtp_err_status_ok && n == 172 &&
		      !memcmp(got, want, 172);
	}
	srtp_dealloc(enc);
	srtp_dealloc(dec);
	return ok;
}

static void test_bridge(void)
{
	struct sockaddr_storage sa = { 0 };
	char in[1024], out[2048], kkey[48] = "", kkey2[48] = "";
	const char *crypto_a = "a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:" KEY1 "\r\n"
			       "a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:" KEY_A "\r\n";
	unsigned char pkt[512];
	struct med_call_stats st;
	uint16_t ap, bp, pa, pb;
	int a[2], b[2], len;
	size_t n, olen = 0;

	((struct sockaddr_in *)&sa)->sin_family = AF_INET;
	((struct sockaddr_in *)&sa)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	udp_pair(AF_INET, a, &ap);
	udp_pair(AF_INET, b, &bp);
	CHECK_EQ(init(), MED_MODE_USER);

	/* alice offers SRTP, her first line unsupported: bob sees plain RTP/AVP */
	n = mk_sdp(in, sizeof(in), "alice", 1, ap, "RTP/SAVP", crypto_a);
	CHECK_EQ(MED_OfferSrtp("c1", MED_LEG_A, MED_SRTP_BRIDGE, (struct sockaddr *)&sa, in, n,
			       out, sizeof(out), &olen), 0);
	out[olen] = '\0';
	pb = shown(out, olen, NULL, "RTP/AVP");
	CHECK(pb >= base_port);
	CHECK(!strstr(out, "a=crypto"));
	CHECK(!strstr(out, KEY_A));

	/* bob answers plain: alice gets RTP/SAVP, tag 2, krtpd's own key */
	n = mk_sdp(in, sizeof(in), "bob", 1, bp, "RTP/AVP", "");
	CHECK_EQ(MED_Answer("c1", MED_LEG_B, (struct sockaddr *)&sa, in, n, out, sizeof(out), &olen),
		 0);
	out[olen] = '\0';
	pa = shown(out, olen, kkey, "RTP/SAVP");
	CHECK(pa >= base_port && pa != pb);
	CHECK(strstr(out, "\r\na=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:") != NULL);
	CHECK_EQ(strlen(kkey), 40);
	CHECK(strcmp(kkey, KEY_A));
	/* a stranger's forged packet first: dropped, and it does not lock the flow on it */
	{
		uint16_t xp;
		int x = udp_sock(AF_INET, &xp);

		len = (int)mk_rtp(pkt, 999, 0xbad);
		memset(pkt + len, 0x5a, 10);
		send_to(x, AF_INET, pa, pkt, (size_t)len + 10);
		CHECK(quiet(b[0]));
		close(x);
	}
	CHECK_EQ(media_both_ways(a, b, pa, pb, KEY_A, kkey, 1000), 10);

	/* a forged packet from alice's address: dropped, counted, bob sees nothing */
	len = (int)mk_rtp(pkt, 2000, 0xa11ce);
	memset(pkt + len, 0x5a, 10);
	send_to(a[0], AF_INET, pa, pkt, (size_t)len + 10);
	CHECK(quiet(b[0]));
	CHECK(!MED_Stats("c1", &st));
	CHECK_EQ(st.packets_a_to_b, 5);
	CHECK_EQ(st.packets_b_to_a, 5);
	CHECK_EQ(st.dropped, 2);
	CHECK_EQ(st.kernel, 0);

	/* SRTCP from alice's RTCP port: plain RTCP at bob's */
	{
		srtp_t enc = session(KEY_A, true);
		unsigned char sr[64] = { 0x80, 200, 0, 6, 0, 0x0a, 0x11, 0xce };
		int rl = 28;

		CHECK(enc && srtp_protect_rtcp(enc, sr, &rl) == srtp_err_status_ok);
		send_to(a[1], AF_INET, (uint16_t)(pa + 1), sr, (size_t)rl);
		CHECK_EQ(recv_one(b[1], pkt, sizeof(pkt)), 28);
		CHECK_EQ(pkt[1], 200);
		if (enc)
			srtp_dealloc(enc);
	}

	/* re-INVITE from alice, same key (a hold, say): krtpd keeps its key */
	n = mk_sdp(in, sizeof(in), "alice", 2, ap, "RTP/SAVP", crypto_a);
	CHECK_EQ(MED_OfferSrtp("c1", MED_LEG_A, MED_SRTP_PASSTHROUGH, (struct sockaddr *)&sa, in,
			       n, out, sizeof(out), &olen), 0);
	n = mk_sdp(in, sizeof(in), "bob", 2, bp, "RTP/AVP", "");
	CHECK_EQ(MED_Answer("c1", MED_LEG_B, (struct sockaddr *)&sa, in, n, out, sizeof(out), &olen),
		 0);
	out[olen] = '\0';
	shown(out, olen, kkey2, "RTP/SAVP");
	CHECK_STR(kkey2, kkey);
	CHECK_EQ(media_both_ways(a, b, pa, pb, KEY_A, kkey, 1005), 10);

	/* re-INVITE from alice with a new key: re-keyed both ways */
	n = mk_sdp(in, sizeof(in), "alice", 3, ap, "RTP/SAVP",
		   "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY_B "\r\n");
	CHECK_EQ(MED_OfferSrtp("c1", MED_LEG_A, MED_SRTP_BRIDGE, (struct sockaddr *)&sa, in, n,
			       out, sizeof(out), &olen), 0);
	n = mk_sdp(in, sizeof(in), "bob", 3, bp, "RTP/AVP", "");
	CHECK_EQ(MED_Answer("c1", MED_LEG_B, (struct sockaddr *)&sa, in, n, out, sizeof(out), &olen),
		 0);
	out[olen] = '\0';
	shown(out, olen, kkey2, "RTP/SAVP");
	CHECK(strstr(out, "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:") != NULL);
	CHECK(strcmp(kkey2, kkey));
	/* the old key no longer passes */
	CHECK_EQ(media_both_ways(a, b, pa, pb, KEY_A, kkey2, 1010), 5);
	CHECK_EQ(media_both_ways(a, b, pa, pb, KEY_B, kkey2, 1020), 10);

	/* re-INVITE from bob (plain): alice is offered RTP/SAVP with krtpd's current key */
	n = mk_sdp(in, sizeof(in), "bob", 4, bp, "RTP/AVP", "");
	CHECK_EQ(MED_OfferSrtp("c1", MED_LEG_B, MED_SRTP_BRIDGE, (struct sockaddr *)&sa, in, n, out,
			       sizeof(out), &olen), 0);
	out[olen] = '\0';
	CHECK_EQ(shown(out, olen, kkey, "RTP/SAVP"), pa);
	CHECK_STR(kkey, kkey2);
	n = mk_sdp(in, sizeof(in), "alice", 4, ap, "RTP/SAVP",
		   "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY_A "\r\n");
	CHECK_EQ(MED_Answer("c1", MED_LEG_A, (struct sockaddr *)&sa, in, n, out, sizeof(out), &olen),
		 0);
	out[olen] = '\0';
	CHECK_EQ(shown(out, olen, NULL, "RTP/AVP"), pb);
	CHECK(!strstr(out, "a=crypto"));
	CHECK_EQ(media_both_ways(a, b, pa, pb, KEY_A, kkey2, 1030), 10);

	MED_Delete("c1");
	MED_Fini();
	for (int i = 0; i < 2; i++) {
		close(a[i]);
		close(b[i]);
	}
}

/* what is refused, and what passthrough and require leave alone */
static void test_refused(void)
{
	struct sockaddr_storage sa = { 0 };
	char in[1024], out[2048];
	size_t n, olen = 0;

	((struct sockaddr_in *)&sa)->sin_family = AF_INET;
	((struct sockaddr_in *)&sa)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK_EQ(init(), MED_MODE_USER);

	/* require: a plain offer is refused (the proxy answers 488) */
	n = mk_sdp(in, sizeof(in), "alice", 1, 40000, "RTP/AVP", "");
	CHECK_EQ(MED_OfferSrtp("r1", MED_LEG_A, MED_SRTP_REQUIRE, (struct sockaddr *)&sa, in, n,
			       out, sizeof(out), &olen), -EPROTONOSUPPORT);
	CHECK(!MED_Has("r1"));
	/* ... and so is RTP/SAVP without a key */
	n = mk_sdp(in, sizeof(in), "alice", 1, 40000, "RTP/SAVP", "");
	CHECK_EQ(MED_OfferSrtp("r1", MED_LEG_A, MED_SRTP_REQUIRE, (struct sockaddr *)&sa, in, n,
			       out, sizeof(out), &olen), -EPROTONOSUPPORT);
	/* require with SRTP: relayed end to end, a=crypto untouched */
	n = mk_sdp(in, sizeof(in), "alice", 1, 40000, "RTP/SAVP",
		   "a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:" KEY1 "\r\n");
	CHECK_EQ(MED_OfferSrtp("r1", MED_LEG_A, MED_SRTP_REQUIRE, (struct sockaddr *)&sa, in, n,
			       out, sizeof(out), &olen), 0);
	out[olen] = '\0';
	CHECK(shown(out, olen, NULL, "RTP/SAVP") >= base_port);
	CHECK(strstr(out, "a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:" KEY1 "\r\n") != NULL);
	MED_Delete("r1");

	/* bridge: SRTP with only suites krtpd cannot terminate */
	n = mk_sdp(in, sizeof(in), "alice", 1, 40000, "RTP/SAVP",
		   "a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:" KEY1 "\r\n"
		   "a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:" KEY_A "|2^31|1:4\r\n");
	CHECK_EQ(MED_OfferSrtp("b1", MED_LEG_A, MED_SRTP_BRIDGE, (struct sockaddr *)&sa, in, n,
			       out, sizeof(out), &olen), -EOPNOTSUPP);
	CHECK(!MED_Has("b1"));
	/* bridge: a plain offer stays plain */
	n = mk_sdp(in, sizeof(in), "alice", 1, 40000, "RTP/AVP", "");
	CHECK_EQ(MED_OfferSrtp("b2", MED_LEG_A, MED_SRTP_BRIDGE, (struct sockaddr *)&sa, in, n,
			       out, sizeof(out), &olen), 0);
	out[olen] = '\0';
	CHECK(shown(out, olen, NULL, "RTP/AVP") >= base_port);
	CHECK(!strstr(out, "a=crypto"));
	MED_Delete("b2");

	/* passthrough: SRTP relayed opaque, whatever the suite */
	n = mk_sdp(in, sizeof(in), "alice", 1, 40000, "RTP/SAVPF",
		   "a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:" KEY1 "\r\n");
	CHECK_EQ(MED_Offer("p1", MED_LEG_A, (struct sockaddr *)&sa, in, n, out, sizeof(out), &olen),
		 0);
	out[olen] = '\0';
	CHECK(shown(out, olen, NULL, "RTP/SAVPF") >= base_port);
	CHECK(strstr(out, KEY1) != NULL);
	MED_Delete("p1");
	MED_Fini();
}

/* srtp, srtp_domain, srtp_trunk: which policy a new call's INVITE gets */
static enum med_srtp policy_of(const char *ruri, const char *from, int to_trunk)
{
	static char buf[1024];
	struct sip_msg m;
	int n;

	n = snprintf(buf, sizeof(buf),
		     "INVITE %s SIP/2.0\r\n"
		     "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1\r\n"
		     "From: <%s>;tag=1\r\n"
		     "To: <%s>\r\n"
		     "Call-ID: p1\r\n"
		     "CSeq: 1 INVITE\r\n"
		     "Max-Forwards: 70\r\n"
		     "Content-Length: 0\r\n\r\n", ruri, from, ruri);
	if (MSG_Parse(&m, buf, (size_t)n))
		return 0;
	return SRP_Policy(&m, to_trunk);
}

static void test_policy(void)
{
	CHECK_EQ(policy_of("sip:bob@a.test", "sip:alice@b.test", 0), MED_SRTP_PASSTHROUGH);
	CHECK_EQ(SRP_Set("srtp", "bridge"), 0);
	CHECK_EQ(SRP_Set("srtp", "sometimes"), -1);
	CHECK_EQ(SRP_Set("srtp_domain", "secure.test require"), 0);
	CHECK_EQ(SRP_Set("srtp_domain", "open.test passthrough"), 0);
	CHECK_EQ(SRP_Set("srtp_domain", "x.test"), -1);
	CHECK_EQ(SRP_Set("srtp_domain", "x.test bridge extra"), -1);
	CHECK_EQ(SRP_Set("srtp_trunk", "passthrough"), 0);
	CHECK_EQ(SRP_Set("srtp_other", "bridge"), 1);
	/* the default, the callee's domain, else the caller's, the trunk first */
	CHECK_EQ(policy_of("sip:bob@a.test", "sip:alice@b.test", 0), MED_SRTP_BRIDGE);
	CHECK_EQ(policy_of("sip:bob@SECURE.test", "sip:alice@open.test", 0), MED_SRTP_REQUIRE);
	CHECK_EQ(policy_of("sip:bob@a.test", "sip:alice@secure.test", 0), MED_SRTP_REQUIRE);
	CHECK_EQ(policy_of("sip:bob@open.test", "sip:alice@secure.test", 0),
		 MED_SRTP_PASSTHROUGH);
	CHECK_EQ(policy_of("sip:123@a.test", "sip:alice@secure.test", 1), MED_SRTP_PASSTHROUGH);
}

/* a GCM line first: taken when libsrtp2 can do GCM, else the next line */
static void test_gcm_fallback(void)
{
	struct sockaddr_storage sa = { 0 };
	char in[1024], out[2048];
	size_t n, olen = 0;
	const char *tag;

	((struct sockaddr_in *)&sa)->sin_family = AF_INET;
	((struct sockaddr_in *)&sa)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK_EQ(init(), MED_MODE_USER);
	n = mk_sdp(in, sizeof(in), "alice", 1, 40000, "RTP/SAVP",
		   "a=crypto:1 AEAD_AES_128_GCM inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJQ==\r\n"
		   "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:" KEY_A "\r\n");
	CHECK_EQ(MED_OfferSrtp("g1", MED_LEG_A, MED_SRTP_BRIDGE, (struct sockaddr *)&sa, in, n,
			       out, sizeof(out), &olen), 0);
	n = mk_sdp(in, sizeof(in), "bob", 1, 40002, "RTP/AVP", "");
	CHECK_EQ(MED_Answer("g1", MED_LEG_B, (struct sockaddr *)&sa, in, n, out, sizeof(out), &olen),
		 0);
	out[olen] = '\0';
	tag = strstr(out, "a=crypto:");
	CHECK(tag != NULL);
	if (tag)
		printf("# libsrtp2 %s AES-GCM: krtpd answered %.40s\n",
		       strncmp(tag, "a=crypto:1 AEAD_AES_128_GCM ", 28) ? "without" : "with", tag);
	CHECK(tag && (!strncmp(tag, "a=crypto:1 AEAD_AES_128_GCM inline:", 35) ||
		      !strncmp(tag, "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:", 42)));
	MED_Delete("g1");
	MED_Fini();
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	srand((unsigned int)(time(NULL) ^ getpid()));
	/* below krtpd's default range and the ephemeral ports: others run on this host */
	base_port = 20000 + (unsigned int)(rand() % 100) * 100;
	/* krtpd initialises libsrtp (once per process) before the test's sessions */
	test_parse();
	test_format();
	test_bridge();
	test_refused();
	test_gcm_fallback();
	test_policy();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
