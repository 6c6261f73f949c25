/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SIP message parser (RFC 3261 §7, §20, §25). Zero-copy: every field is a
 * slice (struct sip_str) into the caller's buffer, which must outlive the
 * parsed message. The parser is length-bounded: it never reads buf[len] or
 * beyond, and needs no NUL terminator.
 */
#ifndef KRTPD_SIP_MSG_H
#define KRTPD_SIP_MSG_H

#include <stddef.h>
#include <stdint.h>

#define SIP_MAX_HDRS	64
#define SIP_MAX_VIA	32	/* kept; any more are checked and passed on */
#define SIP_MAX_CONTACT	16
#define SIP_MAX_ROUTE	16

struct sip_str {
	const char *s;
	size_t len;
};

enum sip_method {
	SIP_M_OTHER = 0,
	SIP_M_INVITE,
	SIP_M_ACK,
	SIP_M_BYE,
	SIP_M_CANCEL,
	SIP_M_OPTIONS,
	SIP_M_REGISTER,
	SIP_M_PRACK,
	SIP_M_UPDATE,
	SIP_M_INFO,
	SIP_M_SUBSCRIBE,
	SIP_M_NOTIFY,
	SIP_M_REFER,
	SIP_M_MESSAGE,
};

enum sip_hdr_id {
	SIP_H_OTHER = 0,
	SIP_H_VIA,
	SIP_H_FROM,
	SIP_H_TO,
	SIP_H_CALL_ID,
	SIP_H_CSEQ,
	SIP_H_CONTACT,
	SIP_H_MAX_FORWARDS,
	SIP_H_CONTENT_LENGTH,
	SIP_H_CONTENT_TYPE,
	SIP_H_ROUTE,
	SIP_H_RECORD_ROUTE,
	SIP_H_EXPIRES,
	SIP_H_AUTHORIZATION,
	SIP_H_PROXY_AUTHORIZATION,
	SIP_H_REQUIRE,
	SIP_H_PROXY_REQUIRE,
	SIP_H_SUPPORTED,
	SIP_H_CONTENT_ENCODING,
	SIP_H_SUBJECT,
	SIP_H_USER_AGENT,
	SIP_H_WWW_AUTHENTICATE,
	SIP_H_PROXY_AUTHENTICATE,
	SIP_H_MIN_EXPIRES,
	SIP_H_EVENT,
	SIP_H_ALLOW,
	SIP_H_RSEQ,
	SIP_H_PATH,
};

struct sip_uri {
	int sips;			/* sips: scheme */
	struct sip_str user;		/* may be empty */
	struct sip_str host;		/* IPv6 references without brackets */
	int host_v6;			/* host was an IPv6 reference */
	uint16_t port;			/* 0 when absent */
	struct sip_str params;		/* ";a=b;c", raw, may be empty */
	struct sip_str transport;	/* value of transport= */
	struct sip_str maddr;
	int lr;				/* ;lr present */
	struct sip_str headers;		/* after '?', raw; .s NULL when absent */
};

/* name-addr / addr-spec with header parameters (From, To, Contact, Route...) */
struct sip_naddr {
	struct sip_str raw;		/* the whole value */
	struct sip_str uri_raw;		/* text of the URI (inside <> when present) */
	struct sip_uri uri;
	struct sip_str tag;		/* tag= header parameter */
	struct sip_str params;		/* header parameters, raw */
	long expires;			/* expires= header parameter, -1 when absent */
	int hdr;			/* index of the header line it came from */
};

struct sip_via {
	struct sip_str raw;		/* this via-parm */
	struct sip_str transport;	/* "UDP", "TCP", ... */
	struct sip_str host;		/* sent-by host (IPv6 without brackets) */
	int host_v6;
	uint16_t port;			/* 0 when absent */
	struct sip_str branch;
	struct sip_str received;
	int rport;			/* ;rport present */
	struct sip_str rport_val;
	int hdr;			/* index of the header line */
};

struct sip_hdr {
	enum sip_hdr_id id;
	struct sip_str name;
	struct sip_str value;		/* trimmed; may contain folded line breaks */
	const char *line;		/* raw header line including its CRLF */
	size_t line_len;
};

struct sip_msg {
	const char *buf;
	size_t len;			/* bytes of this message (start line .. body) */

	int request;			/* 1 request, 0 response */
	struct sip_str method;		/* request method, or the CSeq method for responses */
	enum sip_method method_id;
	struct sip_str ruri_raw;
	struct sip_uri ruri;
	int status;
	struct sip_str reason;

	struct sip_hdr hdrs[SIP_MAX_HDRS];
	int nhdrs;
	const char *hdr_end;		/* start of the empty line ending the headers */

	struct sip_via via[SIP_MAX_VIA];
	int nvia;
	struct sip_naddr from, to;
	int has_from, has_to;
	struct sip_str call_id;
	uint32_t cseq;
	int has_cseq;
	struct sip_str cseq_method;
	enum sip_method cseq_method_id;
	long max_forwards;		/* -1 when absent */
	long expires;			/* -1 when absent */
	struct sip_naddr contact[SIP_MAX_CONTACT];
	int ncontact;
	int contact_star;
	struct sip_naddr route[SIP_MAX_ROUTE];
	int nroute;
	struct sip_naddr rr[SIP_MAX_ROUTE];
	int nrr;
	long content_length;		/* -1 when absent */
	struct sip_str content_type;
	struct sip_str body;

	const char *err;		/* why parsing failed: the 400 reason phrase */
};

/*
 * Parse one message of exactly len bytes (a datagram, or one frame cut by
 * MSG_Frame). Returns 0, or -EINVAL with m->err set. After a failure m->nvia,
 * m->call_id, m->from... hold what was understood, so a 400 can still be built
 * when MSG_CanReply() says so.
 */
int MSG_Parse(struct sip_msg *m, const char *buf, size_t len);
/* m->err of a request whose SIP-Version is not 2.0: answered 505 */
extern const char MSG_ERR_VERSION[];
/* A failed request whose Via, From, To, Call-ID and CSeq were understood. */
int MSG_CanReply(const struct sip_msg *m);

/*
 * Stream framing (RFC 3261 §18.3): length of the first complete message in
 * buf (headers + Content-Length body), 0 when more bytes are needed,
 * -EMSGSIZE when it would exceed max, -EINVAL when the headers are unusable
 * (no Content-Length on a stream). *skip is set to the number of leading
 * CRLF keep-alive bytes to discard first.
 */
long MSG_Frame(const char *buf, size_t len, size_t max, size_t *skip);

int URI_Parse(struct sip_uri *u, const char *s, size_t len);
/* Parse a name-addr or addr-spec with header params into na. */
int MSG_ParseNaddr(struct sip_naddr *na, const char *s, size_t len);
/* Find a ;name[=value] parameter in a raw parameter list; 1 when found. */
int MSG_Param(struct sip_str params, const char *name, struct sip_str *val);

enum sip_method MSG_MethodId(const char *s, size_t len);
const char *MSG_MethodName(enum sip_method m);
/* An option tag among the comma-separated values of every header id (Supported, Require). */
int MSG_HasTag(const struct sip_msg *m, enum sip_hdr_id id, const char *tag);
/* Find the n-th (0-based) header with this id; NULL when absent. */
const struct sip_hdr *MSG_Header(const struct sip_msg *m, enum sip_hdr_id id, int n);

static inline int STR_Eq(struct sip_str a, struct sip_str b)
{
	return a.len == b.len && (a.len == 0 || __builtin_memcmp(a.s, b.s, a.len) == 0);
}
int STR_CaseEq(struct sip_str a, struct sip_str b);
int STR_CaseEqC(struct sip_str a, const char *c);
static inline struct sip_str STR_C(const char *c)
{
	struct sip_str s = { c, __builtin_strlen(c) };

	return s;
}

#endif /* KRTPD_SIP_MSG_H */
