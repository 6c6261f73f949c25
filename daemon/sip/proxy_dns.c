// SPDX-License-Identifier: GPL-2.0
/*
 * Targets given by name (RFC 3263): the trunk, a Route or a foreign
 * Request-URI whose host is not an address. Registered contacts never get
 * here; prx_route gives them addresses.
 *
 * A name is resolved by dns.c. When every record is cached the branch
 * starts at once; otherwise the context waits (ctx->dns_waiting, with a
 * reference held by the struct prx_dns) and the INVITE's caller has had
 * its 100 Trying. The addresses found stay with the branch (br->dns): a
 * 503 or a timeout from one sends the request, with a new branch, to the
 * next (§4.3), and the struct moves to the new branch. Only when all
 * failed does the best response (408, or 500 for 503s, §16.7) go up.
 *
 * Lifetimes: a struct prx_dns is owned by the lookup until its callback
 * ran (d->ctx set, one context reference), then by one branch, freed with
 * the context (prx_ctx_put -> prx_dns_free).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../config.h"
#include "../log.h"
#include "conn.h"
#include "dns.h"
#include "proxy_internal.h"

struct prx_dns {
	struct prx_ctx *ctx;		/* while the lookup runs */
	char host[256];			/* for the logs */
	char uri[512];			/* Request-URI to send, "" = keep */
	int npop;
	char *body;			/* rewritten body (media), NULL = the request's */
	size_t bodylen;
	struct dns_result res;
	int next;			/* res.t[next] is the next address to try */
};

static int prx_dns_proto(int tp)
{
	return tp == TP_TLS ? DNS_TLS : tp == TP_TCP ? DNS_TCP : tp == TP_UDP ? DNS_UDP : 0;
}

static int prx_tp_proto(int dns)
{
	return dns == DNS_TLS ? TP_TLS : dns == DNS_TCP ? TP_TCP : dns == DNS_UDP ? TP_UDP : 0;
}

/* a TLS connection to t proves the name that was looked up (RFC 5922 §4) */
static void prx_dns_tls_name(const struct dns_target *t, const char *host)
{
	if (t->proto == DNS_TLS)
		CONN_TlsName(&t->addr, host);
}

void prx_dns_free(struct prx_dns *d)
{
	if (!d)
		return;
	free(d->body);
	free(d);
}

void prx_target_name(struct prx_target *tg, const struct sip_uri *u)
{
	struct sip_str h = u->maddr.len ? u->maddr : u->host;

	tg->by_name = 1;
	snprintf(tg->name.host, sizeof(tg->name.host), "%.*s", (int)h.len, h.s);
	tg->name.port = u->port;
	tg->name.proto = u->transport.len ? TP_ProtoParse(u->transport) : 0;
	tg->name.sips = u->sips;
}

/*
 * The trunk as target of m: its name, and unless keep_ruri, the Request-URI
 * sip:USER@trunk-host[:port][;transport=]. Returns 0, or -ENOENT when no
 * trunk is configured.
 */
int prx_trunk_target(const struct sip_msg *m, struct prx_target *tg, int keep_ruri)
{
	const char *trunk = CNF_Get()->trunk;
	struct sip_uri u;

	if (!trunk[0] || URI_Parse(&u, trunk, strlen(trunk)))
		return -ENOENT;
	prx_target_name(tg, &u);
	tg->trunk = 1;
	tg->uri[0] = '\0';
	if (!keep_ruri) {
		char port[8] = "";

		if (u.port)
			snprintf(port, sizeof(port), ":%u", u.port);
		snprintf(tg->uri, sizeof(tg->uri), "%s:%.*s@%s%.*s%s%s", u.sips ? "sips" : "sip",
			 (int)m->ruri.user.len,
			 m->ruri.user.s, u.host_v6 ? "[" : "", (int)u.host.len, u.host.s,
			 u.host_v6 ? "]" : "", port);
		if (u.transport.len) {
			size_t len = strlen(tg->uri);

			snprintf(tg->uri + len, sizeof(tg->uri) - len, ";transport=%.*s",
				 (int)u.transport.len, u.transport.s);
		}
	}
	return 0;
}

static void prx_dns_req(const struct prx_target *tg, struct dns_req *req)
{
	memset(req, 0, sizeof(*req));
	req->host.s = tg->name.host;
	req->host.len = strlen(tg->name.host);
	req->port = tg->name.port;
	req->proto = prx_dns_proto(tg->name.proto);
	req->sips = tg->name.sips;
}

/*
 * The first address of tg's name if it is known now (numeric or cached),
 * for what cannot wait: a stateless ACK. A lookup is started otherwise, so
 * the retransmission finds it. 0 or -errno.
 */
int prx_dns_now(const struct prx_target *tg, struct tp_peer *dst)
{
	struct dns_result res;
	struct dns_req req;
	int r;

	prx_dns_req(tg, &req);
	r = DNS_Resolve(&req, NULL, NULL, &res);
	if (r)
		return r > 0 ? -EAGAIN : r;
	memset(dst, 0, sizeof(*dst));
	dst->sock = -1;
	dst->addr = res.t[0].addr;
	dst->proto = prx_tp_proto(res.t[0].proto);
	prx_dns_tls_name(&res.t[0], tg->name.host);
	return 0;
}

/* Start a branch to the next address of d; d goes with it. NULL when none is left. */
static struct prx_branch *prx_dns_try(struct prx_ctx *ctx, const struct sip_msg *m,
				      struct prx_dns *d)
{
	while (d->next < d->res.n) {
		const struct dns_target *t = &d->res.t[d->next++];
		struct prx_branch *br;
		struct tp_peer dst;

		memset(&dst, 0, sizeof(dst));
		dst.sock = -1;
		dst.addr = t->addr;
		dst.proto = prx_tp_proto(t->proto);
		if (!dst.proto)
			continue;
		prx_dns_tls_name(t, d->host);
		br = prx_branch_start(ctx, m, &dst, d->uri, NULL, d->npop, d->body, d->bodylen);
		if (!br)
			return NULL;
		br->dns = d;
		if (br->status != 503)
			return br;
		br->dns = NULL;	/* no transaction: on to the next address */
	}
	return NULL;
}

/* Answer the request of ctx here: a lookup failed or was overtaken */
static void prx_dns_reply(struct prx_ctx *ctx, const struct sip_msg *m, int status,
			  const char *reason)
{
	ctx->final_sent = 1;
	prx_call_failed(ctx, status);
	if (ctx->st && m)
		prx_reply(m, &ctx->src, ctx->st, status, reason, NULL, 0);
}

/* The lookup of a waiting context ended */
static void prx_dns_done(int err, const struct dns_result *res, void *arg)
{
	struct prx_dns *d = arg;
	struct prx_ctx *ctx = d->ctx;
	struct sip_msg *m = NULL;
	const char *reason;
	int status;

	d->ctx = NULL;
	ctx->dns_waiting--;
	if (err == -ECANCELED || ctx->final_sent)
		goto out;
	m = prx_ctx_msg(ctx);
	if (!m) {
		prx_dns_reply(ctx, NULL, 500, NULL);
		goto out;
	}
	if (ctx->cancelled) {
		prx_dns_reply(ctx, m, 487, NULL);
		goto out;
	}
	if (err) {
		status = DNS_Status(err, &reason);
		LOG_INFO("%s %s: %s: %d %s", ctx->initial_invite ? "call" : "request",
			 ctx->call_id, d->host, status, reason);
		prx_dns_reply(ctx, m, status, reason);
		goto out;
	}
	d->res = *res;
	if (prx_dns_try(ctx, m, d)) {
		d = NULL;
		prx_check_done(ctx);
	} else if (ctx->nbranches) {
		prx_check_done(ctx);
	} else {
		prx_dns_reply(ctx, m, 500, "Cannot Forward");
	}
out:
	free(m);
	prx_dns_free(d);
	prx_ctx_put(ctx);
}

/*
 * Forward m to the target given by name tg. Returns 0 when a branch
 * started or the request was answered (lookup failed), 1 while the lookup
 * runs (ctx->dns_waiting counts it).
 */
int prx_dns_fork(struct prx_ctx *ctx, const struct sip_msg *m, const struct prx_target *tg,
		 int npop, const char *body, size_t bodylen)
{
	struct prx_dns *d = calloc(1, sizeof(*d));
	const char *reason;
	struct dns_req req;
	int r, status;

	if (!d || (body && !(d->body = malloc(bodylen ? bodylen : 1)))) {
		prx_dns_free(d);
		prx_dns_reply(ctx, m, 500, "Out Of Memory");
		return 0;
	}
	snprintf(d->host, sizeof(d->host), "%s", tg->name.host);
	snprintf(d->uri, sizeof(d->uri), "%s", tg->uri);
	d->npop = npop;
	if (body) {
		memcpy(d->body, body, bodylen);
		d->bodylen = bodylen;
	}
	prx_dns_req(tg, &req);
	r = DNS_Resolve(&req, prx_dns_done, d, &d->res);
	if (r == 1) {
		d->ctx = ctx;
		ctx->refs++;
		ctx->dns_waiting++;
		return 1;
	}
	if (!r && prx_dns_try(ctx, m, d))
		return 0;
	if (!r) {
		prx_dns_free(d);
		return 0;	/* prx_fork answers 500 when no branch started */
	}
	status = DNS_Status(r, &reason);
	LOG_INFO("%s %s: %s: %d %s", ctx->initial_invite ? "call" : "request", ctx->call_id,
		 d->host, status, reason);
	prx_dns_free(d);
	prx_dns_reply(ctx, m, status, reason);
	return 0;
}

/*
 * br failed with a 503 or a timeout: send its request to the next address
 * of its name, if there is one and the request still wants an answer.
 * Returns 1 when a new branch started.
 */
int prx_dns_failover(struct prx_branch *br)
{
	struct prx_ctx *ctx = br->ctx;
	struct prx_dns *d = br->dns;
	struct prx_branch *nb;
	struct sip_msg *m;

	if (!d || d->next >= d->res.n || ctx->cancelled || ctx->final_sent || ctx->got_2xx)
		return 0;
	m = prx_ctx_msg(ctx);
	if (!m)
		return 0;
	br->dns = NULL;
	nb = prx_dns_try(ctx, m, d);
	free(m);
	if (!nb) {
		br->dns = d;	/* still freed with the context */
		return 0;
	}
	DNS_CountFailover();
	{
		char a[64];

		TP_AddrStr(&nb->dst.addr, a, sizeof(a));
		LOG_INFO("%s %s: no answer from one address of %s, trying %s",
			 ctx->initial_invite ? "call" : "request", ctx->call_id, d->host, a);
	}
	return 1;
}
