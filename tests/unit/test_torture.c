// SPDX-License-Identifier: GPL-2.0
/*
 * The SIP torture messages of RFC 4475 and RFC 5118 through krtpd's receive
 * path (PRX_Receive: the parser, then the proxy and the registrar), each
 * checked against what the RFC says a proxy/registrar does with it: forward
 * it, answer it with a given status, or drop it; and whether it counts it
 * as bad (prx_stats.bad), which is every message the parser refuses and no
 * other. Where the RFC leaves a choice, the table's comment says which.
 *
 * The messages are torture/<tag>.sip, byte for byte (CRLF line ends, NUL
 * and binary octets), named after the tags of the RFCs' archives; see
 * torture/README.md for where each one comes from. Each case runs on fresh
 * transaction, dialog and registrar state, because several messages share a
 * Call-ID and branch (RFC 5118 reuses one for all but three).
 *
 * Setup: krtpd serves example.com, example.net, example.org and the hosts
 * the messages route through (chair-dnrc, registrar, services,
 * host.example.net), relays to IP literals (allow_relay, so the RFC 5118
 * requests to [2001:db8::10] are forwarded and show where they went), and
 * has "user", "vivekg", "UserB" and intmeth's unusual user registered at
 * 127.0.0.1:5080. Messages come from 127.0.0.1:5070 over UDP.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "loop.h"
#include "rcu.h"
#include "sip/dialog.h"
#include "sip/proxy.h"
#include "sip/registrar.h"
#include "sip/txn.h"
#include "timer.h"
#include "check.h"
#include "proxytest.h"

#define MAXSENT 32
#define FWD	-1	/* forwarded: a request went out, no final response came back */
#define DROP	0	/* nothing sent at all */

static const struct torture {
	const char *section;
	const char *tag;
	int want;		/* FWD, DROP, or the status krtpd answers with */
	int bad;		/* counted as an unparsable message */
	const char *why;	/* what the RFC says, when the outcome is not "accept" */
} cases[] = {
	/* RFC 4475 3.1.1: valid, must be accepted */
	{ "4475 3.1.1.1", "wsinv", FWD, 0, NULL },
	{ "4475 3.1.1.2", "intmeth", FWD, 0, NULL },
	{ "4475 3.1.1.3", "esc01", 404, 0, "the escaped user is nobody here" },
	{ "4475 3.1.1.4", "escnull", 200, 0, NULL },
	{ "4475 3.1.1.5", "esc02", 405, 0, "unknown method for krtpd itself" },
	{ "4475 3.1.1.6", "lwsdisp", FWD, 0, NULL },
	{ "4475 3.1.1.7", "longreq", FWD, 0, NULL },
	{ "4475 3.1.1.8", "dblreq", 200, 0, "the INVITE octets after the REGISTER are ignored" },
	{ "4475 3.1.1.9", "semiuri", 404, 0, "user \"user;par=u%40example.net\" is nobody here" },
	{ "4475 3.1.1.10", "transports", FWD, 0, NULL },
	{ "4475 3.1.1.11", "mpart01", FWD, 0, NULL },
	{ "4475 3.1.1.12", "unreason", DROP, 0, "a response to no transaction of ours" },
	{ "4475 3.1.1.13", "noreason", DROP, 0, "a response to no transaction of ours" },
	/* RFC 4475 3.1.2: invalid */
	{ "4475 3.1.2.1", "badinv01", 400, 1, NULL },
	{ "4475 3.1.2.2", "clerr", 400, 1, NULL },
	{ "4475 3.1.2.3", "ncl", 400, 1, NULL },
	{ "4475 3.1.2.4", "scalar02", 400, 1, NULL },
	{ "4475 3.1.2.5", "scalarlg", DROP, 1, "a response: discarded" },
	{ "4475 3.1.2.6", "quotbal", 400, 1, NULL },
	{ "4475 3.1.2.7", "ltgtruri", 400, 1, NULL },
	{ "4475 3.1.2.8", "lwsruri", 400, 1, NULL },
	{ "4475 3.1.2.9", "lwsstart", 400, 1, NULL },
	{ "4475 3.1.2.10", "trws", 400, 1, NULL },
	{ "4475 3.1.2.11", "escruri", 400, 1, NULL },
	{ "4475 3.1.2.12", "baddate", FWD, 0,
	  "a bad Date need not be rejected when the element does not use Date" },
	{ "4475 3.1.2.13", "regbadct", 400, 1, NULL },
	{ "4475 3.1.2.14", "badaspec", 400, 1, NULL },
	{ "4475 3.1.2.15", "baddn", 400, 1, NULL },
	{ "4475 3.1.2.16", "badvers", 505, 1, NULL },
	{ "4475 3.1.2.17", "mismatch01", 400, 1, NULL },
	{ "4475 3.1.2.18", "mismatch02", 400, 1, "501, or 400" },
	{ "4475 3.1.2.19", "bigcode", DROP, 1, "a response: discarded" },
	/* RFC 4475 3.2, 3.3, 3.4: syntactically valid, the application decides */
	{ "4475 3.2.1", "badbranch", FWD, 0, "a bare z9hG4bK: RFC 2543 matching" },
	{ "4475 3.3.1", "insuf", 400, 1, "no Call-ID, From, To: 400" },
	{ "4475 3.3.2", "unkscm", 416, 1, NULL },
	{ "4475 3.3.3", "novelsc", 416, 1, NULL },
	{ "4475 3.3.4", "unksm2", 400, 1, "a registrar: 400, the To is no SIP AOR" },
	{ "4475 3.3.5", "bext01", 420, 0, NULL },
	{ "4475 3.3.6", "invut", FWD, 0, "a proxy forwards an unknown body" },
	{ "4475 3.3.7", "regaut01", 200, 0, "no authentication here: the scheme is ignored" },
	{ "4475 3.3.8", "multi01", 400, 1, NULL },
	{ "4475 3.3.9", "mcl01", 400, 1, NULL },
	{ "4475 3.3.10", "bcast", DROP, 0, "never forwarded to a broadcast Via" },
	{ "4475 3.3.11", "zeromf", 200, 0, "OPTIONS with Max-Forwards 0: answered (RFC 3261 16.3)" },
	{ "4475 3.3.12", "cparam01", 200, 0, NULL },
	{ "4475 3.3.13", "cparam02", 200, 0, NULL },
	{ "4475 3.3.14", "regescrt", 200, 0, NULL },
	{ "4475 3.3.15", "sdp01", FWD, 0, "Accept is the UAS's business" },
	{ "4475 3.4.1", "inv2543", FWD, 0, NULL },
	/* RFC 5118 */
	{ "5118 4.1", "ipv6-good", FWD, 0, NULL },
	{ "5118 4.2", "ipv6-bad", 400, 1, NULL },
	{ "5118 4.3", "port-ambiguous", FWD, 0, NULL },
	{ "5118 4.4", "port-unambiguous", FWD, 0, NULL },
	{ "5118 4.5", "via-received-param-with-delim", FWD, 0, NULL },
	{ "5118 4.5", "via-received-param-no-delim", FWD, 0, NULL },
	{ "5118 4.6", "ipv6-in-sdp", FWD, 0, NULL },
	{ "5118 4.7", "mult-ip-in-header", FWD, 0, NULL },
	{ "5118 4.8", "mult-ip-in-sdp", FWD, 0, NULL },
	{ "5118 4.9", "ipv4-mapped-ipv6", FWD, 0, NULL },
	{ "5118 4.10", "ipv6-bug-abnf-3-colons", 400, 1, NULL },
	{ "5118 4.10", "ipv6-correct-abnf-2-colons", FWD, 0, NULL },
};

/* intmeth's Request-URI user (RFC 3261 user-unreserved and all) */
#define INTMETH_USER "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*"

static uint64_t fake_now = 5000000;
static char us[32];

static struct sent {
	char buf[8192];
	size_t len;
	struct sockaddr_storage dst;
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
	s->dst = dst->addr;
	MSG_Parse(&s->m, s->buf, len);
	return 0;
}

static void feed(const char *buf, size_t len)
{
	struct tp_peer src = { .proto = TP_UDP, .sock = -1 };

	TP_AddrParse("127.0.0.1:5070", 0, &src.addr);
	RCU_ReadLock();
	PRX_Receive(buf, len, &src);
	RCU_ReadUnlock();
}

static char *slurp(const char *tag, size_t *len)
{
	char path[256], *buf;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "torture/%s.sip", tag);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	/* exactly the file's size, so ASan sees any read past the message */
	buf = malloc(n ? n : 1);
	if (buf && fread(buf, 1, n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = n;
	return buf;
}

static void reg(const char *user)
{
	static unsigned int seq;
	char buf[1024];

	seq++;
	snprintf(buf, sizeof(buf), "REGISTER sip:example.com SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKreg%u;rport\r\n"
		 "Call-ID: reg-%u\r\nCSeq: 1 REGISTER\r\nMax-Forwards: 70\r\n"
		 "From: <sip:%s@example.com>;tag=r\r\nTo: <sip:%s@example.com>\r\n"
		 "Contact: <sip:%s@127.0.0.1:5080>\r\nExpires: 600\r\nContent-Length: 0\r\n\r\n",
		 seq, seq, user, user, user);
	nsent = 0;
	feed(buf, strlen(buf));
	CHECK(nsent == 1 && !sent[0].m.request && sent[0].m.status == 200);
}

/* fresh transactions, dialogs and bindings: messages of both RFCs share branches */
static void reset(void)
{
	static const struct reg_config rc = { 60, 3600, 600, 0 };

	TXN_Fini();
	DLG_Fini();
	REG_Fini();
	CHECK_EQ(REG_Init(&rc), 0);
	CHECK_EQ(DLG_Init(), 0);
	CHECK_EQ(TXN_Init(), 0);
	reg("user");
	reg("vivekg");
	reg("UserB");
	reg(INTMETH_USER);
	nsent = 0;
}

static const struct sent *first_request(void)
{
	int i;

	for (i = 0; i < nsent; i++)
		if (sent[i].m.request)
			return &sent[i];
	return NULL;
}

static const struct sent *final_response(void)
{
	int i;

	for (i = 0; i < nsent; i++)
		if (!sent[i].m.request && sent[i].m.status >= 200)
			return &sent[i];
	return NULL;
}

static int has(const struct sent *s, const char *text, size_t len)
{
	return s && memmem(s->buf, s->len, text, len) != NULL;
}

static int dst_port(const struct sent *s)
{
	return s ? TP_Port(&s->dst) : -1;
}

/* what this case did, in the table's terms, or -2 for something else */
static int outcome(void)
{
	const struct sent *req = first_request(), *fin = final_response();

	if (!nsent)
		return DROP;
	if (req && !fin)
		return FWD;
	if (fin && !req)
		return fin->m.status;
	return -2;
}

/* what more the RFCs ask of some messages than their outcome */
static void check_details(const char *tag, const char *msg, size_t len)
{
	const struct sent *req = first_request(), *fin = final_response();

	if (!strcmp(tag, "intmeth")) {
		/* the method and the CSeq go on as they came, case and all */
		static const char rl[] = "!interesting-Method0123456789_*+`.%indeed'~ sip:"
					 INTMETH_USER "@127.0.0.1:5080 SIP/2.0\r\n";
		static const char cseq[] = "CSeq: 139122385 !interesting-Method0123456789_*+`.%indeed'~\r\n";

		CHECK(req && req->len > sizeof(rl) && !memcmp(req->buf, rl, sizeof(rl) - 1));
		CHECK(has(req, cseq, sizeof(cseq) - 1));
	} else if (!strcmp(tag, "longreq")) {
		const char *h = memmem(msg, len, "Unknown-LongLong", 16);
		const char *e = h ? memmem(h, len - (h - msg), "\r\n", 2) : NULL;

		/* the long unknown header, all 34 Vias and the body pass intact */
		CHECK(h && e && has(req, h, e - h + 2));
		CHECK(req && req->m.nvia == 32);	/* ours, then the first 31 stored */
		CHECK(has(req, "Via: SIP/2.0/TCP sip1.example.com\r\n", 35));
		CHECK(req && req->m.body.len == 150);
	} else if (!strcmp(tag, "dblreq")) {
		/* the REGISTER answered, the INVITE behind it never seen: no 100 */
		CHECK_EQ(nsent, 1);
		CHECK(fin && fin->m.method_id == SIP_M_REGISTER);
	} else if (!strcmp(tag, "mpart01")) {
		/* routed by its Route to 127.0.0.1:5080, the binary body intact */
		CHECK_EQ(dst_port(req), 5080);
		CHECK(req && req->m.body.len == 553 &&
		      !memcmp(req->m.body.s, msg + len - 553, 553));
	} else if (!strcmp(tag, "escnull")) {
		/* two distinct contacts for an AOR whose %00 was not cut short */
		struct reg_target rt[REG_MAX_BINDINGS];

		CHECK_EQ(REG_Lookup(STR_C("null-%00-null"), time(NULL), rt, REG_MAX_BINDINGS), 2);
		CHECK_EQ(REG_Lookup(STR_C("null-"), time(NULL), rt, REG_MAX_BINDINGS), 0);
	} else if (!strcmp(tag, "esc02")) {
		CHECK(has(fin, "\r\nAllow: ", 9));
	} else if (!strcmp(tag, "bext01")) {
		/* only the Proxy-Require option tags are unsupported by a proxy */
		static const char u[] = "\r\nUnsupported: noProxiesSupportThis, "
					"norDoAnyProxiesSupportThis\r\n";

		CHECK(has(fin, u, sizeof(u) - 1));
	} else if (!strcmp(tag, "ipv6-good") || !strcmp(tag, "port-ambiguous") ||
		   !strcmp(tag, "port-unambiguous")) {
		/* [2001:db8::10:5070] is an address on 5060, [2001:db8::10]:5070 a port */
		struct sockaddr_in6 *a = req ? (struct sockaddr_in6 *)&req->dst : NULL;
		char ip[INET6_ADDRSTRLEN] = "";

		CHECK(a && a->sin6_family == AF_INET6);
		if (a && a->sin6_family == AF_INET6)
			inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
		CHECK_STR(ip, strcmp(tag, "port-ambiguous") ? "2001:db8::10" : "2001:db8::10:5070");
		CHECK_EQ(dst_port(req), strcmp(tag, "port-unambiguous") ? 5060 : 5070);
	}
}

static void run(const struct torture *t)
{
	struct prx_stats before, after;
	size_t len;
	char *msg = slurp(t->tag, &len);
	int got;

	CHECK(msg != NULL);
	if (!msg) {
		printf("# %s %s: no file\n", t->section, t->tag);
		return;
	}
	reset();
	PRX_GetStats(&before);
	feed(msg, len);
	PRX_GetStats(&after);
	got = outcome();
	CHECK_EQ(got, t->want);
	CHECK_EQ(after.bad - before.bad, t->bad);
	if (got != t->want || after.bad - before.bad != (unsigned long)t->bad)
		printf("# RFC %s %s: got %d (bad %lu), want %d (bad %d)%s%s\n", t->section, t->tag,
		       got, after.bad - before.bad, t->want, t->bad, t->why ? ": " : "",
		       t->why ? t->why : "");
	check_details(t->tag, msg, len);
	free(msg);
}

int main(void)
{
	char *argv[] = { "krtpd", "-c", "/dev/null", "-D", "example.com", "-D", "example.net",
			 "-D", "example.org", "-D", "chair-dnrc.example.com",
			 "-D", "registrar.example.com", "-D", "services.example.com",
			 "-D", "host.example.net", "-f", NULL };
	static const struct prx_config pc = { .allow_relay = 1, .max_forwards = 70,
					      .invite_timeout = 180 };
	static const struct reg_config rc = { 60, 3600, 600, 0 };
	struct tp_limits lim = { .max_message = 65535, .max_conns = 4, .idle_timeout = 60 };
	struct tp_listen l[2] = { { .udp = 1 }, { .udp = 1 } };
	unsigned int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	LOG_SetLevel(LOGL_ERR);
	proxytest_init(sizeof(argv) / sizeof(argv[0]) - 1, argv, fake_clock, &rc, &pc);
	/* an IPv6 socket too, to forward the RFC 5118 requests from */
	snprintf(us, sizeof(us), "127.0.0.1:%d", 30000 + getpid() % 20000);
	TP_AddrParse(us, 0, &l[0].addr);
	snprintf(us, sizeof(us), "[::1]:%d", 30000 + getpid() % 20000);
	TP_AddrParse(us, 0, &l[1].addr);
	CHECK_EQ(TP_Init(l, 2, &lim, PRX_Receive), 0);
	TP_SetSendHook(capture);

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run(&cases[i]);

	TP_Fini();
	proxytest_fini();
	return check_summary();
}
