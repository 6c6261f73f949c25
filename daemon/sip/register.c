// SPDX-License-Identifier: GPL-2.0
/*
 * Handling a REGISTER (RFC 3261 §10.3), with SIP Outbound (RFC 5626: a
 * binding per +sip.instance and reg-id, on the flow it came over) and Path
 * (RFC 3327). The bindings themselves, and their agreement with the store,
 * are registrar.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../hash.h"
#include "../log.h"
#include "../metrics.h"
#include "../store.h"
#include "registrar_internal.h"

/* the binding a Contact of a REGISTER refers to: by instance and reg-id, else by URI */
static int reg_which(struct reg_aor *a, const struct sip_naddr *c, struct sip_str inst,
		     unsigned int reg_id)
{
	int j = inst.len ? reg_find_instance(a, inst, reg_id) : -1;

	return j >= 0 ? j : reg_find_binding(a, c->uri_raw);
}

/*
 * RFC 3327: the Path header values of m, in order, as one value in out.
 * Returns its length (0: no Path), or -1 when it does not fit. *ob is set
 * when the first hop (the last entry) put ;ob in its URI (RFC 5626 §5.1).
 */
static long reg_path(const struct sip_msg *m, char *out, size_t outsz, int *ob)
{
	const char *lt, *gt;
	struct sip_uri u;
	size_t len = 0;
	int i;

	*ob = 0;
	out[0] = '\0';
	for (i = 0; i < m->nhdrs; i++) {
		const struct sip_hdr *h = &m->hdrs[i];
		int n;

		if (h->id != SIP_H_PATH)
			continue;
		n = snprintf(out + len, outsz - len, "%s%.*s", len ? ", " : "", (int)h->value.len,
			     h->value.s);
		if (n < 0 || (size_t)n >= outsz - len)
			return -1;
		len += n;
	}
	if (!len)
		return 0;
	lt = strrchr(out, '<');
	gt = lt ? strchr(lt, '>') : NULL;
	if (!gt || URI_Parse(&u, lt + 1, gt - lt - 1))
		return -1;
	*ob = MSG_Param(u.params, "ob", NULL);
	return (long)len;
}

int REG_Handle(const struct sip_msg *m, const struct tp_peer *src, int64_t now,
	       struct sip_buf *hdrs, const char **reason)
{
	struct sip_str user = m->to.uri.user, inst[SIP_MAX_CONTACT];
	int ob = MSG_HasTag(m, SIP_H_SUPPORTED, "outbound");
	unsigned int rid[SIP_MAX_CONTACT];
	int first_hop_ob = 0, outbound = 0;
	long exp[SIP_MAX_CONTACT], path_len;
	struct reg_aor *a;
	char name[129], path[512];
	int i, j;

	*reason = NULL;
	reg_now = now;
	if (!user.len || user.len > 128) {
		*reason = "Missing User In To";
		return 404;
	}
	/* a store that cannot take writes now: refuse before changing anything */
	if (!STO_Writable())
		goto store_failed;
	a = reg_find(user);

	if (m->contact_star) {
		if (m->ncontact || m->expires != 0) {
			*reason = "Contact * Needs Expires 0";
			return 400;
		}
		for (i = 0; a && i < a->n; i++)
			if (!strncmp(a->b[i].call_id, m->call_id.s, m->call_id.len) &&
			    strlen(a->b[i].call_id) == m->call_id.len && m->cseq <= a->b[i].cseq) {
				*reason = "Out Of Order CSeq";
				return 500;
			}
		if (a)
			reg_note(user);
		while (a && a->n)
			if (reg_remove(a, 0, 1))
				goto store_failed;
		if (a)
			reg_maybe_drop(a);
		return 200;
	}

	path_len = reg_path(m, path, sizeof(path), &first_hop_ob);
	if (path_len < 0) {
		*reason = "Path Too Long";
		return 400;
	}

	/* validate everything before changing anything */
	for (i = 0; i < m->ncontact; i++) {
		const struct sip_naddr *c = &m->contact[i];
		long e = c->expires >= 0 ? c->expires :
			 m->expires >= 0 ? m->expires : (long)reg_cfg.default_expires;
		struct sip_str v;

		if (e && e < (long)reg_cfg.min_expires) {
			SB_Addf(hdrs, "Min-Expires: %u\r\n", reg_cfg.min_expires);
			return 423;
		}
		if (e > (long)reg_cfg.max_expires)
			e = reg_cfg.max_expires;
		exp[i] = e;
		if (c->uri_raw.len >= 500) {
			*reason = "Contact Too Long";
			return 400;
		}
		/* RFC 5626 §6: an instance, and with outbound a flow number */
		memset(&inst[i], 0, sizeof(inst[i]));
		rid[i] = 0;
		if (MSG_Param(c->params, "+sip.instance", &inst[i]) && inst[i].len > 250) {
			*reason = "Instance Too Long";
			return 400;
		}
		if (MSG_Param(c->params, "reg-id", &v) && inst[i].len && ob) {
			char num[12];
			char *end;
			unsigned long r;

			snprintf(num, sizeof(num), "%.*s", (int)(v.len < 11 ? v.len : 11), v.s);
			r = strtoul(num, &end, 10);
			if (!v.len || v.len > 10 || *end || !r || r > 0x7fffffff) {
				*reason = "Bad reg-id";
				return 400;
			}
			/* the first hop must keep the flow: a direct request, or Path ;ob */
			if (m->nvia > 1 && !first_hop_ob)
				return 439;
			rid[i] = (unsigned int)r;
		}
		j = reg_which(a, c, inst[i], rid[i]);
		if (j >= 0 && strlen(a->b[j].call_id) == m->call_id.len &&
		    !memcmp(a->b[j].call_id, m->call_id.s, m->call_id.len) &&
		    m->cseq <= a->b[j].cseq) {
			*reason = "Out Of Order CSeq";
			return 500;
		}
	}

	if (m->ncontact)
		reg_note(user);
	for (i = 0; i < m->ncontact; i++) {
		const struct sip_naddr *c = &m->contact[i];
		struct reg_binding *b;

		j = reg_which(a, c, inst[i], rid[i]);
		if (!exp[i]) {
			if (j >= 0) {
				LOG_INFO("unregistered %s %s", a->user, a->b[j].contact);
				if (reg_remove(a, j, 1))
					goto store_failed;
			}
			continue;
		}
		if (!a) {
			a = reg_get(user, m->to.uri.host);
			if (!a) {
				*reason = "Out Of Memory";
				return 500;
			}
		}
		if (j < 0) {
			if (reg_grow(a)) {
				*reason = "Too Many Contacts";
				reg_maybe_drop(a);
				return 403;
			}
			j = a->n++;
			reg_count++;
			memset(&a->b[j], 0, sizeof(a->b[j]));
			a->b[j].contact = strndup(c->uri_raw.s, c->uri_raw.len);
			LOG_INFO("registered %s at %.*s for %lds%s", a->user, (int)c->uri_raw.len,
				 c->uri_raw.s, exp[i], rid[i] ? " (outbound)" : "");
		} else if (strlen(a->b[j].contact) != c->uri_raw.len ||
			   memcmp(a->b[j].contact, c->uri_raw.s, c->uri_raw.len)) {
			/* the same instance (and flow) from a new contact: it replaces the old */
			if (STO_BindingDel(a->user, a->b[j].contact))
				goto store_failed;
			LOG_INFO("%s moved from %s to %.*s", a->user, a->b[j].contact,
				 (int)c->uri_raw.len, c->uri_raw.s);
			free(a->b[j].contact);
			a->b[j].contact = strndup(c->uri_raw.s, c->uri_raw.len);
		}
		b = &a->b[j];
		free(b->call_id);
		free(b->instance);
		free(b->path);
		b->call_id = strndup(m->call_id.s, m->call_id.len);
		b->instance = inst[i].len ? strndup(inst[i].s, inst[i].len) : NULL;
		b->path = path_len ? strdup(path) : NULL;
		b->reg_id = rid[i];
		b->cseq = m->cseq;
		b->expires = now + exp[i];
		b->updated = now;
		b->src = *src;
		b->ping_fail = 0;
		b->ping_next = 0;
		if (!b->contact || !b->call_id || (inst[i].len && !b->instance) ||
		    (path_len && !b->path)) {
			reg_remove(a, j, 0);
			*reason = "Out Of Memory";
			return 500;
		}
		if (rid[i])
			outbound = 1;
		if (reg_store(a, b))
			goto store_failed;
	}
	if (a) {
		for (i = 0; i < a->n; i++) {
			const struct reg_binding *b = &a->b[i];

			SB_Addf(hdrs, "Contact: <%s>;expires=%lld", b->contact,
				(long long)(b->expires > now ? b->expires - now : 0));
			if (b->instance)
				SB_Addf(hdrs, ";+sip.instance=%s", b->instance);
			if (b->reg_id)
				SB_Addf(hdrs, ";reg-id=%u", b->reg_id);
			SB_LIT(hdrs, "\r\n");
		}
		reg_maybe_drop(a);
	}
	/* RFC 5626 §6: outbound is in use; how often the flow should be refreshed */
	if (outbound) {
		SB_LIT(hdrs, "Require: outbound\r\n");
		if (reg_cfg.flow_timer && m->nvia == 1)
			SB_Addf(hdrs, "Flow-Timer: %u\r\n", reg_cfg.flow_timer);
	}
	/* RFC 3327 §5.3: the Path we stored, for a UA that knows what it is */
	if (path_len && MSG_HasTag(m, SIP_H_SUPPORTED, "path"))
		SB_Addf(hdrs, "Path: %s\r\n", path);
	return 200;

store_failed:
	/* what this REGISTER changed before the failure goes too */
	snprintf(name, sizeof(name), "%.*s", (int)user.len, user.s);
	reg_sync(name);
	reg_store_failures++;
	hdrs->len = 0;
	hdrs->overflow = 0;
	SB_Addf(hdrs, "Retry-After: %u\r\n", REG_RETRY_AFTER);
	*reason = "Registration Not Stored";
	return 503;
}
