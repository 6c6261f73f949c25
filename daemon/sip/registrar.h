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
	struct tp_peer src;		/* where the REGISTER came from */
};

struct reg_config {
	unsigned int min_expires, max_expires, default_expires;
};

/* A place to send a request for a registered user */
struct reg_target {
	char uri[512];			/* the Request-URI (the contact) */
	struct tp_peer dst;
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

/* Where to send to a contact URI given how the UA reached us (NAT-aware). */
int REG_ContactTarget(const struct sip_uri *uri, const struct tp_peer *src, struct tp_peer *dst);

#endif /* KRTPD_SIP_REGISTRAR_H */
