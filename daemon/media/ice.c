// SPDX-License-Identifier: GPL-2.0
/*
 * ICE-lite answers to connectivity checks; see ice.h for the rules in the
 * order they apply. The request is read once, attribute by attribute, up to
 * MESSAGE-INTEGRITY: what follows it is not authenticated, so only the
 * FINGERPRINT there is looked at (RFC 5389 §15.4). A USE-CANDIDATE slipped
 * in after the integrity by someone on the path therefore nominates nothing.
 */
#include <netinet/in.h>
#include <string.h>

#include "../stun.h"
#include "ice.h"

#define ICE_UNKNOWN_MAX	16	/* unknown attributes listed in a 420, at most */

/* What a Binding request says, as far as an ICE-lite agent cares. */
struct ice_req {
	struct stun_attr user, mi, fp;
	bool have_user, have_mi, have_fp;
	bool priority, controlled, controlling, use_candidate;
	bool malformed;		/* an ICE attribute of the wrong size */
	uint16_t unknown[ICE_UNKNOWN_MAX];
	int nunknown;
};

static void ice_read(const struct stun_msg *m, struct ice_req *r)
{
	struct stun_iter it;
	struct stun_attr a;

	memset(r, 0, sizeof(*r));
	STUN_IterInit(&it, m);
	while (STUN_IterNext(&it, &a)) {
		if (a.type == STUN_ATTR_FINGERPRINT) {
			r->fp = a;	/* STUN_FingerprintOk checks that it is the last */
			r->have_fp = true;
			break;
		}
		if (r->have_mi)
			continue;	/* not covered by the integrity: ignored */
		switch (a.type) {
		case STUN_ATTR_USERNAME:
			if (!r->have_user)
				r->user = a;
			r->have_user = true;
			break;
		case STUN_ATTR_MESSAGE_INTEGRITY:
			r->mi = a;
			r->have_mi = true;
			break;
		case STUN_ATTR_PRIORITY:
			r->priority = true;
			r->malformed |= a.len != 4;
			break;
		case STUN_ATTR_USE_CANDIDATE:
			r->use_candidate = true;
			r->malformed |= a.len != 0;
			break;
		case STUN_ATTR_ICE_CONTROLLED:
			r->controlled = true;
			r->malformed |= a.len != 8;
			break;
		case STUN_ATTR_ICE_CONTROLLING:
			r->controlling = true;
			r->malformed |= a.len != 8;
			break;
		default:
			/* comprehension-optional ones (SOFTWARE, browsers' own) are skipped */
			if (STUN_AttrRequired(a.type) && r->nunknown < ICE_UNKNOWN_MAX)
				r->unknown[r->nunknown++] = a.type;
			break;
		}
	}
}

/* USERNAME is "local_ufrag:remote_ufrag"; any non-empty remote one if NULL or "". */
static bool ice_user_ok(const struct stun_attr *u, const char *lfrag, const char *rfrag)
{
	size_t ll = strlen(lfrag);

	if (u->len <= ll || memcmp(u->val, lfrag, ll) || u->val[ll] != ':')
		return false;
	if (!rfrag || !*rfrag)
		return u->len > ll + 1;
	return u->len - ll - 1 == strlen(rfrag) && !memcmp(u->val + ll + 1, rfrag, u->len - ll - 1);
}

/*
 * An error response to m. key NULL: the request was not authenticated, so
 * neither is the answer (RFC 5389 §10.1.2).
 */
static size_t ice_error(const struct stun_msg *m, int code, const char *reason,
			const struct ice_req *r, const char *key, uint8_t *out)
{
	struct stun_build b;

	STUN_BuildInit(&b, out, ICE_ANSWER_MAX, STUN_BINDING_ERROR, m->tid);
	STUN_AddErrorCode(&b, code, reason);
	if (code == 420) {
		uint8_t list[2 * ICE_UNKNOWN_MAX];
		int i;

		for (i = 0; i < r->nunknown; i++) {
			list[2 * i] = r->unknown[i] >> 8;
			list[2 * i + 1] = r->unknown[i] & 0xff;
		}
		STUN_AddAttr(&b, STUN_ATTR_UNKNOWN_ATTRIBUTES, list, (uint16_t)(2 * r->nunknown));
	}
	if (key)
		STUN_AddIntegrity(&b, key, strlen(key));
	STUN_AddFingerprint(&b);
	return STUN_BuildEnd(&b);
}

static enum ice_verdict ice_reply(size_t n, size_t *outlen)
{
	*outlen = n;
	return n ? ICE_REPLY : ICE_DROP;
}

enum ice_verdict ICE_LiteAnswer(const uint8_t *req, size_t len,
				const struct sockaddr_storage *src,
				const char *local_ufrag, const char *local_pwd,
				const char *remote_ufrag,
				uint8_t *out, size_t *outlen)
{
	struct stun_build b;
	struct stun_msg m;
	struct ice_req r;

	*outlen = 0;
	if (!local_ufrag || !local_pwd ||
	    (src->ss_family != AF_INET && src->ss_family != AF_INET6))
		return ICE_DROP;
	/* RFC 5389 §7.3: malformed, or not a request we serve: silently dropped */
	if (STUN_Parse(&m, req, len) || m.type != STUN_BINDING_REQUEST)
		return ICE_DROP;
	ice_read(&m, &r);
	/* RFC 8445 §7.3: checks carry FINGERPRINT; without it, not ICE's */
	if (!r.have_fp || !STUN_FingerprintOk(&m, &r.fp))
		return ICE_DROP;

	/* RFC 5389 §10.1.2, short-term credentials */
	if (!r.have_user || !r.have_mi)
		return ice_reply(ice_error(&m, 400, "Bad Request", &r, NULL, out), outlen);
	if (!ice_user_ok(&r.user, local_ufrag, remote_ufrag) ||
	    !STUN_IntegrityOk(&m, &r.mi, local_pwd, strlen(local_pwd)))
		return ice_reply(ice_error(&m, 401, "Unauthorized", &r, NULL, out), outlen);

	/* authenticated from here on: answers carry MESSAGE-INTEGRITY */
	if (r.nunknown)
		return ice_reply(ice_error(&m, 420, "Unknown Attribute", &r, local_pwd, out), outlen);
	if (!r.priority || r.malformed || (r.controlled && r.controlling))
		return ice_reply(ice_error(&m, 400, "Bad Request", &r, local_pwd, out), outlen);
	if (r.controlled)	/* §7.3.1.1: both sides controlled; the lite one never switches */
		return ice_reply(ice_error(&m, 487, "Role Conflict", &r, local_pwd, out), outlen);

	STUN_BuildInit(&b, out, ICE_ANSWER_MAX, STUN_BINDING_SUCCESS, m.tid);
	STUN_AddXorAddress(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, src);
	STUN_AddIntegrity(&b, local_pwd, strlen(local_pwd));
	STUN_AddFingerprint(&b);
	*outlen = STUN_BuildEnd(&b);
	if (!*outlen)
		return ICE_DROP;
	return r.use_candidate ? ICE_REPLY_NOMINATED : ICE_REPLY;
}
