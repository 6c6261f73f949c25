// SPDX-License-Identifier: GPL-2.0
/*
 * SDP parser and rewriter (daemon/sdp.c): exact output for the cases media
 * anchoring meets (RFC 8866 examples, RFC 3605 a=rtcp, RFC 5761 rtcp-mux,
 * hold, IPv6, ICE, rejected and TCP streams), and hostile input: every
 * prefix of a valid body, parsed from a buffer of exactly that size so
 * ASan catches any read past it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "sdp.h"

#include "check.h"

/* parse from an exactly-sized heap copy, so ASan sees any overread */
static int parse(const char *text, size_t len, struct sdp *s)
{
	char *copy = malloc(len ? len : 1);
	int err;

	memcpy(copy, text, len);
	err = sdp_parse(copy, len, s);
	free(copy);
	return err;
}

static const struct sdp_relay relay4 = { .family = AF_INET, .addr = "203.0.113.7" };
static const struct sdp_relay relay6 = { .family = AF_INET6, .addr = "2001:db8::7" };

/* rewrite text with anchors; compare with want (NULL: expect err) */
static void rewrite_case(const char *name, const char *text, const struct sdp_relay *relay,
			 const struct sdp_anchor *an, const char *want)
{
	char out[4096];
	struct sdp s;
	size_t len = 0;
	int err;

	err = sdp_parse(text, strlen(text), &s);
	CHECK(err == 0);
	if (err)
		return;
	err = sdp_rewrite(text, strlen(text), &s, relay, an, out, sizeof(out), &len);
	CHECK(err == 0);
	if (err)
		return;
	if (len != strlen(want) || memcmp(out, want, len)) {
		failed++;
		printf("FAIL %s: got\n%.*s\n--- want\n%s\n", name, (int)len, out, want);
	} else {
		passed++;
	}
}

static void test_basic_offer(void)
{
	const char *in =
		"v=0\r\n"
		"o=alice 2890844526 2890844526 IN IP4 192.0.2.10\r\n"
		"s=-\r\n"
		"c=IN IP4 192.0.2.10\r\n"
		"t=0 0\r\n"
		"m=audio 49170 RTP/AVP 0 8 101\r\n"
		"a=rtpmap:0 PCMU/8000\r\n"
		"a=rtpmap:101 telephone-event/8000\r\n"
		"a=fmtp:101 0-15\r\n"
		"a=rtcp:49171\r\n"
		"a=ptime:20\r\n";
	const char *want =
		"v=0\r\n"
		"o=alice 2890844526 2890844527 IN IP4 192.0.2.10\r\n"
		"s=-\r\n"
		"c=IN IP4 203.0.113.7\r\n"
		"t=0 0\r\n"
		"m=audio 30000 RTP/AVP 0 8 101\r\n"
		"a=rtpmap:0 PCMU/8000\r\n"
		"a=rtpmap:101 telephone-event/8000\r\n"
		"a=fmtp:101 0-15\r\n"
		"a=rtcp:30001\r\n"
		"a=ptime:20\r\n";
	struct sdp_anchor an[1] = { { .anchored = true, .rtp_port = 30000, .rtcp_port = 30001 } };
	struct sdp s;

	CHECK(parse(in, strlen(in), &s) == 0);
	CHECK(s.nmedia == 1);
	CHECK(s.media[0].port == 49170);
	CHECK(s.media[0].rtp && s.media[0].udp);
	CHECK(s.media[0].rtcp_port == 49171);
	CHECK(!s.media[0].rtcp_mux);
	CHECK(s.media[0].clock_rate == 8000);
	CHECK(sdp_media_dir(&s, 0) == SDP_DIR_SENDRECV);
	CHECK(sdp_media_addr(&s, 0)->family == AF_INET);
	CHECK(sdp_media_addr(&s, 0)->v4.s_addr == inet_addr("192.0.2.10"));
	CHECK(sdp_media_rtcp_port(&s, 0) == 49171);
	rewrite_case("basic", in, &relay4, an, want);
}

static void test_two_streams_one_rejected(void)
{
	/* LF line ends, no final newline, media-level c=, video rejected (port 0) */
	const char *in =
		"v=0\n"
		"o=- 99 99 IN IP4 198.51.100.1\n"
		"s=call\n"
		"t=0 0\n"
		"m=audio 4000 RTP/AVP 96\n"
		"c=IN IP4 198.51.100.1\n"
		"a=rtpmap:96 opus/48000/2\n"
		"a=rtcp-mux\n"
		"m=video 0 RTP/AVP 31\n"
		"c=IN IP4 198.51.100.1\n"
		"a=sendonly";
	const char *want =
		"v=0\n"
		"o=- 99 100 IN IP4 198.51.100.1\n"
		"s=call\n"
		"t=0 0\n"
		"m=audio 30010 RTP/AVP 96\n"
		"c=IN IP4 203.0.113.7\n"
		"a=rtpmap:96 opus/48000/2\n"
		"a=rtcp-mux\n"
		"m=video 0 RTP/AVP 31\n"
		"c=IN IP4 198.51.100.1\n"
		"a=sendonly";
	struct sdp_anchor an[2] = { { .anchored = true, .rtp_port = 30010, .rtcp_port = 30011 }, { .anchored = false, .rtp_port = 0, .rtcp_port = 0 } };
	struct sdp s;

	CHECK(parse(in, strlen(in), &s) == 0);
	CHECK(s.nmedia == 2);
	CHECK(s.media[0].rtcp_mux);
	CHECK(s.media[0].clock_rate == 48000);
	CHECK(s.media[1].port == 0);
	CHECK(s.media[1].clock_rate == 90000);
	CHECK(sdp_media_dir(&s, 1) == SDP_DIR_SENDONLY);
	CHECK(sdp_media_rtcp_port(&s, 0) == 4001);
	rewrite_case("two streams", in, &relay4, an, want);
}

static void test_ipv6_rtcp_addr_ice(void)
{
	const char *in =
		"v=0\r\n"
		"o=bob 1 9999 IN IP6 2001:db8::2\r\n"
		"s=-\r\n"
		"c=IN IP6 2001:db8::2\r\n"
		"t=0 0\r\n"
		"a=ice-ufrag:F7gI\r\n"
		"a=ice-pwd:x9cml/YzichV2+XlhiMu8g\r\n"
		"m=audio 5004 RTP/AVP 0\r\n"
		"a=rtcp:5005 IN IP6 2001:db8::3\r\n"
		"a=candidate:1 1 UDP 2130706431 2001:db8::2 5004 typ host\r\n"
		"a=candidate:1 2 UDP 2130706430 2001:db8::2 5005 typ host\r\n"
		"a=end-of-candidates\r\n"
		"a=recvonly\r\n";
	const char *want =
		"v=0\r\n"
		"o=bob 1 10000 IN IP6 2001:db8::2\r\n"
		"s=-\r\n"
		"c=IN IP6 2001:db8::7\r\n"
		"t=0 0\r\n"
		"m=audio 40000 RTP/AVP 0\r\n"
		"a=rtcp:40001 IN IP6 2001:db8::7\r\n"
		"a=recvonly\r\n";
	struct sdp_anchor an[1] = { { .anchored = true, .rtp_port = 40000, .rtcp_port = 40001 } };
	struct in6_addr a6;
	struct sdp s;

	CHECK(parse(in, strlen(in), &s) == 0);
	inet_pton(AF_INET6, "2001:db8::3", &a6);
	CHECK(s.media[0].has_rtcp_addr && s.media[0].rtcp_addr.family == AF_INET6);
	CHECK(!memcmp(&s.media[0].rtcp_addr.v6, &a6, 16));
	CHECK(sdp_media_addr(&s, 0)->family == AF_INET6);
	CHECK(sdp_media_dir(&s, 0) == SDP_DIR_RECVONLY);
	rewrite_case("ipv6 + ice", in, &relay6, an, want);
}

/*
 * A leg of the other family: the relay's IPv4 address in the c= lines, the
 * a=rtcp address and the origin, whose version still goes up; an origin
 * already of the relay's family keeps its address.
 */
static void test_cross_family(void)
{
	const char *in6 =
		"v=0\r\n"
		"o=alice 7 41 IN IP6 2001:db8::2\r\n"
		"s=-\r\n"
		"c=IN IP6 2001:db8::2\r\n"
		"t=0 0\r\n"
		"m=audio 5004 RTP/AVP 0\r\n"
		"a=rtcp:5005 IN IP6 2001:db8::2\r\n";
	const char *want4 =
		"v=0\r\n"
		"o=alice 7 42 IN IP4 203.0.113.7\r\n"
		"s=-\r\n"
		"c=IN IP4 203.0.113.7\r\n"
		"t=0 0\r\n"
		"m=audio 40000 RTP/AVP 0\r\n"
		"a=rtcp:40001 IN IP4 203.0.113.7\r\n";
	const char *in4 =
		"v=0\n"
		"o=- 3 3 IN IP4 192.0.2.9\n"
		"s=-\n"
		"t=0 0\n"
		"m=audio 6000 RTP/AVP 8\n"
		"c=IN IP4 192.0.2.9\n";
	const char *want6 =
		"v=0\n"
		"o=- 3 4 IN IP6 2001:db8::7\n"
		"s=-\n"
		"t=0 0\n"
		"m=audio 40002 RTP/AVP 8\n"
		"c=IN IP6 2001:db8::7\n";
	const char *want4same =
		"v=0\n"
		"o=- 3 4 IN IP4 192.0.2.9\n"
		"s=-\n"
		"t=0 0\n"
		"m=audio 40002 RTP/AVP 8\n"
		"c=IN IP4 203.0.113.7\n";
	struct sdp_anchor an[1] = { { .anchored = true, .rtp_port = 40000, .rtcp_port = 40001 } };
	struct sdp_anchor an2[1] = { { .anchored = true, .rtp_port = 40002, .rtcp_port = 40003 } };
	struct sdp_anchor none[1] = { { .anchored = false } };

	rewrite_case("ipv6 offer to an ipv4 leg", in6, &relay4, an, want4);
	rewrite_case("ipv4 offer to an ipv6 leg", in4, &relay6, an2, want6);
	rewrite_case("ipv4 offer to an ipv4 leg", in4, &relay4, an2, want4same);
	/* nothing anchored: the origin is the sender's own business */
	rewrite_case("nothing anchored", in4, &relay6, none,
		     "v=0\no=- 3 4 IN IP4 192.0.2.9\ns=-\nt=0 0\nm=audio 6000 RTP/AVP 8\n"
		     "c=IN IP4 192.0.2.9\n");
}

static void test_hold(void)
{
	/* RFC 2543 hold: c=0.0.0.0 stays, so the peer still knows it is on hold */
	const char *in =
		"v=0\r\n"
		"o=- 5 6 IN IP4 192.0.2.10\r\n"
		"s=-\r\n"
		"c=IN IP4 0.0.0.0\r\n"
		"t=0 0\r\n"
		"a=inactive\r\n"
		"m=audio 49170 RTP/AVP 0\r\n";
	const char *want =
		"v=0\r\n"
		"o=- 5 7 IN IP4 192.0.2.10\r\n"
		"s=-\r\n"
		"c=IN IP4 0.0.0.0\r\n"
		"t=0 0\r\n"
		"a=inactive\r\n"
		"m=audio 30000 RTP/AVP 0\r\n";
	struct sdp_anchor an[1] = { { .anchored = true, .rtp_port = 30000, .rtcp_port = 30001 } };
	struct sdp s;

	CHECK(parse(in, strlen(in), &s) == 0);
	CHECK(sdp_addr_is_any(sdp_media_addr(&s, 0)));
	CHECK(sdp_media_dir(&s, 0) == SDP_DIR_INACTIVE);
	rewrite_case("hold", in, &relay4, an, want);
}

/*
 * SRTP bridged by media: the profile swapped, the sender's a=crypto lines
 * dropped and krtpd's added last in the section (before the next m=, a
 * trailing blank line, or the end; a last line without "\r\n" is ended).
 */
static void test_crypto(void)
{
	const char *in =
		"v=0\r\n"
		"o=- 1 1 IN IP4 192.0.2.1\r\n"
		"s=-\r\n"
		"c=IN IP4 192.0.2.1\r\n"
		"t=0 0\r\n"
		"m=audio 4000 RTP/SAVPF 0\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj\r\n"
		"a=rtpmap:0 PCMU/8000\r\n"
		"a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj\r\n"
		"m=video 4002 RTP/SAVP 96\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj";
	struct sdp_anchor an[2] = {
		{ .anchored = true, .rtp_port = 30000, .rtcp_port = 30001, .proto = "RTP/AVPF",
		  .drop_crypto = true },
		{ .anchored = true, .rtp_port = 30002, .rtcp_port = 30003, .proto = "RTP/SAVP",
		  .drop_crypto = true, .crypto = "a=crypto:1 AEAD_AES_128_GCM inline:KEY" },
	};
	struct sdp s;

	CHECK(!parse(in, strlen(in), &s));
	CHECK_EQ(s.nmedia, 2);
	CHECK(s.media[0].savp && s.media[0].avpf && !s.media[0].dtls);
	CHECK_EQ(s.media[0].ncrypto, 2);
	CHECK_EQ(s.media[1].ncrypto, 1);
	CHECK(!memcmp(in + s.media[0].crypto[1].off, "2 AES_CM_128_HMAC_SHA1_32 ", 26));
	rewrite_case("crypto", in, &relay4, an,
		"v=0\r\n"
		"o=- 1 2 IN IP4 192.0.2.1\r\n"
		"s=-\r\n"
		"c=IN IP4 203.0.113.7\r\n"
		"t=0 0\r\n"
		"m=audio 30000 RTP/AVPF 0\r\n"
		"a=rtpmap:0 PCMU/8000\r\n"
		"m=video 30002 RTP/SAVP 96\r\n"
		"a=crypto:1 AEAD_AES_128_GCM inline:KEY\r\n");
	an[0].crypto = "a=crypto:7 X";
	an[1].crypto = NULL;
	an[1].proto = NULL;
	rewrite_case("crypto added before the next m=", in, &relay4, an,
		"v=0\r\n"
		"o=- 1 2 IN IP4 192.0.2.1\r\n"
		"s=-\r\n"
		"c=IN IP4 203.0.113.7\r\n"
		"t=0 0\r\n"
		"m=audio 30000 RTP/AVPF 0\r\n"
		"a=rtpmap:0 PCMU/8000\r\n"
		"a=crypto:7 X\r\n"
		"m=video 30002 RTP/SAVP 96\r\n");
	{
		const char *blank = "v=0\n"
			"o=- 1 1 IN IP4 192.0.2.1\n"
			"s=-\n"
			"c=IN IP4 192.0.2.1\n"
			"t=0 0\n"
			"m=audio 4000 RTP/AVP 0\n"
			"\n";
		struct sdp_anchor a1 = { .anchored = true, .rtp_port = 30000, .rtcp_port = 30001,
					 .proto = "RTP/SAVP", .crypto = "a=crypto:1 Y" };

		rewrite_case("crypto before a trailing blank line", blank, &relay4, &a1,
			"v=0\n"
			"o=- 1 2 IN IP4 192.0.2.1\n"
			"s=-\n"
			"c=IN IP4 203.0.113.7\n"
			"t=0 0\n"
			"m=audio 30000 RTP/SAVP 0\n"
			"a=crypto:1 Y\n"
			"\n");
	}
	{
		/* the last line ends in a lone CR (found by fuzz_sdp): one CRLF, not CR CR LF */
		const char *cr = "v=0\r\n"
			"o=- 1 1 IN IP4 192.0.2.1\r\n"
			"s=-\r\n"
			"c=IN IP4 192.0.2.1\r\n"
			"t=0 0\r\n"
			"m=audio 4000 RTP/AVP 0\r\n"
			"a=rtcp:4001\r";
		struct sdp_anchor a1 = { .anchored = true, .rtp_port = 30000, .rtcp_port = 30001,
					 .proto = "RTP/SAVP", .crypto = "a=crypto:1 Y" };

		rewrite_case("crypto after a last line ending in CR", cr, &relay4, &a1,
			"v=0\r\n"
			"o=- 1 2 IN IP4 192.0.2.1\r\n"
			"s=-\r\n"
			"c=IN IP4 203.0.113.7\r\n"
			"t=0 0\r\n"
			"m=audio 30000 RTP/SAVP 0\r\n"
			"a=rtcp:30001\r\n"
			"a=crypto:1 Y\r\n");
	}
}

static void test_tcp_passthrough_and_rtcp_on_rtp_port(void)
{
	/* a TCP stream inherits nothing from anchoring; "a=rtcp:<rtp port>" keeps its meaning */
	const char *in =
		"v=0\r\n"
		"o=- 1 1 IN IP4 192.0.2.1\r\n"
		"s=-\r\n"
		"t=0 0\r\n"
		"m=audio 6000 RTP/SAVP 0\r\n"
		"c=IN IP4 192.0.2.1\r\n"
		"a=rtcp:6000\r\n"
		"a=rtcp-mux\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR\r\n"
		"m=message 7394 TCP/MSRP *\r\n"
		"c=IN IP4 192.0.2.1\r\n"
		"a=path:msrp://192.0.2.1:7394/s111271;tcp\r\n";
	const char *want =
		"v=0\r\n"
		"o=- 1 2 IN IP4 192.0.2.1\r\n"
		"s=-\r\n"
		"t=0 0\r\n"
		"m=audio 30002 RTP/SAVP 0\r\n"
		"c=IN IP4 203.0.113.7\r\n"
		"a=rtcp:30002\r\n"
		"a=rtcp-mux\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR\r\n"
		"m=message 7394 TCP/MSRP *\r\n"
		"c=IN IP4 192.0.2.1\r\n"
		"a=path:msrp://192.0.2.1:7394/s111271;tcp\r\n";
	struct sdp_anchor an[2] = { { .anchored = true, .rtp_port = 30002, .rtcp_port = 30003 }, { .anchored = false, .rtp_port = 0, .rtcp_port = 0 } };
	struct sdp s;

	CHECK(parse(in, strlen(in), &s) == 0);
	CHECK(s.nmedia == 2);
	CHECK(!s.media[1].udp);
	rewrite_case("tcp passthrough", in, &relay4, an, want);
}

static void test_outsz(void)
{
	const char *in = "v=0\r\no=- 1 9 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n"
			 "t=0 0\r\nm=audio 1000 RTP/AVP 0\r\n";
	struct sdp_anchor an[1] = { { .anchored = true, .rtp_port = 30000, .rtcp_port = 30001 } };
	char out[512];
	size_t len = 0, need;
	struct sdp s;

	CHECK(parse(in, strlen(in), &s) == 0);
	CHECK(sdp_rewrite(in, strlen(in), &s, &relay4, an, out, sizeof(out), &need) == 0);
	/* "9" -> "10", "192.0.2.1" -> "203.0.113.7", "1000" -> "30000" */
	CHECK(need == strlen(in) + 1 + 2 + 1);
	CHECK(sdp_rewrite(in, strlen(in), &s, &relay4, an, out, need, &len) == 0 && len == need);
	CHECK(sdp_rewrite(in, strlen(in), &s, &relay4, an, out, need - 1, &len) == -EMSGSIZE);
	CHECK(sdp_rewrite(in, strlen(in), &s, &relay4, an, out, 0, &len) == -EMSGSIZE);
}

static void test_bad(void)
{
	static const char *const bad[] = {
		"",
		"v=1\r\no=- 1 1 IN IP4 1.2.3.4\r\n",
		"o=- 1 1 IN IP4 1.2.3.4\r\nv=0\r\n",
		"v=0\r\ns=-\r\n",					/* no o= */
		"v=0\r\no=- 1 x IN IP4 1.2.3.4\r\n",			/* version not a number */
		"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nm=audio 70000 RTP/AVP 0\r\nc=IN IP4 1.2.3.4\r\n",
		"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nm=audio 1000 RTP/AVP\r\n",	/* no format */
		"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nc=IN IP4 host.example.com\r\nm=audio 1 RTP/AVP 0\r\n",
		"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.5\r\n",
		"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nm=audio 1000 RTP/AVP 0\r\n",	/* no address */
		"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.4\r\nm=audio 1000 RTP/AVP 0\r\na=rtcp:0\r\n",
		"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.4\r\nm=audio 1000 RTP/AVP 0\r\na=rtcp:9 IN IP9 x\r\n",
		"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nbogus line\r\n",
		"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\n\r\ns=-\r\n",		/* empty line inside */
	};
	const char nul[] = "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=\0\r\n";
	char many[4096];
	size_t i, n;
	struct sdp s;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int err = parse(bad[i], strlen(bad[i]), &s);

		if (err != -EINVAL)
			printf("FAIL bad[%zu] accepted\n", i);
		CHECK(err == -EINVAL);
	}
	CHECK(parse(nul, sizeof(nul) - 1, &s) == -EINVAL);
	/* empty lines at the very end are tolerated */
	CHECK(parse("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\n\r\n\r\n", 33, &s) == 0);
	CHECK(sdp_parse(NULL, 0, &s) == -EINVAL);
	n = (size_t)snprintf(many, sizeof(many), "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.4\r\n");
	for (i = 0; i <= SDP_MAX_MEDIA; i++)
		n += (size_t)snprintf(many + n, sizeof(many) - n, "m=audio %zu RTP/AVP 0\r\n", 1000 + 2 * i);
	CHECK(parse(many, n, &s) == -EINVAL);
}

/* every prefix of a valid body parses or fails cleanly, never reading past it */
static void test_prefixes(void)
{
	const char *in =
		"v=0\r\n"
		"o=bob 1 9999 IN IP6 2001:db8::2\r\n"
		"s=-\r\n"
		"c=IN IP6 2001:db8::2\r\n"
		"t=0 0\r\n"
		"m=audio 5004 RTP/AVP 96 0\r\n"
		"a=rtpmap:96 opus/48000/2\r\n"
		"a=rtcp:5005 IN IP6 2001:db8::3\r\n"
		"a=rtcp-mux\r\n"
		"a=candidate:1 1 UDP 2130706431 2001:db8::2 5004 typ host\r\n"
		"m=video 5006 RTP/AVP 97\r\n"
		"a=rtpmap:97 H264/90000\r\n";
	struct sdp_anchor an[2] = { { .anchored = true, .rtp_port = 40000, .rtcp_port = 40001 }, { .anchored = true, .rtp_port = 40002, .rtcp_port = 40003 } };
	size_t len = strlen(in), k, olen;
	int ok = 0;

	for (k = 0; k <= len; k++) {
		char *copy = malloc(k ? k : 1), out[1024];
		struct sdp s;

		memcpy(copy, in, k);
		if (!sdp_parse(copy, k, &s)) {
			ok++;
			struct sdp_anchor a2[2] = { an[0], an[1] };

			sdp_rewrite(copy, k, &s, &relay6, a2, out, sizeof(out), &olen);
			sdp_rewrite(copy, k, &s, &relay6, a2, out, 7, &olen);
		}
		free(copy);
	}
	CHECK(ok > 0);
	passed++;	/* no ASan report to get here */
}

int main(void)
{
	test_basic_offer();
	test_two_streams_one_rejected();
	test_ipv6_rtcp_addr_ice();
	test_cross_family();
	test_hold();
	test_tcp_passthrough_and_rtcp_on_rtp_port();
	test_outsz();
	test_crypto();
	test_bad();
	test_prefixes();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
