// SPDX-License-Identifier: GPL-2.0
/*
 * Callers' authentication in the proxy (daemon/sip/proxy_auth.c), message
 * by message (proxyua.h): with a users file, callers in our domain are
 * challenged (407) and authenticated, their credentials stripped before
 * forwarding; REGISTER keeps its own 401. bob is registered at 5080 and
 * 5090 first, as the calls of test_proxy.c leave him.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sip/auth.h"
#include "sip/dialog.h"
#include "sip/proxy.h"
#include "check.h"
#include "proxyua.h"

/* the nonce of the first challenge in s */
static int nonce_of(const struct sent *s, char *out, size_t sz)
{
	const char *p = s ? memmem(s->buf, s->len, "nonce=\"", 7) : NULL;
	const char *e = p ? memchr(p + 7, '"', s->buf + s->len - p - 7) : NULL;

	if (!e || (size_t)(e - p - 7) >= sz)
		return -1;
	memcpy(out, p + 7, e - p - 7);
	out[e - p - 7] = '\0';
	return 0;
}

/* a Proxy-Authorization line: user's credentials for INVITE sip:bob@krtp.test */
static void proxy_auth(char *out, size_t sz, const char *user, const char *pass, int sha,
		       const char *nonce, const char *nc)
{
	char ha1[65], resp[65];

	AUTH_Ha1(sha, user, "krtp.test", pass, ha1);
	AUTH_Response(sha, ha1, STR_C(nonce), STR_C(nc), STR_C("0a4f113b"), STR_C("auth"),
		      STR_C("INVITE"), STR_C("sip:bob@krtp.test"), resp);
	snprintf(out, sz, "Proxy-Authorization: Digest username=\"%s\", realm=\"krtp.test\", "
		 "nonce=\"%s\", uri=\"sip:bob@krtp.test\", response=\"%s\", algorithm=%s, "
		 "cnonce=\"0a4f113b\", qop=auth, nc=%s\r\n", user, nonce, resp,
		 sha ? "SHA-256" : "MD5", nc);
}

/* INVITE bob@krtp.test from `from` (a URI without sip:), with extra header lines */
static void invite_from(const char *from, const char *branch, const char *callid, int cseq,
			const char *extra)
{
	nsent = 0;
	feed(5070, "INVITE sip:bob@krtp.test SIP/2.0\r\n" HDRS("z9hG4bK%s", "%s", "%d INVITE")
	     "Max-Forwards: 70\r\nFrom: <sip:%s>;tag=f1\r\nTo: <sip:bob@krtp.test>\r\n"
	     "Contact: <sip:caller@127.0.0.1:5070>\r\n%sContent-Length: 0\r\n\r\n",
	     5070, branch, callid, cseq, from, extra);
}

/* challenge a new INVITE from alice and return the nonce (0 when it went well) */
static int challenge(const char *branch, const char *callid, char *nonce, size_t sz)
{
	struct sent *s;

	invite_from("alice@krtp.test", branch, callid, 1, "");
	s = find(5070, 407, "INVITE");
	CHECK(s != NULL);
	return nonce_of(s, nonce, sz);
}

static void test_auth_calls(void)
{
	char path[] = "/tmp/krtpd-users-XXXXXX", nonce[64], cred[1024], two[2048], route[80];
	struct sent *s, inv;
	int fd = mkstemp(path), dialogs;
	FILE *f = fdopen(fd, "w");

	fprintf(f, "alice:alice-pw\nbob:bob-pw\n");
	fclose(f);
	CHECK_EQ(AUTH_Init(path, "krtp.test", 300), 0);
	/* REGISTER keeps its own challenge: 401 (bob's bindings are still there) */
	nsent = 0;
	feed(5080, "REGISTER sip:krtp.test SIP/2.0\r\n" HDRS("z9hG4bKau0", "auth-0", "1 REGISTER")
	     "From: <sip:bob@krtp.test>;tag=r\r\nTo: <sip:bob@krtp.test>\r\n"
	     "Contact: <sip:bob@127.0.0.1:5080>\r\nContent-Length: 0\r\n\r\n", 5080);
	CHECK(find(5080, 401, "REGISTER") != NULL);
	CHECK(find(5080, 407, NULL) == NULL);
	dialogs = DLG_Count();

	/* no credentials: 407 with both challenges, nothing forwarded */
	invite_from("alice@krtp.test", "au1", "auth-1", 1, "");
	CHECK(find(5070, 100, NULL) != NULL);
	s = find(5070, 407, "INVITE");
	CHECK(s != NULL);
	CHECK(has(s, "SIP/2.0 407 Proxy Authentication Required\r\n"));
	CHECK(has(s, "Proxy-Authenticate: Digest realm=\"krtp.test\""));
	CHECK(has(s, "algorithm=MD5"));
	CHECK(has(s, "algorithm=SHA-256"));
	CHECK(!has(s, "WWW-Authenticate"));
	CHECK(find(5080, 0, "INVITE") == NULL);
	CHECK(find(5090, 0, "INVITE") == NULL);
	CHECK_EQ(nonce_of(s, nonce, sizeof(nonce)), 0);
	/* its ACK ends the transaction here */
	nsent = 0;
	feed(5070, "ACK sip:bob@krtp.test SIP/2.0\r\n" HDRS("z9hG4bKau1", "auth-1", "1 ACK")
	     "Max-Forwards: 70\r\nFrom: <sip:alice@krtp.test>;tag=f1\r\n"
	     "To: <sip:bob@krtp.test>;tag=x\r\nContent-Length: 0\r\n\r\n", 5070);
	CHECK(find(5080, 0, "ACK") == NULL);

	/* MD5 credentials: forwarded, without ours, with another realm's kept */
	proxy_auth(cred, sizeof(cred), "alice", "alice-pw", 0, nonce, "00000001");
	snprintf(two, sizeof(two), "%sProxy-Authorization: Digest username=\"a\", "
		 "realm=\"other.example\", nonce=\"n\", uri=\"sip:bob@krtp.test\", "
		 "response=\"0\"\r\n", cred);
	invite_from("alice@krtp.test", "au2", "auth-1", 2, two);
	CHECK(find(5070, 407, NULL) == NULL);
	CHECK(find(5070, 403, NULL) == NULL);
	s = find(5080, 0, "INVITE");
	CHECK(s != NULL);
	CHECK(s && !has(s, "realm=\"krtp.test\""));
	CHECK(has(s, "Proxy-Authorization: Digest username=\"a\", realm=\"other.example\""));
	if (!s)
		return;
	inv = *s;
	MSG_Parse(&inv.m, inv.buf, inv.len);
	answer(5080, &inv, 200, "b9");
	CHECK(find(5070, 200, "INVITE") != NULL);
	CHECK_EQ(DLG_Count(), dialogs + 1);

	/* ACK, and a BYE from the callee (From in our domain too), in the dialog */
	snprintf(route, sizeof(route), "Route: <sip:%s;lr>\r\n", us);
	nsent = 0;
	feed(5070, "ACK sip:bob@127.0.0.1:5080 SIP/2.0\r\n" HDRS("z9hG4bKau2a", "auth-1", "2 ACK")
	     "%sMax-Forwards: 70\r\nFrom: <sip:alice@krtp.test>;tag=f1\r\n"
	     "To: <sip:bob@krtp.test>;tag=b9\r\n%sContent-Length: 0\r\n\r\n", 5070, route,
	     cred);
	s = find(5080, 0, "ACK");
	CHECK(s != NULL);
	CHECK(s && !has(s, "Proxy-Authorization"));
	/* a To tag without our Route and without a dialog of ours is not in-dialog */
	nsent = 0;
	feed(5070, "BYE sip:bob@krtp.test SIP/2.0\r\n" HDRS("z9hG4bKau2f", "forged", "3 BYE")
	     "Max-Forwards: 70\r\nFrom: <sip:alice@krtp.test>;tag=f1\r\n"
	     "To: <sip:bob@krtp.test>;tag=b9\r\nContent-Length: 0\r\n\r\n", 5070);
	CHECK(find(5070, 407, "BYE") != NULL);
	nsent = 0;
	feed(5080, "BYE sip:caller@127.0.0.1:5070 SIP/2.0\r\n" HDRS("z9hG4bKau2b", "auth-1", "1 BYE")
	     "%sMax-Forwards: 70\r\nFrom: <sip:bob@krtp.test>;tag=b9\r\n"
	     "To: <sip:alice@krtp.test>;tag=f1\r\nContent-Length: 0\r\n\r\n", 5080, route);
	CHECK(find(5080, 407, NULL) == NULL);
	s = find(5070, 0, "BYE");
	CHECK(s != NULL);
	CHECK_EQ(DLG_Count(), dialogs);
	if (s) {
		inv = *s;
		MSG_Parse(&inv.m, inv.buf, inv.len);
		answer(5070, &inv, 200, "f1");
		CHECK(find(5080, 200, "BYE") != NULL);
	}

	/* the same nonce and count again (a replay): a new challenge, stale */
	invite_from("alice@krtp.test", "au3", "auth-3", 1, cred);
	s = find(5070, 407, "INVITE");
	CHECK(s != NULL);
	CHECK(has(s, "stale=true"));
	CHECK(find(5080, 0, "INVITE") == NULL);
	/* an expired nonce with the right password: a new challenge, stale */
	{
		char old[64], cred2[1024];

		AUTH_Nonce(time(NULL) - 400, old, sizeof(old));
		proxy_auth(cred2, sizeof(cred2), "alice", "alice-pw", 0, old, "00000001");
		invite_from("alice@krtp.test", "au3s", "auth-3s", 1, cred2);
		s = find(5070, 407, "INVITE");
		CHECK(s != NULL);
		CHECK(has(s, "stale=true"));
		CHECK(find(5080, 0, "INVITE") == NULL);
	}
	/* the next count of the same nonce is fine */
	proxy_auth(cred, sizeof(cred), "alice", "alice-pw", 0, nonce, "00000002");
	invite_from("alice@krtp.test", "au4", "auth-4", 1, cred);
	CHECK(find(5070, 407, NULL) == NULL);
	CHECK(find(5080, 0, "INVITE") != NULL);

	/* SHA-256 credentials */
	if (!challenge("au5", "auth-5", nonce, sizeof(nonce))) {
		proxy_auth(cred, sizeof(cred), "alice", "alice-pw", 1, nonce, "00000001");
		invite_from("alice@krtp.test", "au6", "auth-5", 2, cred);
		CHECK(find(5070, 407, NULL) == NULL);
		s = find(5080, 0, "INVITE");
		CHECK(s != NULL);
		CHECK(s && !has(s, "Proxy-Authorization"));
	}

	/* a wrong password: 403, nothing forwarded */
	if (!challenge("au7", "auth-7", nonce, sizeof(nonce))) {
		proxy_auth(cred, sizeof(cred), "alice", "not-alices", 0, nonce, "00000001");
		invite_from("alice@krtp.test", "au8", "auth-7", 2, cred);
		s = find(5070, 403, "INVITE");
		CHECK(s != NULL);
		CHECK(has(s, "SIP/2.0 403 Wrong Credentials\r\n"));
		CHECK(find(5080, 0, "INVITE") == NULL);
	}

	/* bob's own good credentials in a call from alice's address: 403 */
	if (!challenge("au9", "auth-9", nonce, sizeof(nonce))) {
		proxy_auth(cred, sizeof(cred), "bob", "bob-pw", 0, nonce, "00000001");
		invite_from("alice@krtp.test", "au10", "auth-9", 2, cred);
		s = find(5070, 403, "INVITE");
		CHECK(s != NULL);
		CHECK(has(s, "SIP/2.0 403 Username Does Not Match From\r\n"));
		CHECK(find(5080, 0, "INVITE") == NULL);
	}

	/* a caller from a foreign domain calling our user: not challenged */
	invite_from("carol@example.com", "au11", "auth-11", 1, "");
	CHECK(find(5070, 407, NULL) == NULL);
	CHECK(find(5080, 0, "INVITE") != NULL);
	/* nor its CANCEL */
	nsent = 0;
	feed(5070, "CANCEL sip:bob@krtp.test SIP/2.0\r\n" HDRS("z9hG4bKau11", "auth-11", "1 CANCEL")
	     "Max-Forwards: 70\r\nFrom: <sip:carol@example.com>;tag=f1\r\n"
	     "To: <sip:bob@krtp.test>\r\nContent-Length: 0\r\n\r\n", 5070);
	CHECK(find(5070, 200, "CANCEL") != NULL);
	/* CANCEL of a pending call from alice: answered, not challenged */
	proxy_auth(cred, sizeof(cred), "alice", "alice-pw", 0, nonce, "00000002");
	invite_from("alice@krtp.test", "au12", "auth-12", 1, cred);
	CHECK(find(5080, 0, "INVITE") != NULL);
	nsent = 0;
	feed(5070, "CANCEL sip:bob@krtp.test SIP/2.0\r\n" HDRS("z9hG4bKau12", "auth-12", "1 CANCEL")
	     "Max-Forwards: 70\r\nFrom: <sip:alice@krtp.test>;tag=f1\r\n"
	     "To: <sip:bob@krtp.test>\r\nContent-Length: 0\r\n\r\n", 5070);
	CHECK(find(5070, 200, "CANCEL") != NULL);
	CHECK(find(5070, 407, NULL) == NULL);

	/* OPTIONS: to krtpd itself answered, to a user challenged */
	nsent = 0;
	feed(5070, "OPTIONS sip:krtp.test SIP/2.0\r\n" HDRS("z9hG4bKau13", "auth-13", "1 OPTIONS")
	     "From: <sip:alice@krtp.test>;tag=o\r\nTo: <sip:krtp.test>\r\n"
	     "Content-Length: 0\r\n\r\n", 5070);
	CHECK(find(5070, 200, "OPTIONS") != NULL);
	nsent = 0;
	feed(5070, "OPTIONS sip:bob@krtp.test SIP/2.0\r\n" HDRS("z9hG4bKau14", "auth-14", "1 OPTIONS")
	     "Max-Forwards: 70\r\nFrom: <sip:alice@krtp.test>;tag=o\r\nTo: <sip:bob@krtp.test>\r\n"
	     "Content-Length: 0\r\n\r\n", 5070);
	CHECK(find(5070, 407, "OPTIONS") != NULL);
	CHECK(find(5080, 0, "OPTIONS") == NULL);

	/* credentials for bob's call replayed on a call to carol: 400, not forwarded */
	CHECK_EQ(challenge("au15", "auth-15", nonce, sizeof(nonce)), 0);
	proxy_auth(cred, sizeof(cred), "alice", "alice-pw", 0, nonce, "00000001");
	nsent = 0;
	feed(5070, "INVITE sip:carol@krtp.test SIP/2.0\r\n" HDRS("z9hG4bKau16", "auth-16", "1 INVITE")
	     "Max-Forwards: 70\r\nFrom: <sip:alice@krtp.test>;tag=f1\r\nTo: <sip:carol@krtp.test>\r\n"
	     "Contact: <sip:caller@127.0.0.1:5070>\r\n%sContent-Length: 0\r\n\r\n", 5070, cred);
	s = find(5070, 400, "INVITE");
	CHECK(has(s, "SIP/2.0 400 Proxy-Authorization URI Does Not Match Request-URI\r\n"));
	CHECK(find(5080, 0, "INVITE") == NULL);
	/* a REGISTER whose uri= is another host: 400 too */
	nsent = 0;
	{
		char ha1[65], resp[65], line[512];

		AUTH_Ha1(0, "bob", "krtp.test", "bob-pw", ha1);
		AUTH_Response(0, ha1, STR_C(nonce), STR_C(""), STR_C(""), STR_C(""),
			      STR_C("REGISTER"), STR_C("sip:evil.test"), resp);
		snprintf(line, sizeof(line), "Authorization: Digest username=\"bob\", "
			 "realm=\"krtp.test\", nonce=\"%s\", uri=\"sip:evil.test\", "
			 "response=\"%s\"\r\n", nonce, resp);
		feed(5080, "REGISTER sip:krtp.test SIP/2.0\r\n"
		     HDRS("z9hG4bKau17", "auth-17", "1 REGISTER")
		     "From: <sip:bob@krtp.test>;tag=r\r\nTo: <sip:bob@krtp.test>\r\n"
		     "Contact: <sip:bob@127.0.0.1:5080>\r\n%sContent-Length: 0\r\n\r\n", 5080,
		     line);
		s = find(5080, 400, "REGISTER");
		CHECK(has(s, "SIP/2.0 400 Authorization URI Does Not Match Request-URI\r\n"));
	}

	unlink(path);
	AUTH_Fini();
	CHECK_EQ(AUTH_Init(NULL, "krtpd", 300), 0);
}


int main(void)
{
	proxyua_init();
	reg("bob", 5080);
	reg("bob", 5090);
	test_auth_calls();
	proxyua_fini();
	return check_summary();
}
