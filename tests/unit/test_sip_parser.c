// SPDX-License-Identifier: GPL-2.0
/*
 * SIP parser (daemon/sip/msg.c, uri.c): every header form RFC 3261 allows
 * (compact names, folding, multiple values, quoting, case, IPv6
 * references), the 400 reasons for what must be refused, stream framing,
 * and hostile input: every truncation of valid messages, each parsed from a
 * heap buffer of exactly that size so ASan reports any read past the end.
 */
#include <errno.h>
#include <stdlib.h>

#include "sip/msg.h"
#include "check.h"

/* parse text from an exactly-sized heap copy; the copy is returned for slices */
static int parse(const char *text, struct sip_msg *m, char **copy)
{
	size_t len = strlen(text);
	char *b = malloc(len ? len : 1);
	int r;

	memcpy(b, text, len);
	r = MSG_Parse(m, b, len);
	*copy = b;
	return r;
}

static const char invite[] =
	"INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
	"Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;rport\r\n"
	"Max-Forwards: 70\r\n"
	"To: Bob <sip:bob@biloxi.example.com>\r\n"
	"From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
	"Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
	"CSeq: 314159 INVITE\r\n"
	"Contact: <sip:alice@pc33.atlanta.example.com>\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: 10\r\n"
	"\r\n"
	"v=0\r\nx=1\r\n";

/* RFC 4475-style torture: compact forms, folding, odd spacing, quoting, IPv6 */
static const char torture[] =
	"INVITE sip:vivekg@chair-dnrc.example.com;unknownparam SIP/2.0\r\n"
	"TO :\r\n"
	" sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n\r\n"
	"from   : \"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com>\r\n"
	"  ;\r\n"
	"  tag = 98asjd8\r\n"
	"MaX-fOrWaRdS: 0068\r\n"
	"Call-ID: wsinv.ndaksdj@192.0.2.1\r\n"
	"Content-Length   : 0\r\n"
	"cseq: 0009\r\n"
	"  INVITE\r\n"
	"Via  : SIP  /   2.0\r\n"
	" /UDP\r\n"
	"    192.0.2.2;branch=390skdjuw\r\n"
	"s :\r\n"
	"NewFangledHeader:   newfangled value\r\n"
	" continued newfangled value\r\n"
	"UnknownHeaderWithUnusualValue: ;;,,;;,;\r\n"
	"Route:\r\n"
	" <sip:services.example.com;lr;unknownwith=value;unknown-no-value>\r\n"
	"v:  SIP  / 2.0  / TCP     spindle.example.com   ;\r\n"
	"  branch  =   z9hG4bK9ikj8  ,\r\n"
	" SIP  /    2.0   / UDP  [2001:db8::9:255]:5070;branch=z9hG4bK1;received=192.0.2.1\r\n"
	"m:\"Quoted string \\\"\\\"\" <sip:jdrosen@example.com> ; newparam =\r\n"
	"      newvalue ;\r\n"
	"  secondparam ; q = 0.33,\r\n"
	" <sip:[2001:db8::1]:5080;transport=tcp>;expires=30\r\n"
	"\r\n";

static void test_good(void)
{
	struct sip_msg m;
	char *b;

	CHECK_EQ(parse(invite, &m, &b), 0);
	CHECK_EQ(m.request, 1);
	CHECK_EQ(m.method_id, SIP_M_INVITE);
	CHECK_SL(m.ruri.user, "bob");
	CHECK_SL(m.ruri.host, "biloxi.example.com");
	CHECK_EQ(m.nvia, 1);
	CHECK_SL(m.via[0].branch, "z9hG4bK776asdhds");
	CHECK_EQ(m.via[0].rport, 1);
	CHECK_EQ(m.via[0].rport_val.len, 0);
	CHECK_SL(m.from.tag, "1928301774");
	CHECK_EQ(m.to.tag.len, 0);
	CHECK_SL(m.to.uri.user, "bob");
	CHECK_SL(m.call_id, "a84b4c76e66710@pc33.atlanta.example.com");
	CHECK_EQ(m.cseq, 314159);
	CHECK_EQ(m.cseq_method_id, SIP_M_INVITE);
	CHECK_EQ(m.max_forwards, 70);
	CHECK_EQ(m.content_length, 10);
	CHECK_SL(m.body, "v=0\r\nx=1\r\n");
	CHECK_EQ(m.ncontact, 1);
	CHECK_SL(m.content_type, "application/sdp");
	free(b);

	CHECK_EQ(parse(torture, &m, &b), 0);
	CHECK_STR(m.err, NULL);
	CHECK_SL(m.to.tag, "1918181833n");
	CHECK_SL(m.from.tag, "98asjd8");
	CHECK_SL(m.from.uri_raw, "sip:jdrosen@example.com");
	CHECK_EQ(m.max_forwards, 68);
	CHECK_EQ(m.cseq, 9);
	CHECK_EQ(m.cseq_method_id, SIP_M_INVITE);
	CHECK_EQ(m.nvia, 3);
	CHECK_SL(m.via[0].transport, "UDP");
	CHECK_SL(m.via[0].host, "192.0.2.2");
	CHECK_SL(m.via[1].transport, "TCP");
	CHECK_SL(m.via[1].host, "spindle.example.com");
	CHECK_SL(m.via[1].branch, "z9hG4bK9ikj8");
	CHECK_SL(m.via[2].host, "2001:db8::9:255");
	CHECK_EQ(m.via[2].host_v6, 1);
	CHECK_EQ(m.via[2].port, 5070);
	CHECK_SL(m.via[2].received, "192.0.2.1");
	CHECK_EQ(m.nroute, 1);
	CHECK_EQ(m.route[0].uri.lr, 1);
	CHECK_SL(m.route[0].uri.host, "services.example.com");
	CHECK_EQ(m.ncontact, 2);
	CHECK_SL(m.contact[0].uri_raw, "sip:jdrosen@example.com");
	CHECK_SL(m.contact[1].uri.host, "2001:db8::1");
	CHECK_EQ(m.contact[1].uri.port, 5080);
	CHECK_SL(m.contact[1].uri.transport, "tcp");
	CHECK_EQ(m.contact[1].expires, 30);
	CHECK_EQ(m.content_length, 0);
	CHECK(MSG_Header(&m, SIP_H_SUBJECT, 0) != NULL);
	free(b);
}

static void test_forms(void)
{
	static const char resp[] =
		"SIP/2.0 180 Ringing\r\n"
		"v: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKkr1, SIP/2.0/UDP 10.0.0.2\r\n"
		"Via: SIP/2.0/TCP [::1]:5061;branch=z9hG4bKa;rport=5062;received=::1\r\n"
		"f: sip:a@b;tag=x\n"			/* bare LF line ending */
		"t: \"Bob, the \\\"one\\\"\" <sip:b@c>;tag=y\r\n"
		"i: c1\r\n"
		"CSEQ: 2 INVITE\r\n"
		"Record-Route: <sip:p1.example.com;lr>, <sip:[2001:db8::2];lr>\r\n"
		"record-route: <sip:p3;lr>\r\n"
		"l: 0\r\n"
		"\r\n";
	struct sip_msg m;
	char *b;

	CHECK_EQ(parse(resp, &m, &b), 0);
	CHECK_EQ(m.request, 0);
	CHECK_EQ(m.status, 180);
	CHECK_SL(m.reason, "Ringing");
	CHECK_EQ(m.method_id, SIP_M_INVITE);
	CHECK_EQ(m.nvia, 3);
	CHECK_EQ(m.via[0].hdr, m.via[1].hdr);
	CHECK_SL(m.via[1].host, "10.0.0.2");
	CHECK_EQ(m.via[1].port, 0);
	CHECK_SL(m.via[2].rport_val, "5062");
	CHECK_SL(m.to.tag, "y");
	CHECK_SL(m.to.uri_raw, "sip:b@c");
	CHECK_SL(m.from.tag, "x");
	CHECK_SL(m.from.uri_raw, "sip:a@b");
	CHECK_EQ(m.nrr, 3);
	CHECK_SL(m.rr[1].uri.host, "2001:db8::2");
	CHECK_SL(m.rr[2].uri.host, "p3");
	free(b);
}

static void test_uri(void)
{
	struct sip_uri u;
	const char *s;

	s = "sip:alice:secret@[2001:db8::10]:5070;transport=tcp;lr;maddr=239.1.1.1?subject=x";
	CHECK_EQ(URI_Parse(&u, s, strlen(s)), 0);
	CHECK_SL(u.user, "alice");
	CHECK_SL(u.host, "2001:db8::10");
	CHECK_EQ(u.host_v6, 1);
	CHECK_EQ(u.port, 5070);
	CHECK_SL(u.transport, "tcp");
	CHECK_SL(u.maddr, "239.1.1.1");
	CHECK_EQ(u.lr, 1);
	CHECK_SL(u.headers, "subject=x");
	/* '?', ';' and '/' are user-unreserved: the headers start after the host */
	s = "sip:crazy?,/;;*:pa$$@example.com;lr?Route=%3Csip:x%3E";
	CHECK_EQ(URI_Parse(&u, s, strlen(s)), 0);
	CHECK_SL(u.user, "crazy?,/;;*");
	CHECK_SL(u.host, "example.com");
	CHECK_EQ(u.lr, 1);
	CHECK_SL(u.headers, "Route=%3Csip:x%3E");
	s = "sip:user;par=u%40example.net@example.com";
	CHECK_EQ(URI_Parse(&u, s, strlen(s)), 0);
	CHECK_SL(u.user, "user;par=u%40example.net");
	CHECK(u.headers.s == NULL);
	s = "SIPS:host.example.com";
	CHECK_EQ(URI_Parse(&u, s, strlen(s)), 0);
	CHECK_EQ(u.sips, 1);
	CHECK_EQ(u.user.len, 0);
	s = "tel:+1-201-555-0123";
	CHECK_EQ(URI_Parse(&u, s, strlen(s)), -EPROTONOSUPPORT);
	s = "sip:a@host:0";
	CHECK_EQ(URI_Parse(&u, s, strlen(s)), -EINVAL);
	s = "sip:a@host:65536";
	CHECK_EQ(URI_Parse(&u, s, strlen(s)), -EINVAL);
	s = "sip:a@[::1";
	CHECK_EQ(URI_Parse(&u, s, strlen(s)), -EINVAL);
	/* RFC 5118 4.10: three colons are no IPv6 address; IPv4-mapped ones are */
	s = "sip:user@[2001:db8:::192.0.2.1]";
	CHECK_EQ(URI_Parse(&u, s, strlen(s)), -EINVAL);
	s = "sip:user@[2001:db8::192.0.2.1]";
	CHECK_EQ(URI_Parse(&u, s, strlen(s)), 0);
	s = "sip:ted@[::ffff:192.0.2.2]:5070";
	CHECK_EQ(URI_Parse(&u, s, strlen(s)), 0);
	CHECK_SL(u.host, "::ffff:192.0.2.2");
	s = "sip:@host";
	CHECK_EQ(URI_Parse(&u, s, strlen(s)), -EINVAL);
	s = "sip:a b@host";
	CHECK_EQ(URI_Parse(&u, s, strlen(s)), -EINVAL);
	s = "sip:";
	CHECK_EQ(URI_Parse(&u, s, strlen(s)), -EINVAL);
}

/* a valid INVITE with one line replaced or removed, and the 400 reason expected */
static void bad_one(const char *find, const char *repl, const char *want_err, int can_reply)
{
	char text[4096], *p, *b;
	struct sip_msg m;

	snprintf(text, sizeof(text), "%s", invite);
	p = strstr(text, find);
	if (!p) {
		CHECK(!"test bug: line not found");
		return;
	}
	memmove(p + strlen(repl), p + strlen(find), strlen(p + strlen(find)) + 1);
	memcpy(p, repl, strlen(repl));
	CHECK_EQ(parse(text, &m, &b), -EINVAL);
	CHECK_STR(m.err, want_err);
	CHECK_EQ(MSG_CanReply(&m), can_reply);
	free(b);
}

static void test_bad(void)
{
	struct sip_msg m;
	char *b;

	bad_one("Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n", "", "Missing Call-ID", 1);
	bad_one("CSeq: 314159 INVITE\r\n", "", "Missing CSeq", 1);
	bad_one("From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n", "",
		"Missing From", 1);
	bad_one("To: Bob <sip:bob@biloxi.example.com>\r\n", "", "Missing To", 1);
	bad_one("Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;rport\r\n",
		"", "Missing Via", 0);
	bad_one("CSeq: 314159 INVITE", "CSeq: 314159 BYE", "CSeq Method Mismatch", 1);
	bad_one("CSeq: 314159 INVITE", "CSeq: -1 INVITE", "Bad CSeq", 1);
	bad_one("CSeq: 314159 INVITE", "CSeq: 99999999999 INVITE", "Bad CSeq", 1);
	bad_one("Max-Forwards: 70", "Max-Forwards: 7o", "Bad Max-Forwards", 1);
	bad_one("Max-Forwards: 70", "Max-Forwards: 256", "Bad Max-Forwards", 1);
	bad_one("Content-Length: 10", "Content-Length: 11", "Content-Length Too Large", 1);
	bad_one("Content-Length: 10", "Content-Length: x", "Bad Content-Length", 1);
	bad_one("Call-ID: a84b4c76e66710", "Call-ID: a84b4c7 6e66710", "Bad Call-ID", 1);
	bad_one("Max-Forwards: 70\r\n", "Max-Forwards: 70\r\nCall-ID: again\r\n",
		"Duplicate Call-ID", 1);
	bad_one("To: Bob <sip:bob@biloxi.example.com>", "To: Bob <sip:bob@biloxi.example.com",
		"Bad To", 1);
	bad_one("From: Alice", "From: \"Alice", "Bad From", 1);
	bad_one("Contact: <sip:alice@pc33.atlanta.example.com>", "Contact: <sip:a@[::1>",
		"Bad Contact", 1);
	/* a URI with headers: only inside <>, and never as the Request-URI */
	bad_one("Contact: <sip:alice@pc33.atlanta.example.com>",
		"Contact: sip:a@b?Route=%3Csip:c%3E", "Bad Contact", 1);
	bad_one("INVITE sip:bob@biloxi.example.com SIP/2.0",
		"INVITE sip:bob@x?Route=%3Csip:c%3E SIP/2.0", "Bad Request-URI", 1);
	bad_one("Max-Forwards: 70\r\n", "Max-Forwards: 70\r\nRoute: <tel:+1>\r\n", "Bad Route", 1);
	bad_one("Via: SIP/2.0/UDP pc33", "Via: SIP/3.0/UDP pc33", "Bad Via", 0);
	bad_one("Max-Forwards: 70\r\n", "Max-Forwards: 70\r\nNo colon here\r\n",
		"Malformed Header Line", 1);
	bad_one("INVITE sip:bob@biloxi.example.com SIP/2.0", "INVITE tel:+15551234 SIP/2.0",
		"Unsupported URI Scheme", 1);
	bad_one("INVITE sip:bob@biloxi.example.com SIP/2.0", "INVITE sip:bob@ SIP/2.0",
		"Bad Request-URI", 1);
	bad_one("INVITE sip:bob@biloxi.example.com SIP/2.0", "INVITE  sip:bob@x SIP/2.0",
		"Bad Request Line", 1);
	bad_one("INVITE sip:bob@biloxi.example.com SIP/2.0", "INVITE sip:bob@x SIP/2.0 ",
		"Bad Request Line", 1);
	bad_one("INVITE sip:bob@biloxi.example.com SIP/2.0", "INVITE sip:bob@x; lr SIP/2.0",
		"Bad Request Line", 1);
	bad_one("INVITE sip:bob@biloxi.example.com SIP/2.0", "INVITE sip:bob@x SIP/1.0",
		MSG_ERR_VERSION, 1);
	bad_one("INVITE sip:bob@biloxi.example.com SIP/2.0", "INVITE sip:bob@x SIP/1.",
		"Bad Request Line", 1);
	bad_one("INVITE sip:bob@biloxi.example.com SIP/2.0", "INVITE sip:bob@x HTTP/1.1",
		"Bad Request Line", 1);
	/* no method: nothing to answer */
	bad_one("INVITE sip:bob@biloxi.example.com SIP/2.0", " INVITE sip:bob@x SIP/2.0",
		"Bad Request Line", 0);
	bad_one("\r\n\r\nv=0", "\r\nv=0", "Malformed Header Line", 1);

	/* more Via values than are kept: checked, not kept, and no error */
	{
		char text[8192];
		int i, n = 0;

		n += snprintf(text + n, sizeof(text) - n, "OPTIONS sip:x SIP/2.0\r\n");
		for (i = 0; i < SIP_MAX_VIA + 2; i++)
			n += snprintf(text + n, sizeof(text) - n, "Via: SIP/2.0/UDP h%d\r\n", i);
		snprintf(text + n, sizeof(text) - n, "f: <sip:a@b>;tag=1\r\nt: <sip:x>\r\n"
			 "i: 1\r\nCSeq: 1 OPTIONS\r\n\r\n");
		CHECK_EQ(parse(text, &m, &b), 0);
		CHECK_EQ(m.nvia, SIP_MAX_VIA);
		CHECK_SL(m.via[SIP_MAX_VIA - 1].host, "h31");
		free(b);
		n = snprintf(text, sizeof(text), "OPTIONS sip:x SIP/2.0\r\n");
		for (i = 0; i < SIP_MAX_VIA + 2; i++)
			n += snprintf(text + n, sizeof(text) - n, "Via: SIP/2.0/UDP h%d%s\r\n", i,
				      i == SIP_MAX_VIA + 1 ? " junk" : "");
		snprintf(text + n, sizeof(text) - n, "f: <sip:a@b>;tag=1\r\nt: <sip:x>\r\n"
			 "i: 1\r\nCSeq: 1 OPTIONS\r\n\r\n");
		CHECK_EQ(parse(text, &m, &b), -EINVAL);
		CHECK_STR(m.err, "Bad Via");
		free(b);
	}
	/* too many headers */
	{
		char text[8192];
		int i, n = 0;

		n += snprintf(text + n, sizeof(text) - n, "OPTIONS sip:x SIP/2.0\r\n"
			      "Via: SIP/2.0/UDP h\r\n");
		for (i = 0; i < SIP_MAX_HDRS; i++)
			n += snprintf(text + n, sizeof(text) - n, "X-H%d: %d\r\n", i, i);
		snprintf(text + n, sizeof(text) - n, "\r\n");
		CHECK_EQ(parse(text, &m, &b), -EINVAL);
		CHECK_STR(m.err, "Too Many Headers");
		free(b);
	}
	/* garbage */
	CHECK_EQ(parse("\x01\x02\x03\r\n\r\n", &m, &b), -EINVAL);
	CHECK_EQ(MSG_CanReply(&m), 0);
	free(b);
	CHECK_EQ(parse("", &m, &b), -EINVAL);
	free(b);
	CHECK_EQ(parse("SIP/2.0 99 x\r\n\r\n", &m, &b), -EINVAL);
	free(b);
	CHECK_EQ(parse("SIP/2.0 200\r\nv: SIP/2.0/UDP h\r\n\r\n", &m, &b), -EINVAL);
	CHECK_STR(m.err, "Missing From");
	free(b);
}

/* every prefix of a valid message, from an exact-size buffer: no overread, no crash */
static void test_truncations(const char *text, int check_frame)
{
	size_t len = strlen(text), n;
	int ok_full = 0;

	for (n = 0; n <= len; n++) {
		char *b = malloc(n ? n : 1);
		struct sip_msg m;
		size_t skip;
		long f;
		int r;

		memcpy(b, text, n);
		r = MSG_Parse(&m, b, n);
		if (n == len)
			ok_full = r == 0;
		else if (r == 0 && m.content_length >= 0)
			/* a prefix may parse only when what is cut is beyond Content-Length */
			CHECK(m.len <= n);
		f = MSG_Frame(b, n, 65535, &skip);
		if (check_frame && n < len)
			CHECK(f == 0 || (f > 0 && (size_t)f + skip <= n));
		free(b);
	}
	CHECK(ok_full);
	passed++;	/* reaching here means ASan saw no overread */
}

static void test_frame(void)
{
	char two[2048];
	size_t skip;
	long f;

	snprintf(two, sizeof(two), "\r\n\r\n%s%s", invite, invite);
	f = MSG_Frame(two, strlen(two), 65535, &skip);
	CHECK_EQ(skip, 4);
	CHECK_EQ(f, strlen(invite));
	CHECK_EQ(MSG_Frame(invite, strlen(invite) - 1, 65535, &skip), 0);
	CHECK_EQ(MSG_Frame(invite, strlen(invite), 100, &skip), -EMSGSIZE);
	CHECK_EQ(MSG_Frame("OPTIONS sip:x SIP/2.0\r\nVia: x\r\n\r\n", 33, 65535, &skip),
		 -EINVAL);
	{
		static const char big[] = "OPTIONS sip:x SIP/2.0\r\nl: 99999\r\n\r\n";

		CHECK_EQ(MSG_Frame(big, strlen(big), 65535, &skip), -EMSGSIZE);
	}
	{
		static const char compact[] = "OPTIONS sip:x SIP/2.0\r\nl : 3\r\n\r\nabc";

		CHECK_EQ(MSG_Frame(compact, strlen(compact), 65535, &skip), strlen(compact));
	}
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_good();
	test_forms();
	test_uri();
	test_bad();
	test_frame();
	test_truncations(invite, 1);
	test_truncations(torture, 1);
	test_truncations("SIP/2.0 200 OK\r\nv: SIP/2.0/UDP [::1]:5060;branch=z9hG4bK1\r\n"
			 "f: <sip:a@b>;tag=1\r\nt: <sip:c@d>;tag=2\r\ni: x\r\nCSeq: 1 BYE\r\n"
			 "l: 0\r\n\r\n", 1);
	return check_summary();
}
