/* SPDX-License-Identifier: GPL-2.0 */
/*
 * For unit tests that drive daemon/sip/proxy.c by hand: what krtpd sends
 * is captured into sent[] by the transport's send hook (TP_SetSendHook
 * with capture), and feed() hands PRX_Receive a message as if it came
 * from a UA on 127.0.0.1. The test sets us to krtpd's own "host:port".
 * A test may define MAXSENT, the captured messages kept, before including.
 */
#ifndef KRTPD_TEST_SIPCAPTURE_H
#define KRTPD_TEST_SIPCAPTURE_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rcu.h"
#include "sip/msg.h"
#include "sip/proxy.h"
#include "sip/transport.h"

#ifndef MAXSENT
#define MAXSENT 512
#endif

static char us[32];			/* "127.0.0.1:port" */

static struct sent {
	char buf[8192];
	size_t len;
	int dport;
	struct sip_msg m;
} sent[MAXSENT];
static int nsent;

static inline int capture(const struct tp_peer *dst, const char *buf, size_t len)
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
static inline void feed(int sport, const char *fmt, ...)
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

/* the n-th captured message going to port with this status (or method when status 0) */
static inline struct sent *find(int dport, int status, const char *method)
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

static inline int has(const struct sent *s, const char *text)
{
	return s && memmem(s->buf, s->len, text, strlen(text)) != NULL;
}

#endif /* KRTPD_TEST_SIPCAPTURE_H */
