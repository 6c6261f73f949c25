// SPDX-License-Identifier: GPL-2.0
/*
 * Transaction timers (daemon/sip/txn.c, RFC 3261 §17) driven by a fake
 * clock: a real UDP transport on loopback sends to a test socket, and each
 * step advances the clock, runs the timer heap and counts exactly which
 * datagrams left: retransmission schedules of timers A, E and G (T1
 * doubling, capped at T2 for E and G), the B/F timeouts reported as 408,
 * ACK generation for a non-2xx final, and D, H, I, J, K ending the
 * transactions.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "rcu.h"
#include "sip/txn.h"
#include "timer.h"
#include "check.h"

static uint64_t fake_now = 1000000;
static int sock = -1;
static struct tp_peer dst;	/* the test socket */
static struct tp_peer ua;	/* where "requests" come from: also the test socket */
static int failed_status, responses, destroyed;

static uint64_t fake_clock(void)
{
	return fake_now;
}

/* advance to t ms after start, firing every timer on the way */
static void advance_to(uint64_t start, uint64_t t)
{
	while (fake_now < start + t) {
		int next = TMR_NextTimeout();

		if (next < 0 || fake_now + next > start + t)
			fake_now = start + t;
		else
			fake_now += next;
		RCU_ReadLock();
		TMR_Run();
		RCU_ReadUnlock();
	}
}

/* datagrams waiting at the test socket; the first line of the last goes to first */
static int drain(char *first, size_t sz)
{
	char buf[4096];
	int n = 0;
	ssize_t r;

	while ((r = recv(sock, buf, sizeof(buf) - 1, MSG_DONTWAIT)) > 0) {
		buf[r] = '\0';
		if (first) {
			snprintf(first, sz, "%.*s", (int)strcspn(buf, "\r\n"), buf);
		}
		n++;
	}
	return n;
}

static void ops_response(struct txn *t, const struct sip_msg *m)
{
	(void)t;
	(void)m;
	responses++;
}

static void ops_failed(struct txn *t, int status)
{
	(void)t;
	failed_status = status;
}

static void ops_destroyed(struct txn *t)
{
	(void)t;
	destroyed++;
}

static const struct txn_ops ops = {
	.response = ops_response, .failed = ops_failed, .destroyed = ops_destroyed,
};

static const char req_fmt[] =
	"%s sip:bob@127.0.0.1 SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 127.0.0.1:%u;branch=%s\r\n"
	"From: <sip:alice@krtp.test>;tag=a1\r\nTo: <sip:bob@krtp.test>\r\n"
	"Call-ID: %s\r\nCSeq: 1 %s\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";

static struct txn *client(const char *method, const char *branch)
{
	char buf[1024];
	struct txn *t;
	int n = snprintf(buf, sizeof(buf), req_fmt, method, TP_Port(&dst.addr), branch, branch,
			 method);

	RCU_ReadLock();
	t = TXN_ClientNew(&dst, branch, MSG_MethodId(method, strlen(method)), buf, n, &ops,
			  NULL, 0);
	RCU_ReadUnlock();
	return t;
}

/* feed a response to the client transaction with this branch */
static void respond(const char *method, const char *branch, int status)
{
	char buf[1024];
	struct sip_msg m;
	int n = snprintf(buf, sizeof(buf), "SIP/2.0 %d X\r\n"
			 "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=%s\r\n"
			 "From: <sip:alice@krtp.test>;tag=a1\r\nTo: <sip:bob@krtp.test>;tag=b1\r\n"
			 "Call-ID: %s\r\nCSeq: 1 %s\r\nContent-Length: 0\r\n\r\n",
			 status, TP_Port(&dst.addr), branch, branch, method);

	CHECK_EQ(MSG_Parse(&m, buf, n), 0);
	RCU_ReadLock();
	CHECK_EQ(TXN_ClientResponse(&m, &dst), 0);
	RCU_ReadUnlock();
}

/* count sends at each of the given times (ms after start) */
static void expect_sends(uint64_t start, const uint64_t *at, int n, uint64_t until)
{
	int i, total = 0;

	for (i = 0; i < n; i++) {
		advance_to(start, at[i] - 1);
		CHECK_EQ(drain(NULL, 0), 0);
		advance_to(start, at[i]);
		CHECK_EQ(drain(NULL, 0), 1);
		total++;
	}
	advance_to(start, until);
	CHECK_EQ(drain(NULL, 0), 0);
}

static void test_client_non_invite(void)
{
	/* Timer E: T1, 2T1, 4T1, then T2 until Timer F (64*T1) */
	static const uint64_t at[] = { 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500,
				       27500, 31500 };
	uint64_t start = fake_now;
	unsigned long before = TXN_Count();

	failed_status = destroyed = 0;
	CHECK(client("OPTIONS", "z9hG4bKtest-e") != NULL);
	CHECK_EQ(drain(NULL, 0), 1);		/* the first send */
	expect_sends(start, at, sizeof(at) / sizeof(at[0]), 31999);
	CHECK_EQ(failed_status, 0);
	advance_to(start, 32000);		/* Timer F */
	CHECK_EQ(failed_status, 408);
	CHECK_EQ(destroyed, 1);
	CHECK_EQ(TXN_Count(), before);
}

static void test_client_invite_timeout(void)
{
	/* Timer A doubles without a cap until Timer B (64*T1) */
	static const uint64_t at[] = { 500, 1500, 3500, 7500, 15500, 31500 };
	uint64_t start = fake_now;

	failed_status = destroyed = 0;
	CHECK(client("INVITE", "z9hG4bKtest-a") != NULL);
	CHECK_EQ(drain(NULL, 0), 1);
	expect_sends(start, at, sizeof(at) / sizeof(at[0]), 31999);
	advance_to(start, 32000);		/* Timer B */
	CHECK_EQ(failed_status, 408);
	CHECK_EQ(destroyed, 1);
}

static void test_client_invite_final(void)
{
	uint64_t start = fake_now;
	unsigned long before = TXN_Count();
	char line[256];

	failed_status = destroyed = responses = 0;
	CHECK(client("INVITE", "z9hG4bKtest-d") != NULL);
	CHECK_EQ(drain(NULL, 0), 1);
	advance_to(start, 100);
	respond("INVITE", "z9hG4bKtest-d", 180);	/* Proceeding: A and B stop */
	CHECK_EQ(responses, 1);
	advance_to(start, 40000);
	CHECK_EQ(drain(NULL, 0), 0);
	CHECK_EQ(failed_status, 0);
	respond("INVITE", "z9hG4bKtest-d", 486);	/* Completed: ACK sent */
	CHECK_EQ(responses, 2);
	CHECK_EQ(drain(line, sizeof(line)), 1);
	CHECK_STR(line, "ACK sip:bob@127.0.0.1 SIP/2.0");
	respond("INVITE", "z9hG4bKtest-d", 486);	/* retransmission: ACK again, not passed up */
	CHECK_EQ(responses, 2);
	CHECK_EQ(drain(line, sizeof(line)), 1);
	CHECK_STR(line, "ACK sip:bob@127.0.0.1 SIP/2.0");
	CHECK_EQ(destroyed, 1);				/* the owner is released at the final */
	advance_to(start, 40000 + 31999);
	CHECK_EQ(TXN_Count(), before + 1);
	advance_to(start, 40000 + 32000);		/* Timer D */
	CHECK_EQ(TXN_Count(), before);

	/* a 2xx ends the client INVITE transaction at once, no ACK from it */
	start = fake_now;
	destroyed = 0;
	CHECK(client("INVITE", "z9hG4bKtest-2") != NULL);
	CHECK_EQ(drain(NULL, 0), 1);
	respond("INVITE", "z9hG4bKtest-2", 200);
	CHECK_EQ(destroyed, 1);
	CHECK_EQ(drain(NULL, 0), 0);

	/* non-INVITE: a final response, then Timer K (T4) */
	start = fake_now;
	destroyed = 0;
	CHECK(client("BYE", "z9hG4bKtest-k") != NULL);
	CHECK_EQ(drain(NULL, 0), 1);
	respond("BYE", "z9hG4bKtest-k", 200);
	CHECK_EQ(destroyed, 1);
	advance_to(start, 4999);
	CHECK_EQ(TXN_Count(), before + 1);
	CHECK_EQ(drain(NULL, 0), 0);			/* no retransmission after the final */
	advance_to(start, 5000);
	CHECK_EQ(TXN_Count(), before);
}

static struct txn *server(const char *method, const char *branch, struct sip_msg *m, char *buf,
			  size_t sz)
{
	int n = snprintf(buf, sz, req_fmt, method, TP_Port(&ua.addr), branch, branch, method);
	struct txn *t;

	CHECK_EQ(MSG_Parse(m, buf, n), 0);
	RCU_ReadLock();
	t = TXN_ServerNew(m, &ua);
	RCU_ReadUnlock();
	return t;
}

static void reply(struct txn *t, int status)
{
	char buf[256];
	int n = snprintf(buf, sizeof(buf), "SIP/2.0 %d X\r\nContent-Length: 0\r\n\r\n", status);

	RCU_ReadLock();
	TXN_ServerReply(t, status, buf, n);
	RCU_ReadUnlock();
}

static void test_server_invite(void)
{
	/* Timer G: T1, 2T1, 4T1, then T2, until Timer H (64*T1) */
	static const uint64_t at[] = { 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500,
				       27500, 31500 };
	unsigned long before = TXN_Count();
	struct sip_msg m, m2;
	char buf[1024], buf2[1024];
	uint64_t start;
	struct txn *t;

	t = server("INVITE", "z9hG4bKsrv-g", &m, buf, sizeof(buf));
	CHECK(t != NULL);
	RCU_ReadLock();
	CHECK(TXN_ServerFind(&m, SIP_M_INVITE) == t);
	CHECK(TXN_ServerFind(&m, SIP_M_CANCEL) == NULL);
	RCU_ReadUnlock();
	reply(t, 100);
	CHECK_EQ(drain(NULL, 0), 1);
	TXN_ServerRetransmit(t);			/* a retransmitted INVITE gets the 100 */
	CHECK_EQ(drain(NULL, 0), 1);
	start = fake_now;
	reply(t, 486);
	CHECK_EQ(drain(NULL, 0), 1);
	expect_sends(start, at, sizeof(at) / sizeof(at[0]), 31999);
	CHECK_EQ(TXN_Count(), before + 1);
	advance_to(start, 32000);			/* Timer H: gave up on the ACK */
	CHECK_EQ(TXN_Count(), before);

	/* with the ACK: retransmissions stop, Timer I (T4) ends it */
	t = server("INVITE", "z9hG4bKsrv-i", &m2, buf2, sizeof(buf2));
	start = fake_now;
	reply(t, 404);
	CHECK_EQ(drain(NULL, 0), 1);
	advance_to(start, 500);
	CHECK_EQ(drain(NULL, 0), 1);
	TXN_ServerAck(t);
	advance_to(start, 500 + 4999);
	CHECK_EQ(drain(NULL, 0), 0);
	CHECK_EQ(TXN_Count(), before + 1);
	advance_to(start, 500 + 5000);
	CHECK_EQ(TXN_Count(), before);

	/* a 2xx ends the server INVITE transaction at once */
	t = server("INVITE", "z9hG4bKsrv-2", &m2, buf2, sizeof(buf2));
	reply(t, 200);
	CHECK_EQ(drain(NULL, 0), 1);
	CHECK_EQ(TXN_Count(), before);
}

static void test_server_non_invite(void)
{
	unsigned long before = TXN_Count();
	struct sip_msg m;
	char buf[1024];
	uint64_t start;
	struct txn *t;

	t = server("BYE", "z9hG4bKsrv-j", &m, buf, sizeof(buf));
	start = fake_now;
	reply(t, 200);
	CHECK_EQ(drain(NULL, 0), 1);
	advance_to(start, 10000);
	CHECK_EQ(drain(NULL, 0), 0);			/* no retransmission of non-INVITE finals */
	TXN_ServerRetransmit(t);			/* but the request's retransmission gets it */
	CHECK_EQ(drain(NULL, 0), 1);
	advance_to(start, 31999);
	CHECK_EQ(TXN_Count(), before + 1);
	advance_to(start, 32000);			/* Timer J */
	CHECK_EQ(TXN_Count(), before);
}

int main(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct tp_listen l = { .udp = 1 };
	struct tp_limits lim = { .max_message = 65535, .max_conns = 4, .idle_timeout = 60 };
	socklen_t alen = sizeof(sa);

	setvbuf(stdout, NULL, _IOLBF, 0);
	LOG_SetLevel(LOGL_ERR);
	TMR_SetClock(fake_clock);
	RCU_RegisterThread();
	CHECK_EQ(TMR_Init(), 0);
	CHECK_EQ(LOOP_Init(), 0);
	CHECK_EQ(TXN_Init(), 0);
	{
		char a[32];

		/* a port of its own, so parallel runs do not collide */
		snprintf(a, sizeof(a), "127.0.0.1:%d", 40000 + getpid() % 20000);
		TP_AddrParse(a, 0, &l.addr);
	}
	CHECK_EQ(TP_Init(&l, 1, &lim, NULL), 0);

	sock = socket(AF_INET, SOCK_DGRAM, 0);
	bind(sock, (struct sockaddr *)&sa, sizeof(sa));
	getsockname(sock, (struct sockaddr *)&sa, &alen);
	memset(&dst, 0, sizeof(dst));
	dst.proto = TP_UDP;
	dst.sock = -1;
	memcpy(&dst.addr, &sa, sizeof(sa));
	ua = dst;

	test_client_non_invite();
	test_client_invite_timeout();
	test_client_invite_final();
	test_server_invite();
	test_server_non_invite();

	TP_Fini();
	TXN_Fini();
	LOOP_Fini();
	TMR_Fini();
	RCU_UnregisterThread();
	close(sock);
	return check_summary();
}
