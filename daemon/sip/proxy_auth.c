// SPDX-License-Identifier: GPL-2.0
/*
 * Authentication of callers (RFC 3261 §22.3): requests whose From claims
 * one of our domains are challenged with 407 when auth_calls is on and a
 * users file is loaded. The digest itself is checked by auth.c.
 *
 * Lifetimes: nothing here outlives the call; the challenge is built on the
 * stack and sent through the server transaction, which keeps it.
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
#include "limits.h"
#include "proxy_internal.h"
#include "registrar.h"
#include "txn.h"

int prx_auth_calls(void)
{
	return prx_cfg.auth_calls && AUTH_Enabled();
}

/* The From claims one of our domains or addresses (Kamailio's from_uri==myself) */
int prx_from_is_local(const struct sip_msg *m)
{
	const struct sip_uri *u = &m->from.uri;

	return CNF_IsLocalDomain(u->host) || TP_IsUs(u->host, u->port);
}

/*
 * Does request m need Proxy-Authorization (RFC 3261 §22.3)? Requests that
 * start a dialog or stand alone, whose From claims our domains. Not ACK and
 * CANCEL (they belong to an INVITE that was checked), not REGISTER (the
 * registrar's 401), not an OPTIONS krtpd answers itself, and not in-dialog
 * requests: a To tag, and our Route on top or both tags of a dialog of ours.
 */
static int prx_needs_auth(const struct sip_msg *m)
{
	int npop;

	if (!prx_auth_calls() || m->method_id == SIP_M_ACK || m->method_id == SIP_M_CANCEL ||
	    m->method_id == SIP_M_REGISTER || !prx_from_is_local(m))
		return 0;
	npop = prx_our_routes(m);
	if (m->to.tag.len) {
		struct dlg *d;

		if (npop)
			return 0;
		d = DLG_Find(m->call_id.s, m->call_id.len);
		if (d && prx_dialog_leg(m, d) >= 0)
			return 0;
	}
	/* the OPTIONS prx_route answers: for us, nothing left to route, no user or no hops */
	if (m->method_id == SIP_M_OPTIONS && npop == m->nroute && CNF_UriIsUs(&m->ruri) &&
	    (!m->ruri.user.len || m->max_forwards == 0))
		return 0;
	return 1;
}

/* Returns 0 to go on, 1 when the request was answered: 407 challenge, 400 or 403 */
int prx_authorize(const struct sip_msg *m, const struct tp_peer *src, struct txn *st)
{
	const char *reason;
	char hdrs[1024];
	struct sip_buf hb;
	int status, stale;

	if (!prx_needs_auth(m))
		return 0;
	status = AUTH_Check(m, AUTH_PROXY, m->from.uri.user, &stale, &reason);
	if (!status)
		return 0;
	LOG_DEBUG("%.*s from %.*s@%.*s: %d %s", (int)m->method.len, m->method.s,
		  (int)m->from.uri.user.len, m->from.uri.user.s, (int)m->from.uri.host.len,
		  m->from.uri.host.s, status, status == 407 ? "challenged" : reason);
	if (status == 407) {
		SB_Init(&hb, hdrs, sizeof(hdrs));
		AUTH_Challenge(&hb, AUTH_PROXY, m->from.uri.user, stale);
		prx_reply(m, src, st, 407, NULL, hb.overflow ? NULL : hb.p, hb.len);
	} else {
		if (status == 403)
			LIM_AuthFailed(&src->addr);
		prx_reply(m, src, st, status, reason, NULL, 0);
	}
	return 1;
}
