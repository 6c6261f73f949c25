// SPDX-License-Identifier: GPL-2.0
/*
 * NAT pings (daemon/sip/natping.c) over the registrar: a UDP binding whose
 * Contact is not where its REGISTER came from gets an OPTIONS to that NAT
 * address each interval once the interval since it registered has passed;
 * a binding reachable at its Contact, a TCP one and an outbound one get
 * none. Any answer resets the count; an answer with another id is taken
 * in (it is ours) but saves nothing. After `failures` unanswered pings in
 * a row the binding is unregistered, in memory and in the store.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "rcu.h"
#include "store.h"
#include "timer.h"
#include "sip/natping.h"
#include "sip/registrar.h"
#include "sip/transport.h"
#include "check.h"
#include "looptest.h"

static int64_t t0 = 1700000000;
static char sent[8][1024];
static struct tp_peer sent_to[8];
static int nsent;

static int capture(const struct tp_peer *dst, const char *buf, size_t len)
{
	if (nsent < 8) {
		snprintf(sent[nsent], sizeof(sent[nsent]), "%.*s", (int)len, buf);
		sent_to[nsent] = *dst;
	}
	nsent++;
	return 0;
}

/* REGISTER user with contact, from addr over proto, at time now */
static int reg(const char *user, const char *contact, const char *addr, int proto,
	       const char *extra, int64_t now)
{
	struct tp_peer src = { .proto = proto, .sock = -1 };
	char text[1024], hdrs[1024];
	const char *reason;
	struct sip_buf hb;
	struct sip_msg m;
	int r;

	snprintf(text, sizeof(text), "REGISTER sip:krtp.test SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP %s;branch=z9hG4bKr%s\r\nFrom: <sip:%s@krtp.test>;tag=1\r\n"
		 "To: <sip:%s@krtp.test>\r\nCall-ID: reg-%s\r\nCSeq: 1 REGISTER\r\n%s"
		 "Contact: <%s>%s\r\nContent-Length: 0\r\n\r\n", addr, user, user, user, user,
		 extra, contact, strstr(extra, "outbound") ?
		 ";+sip.instance=\"<urn:uuid:5>\";reg-id=1" : "");
	TP_AddrParse(addr, 5060, &src.addr);
	src.conn = proto == TP_UDP ? 0 : 0x10001;
	if (MSG_Parse(&m, text, strlen(text)))
		return -1;
	SB_Init(&hb, hdrs, sizeof(hdrs));
	RCU_ReadLock();
	r = REG_Handle(&m, &src, now, &hb, &reason);
	RCU_ReadUnlock();
	return r;
}

static int lookup(const char *user, int64_t now)
{
	struct reg_target t[REG_MAX_BINDINGS];
	int n;

	RCU_ReadLock();
	n = REG_Lookup(STR_C(user), now, t, REG_MAX_BINDINGS);
	RCU_ReadUnlock();
	return n;
}

static void run(int64_t now)
{
	RCU_ReadLock();
	NATP_Run(now);
	RCU_ReadUnlock();
}

/* the header line of msg starting with name, up to its CRLF */
static void header(const char *msg, const char *name, char *out, size_t outsz)
{
	const char *p = strstr(msg, name), *e = p ? strstr(p, "\r\n") : NULL;

	snprintf(out, outsz, "%.*s", e ? (int)(e - p) : 0, p ? p : "");
}

/* a 200 to captured ping i; with a Call-ID of another id when forged */
static int answer(int i, int forged)
{
	char via[256], cid[512], text[1200];
	struct sip_msg m;
	int r;

	header(sent[i], "Via:", via, sizeof(via));
	header(sent[i], "Call-ID:", cid, sizeof(cid));
	if (forged)
		cid[9] = cid[9] == '0' ? '1' : '0';
	snprintf(text, sizeof(text), "SIP/2.0 200 OK\r\n%s\r\nFrom: <sip:ping@x>;tag=np\r\n"
		 "To: <sip:nat@10.0.0.99>;tag=ua\r\n%s\r\nCSeq: 1 OPTIONS\r\n"
		 "Content-Length: 0\r\n\r\n", via, cid);
	if (MSG_Parse(&m, text, strlen(text)))
		return -1;
	RCU_ReadLock();
	r = NATP_Response(&m);
	RCU_ReadUnlock();
	return r;
}

int main(void)
{
	struct tp_limits lim = { .max_message = 4096, .max_conns = 4, .idle_timeout = 60,
				 .tls_handshake_timeout = 5 };
	struct reg_config rc = { .min_expires = 60, .max_expires = 3600, .default_expires = 3600 };
	struct natp_config nc = { .interval = 30, .failures = 3 };
	struct tp_listen l = { .udp = 1 };
	struct natp_stats st;
	struct sip_msg m;
	char text[256];

	setvbuf(stdout, NULL, _IOLBF, 0);
	LOG_SetLevel(LOGL_ERR);
	RCU_RegisterThread();
	CHECK_EQ(TMR_Init(), 0);
	CHECK_EQ(LOOP_Init(), 0);
	CHECK_EQ(STO_Init(":memory:"), 0);
	CHECK_EQ(REG_Init(&rc), 0);
	CHECK_EQ(NATP_Init(&nc), 0);
	/* a UDP listener, so the pings have a local address to name */
	TP_AddrParse("127.0.0.1", free_port(), &l.addr);
	CHECK_EQ(TP_Init(&l, 1, &lim, NULL), 0);
	TP_SetSendHook(capture);

	CHECK_EQ(reg("nat", "sip:nat@10.0.0.99:5060", "198.51.100.20:40000", TP_UDP, "", t0), 200);
	CHECK_EQ(reg("open", "sip:open@192.0.2.50:5060", "192.0.2.50:5060", TP_UDP, "", t0), 200);
	/* registered from another socket of the same host: reached at its Contact, not NAT */
	CHECK_EQ(reg("tool", "sip:tool@192.0.2.51:5091", "192.0.2.51:40123", TP_UDP, "", t0), 200);
	CHECK_EQ(reg("tcp", "sip:tcp@10.0.0.98:5060;transport=tcp", "198.51.100.21:40001",
		     TP_TCP, "", t0), 200);
	CHECK_EQ(reg("ob", "sip:ob@10.0.0.97:5060;ob", "198.51.100.22:40002", TP_UDP,
		     "Supported: outbound\r\n", t0), 200);

	/* not due before a whole interval */
	run(t0 + 10);
	CHECK_EQ(nsent, 0);
	run(t0 + 30);
	CHECK_EQ(nsent, 1);		/* nat only */
	CHECK(!strncmp(sent[0], "OPTIONS sip:nat@10.0.0.99:5060 SIP/2.0\r\n", 40));
	CHECK_EQ(TP_Port(&sent_to[0].addr), 40000);
	CHECK(strstr(sent[0], "branch=z9hG4bKnp") != NULL);
	CHECK(strstr(sent[0], ".6e6174@krtpd\r\n") != NULL);	/* "nat" in hex */
	run(t0 + 31);
	CHECK_EQ(nsent, 1);		/* one per interval */

	/* a forged id is ours (consumed) but saves nothing; the real answer does */
	CHECK_EQ(answer(0, 1), 1);
	NATP_GetStats(&st);
	CHECK_EQ(st.answered, 0);
	CHECK_EQ(answer(0, 0), 1);
	NATP_GetStats(&st);
	CHECK_EQ(st.answered, 1);
	/* a response that is not to a ping is not ours */
	snprintf(text, sizeof(text), "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKother\r\n"
		 "From: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n");
	CHECK_EQ(MSG_Parse(&m, text, strlen(text)), 0);
	CHECK_EQ(NATP_Response(&m), 0);

	/* three unanswered in a row, then unregistered at the next due time */
	run(t0 + 60);
	run(t0 + 90);
	run(t0 + 120);
	CHECK_EQ(nsent, 4);
	CHECK_EQ(lookup("nat", t0 + 121), 1);
	run(t0 + 150);
	CHECK_EQ(nsent, 4);
	CHECK_EQ(lookup("nat", t0 + 151), 0);
	NATP_GetStats(&st);
	CHECK_EQ(st.sent, 4);
	CHECK_EQ(st.unregistered, 1);
	/* the others are untouched */
	CHECK_EQ(lookup("open", t0 + 151), 1);
	CHECK_EQ(lookup("tool", t0 + 151), 1);
	CHECK_EQ(lookup("ob", t0 + 151), 1);
	/* and the store no longer has it: a restart does not bring it back */
	REG_Fini();
	CHECK_EQ(REG_Init(&rc), 0);
	RCU_ReadLock();
	CHECK_EQ(REG_Load(t0 + 152), 4);
	RCU_ReadUnlock();
	CHECK_EQ(lookup("nat", t0 + 152), 0);

	TP_SetSendHook(NULL);
	NATP_Fini();
	TP_Fini();
	REG_Fini();
	STO_Fini();
	LOOP_Fini();
	RCU_Barrier();
	RCU_UnregisterThread();
	return check_summary();
}
