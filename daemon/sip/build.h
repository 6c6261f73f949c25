/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Building SIP messages into bounded buffers: responses to a parsed
 * request (RFC 3261 §8.2.6), and the text helpers the proxy uses to copy and
 * edit header lines when it forwards.
 */
#ifndef KRTPD_SIP_BUILD_H
#define KRTPD_SIP_BUILD_H

#include <stddef.h>

#include "msg.h"

struct sip_buf {
	char *p;
	size_t len, cap;
	int overflow;			/* something did not fit: do not send */
};

static inline void SB_Init(struct sip_buf *b, char *p, size_t cap)
{
	b->p = p;
	b->len = 0;
	b->cap = cap;
	b->overflow = 0;
}

void SB_Add(struct sip_buf *b, const char *s, size_t len);
void SB_Str(struct sip_buf *b, struct sip_str s);
void SB_Addf(struct sip_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define SB_LIT(b, lit) SB_Add((b), (lit), sizeof(lit) - 1)

/* The Server header value and the methods krtpd accepts (Allow). */
#define SIP_SERVER "krtpd/0.1"
#define SIP_ALLOW "INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER, PRACK, UPDATE, INFO, SUBSCRIBE, NOTIFY, REFER, MESSAGE"

/*
 * Start a response to request m: status line, every Via, From, To (adding
 * to_tag when the To has none and to_tag is non-NULL), Call-ID, CSeq and
 * Server. The caller adds its own headers, then calls BLD_ResponseEnd.
 * Headers missing from m (a 400 to a broken request) are left out. With
 * src_ip (the address the request came from), the top Via gets received=
 * and a valueless rport its value, as the server transport adds them on
 * receipt (RFC 3261 §18.2.1, RFC 3581 §4); NULL copies the Vias unchanged.
 */
void BLD_ResponseStart(struct sip_buf *b, const struct sip_msg *m, int status,
		       const char *reason, const char *to_tag, const char *src_ip,
		       unsigned int src_port);

/*
 * m's top Via as one "Via:" line, with received= (when the sent-by host is
 * not src_ip, or rport was asked for) and rport=src_port (when rport has no
 * value) added. m must have a parsed Via.
 */
void BLD_TopVia(struct sip_buf *b, const struct sip_msg *m, const char *src_ip,
		unsigned int src_port);

/* The values of multi-value header line h that follow element `after`, as a new line. */
void BLD_RestOfLine(struct sip_buf *b, const struct sip_hdr *h, struct sip_str after,
		    const char *name);
/* Content-Length and the empty line, then the body (may be NULL). */
void BLD_ResponseEnd(struct sip_buf *b, const char *body, size_t len);

/* Default reason phrase for a status code. */
const char *BLD_Reason(int status);

/* A to-tag derived from the request, so retransmissions get the same tag. */
void BLD_ToTag(const struct sip_msg *m, char *out, size_t outsz);

#endif /* KRTPD_SIP_BUILD_H */
