/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Registrar (RFC 3261 §10.3) and location service. Bindings are keyed by
 * the user part of the address-of-record: every local domain is one domain
 * (like Kamailio's use_domain=0). Bindings live in a cds_lfht of AORs,
 * main thread only, and every change is stored before it is acknowledged.
 */
#ifndef KRTPD_SIP_REGISTRAR_H
#define KRTPD_SIP_REGISTRAR_H

#include <stdint.h>

#include "build.h"
#include "msg.h"
#include "transport.h"

#define REG_MAX_BINDINGS 16

struct reg_binding {
	char *contact;			/* contact URI */
	int64_t expires;		/* absolute, seconds since the epoch */
	char *call_id;
	uint32_t cseq;
	struct tp_peer src;		/* where the REGISTER came from: its flow */
	/*
	 * RFC 5626: +sip.instance (the UA's identity, as written, quotes and
	 * all; NULL when none) and reg-id (its flow's number; 0 when the UA
	 * did not register with outbound). A binding with a reg-id is reached
	 * over its flow only, whatever its Contact says.
	 */
	char *instance;
	unsigned int reg_id;
	char *path;			/* Path values (RFC 3327), NULL when none */
	int64_t updated;		/* when last registered */
	int remote;			/* registered through another krtpd (Redis) */
	/* NAT pings (natping.c): not stored */
	uint32_t ping_id;		/* of the last ping sent, 0 = none yet */
	unsigned int ping_fail;		/* pings unanswered in a row */
	int64_t ping_next;		/* when to ping next */
};

struct reg_config {
	unsigned int min_expires, max_expires, default_expires;
	unsigned int flow_timer;	/* Flow-Timer for outbound flows (s), 0 = none */
};

/* A place to send a request for a registered user */
struct reg_target {
	char uri[512];			/* the Request-URI (the contact) */
	struct tp_peer dst;
	char route[512];		/* Route header values to add (its Path), "" = none */
};

int REG_Init(const struct reg_config *cfg);
void REG_Fini(void);
/* Reload stored bindings (startup). Returns how many are still valid. */
int REG_Load(int64_t now);

/*
 * Apply REGISTER m (already authenticated) from src at time now. Returns the
 * status code; *reason is set for failures. On 200 and 423, the headers to
 * add to the response (Contact list, Min-Expires) are appended to hdrs.
 */
int REG_Handle(const struct sip_msg *m, const struct tp_peer *src, int64_t now,
	       struct sip_buf *hdrs, const char **reason);
/* Current targets of user; returns how many (0 when not registered). */
int REG_Lookup(struct sip_str user, int64_t now, struct reg_target *out, int max);
/* Has this user ever had a binding since startup (or in the store)? */
int REG_Known(struct sip_str user);
/* Drop expired bindings (memory and store). */
void REG_Expire(int64_t now);
/* Walk every binding (control socket); called in the main thread. */
void REG_ForEach(void (*cb)(const char *user, const char *domain, const struct reg_binding *b,
			    void *arg), void *arg);
unsigned long REG_Count(void);

/*
 * Where requests to a dialog's contact go once the connection the dialog
 * knew is gone (a WebSocket or TCP phone that connected and registered
 * again, e.g. after krtpd restarted): the reachable flow of the newest of
 * user's bindings with the contact's user part and host. 0, or -ENOENT.
 */
int REG_ContactFlow(struct sip_str user, const struct sip_uri *contact, int64_t now,
		    struct tp_peer *dst);
/* Where to send to a contact URI given how the UA reached us (NAT-aware). */
int REG_ContactTarget(const struct sip_uri *uri, const struct tp_peer *src, struct tp_peer *dst);

/*
 * For the NAT pinger: cb(user, binding) for every binding; when cb returns
 * non-zero the binding is removed (memory and store) and logged with why.
 */
void REG_Sweep(int (*cb)(const char *user, struct reg_binding *b, void *arg), void *arg,
	       const char *why);
/* The binding of user whose last ping had id; NULL when gone. */
struct reg_binding *REG_PingFind(struct sip_str user, uint32_t id);

#endif /* KRTPD_SIP_REGISTRAR_H */
