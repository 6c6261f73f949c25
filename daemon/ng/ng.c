// SPDX-License-Identifier: GPL-2.0
/*
 * The ng protocol server (see ng.h).
 *
 * Calls: the media of a call belongs to daemon/media/ under its Call-ID;
 * this file only remembers which From tag is leg A (the first offer's) and
 * which is leg B, and who made the last offer, so that an answer goes to
 * the other leg and a re-offer from the callee is leg B's. That table is a
 * cds_lfht written and read by the main thread under its RCU read-side
 * lock; an entry whose media is gone (deleted, timed out) is dropped when
 * next looked at. After a restart the table is empty: a call re-adopted by
 * media is still found by MED_Has, and its next offer's From tag is taken
 * as leg A. The table, and the sweep of calls left without an answer or a
 * media stream, are call.c's.
 *
 * delete names a call by its Call-ID and, as Kamailio's module sends it,
 * may narrow it to a leg (from-tag, to-tag) or a branch (via-branch), and
 * deletes only that, as rtpengine 10.5 does. A krtp call is one dialogue
 * between two tags, so deleting either leg deletes the call. A tag that is
 * not the call's (the failure of a forked INVITE's branch while another
 * answered) deletes nothing: the reply is "ok" with rtpengine's warning.
 * Before the answer, a branch (each via-branch the caller offered with)
 * is deleted alone while others remain, and the last one ends the call.
 *
 * Lifetime of a reply: built in the caller's buffer; a copy goes to the
 * retransmission cache (a ring of NG_CACHE entries, oldest replaced).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../log.h"
#include "../loop.h"
#include "../media.h"
#include "../metrics.h"
#include "../rcu.h"
#include "bencode.h"
#include "call.h"
#include "ng.h"

#define NG_MAX_DGRAM	65535
#define NG_CACHE	128		/* replies kept for retransmitted cookies */
#define NG_COOKIE_MAX	64
#define NG_SDP_MAX	(NG_MAX_DGRAM - 1024)
#define NG_DGRAM_ANY	NG_MAX_DGRAM	/* ng_arg: a string of any length */

static int ng_fd = -1;
static struct loop_fd *ng_h;
static struct ng_stats ng_stats;
static struct bnc_doc ng_doc;			/* one request at a time */
static char ng_sdp[NG_SDP_MAX];
static struct {
	char cookie[NG_COOKIE_MAX];
	struct sockaddr_storage from;
	char *reply;
	size_t len;
} ng_cache[NG_CACHE];
static unsigned int ng_cache_next;

/* ---- replies ---- */

static void ng_error(struct bnc_out *o, const char *reason)
{
	LOG_DEBUG("ng: error: %s", reason);
	BNC_Dict(o);
	BNC_KeyStr(o, "result", "error");
	BNC_KeyStr(o, "error-reason", reason);
	BNC_End(o);
	ng_stats.errors++;
}

/*
 * Call-IDs and tags become C strings: media's key of the call, log lines,
 * the state file. A NUL would cut one short into another call's name (so
 * "a\0x" could delete call "a"), and a control character would forge log
 * lines. SIP allows neither (RFC 3261 §25.1: word, token), nor spaces.
 */
static int ng_printable(const struct bnc_node *n)
{
	size_t i;

	for (i = 0; i < n->len; i++)
		if ((unsigned char)n->s[i] <= ' ' || n->s[i] == 0x7f)
			return 0;
	return 1;
}

/* the name of the first Call-ID or tag argument that is not printable, or NULL */
static const char *ng_unprintable(const struct bnc_node *req)
{
	static const char *const keys[] = { "call-id", "from-tag", "to-tag", "via-branch" };
	const struct bnc_node *v;
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		v = BNC_Get(&ng_doc, req, keys[i]);
		if (v && v->type == BNC_STR && !ng_printable(v))
			return keys[i];
	}
	return NULL;
}

/* a string argument of 1..max bytes, or NULL */
static const struct bnc_node *ng_arg(const struct bnc_node *dict, const char *key, size_t max)
{
	const struct bnc_node *v = BNC_Get(&ng_doc, dict, key);

	return v && v->type == BNC_STR && v->len && v->len <= max ? v : NULL;
}

/*
 * A required string argument of 1 to max bytes. NULL when it is not, and
 * then *why, unless an earlier argument set it, says which and how: the
 * error-reason Kamailio logs.
 */
static const struct bnc_node *ng_need(const struct bnc_node *dict, const char *key, size_t max,
				      const char **why)
{
	static char buf[96];
	const struct bnc_node *v = ng_arg(dict, key, max);

	if (v || *why)
		return v;
	v = BNC_Get(&ng_doc, dict, key);
	if (!v || (v->type == BNC_STR && !v->len))
		snprintf(buf, sizeof(buf), "Missing %s", key);
	else if (v->type != BNC_STR)
		snprintf(buf, sizeof(buf), "Invalid %s: not a string", key);
	else
		snprintf(buf, sizeof(buf), "Invalid %s: longer than %zu bytes", key, max);
	*why = buf;
	return NULL;
}

/* does list (of strings) hold s? */
static int ng_has_flag(const struct bnc_node *list, const char *s)
{
	const struct bnc_node *e;

	for (e = BNC_First(&ng_doc, list); e; e = BNC_Next(&ng_doc, e))
		if (BNC_Is(e, s))
			return 1;
	return 0;
}

/*
 * Where the signalling came from, for NAT detection: "received-from":
 * ["IP4", "192.0.2.1"] (port 0: only the address matters). NULL with
 * trust-address, or when it is missing.
 */
static const struct sockaddr *ng_sig_src(const struct bnc_node *req, struct sockaddr_storage *ss)
{
	const struct bnc_node *rf = BNC_Get(&ng_doc, req, "received-from"), *fam, *addr;
	char a[64];

	if (ng_has_flag(BNC_Get(&ng_doc, req, "flags"), "trust-address"))
		return NULL;
	fam = BNC_First(&ng_doc, rf);
	addr = BNC_Next(&ng_doc, fam);
	if (!fam || !addr || addr->type != BNC_STR || addr->len >= sizeof(a))
		return NULL;
	snprintf(a, sizeof(a), "%.*s", (int)addr->len, addr->s);
	memset(ss, 0, sizeof(*ss));
	if (BNC_Is(fam, "IP4") && inet_pton(AF_INET, a, &((struct sockaddr_in *)ss)->sin_addr) == 1)
		ss->ss_family = AF_INET;
	else if (BNC_Is(fam, "IP6") &&
		 inet_pton(AF_INET6, a, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1)
		ss->ss_family = AF_INET6;
	else
		return NULL;
	return (const struct sockaddr *)ss;
}

static const char *ng_media_error(int err)
{
	switch (err) {
	case -EINVAL: return "Failed to parse SDP";
	case -ENOSPC: return "Ran out of ports";
	case -ENODEV: return "Media relay is not running";
	case -ENOENT: return "Unknown call-id";
	default: return "Media anchoring failed";
	}
}

/* what krtp cannot do yet: refuse it rather than answer wrong */
static const char *ng_unsupported(const struct bnc_node *req)
{
	const struct bnc_node *ice = BNC_Get(&ng_doc, req, "ICE");
	const struct bnc_node *tp = BNC_Get(&ng_doc, req, "transport-protocol");

	if (ice && !BNC_Is(ice, "remove") && !BNC_Is(ice, "default"))
		return "ICE is not supported: use ICE=remove";
	if (tp && !BNC_Is(tp, "RTP/AVP") && !BNC_Is(tp, "RTP/AVPF"))
		return "Only RTP/AVP and RTP/AVPF are supported (no SRTP yet)";
	return NULL;
}

static void ng_offer_answer(const struct bnc_node *req, int answer, struct bnc_out *o)
{
	const char *bad = NULL;
	const struct bnc_node *id = ng_need(req, "call-id", 255, &bad);
	const struct bnc_node *ft = ng_need(req, "from-tag", 127, &bad);
	const struct bnc_node *tt = answer ? ng_need(req, "to-tag", 127, &bad) :
					     ng_arg(req, "to-tag", 127);
	const struct bnc_node *sdp = BNC_Get(&ng_doc, req, "sdp");
	const char *why = ng_unsupported(req);
	struct sockaddr_storage ss;
	const struct sockaddr *src;
	struct ng_call *c;
	enum med_leg leg;
	size_t outlen;
	int r;

	if (bad || !sdp || sdp->type != BNC_STR) {
		ng_error(o, bad ? bad : !sdp ? "Missing sdp" : "Invalid sdp: not a string");
		return;
	}
	if (why) {
		ng_error(o, why);
		return;
	}
	src = ng_sig_src(req, &ss);
	c = ng_call_find(id);
	if (answer) {
		if (!c) {
			ng_error(o, "Unknown call-id");
			return;
		}
		/* the answer comes from the side that did not offer */
		leg = c->last_offer == MED_LEG_A ? MED_LEG_B : MED_LEG_A;
		if (leg == MED_LEG_B && !c->b_tag[0])
			ng_tag_set(c->b_tag, sizeof(c->b_tag), tt);
		r = MED_Answer(c->call_id, leg, src, sdp->s, sdp->len, ng_sdp, sizeof(ng_sdp),
			       &outlen);
		if (!r)
			c->answered = 1;
		ng_stats.answers++;
	} else {
		if (!c) {
			c = ng_call_new(id);
			if (!c) {
				ng_error(o, "Out of memory");
				return;
			}
		}
		if (!c->a_tag[0])
			ng_tag_set(c->a_tag, sizeof(c->a_tag), ft);
		/* a re-offer from the callee (its re-INVITE or UPDATE) is leg B's */
		leg = ng_tag_is(c->a_tag, ft) ? MED_LEG_A : MED_LEG_B;
		if (leg == MED_LEG_B && !c->b_tag[0])
			ng_tag_set(c->b_tag, sizeof(c->b_tag), ft);
		if (leg == MED_LEG_A && tt && !c->b_tag[0])
			ng_tag_set(c->b_tag, sizeof(c->b_tag), tt);
		r = MED_Offer(c->call_id, leg, src, sdp->s, sdp->len, ng_sdp, sizeof(ng_sdp),
			      &outlen);
		if (!r)
			c->last_offer = leg;
		if (!r && leg == MED_LEG_A && !c->b_tag[0])
			ng_branch_add(c, ng_arg(req, "via-branch", 63));
		ng_stats.offers++;
	}
	if (r) {
		LOG_INFO("ng: %s for call %s failed: %s", answer ? "answer" : "offer", c->call_id,
			 ng_media_error(r));
		ng_error(o, ng_media_error(r));
		/* media has no such call (a first offer that failed): nor may ng keep it */
		if (!MED_Has(c->call_id))
			ng_call_drop(c);
		return;
	}
	c->last_signal = time(NULL);
	BNC_Dict(o);
	BNC_KeyStr(o, "result", "ok");
	BNC_Cstr(o, "sdp");
	BNC_Str(o, ng_sdp, outlen);
	BNC_End(o);
}

/* is n one of the call's two tags? */
static int ng_tag_known(const struct ng_call *c, const struct bnc_node *n)
{
	return (c->a_tag[0] && ng_tag_is(c->a_tag, n)) || (c->b_tag[0] && ng_tag_is(c->b_tag, n));
}

enum ng_del {
	NG_DEL_CALL,		/* the whole call */
	NG_DEL_BRANCH,		/* one branch of an unanswered forked call: forgotten */
	NG_DEL_NONE,		/* a leg or branch the call does not have */
};

/*
 * What a delete's from-tag, to-tag and via-branch name (see the top of the
 * file); a missing one matches anything. NG_DEL_BRANCH has already
 * dropped the branch.
 */
static enum ng_del ng_delete_what(struct ng_call *c, const struct bnc_node *req)
{
	/*
	 * Any length: a tag longer than the call's can be none of them, so
	 * it must narrow the delete to nothing, not be ignored and let it
	 * widen to the whole call.
	 */
	const struct bnc_node *ft = ng_arg(req, "from-tag", NG_DGRAM_ANY);
	const struct bnc_node *tt = ng_arg(req, "to-tag", NG_DGRAM_ANY);
	const struct bnc_node *vb = ng_arg(req, "via-branch", NG_DGRAM_ANY);
	int i;

	if (ft && !ng_tag_known(c, ft))
		return NG_DEL_NONE;
	if (c->b_tag[0])
		return tt && !ng_tag_known(c, tt) ? NG_DEL_NONE : NG_DEL_CALL;
	/* not answered: a branch goes alone while others remain */
	if (!vb || !c->branches)
		return NG_DEL_CALL;
	i = ng_branch_find(c, vb);
	if (i < 0)
		return NG_DEL_NONE;
	if (c->branches == 1)
		return NG_DEL_CALL;
	memmove(c->branch[i], c->branch[i + 1], (c->branches - i - 1) * sizeof(c->branch[0]));
	c->branches--;
	return NG_DEL_BRANCH;
}

/* "totals": rtpengine's shape, from media's per-call counters */
static void ng_totals(struct bnc_out *o, const struct med_call_stats *st)
{
	BNC_Cstr(o, "totals");
	BNC_Dict(o);
	BNC_Cstr(o, "RTP");
	BNC_Dict(o);
	BNC_KeyInt(o, "bytes", (long long)(st->bytes_a_to_b + st->bytes_b_to_a));
	BNC_KeyInt(o, "errors", (long long)st->dropped);
	BNC_KeyInt(o, "packets", (long long)(st->packets_a_to_b + st->packets_b_to_a));
	BNC_End(o);
	BNC_End(o);
}

static void ng_query_delete(const struct bnc_node *req, int del, struct bnc_out *o)
{
	const char *bad = NULL;
	const struct bnc_node *id = ng_need(req, "call-id", 255, &bad);
	struct med_call_stats st;
	enum ng_del what;
	struct ng_call *c;
	char cid[256];

	if (!id) {
		ng_error(o, bad);
		return;
	}
	snprintf(cid, sizeof(cid), "%.*s", (int)id->len, id->s);
	c = ng_call_find(id);
	if (!MED_Has(cid) || MED_Stats(cid, &st)) {
		ng_error(o, "Unknown call-id");
		return;
	}
	/* after a restart the tags are not known (c is NULL): the whole call */
	what = del && c ? ng_delete_what(c, req) : NG_DEL_CALL;
	if (what != NG_DEL_CALL) {
		LOG_INFO("ng: delete for call %s: %s", cid, what == NG_DEL_BRANCH ?
			 "one branch deleted, others remain" : "no such leg or branch, call kept");
		BNC_Dict(o);
		BNC_KeyStr(o, "result", "ok");
		if (what == NG_DEL_NONE)
			BNC_KeyStr(o, "warning", "Call-ID not found or tags didn't match");
		BNC_End(o);
		return;
	}
	BNC_Dict(o);
	BNC_KeyStr(o, "result", "ok");
	if (c) {
		BNC_KeyInt(o, "created", c->created);
		BNC_KeyInt(o, "last signal", c->last_signal);
		BNC_Cstr(o, "tags");
		BNC_Dict(o);
		if (c->a_tag[0]) {
			BNC_Cstr(o, c->a_tag);
			BNC_Dict(o);
			BNC_KeyStr(o, "tag", c->a_tag);
			BNC_KeyInt(o, "in dialogue with", 0);
			BNC_End(o);
		}
		if (c->b_tag[0] && strcmp(c->b_tag, c->a_tag)) {
			BNC_Cstr(o, c->b_tag);
			BNC_Dict(o);
			BNC_KeyStr(o, "tag", c->b_tag);
			BNC_End(o);
		}
		BNC_End(o);
	}
	ng_totals(o, &st);
	BNC_End(o);
	if (del) {
		MED_Delete(cid);
		if (c)
			ng_call_drop(c);
		ng_stats.deletes++;
		LOG_INFO("ng: call %s deleted", cid);
	}
}

static void ng_list(const struct bnc_node *req, struct bnc_out *o)
{
	const struct bnc_node *lim = BNC_Get(&ng_doc, req, "limit");
	long long max = lim && lim->type == BNC_INT && lim->i > 0 ? lim->i : 32;
	struct cds_lfht_iter it;
	struct cds_lfht_node *n;

	BNC_Dict(o);
	BNC_KeyStr(o, "result", "ok");
	BNC_Cstr(o, "calls");
	BNC_List(o);
	RCU_HashForEach(ng_ht, &it, n) {
		struct ng_call *c = caa_container_of(n, struct ng_call, node);

		/* a call whose media went is forgotten here, and takes no room in the limit */
		if (!MED_Has(c->call_id)) {
			ng_call_drop(c);
			continue;
		}
		if (max-- <= 0)
			break;
		BNC_Cstr(o, c->call_id);
	}
	BNC_End(o);
	BNC_End(o);
}

static void ng_statistics(struct bnc_out *o)
{
	struct med_totals t;

	MED_Totals(&t);
	BNC_Dict(o);
	BNC_KeyStr(o, "result", "ok");
	BNC_Cstr(o, "statistics");
	BNC_Dict(o);
	BNC_Cstr(o, "currentstatistics");
	BNC_Dict(o);
	BNC_KeyInt(o, "sessionsown", t.calls);
	BNC_KeyInt(o, "sessionsforeign", 0);
	BNC_KeyInt(o, "sessionstotal", t.calls);
	BNC_KeyInt(o, "flows", t.flows);
	BNC_End(o);
	BNC_Cstr(o, "totalstatistics");
	BNC_Dict(o);
	BNC_KeyInt(o, "offers", (long long)ng_stats.offers);
	BNC_KeyInt(o, "answers", (long long)ng_stats.answers);
	BNC_KeyInt(o, "deletes", (long long)ng_stats.deletes);
	BNC_End(o);
	BNC_End(o);
	BNC_End(o);
}

/* ---- requests ---- */

static int ng_cookie_ok(const char *s, size_t len)
{
	size_t i;

	if (!len || len >= NG_COOKIE_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return 0;
	return 1;
}

static int ng_same_from(const struct sockaddr_storage *a, const struct sockaddr *b)
{
	size_t l = b->sa_family == AF_INET ? sizeof(struct sockaddr_in) :
		   sizeof(struct sockaddr_in6);

	return a->ss_family == b->sa_family && !memcmp(a, b, l);
}

size_t NG_Handle(const char *req, size_t len, const struct sockaddr *from, char *out,
		 size_t outsz)
{
	const char *sp = memchr(req, ' ', len);
	const struct bnc_node *root, *cmd;
	struct bnc_out o;
	const char *err, *bad;
	size_t clen;
	unsigned int i;

	ng_stats.requests++;
	if (!sp || !ng_cookie_ok(req, sp - req)) {
		ng_stats.dropped++;	/* no cookie: nothing a reply could be matched by */
		return 0;
	}
	clen = sp - req;
	/* the module retransmits with the same cookie: the same reply, once done */
	for (i = 0; from && i < NG_CACHE; i++)
		if (ng_cache[i].reply && strlen(ng_cache[i].cookie) == clen &&
		    !memcmp(ng_cache[i].cookie, req, clen) && ng_same_from(&ng_cache[i].from, from) &&
		    ng_cache[i].len <= outsz) {
			ng_stats.retransmits++;
			memcpy(out, ng_cache[i].reply, ng_cache[i].len);
			return ng_cache[i].len;
		}
	BNC_OutInit(&o, out, outsz);
	BNC_Raw(&o, req, clen + 1);
	if (BNC_Parse(&ng_doc, sp + 1, len - clen - 1, &err)) {
		char why[96];

		snprintf(why, sizeof(why), "Malformed bencode: %s", err);
		ng_error(&o, why);
		return o.overflow ? 0 : o.len;
	}
	root = &ng_doc.n[0];
	cmd = BNC_Get(&ng_doc, root, "command");
	bad = ng_unprintable(root);
	if (cmd && cmd->type == BNC_STR && ng_printable(cmd) && !bad) {
		const struct bnc_node *id = BNC_Get(&ng_doc, root, "call-id");

		LOG_DEBUG("ng: %.*s %.*s", (int)(cmd->len < 16 ? cmd->len : 16), cmd->s,
			  id && id->type == BNC_STR ? (int)(id->len < 128 ? id->len : 128) : 0,
			  id && id->type == BNC_STR ? id->s : "");
	}
	if (root->type != BNC_DICT || !cmd || cmd->type != BNC_STR)
		ng_error(&o, "Request is not a dictionary with a command");
	else if (BNC_Is(cmd, "ping")) {
		BNC_Dict(&o);
		BNC_KeyStr(&o, "result", "pong");
		BNC_End(&o);
	} else if (bad) {
		char why[64];

		snprintf(why, sizeof(why), "Invalid %s: control character or space", bad);
		ng_error(&o, why);
	} else if (BNC_Is(cmd, "offer"))
		ng_offer_answer(root, 0, &o);
	else if (BNC_Is(cmd, "answer"))
		ng_offer_answer(root, 1, &o);
	else if (BNC_Is(cmd, "delete"))
		ng_query_delete(root, 1, &o);
	else if (BNC_Is(cmd, "query"))
		ng_query_delete(root, 0, &o);
	else if (BNC_Is(cmd, "list"))
		ng_list(root, &o);
	else if (BNC_Is(cmd, "statistics"))
		ng_statistics(&o);
	else
		ng_error(&o, "Unrecognized command");
	if (o.overflow) {
		BNC_OutInit(&o, out, outsz);
		BNC_Raw(&o, req, clen + 1);
		ng_error(&o, "Reply too large");
	}
	if (from && !o.overflow) {
		i = ng_cache_next;
		ng_cache_next = (ng_cache_next + 1) % NG_CACHE;
		free(ng_cache[i].reply);
		ng_cache[i].reply = malloc(o.len);
		if (ng_cache[i].reply) {
			memcpy(ng_cache[i].reply, out, o.len);
			ng_cache[i].len = o.len;
			snprintf(ng_cache[i].cookie, sizeof(ng_cache[i].cookie), "%.*s", (int)clen, req);
			memset(&ng_cache[i].from, 0, sizeof(ng_cache[i].from));
			memcpy(&ng_cache[i].from, from, from->sa_family == AF_INET ?
			       sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6));
		}
	}
	return o.overflow ? 0 : o.len;
}

static void ng_read(int fd, uint32_t events, void *arg)
{
	static char in[NG_MAX_DGRAM + 1], out[NG_MAX_DGRAM];
	int i;

	(void)events;
	(void)arg;
	for (i = 0; i < 64; i++) {
		struct sockaddr_storage from;
		socklen_t alen = sizeof(from);
		ssize_t n = recvfrom(fd, in, sizeof(in) - 1, MSG_DONTWAIT,
				     (struct sockaddr *)&from, &alen);
		size_t olen;

		if (n < 0)
			break;
		olen = NG_Handle(in, n, (struct sockaddr *)&from, out, sizeof(out));
		if (olen)
			sendto(fd, out, olen, MSG_DONTWAIT, (struct sockaddr *)&from, alen);
	}
}

void NG_GetStats(struct ng_stats *s)
{
	*s = ng_stats;
	s->calls = ng_calls;
	s->expired = ng_expired;
}

static void ng_emit(struct met_out *o)
{
	MET_Counter(o, "krtpd_ng_requests_total", "ng protocol requests, by outcome.",
		    MET_LABELS("result", "ok"),
		    ng_stats.requests - ng_stats.errors - ng_stats.dropped - ng_stats.retransmits);
	MET_Counter(o, "krtpd_ng_requests_total", "ng protocol requests, by outcome.",
		    MET_LABELS("result", "error"), ng_stats.errors);
	MET_Counter(o, "krtpd_ng_requests_total", "ng protocol requests, by outcome.",
		    MET_LABELS("result", "dropped"), ng_stats.dropped);
	MET_Counter(o, "krtpd_ng_requests_total", "ng protocol requests, by outcome.",
		    MET_LABELS("result", "retransmit"), ng_stats.retransmits);
	MET_Counter(o, "krtpd_ng_commands_total", "ng offer, answer and delete commands.",
		    MET_LABELS("command", "offer"), ng_stats.offers);
	MET_Counter(o, "krtpd_ng_commands_total", "ng offer, answer and delete commands.",
		    MET_LABELS("command", "answer"), ng_stats.answers);
	MET_Counter(o, "krtpd_ng_commands_total", "ng offer, answer and delete commands.",
		    MET_LABELS("command", "delete"), ng_stats.deletes);
	MET_Counter(o, "krtpd_ng_offers_expired_total",
		    "ng calls left without an answer or a media stream, deleted after an hour.", NULL,
		    ng_expired);
}

int NG_Init(const struct sockaddr_storage *addr)
{
	socklen_t alen = addr->ss_family == AF_INET ? sizeof(struct sockaddr_in) :
		     sizeof(struct sockaddr_in6);
	int one = 1;

	memset(&ng_stats, 0, sizeof(ng_stats));
	if (ng_calls_init())
		return -ENOMEM;
	MET_AddSource(ng_emit);
	if (!addr->ss_family)
		return 0;	/* tests: NG_Handle only */
	ng_fd = socket(addr->ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (ng_fd < 0)
		return -errno;
	setsockopt(ng_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(ng_fd, (const struct sockaddr *)addr, alen)) {
		int err = -errno;

		close(ng_fd);
		ng_fd = -1;
		return err;
	}
	ng_h = LOOP_Add(ng_fd, EPOLLIN, ng_read, NULL);
	if (!ng_h) {
		close(ng_fd);
		ng_fd = -1;
		return -ENOMEM;
	}
	ng_calls_sweep();
	return 0;
}

void NG_Fini(void)
{
	unsigned int i;

	if (ng_h)
		LOOP_Del(ng_h);
	ng_h = NULL;
	if (ng_fd >= 0)
		close(ng_fd);
	ng_fd = -1;
	for (i = 0; i < NG_CACHE; i++) {
		free(ng_cache[i].reply);
		ng_cache[i].reply = NULL;
	}
	ng_calls_fini();
}
