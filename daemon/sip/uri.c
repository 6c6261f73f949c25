// SPDX-License-Identifier: GPL-2.0
/*
 * SIP URI and name-addr parsing (RFC 3261 §19.1, §20.10). Bounded by the
 * slice given; stateless.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "msg.h"

static int uri_is_lws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int uri_host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_';
}

static int uri_v6_char(char c)
{
	return (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || (c >= '0' && c <= '9') ||
	       c == ':' || c == '.';
}

int STR_CaseEq(struct sip_str a, struct sip_str b)
{
	return a.len == b.len && (a.len == 0 || strncasecmp(a.s, b.s, a.len) == 0);
}

int STR_CaseEqC(struct sip_str a, const char *c)
{
	return STR_CaseEq(a, STR_C(c));
}

/*
 * Walk ";name[=value]" pairs of a raw parameter list. LWS around ';' and
 * '=' is allowed; values may be quoted strings.
 */
int MSG_Param(struct sip_str params, const char *name, struct sip_str *val)
{
	const char *p = params.s, *end = params.s + params.len;
	size_t nlen = strlen(name);

	while (p < end) {
		const char *ns, *ne, *vs = NULL, *ve = NULL;

		while (p < end && (*p == ';' || uri_is_lws(*p)))
			p++;
		ns = p;
		while (p < end && *p != '=' && *p != ';' && !uri_is_lws(*p))
			p++;
		ne = p;
		while (p < end && uri_is_lws(*p))
			p++;
		if (p < end && *p == '=') {
			p++;
			while (p < end && uri_is_lws(*p))
				p++;
			vs = p;
			if (p < end && *p == '"') {
				p++;
				while (p < end && *p != '"') {
					if (*p == '\\' && p + 1 < end)
						p++;
					p++;
				}
				if (p < end)
					p++;
			} else {
				while (p < end && *p != ';' && !uri_is_lws(*p))
					p++;
			}
			ve = p;
		}
		while (p < end && *p != ';')
			p++;
		if (ne > ns && (size_t)(ne - ns) == nlen && !strncasecmp(ns, name, nlen)) {
			if (val) {
				val->s = vs ? vs : ne;
				val->len = vs ? (size_t)(ve - vs) : 0;
			}
			return 1;
		}
	}
	return 0;
}

static int uri_port(const char *p, const char *end, uint16_t *port)
{
	unsigned long v = 0;

	if (p == end || end - p > 5)
		return -EINVAL;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		v = v * 10 + (*p - '0');
	}
	if (v == 0 || v > 65535)
		return -EINVAL;
	*port = v;
	return 0;
}

/*
 * Parse host[:port] in [p, end); IPv6 references in brackets. Shared with the
 * Via sent-by parser through MSG_ParseHostPort().
 */
int MSG_ParseHostPort(const char *p, const char *end, struct sip_str *host, int *v6,
		      uint16_t *port);
int MSG_ParseHostPort(const char *p, const char *end, struct sip_str *host, int *v6,
		      uint16_t *port)
{
	const char *h;

	*port = 0;
	*v6 = 0;
	if (p >= end)
		return -EINVAL;
	if (*p == '[') {
		h = ++p;
		while (p < end && uri_v6_char(*p))
			p++;
		if (p >= end || *p != ']' || p == h || p - h > 45)
			return -EINVAL;
		/*
		 * RFC 3261's IPv6address admits 2001:db8:::192.0.2.1, which is
		 * no address (RFC 5118 4.10): what cannot be sent to is a 400.
		 */
		{
			char a[46];
			struct in6_addr in6;

			memcpy(a, h, p - h);
			a[p - h] = '\0';
			if (inet_pton(AF_INET6, a, &in6) != 1)
				return -EINVAL;
		}
		host->s = h;
		host->len = p - h;
		*v6 = 1;
		p++;
	} else {
		h = p;
		while (p < end && uri_host_char(*p))
			p++;
		if (p == h || p - h > 255)
			return -EINVAL;
		host->s = h;
		host->len = p - h;
	}
	if (p == end)
		return 0;
	if (*p != ':')
		return -EINVAL;
	return uri_port(p + 1, end, port);
}

int URI_Parse(struct sip_uri *u, const char *s, size_t len)
{
	const char *p = s, *end = s + len, *at = NULL, *hs, *he, *q;

	memset(u, 0, sizeof(*u));
	if (len >= 4 && !strncasecmp(s, "sip:", 4)) {
		p += 4;
	} else if (len >= 5 && !strncasecmp(s, "sips:", 5)) {
		u->sips = 1;
		p += 5;
	} else {
		/* a well-formed other scheme (tel:, urn:...) is "unsupported", not "bad" */
		for (q = s; q < end && ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
					(*q >= '0' && *q <= '9') || *q == '+' || *q == '-' ||
					*q == '.'); q++)
			;
		if (q > s && q < end && *q == ':')
			return -EPROTONOSUPPORT;
		return -EINVAL;
	}
	/*
	 * userinfo ends at the first '@': neither user nor password may hold
	 * one unescaped, and nor may the headers. The user may hold '?', ';'
	 * and '/' (user-unreserved, RFC 3261 25.1), so the headers part
	 * starts at the first '?' after the host, not the first of all.
	 */
	at = memchr(p, '@', end - p);
	q = memchr(at ? at : p, '?', end - (at ? at : p));
	if (q) {
		u->headers.s = q + 1;
		u->headers.len = end - q - 1;
		end = q;
	}
	for (q = p; q < end; q++)
		if (uri_is_lws(*q) || *q == '<' || *q == '>' || *q == '"')
			return -EINVAL;
	if (at) {
		u->user.s = p;
		for (q = p; q < at && *q != ':'; q++)
			;
		u->user.len = q - p;
		if (!u->user.len)
			return -EINVAL;
		p = at + 1;
	}
	hs = p;
	if (p < end && *p == '[') {
		while (p < end && *p != ']')
			p++;
		if (p < end)
			p++;
	}
	while (p < end && *p != ';')
		p++;
	he = p;
	if (MSG_ParseHostPort(hs, he, &u->host, &u->host_v6, &u->port))
		return -EINVAL;
	u->params.s = p;
	u->params.len = end - p;
	MSG_Param(u->params, "transport", &u->transport);
	MSG_Param(u->params, "maddr", &u->maddr);
	u->lr = MSG_Param(u->params, "lr", NULL);
	return 0;
}

/*
 * name-addr  = [ display-name ] LAQUOT addr-spec RAQUOT
 * addr-spec without brackets: header parameters start at the first ';'.
 */
int MSG_ParseNaddr(struct sip_naddr *na, const char *s, size_t len)
{
	const char *p = s, *end = s + len, *us, *ue;

	memset(na, 0, sizeof(*na));
	na->expires = -1;
	while (p < end && uri_is_lws(*p))
		p++;
	while (end > p && uri_is_lws(end[-1]))
		end--;
	na->raw.s = p;
	na->raw.len = end - p;
	if (p == end)
		return -EINVAL;
	if (*p == '"') {
		p++;
		while (p < end && *p != '"') {
			if (*p == '\\')
				p++;
			p++;
		}
		if (p >= end)
			return -EINVAL;
		p++;
		while (p < end && uri_is_lws(*p))
			p++;
		if (p >= end || *p != '<')
			return -EINVAL;
	} else {
		const char *q;

		/* a display name of tokens, or a bare addr-spec */
		for (q = p; q < end && *q != '<' && *q != ';'; q++)
			;
		if (q < end && *q == '<')
			p = q;
	}
	if (*p == '<') {
		us = ++p;
		while (p < end && *p != '>')
			p++;
		if (p >= end)
			return -EINVAL;
		ue = p++;
	} else {
		us = p;
		while (p < end && *p != ';' && !uri_is_lws(*p))
			p++;
		ue = p;
		/* a URI with headers must be in <> (RFC 3261 20; RFC 4475 3.1.2.13) */
		if (memchr(us, '?', ue - us))
			return -EINVAL;
	}
	na->uri_raw.s = us;
	na->uri_raw.len = ue - us;
	while (p < end && uri_is_lws(*p))
		p++;
	if (p < end && *p != ';')
		return -EINVAL;
	na->params.s = p;
	na->params.len = end - p;
	MSG_Param(na->params, "tag", &na->tag);
	if (na->uri_raw.len == 1 && us[0] == '*')
		return 0;
	if (URI_Parse(&na->uri, us, ue - us))
		return -EINVAL;
	{
		struct sip_str ex;

		if (MSG_Param(na->params, "expires", &ex)) {
			long v = 0;
			size_t i;

			if (!ex.len || ex.len > 10)
				return -EINVAL;
			for (i = 0; i < ex.len; i++) {
				if (ex.s[i] < '0' || ex.s[i] > '9')
					return -EINVAL;
				v = v * 10 + (ex.s[i] - '0');
			}
			na->expires = v > 0xffffffffL ? 0xffffffffL : v;
		}
	}
	return 0;
}
