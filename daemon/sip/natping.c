// SPDX-License-Identifier: GPL-2.0
/*
 * NAT pings (see natping.h). A one-second tick walks the bindings; a
 * binding is due when a whole interval has passed since it registered or
 * was last pinged, so pings spread out as registrations do. The walk is a
 * few compares per binding; only due ones cost a message.
 *
 * A ping's Call-ID is "np<ping id>.<user in hex>@krtpd": the user finds the
 * AOR and the id the binding within it (REG_PingFind). Ids start at a
 * random value, so an outsider cannot guess one to keep a binding alive.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "../log.h"
#include "../metrics.h"
#include "../timer.h"
#include "build.h"
#include "natping.h"
#include "registrar.h"
#include "transport.h"

#define NATP_TICK_MS	1000
#define NATP_BRANCH	"z9hG4bKnp"

static struct natp_config natp_cfg;
static struct natp_stats natp_stats;
static struct tmr natp_tmr = { .idx = -1 };
static uint32_t natp_seq;

/*
 * behind NAT: the Contact names another IP than the REGISTER came from (the
 * registrar then sends to the source, see REG_ContactTarget). Another port
 * on the same IP is a UA that registers from one socket and listens on
 * another, reached at its Contact: not pinged.
 */
static int natp_behind_nat(const struct reg_binding *b, struct tp_peer *dst)
{
	struct sockaddr_storage ss;
	struct sip_uri u;

	if (URI_Parse(&u, b->contact, strlen(b->contact)) ||
	    REG_ContactTarget(&u, &b->src, dst))
		return 0;
	if (TP_Resolve(u.host, u.host_v6, u.port ? u.port : 5060, &ss))
		return 1;	/* a name: the registrar already sends to the source */
	return !TP_SameIp(&ss, &b->src.addr);
}

static void natp_send(const char *user, struct reg_binding *b, const struct tp_peer *dst)
{
	char buf[1024], local[80], hex[2 * 128 + 1];
	size_t i, ul = strlen(user);
	int n;

	if (TP_LocalFor(dst, local, sizeof(local)) || ul > 128)
		return;
	for (i = 0; i < ul; i++)
		snprintf(hex + 2 * i, 3, "%02x", (unsigned char)user[i]);
	hex[2 * ul] = '\0';
	natp_seq += 0x9e3779b1u;	/* odd: every value before repeating */
	if (!natp_seq)
		natp_seq = 1;
	b->ping_id = natp_seq;
	n = snprintf(buf, sizeof(buf),
		     "OPTIONS %s SIP/2.0\r\n"
		     "Via: SIP/2.0/UDP %s;branch=" NATP_BRANCH "%08" PRIx32 "\r\n"
		     "Max-Forwards: 70\r\n"
		     "From: <sip:ping@%s>;tag=np%08" PRIx32 "\r\n"
		     "To: <%s>\r\n"
		     "Call-ID: np%08" PRIx32 ".%s@krtpd\r\n"
		     "CSeq: 1 OPTIONS\r\n"
		     "Content-Length: 0\r\n\r\n",
		     b->contact, local, b->ping_id, local, b->ping_id, b->contact, b->ping_id, hex);
	if (n <= 0 || (size_t)n >= sizeof(buf))
		return;
	if (!TP_Send(dst, buf, n))
		natp_stats.sent++;
}

/* REG_Sweep callback: 1 to unregister b */
static int natp_visit(const char *user, struct reg_binding *b, void *arg)
{
	int64_t now = *(int64_t *)arg;
	struct tp_peer dst;

	/* a binding another krtpd took is that one's to ping: its NAT knows only it */
	if (b->src.proto != TP_UDP || b->path || b->reg_id || b->remote)
		return 0;
	if (!b->ping_next)
		b->ping_next = b->updated + natp_cfg.interval;
	if (now < b->ping_next)
		return 0;
	/* due either way: a binding not behind NAT is looked at again an interval on */
	b->ping_next = now + natp_cfg.interval;
	if (!natp_behind_nat(b, &dst))
		return 0;
	if (b->ping_fail >= natp_cfg.failures) {
		natp_stats.unregistered++;
		return 1;
	}
	b->ping_fail++;
	natp_send(user, b, &dst);
	return 0;
}

void NATP_Run(int64_t now)
{
	char why[80];

	if (!natp_cfg.interval)
		return;
	snprintf(why, sizeof(why), "%u NAT pings unanswered", natp_cfg.failures);
	REG_Sweep(natp_visit, &now, why);
}

static void natp_tick(struct tmr *t)
{
	NATP_Run(time(NULL));
	TMR_Start(t, NATP_TICK_MS);
}

int NATP_Response(const struct sip_msg *m)
{
	const struct sip_str *b, *c;
	char user[129];
	const char *dot, *at;
	uint32_t id;
	size_t i, hl;
	char idbuf[9];
	struct reg_binding *rb;

	if (m->request || !m->nvia || m->cseq_method_id != SIP_M_OPTIONS)
		return 0;
	b = &m->via[0].branch;
	if (b->len != strlen(NATP_BRANCH) + 8 || memcmp(b->s, NATP_BRANCH, strlen(NATP_BRANCH)))
		return 0;
	/* ours from here on: consumed, whatever else is wrong with it */
	c = &m->call_id;
	dot = c->len > 11 ? memchr(c->s, '.', c->len) : NULL;
	at = dot ? memchr(dot, '@', c->s + c->len - dot) : NULL;
	if (!at || dot - c->s != 10 || memcmp(c->s, "np", 2))
		return 1;
	memcpy(idbuf, c->s + 2, 8);
	idbuf[8] = '\0';
	id = (uint32_t)strtoul(idbuf, NULL, 16);
	hl = at - dot - 1;
	if (hl % 2 || hl / 2 >= sizeof(user))
		return 1;
	for (i = 0; i < hl / 2; i++) {
		unsigned int v;

		if (sscanf(dot + 1 + 2 * i, "%2x", &v) != 1)
			return 1;
		user[i] = (char)v;
	}
	user[hl / 2] = '\0';
	rb = REG_PingFind(STR_C(user), id);
	if (rb) {
		rb->ping_fail = 0;
		natp_stats.answered++;
	}
	return 1;
}

void NATP_GetStats(struct natp_stats *s)
{
	*s = natp_stats;
}

static void natp_emit(struct met_out *o)
{
	MET_Counter(o, "krtpd_nat_pings_total", "OPTIONS pings to NATed UDP contacts.",
		    MET_LABELS("result", "sent"), natp_stats.sent);
	MET_Counter(o, "krtpd_nat_pings_total", "OPTIONS pings to NATed UDP contacts.",
		    MET_LABELS("result", "answered"), natp_stats.answered);
	MET_Counter(o, "krtpd_nat_ping_unregistered_total",
		    "Bindings removed because their NAT pings went unanswered.", NULL,
		    natp_stats.unregistered);
}

int NATP_Init(const struct natp_config *cfg)
{
	natp_cfg = *cfg;
	memset(&natp_stats, 0, sizeof(natp_stats));
	if (getrandom(&natp_seq, sizeof(natp_seq), GRND_NONBLOCK) != sizeof(natp_seq))
		natp_seq = (uint32_t)time(NULL);
	MET_AddSource(natp_emit);
	TMR_Setup(&natp_tmr, natp_tick);
	if (natp_cfg.interval)
		TMR_Start(&natp_tmr, NATP_TICK_MS);
	return 0;
}

void NATP_Fini(void)
{
	TMR_Stop(&natp_tmr);
}
