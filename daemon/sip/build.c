// SPDX-License-Identifier: GPL-2.0
/*
 * SIP message building. Stateless.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../hash.h"
#include "build.h"

void SB_Add(struct sip_buf *b, const char *s, size_t len)
{
	if (b->overflow || len > b->cap - b->len) {
		b->overflow = 1;
		return;
	}
	memcpy(b->p + b->len, s, len);
	b->len += len;
}

void SB_Str(struct sip_buf *b, struct sip_str s)
{
	SB_Add(b, s.s, s.len);
}

void SB_Addf(struct sip_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->cap - b->len) {
		b->overflow = 1;
		return;
	}
	b->len += n;
}

const char *BLD_Reason(int status)
{
	switch (status) {
	case 100: return "Trying";
	case 180: return "Ringing";
	case 183: return "Session Progress";
	case 200: return "OK";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 407: return "Proxy Authentication Required";
	case 408: return "Request Timeout";
	case 413: return "Request Entity Too Large";
	case 416: return "Unsupported URI Scheme";
	case 420: return "Bad Extension";
	case 423: return "Interval Too Brief";
	case 430: return "Flow Failed";
	case 439: return "First Hop Lacks Outbound Support";
	case 480: return "Temporarily Unavailable";
	case 481: return "Call/Transaction Does Not Exist";
	case 482: return "Loop Detected";
	case 483: return "Too Many Hops";
	case 486: return "Busy Here";
	case 487: return "Request Terminated";
	case 488: return "Not Acceptable Here";
	case 500: return "Server Internal Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 504: return "Server Time-out";
	case 513: return "Message Too Large";
	default: return status < 200 ? "Progress" : status < 300 ? "OK" :
			status < 400 ? "Redirect" : status < 500 ? "Client Error" :
			status < 600 ? "Server Error" : "Global Failure";
	}
}

void BLD_ToTag(const struct sip_msg *m, char *out, size_t outsz)
{
	uint64_t h = HASH_Fnv(m->call_id.s, m->call_id.len);

	h = HASH_FnvAdd(h, m->from.tag.s, m->from.tag.len);
	if (m->nvia)
		h = HASH_FnvAdd(h, m->via[0].branch.s, m->via[0].branch.len);
	snprintf(out, outsz, "kr%016llx", (unsigned long long)h);
}

static void bld_copy_hdr(struct sip_buf *b, const struct sip_hdr *h)
{
	SB_Add(b, h->line, h->line_len);
	/* a header line ends with LF; bare-LF senders still get CRLF-free copies */
}

void BLD_TopVia(struct sip_buf *b, const struct sip_msg *m, const char *src_ip,
		unsigned int src_port)
{
	const struct sip_via *v = &m->via[0];
	struct sip_str rest = v->raw;

	SB_LIT(b, "Via: ");
	if (v->rport && !v->rport_val.len) {
		size_t pre = v->rport_val.s - v->raw.s;

		SB_Add(b, v->raw.s, pre);
		SB_Addf(b, "=%u", src_port);
		rest.s += pre;
		rest.len -= pre;
	}
	SB_Str(b, rest);
	if (!v->received.len && (v->rport || !STR_Eq(v->host, STR_C(src_ip))))
		SB_Addf(b, ";received=%s", src_ip);
	SB_LIT(b, "\r\n");
}

void BLD_RestOfLine(struct sip_buf *b, const struct sip_hdr *h, struct sip_str after,
		    const char *name)
{
	const char *p = after.s + after.len, *end = h->value.s + h->value.len;

	while (p < end && (*p == ',' || *p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	if (p >= end)
		return;
	SB_Addf(b, "%s: ", name);
	SB_Add(b, p, end - p);
	SB_LIT(b, "\r\n");
}

void BLD_ResponseStart(struct sip_buf *b, const struct sip_msg *m, int status,
		       const char *reason, const char *to_tag, const char *src_ip,
		       unsigned int src_port)
{
	int i;

	SB_Addf(b, "SIP/2.0 %d %s\r\n", status, reason ? reason : BLD_Reason(status));
	for (i = 0; i < m->nhdrs; i++) {
		const struct sip_hdr *h = &m->hdrs[i];

		switch (h->id) {
		case SIP_H_VIA:
			if (src_ip && m->nvia && m->via[0].hdr == i) {
				BLD_TopVia(b, m, src_ip, src_port);
				BLD_RestOfLine(b, h, m->via[0].raw, "Via");
				break;
			}
			bld_copy_hdr(b, h);
			break;
		case SIP_H_FROM:
		case SIP_H_CALL_ID:
		case SIP_H_CSEQ:
			bld_copy_hdr(b, h);
			break;
		case SIP_H_TO:
			if (!m->has_to || m->to.hdr != i) {
				bld_copy_hdr(b, h);
				break;
			}
			if (m->to.tag.s || !to_tag || status == 100) {
				bld_copy_hdr(b, h);
				break;
			}
			SB_LIT(b, "To: ");
			SB_Str(b, h->value);
			SB_Addf(b, ";tag=%s\r\n", to_tag);
			break;
		default:
			break;
		}
	}
	SB_LIT(b, "Server: " SIP_SERVER "\r\n");
}

void BLD_ResponseEnd(struct sip_buf *b, const char *body, size_t len)
{
	SB_Addf(b, "Content-Length: %zu\r\n\r\n", body ? len : 0);
	if (body)
		SB_Add(b, body, len);
}
