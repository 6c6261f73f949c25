/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The proxy tests (test_proxy.c, test_proxy_auth.c, test_proxy_media.c)
 * drive daemon/sip/proxy.c message by message without the network:
 * requests and responses are fed to PRX_Receive as if they came from
 * alice (port 5070), bob (5080, 5090) or dave (5100), and every message
 * krtpd sends is captured into sent[] (sipcapture.h). Time is a fake clock
 * that advance() moves.
 */
#ifndef KRTPD_TEST_PROXYUA_H
#define KRTPD_TEST_PROXYUA_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sip/msg.h"
#include "sip/transport.h"
#include "check.h"
#include "proxytest.h"
#include "sipcapture.h"

static struct prx_config pc_main;	/* the proxy's configuration (proxyua_init) */

static uint64_t fake_now = 5000000;
static int port;			/* krtpd's; us is "127.0.0.1:port" */

static inline uint64_t fake_clock(void)
{
	return fake_now;
}

static inline void advance(uint64_t ms)
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

#define HDRS(branch, callid, cseq) \
	"Via: SIP/2.0/UDP 127.0.0.1:%d;branch=" branch ";rport\r\n" \
	"Call-ID: " callid "\r\nCSeq: " cseq "\r\n"

static inline void reg(const char *user, int uport)
{
	nsent = 0;
	feed(uport, "REGISTER sip:krtp.test SIP/2.0\r\n" HDRS("z9hG4bKr%d", "reg-%s-%d", "1 REGISTER")
	     "From: <sip:%s@krtp.test>;tag=r\r\nTo: <sip:%s@krtp.test>\r\n"
	     "Contact: <sip:%s@127.0.0.1:%d>\r\nExpires: 600\r\nContent-Length: 0\r\n\r\n",
	     uport, uport, user, uport, user, user, user, uport);
	CHECK(find(uport, 200, "REGISTER") != NULL);
}

/* a response from the UA at uport to the request krtpd sent it, with extra header lines */
static inline void respond(int uport, const struct sent *req, int status,
			   const char *totag, const char *extra)
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

static inline void answer(int uport, const struct sent *req, int status, const char *totag)
{
	respond(uport, req, status, totag, "");
}

/* a copy of a captured message that stays valid when the capture array is reused */
static inline void keep(struct sent *c, const struct sent *s)
{
	*c = *s;
	MSG_Parse(&c->m, c->buf, c->len);
}

/* the two ends of the dialog between alice and dave, as From and To lines */
#define DLG_A "From: <sip:alice@krtp.test>;tag=a7\r\nTo: <sip:dave@krtp.test>;tag=d7\r\n"
#define DLG_D "From: <sip:dave@krtp.test>;tag=d7\r\nTo: <sip:alice@krtp.test>;tag=a7\r\n"

/*
 * The SIP core with callers' authentication on (it challenges once a users
 * file is loaded) and krtpd's UDP socket on a port of its own, its sends
 * captured
 */
static inline void proxyua_init(void)
{
	char *argv[] = { "krtpd", "-c", "/dev/null", "-D", "krtp.test", "-f", NULL };
	static const struct reg_config rc = { 60, 3600, 600, 0 };
	static const struct prx_config pc = { .max_forwards = 70, .invite_timeout = 180,
					      .auth_calls = 1 };
	struct tp_limits lim = { .max_message = 65535, .max_conns = 4, .idle_timeout = 60 };
	struct tp_listen l = { .udp = 1 };

	pc_main = pc;
	setvbuf(stdout, NULL, _IOLBF, 0);
	LOG_SetLevel(LOGL_ERR);
	proxytest_init(6, argv, fake_clock, &rc, &pc);
	port = 30000 + getpid() % 20000;
	snprintf(us, sizeof(us), "127.0.0.1:%d", port);
	TP_AddrParse(us, 0, &l.addr);
	CHECK_EQ(TP_Init(&l, 1, &lim, PRX_Receive), 0);
	TP_SetSendHook(capture);
}

static inline void proxyua_fini(void)
{
	TP_Fini();
	proxytest_fini();
}

#endif /* KRTPD_TEST_PROXYUA_H */
