// SPDX-License-Identifier: GPL-2.0
/*
 * Flood and abuse limits (daemon/sip/limits.c) on a fake clock: a source's
 * burst passes and the next request is dropped, the bucket refills at the
 * configured rate, responses take no token, IPv6 sources count by /64,
 * exempt CIDRs pass everything; a million spoofed sources leave the table
 * at its size and a busy client and a ban in it; a ban after N failed
 * digest attempts within the window, its drops, its expiry by the sweep;
 * the per-source connection cap. Then through the proxy: a 403 for a wrong
 * password counts toward the ban, and over max_transactions a new request
 * is answered 503 with Retry-After while an in-dialog BYE still passes;
 * over limit_calls_per_source a new INVITE from that source is answered
 * 503 Too Many Calls until its calls being set up end.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "rcu.h"
#include "sip/auth.h"
#include "sip/dialog.h"
#include "sip/limits.h"
#include "sip/proxy.h"
#include "sip/registrar.h"
#include "sip/txn.h"
#include "store.h"
#include "timer.h"
#include "check.h"

static uint64_t fake_now = 7000000;

static uint64_t fake_clock(void)
{
	return fake_now;
}

static void advance(uint64_t ms)
{
	uint64_t end = fake_now + ms;

	while (fake_now < end) {
		int next = TMR_NextTimeout();

		fake_now = next < 0 || fake_now + next > end ? end : fake_now + next;
		TMR_Run();
	}
}

static struct sockaddr_storage ip(const char *s)
{
	struct sockaddr_storage ss;

	if (TP_AddrParse(s, 5060, &ss))
		memset(&ss, 0, sizeof(ss));
	return ss;
}

static const char req[] = "REGISTER sip:x SIP/2.0\r\n";
static const char resp[] = "SIP/2.0 200 OK\r\n";

/* how many of n requests from a pass */
static int passes(const struct sockaddr_storage *a, int n)
{
	int i, ok = 0;

	for (i = 0; i < n; i++)
		ok += LIM_Check(a, req, sizeof(req) - 1) == LIM_PASS;
	return ok;
}

static void base(struct lim_config *c)
{
	LIM_Defaults(c);
	c->rate = 10;
	c->burst = 5;
	c->nexempt = 0;
}

static void test_rate(void)
{
	struct sockaddr_storage a = ip("192.0.2.1"), b = ip("192.0.2.2");
	struct sockaddr_storage v6a = ip("[2001:db8:0:1::1]"), v6b = ip("[2001:db8:0:1::99]");
	struct sockaddr_storage v6c = ip("[2001:db8:0:2::1]");
	struct lim_stats st;
	struct lim_config c;
	int i;

	base(&c);
	CHECK_EQ(LIM_Init(&c), 0);
	/* the burst, then drops, counted */
	CHECK_EQ(passes(&a, 5), 5);
	CHECK_EQ(LIM_Check(&a, req, sizeof(req) - 1), LIM_RATE);
	CHECK_EQ(passes(&a, 10), 0);
	LIM_GetStats(&st);
	CHECK_EQ(st.rate_dropped, 11);
	/* another source has its own bucket */
	CHECK_EQ(passes(&b, 5), 5);
	/* responses take no token */
	for (i = 0; i < 100; i++)
		CHECK_EQ(LIM_Check(&a, resp, sizeof(resp) - 1), LIM_PASS);
	/* 10/s: one token per 100 ms */
	fake_now += 99;
	CHECK_EQ(passes(&a, 1), 0);
	fake_now += 1;
	CHECK_EQ(passes(&a, 2), 1);
	/* refills up to the burst, no more */
	fake_now += 10000;
	CHECK_EQ(passes(&a, 10), 5);
	/* sustained: 10 s at 20/s offered gets 10/s through */
	{
		int ok = 0;

		for (i = 0; i < 200; i++) {
			fake_now += 50;
			ok += passes(&a, 1);
		}
		CHECK(ok >= 99 && ok <= 101);
	}
	/* IPv6 counts by /64 */
	CHECK_EQ(passes(&v6a, 3), 3);
	CHECK_EQ(passes(&v6b, 3), 2);
	CHECK_EQ(passes(&v6c, 5), 5);
	LIM_GetStats(&st);
	CHECK_EQ(st.sources, 4);
	/* rate 0: no limit */
	c.rate = 0;
	CHECK_EQ(LIM_Init(&c), 0);
	CHECK_EQ(passes(&a, 1000), 1000);
	LIM_Fini();
}

static void test_exempt(void)
{
	struct sockaddr_storage a = ip("10.1.2.3"), b = ip("11.0.0.1"), lo = ip("127.0.0.1");
	struct sockaddr_storage lo2 = ip("127.0.0.2"), v6 = ip("[2001:db8::5]");
	struct sockaddr_storage mapped = ip("[::ffff:10.9.9.9]"), v6lo = ip("[::1]");
	struct lim_config c;
	struct lim_cidr x;

	CHECK_EQ(LIM_CidrParse("10.0.0.0/8", &x), 0);
	CHECK_EQ(x.prefix, 8);
	CHECK_EQ(LIM_CidrParse("2001:db8::/33", &x), 0);
	CHECK_EQ(x.family, AF_INET6);
	CHECK_EQ(LIM_CidrParse("10.0.0.0/33", &x), -EINVAL);
	CHECK_EQ(LIM_CidrParse("10.0.0/8", &x), -EINVAL);
	CHECK_EQ(LIM_CidrParse("10.0.0.0/", &x), -EINVAL);
	CHECK_EQ(LIM_CidrParse("10.0.0.0/8x", &x), -EINVAL);
	CHECK_EQ(LIM_CidrParse("example.com", &x), -EINVAL);

	/* the defaults exempt this host's loopback address only */
	LIM_Defaults(&c);
	CHECK_EQ(LIM_Init(&c), 0);
	CHECK(LIM_Exempt(&lo));
	CHECK(LIM_Exempt(&v6lo));
	CHECK(!LIM_Exempt(&lo2));
	CHECK_EQ(passes(&lo, 5000), 5000);
	CHECK_EQ(passes(&lo2, 5000), c.burst);

	base(&c);
	LIM_CidrParse("10.0.0.0/8", &c.exempt[0]);
	LIM_CidrParse("2001:db8::/32", &c.exempt[1]);
	c.nexempt = 2;
	c.max_transactions = 10;
	c.conns_per_source = 1;
	CHECK_EQ(LIM_Init(&c), 0);
	CHECK_EQ(passes(&a, 1000), 1000);
	CHECK_EQ(passes(&mapped, 1000), 1000);
	CHECK_EQ(passes(&v6, 1000), 1000);
	CHECK_EQ(passes(&b, 1000), 5);
	CHECK(LIM_TxnAllowed(&a, 1000));
	CHECK(!LIM_TxnAllowed(&b, 10));
	CHECK(LIM_TxnAllowed(&b, 9));
	CHECK(LIM_ConnAllowed(&a, 100));
	CHECK(!LIM_ConnAllowed(&b, 1));
	CHECK(LIM_ConnAllowed(&b, 0));
	/* exempt failures never ban */
	for (int i = 0; i < 100; i++)
		LIM_AuthFailed(&a);
	CHECK(!LIM_Banned(&a));
	LIM_Fini();
}

static void test_ban(void)
{
	struct sockaddr_storage a = ip("198.51.100.7"), b = ip("198.51.100.8");
	struct lim_stats st;
	struct lim_config c;

	base(&c);
	c.ban_failures = 3;
	c.ban_window = 60;
	c.ban_time = 10;
	CHECK_EQ(LIM_Init(&c), 0);
	/* two failures, then the window passes: the count starts again */
	LIM_AuthFailed(&a);
	LIM_AuthFailed(&a);
	advance(61000);
	LIM_AuthFailed(&a);
	LIM_AuthFailed(&a);
	CHECK(!LIM_Banned(&a));
	CHECK_EQ(passes(&a, 1), 1);
	/* the third within the window bans */
	LIM_AuthFailed(&a);
	CHECK(LIM_Banned(&a));
	CHECK(!LIM_Banned(&b));
	LIM_GetStats(&st);
	CHECK_EQ(st.bans, 1);
	CHECK_EQ(st.bans_active, 1);
	CHECK_EQ(st.auth_failures, 5);
	/* everything from it is dropped, responses too */
	CHECK_EQ(LIM_Check(&a, req, sizeof(req) - 1), LIM_BANNED);
	CHECK_EQ(LIM_Check(&a, resp, sizeof(resp) - 1), LIM_BANNED);
	advance(5000);
	CHECK_EQ(passes(&a, 10), 0);
	LIM_GetStats(&st);
	CHECK_EQ(st.ban_dropped, 12);
	CHECK_EQ(st.rate_dropped, 0);
	/* and the same numbers on /metrics */
	{
		size_t len;
		char *text = MET_Render(&len);

		CHECK(text && strstr(text, "\nkrtpd_limits_dropped_total{reason=\"banned\"} 12\n"));
		CHECK(text && strstr(text, "\nkrtpd_limits_bans_active 1\n"));
		CHECK(text && strstr(text, "\nkrtpd_limits_auth_failures_total 5\n"));
		free(text);
	}
	/* the sweep ends it at its time without any message from the source */
	advance(4000);
	CHECK(LIM_Banned(&a));
	advance(2000);
	LIM_GetStats(&st);
	CHECK_EQ(st.bans_active, 0);
	CHECK(!LIM_Banned(&a));
	CHECK_EQ(passes(&a, 1), 1);
	/* a fresh count after the ban */
	LIM_AuthFailed(&a);
	LIM_AuthFailed(&a);
	CHECK(!LIM_Banned(&a));
	LIM_AuthFailed(&a);
	CHECK(LIM_Banned(&a));
	/* ban_after_auth_failures = 0: never */
	c.ban_failures = 0;
	CHECK_EQ(LIM_Init(&c), 0);
	for (int i = 0; i < 100; i++)
		LIM_AuthFailed(&b);
	CHECK(!LIM_Banned(&b));
	LIM_Fini();
}

/*
 * A million distinct spoofed sources, one request each, against a table of
 * 4096: it stays at 4096, and a client sending a request every 10,000 flood
 * datagrams keeps its entry (still rate-limited where it was), as does a
 * banned source.
 */
static void test_bounded(void)
{
	struct sockaddr_storage busy = ip("203.0.113.1"), bad = ip("203.0.113.2"), f;
	struct sockaddr_in *f4 = (struct sockaddr_in *)&f;
	struct lim_stats st;
	struct lim_config c;
	int i, busy_ok = 0, busy_n = 0, lost = 0;

	base(&c);
	c.table_size = 4096;
	c.ban_failures = 1;
	c.ban_time = 3600;
	c.rate = 1;
	c.burst = 1;
	CHECK_EQ(LIM_Init(&c), 0);
	LIM_AuthFailed(&bad);
	CHECK(LIM_Banned(&bad));
	/* busy talks to us before the flood starts: three requests, one passes */
	CHECK_EQ(passes(&busy, 3), 1);
	f = ip("10.0.0.0");
	for (i = 0; i < 1000000; i++) {
		f4->sin_addr.s_addr = htonl(0x0a000000u + i * 2654435761u % 0x00ffffffu);
		LIM_Check(&f, req, sizeof(req) - 1);
		if (i % 10000 == 0) {
			fake_now += 500;	/* the flood is 20,000/s; busy sends 2/s at rate 1 */
			lost += !LIM_Tracked(&busy);
			busy_ok += passes(&busy, 1);
			busy_n++;
		}
	}
	LIM_GetStats(&st);
	CHECK_EQ(st.table_size, 4096);
	CHECK(st.sources <= 4096);
	CHECK(st.evicted >= 1000000 - 4096);
	CHECK_EQ(lost, 0);
	CHECK(LIM_Banned(&bad));
	/* had it been evicted and re-added, each time with a full bucket, it would pass more */
	CHECK(busy_ok <= busy_n / 2 + 2);
	CHECK(busy_ok >= busy_n / 2 - 2);
	LIM_Fini();
}

/* ---- through the proxy ---- */

static int port;
static char us[32];
static char last[4096];
static int nsent, last_dport;

static int capture(const struct tp_peer *dst, const char *buf, size_t len)
{
	nsent++;
	last_dport = TP_Port(&dst->addr);
	snprintf(last, sizeof(last), "%.*s", (int)len, buf);
	return 0;
}

static void feed(const char *from, const char *fmt, ...)
{
	struct tp_peer src = { .proto = TP_UDP, .sock = -1 };
	char buf[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	TP_AddrParse(from, 0, &src.addr);
	nsent = 0;
	last[0] = '\0';
	RCU_ReadLock();
	PRX_Receive(buf, strlen(buf), &src);
	RCU_ReadUnlock();
}

#define REG_FMT "REGISTER sip:krtp.test SIP/2.0\r\n" \
	"Via: SIP/2.0/UDP 192.0.2.50:5070;branch=z9hG4bKl%d;rport\r\n" \
	"Call-ID: lim-%d\r\nCSeq: %d REGISTER\r\nFrom: <sip:alice@krtp.test>;tag=r\r\n" \
	"To: <sip:alice@krtp.test>\r\nContact: <sip:alice@192.0.2.50:5070>\r\n%s" \
	"Content-Length: 0\r\n\r\n"

static void test_proxy(void)
{
	char path[] = "/tmp/krtpd-limits-XXXXXX", cred[512];
	int fd = mkstemp(path), i;
	FILE *f = fdopen(fd, "w");
	struct lim_stats st;
	struct lim_config c;

	fprintf(f, "alice:alice-pw\n");
	fclose(f);
	CHECK_EQ(AUTH_Init(path, "krtp.test", 300), 0);
	base(&c);
	c.rate = 1000;
	c.burst = 1000;
	c.ban_failures = 3;
	c.max_transactions = 0;
	CHECK_EQ(LIM_Init(&c), 0);

	/* a wrong password is a 403 and a failure; a plain challenge is not */
	for (i = 0; i < 3; i++) {
		char nonce[AUTH_NONCE_LEN + 1], ha1[33], rsp[65];

		AUTH_Nonce(time(NULL), nonce, sizeof(nonce));
		AUTH_Ha1(0, "alice", "krtp.test", "guess", ha1);
		AUTH_Response(0, ha1, STR_C(nonce), STR_C(""), STR_C(""), STR_C(""),
			      STR_C("REGISTER"), STR_C("sip:krtp.test"), rsp);
		snprintf(cred, sizeof(cred), "Authorization: Digest username=\"alice\", "
			 "realm=\"krtp.test\", nonce=\"%s\", uri=\"sip:krtp.test\", "
			 "response=\"%s\"\r\n", nonce, rsp);
		feed("192.0.2.50:5070", REG_FMT, i, i, 1, "");
		CHECK(!strncmp(last, "SIP/2.0 401 ", 12));
		feed("192.0.2.50:5070", REG_FMT, 100 + i, i, 2, cred);
		CHECK(!strncmp(last, "SIP/2.0 403 ", 12));
	}
	LIM_GetStats(&st);
	CHECK_EQ(st.auth_failures, 3);
	{
		struct sockaddr_storage a = ip("192.0.2.50");

		CHECK(LIM_Banned(&a));
	}
	AUTH_Init(NULL, "krtpd", 300);

	/* fill the transaction table, then a new request gets 503 with Retry-After */
	c.max_transactions = TXN_Count() + 4;
	CHECK_EQ(LIM_Init(&c), 0);
	while (TXN_Count() < c.max_transactions) {
		static int n;

		feed("192.0.2.60:5070", "OPTIONS sip:krtp.test SIP/2.0\r\n"
		     "Via: SIP/2.0/UDP 192.0.2.60:5070;branch=z9hG4bKo%d;rport\r\n"
		     "Call-ID: opt-%d\r\nCSeq: 1 OPTIONS\r\nFrom: <sip:a@krtp.test>;tag=o\r\n"
		     "To: <sip:krtp.test>\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
		     n, n);
		CHECK(!strncmp(last, "SIP/2.0 200 ", 12));
		if (++n > 10)
			break;
	}
	feed("192.0.2.61:5070", "OPTIONS sip:krtp.test SIP/2.0\r\n"
	     "Via: SIP/2.0/UDP 192.0.2.61:5070;branch=z9hG4bKo99;rport\r\n"
	     "Call-ID: opt-99\r\nCSeq: 1 OPTIONS\r\nFrom: <sip:a@krtp.test>;tag=o\r\n"
	     "To: <sip:krtp.test>\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n");
	CHECK(!strncmp(last, "SIP/2.0 503 ", 12));
	CHECK(strstr(last, "\r\nRetry-After: 5\r\n") != NULL);
	CHECK_EQ(last_dport, 5070);
	LIM_GetStats(&st);
	CHECK_EQ(st.txn_refused, 1);
	/* an in-dialog request (To tag) is not refused: calls must be able to end */
	feed("192.0.2.61:5070", "BYE sip:bob@192.0.2.62:5080 SIP/2.0\r\n"
	     "Via: SIP/2.0/UDP 192.0.2.61:5070;branch=z9hG4bKb99;rport\r\n"
	     "Call-ID: no-such-call\r\nCSeq: 2 BYE\r\nFrom: <sip:a@krtp.test>;tag=o\r\n"
	     "To: <sip:bob@krtp.test>;tag=b\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n");
	CHECK(strncmp(last, "SIP/2.0 503 ", 12) != 0);
	LIM_GetStats(&st);
	CHECK_EQ(st.txn_refused, 1);
	/* the transactions end (Timer J), and new requests pass again */
	advance(40000);
	feed("192.0.2.61:5070", "OPTIONS sip:krtp.test SIP/2.0\r\n"
	     "Via: SIP/2.0/UDP 192.0.2.61:5070;branch=z9hG4bKo98;rport\r\n"
	     "Call-ID: opt-98\r\nCSeq: 1 OPTIONS\r\nFrom: <sip:a@krtp.test>;tag=o\r\n"
	     "To: <sip:krtp.test>\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n");
	CHECK(!strncmp(last, "SIP/2.0 200 ", 12));
	unlink(path);
	LIM_Fini();
}

#define INV_FMT "INVITE sip:bob@krtp.test SIP/2.0\r\n" \
	"Via: SIP/2.0/UDP %s;branch=z9hG4bKi%d;rport\r\n" \
	"Call-ID: inv-%d\r\nCSeq: 1 INVITE\r\nFrom: <sip:x@example.net>;tag=i%d\r\n" \
	"To: <sip:bob@krtp.test>\r\nContact: <sip:x@%s>\r\nMax-Forwards: 70\r\n" \
	"Content-Length: 0\r\n\r\n"

/* an INVITE from a to bob, who is registered and never answers: what came out */
static void invite(const char *a, int n)
{
	feed(a, INV_FMT, a, n, n, n, a);
}

/*
 * Calls being set up per source: INVITEs to a phone that never answers,
 * each of which would hold relay ports, from one source: the cap's worth
 * are forwarded, the next gets 503 Too Many Calls with Retry-After and is
 * counted; another source, and an exempt one over the cap, are not
 * affected; once the first ones end (Timer B and C, 408), the source may
 * call again.
 */
static void test_calls(void)
{
	struct lim_stats st;
	struct lim_config c;
	int i;

	base(&c);
	c.rate = 1000;
	c.burst = 1000;
	c.calls_per_source = 3;
	CHECK_EQ(LIM_CidrParse("192.0.2.90", &c.exempt[0]), 0);
	c.nexempt = 1;
	CHECK_EQ(LIM_Init(&c), 0);
	feed("192.0.2.62:5080", "REGISTER sip:krtp.test SIP/2.0\r\n"
	     "Via: SIP/2.0/UDP 192.0.2.62:5080;branch=z9hG4bKrb;rport\r\n"
	     "Call-ID: reg-bob\r\nCSeq: 1 REGISTER\r\nFrom: <sip:bob@krtp.test>;tag=r\r\n"
	     "To: <sip:bob@krtp.test>\r\nContact: <sip:bob@192.0.2.62:5080>\r\n"
	     "Content-Length: 0\r\n\r\n");
	CHECK(!strncmp(last, "SIP/2.0 200 ", 12));

	for (i = 0; i < 3; i++) {
		invite("192.0.2.70:5070", i);
		CHECK(!strncmp(last, "INVITE sip:bob@192.0.2.62:5080 ", 31));
	}
	invite("192.0.2.70:5070", 3);
	CHECK(!strncmp(last, "SIP/2.0 503 Too Many Calls\r\n", 28));
	CHECK(strstr(last, "\r\nRetry-After: 5\r\n") != NULL);
	CHECK_EQ(last_dport, 5070);
	/* the same /32 from another port is the same source */
	invite("192.0.2.70:5071", 4);
	CHECK(!strncmp(last, "SIP/2.0 503 ", 12));
	/* others are not held back by it, nor is an exempt source by the cap */
	invite("192.0.2.71:5070", 10);
	CHECK(!strncmp(last, "INVITE sip:bob@", 15));
	for (i = 0; i < 5; i++) {
		invite("192.0.2.90:5070", 20 + i);
		CHECK(!strncmp(last, "INVITE sip:bob@", 15));
	}
	LIM_GetStats(&st);
	CHECK_EQ(st.calls_refused, 2);
	/* bob never answers: the INVITEs time out and end, and the source may call again */
	advance(200000);
	invite("192.0.2.70:5070", 30);
	CHECK(!strncmp(last, "INVITE sip:bob@", 15));
	advance(200000);
	LIM_Fini();
}

int main(void)
{
	char *argv[] = { "krtpd", "-c", "/dev/null", "-D", "krtp.test", "-f", NULL };
	static const struct reg_config rc = { 60, 3600, 600, 0 };
	static const struct prx_config pc = { .max_forwards = 70, .invite_timeout = 180 };
	struct tp_limits lim = { .max_message = 65535, .max_conns = 4, .idle_timeout = 60 };
	struct tp_listen l = { .udp = 1 };

	setvbuf(stdout, NULL, _IOLBF, 0);
	LOG_SetLevel(LOGL_ERR);
	TMR_SetClock(fake_clock);
	RCU_RegisterThread();
	TMR_Init();

	test_rate();
	test_exempt();
	test_ban();
	test_bounded();

	CHECK_EQ(CNF_Init(6, argv), 0);
	LOOP_Init();
	CHECK_EQ(STO_Init(":memory:"), 0);
	REG_Init(&rc);
	DLG_Init();
	TXN_Init();
	PRX_Init(&pc);
	port = 30000 + (getpid() + 7) % 20000;
	snprintf(us, sizeof(us), "127.0.0.1:%d", port);
	TP_AddrParse(us, 0, &l.addr);
	CHECK_EQ(TP_Init(&l, 1, &lim, PRX_Receive), 0);
	TP_SetSendHook(capture);
	test_proxy();
	test_calls();
	TP_Fini();
	PRX_Fini();
	TXN_Fini();
	DLG_Fini();
	REG_Fini();
	AUTH_Fini();
	STO_Fini();
	LOOP_Fini();
	TMR_Fini();
	RCU_UnregisterThread();
	return check_summary();
}
