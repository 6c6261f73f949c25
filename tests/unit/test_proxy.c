// SPDX-License-Identifier: GPL-2.0
/*
 * Proxy core (daemon/sip/proxy.c with the registrar, transactions and
 * dialogs), message by message and without the network: requests and
 * responses are fed to PRX_Receive as if they came from alice (port 5070)
 * or bob (5080, 5090), and every message krtpd sends is captured by the
 * transport's send hook and checked: where it goes, its start line, Vias,
 * Max-Forwards, Record-Route and Route handling, CANCEL, forking and the
 * best-response choice, and Timer B/C failures on a fake clock. The other
 * methods (PRACK, UPDATE, INFO, MESSAGE, SUBSCRIBE/NOTIFY, OPTIONS and an
 * unknown one) in and out of dialogs, and 405 for krtpd itself. With a
 * users file: callers in our domain are challenged (407) and
 * authenticated, their credentials stripped before forwarding. Then media
 * through a 183 with 100rel and an UPDATE, on the userspace relay, and an
 * UPDATE from the callee in the early dialog.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "loop.h"
#include "media.h"
#include "rcu.h"
#include "sip/auth.h"
#include "sip/dialog.h"
#include "sip/proxy.h"
#include "sip/registrar.h"
#include "sip/txn.h"
#include "timer.h"
#include "check.h"
#include "proxytest.h"

#define MAXSENT 512

static struct prx_config pc_main;	/* the proxy's configuration in main() */

static uint64_t fake_now = 5000000;
static int port;			/* krtpd's */
static char us[32];			/* "127.0.0.1:port" */

static struct sent {
	char buf[8192];
	size_t len;
	int dport;
	struct sip_msg m;
} sent[MAXSENT];
static int nsent;

static uint64_t fake_clock(void)
{
	return fake_now;
}

static int capture(const struct tp_peer *dst, const char *buf, size_t len)
{
	struct sent *s;

	if (nsent == MAXSENT || len >= sizeof(s->buf))
		return 0;
	s = &sent[nsent++];
	memcpy(s->buf, buf, len);
	s->len = len;
	s->dport = TP_Port(&dst->addr);
	/* a reply to a request without Call-ID has none either: m is then partial */
	MSG_Parse(&s->m, s->buf, len);
	return 0;
}

/* feed one message from 127.0.0.1:sport; "%U" in fmt is krtpd's host:port */
static void feed(int sport, const char *fmt, ...)
{
	char tmpl[4096], buf[8192], *p;
	struct tp_peer src = { .proto = TP_UDP, .sock = -1 };
	va_list ap;
	size_t n;

	snprintf(tmpl, sizeof(tmpl), "%s", fmt);
	/* expand %U before the caller's own arguments */
	while ((p = strstr(tmpl, "%U"))) {
		char rest[4096];

		snprintf(rest, sizeof(rest), "%s", p + 2);
		snprintf(p, sizeof(tmpl) - (p - tmpl), "%s%s", us, rest);
	}
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), tmpl, ap);
	va_end(ap);
	n = strlen(buf);
	{
		char a[32];

		snprintf(a, sizeof(a), "127.0.0.1:%d", sport);
		TP_AddrParse(a, 0, &src.addr);
	}
	RCU_ReadLock();
	PRX_Receive(buf, n, &src);
	RCU_ReadUnlock();
}

static void advance(uint64_t ms)
{
	uint64_t end = fake_now + ms;

	while (fake_now < end) {
		int next = TMR_NextTimeout();

		fake_now = next < 0 || fake_now + next > end ? end : fake_now + next;
		RCU_ReadLock();
		TMR_Run();
		RCU_ReadUnlock();
	}
}

/* the n-th captured message going to port with this status (or method when status 0) */
static struct sent *find(int dport, int status, const char *method)
{
	int i;

	for (i = 0; i < nsent; i++) {
		struct sip_msg *m = &sent[i].m;

		if (sent[i].dport != dport)
			continue;
		if (status && !m->request && m->status == status &&
		    (!method || STR_Eq(m->cseq_method, STR_C(method))))
			return &sent[i];
		if (!status && m->request && STR_Eq(m->method, STR_C(method)))
			return &sent[i];
	}
	return NULL;
}

static int has(const struct sent *s, const char *text)
{
	return s && memmem(s->buf, s->len, text, strlen(text)) != NULL;
}

#define HDRS(branch, callid, cseq) \
	"Via: SIP/2.0/UDP 127.0.0.1:%d;branch=" branch ";rport\r\n" \
	"Call-ID: " callid "\r\nCSeq: " cseq "\r\n"

static void reg(const char *user, int uport)
{
	nsent = 0;
	feed(uport, "REGISTER sip:krtp.test SIP/2.0\r\n" HDRS("z9hG4bKr%d", "reg-%s-%d", "1 REGISTER")
	     "From: <sip:%s@krtp.test>;tag=r\r\nTo: <sip:%s@krtp.test>\r\n"
	     "Contact: <sip:%s@127.0.0.1:%d>\r\nExpires: 600\r\nContent-Length: 0\r\n\r\n",
	     uport, uport, user, uport, user, user, user, uport);
	CHECK(find(uport, 200, "REGISTER") != NULL);
}

static const char invite_fmt[] =
	"INVITE sip:%s SIP/2.0\r\n" HDRS("z9hG4bK%s", "%s", "1 INVITE")
	"Max-Forwards: %d\r\nFrom: <sip:alice@krtp.test>;tag=a1\r\nTo: <sip:%s>\r\n"
	"Contact: <sip:alice@127.0.0.1:5070>\r\nContent-Length: 0\r\n\r\n";

/* a response from the UA at uport to the request krtpd sent it, with extra header lines */
static void respond(int uport, const struct sent *req, int status, const char *totag,
		    const char *extra)
{
	const struct sip_msg *m = &req->m;
	char vias[2048] = "", *p = vias;
	int i;

	for (i = 0; i < m->nhdrs; i++)
		if (m->hdrs[i].id == SIP_H_VIA || m->hdrs[i].id == SIP_H_RECORD_ROUTE)
			p += snprintf(p, vias + sizeof(vias) - p, "%.*s", (int)m->hdrs[i].line_len,
				      m->hdrs[i].line);
	nsent = 0;
	feed(uport, "SIP/2.0 %d X\r\n%sFrom: %.*s\r\nTo: %.*s%s%s\r\nCall-ID: %.*s\r\n"
	     "CSeq: %u %.*s\r\nContact: <sip:bob@127.0.0.1:%d>\r\n%s%s",
	     status, vias, (int)m->from.raw.len, m->from.raw.s, (int)m->to.raw.len, m->to.raw.s,
	     m->to.tag.len ? "" : ";tag=", m->to.tag.len ? "" : totag, (int)m->call_id.len,
	     m->call_id.s, m->cseq, (int)m->cseq_method.len, m->cseq_method.s, uport, extra,
	     strstr(extra, "Content-Length:") ? "" : "Content-Length: 0\r\n\r\n");
}

static void answer(int uport, const struct sent *req, int status, const char *totag)
{
	respond(uport, req, status, totag, "");
}

/* a copy of a captured message that stays valid when the capture array is reused */
static void keep(struct sent *c, const struct sent *s)
{
	*c = *s;
	MSG_Parse(&c->m, c->buf, c->len);
}

static void test_basics(void)
{
	struct sent *s;

	nsent = 0;
	feed(5070, "OPTIONS sip:krtp.test SIP/2.0\r\n" HDRS("z9hG4bKo1", "opt1", "1 OPTIONS")
	     "From: <sip:alice@krtp.test>;tag=o\r\nTo: <sip:krtp.test>\r\nContent-Length: 0\r\n\r\n",
	     5070);
	s = find(5070, 200, "OPTIONS");
	CHECK(s != NULL);
	CHECK(has(s, "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER"));
	CHECK(has(s, "Accept: application/sdp"));
	CHECK(has(s, "Supported:"));

	/*
	 * A phone behind NAT learns its public address from krtpd's own
	 * responses (RFC 3581 §4): received= and the rport value on the top Via
	 * only; the Vias below and on the same line pass unchanged.
	 */
	nsent = 0;
	feed(5070, "OPTIONS sip:krtp.test SIP/2.0\r\n"
	     "Via: SIP/2.0/UDP 192.168.1.20:5062;rport;branch=z9hG4bKnat1, SIP/2.0/UDP 10.9.9.9;branch=z9hG4bKx\r\n"
	     "Via: SIP/2.0/TCP 10.1.1.1;branch=z9hG4bKy\r\n"
	     "Call-ID: nat1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"
	     "From: <sip:alice@krtp.test>;tag=o\r\nTo: <sip:krtp.test>\r\nContent-Length: 0\r\n\r\n");
	s = find(5070, 200, "OPTIONS");
	CHECK(s != NULL);
	CHECK(has(s, "\r\nVia: SIP/2.0/UDP 192.168.1.20:5062;rport=5070;branch=z9hG4bKnat1;received=127.0.0.1\r\n"
		     "Via: SIP/2.0/UDP 10.9.9.9;branch=z9hG4bKx\r\n"
		     "Via: SIP/2.0/TCP 10.1.1.1;branch=z9hG4bKy\r\n"));
	/* sent-by already the source and no rport: the Via is left as it is */
	nsent = 0;
	feed(5070, "OPTIONS sip:krtp.test SIP/2.0\r\n"
	     "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKnat2\r\n"
	     "Call-ID: nat2\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"
	     "From: <sip:alice@krtp.test>;tag=o\r\nTo: <sip:krtp.test>\r\nContent-Length: 0\r\n\r\n");
	s = find(5070, 200, "OPTIONS");
	CHECK(s != NULL);
	CHECK(has(s, "\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKnat2\r\nCall-ID: nat2\r\n"));

	nsent = 0;
	feed(5070, "OPTIONS sip:krtp.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;rport\r\n"
	     "From: <sip:a@b>;tag=1\r\nTo: <sip:krtp.test>\r\nCSeq: 1 OPTIONS\r\n\r\n");
	CHECK(find(5070, 400, NULL) != NULL);
	CHECK(has(find(5070, 400, NULL), "SIP/2.0 400 Missing Call-ID\r\n"));

	nsent = 0;
	feed(5070, invite_fmt, "nobody@krtp.test", 5070, "i404", "c404", 70, "nobody@krtp.test");
	CHECK(find(5070, 100, NULL) != NULL);
	CHECK(find(5070, 404, NULL) != NULL);

	/* Timer G retransmits the 404 until the ACK, even one with a new branch */
	nsent = 0;
	advance(600);
	CHECK(find(5070, 404, NULL) != NULL);
	nsent = 0;
	feed(5070, "ACK sip:nobody@krtp.test SIP/2.0\r\n" HDRS("z9hG4bKother", "c404", "1 ACK")
	     "Max-Forwards: 70\r\nFrom: <sip:alice@krtp.test>;tag=a1\r\n"
	     "To: <sip:nobody@krtp.test>;tag=x\r\nContent-Length: 0\r\n\r\n", 5070);
	advance(5000);
	CHECK(find(5070, 404, NULL) == NULL);

	nsent = 0;
	feed(5070, invite_fmt, "bob@example.com", 5070, "i403", "c403", 70, "bob@example.com");
	CHECK(find(5070, 403, NULL) != NULL);

	nsent = 0;
	feed(5070, invite_fmt, "bob@krtp.test", 5070, "i483", "c483", 0, "bob@krtp.test");
	CHECK(find(5070, 483, NULL) != NULL);
	CHECK(find(5080, 0, "INVITE") == NULL);

	nsent = 0;
	feed(5070, invite_fmt, "carol@krtp.test", 5070, "i480", "c480", 70, "carol@krtp.test");
	CHECK(find(5070, 404, NULL) != NULL);	/* never registered, no users file */
}

static void test_call(void)
{
	struct sent *inv, *s;
	char rr[64], route[64];

	reg("bob", 5080);
	nsent = 0;
	feed(5070, invite_fmt, "bob@krtp.test", 5070, "call1", "call-1", 70, "bob@krtp.test");
	CHECK(find(5070, 100, NULL) != NULL);
	inv = find(5080, 0, "INVITE");
	CHECK(inv != NULL);
	if (!inv)
		return;
	CHECK(has(inv, "INVITE sip:bob@127.0.0.1:5080 SIP/2.0\r\n"));
	CHECK_EQ(inv->m.nvia, 2);
	CHECK(inv->m.via[0].branch.len > 9 && !memcmp(inv->m.via[0].branch.s, "z9hG4bKkr", 9));
	CHECK_EQ(inv->m.via[0].port, port);
	CHECK_SL(inv->m.via[1].rport_val, "5070");
	CHECK_SL(inv->m.via[1].received, "127.0.0.1");
	CHECK_EQ(inv->m.max_forwards, 69);
	snprintf(rr, sizeof(rr), "Record-Route: <sip:%s;lr>\r\n", us);
	CHECK(has(inv, rr));
	CHECK_EQ(inv->m.nrr, 1);

	/* a retransmitted INVITE: the 100 again, nothing downstream */
	nsent = 0;
	feed(5070, invite_fmt, "bob@krtp.test", 5070, "call1", "call-1", 70, "bob@krtp.test");
	CHECK(find(5070, 100, NULL) != NULL);
	CHECK(find(5080, 0, "INVITE") == NULL);

	answer(5080, inv, 180, "b1");
	s = find(5070, 180, NULL);
	CHECK(s != NULL);
	CHECK(s && s->m.nvia == 1 && s->m.via[0].port == 5070);
	answer(5080, inv, 200, "b1");
	s = find(5070, 200, "INVITE");
	CHECK(s != NULL);
	CHECK(has(s, rr));
	CHECK_EQ(DLG_Count(), 1);

	/* ACK and BYE follow the Record-Route */
	snprintf(route, sizeof(route), "Route: <sip:%s;lr>\r\n", us);
	nsent = 0;
	feed(5070, "ACK sip:bob@127.0.0.1:5080 SIP/2.0\r\n" HDRS("z9hG4bKack1", "call-1", "1 ACK")
	     "%sMax-Forwards: 70\r\nFrom: <sip:alice@krtp.test>;tag=a1\r\n"
	     "To: <sip:bob@krtp.test>;tag=b1\r\nContent-Length: 0\r\n\r\n", 5070, route);
	s = find(5080, 0, "ACK");
	CHECK(s != NULL);
	CHECK(s && s->m.nroute == 0);
	nsent = 0;
	feed(5070, "BYE sip:bob@127.0.0.1:5080 SIP/2.0\r\n" HDRS("z9hG4bKbye1", "call-1", "2 BYE")
	     "%sMax-Forwards: 70\r\nFrom: <sip:alice@krtp.test>;tag=a1\r\n"
	     "To: <sip:bob@krtp.test>;tag=b1\r\nContent-Length: 0\r\n\r\n", 5070, route);
	s = find(5080, 0, "BYE");
	CHECK(s != NULL);
	CHECK_EQ(DLG_Count(), 0);
	if (s)
		answer(5080, s, 200, "b1");
	CHECK(find(5070, 200, "BYE") != NULL);
}

static void test_cancel(void)
{
	struct sent *inv, *s;

	nsent = 0;
	feed(5070, invite_fmt, "bob@krtp.test", 5070, "call2", "call-2", 70, "bob@krtp.test");
	inv = find(5080, 0, "INVITE");
	CHECK(inv != NULL);
	if (!inv)
		return;
	struct sent copy = *inv;

	/* the branch must be re-parsed: the capture array is reused */
	MSG_Parse(&copy.m, copy.buf, copy.len);
	answer(5080, &copy, 180, "b2");
	nsent = 0;
	feed(5070, "CANCEL sip:bob@krtp.test SIP/2.0\r\n" HDRS("z9hG4bKcall2", "call-2", "1 CANCEL")
	     "Max-Forwards: 70\r\nFrom: <sip:alice@krtp.test>;tag=a1\r\nTo: <sip:bob@krtp.test>\r\n"
	     "Content-Length: 0\r\n\r\n", 5070);
	CHECK(find(5070, 200, "CANCEL") != NULL);
	s = find(5080, 0, "CANCEL");
	CHECK(s != NULL);
	CHECK(s && STR_Eq(s->m.via[0].branch, copy.m.via[0].branch));
	answer(5080, &copy, 487, "b2");
	CHECK(find(5070, 487, "INVITE") != NULL);
	s = find(5080, 0, "ACK");
	CHECK(s != NULL);
	CHECK(s && STR_Eq(s->m.via[0].branch, copy.m.via[0].branch));
}

/*
 * What a proxy must not break (RFC 3261 §16, RFC 3262, 3311, 6086, 3428,
 * 6665): each method out of a dialog to a registered user and inside one
 * along the Record-Route, with its own headers intact; and methods sent
 * to krtpd itself that it does not handle.
 */
#define DLG_A "From: <sip:alice@krtp.test>;tag=a7\r\nTo: <sip:dave@krtp.test>;tag=d7\r\n"
#define DLG_D "From: <sip:dave@krtp.test>;tag=d7\r\nTo: <sip:alice@krtp.test>;tag=a7\r\n"

static void test_methods(void)
{
	char rr[64], route[64];
	struct sent c, inv, *s;
	int dialogs;

	snprintf(rr, sizeof(rr), "Record-Route: <sip:%s;lr>\r\n", us);
	snprintf(route, sizeof(route), "Route: <sip:%s;lr>\r\n", us);
	reg("dave", 5100);

	/* MESSAGE out of a dialog: to the registered contact, body intact, no Record-Route */
	nsent = 0;
	feed(5070, "MESSAGE sip:dave@krtp.test SIP/2.0\r\n" HDRS("z9hG4bKmm1", "m-msg", "1 MESSAGE")
	     "Max-Forwards: 70\r\nFrom: <sip:alice@krtp.test>;tag=am\r\nTo: <sip:dave@krtp.test>\r\n"
	     "Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello", 5070);
	s = find(5100, 0, "MESSAGE");
	CHECK(has(s, "MESSAGE sip:dave@127.0.0.1:5100 SIP/2.0\r\n"));
	CHECK(has(s, "Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello"));
	CHECK(s && s->m.nrr == 0 && s->m.max_forwards == 69 && s->m.nvia == 2);
	if (!s)
		return;
	keep(&c, s);
	answer(5100, &c, 200, "dm");
	CHECK(find(5070, 200, "MESSAGE") != NULL);
	/* to a user nobody registered */
	nsent = 0;
	feed(5070, "MESSAGE sip:erin@krtp.test SIP/2.0\r\n" HDRS("z9hG4bKmm2", "m-msg2", "1 MESSAGE")
	     "Max-Forwards: 70\r\nFrom: <sip:alice@krtp.test>;tag=am\r\nTo: <sip:erin@krtp.test>\r\n"
	     "Content-Length: 0\r\n\r\n", 5070);
	CHECK(find(5070, 404, "MESSAGE") != NULL);

	/* OPTIONS to a user goes to the user */
	nsent = 0;
	feed(5070, "OPTIONS sip:dave@krtp.test SIP/2.0\r\n" HDRS("z9hG4bKmo1", "m-opt", "1 OPTIONS")
	     "Max-Forwards: 70\r\nFrom: <sip:alice@krtp.test>;tag=ao\r\nTo: <sip:dave@krtp.test>\r\n"
	     "Content-Length: 0\r\n\r\n", 5070);
	s = find(5100, 0, "OPTIONS");
	CHECK(has(s, "OPTIONS sip:dave@127.0.0.1:5100 SIP/2.0\r\n"));
	if (s) {
		keep(&c, s);
		answer(5100, &c, 200, "do");
		CHECK(find(5070, 200, "OPTIONS") != NULL);
	}

	/* SUBSCRIBE creates a dialog: record-routed, and its NOTIFY comes back through us */
	nsent = 0;
	feed(5070, "SUBSCRIBE sip:dave@krtp.test SIP/2.0\r\n"
	     HDRS("z9hG4bKms1", "m-sub", "1 SUBSCRIBE")
	     "Max-Forwards: 70\r\nFrom: <sip:alice@krtp.test>;tag=as\r\nTo: <sip:dave@krtp.test>\r\n"
	     "Contact: <sip:alice@127.0.0.1:5070>\r\nEvent: presence\r\nExpires: 600\r\n"
	     "Content-Length: 0\r\n\r\n", 5070);
	s = find(5100, 0, "SUBSCRIBE");
	CHECK(has(s, rr));
	CHECK(has(s, "Event: presence\r\n"));
	if (!s)
		return;
	keep(&c, s);
	answer(5100, &c, 202, "ds");
	s = find(5070, 202, "SUBSCRIBE");
	CHECK(has(s, rr));
	nsent = 0;
	feed(5100, "NOTIFY sip:alice@127.0.0.1:5070 SIP/2.0\r\n" HDRS("z9hG4bKmn1", "m-sub", "1 NOTIFY")
	     "%sMax-Forwards: 70\r\nFrom: <sip:dave@krtp.test>;tag=ds\r\n"
	     "To: <sip:alice@krtp.test>;tag=as\r\nContact: <sip:dave@127.0.0.1:5100>\r\n"
	     "Event: presence\r\nSubscription-State: active;expires=600\r\n"
	     "Content-Length: 0\r\n\r\n", 5100, route);
	s = find(5070, 0, "NOTIFY");
	CHECK(has(s, "NOTIFY sip:alice@127.0.0.1:5070 SIP/2.0\r\n"));
	CHECK(has(s, "Subscription-State: active;expires=600\r\n"));
	CHECK(s && s->m.nroute == 0);
	if (s) {
		keep(&c, s);
		answer(5070, &c, 200, NULL);
		CHECK(find(5100, 200, "NOTIFY") != NULL);
	}

	/* a call with reliable provisionals (RFC 3262): Require, RSeq and RAck pass */
	dialogs = DLG_Count();
	nsent = 0;
	feed(5070, "INVITE sip:dave@krtp.test SIP/2.0\r\n" HDRS("z9hG4bKmi1", "m-call", "1 INVITE")
	     "Max-Forwards: 70\r\nFrom: <sip:alice@krtp.test>;tag=a7\r\nTo: <sip:dave@krtp.test>\r\n"
	     "Contact: <sip:alice@127.0.0.1:5070>\r\nSupported: 100rel\r\nRequire: 100rel\r\n"
	     "Content-Length: 0\r\n\r\n", 5070);
	s = find(5100, 0, "INVITE");
	CHECK(has(s, "Require: 100rel\r\n"));
	if (!s)
		return;
	keep(&inv, s);

	respond(5100, &inv, 183, "d7", "Require: 100rel\r\nRSeq: 1\r\n");
	s = find(5070, 183, "INVITE");
	CHECK(has(s, "Require: 100rel\r\nRSeq: 1\r\n"));
	CHECK(has(s, rr));
	nsent = 0;
	feed(5070, "PRACK sip:bob@127.0.0.1:5100 SIP/2.0\r\n" HDRS("z9hG4bKmp1", "m-call", "2 PRACK")
	     "%sMax-Forwards: 70\r\n" DLG_A "RAck: 1 1 INVITE\r\nContent-Length: 0\r\n\r\n",
	     5070, route);
	s = find(5100, 0, "PRACK");
	CHECK(has(s, "PRACK sip:bob@127.0.0.1:5100 SIP/2.0\r\n"));
	CHECK(has(s, "RAck: 1 1 INVITE\r\n"));
	CHECK(s && s->m.nroute == 0);
	if (s) {
		keep(&c, s);
		answer(5100, &c, 200, NULL);
		CHECK(find(5070, 200, "PRACK") != NULL);
	}
	/* the INVITE itself is still pending: the PRACK did not end it */
	CHECK(find(5070, 200, "INVITE") == NULL);
	respond(5100, &inv, 200, "d7", "Require: 100rel\r\n");
	CHECK(find(5070, 200, "INVITE") != NULL);
	CHECK_EQ(DLG_Count(), dialogs + 1);
	nsent = 0;
	feed(5070, "ACK sip:bob@127.0.0.1:5100 SIP/2.0\r\n" HDRS("z9hG4bKma1", "m-call", "1 ACK")
	     "%sMax-Forwards: 70\r\n" DLG_A "Content-Length: 0\r\n\r\n", 5070, route);
	CHECK(find(5100, 0, "ACK") != NULL);

	/* UPDATE, INFO (from the callee), MESSAGE and an unknown method in the dialog */
	{
		static const struct {
			int from;		/* sending port: 5070 alice, 5100 dave */
			const char *method, *branch, *extra, *body;
		} req[] = {
			{ 5070, "UPDATE", "mu1", "Supported: 100rel\r\n", "" },
			{ 5100, "INFO", "mf1", "Info-Package: dtmf\r\nContent-Type: application/dtmf-relay\r\n",
			  "Signal=5\r\nDuration=160\r\n" },
			{ 5070, "MESSAGE", "mm3", "Content-Type: text/plain\r\n", "in dialog" },
			{ 5070, "FOOBAR", "mx1", "X-Foo: bar\r\n", "" },
		};
		unsigned int i;

		for (i = 0; i < sizeof(req) / sizeof(req[0]); i++) {
			int to = req[i].from == 5070 ? 5100 : 5070;
			char want[256];

			nsent = 0;
			feed(req[i].from, "%s sip:%s@127.0.0.1:%d SIP/2.0\r\n"
			     "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK%s;rport\r\n"
			     "Call-ID: m-call\r\nCSeq: %u %s\r\n%sMax-Forwards: 70\r\n%s%s"
			     "Content-Length: %zu\r\n\r\n%s", req[i].method,
			     to == 5100 ? "bob" : "alice", to, req[i].from, req[i].branch, 10 + i,
			     req[i].method, route, req[i].from == 5070 ? DLG_A : DLG_D, req[i].extra,
			     strlen(req[i].body), req[i].body);
			s = find(to, 0, req[i].method);
			CHECK(s != NULL);
			if (!s) {
				printf("# %s not forwarded\n", req[i].method);
				continue;
			}
			snprintf(want, sizeof(want), "%s sip:%s@127.0.0.1:%d SIP/2.0\r\n",
				 req[i].method, to == 5100 ? "bob" : "alice", to);
			CHECK(has(s, want));
			CHECK(has(s, req[i].extra));
			snprintf(want, sizeof(want), "Content-Length: %zu\r\n\r\n%s",
				 strlen(req[i].body), req[i].body);
			CHECK(has(s, want));
			CHECK_EQ(s->m.nroute, 0);
			CHECK_EQ(s->m.nvia, 2);
			keep(&c, s);
			answer(to, &c, 200, NULL);
			CHECK(find(req[i].from, 200, req[i].method) != NULL);
		}
	}
	CHECK_EQ(DLG_Count(), dialogs + 1);
	nsent = 0;
	feed(5070, "BYE sip:bob@127.0.0.1:5100 SIP/2.0\r\n" HDRS("z9hG4bKmb1", "m-call", "20 BYE")
	     "%sMax-Forwards: 70\r\n" DLG_A "Content-Length: 0\r\n\r\n", 5070, route);
	CHECK(find(5100, 0, "BYE") != NULL);
	CHECK_EQ(DLG_Count(), dialogs);

	/* to krtpd itself: 405 with what it does handle; in a dialog it does not know, 481 */
	nsent = 0;
	feed(5070, "FOOBAR sip:krtp.test SIP/2.0\r\n" HDRS("z9hG4bKmx2", "m-self", "1 FOOBAR")
	     "Max-Forwards: 70\r\nFrom: <sip:alice@krtp.test>;tag=ax\r\nTo: <sip:krtp.test>\r\n"
	     "Content-Length: 0\r\n\r\n", 5070);
	s = find(5070, 405, "FOOBAR");
	CHECK(has(s, "SIP/2.0 405 Method Not Allowed\r\n"));
	CHECK(has(s, "Allow: OPTIONS, REGISTER\r\n"));
	nsent = 0;
	feed(5070, "MESSAGE sip:%U SIP/2.0\r\n" HDRS("z9hG4bKmx3", "m-self2", "1 MESSAGE")
	     "Max-Forwards: 70\r\nFrom: <sip:alice@krtp.test>;tag=ax\r\nTo: <sip:%U>\r\n"
	     "Content-Length: 0\r\n\r\n", 5070);
	CHECK(has(find(5070, 405, "MESSAGE"), "Allow: OPTIONS, REGISTER\r\n"));
	nsent = 0;
	feed(5070, "INFO sip:krtp.test SIP/2.0\r\n" HDRS("z9hG4bKmx4", "m-none", "1 INFO")
	     "Max-Forwards: 70\r\nFrom: <sip:alice@krtp.test>;tag=ax\r\n"
	     "To: <sip:krtp.test>;tag=gone\r\nContent-Length: 0\r\n\r\n", 5070);
	CHECK(find(5070, 481, "INFO") != NULL);
	CHECK_EQ(nsent, 1);
}

static void test_fork(void)
{
	struct sent a, b, *s;

	reg("bob", 5090);
	nsent = 0;
	feed(5070, invite_fmt, "bob@krtp.test", 5070, "call3", "call-3", 70, "bob@krtp.test");
	CHECK(find(5080, 0, "INVITE") != NULL);
	CHECK(find(5090, 0, "INVITE") != NULL);
	if (!find(5080, 0, "INVITE") || !find(5090, 0, "INVITE"))
		return;
	a = *find(5080, 0, "INVITE");
	b = *find(5090, 0, "INVITE");
	MSG_Parse(&a.m, a.buf, a.len);
	MSG_Parse(&b.m, b.buf, b.len);
	CHECK(!STR_Eq(a.m.via[0].branch, b.m.via[0].branch));

	/* 486 from one branch: absorbed (ACKed) while the other rings */
	answer(5080, &a, 486, "x1");
	CHECK(find(5080, 0, "ACK") != NULL);
	CHECK(find(5070, 486, NULL) == NULL);
	answer(5090, &b, 180, "x2");
	CHECK(find(5070, 180, NULL) != NULL);
	/* the 200 of the other wins */
	answer(5090, &b, 200, "x2");
	CHECK(find(5070, 200, "INVITE") != NULL);
	CHECK(find(5070, 486, NULL) == NULL);

	/* both busy: the 486 goes up once all branches are done */
	nsent = 0;
	feed(5070, invite_fmt, "bob@krtp.test", 5070, "call4", "call-4", 70, "bob@krtp.test");
	a = *find(5080, 0, "INVITE");
	b = *find(5090, 0, "INVITE");
	MSG_Parse(&a.m, a.buf, a.len);
	MSG_Parse(&b.m, b.buf, b.len);
	answer(5080, &a, 486, "y1");
	CHECK(find(5070, 486, NULL) == NULL);
	answer(5090, &b, 404, "y2");
	s = find(5070, 404, NULL);
	CHECK(s == NULL);			/* 4xx vs 4xx: the first kept */
	CHECK(find(5070, 486, NULL) != NULL);

	/* 6xx cancels the other branches */
	nsent = 0;
	feed(5070, invite_fmt, "bob@krtp.test", 5070, "call5", "call-5", 70, "bob@krtp.test");
	a = *find(5080, 0, "INVITE");
	b = *find(5090, 0, "INVITE");
	MSG_Parse(&a.m, a.buf, a.len);
	MSG_Parse(&b.m, b.buf, b.len);
	answer(5090, &b, 180, "z2");
	answer(5080, &a, 603, "z1");
	CHECK(find(5090, 0, "CANCEL") != NULL);
	answer(5090, &b, 487, "z2");
	CHECK(find(5070, 603, NULL) != NULL);
}

static void test_timeouts(void)
{
	struct sent *s;

	/* nobody answers: Timer B ends the branch, 408 goes up */
	nsent = 0;
	feed(5070, invite_fmt, "bob@krtp.test", 5070, "call6", "call-6", 70, "bob@krtp.test");
	advance(31000);
	CHECK(find(5070, 408, NULL) == NULL);
	advance(2000);
	s = find(5070, 408, NULL);
	CHECK(s != NULL);
	if (!s) {
		int i;

		for (i = 0; i < nsent; i++)
			printf("# sent to %d: %.*s\n", sent[i].dport,
			       (int)strcspn(sent[i].buf, "\r"), sent[i].buf);
	}
	/* retransmissions went to both contacts meanwhile */
	CHECK(find(5080, 0, "INVITE") != NULL);
}

/* ---- caller authentication (RFC 3261 §22.3) ---- */

/* the nonce of the first challenge in s */
static int nonce_of(const struct sent *s, char *out, size_t sz)
{
	const char *p = s ? memmem(s->buf, s->len, "nonce=\"", 7) : NULL;
	const char *e = p ? memchr(p + 7, '"', s->buf + s->len - p - 7) : NULL;

	if (!e || (size_t)(e - p - 7) >= sz)
		return -1;
	memcpy(out, p + 7, e - p - 7);
	out[e - p - 7] = '\0';
	return 0;
}

/* a Proxy-Authorization line: user's credentials for INVITE sip:bob@krtp.test */
static void proxy_auth(char *out, size_t sz, const char *user, const char *pass, int sha,
		       const char *nonce, const char *nc)
{
	char ha1[65], resp[65];

	AUTH_Ha1(sha, user, "krtp.test", pass, ha1);
	AUTH_Response(sha, ha1, STR_C(nonce), STR_C(nc), STR_C("0a4f113b"), STR_C("auth"),
		      STR_C("INVITE"), STR_C("sip:bob@krtp.test"), resp);
	snprintf(out, sz, "Proxy-Authorization: Digest username=\"%s\", realm=\"krtp.test\", "
		 "nonce=\"%s\", uri=\"sip:bob@krtp.test\", response=\"%s\", algorithm=%s, "
		 "cnonce=\"0a4f113b\", qop=auth, nc=%s\r\n", user, nonce, resp,
		 sha ? "SHA-256" : "MD5", nc);
}

/* INVITE bob@krtp.test from `from` (a URI without sip:), with extra header lines */
static void invite_from(const char *from, const char *branch, const char *callid, int cseq,
			const char *extra)
{
	nsent = 0;
	feed(5070, "INVITE sip:bob@krtp.test SIP/2.0\r\n" HDRS("z9hG4bK%s", "%s", "%d INVITE")
	     "Max-Forwards: 70\r\nFrom: <sip:%s>;tag=f1\r\nTo: <sip:bob@krtp.test>\r\n"
	     "Contact: <sip:caller@127.0.0.1:5070>\r\n%sContent-Length: 0\r\n\r\n",
	     5070, branch, callid, cseq, from, extra);
}

/* challenge a new INVITE from alice and return the nonce (0 when it went well) */
static int challenge(const char *branch, const char *callid, char *nonce, size_t sz)
{
	struct sent *s;

	invite_from("alice@krtp.test", branch, callid, 1, "");
	s = find(5070, 407, "INVITE");
	CHECK(s != NULL);
	return nonce_of(s, nonce, sz);
}

static void test_auth_calls(void)
{
	char path[] = "/tmp/krtpd-users-XXXXXX", nonce[64], cred[1024], two[2048], route[80];
	struct sent *s, inv;
	int fd = mkstemp(path), dialogs;
	FILE *f = fdopen(fd, "w");

	fprintf(f, "alice:alice-pw\nbob:bob-pw\n");
	fclose(f);
	CHECK_EQ(AUTH_Init(path, "krtp.test", 300), 0);
	/* REGISTER keeps its own challenge: 401 (bob's bindings are still there) */
	nsent = 0;
	feed(5080, "REGISTER sip:krtp.test SIP/2.0\r\n" HDRS("z9hG4bKau0", "auth-0", "1 REGISTER")
	     "From: <sip:bob@krtp.test>;tag=r\r\nTo: <sip:bob@krtp.test>\r\n"
	     "Contact: <sip:bob@127.0.0.1:5080>\r\nContent-Length: 0\r\n\r\n", 5080);
	CHECK(find(5080, 401, "REGISTER") != NULL);
	CHECK(find(5080, 407, NULL) == NULL);
	dialogs = DLG_Count();

	/* no credentials: 407 with both challenges, nothing forwarded */
	invite_from("alice@krtp.test", "au1", "auth-1", 1, "");
	CHECK(find(5070, 100, NULL) != NULL);
	s = find(5070, 407, "INVITE");
	CHECK(s != NULL);
	CHECK(has(s, "SIP/2.0 407 Proxy Authentication Required\r\n"));
	CHECK(has(s, "Proxy-Authenticate: Digest realm=\"krtp.test\""));
	CHECK(has(s, "algorithm=MD5"));
	CHECK(has(s, "algorithm=SHA-256"));
	CHECK(!has(s, "WWW-Authenticate"));
	CHECK(find(5080, 0, "INVITE") == NULL);
	CHECK(find(5090, 0, "INVITE") == NULL);
	CHECK_EQ(nonce_of(s, nonce, sizeof(nonce)), 0);
	/* its ACK ends the transaction here */
	nsent = 0;
	feed(5070, "ACK sip:bob@krtp.test SIP/2.0\r\n" HDRS("z9hG4bKau1", "auth-1", "1 ACK")
	     "Max-Forwards: 70\r\nFrom: <sip:alice@krtp.test>;tag=f1\r\n"
	     "To: <sip:bob@krtp.test>;tag=x\r\nContent-Length: 0\r\n\r\n", 5070);
	CHECK(find(5080, 0, "ACK") == NULL);

	/* MD5 credentials: forwarded, without ours, with another realm's kept */
	proxy_auth(cred, sizeof(cred), "alice", "alice-pw", 0, nonce, "00000001");
	snprintf(two, sizeof(two), "%sProxy-Authorization: Digest username=\"a\", "
		 "realm=\"other.example\", nonce=\"n\", uri=\"sip:bob@krtp.test\", "
		 "response=\"0\"\r\n", cred);
	invite_from("alice@krtp.test", "au2", "auth-1", 2, two);
	CHECK(find(5070, 407, NULL) == NULL);
	CHECK(find(5070, 403, NULL) == NULL);
	s = find(5080, 0, "INVITE");
	CHECK(s != NULL);
	CHECK(s && !has(s, "realm=\"krtp.test\""));
	CHECK(has(s, "Proxy-Authorization: Digest username=\"a\", realm=\"other.example\""));
	if (!s)
		return;
	inv = *s;
	MSG_Parse(&inv.m, inv.buf, inv.len);
	answer(5080, &inv, 200, "b9");
	CHECK(find(5070, 200, "INVITE") != NULL);
	CHECK_EQ(DLG_Count(), dialogs + 1);

	/* ACK, and a BYE from the callee (From in our domain too), in the dialog */
	snprintf(route, sizeof(route), "Route: <sip:%s;lr>\r\n", us);
	nsent = 0;
	feed(5070, "ACK sip:bob@127.0.0.1:5080 SIP/2.0\r\n" HDRS("z9hG4bKau2a", "auth-1", "2 ACK")
	     "%sMax-Forwards: 70\r\nFrom: <sip:alice@krtp.test>;tag=f1\r\n"
	     "To: <sip:bob@krtp.test>;tag=b9\r\n%sContent-Length: 0\r\n\r\n", 5070, route,
	     cred);
	s = find(5080, 0, "ACK");
	CHECK(s != NULL);
	CHECK(s && !has(s, "Proxy-Authorization"));
	/* a To tag without our Route and without a dialog of ours is not in-dialog */
	nsent = 0;
	feed(5070, "BYE sip:bob@krtp.test SIP/2.0\r\n" HDRS("z9hG4bKau2f", "forged", "3 BYE")
	     "Max-Forwards: 70\r\nFrom: <sip:alice@krtp.test>;tag=f1\r\n"
	     "To: <sip:bob@krtp.test>;tag=b9\r\nContent-Length: 0\r\n\r\n", 5070);
	CHECK(find(5070, 407, "BYE") != NULL);
	nsent = 0;
	feed(5080, "BYE sip:caller@127.0.0.1:5070 SIP/2.0\r\n" HDRS("z9hG4bKau2b", "auth-1", "1 BYE")
	     "%sMax-Forwards: 70\r\nFrom: <sip:bob@krtp.test>;tag=b9\r\n"
	     "To: <sip:alice@krtp.test>;tag=f1\r\nContent-Length: 0\r\n\r\n", 5080, route);
	CHECK(find(5080, 407, NULL) == NULL);
	s = find(5070, 0, "BYE");
	CHECK(s != NULL);
	CHECK_EQ(DLG_Count(), dialogs);
	if (s) {
		inv = *s;
		MSG_Parse(&inv.m, inv.buf, inv.len);
		answer(5070, &inv, 200, "f1");
		CHECK(find(5080, 200, "BYE") != NULL);
	}

	/* the same nonce and count again (a replay): a new challenge, stale */
	invite_from("alice@krtp.test", "au3", "auth-3", 1, cred);
	s = find(5070, 407, "INVITE");
	CHECK(s != NULL);
	CHECK(has(s, "stale=true"));
	CHECK(find(5080, 0, "INVITE") == NULL);
	/* an expired nonce with the right password: a new challenge, stale */
	{
		char old[64], cred2[1024];

		AUTH_Nonce(time(NULL) - 400, old, sizeof(old));
		proxy_auth(cred2, sizeof(cred2), "alice", "alice-pw", 0, old, "00000001");
		invite_from("alice@krtp.test", "au3s", "auth-3s", 1, cred2);
		s = find(5070, 407, "INVITE");
		CHECK(s != NULL);
		CHECK(has(s, "stale=true"));
		CHECK(find(5080, 0, "INVITE") == NULL);
	}
	/* the next count of the same nonce is fine */
	proxy_auth(cred, sizeof(cred), "alice", "alice-pw", 0, nonce, "00000002");
	invite_from("alice@krtp.test", "au4", "auth-4", 1, cred);
	CHECK(find(5070, 407, NULL) == NULL);
	CHECK(find(5080, 0, "INVITE") != NULL);

	/* SHA-256 credentials */
	if (!challenge("au5", "auth-5", nonce, sizeof(nonce))) {
		proxy_auth(cred, sizeof(cred), "alice", "alice-pw", 1, nonce, "00000001");
		invite_from("alice@krtp.test", "au6", "auth-5", 2, cred);
		CHECK(find(5070, 407, NULL) == NULL);
		s = find(5080, 0, "INVITE");
		CHECK(s != NULL);
		CHECK(s && !has(s, "Proxy-Authorization"));
	}

	/* a wrong password: 403, nothing forwarded */
	if (!challenge("au7", "auth-7", nonce, sizeof(nonce))) {
		proxy_auth(cred, sizeof(cred), "alice", "not-alices", 0, nonce, "00000001");
		invite_from("alice@krtp.test", "au8", "auth-7", 2, cred);
		s = find(5070, 403, "INVITE");
		CHECK(s != NULL);
		CHECK(has(s, "SIP/2.0 403 Wrong Credentials\r\n"));
		CHECK(find(5080, 0, "INVITE") == NULL);
	}

	/* bob's own good credentials in a call from alice's address: 403 */
	if (!challenge("au9", "auth-9", nonce, sizeof(nonce))) {
		proxy_auth(cred, sizeof(cred), "bob", "bob-pw", 0, nonce, "00000001");
		invite_from("alice@krtp.test", "au10", "auth-9", 2, cred);
		s = find(5070, 403, "INVITE");
		CHECK(s != NULL);
		CHECK(has(s, "SIP/2.0 403 Username Does Not Match From\r\n"));
		CHECK(find(5080, 0, "INVITE") == NULL);
	}

	/* a caller from a foreign domain calling our user: not challenged */
	invite_from("carol@example.com", "au11", "auth-11", 1, "");
	CHECK(find(5070, 407, NULL) == NULL);
	CHECK(find(5080, 0, "INVITE") != NULL);
	/* nor its CANCEL */
	nsent = 0;
	feed(5070, "CANCEL sip:bob@krtp.test SIP/2.0\r\n" HDRS("z9hG4bKau11", "auth-11", "1 CANCEL")
	     "Max-Forwards: 70\r\nFrom: <sip:carol@example.com>;tag=f1\r\n"
	     "To: <sip:bob@krtp.test>\r\nContent-Length: 0\r\n\r\n", 5070);
	CHECK(find(5070, 200, "CANCEL") != NULL);
	/* CANCEL of a pending call from alice: answered, not challenged */
	proxy_auth(cred, sizeof(cred), "alice", "alice-pw", 0, nonce, "00000002");
	invite_from("alice@krtp.test", "au12", "auth-12", 1, cred);
	CHECK(find(5080, 0, "INVITE") != NULL);
	nsent = 0;
	feed(5070, "CANCEL sip:bob@krtp.test SIP/2.0\r\n" HDRS("z9hG4bKau12", "auth-12", "1 CANCEL")
	     "Max-Forwards: 70\r\nFrom: <sip:alice@krtp.test>;tag=f1\r\n"
	     "To: <sip:bob@krtp.test>\r\nContent-Length: 0\r\n\r\n", 5070);
	CHECK(find(5070, 200, "CANCEL") != NULL);
	CHECK(find(5070, 407, NULL) == NULL);

	/* OPTIONS: to krtpd itself answered, to a user challenged */
	nsent = 0;
	feed(5070, "OPTIONS sip:krtp.test SIP/2.0\r\n" HDRS("z9hG4bKau13", "auth-13", "1 OPTIONS")
	     "From: <sip:alice@krtp.test>;tag=o\r\nTo: <sip:krtp.test>\r\n"
	     "Content-Length: 0\r\n\r\n", 5070);
	CHECK(find(5070, 200, "OPTIONS") != NULL);
	nsent = 0;
	feed(5070, "OPTIONS sip:bob@krtp.test SIP/2.0\r\n" HDRS("z9hG4bKau14", "auth-14", "1 OPTIONS")
	     "Max-Forwards: 70\r\nFrom: <sip:alice@krtp.test>;tag=o\r\nTo: <sip:bob@krtp.test>\r\n"
	     "Content-Length: 0\r\n\r\n", 5070);
	CHECK(find(5070, 407, "OPTIONS") != NULL);
	CHECK(find(5080, 0, "OPTIONS") == NULL);

	/* credentials for bob's call replayed on a call to carol: 400, not forwarded */
	CHECK_EQ(challenge("au15", "auth-15", nonce, sizeof(nonce)), 0);
	proxy_auth(cred, sizeof(cred), "alice", "alice-pw", 0, nonce, "00000001");
	nsent = 0;
	feed(5070, "INVITE sip:carol@krtp.test SIP/2.0\r\n" HDRS("z9hG4bKau16", "auth-16", "1 INVITE")
	     "Max-Forwards: 70\r\nFrom: <sip:alice@krtp.test>;tag=f1\r\nTo: <sip:carol@krtp.test>\r\n"
	     "Contact: <sip:caller@127.0.0.1:5070>\r\n%sContent-Length: 0\r\n\r\n", 5070, cred);
	s = find(5070, 400, "INVITE");
	CHECK(has(s, "SIP/2.0 400 Proxy-Authorization URI Does Not Match Request-URI\r\n"));
	CHECK(find(5080, 0, "INVITE") == NULL);
	/* a REGISTER whose uri= is another host: 400 too */
	nsent = 0;
	{
		char ha1[65], resp[65], line[512];

		AUTH_Ha1(0, "bob", "krtp.test", "bob-pw", ha1);
		AUTH_Response(0, ha1, STR_C(nonce), STR_C(""), STR_C(""), STR_C(""),
			      STR_C("REGISTER"), STR_C("sip:evil.test"), resp);
		snprintf(line, sizeof(line), "Authorization: Digest username=\"bob\", "
			 "realm=\"krtp.test\", nonce=\"%s\", uri=\"sip:evil.test\", "
			 "response=\"%s\"\r\n", nonce, resp);
		feed(5080, "REGISTER sip:krtp.test SIP/2.0\r\n"
		     HDRS("z9hG4bKau17", "auth-17", "1 REGISTER")
		     "From: <sip:bob@krtp.test>;tag=r\r\nTo: <sip:bob@krtp.test>\r\n"
		     "Contact: <sip:bob@127.0.0.1:5080>\r\n%sContent-Length: 0\r\n\r\n", 5080,
		     line);
		s = find(5080, 400, "REGISTER");
		CHECK(has(s, "SIP/2.0 400 Authorization URI Does Not Match Request-URI\r\n"));
	}

	unlink(path);
	AUTH_Fini();
	CHECK_EQ(AUTH_Init(NULL, "krtpd", 300), 0);
}

/* ---- media through PRACK/100rel and UPDATE (userspace relay on loopback) ---- */

static int udp_sock(uint16_t *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		return -1;
	getsockname(fd, (struct sockaddr *)&sin, &sl);
	*port = ntohs(sin.sin_port);
	return fd;
}

/* n RTP packets of 172 bytes from fd to 127.0.0.1:port */
static void send_rtp(int fd, uint16_t port, int n, uint16_t seq)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	unsigned char b[172] = { 0x80, 0 };
	int i;

	for (i = 0; i < n; i++) {
		b[2] = (unsigned char)((seq + i) >> 8);
		b[3] = (unsigned char)(seq + i);
		b[11] = 0x42;
		sendto(fd, b, sizeof(b), 0, (struct sockaddr *)&to, sizeof(to));
	}
}

/* packets fd receives within 2 s (until `expect` came, then 200 ms for extras) */
static int count_rx(int fd, int expect)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	unsigned char b[2048];
	int n = 0;

	while (poll(&pfd, 1, n < expect ? 2000 : 200) > 0)
		if (recv(fd, b, sizeof(b), MSG_DONTWAIT) > 0)
			n++;
	return n;
}

/* the port of the first m= line of the SDP in s, and that its c= is 127.0.0.1 */
static int sdp_port(const struct sent *s)
{
	static const char mline[] = "\r\nm=audio ", cline[] = "\r\nc=IN IP4 127.0.0.1\r\n";
	const char *m = s ? memmem(s->buf, s->len, mline, sizeof(mline) - 1) : NULL;

	if (!m || !memmem(s->buf, s->len, cline, sizeof(cline) - 1))
		return -1;
	return atoi(m + sizeof(mline) - 1);
}

static const char sdp_fmt[] = "v=0\r\no=%s 1 %d IN IP4 127.0.0.1\r\ns=-\r\n"
			      "c=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio %u RTP/AVP 0\r\n"
			      "a=rtpmap:0 PCMU/8000\r\n";

static void test_media_methods(void)
{
	static const struct prx_config mpc = { .max_forwards = 70, .invite_timeout = 180,
					       .media = 1 };
	struct med_config mc = { .mode = MED_MODE_USER };
	int base = 20000 + (getpid() % 400) * 100, pa, pb, pa2, pb2, a1, a2, d1, d2;
	char rr[64], route[64], sdp[512], hdr[600];
	uint16_t ap1, ap2, dp1, dp2;
	struct med_call_stats st;
	struct sent c, inv, *s;

	snprintf(rr, sizeof(rr), "Record-Route: <sip:%s;lr>\r\n", us);
	snprintf(route, sizeof(route), "Route: <sip:%s;lr>\r\n", us);
	((struct sockaddr_in *)&mc.relay4)->sin_family = AF_INET;
	((struct sockaddr_in *)&mc.relay4)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	mc.port_min = (uint16_t)base;
	mc.port_max = (uint16_t)(base + 63);
	CHECK_EQ(MED_Init(&mc), MED_MODE_USER);
	PRX_Fini();
	PRX_Init(&mpc);
	a1 = udp_sock(&ap1);
	a2 = udp_sock(&ap2);
	d1 = udp_sock(&dp1);
	d2 = udp_sock(&dp2);
	CHECK(a1 >= 0 && a2 >= 0 && d1 >= 0 && d2 >= 0);

	/* INVITE with an offer and Require: 100rel; 183 with the answer, reliable */
	snprintf(sdp, sizeof(sdp), sdp_fmt, "alice", 1, ap1);
	nsent = 0;
	feed(5070, "INVITE sip:dave@krtp.test SIP/2.0\r\n" HDRS("z9hG4bKmd1", "md-call", "1 INVITE")
	     "Max-Forwards: 70\r\nFrom: <sip:alice@krtp.test>;tag=a7\r\nTo: <sip:dave@krtp.test>\r\n"
	     "Contact: <sip:alice@127.0.0.1:5070>\r\nRequire: 100rel\r\n"
	     "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s", 5070,
	     strlen(sdp), sdp);
	s = find(5100, 0, "INVITE");
	pb = sdp_port(s);
	CHECK(pb >= base && pb < base + 64);
	if (!s)
		goto out;
	keep(&inv, s);
	snprintf(sdp, sizeof(sdp), sdp_fmt, "dave", 1, dp1);
	snprintf(hdr, sizeof(hdr), "Require: 100rel\r\nRSeq: 1\r\nContent-Type: application/sdp\r\n"
		 "Content-Length: %zu\r\n\r\n%s", strlen(sdp), sdp);
	respond(5100, &inv, 183, "d7", hdr);
	s = find(5070, 183, "INVITE");
	CHECK(has(s, "RSeq: 1\r\n"));
	pa = sdp_port(s);
	CHECK(pa >= base && pa < base + 64 && pa != pb);
	/* early media flows both ways through the relay once the 183 was seen */
	send_rtp(a1, (uint16_t)pa, 10, 1);
	CHECK_EQ(count_rx(d1, 10), 10);
	send_rtp(d1, (uint16_t)pb, 5, 1);
	CHECK_EQ(count_rx(a1, 5), 5);
	nsent = 0;
	feed(5070, "PRACK sip:bob@127.0.0.1:5100 SIP/2.0\r\n" HDRS("z9hG4bKmd2", "md-call", "2 PRACK")
	     "%sMax-Forwards: 70\r\n" DLG_A "RAck: 1 1 INVITE\r\nContent-Length: 0\r\n\r\n",
	     5070, route);
	s = find(5100, 0, "PRACK");
	CHECK(has(s, "RAck: 1 1 INVITE\r\n"));
	if (s) {
		keep(&c, s);
		answer(5100, &c, 200, NULL);
	}
	respond(5100, &inv, 200, "d7", hdr + strlen("Require: 100rel\r\nRSeq: 1\r\n"));
	s = find(5070, 200, "INVITE");
	CHECK_EQ(sdp_port(s), pa);
	nsent = 0;
	feed(5070, "ACK sip:bob@127.0.0.1:5100 SIP/2.0\r\n" HDRS("z9hG4bKmd3", "md-call", "1 ACK")
	     "%sMax-Forwards: 70\r\n" DLG_A "Content-Length: 0\r\n\r\n", 5070, route);

	/* UPDATE with a new offer: both sides move to other ports; the relay follows */
	snprintf(sdp, sizeof(sdp), sdp_fmt, "alice", 2, ap2);
	nsent = 0;
	feed(5070, "UPDATE sip:bob@127.0.0.1:5100 SIP/2.0\r\n" HDRS("z9hG4bKmd4", "md-call", "3 UPDATE")
	     "%sMax-Forwards: 70\r\n" DLG_A "Content-Type: application/sdp\r\n"
	     "Content-Length: %zu\r\n\r\n%s", 5070, route, strlen(sdp), sdp);
	s = find(5100, 0, "UPDATE");
	pb2 = sdp_port(s);
	CHECK(pb2 >= base && pb2 < base + 64);
	snprintf(hdr, sizeof(hdr), "m=audio %u ", ap2);
	CHECK(s && !has(s, hdr));		/* dave sees the relay, not alice */
	if (!s)
		goto out;
	keep(&c, s);
	snprintf(sdp, sizeof(sdp), sdp_fmt, "dave", 2, dp2);
	snprintf(hdr, sizeof(hdr), "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s",
		 strlen(sdp), sdp);
	respond(5100, &c, 200, NULL, hdr);
	s = find(5070, 200, "UPDATE");
	pa2 = sdp_port(s);
	CHECK(pa2 >= base && pa2 < base + 64);
	CHECK(MED_Stats("md-call", &st) == 0);
	CHECK_EQ(st.streams, 1);
	CHECK_EQ(st.port_a, pa2);
	CHECK_EQ(st.port_b, pb2);
	/* media now goes between the new ports, and not to the old ones */
	send_rtp(a2, (uint16_t)pa2, 20, 100);
	CHECK_EQ(count_rx(d2, 20), 20);
	CHECK_EQ(count_rx(d1, 0), 0);
	send_rtp(d2, (uint16_t)pb2, 15, 100);
	CHECK_EQ(count_rx(a2, 15), 15);
	CHECK_EQ(count_rx(a1, 0), 0);

	nsent = 0;
	feed(5070, "BYE sip:bob@127.0.0.1:5100 SIP/2.0\r\n" HDRS("z9hG4bKmd5", "md-call", "4 BYE")
	     "%sMax-Forwards: 70\r\n" DLG_A "Content-Length: 0\r\n\r\n", 5070, route);
	CHECK(find(5100, 0, "BYE") != NULL);
	CHECK(MED_Stats("md-call", &st) != 0);

	/* an UPDATE with SDP for a call media does not know takes no relay ports */
	nsent = 0;
	feed(5070, "UPDATE sip:bob@127.0.0.1:5100 SIP/2.0\r\n" HDRS("z9hG4bKmd6", "md-none", "3 UPDATE")
	     "%sMax-Forwards: 70\r\n" DLG_A "Content-Type: application/sdp\r\n"
	     "Content-Length: %zu\r\n\r\n%s", 5070, route, strlen(sdp), sdp);
	CHECK(find(5100, 0, "UPDATE") != NULL);
	CHECK(MED_Stats("md-none", &st) != 0);
out:
	close(a1);
	close(a2);
	close(d1);
	close(d2);
	MED_Fini();
	PRX_Fini();
	PRX_Init(&pc_main);
}

/*
 * An UPDATE from the callee in the early dialog (RFC 3311 section 5.1: after
 * the PRACK of a reliable 183): no dialog is stored yet, and the request is
 * still the callee's. Its offer shows alice the relay port she already
 * sends to, her answer shows dave the one he sends to, and RTP follows
 * dave to his new port.
 */
static void test_media_early_update_callee(void)
{
	static const struct prx_config mpc = { .max_forwards = 70, .invite_timeout = 180,
					       .media = 1 };
	struct med_config mc = { .mode = MED_MODE_USER };
	int base = 20000 + (getpid() % 400) * 100, pa, pb, a1, d1, d2;
	char route[64], sdp[512], hdr[600];
	uint16_t ap1, dp1, dp2;
	struct sent c, inv, *s;

	snprintf(route, sizeof(route), "Route: <sip:%s;lr>\r\n", us);
	((struct sockaddr_in *)&mc.relay4)->sin_family = AF_INET;
	((struct sockaddr_in *)&mc.relay4)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	mc.port_min = (uint16_t)base;
	mc.port_max = (uint16_t)(base + 63);
	CHECK_EQ(MED_Init(&mc), MED_MODE_USER);
	PRX_Fini();
	PRX_Init(&mpc);
	a1 = udp_sock(&ap1);
	d1 = udp_sock(&dp1);
	d2 = udp_sock(&dp2);
	CHECK(a1 >= 0 && d1 >= 0 && d2 >= 0);

	/* INVITE, reliable 183 with the answer, PRACK and its 200 */
	snprintf(sdp, sizeof(sdp), sdp_fmt, "alice", 1, ap1);
	nsent = 0;
	feed(5070, "INVITE sip:dave@krtp.test SIP/2.0\r\n" HDRS("z9hG4bKme1", "me-call", "1 INVITE")
	     "Max-Forwards: 70\r\nFrom: <sip:alice@krtp.test>;tag=a7\r\nTo: <sip:dave@krtp.test>\r\n"
	     "Contact: <sip:alice@127.0.0.1:5070>\r\nSupported: 100rel\r\n"
	     "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s", 5070,
	     strlen(sdp), sdp);
	s = find(5100, 0, "INVITE");
	pb = sdp_port(s);
	if (!s)
		goto out;
	keep(&inv, s);
	snprintf(sdp, sizeof(sdp), sdp_fmt, "dave", 1, dp1);
	snprintf(hdr, sizeof(hdr), "Require: 100rel\r\nRSeq: 1\r\nContent-Type: application/sdp\r\n"
		 "Content-Length: %zu\r\n\r\n%s", strlen(sdp), sdp);
	respond(5100, &inv, 183, "d7", hdr);
	pa = sdp_port(find(5070, 183, "INVITE"));
	CHECK(pa >= base && pa < base + 64 && pb >= base && pb < base + 64 && pa != pb);
	nsent = 0;
	feed(5070, "PRACK sip:dave@127.0.0.1:5100 SIP/2.0\r\n" HDRS("z9hG4bKme2", "me-call", "2 PRACK")
	     "%sMax-Forwards: 70\r\n" DLG_A "RAck: 1 1 INVITE\r\nContent-Length: 0\r\n\r\n",
	     5070, route);
	s = find(5100, 0, "PRACK");
	if (s) {
		keep(&c, s);
		answer(5100, &c, 200, NULL);
	}

	/* dave's UPDATE moves his RTP to dp2 */
	snprintf(sdp, sizeof(sdp), sdp_fmt, "dave", 2, dp2);
	nsent = 0;
	feed(5100, "UPDATE sip:alice@127.0.0.1:5070 SIP/2.0\r\n" HDRS("z9hG4bKme3", "me-call", "1 UPDATE")
	     "%sMax-Forwards: 70\r\n" DLG_D "Content-Type: application/sdp\r\n"
	     "Content-Length: %zu\r\n\r\n%s", 5100, route, strlen(sdp), sdp);
	s = find(5070, 0, "UPDATE");
	CHECK_EQ(sdp_port(s), pa);		/* where alice sends already */
	if (!s)
		goto out;
	keep(&c, s);
	snprintf(sdp, sizeof(sdp), sdp_fmt, "alice", 2, ap1);
	snprintf(hdr, sizeof(hdr), "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s",
		 strlen(sdp), sdp);
	respond(5070, &c, 200, NULL, hdr);
	CHECK_EQ(sdp_port(find(5100, 200, "UPDATE")), pb);	/* where dave sends already */
	send_rtp(a1, (uint16_t)pa, 10, 1);
	CHECK_EQ(count_rx(d2, 10), 10);
	CHECK_EQ(count_rx(d1, 0), 0);
	send_rtp(d2, (uint16_t)pb, 5, 1);
	CHECK_EQ(count_rx(a1, 5), 5);

	/*
	 * The INVITE's 200 repeats dave's current SDP, as RFC 3261 §13.2.1 and
	 * RFC 6337 §3.1 let it (the offer was answered in the 183). It is no
	 * answer to anything, but alice must still see only the relay: the
	 * port she sends to already, never dave's dp2.
	 */
	snprintf(sdp, sizeof(sdp), sdp_fmt, "dave", 2, dp2);
	snprintf(hdr, sizeof(hdr), "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s",
		 strlen(sdp), sdp);
	nsent = 0;
	respond(5100, &inv, 200, "d7", hdr);
	s = find(5070, 200, "INVITE");
	CHECK_EQ(sdp_port(s), pa);
	snprintf(hdr, sizeof(hdr), "m=audio %u ", dp2);
	CHECK(s && !has(s, hdr));
	/* and the media path is as it was */
	send_rtp(a1, (uint16_t)pa, 4, 20);
	CHECK_EQ(count_rx(d2, 4), 4);
	send_rtp(d2, (uint16_t)pb, 3, 20);
	CHECK_EQ(count_rx(a1, 3), 3);
	feed(5070, "ACK sip:dave@127.0.0.1:5100 SIP/2.0\r\n" HDRS("z9hG4bKme4", "me-call", "1 ACK")
	     "%sMax-Forwards: 70\r\n" DLG_A "Content-Length: 0\r\n\r\n", 5070, route);
	nsent = 0;
	feed(5070, "BYE sip:dave@127.0.0.1:5100 SIP/2.0\r\n" HDRS("z9hG4bKme5", "me-call", "3 BYE")
	     "%sMax-Forwards: 70\r\n" DLG_A "Content-Length: 0\r\n\r\n", 5070, route);
	CHECK(find(5100, 0, "BYE") != NULL);
out:
	close(a1);
	close(d1);
	close(d2);
	MED_Fini();
	PRX_Fini();
	PRX_Init(&pc_main);
}

/*
 * Shutdown with a forwarded non-INVITE still waiting for its answer: the
 * transactions tell the proxy they are gone, so its context is freed (the
 * run's ASan leak check fails otherwise).
 */
static void test_shutdown_pending(void)
{
	nsent = 0;
	feed(5070, "OPTIONS sip:bob@krtp.test SIP/2.0\r\n" HDRS("z9hG4bKsd1", "shut-1", "1 OPTIONS")
	     "Max-Forwards: 70\r\nFrom: <sip:carol@example.org>;tag=s\r\n"
	     "To: <sip:bob@krtp.test>\r\nContent-Length: 0\r\n\r\n", 5070);
	CHECK(find(5080, 0, "OPTIONS") != NULL);
	CHECK(TXN_Count() >= 2);		/* server and client, both pending */
}

int main(void)
{
	char *argv[] = { "krtpd", "-c", "/dev/null", "-D", "krtp.test", "-f", NULL };
	static const struct reg_config rc = { 60, 3600, 600, 0 };
	static const struct prx_config pc = { .max_forwards = 70, .invite_timeout = 180,
					      .auth_calls = 1 };

	pc_main = pc;
	struct tp_limits lim = { .max_message = 65535, .max_conns = 4, .idle_timeout = 60 };
	struct tp_listen l = { .udp = 1 };

	setvbuf(stdout, NULL, _IOLBF, 0);
	LOG_SetLevel(LOGL_ERR);
	proxytest_init(6, argv, fake_clock, &rc, &pc);
	port = 30000 + getpid() % 20000;
	snprintf(us, sizeof(us), "127.0.0.1:%d", port);
	TP_AddrParse(us, 0, &l.addr);
	CHECK_EQ(TP_Init(&l, 1, &lim, PRX_Receive), 0);
	TP_SetSendHook(capture);

	test_basics();
	test_call();
	test_cancel();
	test_methods();
	test_fork();
	test_timeouts();
	test_auth_calls();
	test_media_methods();
	test_media_early_update_callee();
	test_shutdown_pending();

	TP_Fini();
	proxytest_fini();
	return check_summary();
}
