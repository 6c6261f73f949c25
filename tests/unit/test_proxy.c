// SPDX-License-Identifier: GPL-2.0
/*
 * Proxy core (daemon/sip/proxy.c with the registrar, transactions and
 * dialogs), message by message and without the network (proxyua.h):
 * where each message krtpd sends goes, its start line, Vias,
 * Max-Forwards, Record-Route and Route handling, CANCEL, forking and the
 * best-response choice, and Timer B/C failures on a fake clock. The other
 * methods (PRACK, UPDATE, INFO, MESSAGE, SUBSCRIBE/NOTIFY, OPTIONS and an
 * unknown one) in and out of dialogs, and 405 for krtpd itself. Callers'
 * authentication is in test_proxy_auth.c, media in test_proxy_media.c.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "sip/dialog.h"
#include "sip/proxy.h"
#include "sip/registrar.h"
#include "sip/txn.h"
#include "timer.h"
#include "check.h"
#include "proxyua.h"

static const char invite_fmt[] =
	"INVITE sip:%s SIP/2.0\r\n" HDRS("z9hG4bK%s", "%s", "1 INVITE")
	"Max-Forwards: %d\r\nFrom: <sip:alice@krtp.test>;tag=a1\r\nTo: <sip:%s>\r\n"
	"Contact: <sip:alice@127.0.0.1:5070>\r\nContent-Length: 0\r\n\r\n";


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
	proxyua_init();
	test_basics();
	test_call();
	test_cancel();
	test_methods();
	test_fork();
	test_timeouts();
	test_shutdown_pending();
	proxyua_fini();
	return check_summary();
}
