// SPDX-License-Identifier: GPL-2.0
/*
 * The STUN codec (daemon/stun.c) and the ICE-lite responder
 * (daemon/media/ice.c):
 *   - RFC 5769 §2.1, §2.2 and §2.3: each vector parses, its FINGERPRINT and
 *     MESSAGE-INTEGRITY (password VOkJxbRl1RmTxUk/WvJxBt) check, a wrong
 *     password or one flipped bit fails them, the addresses read back as
 *     192.0.2.1:32853 and [2001:db8:1234:5678:11:2233:4455:6677]:32853, and
 *     the builder writes all three byte for byte;
 *   - malformed messages (bad length, cookie, overrun, truncation) refused;
 *   - ICE-lite: a good check gets a success response whose
 *     XOR-MAPPED-ADDRESS is the sender (IPv4 and IPv6), authenticated with
 *     the local password and fingerprinted; USE-CANDIDATE nominates, unless
 *     it comes after MESSAGE-INTEGRITY; wrong ufrag or password and a
 *     tampered byte get 401 without integrity; missing USERNAME or
 *     MESSAGE-INTEGRITY 400; missing PRIORITY 400 with integrity; an
 *     unknown comprehension-required attribute 420 naming it; ICE-CONTROLLED
 *     (the RFC 5769 request itself) 487; no FINGERPRINT, a wrong one, a
 *     truncated message, an attribute overrunning the message, an
 *     indication or a response: no answer.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "stun.h"
#include "media/ice.h"
#include "check.h"
#include "stun5769.h"

static int same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET)
		return !memcmp(&((const struct sockaddr_in *)a)->sin_addr,
			       &((const struct sockaddr_in *)b)->sin_addr, 4) &&
		       ((const struct sockaddr_in *)a)->sin_port ==
		       ((const struct sockaddr_in *)b)->sin_port;
	return !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		       &((const struct sockaddr_in6 *)b)->sin6_addr, 16) &&
	       ((const struct sockaddr_in6 *)a)->sin6_port ==
	       ((const struct sockaddr_in6 *)b)->sin6_port;
}

/* parse buf and check its FINGERPRINT and (when pwd) MESSAGE-INTEGRITY */
static int vector_ok(const uint8_t *buf, size_t len, const char *pwd)
{
	struct stun_msg m;
	struct stun_attr fp, mi;

	if (STUN_Parse(&m, buf, len) || !STUN_Find(&m, STUN_ATTR_FINGERPRINT, &fp) ||
	    !STUN_FingerprintOk(&m, &fp))
		return 0;
	if (!pwd)
		return 1;
	return STUN_Find(&m, STUN_ATTR_MESSAGE_INTEGRITY, &mi) &&
	       STUN_IntegrityOk(&m, &mi, pwd, strlen(pwd));
}

static void test_vectors(void)
{
	struct sockaddr_storage ss, want;
	struct stun_msg m;
	struct stun_attr a;
	uint8_t bad[sizeof(req5769)];

	CHECK(vector_ok(req5769, sizeof(req5769), PWD5769));
	CHECK(vector_ok(resp5769_v4, sizeof(resp5769_v4), PWD5769));
	CHECK(vector_ok(resp5769_v6, sizeof(resp5769_v6), PWD5769));
	CHECK(!vector_ok(req5769, sizeof(req5769), "VOkJxbRl1RmTxUk/WvJxBu"));
	CHECK(!vector_ok(resp5769_v4, sizeof(resp5769_v4), "wrong"));

	/* one bit flipped in PRIORITY: FINGERPRINT fails, and so would MESSAGE-INTEGRITY */
	memcpy(bad, req5769, sizeof(bad));
	bad[47] ^= 1;
	CHECK(!vector_ok(bad, sizeof(bad), NULL));
	CHECK_EQ(STUN_Parse(&m, bad, sizeof(bad)), 0);
	CHECK(STUN_Find(&m, STUN_ATTR_MESSAGE_INTEGRITY, &a));
	CHECK(!STUN_IntegrityOk(&m, &a, PWD5769, strlen(PWD5769)));

	/* the addresses RFC 5769 says are mapped */
	CHECK_EQ(STUN_Parse(&m, resp5769_v4, sizeof(resp5769_v4)), 0);
	CHECK_EQ(m.type, STUN_BINDING_SUCCESS);
	CHECK(STUN_Find(&m, STUN_ATTR_XOR_MAPPED_ADDRESS, &a));
	CHECK_EQ(STUN_GetXorAddress(&m, &a, &ss), 0);
	sa4(&want, "192.0.2.1", 32853);
	CHECK(same_addr(&ss, &want));
	CHECK_EQ(STUN_Parse(&m, resp5769_v6, sizeof(resp5769_v6)), 0);
	CHECK(STUN_Find(&m, STUN_ATTR_XOR_MAPPED_ADDRESS, &a));
	CHECK_EQ(STUN_GetXorAddress(&m, &a, &ss), 0);
	sa6(&want, "2001:db8:1234:5678:11:2233:4455:6677", 32853);
	CHECK(same_addr(&ss, &want));

	/* the request's attributes, in order */
	CHECK_EQ(STUN_Parse(&m, req5769, sizeof(req5769)), 0);
	CHECK(STUN_Find(&m, STUN_ATTR_USERNAME, &a));
	CHECK(a.len == 9 && !memcmp(a.val, "evtj:h6vY", 9));
	CHECK(STUN_Find(&m, STUN_ATTR_PRIORITY, &a));
	CHECK(a.len == 4 && a.val[0] == 0x6e && a.val[3] == 0xff);
	CHECK(!STUN_Find(&m, STUN_ATTR_USE_CANDIDATE, &a));
}

/* The builder writes the three vectors byte for byte (RFC 5769 pads with spaces). */
static void test_build_vectors(void)
{
	static const uint8_t prio[] = { 0x6e, 0x00, 0x01, 0xff };
	static const uint8_t tie[] = { 0x93, 0x2f, 0xf9, 0xb1, 0x51, 0x26, 0x3b, 0x36 };
	struct sockaddr_storage ss;
	struct stun_build b;
	uint8_t out[128];

	STUN_BuildInit(&b, out, sizeof(out), STUN_BINDING_REQUEST, req5769 + 8);
	b.pad = ' ';
	STUN_AddAttr(&b, STUN_ATTR_SOFTWARE, "STUN test client", 16);
	STUN_AddAttr(&b, STUN_ATTR_PRIORITY, prio, 4);
	STUN_AddAttr(&b, STUN_ATTR_ICE_CONTROLLED, tie, 8);
	STUN_AddAttr(&b, STUN_ATTR_USERNAME, "evtj:h6vY", 9);
	STUN_AddIntegrity(&b, PWD5769, strlen(PWD5769));
	STUN_AddFingerprint(&b);
	CHECK_EQ(STUN_BuildEnd(&b), sizeof(req5769));
	CHECK(!memcmp(out, req5769, sizeof(req5769)));

	sa4(&ss, "192.0.2.1", 32853);
	STUN_BuildInit(&b, out, sizeof(out), STUN_BINDING_SUCCESS, req5769 + 8);
	b.pad = ' ';
	STUN_AddAttr(&b, STUN_ATTR_SOFTWARE, "test vector", 11);
	STUN_AddXorAddress(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, &ss);
	STUN_AddIntegrity(&b, PWD5769, strlen(PWD5769));
	STUN_AddFingerprint(&b);
	CHECK_EQ(STUN_BuildEnd(&b), sizeof(resp5769_v4));
	CHECK(!memcmp(out, resp5769_v4, sizeof(resp5769_v4)));

	sa6(&ss, "2001:db8:1234:5678:11:2233:4455:6677", 32853);
	STUN_BuildInit(&b, out, sizeof(out), STUN_BINDING_SUCCESS, req5769 + 8);
	b.pad = ' ';
	STUN_AddAttr(&b, STUN_ATTR_SOFTWARE, "test vector", 11);
	STUN_AddXorAddress(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, &ss);
	STUN_AddIntegrity(&b, PWD5769, strlen(PWD5769));
	STUN_AddFingerprint(&b);
	CHECK_EQ(STUN_BuildEnd(&b), sizeof(resp5769_v6));
	CHECK(!memcmp(out, resp5769_v6, sizeof(resp5769_v6)));

	/* too small a buffer: nothing half-written is handed out */
	STUN_BuildInit(&b, out, 40, STUN_BINDING_SUCCESS, req5769 + 8);
	STUN_AddXorAddress(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, &ss);
	STUN_AddIntegrity(&b, PWD5769, strlen(PWD5769));
	CHECK_EQ(STUN_BuildEnd(&b), 0);
}

static void test_malformed(void)
{
	struct stun_msg m;
	uint8_t bad[sizeof(req5769)];

	CHECK(STUN_IsStun(req5769, sizeof(req5769)));
	CHECK(!STUN_IsStun((const uint8_t *)"OPTIONS sip:a SIP/2.0\r\n", 23));
	CHECK(!STUN_IsStun(req5769, 19));
	CHECK_EQ(STUN_Parse(&m, req5769, sizeof(req5769) - 4), -1);	/* length field says more */
	CHECK_EQ(STUN_Parse(&m, req5769, 26), -1);			/* cut inside an attribute */
	memcpy(bad, req5769, sizeof(bad));
	bad[4] ^= 0x01;							/* cookie */
	CHECK_EQ(STUN_Parse(&m, bad, sizeof(bad)), -1);
	memcpy(bad, req5769, sizeof(bad));
	bad[0] = 0xc0;							/* top bits: not STUN */
	CHECK_EQ(STUN_Parse(&m, bad, sizeof(bad)), -1);
	memcpy(bad, req5769, sizeof(bad));
	bad[23] = 0xf0;							/* SOFTWARE overruns */
	CHECK_EQ(STUN_Parse(&m, bad, sizeof(bad)), -1);
	memcpy(bad, req5769, sizeof(bad));
	bad[3] = 0x57;							/* not a multiple of 4 */
	CHECK_EQ(STUN_Parse(&m, bad, sizeof(bad) - 1), -1);
	/* header plus 4 bytes: an attribute header with no room for its value */
	memcpy(bad, req5769, 24);
	bad[2] = 0;
	bad[3] = 4;
	CHECK_EQ(STUN_Parse(&m, bad, 24), -1);
}

/* What an ICE check carries; each field can be left out or spoiled. */
struct chk {
	const char *user, *pwd;
	int no_prio, controlled, controlling, use_cand, late_use_cand, no_mi, no_fp;
	uint16_t extra;		/* another attribute, 4 zero bytes, before MI */
};

static const uint8_t tid[STUN_TID_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };

static size_t mkreq(uint8_t *buf, size_t size, const struct chk *c)
{
	static const uint8_t prio[4] = { 0x6e, 0x00, 0x01, 0xff };
	static const uint8_t tie[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	static const uint8_t zero[4];
	struct stun_build b;

	STUN_BuildInit(&b, buf, size, STUN_BINDING_REQUEST, tid);
	STUN_AddAttr(&b, STUN_ATTR_USERNAME, c->user, (uint16_t)strlen(c->user));
	if (!c->no_prio)
		STUN_AddAttr(&b, STUN_ATTR_PRIORITY, prio, 4);
	if (c->controlling)
		STUN_AddAttr(&b, STUN_ATTR_ICE_CONTROLLING, tie, 8);
	if (c->controlled)
		STUN_AddAttr(&b, STUN_ATTR_ICE_CONTROLLED, tie, 8);
	if (c->use_cand)
		STUN_AddAttr(&b, STUN_ATTR_USE_CANDIDATE, NULL, 0);
	if (c->extra)
		STUN_AddAttr(&b, c->extra, zero, 4);
	if (!c->no_mi)
		STUN_AddIntegrity(&b, c->pwd, strlen(c->pwd));
	if (c->late_use_cand)
		STUN_AddAttr(&b, STUN_ATTR_USE_CANDIDATE, NULL, 0);
	if (!c->no_fp)
		STUN_AddFingerprint(&b);
	return STUN_BuildEnd(&b);
}

/* Put a correct FINGERPRINT back on a message whose bytes a test changed. */
static void refingerprint(uint8_t *buf, size_t len)
{
	struct stun_build b = { .buf = buf, .size = len, .len = len - 8 };

	STUN_AddFingerprint(&b);
}

/* The answer out[0..n): its error code (0 for a success), -1 when it is broken. */
static int answer_code(const uint8_t *out, size_t n, int *has_mi, const char *pwd)
{
	struct stun_msg m;
	struct stun_attr a;

	*has_mi = 0;
	if (STUN_Parse(&m, out, n) || memcmp(m.tid, tid, STUN_TID_LEN) ||
	    !STUN_Find(&m, STUN_ATTR_FINGERPRINT, &a) || !STUN_FingerprintOk(&m, &a))
		return -1;
	if (STUN_Find(&m, STUN_ATTR_MESSAGE_INTEGRITY, &a)) {
		if (!STUN_IntegrityOk(&m, &a, pwd, strlen(pwd)))
			return -1;
		*has_mi = 1;
	}
	if (m.type == STUN_BINDING_SUCCESS)
		return 0;
	if (m.type != STUN_BINDING_ERROR || !STUN_Find(&m, STUN_ATTR_ERROR_CODE, &a) || a.len < 4)
		return -1;
	return a.val[2] * 100 + a.val[3];
}

#define LFRAG	"kRtP"
#define LPWD	"asd88fgpdd777uzjYhagZg0123"
#define RFRAG	"Brws"

/* Run a check; *code is the answer's (see answer_code), -2 when dropped. */
static enum ice_verdict run(const struct chk *c, const char *rfrag, int *code, int *has_mi)
{
	struct sockaddr_storage src;
	uint8_t req[512], out[ICE_ANSWER_MAX];
	size_t n = mkreq(req, sizeof(req), c), olen = 99;
	enum ice_verdict v;

	sa4(&src, "198.51.100.7", 50000);
	v = ICE_LiteAnswer(req, n, &src, LFRAG, LPWD, rfrag, out, &olen);
	*code = v == ICE_DROP ? -2 : answer_code(out, olen, has_mi, LPWD);
	if (v == ICE_DROP && olen != 0)
		*code = -3;	/* a drop must not report an answer */
	return v;
}

static void test_ice_success(void)
{
	struct chk c = { .user = LFRAG ":" RFRAG, .pwd = LPWD, .controlling = 1 };
	struct sockaddr_storage src, got;
	struct stun_msg m;
	struct stun_attr a;
	uint8_t req[512], out[ICE_ANSWER_MAX];
	size_t n, olen;
	int code, mi;

	/* IPv4: the answer maps the sender, authenticated with our password */
	n = mkreq(req, sizeof(req), &c);
	sa4(&src, "198.51.100.7", 50000);
	CHECK_EQ(ICE_LiteAnswer(req, n, &src, LFRAG, LPWD, RFRAG, out, &olen), ICE_REPLY);
	CHECK_EQ(answer_code(out, olen, &mi, LPWD), 0);
	CHECK_EQ(mi, 1);
	CHECK_EQ(STUN_Parse(&m, out, olen), 0);
	CHECK(STUN_Find(&m, STUN_ATTR_XOR_MAPPED_ADDRESS, &a));
	CHECK_EQ(STUN_GetXorAddress(&m, &a, &got), 0);
	CHECK(same_addr(&got, &src));
	CHECK_EQ(olen, 20 + 12 + 24 + 8);
	CHECK(olen <= ICE_ANSWER_MAX);

	/* IPv6 */
	sa6(&src, "2001:db8::7", 40000);
	CHECK_EQ(ICE_LiteAnswer(req, n, &src, LFRAG, LPWD, RFRAG, out, &olen), ICE_REPLY);
	CHECK_EQ(STUN_Parse(&m, out, olen), 0);
	CHECK(STUN_Find(&m, STUN_ATTR_XOR_MAPPED_ADDRESS, &a));
	CHECK_EQ(STUN_GetXorAddress(&m, &a, &got), 0);
	CHECK(same_addr(&got, &src));
	CHECK_EQ(olen, 20 + 24 + 24 + 8);

	/* a remote ufrag not known yet (NULL, or an SDP's empty one): any */
	CHECK_EQ(run(&c, NULL, &code, &mi), ICE_REPLY);
	CHECK_EQ(code, 0);
	CHECK_EQ(run(&c, "", &code, &mi), ICE_REPLY);
	CHECK_EQ(code, 0);
	/* no role attribute at all (an RFC 5245-era agent): no conflict detectable */
	c.controlling = 0;
	CHECK_EQ(run(&c, RFRAG, &code, &mi), ICE_REPLY);
	CHECK_EQ(code, 0);
	/* a comprehension-optional attribute we do not know is skipped */
	c.controlling = 1;
	c.extra = 0xc057;
	CHECK_EQ(run(&c, RFRAG, &code, &mi), ICE_REPLY);
	CHECK_EQ(code, 0);
}

static void test_ice_nominate(void)
{
	struct chk c = { .user = LFRAG ":" RFRAG, .pwd = LPWD, .controlling = 1, .use_cand = 1 };
	int code, mi;

	CHECK_EQ(run(&c, RFRAG, &code, &mi), ICE_REPLY_NOMINATED);
	CHECK_EQ(code, 0);
	/* after MESSAGE-INTEGRITY it is not authenticated: ignored */
	c.use_cand = 0;
	c.late_use_cand = 1;
	CHECK_EQ(run(&c, RFRAG, &code, &mi), ICE_REPLY);
	CHECK_EQ(code, 0);
}

static void test_ice_auth(void)
{
	struct chk c = { .user = LFRAG ":" RFRAG, .pwd = LPWD, .controlling = 1 };
	struct sockaddr_storage src;
	uint8_t req[512], out[ICE_ANSWER_MAX];
	size_t n, olen;
	int code, mi;

	c.user = "nope:" RFRAG;
	CHECK_EQ(run(&c, RFRAG, &code, &mi), ICE_REPLY);
	CHECK_EQ(code, 401);
	CHECK_EQ(mi, 0);
	c.user = LFRAG ":other";
	CHECK_EQ(run(&c, RFRAG, &code, &mi), ICE_REPLY);
	CHECK_EQ(code, 401);
	c.user = LFRAG "x:" RFRAG;	/* our ufrag as a prefix only */
	CHECK_EQ(run(&c, RFRAG, &code, &mi), ICE_REPLY);
	CHECK_EQ(code, 401);
	c.user = LFRAG ":";		/* no remote ufrag at all */
	CHECK_EQ(run(&c, NULL, &code, &mi), ICE_REPLY);
	CHECK_EQ(code, 401);
	CHECK_EQ(run(&c, "", &code, &mi), ICE_REPLY);
	CHECK_EQ(code, 401);

	c.user = LFRAG ":" RFRAG;
	c.pwd = "not-the-password";
	CHECK_EQ(run(&c, RFRAG, &code, &mi), ICE_REPLY);
	CHECK_EQ(code, 401);
	CHECK_EQ(mi, 0);

	/* one byte of PRIORITY changed, FINGERPRINT made right again: 401 */
	c.pwd = LPWD;
	n = mkreq(req, sizeof(req), &c);
	req[20 + 4 + 12 + 4] ^= 0x40;	/* after USERNAME "kRtP:Brws" (9 -> 12) */
	refingerprint(req, n);
	sa4(&src, "198.51.100.7", 50000);
	CHECK_EQ(ICE_LiteAnswer(req, n, &src, LFRAG, LPWD, RFRAG, out, &olen), ICE_REPLY);
	CHECK_EQ(answer_code(out, olen, &mi, LPWD), 401);
	CHECK_EQ(mi, 0);
	/* the same without fixing FINGERPRINT: not ours, dropped */
	n = mkreq(req, sizeof(req), &c);
	req[20 + 4 + 12 + 4] ^= 0x40;
	CHECK_EQ(ICE_LiteAnswer(req, n, &src, LFRAG, LPWD, RFRAG, out, &olen), ICE_DROP);
	CHECK_EQ(olen, 0);

	/* missing USERNAME: 400 without integrity */
	c.user = "";
	n = mkreq(req, sizeof(req), &c);
	/* drop the (empty) USERNAME: move the rest 4 bytes up and fix lengths */
	memmove(req + 20, req + 24, n - 24);
	n -= 4;
	req[3] = (uint8_t)(n - 20);
	/* MESSAGE-INTEGRITY is now wrong too; a 400 comes first all the same */
	refingerprint(req, n);
	CHECK_EQ(ICE_LiteAnswer(req, n, &src, LFRAG, LPWD, RFRAG, out, &olen), ICE_REPLY);
	CHECK_EQ(answer_code(out, olen, &mi, LPWD), 400);
	CHECK_EQ(mi, 0);

	/* missing MESSAGE-INTEGRITY: 400 without integrity */
	c.user = LFRAG ":" RFRAG;
	c.no_mi = 1;
	CHECK_EQ(run(&c, RFRAG, &code, &mi), ICE_REPLY);
	CHECK_EQ(code, 400);
	CHECK_EQ(mi, 0);
}

static void test_ice_errors(void)
{
	struct chk c = { .user = LFRAG ":" RFRAG, .pwd = LPWD, .controlling = 1 };
	struct sockaddr_storage src;
	struct stun_msg m;
	struct stun_attr a;
	uint8_t out[ICE_ANSWER_MAX];
	size_t olen;
	int code, mi;

	/* no PRIORITY: 400, authenticated */
	c.no_prio = 1;
	CHECK_EQ(run(&c, RFRAG, &code, &mi), ICE_REPLY);
	CHECK_EQ(code, 400);
	CHECK_EQ(mi, 1);
	c.no_prio = 0;

	/* both roles claimed: 400 */
	c.controlled = 1;
	CHECK_EQ(run(&c, RFRAG, &code, &mi), ICE_REPLY);
	CHECK_EQ(code, 400);

	/* the peer thinks it is controlled too: 487, we stay controlled */
	c.controlling = 0;
	c.use_cand = 1;
	CHECK_EQ(run(&c, RFRAG, &code, &mi), ICE_REPLY);
	CHECK_EQ(code, 487);
	CHECK_EQ(mi, 1);

	/* the RFC 5769 request is such a check (evtj:h6vY, ICE-CONTROLLED) */
	sa4(&src, "192.0.2.1", 32853);
	CHECK_EQ(ICE_LiteAnswer(req5769, sizeof(req5769), &src, "evtj", PWD5769, "h6vY",
				out, &olen), ICE_REPLY);
	CHECK_EQ(STUN_Parse(&m, out, olen), 0);
	CHECK_EQ(m.type, STUN_BINDING_ERROR);
	CHECK(!memcmp(m.tid, req5769 + 8, STUN_TID_LEN));
	CHECK(STUN_Find(&m, STUN_ATTR_ERROR_CODE, &a));
	CHECK(a.len >= 4 && a.val[2] == 4 && a.val[3] == 87);
	CHECK(STUN_Find(&m, STUN_ATTR_MESSAGE_INTEGRITY, &a));
	CHECK(STUN_IntegrityOk(&m, &a, PWD5769, strlen(PWD5769)));
	CHECK(STUN_Find(&m, STUN_ATTR_FINGERPRINT, &a));
	CHECK(STUN_FingerprintOk(&m, &a));

	/* an unknown comprehension-required attribute: 420 naming it */
	c.controlled = 0;
	c.controlling = 1;
	c.use_cand = 0;
	c.extra = 0x0031;
	{
		uint8_t req[512];
		size_t n = mkreq(req, sizeof(req), &c);

		sa4(&src, "198.51.100.7", 50000);
		CHECK_EQ(ICE_LiteAnswer(req, n, &src, LFRAG, LPWD, RFRAG, out, &olen), ICE_REPLY);
		CHECK_EQ(answer_code(out, olen, &mi, LPWD), 420);
		CHECK_EQ(mi, 1);
		CHECK_EQ(STUN_Parse(&m, out, olen), 0);
		CHECK(STUN_Find(&m, STUN_ATTR_UNKNOWN_ATTRIBUTES, &a));
		CHECK(a.len == 2 && a.val[0] == 0x00 && a.val[1] == 0x31);
	}
}

static void test_ice_drop(void)
{
	struct chk c = { .user = LFRAG ":" RFRAG, .pwd = LPWD, .controlling = 1 };
	struct sockaddr_storage src;
	uint8_t req[512], out[ICE_ANSWER_MAX];
	size_t n, olen;
	int code, mi;

	c.no_fp = 1;
	CHECK_EQ(run(&c, RFRAG, &code, &mi), ICE_DROP);
	CHECK_EQ(code, -2);
	c.no_fp = 0;

	sa4(&src, "198.51.100.7", 50000);
	n = mkreq(req, sizeof(req), &c);
	/* truncated: cut inside MESSAGE-INTEGRITY, length field fixed to match */
	req[3] = (uint8_t)(n - 20 - 20);
	CHECK_EQ(ICE_LiteAnswer(req, n - 20, &src, LFRAG, LPWD, RFRAG, out, &olen), ICE_DROP);
	CHECK_EQ(olen, 0);
	/* truncated datagram, header unchanged */
	n = mkreq(req, sizeof(req), &c);
	CHECK_EQ(ICE_LiteAnswer(req, n - 4, &src, LFRAG, LPWD, RFRAG, out, &olen), ICE_DROP);
	/* USERNAME's length overruns the message */
	req[22] = 0x01;
	CHECK_EQ(ICE_LiteAnswer(req, n, &src, LFRAG, LPWD, RFRAG, out, &olen), ICE_DROP);
	/* a Binding indication and a success response are not answered */
	n = mkreq(req, sizeof(req), &c);
	req[1] = 0x11;
	refingerprint(req, n);
	CHECK_EQ(ICE_LiteAnswer(req, n, &src, LFRAG, LPWD, RFRAG, out, &olen), ICE_DROP);
	req[0] = 0x01;
	req[1] = 0x01;
	refingerprint(req, n);
	CHECK_EQ(ICE_LiteAnswer(req, n, &src, LFRAG, LPWD, RFRAG, out, &olen), ICE_DROP);
	/* RTP is not STUN */
	memset(req, 0, sizeof(req));
	req[0] = 0x80;
	CHECK_EQ(ICE_LiteAnswer(req, 172, &src, LFRAG, LPWD, RFRAG, out, &olen), ICE_DROP);
	/* a sender with no IP address */
	n = mkreq(req, sizeof(req), &c);
	memset(&src, 0, sizeof(src));
	src.ss_family = AF_UNIX;
	CHECK_EQ(ICE_LiteAnswer(req, n, &src, LFRAG, LPWD, RFRAG, out, &olen), ICE_DROP);
}

int main(void)
{
	test_vectors();
	test_build_vectors();
	test_malformed();
	test_ice_success();
	test_ice_nominate();
	test_ice_auth();
	test_ice_errors();
	test_ice_drop();
	return check_summary();
}
