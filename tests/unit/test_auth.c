// SPDX-License-Identifier: GPL-2.0
/*
 * Digest authentication (daemon/sip/auth.c, daemon/hash.c): the hashes
 * against FIPS/RFC 1321 vectors, responses against RFC 7616 §3.9.1 (MD5 and
 * SHA-256) and RFC 2617 §3.5, nonce expiry and forgery, AUTH_Check on
 * REGISTER requests against a users file in both line formats, and the
 * nonce-count replay check with its bounded table.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "hash.h"
#include "sip/auth.h"
#include "sip/msg.h"
#include "check.h"

static void test_hashes(void)
{
	char hex[65];

	AUTH_Hash(0, "", 0, hex);
	CHECK_STR(hex, "d41d8cd98f00b204e9800998ecf8427e");
	AUTH_Hash(0, "abc", 3, hex);
	CHECK_STR(hex, "900150983cd24fb0d6963f7d28e17f72");
	AUTH_Hash(1, "abc", 3, hex);
	CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	AUTH_Hash(1, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, hex);
	CHECK_STR(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	{
		/* one million 'a': crosses block boundaries at every split */
		struct hash_sha256 c;
		uint8_t d[32];
		char a[1000];
		int i;

		memset(a, 'a', sizeof(a));
		HASH_Sha256Init(&c);
		for (i = 0; i < 1000; i++)
			HASH_Sha256Update(&c, a, sizeof(a));
		HASH_Sha256Final(&c, d);
		HASH_Hex(d, 32, hex);
		CHECK_STR(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	}
}

static void test_vectors(void)
{
	char ha1[65], resp[65];

	/* RFC 7616 §3.9.1 */
	AUTH_Ha1(0, "Mufasa", "http-auth@example.org", "Circle of Life", ha1);
	AUTH_Response(0, ha1, STR_C("7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"),
		      STR_C("00000001"), STR_C("f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"),
		      STR_C("auth"), STR_C("GET"), STR_C("/dir/index.html"), resp);
	CHECK_STR(resp, "8ca523f5e9506fed4657c9700eebdbec");
	AUTH_Ha1(1, "Mufasa", "http-auth@example.org", "Circle of Life", ha1);
	AUTH_Response(1, ha1, STR_C("7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"),
		      STR_C("00000001"), STR_C("f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"),
		      STR_C("auth"), STR_C("GET"), STR_C("/dir/index.html"), resp);
	CHECK_STR(resp, "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
	/* RFC 2617 §3.5 */
	AUTH_Ha1(0, "Mufasa", "testrealm@host.com", "Circle Of Life", ha1);
	AUTH_Response(0, ha1, STR_C("dcd98b7102dd2f0e8b11d0f600bfb0c093"), STR_C("00000001"),
		      STR_C("0a4f113b"), STR_C("auth"), STR_C("GET"), STR_C("/dir/index.html"),
		      resp);
	CHECK_STR(resp, "6629fae49393a05397450978507c4ef1");
}

static void test_nonce(void)
{
	char n[64];
	uint64_t now = 1700000000;

	AUTH_Nonce(now, n, sizeof(n));
	CHECK_EQ(strlen(n), AUTH_NONCE_LEN);
	CHECK_EQ(AUTH_NonceCheck(STR_C(n), now), 0);
	CHECK_EQ(AUTH_NonceCheck(STR_C(n), now + 300), 0);
	CHECK_EQ(AUTH_NonceCheck(STR_C(n), now + 301), 1);	/* stale */
	n[20] ^= 1;
	CHECK_EQ(AUTH_NonceCheck(STR_C(n), now), -1);		/* forged */
	CHECK_EQ(AUTH_NonceCheck(STR_C("short"), now), -1);
	AUTH_Nonce(now + 1000, n, sizeof(n));
	CHECK_EQ(AUTH_NonceCheck(STR_C(n), now), -1);		/* from the future */
	{
		/* two nonces of the same second differ (their counts are tracked apart) */
		char a[64], b[64];

		AUTH_Nonce(now, a, sizeof(a));
		AUTH_Nonce(now, b, sizeof(b));
		CHECK(strcmp(a, b) != 0);
		CHECK_EQ(AUTH_NonceCheck(STR_C(b), now), 0);
		b[12] = b[12] == '0' ? '1' : '0';		/* another serial, same MAC */
		CHECK_EQ(AUTH_NonceCheck(STR_C(b), now), -1);
	}
}

/*
 * The nonce-count table: counts must grow per nonce; it holds AUTH_NC_SLOTS
 * nonces and forgets the oldest, and a nonce that may have been forgotten
 * is refused rather than let a replay through.
 */
static void test_nonce_count(void)
{
	static char n[AUTH_NC_SLOTS + 8][AUTH_NONCE_LEN + 1];
	uint64_t t = 1700000000;
	char later[64], unused[64];
	int i, ok = 1;

	CHECK_EQ(AUTH_Init(NULL, "krtp.test", 300), 0);
	AUTH_Nonce(t, n[0], sizeof(n[0]));
	CHECK_EQ(AUTH_NonceCount(STR_C(n[0]), 1), 0);
	CHECK_EQ(AUTH_NonceCount(STR_C(n[0]), 1), -1);	/* the same count again */
	CHECK_EQ(AUTH_NonceCount(STR_C(n[0]), 3), 0);	/* counts may skip */
	CHECK_EQ(AUTH_NonceCount(STR_C(n[0]), 2), -1);	/* but not go back */
	CHECK_EQ(AUTH_NonceCount(STR_C("short"), 9), -1);

	AUTH_Nonce(t, unused, sizeof(unused));
	for (i = 1; i < AUTH_NC_SLOTS + 8; i++) {
		AUTH_Nonce(t, n[i], sizeof(n[i]));
		if (AUTH_NonceCount(STR_C(n[i]), 1))
			ok = 0;
	}
	CHECK(ok);
	/* the first ones were forgotten: refused, not taken for new */
	CHECK_EQ(AUTH_NonceCount(STR_C(n[0]), 4), -1);
	CHECK_EQ(AUTH_NonceCount(STR_C(n[5]), 2), -1);
	CHECK_EQ(AUTH_NonceCount(STR_C(unused), 1), -1);
	/* the newest are still known */
	CHECK_EQ(AUTH_NonceCount(STR_C(n[AUTH_NC_SLOTS + 7]), 1), -1);
	CHECK_EQ(AUTH_NonceCount(STR_C(n[AUTH_NC_SLOTS + 7]), 2), 0);
	CHECK_EQ(AUTH_NonceCount(STR_C(n[20]), 1), -1);
	/* a nonce from after the forgotten ones is new */
	AUTH_Nonce(t + 1, later, sizeof(later));
	CHECK_EQ(AUTH_NonceCount(STR_C(later), 1), 0);
	CHECK_EQ(AUTH_NonceCount(STR_C(later), 1), -1);
}

/*
 * a REGISTER for user with an Authorization computed with pass (NULL: none)
 * and nonce-count nc (0: the next of a counter, so each call is new)
 */
static const char *last_reason;

static int check_register_nc(const char *user, const char *auth_user, const char *pass,
			     int sha, const char *nonce, unsigned int nc, int *stale)
{
	static unsigned int next_nc;
	char text[2048], ha1[65], resp[65], ncs[16], *b;
	struct sip_msg m;
	int n, r;

	snprintf(ncs, sizeof(ncs), "%08x", nc ? nc : ++next_nc);
	n = snprintf(text, sizeof(text), "REGISTER sip:krtp.test SIP/2.0\r\n"
		     "Via: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK1\r\n"
		     "From: <sip:%s@krtp.test>;tag=1\r\nTo: <sip:%s@krtp.test>\r\n"
		     "Call-ID: c1\r\nCSeq: 2 REGISTER\r\n", user, user);
	if (pass) {
		AUTH_Ha1(sha, auth_user, "krtp.test", pass, ha1);
		AUTH_Response(sha, ha1, STR_C(nonce), STR_C(ncs), STR_C("abcdef"),
			      STR_C("auth"), STR_C("REGISTER"), STR_C("sip:krtp.test"), resp);
		n += snprintf(text + n, sizeof(text) - n,
			      "Authorization: Digest username=\"%s\", realm=\"krtp.test\",\r\n"
			      " nonce=\"%s\", uri=\"sip:krtp.test\", response=\"%s\",\r\n"
			      " algorithm=%s, cnonce=\"abcdef\", qop=auth, nc=%s\r\n",
			      auth_user, nonce, resp, sha ? "SHA-256" : "MD5", ncs);
	}
	snprintf(text + n, sizeof(text) - n, "Content-Length: 0\r\n\r\n");
	b = strdup(text);
	if (MSG_Parse(&m, b, strlen(b))) {
		free(b);
		return -1;
	}
	r = AUTH_Check(&m, AUTH_WWW, m.to.uri.user, stale, &last_reason);
	free(b);
	return r;
}

static int check_register(const char *user, const char *auth_user, const char *pass,
			  int sha, const char *nonce, int *stale)
{
	return check_register_nc(user, auth_user, pass, sha, nonce, 0, stale);
}

/*
 * A request `method ruri` from alice (To: to) whose Authorization has
 * uri=`uri` and a response computed over that uri: only the uri check can
 * fail it.
 */
static int check_uri(const char *method, const char *ruri, const char *to, const char *uri)
{
	char text[2048], ha1[65], resp[65], nonce[64], *b;
	int kind = strcmp(method, "REGISTER") ? AUTH_PROXY : AUTH_WWW, stale, r;
	struct sip_msg m;

	AUTH_Nonce(time(NULL), nonce, sizeof(nonce));
	AUTH_Ha1(0, "alice", "krtp.test", "alice-pw", ha1);
	AUTH_Response(0, ha1, STR_C(nonce), STR_C(""), STR_C(""), STR_C(""), STR_C(method),
		      STR_C(uri), resp);
	snprintf(text, sizeof(text), "%s %s SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK1\r\n"
		 "From: <sip:alice@krtp.test>;tag=1\r\nTo: <%s>\r\n"
		 "Call-ID: c1\r\nCSeq: 2 %s\r\n"
		 "%sAuthorization: Digest username=\"alice\", realm=\"krtp.test\", "
		 "nonce=\"%s\", uri=\"%s\", response=\"%s\"\r\nContent-Length: 0\r\n\r\n",
		 method, ruri, to, method, kind == AUTH_PROXY ? "Proxy-" : "", nonce, uri, resp);
	b = strdup(text);
	if (MSG_Parse(&m, b, strlen(b))) {
		free(b);
		return -1;
	}
	r = AUTH_Check(&m, kind, STR_C("alice"), &stale, &last_reason);
	free(b);
	return r;
}

static void test_uri(void)
{
	char path[] = "/tmp/krtpd-users-XXXXXX";
	FILE *f;
	int fd = mkstemp(path);

	f = fdopen(fd, "w");
	fprintf(f, "alice:alice-pw\n");
	fclose(f);
	CHECK_EQ(AUTH_Init(path, "krtp.test", 300), 0);

	/* accepted: the same URI as the clients write it */
	CHECK_EQ(check_uri("REGISTER", "sip:krtp.test", "sip:alice@krtp.test", "sip:krtp.test"), 0);
	CHECK_EQ(check_uri("REGISTER", "sip:krtp.test", "sip:alice@krtp.test", "SIP:KRTP.Test"), 0);
	CHECK_EQ(check_uri("REGISTER", "sip:krtp.test", "sip:alice@krtp.test",
			   "sip:krtp.test:5060"), 0);
	CHECK_EQ(check_uri("REGISTER", "sip:krtp.test:5060", "sip:alice@krtp.test",
			   "sip:krtp.test"), 0);
	CHECK_EQ(check_uri("REGISTER", "sip:krtp.test;transport=udp", "sip:alice@krtp.test",
			   "sip:krtp.test"), 0);
	CHECK_EQ(check_uri("REGISTER", "sip:krtp.test", "sip:alice@krtp.test",
			   "sip:krtp.test;transport=tcp"), 0);
	/* the AOR instead of the Request-URI, as some UAs send for REGISTER */
	CHECK_EQ(check_uri("REGISTER", "sip:krtp.test", "sip:alice@krtp.test",
			   "sip:alice@krtp.test"), 0);
	CHECK_EQ(check_uri("REGISTER", "sip:127.0.0.1:5060", "sip:alice@krtp.test",
			   "sip:127.0.0.1"), 0);
	CHECK_EQ(check_uri("REGISTER", "sips:krtp.test", "sip:alice@krtp.test",
			   "sips:krtp.test:5061"), 0);
	CHECK_EQ(check_uri("INVITE", "sip:bob@krtp.test", "sip:bob@krtp.test",
			   "sip:bob@KRTP.TEST:5060;user=phone"), 0);
	CHECK_EQ(check_uri("INVITE", "sip:[2001:db8::1]:5060", "sip:bob@krtp.test",
			   "sip:[2001:DB8::1]"), 0);

	/* refused with 400: another URI, whatever the response says */
	CHECK_EQ(check_uri("REGISTER", "sip:krtp.test", "sip:alice@krtp.test",
			   "sip:other.test"), 400);
	CHECK_STR(last_reason, "Authorization URI Does Not Match Request-URI");
	CHECK_EQ(check_uri("REGISTER", "sip:krtp.test", "sip:alice@krtp.test",
			   "sip:krtp.test:5070"), 400);
	CHECK_EQ(check_uri("REGISTER", "sip:krtp.test", "sip:alice@krtp.test",
			   "sips:krtp.test"), 400);
	CHECK_EQ(check_uri("REGISTER", "sip:krtp.test", "sip:alice@krtp.test", "garbage"), 400);
	/* credentials captured from one call replayed for another callee */
	CHECK_EQ(check_uri("INVITE", "sip:bob@krtp.test", "sip:bob@krtp.test",
			   "sip:carol@krtp.test"), 400);
	CHECK_STR(last_reason, "Proxy-Authorization URI Does Not Match Request-URI");
	/* user parts compare exactly; the To only counts for REGISTER */
	CHECK_EQ(check_uri("INVITE", "sip:bob@krtp.test", "sip:bob@krtp.test",
			   "sip:Bob@krtp.test"), 400);
	CHECK_EQ(check_uri("INVITE", "sip:krtp.test", "sip:bob@krtp.test",
			   "sip:bob@krtp.test"), 400);

	/* sipp's default and UAs with an outbound proxy: uri= names the server */
	CHECK_EQ(check_uri("INVITE", "sip:bob@localhost", "sip:bob@localhost", "sip:localhost"), 0);
	CHECK_EQ(check_uri("REGISTER", "sip:localhost", "sip:alice@localhost", "sip:LOCALHOST"), 0);
	/* ...but only when the Request-URI is ours too */
	CHECK_EQ(check_uri("INVITE", "sip:bob@other.test", "sip:bob@other.test", "sip:localhost"), 400);
	CHECK_EQ(check_uri("INVITE", "sip:bob@localhost", "sip:bob@localhost", "sip:other.test"), 400);

	AUTH_Fini();
	unlink(path);
	CHECK_EQ(AUTH_Init(NULL, "x", 0), 0);
}

static void test_check(void)
{
	char path[] = "/tmp/krtpd-users-XXXXXX", ha1[65], md5[33], nonce[64], old[64];
	FILE *f;
	int fd = mkstemp(path), stale;

	AUTH_Ha1(1, "carol", "krtp.test", "carol-pw", ha1);
	AUTH_Ha1(0, "erin", "krtp.test", "erin-pw", md5);
	f = fdopen(fd, "w");
	fprintf(f, "# test users\nalice:alice-pw\n\n  bob:bob:with:colons\n"
		"carol:krtp.test:%s\nbroken line\ndave:other.realm:%032d\n"
		"erin:krtp.test:%s\n", ha1, 0, md5);
	fclose(f);
	CHECK_EQ(AUTH_Init(path, "krtp.test", 300), 0);
	CHECK_EQ(AUTH_Enabled(), 1);
	CHECK(AUTH_UserKnown(STR_C("alice")));
	CHECK(AUTH_UserKnown(STR_C("bob")));
	CHECK(AUTH_UserKnown(STR_C("carol")));
	CHECK(!AUTH_UserKnown(STR_C("dave")));	/* other realm: ignored */
	CHECK(!AUTH_UserKnown(STR_C("nobody")));

	AUTH_Nonce(time(NULL), nonce, sizeof(nonce));
	CHECK_EQ(check_register("alice", "alice", NULL, 0, nonce, &stale), 401);
	CHECK_EQ(check_register("alice", "alice", "alice-pw", 0, nonce, &stale), 0);
	CHECK_EQ(check_register("alice", "alice", "alice-pw", 1, nonce, &stale), 0);
	CHECK_EQ(check_register("alice", "alice", "wrong", 0, nonce, &stale), 403);
	CHECK_EQ(check_register("alice", "alice", "wrong", 1, nonce, &stale), 403);
	CHECK_EQ(check_register("bob", "bob", "bob:with:colons", 0, nonce, &stale), 0);
	CHECK_EQ(check_register("carol", "carol", "carol-pw", 1, nonce, &stale), 0);
	/* carol's line has only a SHA-256 HA1, erin's only an MD5 one */
	CHECK_EQ(check_register("carol", "carol", "carol-pw", 0, nonce, &stale), 403);
	CHECK_STR(last_reason, "Wrong Credentials");
	CHECK_EQ(check_register("erin", "erin", "erin-pw", 0, nonce, &stale), 0);
	CHECK_EQ(check_register("erin", "erin", "erin-pw", 1, nonce, &stale), 403);
	/* alice's credentials for bob's AOR */
	CHECK_EQ(check_register("bob", "alice", "alice-pw", 0, nonce, &stale), 403);
	CHECK_STR(last_reason, "Username Does Not Match To");
	CHECK_EQ(check_register("nobody", "nobody", "x", 0, nonce, &stale), 403);
	/* an old nonce with the right password: a new challenge, stale=true */
	AUTH_Nonce(time(NULL) - 400, old, sizeof(old));
	CHECK_EQ(check_register("alice", "alice", "alice-pw", 0, old, &stale), 401);
	CHECK_EQ(stale, 1);
	/* a made-up nonce: challenged again, not stale */
	CHECK_EQ(check_register("alice", "alice", "alice-pw", 0,
				"000000000000000000000000000000000000000000", &stale), 401);
	CHECK_EQ(stale, 0);

	/* nonce-count replay (RFC 7616 §3.4): a count must grow for its nonce */
	AUTH_Nonce(time(NULL), nonce, sizeof(nonce));
	CHECK_EQ(check_register_nc("alice", "alice", "alice-pw", 0, nonce, 1, &stale), 0);
	CHECK_EQ(check_register_nc("alice", "alice", "alice-pw", 0, nonce, 1, &stale), 401);
	CHECK_EQ(stale, 1);			/* a fresh nonce lets the client go on */
	CHECK_EQ(check_register_nc("alice", "alice", "alice-pw", 0, nonce, 2, &stale), 0);
	CHECK_EQ(check_register_nc("alice", "alice", "alice-pw", 1, nonce, 2, &stale), 401);
	CHECK_EQ(check_register_nc("alice", "alice", "alice-pw", 1, nonce, 3, &stale), 0);
	/* a wrong password does not move the count */
	CHECK_EQ(check_register_nc("alice", "alice", "wrong", 0, nonce, 9, &stale), 403);
	CHECK_EQ(check_register_nc("alice", "alice", "alice-pw", 0, nonce, 4, &stale), 0);
	/* a new nonce starts its own count, at any value */
	{
		char other[64];

		AUTH_Nonce(time(NULL), other, sizeof(other));
		CHECK_EQ(check_register_nc("alice", "alice", "alice-pw", 0, other, 0x7fffffff,
					   &stale), 0);
		CHECK_EQ(check_register_nc("alice", "alice", "alice-pw", 0, nonce, 5, &stale), 0);
	}

	/* the challenge offers both algorithms, most preferred (SHA-256) first */
	{
		char buf[1024];
		struct sip_buf b;

		SB_Init(&b, buf, sizeof(buf) - 1);
		AUTH_Challenge(&b, AUTH_WWW, STR_C("alice"), 1);
		buf[b.len] = '\0';
		CHECK(!strncmp(buf, "WWW-Authenticate: Digest ", 25));
		CHECK(strstr(buf, "algorithm=MD5") != NULL);
		CHECK(strstr(buf, "algorithm=SHA-256") != NULL);
		CHECK(strstr(buf, "algorithm=SHA-256") < strstr(buf, "algorithm=MD5"));
		CHECK(strstr(buf, "stale=true") != NULL);
		CHECK(strstr(buf, "realm=\"krtp.test\"") != NULL);
		SB_Init(&b, buf, sizeof(buf) - 1);
		AUTH_Challenge(&b, AUTH_PROXY, STR_C("nobody"), 0);
		buf[b.len] = '\0';
		CHECK(!strncmp(buf, "Proxy-Authenticate: Digest ", 27));
		CHECK(strstr(buf, "\r\nProxy-Authenticate: Digest ") != NULL);
		CHECK(strstr(buf, "stale") == NULL);
		/* a user with one HA1 is offered only what they can answer */
		SB_Init(&b, buf, sizeof(buf) - 1);
		AUTH_Challenge(&b, AUTH_WWW, STR_C("erin"), 0);
		buf[b.len] = '\0';
		CHECK(!strncmp(buf, "WWW-Authenticate: Digest ", 25));
		CHECK(strstr(buf, "algorithm=MD5") != NULL);
		CHECK(strstr(buf, "SHA-256") == NULL);
		CHECK(strstr(buf + 1, "WWW-Authenticate") == NULL);
		SB_Init(&b, buf, sizeof(buf) - 1);
		AUTH_Challenge(&b, AUTH_PROXY, STR_C("carol"), 0);
		buf[b.len] = '\0';
		CHECK(strstr(buf, "algorithm=SHA-256") != NULL);
		CHECK(strstr(buf, "MD5") == NULL);
	}
	/* digest_algorithms: which challenges, in which order, and what is accepted */
	{
		char buf[1024], *md5, *sha;
		struct sip_buf b;
		int algs[2];

		CHECK_EQ(AUTH_ParseAlgorithms("MD5, SHA-256", algs), 2);
		CHECK(algs[0] == 0 && algs[1] == 1);
		CHECK_EQ(AUTH_ParseAlgorithms("sha-256 md5", algs), 2);
		CHECK(algs[0] == 1 && algs[1] == 0);
		CHECK_EQ(AUTH_ParseAlgorithms("MD5", algs), 1);
		CHECK_EQ(AUTH_ParseAlgorithms("", algs), -EINVAL);
		CHECK_EQ(AUTH_ParseAlgorithms("MD5,MD5", algs), -EINVAL);
		CHECK_EQ(AUTH_ParseAlgorithms("SHA-512", algs), -EINVAL);
		CHECK_EQ(AUTH_ParseAlgorithms("MD5-sess", algs), -EINVAL);
		CHECK_EQ(AUTH_SetAlgorithms("bogus"), -EINVAL);

		/* MD5 first, if an operator wants it so */
		CHECK_EQ(AUTH_SetAlgorithms("MD5, SHA-256"), 0);
		SB_Init(&b, buf, sizeof(buf) - 1);
		AUTH_Challenge(&b, AUTH_WWW, STR_C("alice"), 0);
		buf[b.len] = '\0';
		md5 = strstr(buf, "algorithm=MD5");
		sha = strstr(buf, "algorithm=SHA-256");
		CHECK(md5 && sha && md5 < sha);
		/* SHA-256 first (RFC 8760 §2.4's order) */
		CHECK_EQ(AUTH_SetAlgorithms("SHA-256, MD5"), 0);
		SB_Init(&b, buf, sizeof(buf) - 1);
		AUTH_Challenge(&b, AUTH_WWW, STR_C("alice"), 0);
		buf[b.len] = '\0';
		md5 = strstr(buf, "algorithm=MD5");
		sha = strstr(buf, "algorithm=SHA-256");
		CHECK(md5 && sha && sha < md5);
		/* MD5 only, offered to everyone */
		CHECK_EQ(AUTH_SetAlgorithms("MD5"), 0);
		SB_Init(&b, buf, sizeof(buf) - 1);
		AUTH_Challenge(&b, AUTH_PROXY, STR_C("alice"), 0);
		buf[b.len] = '\0';
		CHECK(strstr(buf, "algorithm=MD5") != NULL);
		CHECK(strstr(buf, "SHA-256") == NULL);
		CHECK(strstr(buf + 1, "Proxy-Authenticate") == NULL);
		/* carol's SHA-256 HA1 is of no use then: she gets the list */
		SB_Init(&b, buf, sizeof(buf) - 1);
		AUTH_Challenge(&b, AUTH_PROXY, STR_C("carol"), 0);
		buf[b.len] = '\0';
		CHECK(strstr(buf, "algorithm=MD5") != NULL);
		AUTH_Nonce(time(NULL), nonce, sizeof(nonce));
		CHECK_EQ(check_register("alice", "alice", "alice-pw", 0, nonce, &stale), 0);
		/* an answer for an algorithm not offered is challenged again */
		CHECK_EQ(check_register("alice", "alice", "alice-pw", 1, nonce, &stale), 401);
		CHECK_EQ(AUTH_SetAlgorithms("SHA-256"), 0);
		CHECK_EQ(check_register("alice", "alice", "alice-pw", 0, nonce, &stale), 401);
		CHECK_EQ(check_register("alice", "alice", "alice-pw", 1, nonce, &stale), 0);
		CHECK_EQ(AUTH_SetAlgorithms("SHA-256 MD5"), 0);
	}
	/* reload (SIGHUP) picks up a changed file */
	f = fopen(path, "w");
	fprintf(f, "erin:erin-pw\n");
	fclose(f);
	CHECK_EQ(AUTH_Reload(), 0);
	CHECK(AUTH_UserKnown(STR_C("erin")));
	CHECK(!AUTH_UserKnown(STR_C("alice")));
	AUTH_Fini();
	unlink(path);
	CHECK_EQ(AUTH_Init(NULL, "x", 0), 0);
	CHECK_EQ(AUTH_Enabled(), 0);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_hashes();
	test_vectors();
	test_nonce();
	test_nonce_count();
	test_check();
	test_uri();
	return check_summary();
}
