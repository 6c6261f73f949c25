// SPDX-License-Identifier: GPL-2.0
/*
 * SIP message parser. One pass over the start line and the header lines;
 * each header value is then parsed according to its name. Every loop is
 * bounded by the end of the slice it walks, so a truncated or hostile
 * message can at worst be rejected. Stateless, so callable from any thread.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "msg.h"

int MSG_ParseHostPort(const char *p, const char *end, struct sip_str *host, int *v6,
		      uint16_t *port);

static const struct {
	const char *name;
	enum sip_method id;
} msg_methods[] = {
	{ "INVITE", SIP_M_INVITE }, { "ACK", SIP_M_ACK }, { "BYE", SIP_M_BYE },
	{ "CANCEL", SIP_M_CANCEL }, { "OPTIONS", SIP_M_OPTIONS },
	{ "REGISTER", SIP_M_REGISTER }, { "PRACK", SIP_M_PRACK }, { "UPDATE", SIP_M_UPDATE },
	{ "INFO", SIP_M_INFO }, { "SUBSCRIBE", SIP_M_SUBSCRIBE }, { "NOTIFY", SIP_M_NOTIFY },
	{ "REFER", SIP_M_REFER }, { "MESSAGE", SIP_M_MESSAGE },
};

/* full and compact (RFC 3261 §7.3.3, RFC 3265, RFC 3515) header names */
static const struct {
	const char *name;
	char compact;
	enum sip_hdr_id id;
} msg_hdr_names[] = {
	{ "Via", 'v', SIP_H_VIA }, { "From", 'f', SIP_H_FROM }, { "To", 't', SIP_H_TO },
	{ "Call-ID", 'i', SIP_H_CALL_ID }, { "CSeq", 0, SIP_H_CSEQ },
	{ "Contact", 'm', SIP_H_CONTACT }, { "Max-Forwards", 0, SIP_H_MAX_FORWARDS },
	{ "Content-Length", 'l', SIP_H_CONTENT_LENGTH },
	{ "Content-Type", 'c', SIP_H_CONTENT_TYPE }, { "Route", 0, SIP_H_ROUTE },
	{ "Record-Route", 0, SIP_H_RECORD_ROUTE }, { "Expires", 0, SIP_H_EXPIRES },
	{ "Authorization", 0, SIP_H_AUTHORIZATION },
	{ "Proxy-Authorization", 0, SIP_H_PROXY_AUTHORIZATION },
	{ "Require", 0, SIP_H_REQUIRE }, { "Proxy-Require", 0, SIP_H_PROXY_REQUIRE },
	{ "Supported", 'k', SIP_H_SUPPORTED }, { "Content-Encoding", 'e', SIP_H_CONTENT_ENCODING },
	{ "Subject", 's', SIP_H_SUBJECT }, { "User-Agent", 0, SIP_H_USER_AGENT },
	{ "WWW-Authenticate", 0, SIP_H_WWW_AUTHENTICATE },
	{ "Proxy-Authenticate", 0, SIP_H_PROXY_AUTHENTICATE },
	{ "Min-Expires", 0, SIP_H_MIN_EXPIRES }, { "Event", 'o', SIP_H_EVENT },
	{ "Allow", 0, SIP_H_ALLOW }, { "RSeq", 0, SIP_H_RSEQ }, { "Path", 0, SIP_H_PATH },
};

enum sip_method MSG_MethodId(const char *s, size_t len)
{
	unsigned int i;

	for (i = 0; i < sizeof(msg_methods) / sizeof(msg_methods[0]); i++)
		if (strlen(msg_methods[i].name) == len && !memcmp(s, msg_methods[i].name, len))
			return msg_methods[i].id;
	return SIP_M_OTHER;
}

const char *MSG_MethodName(enum sip_method m)
{
	unsigned int i;

	for (i = 0; i < sizeof(msg_methods) / sizeof(msg_methods[0]); i++)
		if (msg_methods[i].id == m)
			return msg_methods[i].name;
	return "UNKNOWN";
}

static enum sip_hdr_id msg_hdr_id(const char *s, size_t len)
{
	unsigned int i;

	for (i = 0; i < sizeof(msg_hdr_names) / sizeof(msg_hdr_names[0]); i++) {
		if (len == 1 && msg_hdr_names[i].compact &&
		    (s[0] | 0x20) == msg_hdr_names[i].compact)
			return msg_hdr_names[i].id;
		if (strlen(msg_hdr_names[i].name) == len &&
		    !strncasecmp(s, msg_hdr_names[i].name, len))
			return msg_hdr_names[i].id;
	}
	return SIP_H_OTHER;
}

const struct sip_hdr *MSG_Header(const struct sip_msg *m, enum sip_hdr_id id, int n)
{
	int i;

	for (i = 0; i < m->nhdrs; i++)
		if (m->hdrs[i].id == id && n-- == 0)
			return &m->hdrs[i];
	return NULL;
}

static int msg_lws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int MSG_HasTag(const struct sip_msg *m, enum sip_hdr_id id, const char *tag)
{
	size_t tl = strlen(tag);
	int i;

	for (i = 0; i < m->nhdrs; i++) {
		const char *p, *e;

		if (m->hdrs[i].id != id)
			continue;
		p = m->hdrs[i].value.s;
		e = p + m->hdrs[i].value.len;
		while (p < e) {
			const char *q = memchr(p, ',', e - p), *te;

			if (!q)
				q = e;
			te = q;
			while (p < te && msg_lws(*p))
				p++;
			while (te > p && msg_lws(te[-1]))
				te--;
			if ((size_t)(te - p) == tl && !strncasecmp(p, tag, tl))
				return 1;
			p = q + 1;
		}
	}
	return 0;
}

/* RFC 3261 token characters */
static int msg_token_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("-.!%*_+`'~", c));
}

/* the Request-Line's SIP-Version is not 2.0: a 505, not a 400 (RFC 3261 21.5.6) */
const char MSG_ERR_VERSION[] = "SIP Version Not Supported";

static void msg_err(struct sip_msg *m, const char *why)
{
	if (!m->err)
		m->err = why;
}

/*
 * Next comma-separated element of a header value. Commas inside quoted
 * strings and <...> do not split. Returns 0 at the end.
 */
static int msg_next_elem(const char **pp, const char *end, struct sip_str *out)
{
	const char *p = *pp, *s;
	int quote = 0, angle = 0;

	while (p < end && (msg_lws(*p) || *p == ','))
		p++;
	if (p >= end)
		return 0;
	s = p;
	for (; p < end; p++) {
		if (quote) {
			if (*p == '\\' && p + 1 < end)
				p++;
			else if (*p == '"')
				quote = 0;
		} else if (*p == '"') {
			quote = 1;
		} else if (*p == '<') {
			angle = 1;
		} else if (*p == '>') {
			angle = 0;
		} else if (*p == ',' && !angle) {
			break;
		}
	}
	out->s = s;
	out->len = p - s;
	while (out->len && msg_lws(out->s[out->len - 1]))
		out->len--;
	*pp = p;
	return 1;
}

static int msg_number(struct sip_str v, unsigned long max, unsigned long *out)
{
	unsigned long n = 0;
	size_t i;

	if (!v.len || v.len > 10)
		return -EINVAL;
	for (i = 0; i < v.len; i++) {
		if (v.s[i] < '0' || v.s[i] > '9')
			return -EINVAL;
		n = n * 10 + (v.s[i] - '0');
	}
	if (n > max)
		return -ERANGE;
	*out = n;
	return 0;
}

/*
 * via-parm = sent-protocol LWS sent-by *( SEMI via-params ). The version
 * must be 2.0, except in a request whose start line already asked for
 * another one: that request is answered 505 along its Via.
 */
static int msg_parse_via(struct sip_via *v, struct sip_str e, int any_version)
{
	const char *p = e.s, *end = e.s + e.len, *q;
	int i;

	memset(v, 0, sizeof(*v));
	v->raw = e;
	/* "SIP" "/" "2.0" "/" transport, LWS allowed around the slashes */
	for (i = 0; i < 3; i++) {
		const char *ts;

		while (p < end && msg_lws(*p))
			p++;
		ts = p;
		while (p < end && msg_token_char(*p))
			p++;
		if (p == ts)
			return -EINVAL;
		if (i == 0 && !((p - ts) == 3 && !strncasecmp(ts, "SIP", 3)))
			return -EINVAL;
		if (i == 1 && !any_version && !((p - ts) == 3 && !memcmp(ts, "2.0", 3)))
			return -EINVAL;
		if (i == 2) {
			v->transport.s = ts;
			v->transport.len = p - ts;
			break;
		}
		while (p < end && msg_lws(*p))
			p++;
		if (p >= end || *p != '/')
			return -EINVAL;
		p++;
	}
	while (p < end && msg_lws(*p))
		p++;
	q = p;
	if (p < end && *p == '[')
		while (p < end && *p != ']')
			p++;
	while (p < end && *p != ';' && !msg_lws(*p))
		p++;
	if (MSG_ParseHostPort(q, p, &v->host, &v->host_v6, &v->port))
		return -EINVAL;
	while (p < end && msg_lws(*p))
		p++;
	if (p < end && *p != ';')
		return -EINVAL;
	{
		struct sip_str params = { p, end - p };

		MSG_Param(params, "branch", &v->branch);
		MSG_Param(params, "received", &v->received);
		v->rport = MSG_Param(params, "rport", &v->rport_val);
	}
	return 0;
}

static void msg_parse_hdr(struct sip_msg *m, int idx)
{
	struct sip_hdr *h = &m->hdrs[idx];
	const char *p = h->value.s, *end = h->value.s + h->value.len;
	struct sip_str e;
	unsigned long n;

	switch (h->id) {
	case SIP_H_VIA:
		if (p == end)
			msg_err(m, "Bad Via");
		while (msg_next_elem(&p, end, &e)) {
			/*
			 * Past SIP_MAX_VIA a Via is checked, not kept: only the
			 * top ones steer anything, and the header lines go on
			 * as they came (RFC 4475 3.1.1.7 has 34).
			 */
			struct sip_via spare;
			struct sip_via *v = m->nvia < SIP_MAX_VIA ? &m->via[m->nvia] : &spare;

			if (msg_parse_via(v, e, m->err == MSG_ERR_VERSION)) {
				msg_err(m, "Bad Via");
				return;
			}
			v->hdr = idx;
			if (v != &spare)
				m->nvia++;
		}
		break;
	case SIP_H_FROM:
	case SIP_H_TO: {
		int from = h->id == SIP_H_FROM;
		struct sip_naddr *na = from ? &m->from : &m->to;
		int *has = from ? &m->has_from : &m->has_to;

		if (*has) {
			msg_err(m, from ? "Duplicate From" : "Duplicate To");
			return;
		}
		if (MSG_ParseNaddr(na, h->value.s, h->value.len) || na->uri_raw.len == 1) {
			msg_err(m, from ? "Bad From" : "Bad To");
			return;
		}
		na->hdr = idx;
		*has = 1;
		break;
	}
	case SIP_H_CALL_ID:
		if (m->call_id.s) {
			msg_err(m, "Duplicate Call-ID");
			return;
		}
		for (; p < end; p++)
			if (msg_lws(*p) || (unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e)
				break;
		if (p != end || !h->value.len || h->value.len > 255) {
			msg_err(m, "Bad Call-ID");
			return;
		}
		m->call_id = h->value;
		break;
	case SIP_H_CSEQ: {
		const char *ns = p;
		struct sip_str num;

		if (m->has_cseq) {
			msg_err(m, "Duplicate CSeq");
			return;
		}
		while (p < end && *p >= '0' && *p <= '9')
			p++;
		num.s = ns;
		num.len = p - ns;
		if (msg_number(num, 0x7fffffff, &n) || p == end || !msg_lws(*p)) {
			msg_err(m, "Bad CSeq");
			return;
		}
		while (p < end && msg_lws(*p))
			p++;
		ns = p;
		while (p < end && msg_token_char(*p))
			p++;
		if (p == ns || p != end) {
			msg_err(m, "Bad CSeq");
			return;
		}
		m->cseq = n;
		m->cseq_method.s = ns;
		m->cseq_method.len = p - ns;
		m->cseq_method_id = MSG_MethodId(ns, p - ns);
		m->has_cseq = 1;
		break;
	}
	case SIP_H_MAX_FORWARDS:
		if (m->max_forwards >= 0 || msg_number(h->value, 255, &n)) {
			msg_err(m, "Bad Max-Forwards");
			return;
		}
		m->max_forwards = n;
		break;
	case SIP_H_EXPIRES:
		if (msg_number(h->value, 0xffffffffUL, &n)) {
			msg_err(m, "Bad Expires");
			return;
		}
		m->expires = n;
		break;
	case SIP_H_CONTENT_LENGTH:
		if (m->content_length >= 0 || msg_number(h->value, 1 << 24, &n)) {
			msg_err(m, "Bad Content-Length");
			return;
		}
		m->content_length = n;
		break;
	case SIP_H_CONTENT_TYPE:
		m->content_type = h->value;
		break;
	case SIP_H_CONTACT:
		while (msg_next_elem(&p, end, &e)) {
			struct sip_naddr *na;

			if (m->ncontact == SIP_MAX_CONTACT) {
				msg_err(m, "Too Many Contacts");
				return;
			}
			na = &m->contact[m->ncontact];
			if (MSG_ParseNaddr(na, e.s, e.len)) {
				msg_err(m, "Bad Contact");
				return;
			}
			if (na->uri_raw.len == 1) {
				if (e.len != 1)
					msg_err(m, "Bad Contact");
				m->contact_star = 1;
				continue;
			}
			na->hdr = idx;
			m->ncontact++;
		}
		break;
	case SIP_H_ROUTE:
	case SIP_H_RECORD_ROUTE: {
		int rr = h->id == SIP_H_RECORD_ROUTE;

		while (msg_next_elem(&p, end, &e)) {
			struct sip_naddr *na = rr ? &m->rr[m->nrr] : &m->route[m->nroute];
			int *cnt = rr ? &m->nrr : &m->nroute;

			if (*cnt == SIP_MAX_ROUTE) {
				msg_err(m, "Too Many Routes");
				return;
			}
			if (MSG_ParseNaddr(na, e.s, e.len) || na->uri_raw.len == 1) {
				msg_err(m, rr ? "Bad Record-Route" : "Bad Route");
				return;
			}
			na->hdr = idx;
			(*cnt)++;
		}
		break;
	}
	default:
		break;
	}
}

static int msg_parse_start(struct sip_msg *m, const char *p, const char *end)
{
	const char *s;
	int r;

	if (end - p >= 8 && !memcmp(p, "SIP/2.0 ", 8)) {
		p += 8;
		if (end - p < 3 || p[0] < '1' || p[0] > '6' || p[1] < '0' || p[1] > '9' ||
		    p[2] < '0' || p[2] > '9')
			return -EINVAL;
		m->status = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
		p += 3;
		if (p < end && *p != ' ')
			return -EINVAL;
		if (p < end)
			p++;
		m->reason.s = p;
		m->reason.len = end - p;
		return 0;
	}
	m->request = 1;
	s = p;
	while (p < end && msg_token_char(*p))
		p++;
	if (p == s || p >= end || *p != ' ')
		return -EINVAL;
	m->method.s = s;
	m->method.len = p - s;
	m->method_id = MSG_MethodId(s, p - s);
	s = ++p;
	while (p < end && *p != ' ')
		p++;
	if (p == s || p >= end)
		return -EINVAL;
	m->ruri_raw.s = s;
	m->ruri_raw.len = p - s;
	p++;
	if (end - p != 7 || strncasecmp(p, "SIP/2.0", 7)) {
		/* SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT */
		s = p;
		if (end - p > 4 && !strncasecmp(p, "SIP/", 4)) {
			for (p += 4; p < end && *p >= '0' && *p <= '9'; p++)
				;
			if (p > s + 4 && p < end && *p == '.' && ++p < end) {
				while (p < end && *p >= '0' && *p <= '9')
					p++;
				if (p == end && end[-1] != '.')
					return -EPROTONOSUPPORT;
			}
		}
		return -EINVAL;
	}
	r = URI_Parse(&m->ruri, m->ruri_raw.s, m->ruri_raw.len);
	if (r == -EPROTONOSUPPORT) {
		m->err = "Unsupported URI Scheme";
		return 0;
	}
	/* headers are not allowed in a Request-URI (RFC 3261 19.1.1, RFC 4475 3.1.2.11) */
	if (r || m->ruri.headers.s)
		m->err = "Bad Request-URI";
	return 0;
}

/* end of the line starting at p: points at '\n' or is end */
static const char *msg_eol(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', end - p);

	return nl ? nl : end;
}

int MSG_Parse(struct sip_msg *m, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len, *eol, *le;
	size_t rest;
	int r;

	memset(m, 0, sizeof(*m));
	m->buf = buf;
	m->len = len;
	m->max_forwards = -1;
	m->expires = -1;
	m->content_length = -1;

	eol = msg_eol(p, end);
	if (eol == end) {
		m->err = "Truncated Start Line";
		return -EINVAL;
	}
	le = eol > p && eol[-1] == '\r' ? eol - 1 : eol;
	r = msg_parse_start(m, p, le);
	if (r && !(m->request && m->method.len)) {
		m->err = m->request ? "Bad Request Line" : "Bad Start Line";
		m->request = 0;
		return -EINVAL;
	}
	/*
	 * A request line with a method but a bad Request-URI, spacing or
	 * version (RFC 4475 3.1.2.8-10, 3.1.2.16): the headers are still read,
	 * so the sender gets its 400 (or 505) instead of silence.
	 */
	if (r)
		m->err = r == -EPROTONOSUPPORT ? MSG_ERR_VERSION : "Bad Request Line";
	p = eol + 1;

	for (;;) {
		struct sip_hdr *h;
		const char *ls = p, *ns, *ne, *vs, *ve;

		if (p >= end) {
			msg_err(m, "Truncated Headers");
			goto out;
		}
		if (*p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n')) {
			m->hdr_end = p;
			p += *p == '\n' ? 1 : 2;
			break;
		}
		if (*p == ' ' || *p == '\t') {
			msg_err(m, "Bad Header Folding");
			goto out;
		}
		/* a header line, with any continuation lines folded into it */
		eol = msg_eol(p, end);
		while (eol < end && eol + 1 < end && (eol[1] == ' ' || eol[1] == '\t'))
			eol = msg_eol(eol + 1, end);
		if (eol == end) {
			msg_err(m, "Truncated Headers");
			goto out;
		}
		p = eol + 1;
		if (m->nhdrs == SIP_MAX_HDRS) {
			msg_err(m, "Too Many Headers");
			continue;
		}
		ns = ls;
		while (ns < eol && msg_token_char(*ns))
			ns++;
		ne = ns;
		while (ns < eol && (*ns == ' ' || *ns == '\t'))
			ns++;
		if (ne == ls || ns >= eol || *ns != ':') {
			msg_err(m, "Malformed Header Line");
			continue;
		}
		vs = ns + 1;
		ve = eol;
		while (vs < ve && msg_lws(*vs))
			vs++;
		while (ve > vs && msg_lws(ve[-1]))
			ve--;
		h = &m->hdrs[m->nhdrs];
		h->name.s = ls;
		h->name.len = ne - ls;
		h->id = msg_hdr_id(ls, ne - ls);
		h->value.s = vs;
		h->value.len = ve - vs;
		h->line = ls;
		h->line_len = p - ls;
		msg_parse_hdr(m, m->nhdrs++);
	}

	rest = end - p;
	if (m->content_length >= 0) {
		if ((size_t)m->content_length > rest) {
			msg_err(m, "Content-Length Too Large");
			goto out;
		}
		rest = m->content_length;
		m->len = p + rest - buf;
	}
	m->body.s = p;
	m->body.len = rest;

	if (!m->nvia)
		msg_err(m, "Missing Via");
	if (!m->has_from)
		msg_err(m, "Missing From");
	if (!m->has_to)
		msg_err(m, "Missing To");
	if (!m->call_id.s)
		msg_err(m, "Missing Call-ID");
	if (!m->has_cseq)
		msg_err(m, "Missing CSeq");
	if (m->request && m->has_cseq && !STR_Eq(m->cseq_method, m->method))
		msg_err(m, "CSeq Method Mismatch");
	if (!m->request) {
		m->method = m->cseq_method;
		m->method_id = m->cseq_method_id;
	}
out:
	return m->err ? -EINVAL : 0;
}

int MSG_CanReply(const struct sip_msg *m)
{
	return m->request && m->nvia > 0 && m->method_id != SIP_M_ACK;
}

long MSG_Frame(const char *buf, size_t len, size_t max, size_t *skip)
{
	const char *p = buf, *end = buf + len, *hend = NULL, *q;
	unsigned long cl = 0;
	int have_cl = 0;

	*skip = 0;
	while (p < end && (*p == '\r' || *p == '\n'))
		p++;
	*skip = p - buf;
	/* find the empty line */
	for (q = p; q < end; q++) {
		if (*q != '\n')
			continue;
		if (q + 1 < end && q[1] == '\n') {
			hend = q + 2;
			break;
		}
		if (q + 2 < end && q[1] == '\r' && q[2] == '\n') {
			hend = q + 3;
			break;
		}
	}
	if (!hend)
		return (size_t)(end - p) > max ? -EMSGSIZE : 0;
	if ((size_t)(hend - p) > max)
		return -EMSGSIZE;
	/* Content-Length (or l), at the start of a line */
	for (q = p; q < hend; q++) {
		const char *ls, *v;
		size_t n;

		if (q != p && q[-1] != '\n')
			continue;
		ls = q;
		if (hend - ls > 15 && !strncasecmp(ls, "Content-Length", 14))
			v = ls + 14;
		else if (hend - ls > 2 && (ls[0] == 'l' || ls[0] == 'L') &&
			 (ls[1] == ':' || ls[1] == ' ' || ls[1] == '\t'))
			v = ls + 1;
		else
			continue;
		while (v < hend && (*v == ' ' || *v == '\t'))
			v++;
		if (v >= hend || *v != ':')
			continue;
		v++;
		while (v < hend && (*v == ' ' || *v == '\t'))
			v++;
		for (n = 0, cl = 0; v < hend && *v >= '0' && *v <= '9' && n < 9; v++, n++)
			cl = cl * 10 + (*v - '0');
		if (!n)
			return -EINVAL;
		have_cl = 1;
		break;
	}
	if (!have_cl)
		return -EINVAL;
	if ((size_t)(hend - p) + cl > max)
		return -EMSGSIZE;
	if ((size_t)(end - hend) < cl)
		return 0;
	return hend - p + cl;
}
