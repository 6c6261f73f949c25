// SPDX-License-Identifier: GPL-2.0
/*
 * The messages the proxy sends: local replies, the copy of a request for
 * one target (RFC 3261 §16.6), and a response without our Via (§16.7).
 *
 * Lifetimes: messages are built in prx_buf (scratch, one message at a
 * time) and sent or copied at once; a local reply sent through a server
 * transaction is copied by txn.c for retransmissions.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../config.h"
#include "../hash.h"
#include "../log.h"
#include "../media.h"
#include "auth.h"
#include "build.h"
#include "dialog.h"
#include "proxy_internal.h"
#include "registrar.h"
#include "txn.h"

int prx_send_built(const struct tp_peer *dst, struct sip_buf *b)
{
	if (b->overflow) {
		LOG_WARN("message too large to build, not sent");
		return -EMSGSIZE;
	}
	return TP_Send(dst, b->p, b->len);
}

/*
 * Reply to request m locally. Through st when there is one (it keeps the
 * response for retransmissions), else straight back per its Via.
 */
void prx_reply(const struct sip_msg *m, const struct tp_peer *src, struct txn *st,
	       int status, const char *reason, const char *hdrs, size_t hdrslen)
{
	struct sip_buf b;
	char tag[40];

	if (m->method_id == SIP_M_ACK)
		return;
	BLD_ToTag(m, tag, sizeof(tag));
	SB_Init(&b, prx_buf, PRX_BUFSZ);
	if (src) {
		char ip[64];

		/* RFC 3261 §18.2.1, RFC 3581 §4: the UA learns its public address */
		TP_IpStr(&src->addr, ip, sizeof(ip));
		BLD_ResponseStart(&b, m, status, reason, tag, ip, TP_Port(&src->addr));
	} else {
		BLD_ResponseStart(&b, m, status, reason, tag, NULL, 0);
	}
	if (hdrs)
		SB_Add(&b, hdrs, hdrslen);
	BLD_ResponseEnd(&b, NULL, 0);
	if (b.overflow)
		return;
	if (st) {
		TXN_ServerReply(st, status, b.p, b.len);
	} else {
		struct tp_peer dst;

		TXN_ResponsePeer(m, src, &dst);
		TP_Send(&dst, b.p, b.len);
	}
}

/* The received top Via with received= and rport= filled in (RFC 3581). */
static void prx_add_top_via(struct sip_buf *b, const struct sip_msg *m, const struct tp_peer *src)
{
	char ip[64];

	TP_IpStr(&src->addr, ip, sizeof(ip));
	BLD_TopVia(b, m, ip, TP_Port(&src->addr));
}

/*
 * The transport= of our Record-Route entry for a leg (RFC 3261 §16.6 step
 * 4): the UA on that leg must come back to us over the same transport,
 * so a TLS leg gets ;transport=tls and our TLS port (TP_LocalFor), a
 * WebSocket leg ;transport=ws or wss (RFC 7118 §5.2).
 */
static const char *prx_rr_transport(int proto)
{
	switch (proto) {
	case TP_TCP: return ";transport=tcp";
	case TP_TLS: return ";transport=tls";
	case TP_WS: return ";transport=ws";
	case TP_WSS: return ";transport=wss";
	default: return "";
	}
}

/* RFC 3261 §16.6: the copy of m that goes to one target */
void prx_build_request(struct sip_buf *b, const struct sip_msg *m, const struct prx_fwd *f)
{
	char local[80], in[80];
	int i, had_mf = 0;

	if (TP_LocalFor(f->dst, local, sizeof(local))) {
		b->overflow = 1;
		return;
	}
	SB_Str(b, m->method);
	SB_LIT(b, " ");
	if (f->ruri)
		SB_Add(b, f->ruri, strlen(f->ruri));
	else
		SB_Str(b, m->ruri_raw);
	SB_LIT(b, " SIP/2.0\r\n");
	SB_Addf(b, "Via: SIP/2.0/%s %s;branch=%s\r\n", TP_ProtoName(f->dst->proto), local,
		f->branch);
	if (f->record_route) {
		/* two entries when the legs reach us on different addresses (RFC 5658) */
		const char *t_out = prx_rr_transport(f->dst->proto);
		const char *t_in = prx_rr_transport(f->src->proto);

		SB_Addf(b, "Record-Route: <sip:%s;lr%s>\r\n", local, t_out);
		if (!TP_LocalFor(f->src, in, sizeof(in)) &&
		    (strcmp(in, local) || f->src->proto != f->dst->proto))
			SB_Addf(b, "Record-Route: <sip:%s;lr%s>\r\n", in, t_in);
	}
	/* RFC 3327 §5.2: the target's Path becomes the first Route entries */
	if (f->route)
		SB_Addf(b, "Route: %s\r\n", f->route);
	for (i = 0; i < m->nhdrs; i++) {
		const struct sip_hdr *h = &m->hdrs[i];

		switch (h->id) {
		case SIP_H_VIA:
			if (m->via[0].hdr == i) {
				prx_add_top_via(b, m, f->src);
				BLD_RestOfLine(b, h, m->via[0].raw, "Via");
			} else {
				SB_Add(b, h->line, h->line_len);
			}
			break;
		case SIP_H_MAX_FORWARDS:
			SB_Addf(b, "Max-Forwards: %ld\r\n", m->max_forwards - 1);
			had_mf = 1;
			break;
		case SIP_H_ROUTE: {
			int j, last = -1, any = 0;

			for (j = 0; j < m->nroute; j++) {
				if (m->route[j].hdr != i)
					continue;
				any = 1;
				if (j < f->npop)
					last = j;
			}
			if (!any || last < 0)
				SB_Add(b, h->line, h->line_len);
			else
				BLD_RestOfLine(b, h, m->route[last].raw, "Route");
			break;
		}
		case SIP_H_CONTENT_LENGTH:
			break;
		case SIP_H_PROXY_AUTHORIZATION:
			/* credentials for our realm were for us: §22.3 lets us remove them */
			if (!f->strip_auth || !AUTH_ForUs(h->value))
				SB_Add(b, h->line, h->line_len);
			break;
		default:
			SB_Add(b, h->line, h->line_len);
			break;
		}
	}
	if (!had_mf)
		SB_Addf(b, "Max-Forwards: %u\r\n", prx_cfg.max_forwards);
	if (f->body) {
		SB_Addf(b, "Content-Length: %zu\r\n\r\n", f->bodylen);
		SB_Add(b, f->body, f->bodylen);
	} else {
		SB_Addf(b, "Content-Length: %zu\r\n\r\n", m->body.len);
		SB_Str(b, m->body);
	}
}

/*
 * A response without our top Via, with body replaced when body != NULL.
 * When ours was its only Via (a UAS that answered the INVITE with the Via of
 * our CANCEL), the Vias of the request it answers, orig, are put back.
 */
void prx_build_response(struct sip_buf *b, const struct sip_msg *m, const char *body,
			size_t bodylen, const struct sip_msg *orig)
{
	const char *eol = memchr(m->buf, '\n', m->len);
	int i;

	SB_Add(b, m->buf, eol - m->buf + 1);
	if (m->nvia < 2 && orig)
		for (i = 0; i < orig->nhdrs; i++)
			if (orig->hdrs[i].id == SIP_H_VIA)
				SB_Add(b, orig->hdrs[i].line, orig->hdrs[i].line_len);
	for (i = 0; i < m->nhdrs; i++) {
		const struct sip_hdr *h = &m->hdrs[i];

		if (h->id == SIP_H_VIA && m->via[0].hdr == i)
			BLD_RestOfLine(b, h, m->via[0].raw, "Via");
		else if (h->id != SIP_H_CONTENT_LENGTH)
			SB_Add(b, h->line, h->line_len);
	}
	if (!body) {
		body = m->body.s;
		bodylen = m->body.len;
	}
	SB_Addf(b, "Content-Length: %zu\r\n\r\n", bodylen);
	SB_Add(b, body, bodylen);
}

/* Where a response goes once our Via is gone: the next Via (RFC 3261 §18.2.2) */
static int prx_response_dst(const struct sip_msg *m, struct tp_peer *dst)
{
	const struct sip_via *v;
	struct sip_str host;
	unsigned long port;

	if (m->nvia < 2)
		return -ENOENT;
	v = &m->via[1];
	memset(dst, 0, sizeof(*dst));
	dst->sock = -1;
	dst->proto = TP_ProtoParse(v->transport);
	if (!dst->proto)
		return -EPROTONOSUPPORT;
	host = v->received.len ? v->received : v->host;
	port = v->port ? v->port : 5060;
	if (v->rport && v->rport_val.len) {
		char tmp[8];

		snprintf(tmp, sizeof(tmp), "%.*s", (int)(v->rport_val.len < 6 ? v->rport_val.len : 6),
			 v->rport_val.s);
		port = strtoul(tmp, NULL, 10);
		if (!port || port > 65535)
			return -EINVAL;
	}
	return TP_Resolve(host, 0, port, &dst->addr);
}

void prx_forward_stateless_response(const struct sip_msg *m, const char *body,
				    size_t bodylen)
{
	struct tp_peer dst;
	struct sip_buf b;

	if (prx_response_dst(m, &dst))
		return;
	SB_Init(&b, prx_buf, PRX_BUFSZ);
	prx_build_response(&b, m, body, bodylen, NULL);
	prx_send_built(&dst, &b);
}
