// SPDX-License-Identifier: GPL-2.0
/*
 * The proxy with targets given by name (daemon/sip/proxy_dns.c) against a
 * real DNS server: dnsmasq serves carrier.test with two SRV targets
 * (127.0.0.1:5071 priority 10, :5072 priority 20) and krtpd has
 * trunk = sip:carrier.test. Messages are fed to PRX_Receive as from alice
 * (port 5070) or the carrier's servers, and everything krtpd sends is
 * captured by the transport's send hook. Checked: the INVITE waits for
 * the lookup and goes to the priority-10 server with the Request-URI
 * rewritten; a 503 moves it to the next server with a new branch; a Timer
 * B timeout does the same, and the response of the server that answered
 * goes up, not the timeout; when all fail the caller gets the final
 * response; a CANCEL during the lookup gets 487 and nothing is sent; a
 * name that does not exist gets 404 "Cannot Resolve Host"; and calls to
 * registered users never ask the DNS.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "loop.h"
#include "rcu.h"
#include "sip/dns.h"
#include "sip/proxy.h"
#include "sip/registrar.h"
#include "timer.h"
#include "check.h"
#include "proxytest.h"
#include "dnsmasq.h"
#include "looptest.h"

#define MAXSENT 64
#include "sipcapture.h"

static uint64_t clock_skew;

static uint64_t skewed_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + clock_skew;
}

static int starts(const struct sent *s, const char *text)
{
	return s && s->len >= strlen(text) && !memcmp(s->buf, text, strlen(text));
}

static void invite(const char *callid, const char *ruri, const char *extra)
{
	feed(5070, "INVITE sip:%s SIP/2.0\r\n"
	     "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK%s;rport\r\n"
	     "Call-ID: %s\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n%s"
	     "From: <sip:alice@krtp.test>;tag=a1\r\nTo: <sip:%s>\r\n"
	     "Contact: <sip:alice@127.0.0.1:5070>\r\nContent-Length: 0\r\n\r\n",
	     ruri, callid, callid, extra, ruri);
}

/* a response from the server at uport to the request krtpd sent it */
static void answer(int uport, const struct sent *req, int status)
{
	const struct sip_msg *m = &req->m;
	char vias[2048] = "", *p = vias;
	int i;

	for (i = 0; i < m->nhdrs; i++)
		if (m->hdrs[i].id == SIP_H_VIA || m->hdrs[i].id == SIP_H_RECORD_ROUTE)
			p += snprintf(p, vias + sizeof(vias) - p, "%.*s", (int)m->hdrs[i].line_len,
				      m->hdrs[i].line);
	nsent = 0;
	feed(uport, "SIP/2.0 %d X\r\n%sFrom: %.*s\r\nTo: %.*s;tag=c%d\r\nCall-ID: %.*s\r\n"
	     "CSeq: %u %.*s\r\nContact: <sip:4930@127.0.0.1:%d>\r\nContent-Length: 0\r\n\r\n",
	     status, vias, (int)m->from.raw.len, m->from.raw.s, (int)m->to.raw.len, m->to.raw.s,
	     uport, (int)m->call_id.len, m->call_id.s, m->cseq, (int)m->cseq_method.len,
	     m->cseq_method.s, uport);
}

static unsigned long stat_lookups(void)
{
	struct dns_stats s;

	DNS_GetStats(&s);
	return s.lookups;
}

static unsigned long stat_failovers(void)
{
	struct dns_stats s;

	DNS_GetStats(&s);
	return s.failovers;
}

/* the trunk: wait for DNS, priority 10 first, 503 -> priority 20, 200 up */
static void test_trunk_503(void)
{
	struct sent *inv1, *inv2, *ok;
	char branch1[64];

	nsent = 0;
	invite("t1", "4930@krtp.test", "");
	CHECK(find(5070, 100, "INVITE") != NULL);
	CHECK(find(5071, 0, "INVITE") == NULL);	/* not before the answer */
	run_for(300);
	inv1 = find(5071, 0, "INVITE");
	CHECK(starts(inv1, "INVITE sip:4930@carrier.test SIP/2.0\r\n"));
	CHECK(find(5072, 0, "INVITE") == NULL);
	if (!inv1)
		return;
	snprintf(branch1, sizeof(branch1), "%.*s", (int)inv1->m.via[0].branch.len,
		 inv1->m.via[0].branch.s);
	answer(5071, inv1, 503);
	inv2 = find(5072, 0, "INVITE");
	CHECK(starts(inv2, "INVITE sip:4930@carrier.test SIP/2.0\r\n"));
	CHECK(inv2 && !STR_Eq(inv2->m.via[0].branch, STR_C(branch1)));
	CHECK(find(5070, 503, "INVITE") == NULL && find(5070, 500, "INVITE") == NULL);
	CHECK(find(5071, 0, "ACK") != NULL);		/* the 503 is ACKed hop by hop */
	CHECK_EQ(stat_failovers(), 1);
	if (!inv2)
		return;
	answer(5072, inv2, 200);
	ok = find(5070, 200, "INVITE");
	CHECK(ok != NULL);
}

/* cached now: no wait; Timer B at the first server moves on; 486 goes up */
static void test_trunk_timeout(void)
{
	struct sent *inv2;

	nsent = 0;
	invite("t2", "4931@krtp.test", "");
	CHECK(find(5071, 0, "INVITE") != NULL);		/* from the cache, at once */
	clock_skew += 33000;				/* past Timer B (32 s) */
	run_for(100);
	inv2 = find(5072, 0, "INVITE");
	CHECK(starts(inv2, "INVITE sip:4931@carrier.test SIP/2.0\r\n"));
	CHECK_EQ(stat_failovers(), 2);
	CHECK(find(5070, 408, "INVITE") == NULL);
	if (!inv2)
		return;
	answer(5072, inv2, 486);
	CHECK(find(5070, 486, "INVITE") != NULL);
}

/* every server fails: the caller gets the final response (503s become 500, §16.7) */
static void test_trunk_all_fail(void)
{
	struct sent *inv;

	nsent = 0;
	invite("t3", "4932@krtp.test", "");
	run_for(300);	/* the empty AAAA answers (30 s) have expired: asked again */
	inv = find(5071, 0, "INVITE");
	CHECK(inv != NULL);
	if (!inv)
		return;
	answer(5071, inv, 503);
	inv = find(5072, 0, "INVITE");
	CHECK(inv != NULL);
	if (!inv)
		return;
	answer(5072, inv, 503);
	CHECK(find(5070, 500, "INVITE") != NULL);
	CHECK_EQ(stat_failovers(), 3);
}

/* CANCEL while the name is being looked up: 200, then 487, nothing sent on */
static void test_cancel_during_lookup(void)
{
	nsent = 0;
	DNS_Flush();
	invite("t4", "4933@krtp.test", "");
	CHECK(find(5071, 0, "INVITE") == NULL);
	feed(5070, "CANCEL sip:4933@krtp.test SIP/2.0\r\n"
	     "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKt4;rport\r\n"
	     "Call-ID: t4\r\nCSeq: 1 CANCEL\r\nMax-Forwards: 70\r\n"
	     "From: <sip:alice@krtp.test>;tag=a1\r\nTo: <sip:4933@krtp.test>\r\n"
	     "Content-Length: 0\r\n\r\n");
	CHECK(find(5070, 200, "CANCEL") != NULL);
	run_for(300);
	CHECK(find(5070, 487, "INVITE") != NULL);
	CHECK(find(5071, 0, "INVITE") == NULL);
}

/* a Route to a name that does not exist */
static void test_nxdomain(void)
{
	struct sent *r;

	nsent = 0;
	invite("t5", "bob@krtp.test", "Route: <sip:nosuch.carrier.test;lr>\r\n");
	run_for(300);
	r = find(5070, 404, "INVITE");
	CHECK(starts(r, "SIP/2.0 404 Cannot Resolve Host\r\n"));
}

/* registered users: never a DNS lookup */
static void test_registered_no_dns(void)
{
	unsigned long before = stat_lookups();

	nsent = 0;
	feed(5080, "REGISTER sip:krtp.test SIP/2.0\r\n"
	     "Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKreg;rport\r\n"
	     "Call-ID: reg-bob\r\nCSeq: 1 REGISTER\r\nMax-Forwards: 70\r\n"
	     "From: <sip:bob@krtp.test>;tag=r\r\nTo: <sip:bob@krtp.test>\r\n"
	     "Contact: <sip:bob@127.0.0.1:5080>\r\nExpires: 600\r\nContent-Length: 0\r\n\r\n");
	CHECK(find(5080, 200, "REGISTER") != NULL);
	invite("t6", "bob@krtp.test", "");
	CHECK(find(5080, 0, "INVITE") != NULL);
	CHECK_EQ(stat_lookups(), before);
}

int main(void)
{
	static const char *const records[] = {
		"--naptr-record=carrier.test,10,50,s,SIP+D2U,,_sip._udp.carrier.test",
		"--srv-host=_sip._udp.carrier.test,b.carrier.test,5072,20,0",
		"--srv-host=_sip._udp.carrier.test,a.carrier.test,5071,10,0",
		"--host-record=a.carrier.test,127.0.0.1",
		"--host-record=b.carrier.test,127.0.0.1",
		NULL
	};
	static const struct reg_config rc = { 60, 3600, 600, 0 };
	static const struct prx_config pc = { .max_forwards = 70, .invite_timeout = 180 };
	struct tp_limits lim = { .max_message = 65535, .max_conns = 4, .idle_timeout = 60 };
	struct tp_listen l = { .udp = 1 };
	char dns_opt[64];
	char *argv[] = { "krtpd", "-c", "/dev/null", "-D", "krtp.test", "-o",
			 "trunk=sip:carrier.test", "-o", dns_opt, "-f", NULL };
	int dport;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	LOG_SetLevel(LOGL_ERR);
	dport = dnsmasq_start("carrier.test", records);
	if (dport < 0) {
		printf("# dnsmasq did not start\n");
		CHECK(0);
		dnsmasq_stop();
		return check_summary();
	}
	snprintf(dns_opt, sizeof(dns_opt), "dns_servers=127.0.0.1:%d", dport);
	proxytest_init(10, argv, skewed_clock, &rc, &pc);
	CHECK_EQ(DNS_Init(&CNF_Get()->dns), 0);
	snprintf(us, sizeof(us), "127.0.0.1:%d", 30000 + getpid() % 20000);
	TP_AddrParse(us, 0, &l.addr);
	CHECK_EQ(TP_Init(&l, 1, &lim, PRX_Receive), 0);
	TP_SetSendHook(capture);

	test_trunk_503();
	test_trunk_timeout();
	test_trunk_all_fail();
	test_cancel_during_lookup();
	test_nxdomain();
	test_registered_no_dns();

	/* let the transactions end before the tables go */
	clock_skew += 64000;
	run_for(50);
	TP_Fini();
	DNS_Fini();
	proxytest_fini();
	dnsmasq_stop();
	CNF_Fini();
	return check_summary();
}
