// SPDX-License-Identifier: GPL-2.0
/*
 * RFC 3263 resolution (daemon/sip/dns.c) against a real DNS server: the
 * test starts dnsmasq on 127.0.0.1 and an unprivileged port with only the
 * records below, runs krtpd's main loop until each lookup calls back, and
 * checks the targets in order, what was cached (by counting the queries
 * that reached the server) and when the cache forgets (a clock that can
 * jump ahead).
 *
 *   naptr.krtp.test     NAPTR 10 SIP+D2T -> _sip._tcp, 20 SIP+D2U -> _sip._udp,
 *                       5 SIPS+D2T (skipped: no TLS), 1 "u" flag (skipped)
 *   prio.krtp.test      SRV _sip._udp: p20 prio 20, p10 prio 10, p10b prio 10
 *   w.krtp.test         SRV _sip._udp: light weight 1, heavy weight 99
 *   plain.krtp.test     A only: the §4.2 fallback to port 5060
 *   ttl.krtp.test       A with TTL 1 s
 *   nosuch.krtp.test    nothing (NXDOMAIN)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "rcu.h"
#include "sip/dns.h"
#include "timer.h"
#include "check.h"
#include "dnsmasq.h"

static uint64_t clock_skew;	/* ms added to the real clock */
static int port;

static uint64_t skewed_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + clock_skew;
}

static const char *const records[] = {
	"--naptr-record=naptr.krtp.test,10,50,s,SIP+D2T,,_sip._tcp.naptr.krtp.test",
	"--naptr-record=naptr.krtp.test,20,50,s,SIP+D2U,,_sip._udp.naptr.krtp.test",
	"--naptr-record=naptr.krtp.test,5,50,s,SIPS+D2T,,_sips._tcp.naptr.krtp.test",
	"--naptr-record=naptr.krtp.test,1,50,u,SIP+D2U,!^.*$!sip:x@y!,",
	"--srv-host=_sip._tcp.naptr.krtp.test,tcp.krtp.test,5070,10,0",
	"--srv-host=_sip._udp.naptr.krtp.test,udp.krtp.test,5080,10,0",
	"--srv-host=_sips._tcp.naptr.krtp.test,tls.krtp.test,5061,10,0",
	"--srv-host=_sip._udp.prio.krtp.test,p20.krtp.test,5002,20,0",
	"--srv-host=_sip._udp.prio.krtp.test,p10.krtp.test,5001,10,0",
	"--srv-host=_sip._udp.prio.krtp.test,p10b.krtp.test,5003,10,0",
	"--srv-host=_sip._udp.w.krtp.test,light.krtp.test,5011,10,1",
	"--srv-host=_sip._udp.w.krtp.test,heavy.krtp.test,5012,10,99",
	"--host-record=tcp.krtp.test,127.0.1.1",
	"--host-record=udp.krtp.test,127.0.1.2",
	"--host-record=tls.krtp.test,127.0.1.3",
	"--host-record=p10.krtp.test,127.0.2.10,::ffff:127.0.2.10",
	"--host-record=p10b.krtp.test,127.0.2.11",
	"--host-record=p20.krtp.test,127.0.2.20",
	"--host-record=light.krtp.test,127.0.3.1",
	"--host-record=heavy.krtp.test,127.0.3.99",
	"--host-record=plain.krtp.test,127.0.4.1",
	"--host-record=ttl.krtp.test,127.0.5.1,1",
	NULL
};

/* ---- driving the loop ---- */

static int got_err, got_calls;
static struct dns_result got;

static void on_result(int err, const struct dns_result *res, void *arg)
{
	(void)arg;
	got_err = err;
	got_calls++;
	if (res)
		got = *res;
	LOOP_Quit();
}

static void guard_fn(struct tmr *t)
{
	(void)t;
	LOOP_Quit();
}

/*
 * Resolve host (with port and proto) and wait for the answer, at most 5 s.
 * Returns what DNS_Resolve returned (1 = it went to the server); the answer
 * is in got_err and got.
 */
static int resolve(const char *host, uint16_t p, int proto, int sips)
{
	struct dns_req req = { .host = { host, strlen(host) }, .port = p, .proto = proto,
			       .sips = sips };
	struct tmr guard;
	int r;

	memset(&got, 0, sizeof(got));
	got_err = 1;
	got_calls = 0;
	r = DNS_Resolve(&req, on_result, NULL, &got);
	if (r <= 0) {
		got_err = r;
		return r;
	}
	TMR_Setup(&guard, guard_fn);
	TMR_Start(&guard, 5000);
	LOOP_Run();
	TMR_Stop(&guard);
	CHECK_EQ(got_calls, 1);
	return r;
}

static const char *addr(int i)
{
	static char buf[DNS_MAX_TARGETS][64];
	const struct sockaddr_storage *ss = &got.t[i].addr;
	char ip[INET6_ADDRSTRLEN] = "?";
	unsigned int p = 0;

	if (i >= got.n)
		return "(none)";
	if (ss->ss_family == AF_INET) {
		inet_ntop(AF_INET, &((struct sockaddr_in *)ss)->sin_addr, ip, sizeof(ip));
		p = ntohs(((struct sockaddr_in *)ss)->sin_port);
		snprintf(buf[i], sizeof(buf[i]), "%s:%u", ip, p);
	} else {
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)ss)->sin6_addr, ip, sizeof(ip));
		p = ntohs(((struct sockaddr_in6 *)ss)->sin6_port);
		snprintf(buf[i], sizeof(buf[i]), "[%s]:%u", ip, p);
	}
	return buf[i];
}

static unsigned long queries(void)
{
	struct dns_stats s;

	DNS_GetStats(&s);
	return s.queries;
}

static int init_dns(int server_port, unsigned int timeout_ms)
{
	struct dns_config c = { .nservers = 1, .cache_size = 64, .negative_ttl = 5,
				.timeout_ms = timeout_ms, .tries = 1,
				.protos = DNS_UDP | DNS_TCP };

	snprintf(c.servers[0], sizeof(c.servers[0]), "127.0.0.1:%d", server_port);
	return DNS_Init(&c);
}

/* ---- tests ---- */

static void test_numeric(void)
{
	unsigned long q = queries();
	struct dns_stats s;

	CHECK_EQ(resolve("192.0.2.7", 0, 0, 0), 0);
	CHECK_EQ(got.n, 1);
	CHECK_STR(addr(0), "192.0.2.7:5060");
	CHECK_EQ(got.t[0].proto, DNS_UDP);
	CHECK_EQ(resolve("2001:db8::1", 5070, DNS_TCP, 0), 0);
	CHECK_STR(addr(0), "[2001:db8::1]:5070");
	CHECK_EQ(got.t[0].proto, DNS_TCP);
	CHECK_EQ(resolve("192.0.2.7", 0, 0, 1), 0);
	CHECK_STR(addr(0), "192.0.2.7:5061");
	CHECK_EQ(got.t[0].proto, DNS_TLS);
	DNS_GetStats(&s);
	CHECK_EQ(s.lookups, 0);
	CHECK_EQ(queries(), q);
}

/* NAPTR order picks TCP over UDP; SIPS (no TLS here) and a "u" record are skipped */
static void test_naptr(void)
{
	unsigned long q = queries();

	CHECK_EQ(resolve("naptr.krtp.test", 0, 0, 0), 1);
	CHECK_EQ(got_err, 0);
	CHECK_EQ(got.n, 1);
	CHECK_STR(addr(0), "127.0.1.1:5070");
	CHECK_EQ(got.t[0].proto, DNS_TCP);
	/* NAPTR, SRV, A, AAAA */
	CHECK_EQ(queries() - q, 4);

	/* all cached now: answered before DNS_Resolve returns, no query */
	q = queries();
	CHECK_EQ(resolve("NAPTR.krtp.test", 0, 0, 0), 0);
	CHECK_STR(addr(0), "127.0.1.1:5070");
	CHECK_EQ(queries(), q);

	/* transport=udp: straight to _sip._udp, no NAPTR */
	CHECK_EQ(resolve("naptr.krtp.test", 0, DNS_UDP, 0), 1);
	CHECK_EQ(got_err, 0);
	CHECK_STR(addr(0), "127.0.1.2:5080");
	CHECK_EQ(got.t[0].proto, DNS_UDP);
}

/* no NAPTR: SRV by priority; IPv4 then IPv6 of one target; then the next target */
static void test_srv_priority(void)
{
	int i, first10 = 0, first10b = 0, not_cached = 0;

	CHECK_EQ(resolve("prio.krtp.test", 0, 0, 0), 1);
	CHECK_EQ(got_err, 0);
	CHECK_EQ(got.n, 4);
	CHECK_EQ(got.t[0].proto, DNS_UDP);
	/* both priority-10 targets (with weight 0) before the priority-20 one */
	CHECK(!strcmp(addr(0), "127.0.2.10:5001") || !strcmp(addr(0), "127.0.2.11:5003"));
	CHECK_STR(addr(3), "127.0.2.20:5002");
	for (i = 0; i < 3; i++)
		if (!strcmp(addr(i), "127.0.2.10:5001"))
			CHECK_STR(addr(i + 1), "[::ffff:127.0.2.10]:5001");
	/* the two of equal priority and zero weight take turns */
	for (i = 0; i < 200; i++) {
		not_cached += resolve("prio.krtp.test", 0, 0, 0) != 0;
		first10 += !strcmp(addr(0), "127.0.2.10:5001");
		first10b += !strcmp(addr(0), "127.0.2.11:5003");
	}
	CHECK_EQ(not_cached, 0);
	CHECK_EQ(first10 + first10b, 200);
	CHECK(first10 > 40 && first10b > 40);
}

/* RFC 2782 weights: 99 against 1 */
static void test_srv_weight(void)
{
	int i, heavy = 0, not_cached = 0;

	srandom(7);
	CHECK_EQ(resolve("w.krtp.test", 0, 0, 0), 1);
	CHECK_EQ(got.n, 2);
	for (i = 0; i < 1000; i++) {
		not_cached += resolve("w.krtp.test", 0, 0, 0) != 0;
		heavy += !strcmp(addr(0), "127.0.3.99:5012");
	}
	CHECK_EQ(not_cached, 0);
	CHECK(heavy > 950 && heavy < 1000);
}

/* §4.2: no NAPTR, no SRV: the A record on 5060 over UDP; explicit port: A only */
static void test_fallback(void)
{
	unsigned long q = queries();

	CHECK_EQ(resolve("plain.krtp.test", 0, 0, 0), 1);
	CHECK_EQ(got_err, 0);
	CHECK_EQ(got.n, 1);
	CHECK_STR(addr(0), "127.0.4.1:5060");
	CHECK_EQ(got.t[0].proto, DNS_UDP);
	/* NAPTR, _sip._udp, _sip._tcp, A, AAAA */
	CHECK_EQ(queries() - q, 5);

	q = queries();
	CHECK_EQ(resolve("tls.krtp.test", 5099, DNS_TCP, 0), 1);
	CHECK_EQ(got_err, 0);
	CHECK_STR(addr(0), "127.0.1.3:5099");
	CHECK_EQ(got.t[0].proto, DNS_TCP);
	CHECK_EQ(queries() - q, 2);
}

/* the A record's TTL (1 s) and the negative bound (5 s) on the empty AAAA */
static void test_ttl(void)
{
	unsigned long q = queries();

	CHECK_EQ(resolve("ttl.krtp.test", 5060, 0, 0), 1);
	CHECK_STR(addr(0), "127.0.5.1:5060");
	CHECK_EQ(queries() - q, 2);
	CHECK_EQ(resolve("ttl.krtp.test", 5060, 0, 0), 0);
	CHECK_EQ(queries() - q, 2);
	clock_skew += 1500;
	CHECK_EQ(resolve("ttl.krtp.test", 5060, 0, 0), 1);
	CHECK_STR(addr(0), "127.0.5.1:5060");
	CHECK_EQ(queries() - q, 3);		/* A again; the AAAA NODATA still cached */
	clock_skew += 5000;
	CHECK_EQ(resolve("ttl.krtp.test", 5060, 0, 0), 1);
	CHECK_EQ(queries() - q, 5);		/* both */
}

static void test_nxdomain(void)
{
	const char *reason = NULL;
	struct dns_stats s0, s;
	unsigned long q;

	DNS_GetStats(&s0);
	CHECK_EQ(resolve("nosuch.krtp.test", 0, 0, 0), 1);
	CHECK_EQ(got_err, -ENOENT);
	CHECK_EQ(DNS_Status(got_err, &reason), 404);
	CHECK_STR(reason, "Cannot Resolve Host");
	DNS_GetStats(&s);
	CHECK_EQ(s.failures - s0.failures, 1);
	CHECK_EQ(s.nxdomain - s0.nxdomain, 1);
	/* remembered: fails at once, no query */
	q = queries();
	CHECK_EQ(resolve("nosuch.krtp.test", 0, 0, 0), -ENOENT);
	CHECK_EQ(queries(), q);
	/* until the negative TTL passes */
	clock_skew += 6000;
	CHECK_EQ(resolve("nosuch.krtp.test", 0, 0, 0), 1);
	CHECK_EQ(got_err, -ENOENT);
}

/* the cache holds at most cache_size (64) entries, dropping the least recent */
static void test_bounded(void)
{
	struct dns_stats s;
	char name[64];
	int i;

	for (i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "n%d.krtp.test", i);
		resolve(name, 5060, 0, 0);
		CHECK_EQ(got_err, -ENOENT);
	}
	DNS_GetStats(&s);
	CHECK_EQ(s.cache_entries, 64);
}

/* a server that never answers: -EAGAIN (503) after the timeout, counted */
static void test_timeout(void)
{
	int fd = dnsmasq_free_port(1), silent;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	const char *reason = NULL;
	struct dns_stats s;
	uint64_t t0;

	getsockname(fd, (struct sockaddr *)&sin, &len);
	silent = ntohs(sin.sin_port);
	DNS_Fini();
	CHECK_EQ(init_dns(silent, 200), 0);
	t0 = skewed_clock();
	CHECK_EQ(resolve("plain.krtp.test", 0, 0, 0), 1);
	CHECK_EQ(got_err, -EAGAIN);
	CHECK(skewed_clock() - t0 >= 150 && skewed_clock() - t0 < 2000);
	CHECK_EQ(DNS_Status(got_err, &reason), 503);
	CHECK_STR(reason, "DNS Failure");
	DNS_GetStats(&s);
	CHECK_EQ(s.timeouts, 1);

	/* a lookup still waiting when the resolver goes away ends with -ECANCELED */
	got_calls = 0;
	{
		struct dns_req req = { .host = STR_C("plain.krtp.test") };

		CHECK_EQ(DNS_Resolve(&req, on_result, NULL, &got), 1);
	}
	DNS_Fini();
	CHECK_EQ(got_calls, 1);
	CHECK_EQ(got_err, -ECANCELED);
	close(fd);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	LOG_Init();
	LOG_SetLevel(LOGL_ERR);
	RCU_RegisterThread();
	TMR_SetClock(skewed_clock);
	CHECK_EQ(TMR_Init(), 0);
	CHECK_EQ(LOOP_Init(), 0);
	port = dnsmasq_start("krtp.test", records);
	if (port < 0) {
		printf("# dnsmasq did not start\n");
		CHECK(0);
		dnsmasq_stop();
		return check_summary();
	}
	CHECK_EQ(init_dns(port, 1000), 0);
	test_numeric();
	test_naptr();
	test_srv_priority();
	test_srv_weight();
	test_fallback();
	test_ttl();
	test_nxdomain();
	test_bounded();
	test_timeout();
	dnsmasq_stop();
	LOOP_Fini();
	TMR_Fini();
	RCU_UnregisterThread();
	LOG_Fini();
	return check_summary();
}
