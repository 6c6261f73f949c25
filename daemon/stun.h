/* SPDX-License-Identifier: GPL-2.0 */
/*
 * STUN message codec (RFC 5389, whose wire format RFC 8489 keeps), shared by
 * the SIP keep-alive responder (sip/keepalive.c) and the ICE-lite responder
 * on media ports (media/ice.c). It reads and writes the bytes only; what a
 * message means is the caller's business.
 *
 * Reading: STUN_Parse checks what RFC 5389 §7.3 asks of every message (the
 * top two bits zero, the magic cookie, a length that is a multiple of 4 and
 * matches the datagram, attributes that fit it exactly); after that an
 * iterator walks the attributes and every value it hands out lies inside
 * the message. MESSAGE-INTEGRITY (§15.4) is HMAC-SHA1 from nettle, compared
 * in constant time; FINGERPRINT (§15.5) is zlib's CRC-32 XOR 0x5354554e.
 *
 * Writing: a struct stun_build appends attributes to a caller's buffer and
 * keeps the header's length field current, so MESSAGE-INTEGRITY and
 * FINGERPRINT, added last in that order, cover what they must. Running out
 * of room is sticky and makes STUN_BuildEnd return 0.
 *
 * No state, no locks: every function works on the buffers it is given and
 * may run on any thread.
 */
#ifndef KRTPD_STUN_H
#define KRTPD_STUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define STUN_HDR_LEN		20
#define STUN_TID_LEN		12
#define STUN_COOKIE		0x2112A442u
#define STUN_HMAC_LEN		20	/* MESSAGE-INTEGRITY value, HMAC-SHA1 */

/* message types: method and class together (§6) */
#define STUN_BINDING_REQUEST	0x0001
#define STUN_BINDING_INDICATION	0x0011
#define STUN_BINDING_SUCCESS	0x0101
#define STUN_BINDING_ERROR	0x0111

/* attributes (RFC 5389 §18.2, RFC 8445 §16.1) */
#define STUN_ATTR_MAPPED_ADDRESS	0x0001
#define STUN_ATTR_USERNAME		0x0006
#define STUN_ATTR_MESSAGE_INTEGRITY	0x0008
#define STUN_ATTR_ERROR_CODE		0x0009
#define STUN_ATTR_UNKNOWN_ATTRIBUTES	0x000a
#define STUN_ATTR_XOR_MAPPED_ADDRESS	0x0020
#define STUN_ATTR_PRIORITY		0x0024
#define STUN_ATTR_USE_CANDIDATE		0x0025
#define STUN_ATTR_SOFTWARE		0x8022
#define STUN_ATTR_FINGERPRINT		0x8028
#define STUN_ATTR_ICE_CONTROLLED	0x8029
#define STUN_ATTR_ICE_CONTROLLING	0x802a

/* 0x0000-0x7fff must be understood, or the request refused with 420 (§15) */
static inline bool STUN_AttrRequired(uint16_t type)
{
	return type < 0x8000;
}

/*
 * Could this datagram be STUN (first two bits zero, magic cookie at byte 4)?
 * Cheap enough for a demultiplexer; STUN_Parse says whether it is valid.
 */
bool STUN_IsStun(const uint8_t *buf, size_t len);

/* A message that passed STUN_Parse; buf is the caller's, not copied. */
struct stun_msg {
	const uint8_t *buf;
	size_t len;		/* header included */
	uint16_t type;		/* STUN_BINDING_REQUEST, ... */
	const uint8_t *tid;	/* STUN_TID_LEN bytes of buf */
};

/* 0 when buf holds exactly one well-formed STUN message, else -1. */
int STUN_Parse(struct stun_msg *m, const uint8_t *buf, size_t len);

struct stun_attr {
	uint16_t type;
	uint16_t len;		/* of the value, padding not counted */
	const uint8_t *val;	/* len bytes inside the message */
	size_t off;		/* where the attribute's header starts */
};

struct stun_iter {
	const struct stun_msg *m;
	size_t off;
};

static inline void STUN_IterInit(struct stun_iter *it, const struct stun_msg *m)
{
	it->m = m;
	it->off = STUN_HDR_LEN;
}

/* The next attribute into *a; false at the end (or if one would not fit). */
bool STUN_IterNext(struct stun_iter *it, struct stun_attr *a);

/* The first attribute of that type; false when there is none. */
bool STUN_Find(const struct stun_msg *m, uint16_t type, struct stun_attr *a);

/*
 * Is fp (an attribute of m) a FINGERPRINT that is the last attribute and
 * holds the CRC-32 of everything before it?
 */
bool STUN_FingerprintOk(const struct stun_msg *m, const struct stun_attr *fp);

/*
 * Is mi (an attribute of m) a MESSAGE-INTEGRITY holding the HMAC-SHA1, with
 * key, of the message up to mi, its length field counting mi as the last
 * attribute (§15.4)? For short-term credentials the key is the password.
 */
bool STUN_IntegrityOk(const struct stun_msg *m, const struct stun_attr *mi,
		      const void *key, size_t keylen);

/*
 * Read a XOR-MAPPED-ADDRESS value (IPv4 or IPv6) of message m into *ss.
 * -1 when the value is malformed.
 */
int STUN_GetXorAddress(const struct stun_msg *m, const struct stun_attr *a,
		       struct sockaddr_storage *ss);

struct stun_build {
	uint8_t *buf;
	size_t size;		/* of buf */
	size_t len;		/* bytes written so far, header included */
	bool full;		/* something did not fit: the message is void */
	/* written into padding: 0, unless the bytes must match a peer's (RFC 5769 pads with spaces) */
	uint8_t pad;
};

/* Start a message of that type with transaction ID tid (STUN_TID_LEN bytes). */
void STUN_BuildInit(struct stun_build *b, uint8_t *buf, size_t size, uint16_t type,
		    const uint8_t *tid);
void STUN_AddAttr(struct stun_build *b, uint16_t type, const void *val, uint16_t len);
/* XOR-MAPPED-ADDRESS (or another type with that layout) of an AF_INET/AF_INET6 address */
void STUN_AddXorAddress(struct stun_build *b, uint16_t type, const struct sockaddr_storage *ss);
/* ERROR-CODE: code 300..699 and a reason phrase (§15.6) */
void STUN_AddErrorCode(struct stun_build *b, int code, const char *reason);
/* MESSAGE-INTEGRITY over what was written so far; add FINGERPRINT only after it */
void STUN_AddIntegrity(struct stun_build *b, const void *key, size_t keylen);
void STUN_AddFingerprint(struct stun_build *b);
/* The message's length, or 0 when it did not fit in the buffer. */
size_t STUN_BuildEnd(const struct stun_build *b);

#endif /* KRTPD_STUN_H */
