// SPDX-License-Identifier: GPL-2.0
/*
 * STUN message codec; see stun.h. Every read is bounded by the message
 * length STUN_Parse validated, and every write by the builder's buffer.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include <nettle/hmac.h>
#include <nettle/memops.h>
#include <zlib.h>

#include "stun.h"

#define STUN_FP_XOR	0x5354554eu	/* §15.5: keeps FINGERPRINT apart from other CRCs */

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

bool STUN_IsStun(const uint8_t *buf, size_t len)
{
	return len >= STUN_HDR_LEN && !(buf[0] & 0xc0) && get32(buf + 4) == STUN_COOKIE;
}

int STUN_Parse(struct stun_msg *m, const uint8_t *buf, size_t len)
{
	size_t off = STUN_HDR_LEN;

	if (!STUN_IsStun(buf, len) || (len & 3) || get16(buf + 2) != len - STUN_HDR_LEN)
		return -1;
	/* every attribute header and padded value must fit, and end exactly at len */
	while (off < len) {
		if (len - off < 4 || pad4(get16(buf + off + 2)) > len - off - 4)
			return -1;
		off += 4 + pad4(get16(buf + off + 2));
	}
	m->buf = buf;
	m->len = len;
	m->type = get16(buf);
	m->tid = buf + 8;
	return 0;
}

bool STUN_IterNext(struct stun_iter *it, struct stun_attr *a)
{
	const uint8_t *buf = it->m->buf;
	size_t len = it->m->len, off = it->off;

	/* STUN_Parse checked this already; checked again so no caller can overrun */
	if (off >= len || len - off < 4 || pad4(get16(buf + off + 2)) > len - off - 4)
		return false;
	a->type = get16(buf + off);
	a->len = get16(buf + off + 2);
	a->val = buf + off + 4;
	a->off = off;
	it->off = off + 4 + pad4(a->len);
	return true;
}

bool STUN_Find(const struct stun_msg *m, uint16_t type, struct stun_attr *a)
{
	struct stun_iter it;

	STUN_IterInit(&it, m);
	while (STUN_IterNext(&it, a))
		if (a->type == type)
			return true;
	return false;
}

static uint32_t stun_crc(const uint8_t *buf, size_t len)
{
	return (uint32_t)crc32(0L, buf, (uInt)len) ^ STUN_FP_XOR;
}

bool STUN_FingerprintOk(const struct stun_msg *m, const struct stun_attr *fp)
{
	/* last attribute: the length field already counts it, as §15.5 wants */
	return fp->type == STUN_ATTR_FINGERPRINT && fp->len == 4 && fp->off + 8 == m->len &&
	       get32(fp->val) == stun_crc(m->buf, fp->off);
}

/*
 * HMAC-SHA1 of buf[0..end) as if the header's length field said hdrlen:
 * the header is hashed from a copy so the caller's bytes stay untouched.
 */
static void stun_hmac(const uint8_t *buf, size_t end, uint16_t hdrlen, const void *key,
		      size_t keylen, uint8_t digest[STUN_HMAC_LEN])
{
	struct hmac_sha1_ctx ctx;
	uint8_t hdr[STUN_HDR_LEN];

	memcpy(hdr, buf, STUN_HDR_LEN);
	put16(hdr + 2, hdrlen);
	hmac_sha1_set_key(&ctx, keylen, key);
	hmac_sha1_update(&ctx, STUN_HDR_LEN, hdr);
	hmac_sha1_update(&ctx, end - STUN_HDR_LEN, buf + STUN_HDR_LEN);
	hmac_sha1_digest(&ctx, STUN_HMAC_LEN, digest);
}

bool STUN_IntegrityOk(const struct stun_msg *m, const struct stun_attr *mi,
		      const void *key, size_t keylen)
{
	uint8_t want[STUN_HMAC_LEN];

	if (mi->type != STUN_ATTR_MESSAGE_INTEGRITY || mi->len != STUN_HMAC_LEN)
		return false;
	/* §15.4: the length counts up to and including MESSAGE-INTEGRITY */
	stun_hmac(m->buf, mi->off, (uint16_t)(mi->off + 4 + STUN_HMAC_LEN - STUN_HDR_LEN),
		  key, keylen, want);
	return memeql_sec(want, mi->val, STUN_HMAC_LEN);
}

int STUN_GetXorAddress(const struct stun_msg *m, const struct stun_attr *a,
		       struct sockaddr_storage *ss)
{
	uint16_t port;
	int i;

	if (a->len < 4)
		return -1;
	port = get16(a->val + 2) ^ (STUN_COOKIE >> 16);
	memset(ss, 0, sizeof(*ss));
	if (a->val[1] == 0x01 && a->len == 8) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		s4->sin_addr.s_addr = htonl(get32(a->val + 4) ^ STUN_COOKIE);
		return 0;
	}
	if (a->val[1] == 0x02 && a->len == 20) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		/* XOR with the cookie and the transaction ID: bytes 4..19 of the header */
		for (i = 0; i < 16; i++)
			s6->sin6_addr.s6_addr[i] = a->val[4 + i] ^ m->buf[4 + i];
		return 0;
	}
	return -1;
}

void STUN_BuildInit(struct stun_build *b, uint8_t *buf, size_t size, uint16_t type,
		    const uint8_t *tid)
{
	b->buf = buf;
	b->size = size;
	b->len = STUN_HDR_LEN;
	b->pad = 0;
	b->full = size < STUN_HDR_LEN;
	if (b->full)
		return;
	put16(buf, type);
	put16(buf + 2, 0);
	put32(buf + 4, STUN_COOKIE);
	memcpy(buf + 8, tid, STUN_TID_LEN);
}

/* Room for an attribute with a value of len bytes; its value, or NULL. */
static uint8_t *stun_reserve(struct stun_build *b, uint16_t type, uint16_t len)
{
	size_t need = 4 + pad4(len);
	uint8_t *p;

	if (b->full || b->size - b->len < need || b->len + need - STUN_HDR_LEN > 0xffff) {
		b->full = true;
		return NULL;
	}
	p = b->buf + b->len;
	put16(p, type);
	put16(p + 2, len);
	memset(p + 4 + len, b->pad, pad4(len) - len);
	b->len += need;
	/* keep the header current: integrity and fingerprint depend on it */
	put16(b->buf + 2, (uint16_t)(b->len - STUN_HDR_LEN));
	return p + 4;
}

void STUN_AddAttr(struct stun_build *b, uint16_t type, const void *val, uint16_t len)
{
	uint8_t *p = stun_reserve(b, type, len);

	if (p && len)
		memcpy(p, val, len);
}

void STUN_AddXorAddress(struct stun_build *b, uint16_t type, const struct sockaddr_storage *ss)
{
	uint8_t *p;
	int i;

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		p = stun_reserve(b, type, 8);
		if (!p)
			return;
		put16(p, 0x0001);
		put16(p + 2, ntohs(s4->sin_port) ^ (STUN_COOKIE >> 16));
		put32(p + 4, ntohl(s4->sin_addr.s_addr) ^ STUN_COOKIE);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		p = stun_reserve(b, type, 20);
		if (!p)
			return;
		put16(p, 0x0002);
		put16(p + 2, ntohs(s6->sin6_port) ^ (STUN_COOKIE >> 16));
		for (i = 0; i < 16; i++)
			p[4 + i] = s6->sin6_addr.s6_addr[i] ^ b->buf[4 + i];
	} else {
		b->full = true;		/* no address to give: the message is void */
	}
}

void STUN_AddErrorCode(struct stun_build *b, int code, const char *reason)
{
	size_t rlen = strlen(reason);
	uint8_t *p;

	if (code < 300 || code > 699 || rlen > 763) {
		b->full = true;
		return;
	}
	p = stun_reserve(b, STUN_ATTR_ERROR_CODE, (uint16_t)(4 + rlen));
	if (!p)
		return;
	/* 21 zero bits, the class (hundreds) in 3 bits, the number in 8 */
	put16(p, 0);
	p[2] = (uint8_t)(code / 100);
	p[3] = (uint8_t)(code % 100);
	memcpy(p + 4, reason, rlen);
}

void STUN_AddIntegrity(struct stun_build *b, const void *key, size_t keylen)
{
	size_t at = b->len;
	uint8_t *p = stun_reserve(b, STUN_ATTR_MESSAGE_INTEGRITY, STUN_HMAC_LEN);

	/* the header's length already counts MESSAGE-INTEGRITY, as §15.4 wants */
	if (p)
		stun_hmac(b->buf, at, get16(b->buf + 2), key, keylen, p);
}

void STUN_AddFingerprint(struct stun_build *b)
{
	size_t at = b->len;
	uint8_t *p = stun_reserve(b, STUN_ATTR_FINGERPRINT, 4);

	if (p)
		put32(p, stun_crc(b->buf, at));
}

size_t STUN_BuildEnd(const struct stun_build *b)
{
	return b->full ? 0 : b->len;
}
