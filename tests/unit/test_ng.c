// SPDX-License-Identifier: GPL-2.0
/*
 * The rtpengine ng protocol (daemon/ng/): bencode read and written back;
 * hostile bencode (truncated, bad lengths, deep nesting, too many values,
 * non-string keys, trailing bytes) refused with a reason; then the
 * commands as Kamailio's rtpengine module sends them, on the userspace
 * relay: ping; offer (SDP rewritten to the relay's address and ports, ICE
 * removed); answer (the other leg); query with rtpengine's "totals" after
 * RTP really flowed through the relay; a retransmitted cookie answered
 * from the cache without a second offer; list and statistics; delete
 * (ports freed); errors with error-reason for what is missing or unknown;
 * delete narrowed by from-tag, to-tag and via-branch deletes only a leg or
 * branch of the call (one that is not the call's deletes nothing).
 * Hostile ids: a Call-ID or tag with a NUL or a control character is
 * refused (it would name another call, or forge a log line); offers that
 * fail leave nothing remembered; list skips and forgets calls whose media
 * went; a delete's over-long from-tag deletes nothing. A call offered and
 * never answered is deleted by NG_Expire an hour later.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "media.h"
#include "rcu.h"
#include "ng/bencode.h"
#include "ng/ng.h"
#include "check.h"

static struct bnc_doc doc;

static int parse(const char *s, const char **err)
{
	return BNC_Parse(&doc, s, strlen(s), err);
}

static void test_bencode(void)
{
	const struct bnc_node *v, *e;
	const char *err = NULL;
	char deep[64] = "", big[8192] = "l", buf[128];
	struct bnc_out o;
	int i;

	CHECK_EQ(parse("d7:command4:ping5:flagsl3:abc3:defe3:numi-42ee", &err), 0);
	v = BNC_Get(&doc, &doc.n[0], "command");
	CHECK(BNC_Is(v, "ping"));
	v = BNC_Get(&doc, &doc.n[0], "flags");
	e = BNC_First(&doc, v);
	CHECK(BNC_Is(e, "abc"));
	CHECK(BNC_Is(BNC_Next(&doc, e), "def"));
	CHECK(BNC_Next(&doc, BNC_Next(&doc, e)) == NULL);
	CHECK_EQ(BNC_Get(&doc, &doc.n[0], "num")->i, -42);
	CHECK(BNC_Get(&doc, &doc.n[0], "nope") == NULL);
	CHECK_EQ(parse("0:", &err), 0);
	CHECK_EQ(parse("de", &err), 0);

	/* what a hostile peer may send */
	CHECK_EQ(parse("d7:command4:pin", &err), -EINVAL);
	CHECK_STR(err, "bad string length");
	CHECK_EQ(parse("d7:command", &err), -EINVAL);
	CHECK_STR(err, "truncated");
	CHECK_EQ(parse("99999999999999999999:x", &err), -EINVAL);
	CHECK_EQ(parse("i12", &err), -EINVAL);
	CHECK_EQ(parse("i-0e", &err), -EINVAL);
	CHECK_EQ(parse("i01e", &err), -EINVAL);
	CHECK_EQ(parse("di1ei2ee", &err), -EINVAL);
	CHECK_STR(err, "dictionary key is not a string");
	CHECK_EQ(parse("d1:ae", &err), -EINVAL);
	CHECK_STR(err, "dictionary key without a value");
	CHECK_EQ(parse("dee", &err), -EINVAL);
	CHECK_STR(err, "trailing bytes after the value");
	CHECK_EQ(parse("e", &err), -EINVAL);
	CHECK_EQ(parse("x", &err), -EINVAL);
	for (i = 0; i < 20; i++)
		strcat(deep, "l");
	CHECK_EQ(parse(deep, &err), -EINVAL);
	CHECK_STR(err, "nested too deep");
	for (i = 0; i < 2000; i++)
		strcat(big, "i1e");
	strcat(big, "e");
	CHECK_EQ(parse(big, &err), -EINVAL);
	CHECK_STR(err, "too many values");

	/* the writer, and its overflow */
	BNC_OutInit(&o, buf, sizeof(buf));
	BNC_Dict(&o);
	BNC_KeyStr(&o, "result", "ok");
	BNC_KeyInt(&o, "n", -7);
	BNC_End(&o);
	CHECK_EQ(o.overflow, 0);
	CHECK(o.len == 21 && !memcmp(buf, "d6:result2:ok1:ni-7ee", 21));
	BNC_OutInit(&o, buf, 4);
	BNC_Cstr(&o, "toolong");
	CHECK_EQ(o.overflow, 1);
}

/* ---- commands ---- */

static char reply[65536];
static struct sockaddr_in module_addr = { .sin_family = AF_INET };

/* send "cookie dict" and parse the reply's dictionary into doc; its length */
static size_t ng(const char *cookie, const char *dict)
{
	char req[8192];
	const char *err;
	size_t n;
	int l = snprintf(req, sizeof(req), "%s %s", cookie, dict);

	n = NG_Handle(req, l, (struct sockaddr *)&module_addr, reply, sizeof(reply) - 1);
	reply[n] = '\0';
	if (n <= strlen(cookie) + 1 || memcmp(reply, cookie, strlen(cookie)) ||
	    BNC_Parse(&doc, reply + strlen(cookie) + 1, n - strlen(cookie) - 1, &err))
		return 0;
	return n;
}

static int result_is(const char *r)
{
	return BNC_Is(BNC_Get(&doc, &doc.n[0], "result"), r);
}

static int reason_has(const char *s)
{
	const struct bnc_node *v = BNC_Get(&doc, &doc.n[0], "error-reason");

	return v && memmem(v->s, v->len, s, strlen(s)) != NULL;
}

/* the reply's SDP, NUL-terminated */
static const char *reply_sdp(void)
{
	static char s[4096];
	const struct bnc_node *v = BNC_Get(&doc, &doc.n[0], "sdp");

	snprintf(s, sizeof(s), "%.*s", v ? (int)v->len : 0, v ? v->s : "");
	return s;
}

/* the port of the first m=audio line in sdp */
static int m_port(const char *sdp)
{
	const char *m = strstr(sdp, "m=audio ");

	return m ? atoi(m + 8) : -1;
}

#define SDP(port, extra)							\
	"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"	\
	"m=audio " #port " RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n" extra

/* bencode an SDP string value into out */
static const char *bstr(const char *s)
{
	static char b[2][4096];
	static int k;

	k ^= 1;
	snprintf(b[k], sizeof(b[k]), "%zu:%s", strlen(s), s);
	return b[k];
}

static int udp_sock(uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a))) {
		close(fd);
		return -1;
	}
	return fd;
}

static void rtp_to(int fd, int port, int n)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	unsigned char pkt[172] = { 0x80, 0x00 };
	int i;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (i = 0; i < n; i++) {
		pkt[3] = (unsigned char)i;
		pkt[11] = 0x42;
		sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&a, sizeof(a));
		usleep(2000);
	}
}

/* requests a module can get wrong, and the error-reason each gets */
static const struct {
	const char *req, *reason;
} bad_args[] = {
	{ "d7:command5:offer7:call-id1:x8:from-tag1:ae", "Missing sdp" },
	{ "d7:command6:answer7:call-id1:x8:from-tag1:a3:sdp1:xe", "Missing to-tag" },
	{ "d7:command5:offer7:call-idi5e8:from-tag1:a3:sdp1:xe", "Invalid call-id: not a string" },
	{ "d7:command5:offer7:call-id0:8:from-tag1:a3:sdp1:xe", "Missing call-id" },
	{ "d7:command5:offer7:call-id1:w8:from-tag1:a3:sdp7:garbagee", "SDP" },
	{ "d7:command5:fancye", "Unrecognized command" },
	{ "li1ee", "not a dictionary" },
	{ "d7:command", "Malformed bencode: truncated" },
};

static void test_commands(void)
{
	const char *sdp_a = SDP(46000, "a=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdef01234567\r\n"
				"a=candidate:1 1 UDP 2130706431 192.168.1.9 46000 typ host\r\n");
	const char *sdp_b = SDP(46010, "");
	char req[8192], cookie[8];
	int pa, pb, fa, fb;
	struct ng_stats st;
	size_t i;

	CHECK(ng("1_ping", "d7:command4:pinge") > 0);
	CHECK(result_is("pong"));

	/* offer from alice: relay address and port, ICE gone */
	snprintf(req, sizeof(req), "d7:command5:offer7:call-id6:call-18:from-tag5:tag-a"
		 "3:ICE6:remove5:flagsl13:trust-addresse7:replacel6:origin18:session-connectione"
		 "3:sdp%se", bstr(sdp_a));
	CHECK(ng("2_off", req) > 0);
	CHECK(result_is("ok"));
	pb = m_port(reply_sdp());
	CHECK(pb >= 45000 && pb < 45100);
	CHECK(strstr(reply_sdp(), "c=IN IP4 127.0.0.1\r\n") != NULL);
	CHECK(strstr(reply_sdp(), "a=candidate") == NULL);
	CHECK(strstr(reply_sdp(), "a=ice-ufrag") == NULL);

	/* the module retransmits: same reply, no second offer */
	NG_GetStats(&st);
	CHECK(ng("2_off", req) > 0);
	CHECK_EQ(m_port(reply_sdp()), pb);
	NG_GetStats(&st);
	CHECK_EQ(st.offers, 1);
	CHECK_EQ(st.retransmits, 1);

	/* answer from bob */
	snprintf(req, sizeof(req), "d7:command6:answer7:call-id6:call-18:from-tag5:tag-a"
		 "6:to-tag5:tag-b5:flagsl13:trust-addresse3:sdp%se", bstr(sdp_b));
	CHECK(ng("3_ans", req) > 0);
	CHECK(result_is("ok"));
	pa = m_port(reply_sdp());
	CHECK(pa >= 45000 && pa < 45100 && pa != pb);

	/* media: alice -> relay port facing her (pa) -> bob's 46010 */
	fa = udp_sock(46000);
	fb = udp_sock(46010);
	CHECK(fa >= 0 && fb >= 0);
	rtp_to(fa, pa, 10);
	rtp_to(fb, pb, 5);
	usleep(200000);
	CHECK(ng("4_q", "d7:command5:query7:call-id6:call-1e") > 0);
	CHECK(result_is("ok"));
	{
		const struct bnc_node *t = BNC_Get(&doc, &doc.n[0], "totals");
		const struct bnc_node *rtp = BNC_Get(&doc, t, "RTP");
		const struct bnc_node *pk = BNC_Get(&doc, rtp, "packets");

		CHECK(pk && pk->type == BNC_INT);
		CHECK_EQ(pk ? pk->i : -1, 15);
		CHECK(BNC_Get(&doc, BNC_Get(&doc, &doc.n[0], "tags"), "tag-a") != NULL);
		CHECK(BNC_Get(&doc, BNC_Get(&doc, &doc.n[0], "tags"), "tag-b") != NULL);
	}
	close(fa);
	close(fb);

	CHECK(ng("5_l", "d7:command4:liste") > 0);
	CHECK(BNC_Is(BNC_First(&doc, BNC_Get(&doc, &doc.n[0], "calls")), "call-1"));
	CHECK(ng("6_s", "d7:command10:statisticse") > 0);
	CHECK_EQ(BNC_Get(&doc, BNC_Get(&doc, BNC_Get(&doc, &doc.n[0], "statistics"),
						 "currentstatistics"), "sessionsown")->i, 1);

	/* delete: gone, and again is an error */
	CHECK(ng("7_d", "d7:command6:delete7:call-id6:call-18:from-tag5:tag-ae") > 0);
	CHECK(result_is("ok"));
	CHECK(!MED_Has("call-1"));
	CHECK(ng("8_d", "d7:command6:delete7:call-id6:call-1e") > 0);
	CHECK(result_is("error"));
	CHECK(reason_has("Unknown call-id"));

	/* errors a module can cause */
	CHECK(ng("9", "d7:command5:offer7:call-id1:xe") > 0);
	CHECK(reason_has("Missing from-tag"));
	/* each says which argument and what is wrong with it */
	{
		char longid[300];

		memset(longid, 'i', sizeof(longid));
		snprintf(req, sizeof(req), "d7:command6:delete7:call-id300:%.300s8:from-tag1:ae",
			 longid);
		CHECK(ng("9b", req) > 0);
		CHECK(reason_has("Invalid call-id: longer than 255 bytes"));
	}
	for (i = 0; i < sizeof(bad_args) / sizeof(bad_args[0]); i++) {
		snprintf(cookie, sizeof(cookie), "9%c", 'c' + (int)i);
		CHECK(ng(cookie, bad_args[i].req) > 0);
		if (!reason_has(bad_args[i].reason))
			printf("# %s: want an error-reason with \"%s\"\n", bad_args[i].req,
			       bad_args[i].reason);
		CHECK(reason_has(bad_args[i].reason));
	}
	snprintf(req, sizeof(req), "d7:command6:answer7:call-id4:none8:from-tag1:a6:to-tag1:b"
		 "3:sdp%se", bstr(sdp_b));
	CHECK(ng("10", req) > 0);
	CHECK(reason_has("Unknown call-id"));
	snprintf(req, sizeof(req), "d7:command5:offer7:call-id1:y8:from-tag1:a3:ICE5:force"
		 "3:sdp%se", bstr(sdp_a));
	CHECK(ng("11", req) > 0);
	CHECK(reason_has("ICE"));
	snprintf(req, sizeof(req), "d7:command5:offer7:call-id1:z8:from-tag1:a"
		 "18:transport-protocol8:RTP/SAVP3:sdp%se", bstr(sdp_a));
	CHECK(ng("12", req) > 0);
	CHECK(reason_has("SRTP"));
	/* no cookie: nothing to answer */
	CHECK_EQ(NG_Handle("nocookie", 8, NULL, reply, sizeof(reply)), 0);
	CHECK_EQ(NG_Handle("", 0, NULL, reply, sizeof(reply)), 0);
	NG_GetStats(&st);
	CHECK_EQ(st.dropped, 2);
}

/*
 * offer call id from tag-a (on via-branch branch if not NULL), and answer
 * it from to_tag unless that is NULL, as the module would
 */
static void call_offer(const char *id, const char *branch)
{
	char req[8192], cookie[64], vb[80] = "";
	static int n;

	if (branch)
		snprintf(vb, sizeof(vb), "10:via-branch%zu:%s", strlen(branch), branch);
	snprintf(req, sizeof(req), "d7:command5:offer7:call-id%zu:%s8:from-tag5:tag-a"
		 "5:flagsl13:trust-addresse3:sdp%s%se", strlen(id), id, bstr(SDP(46000, "")), vb);
	/* a cookie of its own: a repeated one would be answered from the cache */
	snprintf(cookie, sizeof(cookie), "o%d", ++n);
	CHECK(ng(cookie, req) > 0);
	CHECK(result_is("ok"));
}

static void call_answer(const char *id, const char *to_tag)
{
	char req[8192], cookie[64];

	snprintf(req, sizeof(req), "d7:command6:answer7:call-id%zu:%s8:from-tag5:tag-a"
		 "6:to-tag%zu:%s5:flagsl13:trust-addresse3:sdp%se",
		 strlen(id), id, strlen(to_tag), to_tag, bstr(SDP(46010, "")));
	snprintf(cookie, sizeof(cookie), "a-%s", id);
	CHECK(ng(cookie, req) > 0);
	CHECK(result_is("ok"));
}

/*
 * delete "d...e" with a fresh cookie: 1 if the reply is ok without a
 * warning, 2 if ok with rtpengine's "nothing deleted" warning, else 0
 */
static int del(const char *args)
{
	static int n;
	char req[1024], cookie[16];

	snprintf(cookie, sizeof(cookie), "del%d", ++n);
	snprintf(req, sizeof(req), "d7:command6:delete%se", args);
	if (ng(cookie, req) <= 0 || !result_is("ok"))
		return 0;
	return BNC_Get(&doc, &doc.n[0], "warning") ? 2 : 1;
}

/* what rtpengine 10.5 does with the same requests */
static void test_delete_leg(void)
{
	/* answered by tag-b */
	call_offer("call-d", NULL);
	call_answer("call-d", "tag-b");
	/* a forked INVITE's other branch failed (its own to-tag): kept */
	CHECK_EQ(del("7:call-id6:call-d8:from-tag5:tag-a6:to-tag5:tag-x"), 2);
	CHECK(MED_Has("call-d"));
	/* a from-tag that is neither leg: kept */
	CHECK_EQ(del("7:call-id6:call-d8:from-tag5:tag-z"), 2);
	CHECK(MED_Has("call-d"));
	/* the callee's BYE (its tag as from-tag): gone */
	CHECK_EQ(del("7:call-id6:call-d8:from-tag5:tag-b6:to-tag5:tag-a"), 1);
	CHECK(!MED_Has("call-d"));

	/* the caller's leg alone names the call too */
	call_offer("call-e", NULL);
	call_answer("call-e", "tag-b");
	CHECK_EQ(del("7:call-id6:call-e8:from-tag5:tag-a"), 1);
	CHECK(!MED_Has("call-e"));

	/* not answered, one branch: the INVITE's final failure ends it */
	call_offer("call-f", NULL);
	CHECK_EQ(del("7:call-id6:call-f8:from-tag5:tag-a6:to-tag5:tag-x"), 1);
	CHECK(!MED_Has("call-f"));

	/* forked (offered on two branches), not answered: one branch fails and
	 * the call stays for the other; an unknown branch deletes nothing; the
	 * last branch's failure ends it */
	call_offer("call-g", "z9hG4bK-1");
	call_offer("call-g", "z9hG4bK-2");
	CHECK_EQ(del("7:call-id6:call-g8:from-tag5:tag-a6:to-tag5:tag-x10:via-branch9:z9hG4bK-1"), 1);
	CHECK(MED_Has("call-g"));
	CHECK_EQ(del("7:call-id6:call-g8:from-tag5:tag-a6:to-tag5:tag-y10:via-branch9:z9hG4bK-9"), 2);
	CHECK(MED_Has("call-g"));
	CHECK_EQ(del("7:call-id6:call-g8:from-tag5:tag-a6:to-tag5:tag-y10:via-branch9:z9hG4bK-2"), 1);
	CHECK(!MED_Has("call-g"));

	/* forked and answered on branch 2: branch 1's failure is kept out by
	 * its to-tag; a delete without one ends the call */
	call_offer("call-h", "z9hG4bK-1");
	call_offer("call-h", "z9hG4bK-2");
	call_answer("call-h", "tag-b");
	CHECK_EQ(del("7:call-id6:call-h8:from-tag5:tag-a6:to-tag5:tag-x10:via-branch9:z9hG4bK-1"), 2);
	CHECK(MED_Has("call-h"));
	CHECK_EQ(del("7:call-id6:call-h8:from-tag5:tag-a10:via-branch9:z9hG4bK-1"), 1);
	CHECK(!MED_Has("call-h"));
}

/* ng() for a request that may hold NULs: dict is len bytes */
static size_t ng_raw(const char *cookie, const char *dict, size_t len)
{
	char req[8192];
	const char *err;
	size_t n, cl = strlen(cookie);

	memcpy(req, cookie, cl);
	req[cl] = ' ';
	memcpy(req + cl + 1, dict, len);
	n = NG_Handle(req, cl + 1 + len, (struct sockaddr *)&module_addr, reply, sizeof(reply) - 1);
	reply[n] = '\0';
	if (n <= cl + 1 || BNC_Parse(&doc, reply + cl + 1, n - cl - 1, &err))
		return 0;
	return n;
}

static void test_hostile(void)
{
	static const char nul_id[] = "d7:command5:offer7:call-id5:abc\0x8:from-tag1:a3:sdp";
	char req[8192], cookie[32], tag[201];
	struct ng_stats st, st0;
	size_t l;
	int i;

	/* "abc\0x" would be media's call "abc": refused, nothing made */
	l = sizeof(nul_id) - 1;
	memcpy(req, nul_id, l);
	l += (size_t)snprintf(req + l, sizeof(req) - l, "%se", bstr(SDP(46000, "")));
	CHECK(ng_raw("h1", req, l) > 0);
	CHECK(reason_has("Invalid call-id"));
	CHECK(!MED_Has("abc"));
	/* a newline in a tag would forge a log line */
	snprintf(req, sizeof(req), "d7:command5:offer7:call-id1:n8:from-tag%s3:sdp%se",
		 bstr("a\ninfo: forged"), bstr(SDP(46000, "")));
	CHECK(ng("h2", req) > 0);
	CHECK(reason_has("Invalid from-tag"));
	CHECK(!MED_Has("n"));
	CHECK(ng("h3", "d7:command6:delete7:call-id3:a\tbe") > 0);
	CHECK(reason_has("Invalid call-id"));

	/* offers that fail, each a new Call-ID: nothing is left remembered */
	NG_GetStats(&st0);
	for (i = 0; i < 100; i++) {
		snprintf(cookie, sizeof(cookie), "f%d", i);
		snprintf(tag, sizeof(tag), "fail-%d", i);
		snprintf(req, sizeof(req), "d7:command5:offer7:call-id%s8:from-tag1:a"
			 "3:sdp7:garbagee", bstr(tag));
		CHECK(ng(cookie, req) > 0);
		CHECK(reason_has("Failed to parse SDP"));
	}
	NG_GetStats(&st);
	CHECK_EQ(st.calls, st0.calls);

	/* media ended a call (its timeout): list neither shows nor keeps it */
	call_offer("call-t", NULL);
	NG_GetStats(&st);
	CHECK_EQ(st.calls, st0.calls + 1);
	MED_Delete("call-t");
	CHECK(ng("h4", "d7:command4:liste") > 0);
	CHECK(BNC_First(&doc, BNC_Get(&doc, &doc.n[0], "calls")) == NULL);
	NG_GetStats(&st);
	CHECK_EQ(st.calls, st0.calls);

	/* a from-tag longer than any the call can have deletes nothing */
	call_offer("call-l", NULL);
	call_answer("call-l", "tag-b");
	memset(tag, 'q', sizeof(tag) - 1);
	tag[sizeof(tag) - 1] = '\0';
	snprintf(req, sizeof(req), "7:call-id6:call-l8:from-tag%zu:%s", strlen(tag), tag);
	CHECK_EQ(del(req), 2);
	CHECK(MED_Has("call-l"));
	CHECK_EQ(del("7:call-id6:call-l"), 1);
	CHECK(!MED_Has("call-l"));
}

/*
 * Offered and never answered, nor deleted (the module's delete lost):
 * gone an hour after the last offer, its ports with it; an answered call
 * stays. An offer whose every m= line has port 0 holds no port but is a
 * call all the same, and goes the same way, answered or not.
 */
static void test_offer_timeout(void)
{
	char req[8192];
	struct ng_stats st0, st;
	time_t now = time(NULL);

	NG_GetStats(&st0);
	call_offer("call-u", NULL);
	snprintf(req, sizeof(req), "d7:command5:offer7:call-id6:call-z8:from-tag1:a3:sdp%se",
		 bstr(SDP(0, "")));
	CHECK(ng("u1", req) > 0);
	CHECK(result_is("ok"));
	call_offer("call-v", NULL);
	call_answer("call-v", "tag-b");
	/* answered, but every m= line refused: no stream, no flow, no timeout of media's */
	snprintf(req, sizeof(req), "d7:command6:answer7:call-id6:call-z8:from-tag1:a6:to-tag1:b"
		 "3:sdp%se", bstr(SDP(0, "")));
	CHECK(ng("u2", req) > 0);
	CHECK(result_is("ok"));
	CHECK(MED_Has("call-u") && MED_Has("call-z") && MED_Has("call-v"));
	NG_Expire(now + 3500);
	CHECK(MED_Has("call-u") && MED_Has("call-z") && MED_Has("call-v"));
	NG_Expire(now + 3700);
	CHECK(!MED_Has("call-u"));
	CHECK(!MED_Has("call-z"));
	CHECK(MED_Has("call-v"));
	NG_GetStats(&st);
	CHECK_EQ(st.expired, st0.expired + 2);
	CHECK_EQ(st.calls, st0.calls + 1);
	CHECK_EQ(del("7:call-id6:call-v"), 1);
}

int main(void)
{
	struct med_config mc = { .mode = MED_MODE_USER, .port_min = 45000, .port_max = 45099 };
	struct sockaddr_storage none = { 0 };

	setvbuf(stdout, NULL, _IOLBF, 0);
	LOG_SetLevel(LOGL_ERR);
	RCU_RegisterThread();
	test_bencode();
	((struct sockaddr_in *)&mc.relay4)->sin_family = AF_INET;
	((struct sockaddr_in *)&mc.relay4)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK_EQ(MED_Init(&mc), MED_MODE_USER);
	CHECK_EQ(NG_Init(&none), 0);
	RCU_ReadLock();
	test_commands();
	test_delete_leg();
	test_hostile();
	test_offer_timeout();
	RCU_ReadUnlock();
	NG_Fini();
	MED_Fini();
	RCU_Barrier();
	RCU_UnregisterThread();
	return check_summary();
}
