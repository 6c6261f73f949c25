/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stateful proxy core (RFC 3261 §16): request validation, route
 * processing, the registrar and OPTIONS for requests addressed to krtpd,
 * forking to every registered contact, response selection, CANCEL, media
 * anchoring at the offer and the answer, and dialog tracking.
 */
#ifndef KRTPD_SIP_PROXY_H
#define KRTPD_SIP_PROXY_H

#include <stddef.h>

#include "transport.h"

struct prx_config {
	int allow_relay;
	unsigned int max_forwards;	/* Max-Forwards added when a request has none */
	unsigned int invite_timeout;	/* Timer C, seconds */
	int media;			/* anchor media (MED_* available) */
	int auth_calls;			/* 407 for callers in our domains (with a users file) */
	int ws_webrtc;			/* WebRTC offer to a callee reached only over WS/WSS */
};

int PRX_Init(const struct prx_config *cfg);
void PRX_Fini(void);
/* A message from a transport (the tp_handler). */
void PRX_Receive(const char *buf, size_t len, const struct tp_peer *src);
/* The headers of a request too large to take (TCP): answer 413 when possible. */
void PRX_Oversize(const char *buf, size_t len, const struct tp_peer *src);
/* Tear down a call whose media went idle: BYE to both legs, delete media and dialog. */
void PRX_EndCall(const char *call_id, const char *why);

struct prx_stats {
	unsigned long requests, responses, bad, calls_started, calls_failed;
};
void PRX_GetStats(struct prx_stats *s);

/* Calls being set up (INVITE sent, no answer yet), for the control socket. */
struct prx_pending {
	const char *call_id;
	const char *from, *to;		/* URIs */
	int status;			/* best provisional so far, 0 = none */
	double age;			/* seconds */
};
void PRX_ForEachPending(void (*cb)(const struct prx_pending *p, void *arg), void *arg);

#endif /* KRTPD_SIP_PROXY_H */
