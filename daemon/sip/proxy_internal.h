/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the proxy's files (proxy.c, proxy_auth.c, proxy_build.c,
 * proxy_fork.c, proxy_dialog.c) and by nothing else.
 *
 * Lifetime rules, in one place:
 *  - struct prx_ctx is reference-counted (refs). prx_ctx_new returns it
 *    with one reference for the caller (prx_request, dropped when it has
 *    forked) and one for the server transaction when there is one
 *    (dropped in prx_st_destroyed). Each client transaction a branch
 *    created holds one more (dropped in prx_br_destroyed). Code that may
 *    drop the last reference of others while it still uses ctx (Timer C)
 *    takes its own around it. The last prx_ctx_put frees the context,
 *    its branches' request copies and the best response.
 *  - struct prx_branch lives inside its context (ctx->br[]); br->t is the
 *    client transaction, cleared when that transaction reports destroyed.
 *    A transaction's owner pointer is cleared at the same time, so a
 *    transaction never reaches a freed context.
 *  - txn pointers (ctx->st, br->t) are borrowed: transactions belong to
 *    txn.c, which frees them itself after telling the owner.
 *  - struct dlg belongs to dialog.c: valid until DLG_Remove, within one
 *    call of the main loop (never kept across callbacks).
 *  - prx_buf and prx_sdp are scratch for one message at a time: a message
 *    built in them is sent or copied before the next one is built.
 * Everything runs in the main thread (under its RCU read-side lock), so
 * there is no locking here.
 */
#ifndef KRTPD_SIP_PROXY_INTERNAL_H
#define KRTPD_SIP_PROXY_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <strings.h>

#include "../media.h"
#include "../timer.h"
#include "build.h"
#include "msg.h"
#include "proxy.h"
#include "registrar.h"
#include "transport.h"
#include "txn.h"

struct dlg;
struct prx_dns;

#define PRX_BUFSZ	(65536 + 8192)
#define PRX_BRANCH_PFX	"z9hG4bKkr"
/* what krtpd answers itself, for a request addressed to it (405) */
#define PRX_ALLOW_SELF	"OPTIONS, REGISTER"

struct prx_ctx;

struct prx_branch {
	struct prx_ctx *ctx;
	struct txn *t;			/* client transaction, NULL once it is gone */
	char branch[64];
	struct tp_peer dst;
	char *req;			/* the request as forwarded (CANCEL is built from it) */
	size_t reqlen;
	int status;			/* final status, 0 while pending */
	int provisional;		/* a 1xx arrived: CANCEL may be sent */
	int cancel_pending;		/* cancel as soon as a 1xx arrives */
	int cancelled;
	int timer_c_fired;
	struct tmr t_c;			/* Timer C (INVITE only) */
	struct prx_dns *dns;		/* the other addresses of its name, NULL if none */
};

struct prx_ctx {
	int refs;
	struct prx_ctx *prev, *next;	/* pending INVITEs, for the control socket */
	struct txn *st;			/* server transaction, NULL once it is gone */
	char *req;			/* our copy of the request, parsed again when needed */
	size_t reqlen;
	enum sip_method method;
	struct tp_peer src;
	char call_id[256];
	int initial_invite;		/* INVITE without To tag */
	int lim_counted;		/* one of its source's calls being set up (limits.h) */
	int media_offer;		/* MED_Offer was called for this request */
	enum med_srtp srtp;		/* the SRTP policy a new call gets (srtp_policy.h) */
	enum med_leg answer_leg;	/* who answers the offer */
	enum med_leg req_leg;		/* who sent the request */
	int cancelled;
	int final_sent;
	int got_2xx;
	int best_status;
	int best_provisional;
	char *best;			/* copy of the best final response, NULL if synthetic */
	size_t bestlen;
	uint64_t started;
	int dns_waiting;		/* targets whose name is still being resolved */
	int nbranches;
	struct prx_branch br[REG_MAX_BINDINGS];
};

struct prx_fwd {
	const char *ruri;		/* new Request-URI, NULL to keep */
	int npop;			/* leading Route entries (ours) to remove */
	const char *branch;
	const struct tp_peer *src, *dst;
	int record_route;
	int strip_auth;			/* drop Proxy-Authorization for our realm */
	const char *body;		/* replacement body, NULL to keep */
	size_t bodylen;
	const char *route;		/* Route value to put first, NULL = none */
};

struct prx_target {
	char uri[512];			/* new Request-URI, "" = keep */
	char route[512];		/* Route values to put first (a Path), "" = none */
	struct tp_peer dst;		/* unless by_name */
	int by_name;			/* dst is to be found from name (RFC 3263) */
	int trunk;			/* the configured trunk */
	struct prx_name {
		char host[256];
		uint16_t port;		/* 0: none in the URI */
		int proto;		/* TP_*, 0: no transport= */
		int sips;
	} name;
};

extern struct prx_config prx_cfg;
extern struct prx_stats prx_stats;
extern unsigned long prx_branch_seq;
extern char *prx_buf;		/* scratch for building one message at a time */
extern char *prx_sdp;		/* scratch for rewritten SDP */

static inline int prx_is_sdp(const struct sip_msg *m)
{
	return m->body.len && m->content_type.len >= 15 &&
	       !strncasecmp(m->content_type.s, "application/sdp", 15);
}

/* proxy.c: routing */
int prx_via_is_ours(const struct sip_via *v);
uint32_t prx_loop_hash(const struct sip_msg *m);
void prx_new_branch(const struct sip_msg *m, char *out, size_t sz);
int prx_our_routes(const struct sip_msg *m);
int prx_route(const struct sip_msg *m, const struct tp_peer *src, struct txn *st,
	      struct prx_target *tg, int *nt, int *npop, const char **reason);

/* proxy_auth.c: authentication of callers */
int prx_auth_calls(void);
int prx_from_is_local(const struct sip_msg *m);
int prx_authorize(const struct sip_msg *m, const struct tp_peer *src, struct txn *st);

/* proxy_build.c: the messages krtpd sends */
int prx_send_built(const struct tp_peer *dst, struct sip_buf *b);
void prx_reply(const struct sip_msg *m, const struct tp_peer *src, struct txn *st,
	       int status, const char *reason, const char *hdrs, size_t hdrslen);
void prx_build_request(struct sip_buf *b, const struct sip_msg *m, const struct prx_fwd *f);
void prx_build_response(struct sip_buf *b, const struct sip_msg *m, const char *body,
			size_t bodylen, const struct sip_msg *orig);
void prx_forward_stateless_response(const struct sip_msg *m, const char *body, size_t bodylen);

/* proxy_fork.c: contexts, branches, responses, CANCEL, Timer C */
struct sip_msg *prx_ctx_msg(const struct prx_ctx *ctx);
struct prx_ctx *prx_ctx_new(const struct sip_msg *m, const struct tp_peer *src,
			    struct txn *st);
void prx_ctx_put(struct prx_ctx *ctx);
void prx_fork(struct prx_ctx *ctx, const struct sip_msg *m, const struct tp_peer *src,
	      struct txn *st, const struct prx_target *tg, int nt, int npop,
	      const char *body, size_t bodylen);
void prx_cancel(const struct sip_msg *m, const struct tp_peer *src);
void prx_call_failed(struct prx_ctx *ctx, int status);
void prx_check_done(struct prx_ctx *ctx);
int prx_early_from_callee(const struct sip_msg *m);
struct prx_branch *prx_branch_start(struct prx_ctx *ctx, const struct sip_msg *m,
				    const struct tp_peer *dst, const char *ruri, const char *route,
				    int npop, const char *body, size_t bodylen);

/* proxy_dns.c: targets given by name (trunk, foreign hosts), failover */
void prx_target_name(struct prx_target *tg, const struct sip_uri *u);
int prx_trunk_target(const struct sip_msg *m, struct prx_target *tg, int keep_ruri);
int prx_dns_fork(struct prx_ctx *ctx, const struct sip_msg *m, const struct prx_target *tg,
		 int npop, const char *body, size_t bodylen);
int prx_dns_failover(struct prx_branch *br);
int prx_dns_now(const struct prx_target *tg, struct tp_peer *dst);
void prx_dns_free(struct prx_dns *d);

/* proxy_dialog.c: dialogs and in-dialog requests */
int prx_dialog_leg(const struct sip_msg *m, const struct dlg *d);
/* a dialog UA's request target: its re-registered flow when its connection is gone */
void prx_dialog_flow(struct tp_peer *dst, const char *aor, const struct sip_uri *contact);
void prx_dialog_create(struct prx_ctx *ctx, struct prx_branch *br, const struct sip_msg *r);
enum med_leg prx_in_dialog(const struct sip_msg *m, const struct tp_peer *src);
void prx_ack_stateless(const struct sip_msg *m, const struct tp_peer *src);
/* end the dialog a 2xx from dst made (ACK, then BYE with why) without forwarding it */
void prx_refuse_2xx(const struct tp_peer *dst, const struct sip_msg *r, const char *why);

#endif /* KRTPD_SIP_PROXY_INTERNAL_H */
