// SPDX-License-Identifier: GPL-2.0
/*
 * DTLS-SRTP of WebRTC legs (daemon/media/dtls.c, dtls_cert.c) over an
 * in-memory loopback: two sessions hand each other their datagrams.
 *
 *   - dtls_certificate: a missing file, a file that is no certificate and
 *     a key that is not the certificate's are refused with the reason; a
 *     good pair loads and its fingerprint is what openssl(1) says
 *   - krtpd to krtpd: both roles finish, SRTP_AEAD_AES_128_GCM is chosen,
 *     and each side's write key is the other's read key
 *   - against a peer offering only AES-CM (as aiortc and older stacks do),
 *     as client and as server: AES_CM_128_HMAC_SHA1_80 (or _32 if that is
 *     all it has), same keys both ways
 *   - a peer whose certificate is not the SDP's fingerprint fails
 *   - a lost ClientHello is sent again when the timer says so
 *   - reload (SIGHUP): a new pair is what sessions made from then on show,
 *     logged with openssl(1)'s fingerprint; a handshake begun before it
 *     completes with the old certificate, freed by then but for the
 *     sessions' own references (ASan); a missing file, a file that is no
 *     PEM and a key that is not the certificate's are refused with the
 *     reason, naming the file, and the fingerprint stays
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "media/dtls.h"

#include "check.h"

#define QMAX	32

/* datagrams on their way to one side */
struct queue {
	uint8_t buf[QMAX][2048];
	size_t len[QMAX];
	int n;
	int drop;	/* drop that many before queueing */
	int sent;
};

static void q_send(void *arg, const void *buf, size_t len)
{
	struct queue *q = arg;

	q->sent++;
	if (q->drop > 0) {
		q->drop--;
		return;
	}
	if (q->n < QMAX && len <= sizeof(q->buf[0])) {
		memcpy(q->buf[q->n], buf, len);
		q->len[q->n++] = len;
	}
}

/* the certificate the tests before the reload use */
static struct med_dtls_cert *cert;

/* a certificate's fingerprint as bytes */
static size_t own_fp(const struct med_dtls_cert *c, uint8_t *fp)
{
	const char *s = c ? c->fp : NULL;
	size_t n = 0;

	if (!s || strncmp(s, "sha-256 ", 8))
		return 0;
	for (s += 8; s[0] && s[1] && n < 32; s += s[2] == ':' ? 3 : 2)
		fp[n++] = (uint8_t)strtoul(s, NULL, 16);
	return n;
}

/* feed every queued datagram; the last non-zero return of med_dtls_input */
static int drain(struct med_dtls *d, struct queue *q, uint64_t now)
{
	int r = 0, k;

	for (int i = 0; i < q->n; i++) {
		k = med_dtls_input(d, q->buf[i], q->len[i], now);
		if (k)
			r = k;
	}
	q->n = 0;
	return r;
}

static void same_keys(struct med_dtls *a, struct med_dtls *b, enum sdp_srtp_suite want)
{
	struct sdp_crypto ap, ao, bp, bo;

	CHECK_EQ(med_dtls_keys(a, &ap, &ao), 0);
	CHECK_EQ(med_dtls_keys(b, &bp, &bo), 0);
	CHECK_EQ(ao.suite, want);
	CHECK_EQ(bo.suite, want);
	CHECK_EQ(ao.key_len, sdp_srtp_key_len(want));
	CHECK(ao.key_len == bp.key_len && !memcmp(ao.key, bp.key, ao.key_len));
	CHECK(bo.key_len == ap.key_len && !memcmp(bo.key, ap.key, bo.key_len));
	/* the two directions have their own keys */
	CHECK(memcmp(ao.key, bo.key, ao.key_len));
}

/* run a client and a server until both are done or nothing moves; 1 both done */
static int handshake(struct med_dtls *c, struct queue *toc, struct med_dtls *s,
		     struct queue *tos, int *rc, int *rs)
{
	*rc = *rs = 0;
	med_dtls_start(c, 1000);
	for (int round = 0; round < 20 && (tos->n || toc->n); round++) {
		int k = drain(s, tos, 1000);

		if (k)
			*rs = k;
		k = drain(c, toc, 1000);
		if (k)
			*rc = k;
	}
	return med_dtls_done(c) && med_dtls_done(s);
}

/* a client and a server, each sending to the other's queue */
struct pair {
	struct queue toc, tos;	/* to the client, to the server */
	struct med_dtls *c, *s;
};

/* the fingerprint new calls are shown (the current certificate keeps it alive) */
static const char *cur_fp(void)
{
	struct med_dtls_cert *c = med_dtls_cert_get();
	const char *fp = c ? c->fp : NULL;

	med_dtls_cert_put(c);
	return fp;
}

/*
 * A client with certificate cc and a server with sc, each expecting the
 * other's fingerprint; bad: the server expects one a bit off. false (a
 * failed check) unless both were made.
 */
static bool pair_new(struct pair *p, const struct med_dtls_cert *cc,
		     const struct med_dtls_cert *sc, bool bad)
{
	uint8_t cfp[32], sfp[32];
	size_t cn = own_fp(cc, cfp), sn = own_fp(sc, sfp);

	memset(p, 0, sizeof(*p));
	CHECK(cn == 32 && sn == 32);
	if (bad)
		cfp[5] ^= 1;
	p->c = med_dtls_new(cc, false, SDP_FP_SHA256, sfp, sn, q_send, &p->tos);
	p->s = med_dtls_new(sc, true, SDP_FP_SHA256, cfp, cn, q_send, &p->toc);
	CHECK(p->c && p->s);
	return p->c && p->s;
}

static void pair_free(struct pair *p)
{
	med_dtls_free(p->c);
	med_dtls_free(p->s);
	p->c = p->s = NULL;
}

static int pair_handshake(struct pair *p, int *rc, int *rs)
{
	return handshake(p->c, &p->toc, p->s, &p->tos, rc, rs);
}

static void test_cert_file(void)
{
	char dir[] = "/tmp/krtp-dtls-XXXXXX", cmd[1024], path[3][300], want[200];
	FILE *f;

	if (!mkdtemp(dir)) {
		CHECK(0);
		return;
	}
	snprintf(path[0], sizeof(path[0]), "%s/cert.pem", dir);
	snprintf(path[1], sizeof(path[1]), "%s/key.pem", dir);
	snprintf(path[2], sizeof(path[2]), "%s/other.pem", dir);
	snprintf(cmd, sizeof(cmd),
		 "cd %s && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
		 "-nodes -keyout key.pem -out cert.pem -subj /CN=test -days 2 2>/dev/null && "
		 "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out other.pem "
		 "2>/dev/null && openssl x509 -in cert.pem -noout -fingerprint -sha256 > fp.txt",
		 dir);
	CHECK_EQ(system(cmd), 0);

	CHECK_EQ(med_dtls_init("/nonexistent/cert.pem", NULL), -ENOENT);
	/* a key is no certificate */
	CHECK_EQ(med_dtls_init(path[1], path[1]), -EINVAL);
	CHECK_EQ(med_dtls_init(path[0], path[2]), -EINVAL);
	CHECK_EQ(med_dtls_init(path[0], "/nonexistent/key.pem"), -ENOENT);
	CHECK_EQ(med_dtls_init(path[0], path[1]), 0);

	snprintf(cmd, sizeof(cmd), "%s/fp.txt", dir);
	f = fopen(cmd, "r");
	want[0] = '\0';
	if (f) {
		/* "sha256 Fingerprint=AB:CD:..." */
		if (fscanf(f, "sha256 Fingerprint=%199s", want) != 1)
			want[0] = '\0';
		fclose(f);
	}
	CHECK(want[0] && cur_fp() &&
	      !strcmp(cur_fp() + strlen("sha-256 "), want));
	printf("# dtls_certificate loaded, fingerprint %s\n", cur_fp());
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK_EQ(system(cmd), 0);
}

static void test_gcm(void)
{
	static struct pair p;
	int rc, rs;

	if (!pair_new(&p, cert, cert, false))
		goto out;
	CHECK_EQ(pair_handshake(&p, &rc, &rs), 1);
	CHECK_EQ(rc, 1);
	CHECK_EQ(rs, 1);
	same_keys(p.c, p.s, SDP_SRTP_AEAD_AES_128_GCM);
	/* after the handshake a stray record is not the end */
	CHECK_EQ(med_dtls_input(p.s, (const uint8_t *)"\x17\xfe\xfd", 3, 1000), 0);
out:
	pair_free(&p);
}

/* a peer speaking plain OpenSSL with its own profile list, as a browser would */
struct peer {
	SSL *ssl;
	BIO *rd, *wr;
};

static void peer_new(struct peer *p, bool server, const char *profiles)
{
	p->ssl = SSL_new(cert->ctx);
	p->rd = BIO_new(BIO_s_mem());
	p->wr = BIO_new(BIO_s_mem());
	BIO_set_mem_eof_return(p->rd, -1);
	SSL_set_bio(p->ssl, p->rd, p->wr);
	SSL_set_tlsext_use_srtp(p->ssl, profiles);
	if (server)
		SSL_set_accept_state(p->ssl);
	else
		SSL_set_connect_state(p->ssl);
}

/* step the peer on what krtpd sent it; what it writes goes to krtpd as one datagram */
static void peer_step(struct peer *p, struct queue *in, struct queue *out)
{
	char *data;
	long n;

	for (int i = 0; i < in->n; i++)
		BIO_write(p->rd, in->buf[i], (int)in->len[i]);
	in->n = 0;
	SSL_do_handshake(p->ssl);
	n = BIO_get_mem_data(p->wr, &data);
	if (n > 0)
		q_send(out, data, (size_t)n);
	(void)BIO_reset(p->wr);
}

static void test_cm_peer(bool krtpd_server, const char *profiles, enum sdp_srtp_suite want)
{
	static struct queue tok, top;
	struct sdp_crypto kp, ko;
	struct med_dtls *k;
	struct peer p;
	uint8_t fp[32], mat[60];
	size_t n = own_fp(cert, fp);
	int r = 0;

	memset(&tok, 0, sizeof(tok));
	memset(&top, 0, sizeof(top));
	k = med_dtls_new(cert, krtpd_server, SDP_FP_SHA256, fp, n, q_send, &top);
	CHECK(k != NULL);
	if (!k)
		return;
	peer_new(&p, !krtpd_server, profiles);
	if (krtpd_server)
		peer_step(&p, &top, &tok);
	else
		med_dtls_start(k, 1000);
	for (int round = 0; round < 20 && !med_dtls_done(k); round++) {
		peer_step(&p, &top, &tok);
		int x = drain(k, &tok, 1000);

		if (x)
			r = x;
	}
	peer_step(&p, &top, &tok);
	CHECK_EQ(r, 1);
	CHECK(SSL_is_init_finished(p.ssl));
	CHECK_EQ(med_dtls_keys(k, &kp, &ko), 0);
	CHECK_EQ(ko.suite, want);
	CHECK_EQ(ko.key_len, 30);
	/* the peer's own export: client key, server key, client salt, server salt */
	CHECK_EQ(SSL_export_keying_material(p.ssl, mat, 60, "EXTRACTOR-dtls_srtp", 19,
					    NULL, 0, 0), 1);
	{
		const uint8_t *ck = mat, *sk = mat + 16, *cs = mat + 32, *ss = mat + 46;
		const uint8_t *wk = krtpd_server ? sk : ck, *ws = krtpd_server ? ss : cs;
		const uint8_t *rk = krtpd_server ? ck : sk, *rs = krtpd_server ? cs : ss;

		CHECK(!memcmp(ko.key, wk, 16) && !memcmp(ko.key + 16, ws, 14));
		CHECK(!memcmp(kp.key, rk, 16) && !memcmp(kp.key + 16, rs, 14));
	}
	printf("# krtpd as %s, peer offering %s: %s\n", krtpd_server ? "server" : "client",
	       profiles, sdp_srtp_suite_name(ko.suite));
	SSL_free(p.ssl);
	med_dtls_free(k);
}

static void test_bad_fingerprint(void)
{
	static struct pair p;
	int rc, rs;

	if (!pair_new(&p, cert, cert, true))
		goto out;
	pair_handshake(&p, &rc, &rs);
	CHECK_EQ(rs, -1);
	CHECK(!med_dtls_done(p.s));
	CHECK_EQ(med_dtls_input(p.s, (const uint8_t *)"\x16\xfe\xfd", 3, 1000), -1);
out:
	pair_free(&p);
}

static void test_retransmit(void)
{
	static struct pair p;
	uint8_t fp[32];
	size_t n = own_fp(cert, fp);
	int rc, rs;

	if (!pair_new(&p, cert, cert, false))
		goto out;
	p.tos.drop = 1;	/* the first ClientHello is lost */
	med_dtls_start(p.c, 1000);
	CHECK_EQ(p.tos.sent, 1);
	CHECK_EQ(p.tos.n, 0);
	/* not yet: the timer is a second */
	CHECK_EQ(med_dtls_tick(p.c, 1100), 0);
	CHECK_EQ(p.tos.sent, 1);
	usleep(1100 * 1000);	/* OpenSSL's timer runs on the real clock */
	CHECK_EQ(med_dtls_tick(p.c, 2200), 0);
	CHECK_EQ(p.tos.sent, 2);
	CHECK_EQ(pair_handshake(&p, &rc, &rs), 1);
	/* the client gives up 30 s after it started when nothing answers */
	med_dtls_free(p.c);
	memset(&p.tos, 0, sizeof(p.tos));
	p.tos.drop = 1000;
	p.c = med_dtls_new(cert, false, SDP_FP_SHA256, fp, n, q_send, &p.tos);
	med_dtls_start(p.c, 1000);
	CHECK_EQ(med_dtls_tick(p.c, 1000 + 30000), -1);
	CHECK_EQ(med_dtls_tick(p.c, 1000 + 31000), -1);
out:
	pair_free(&p);
}

/* a folder for the reload tests' files */
static char rdir[] = "/tmp/krtp-dtls-reload-XXXXXX";

static const char *rpath(const char *name, char *buf, size_t sz)
{
	snprintf(buf, sz, "%s/%s", rdir, name);
	return buf;
}

/* NAME.pem and NAME.key, a new P-256 pair made by openssl(1); want: its fingerprint */
static int mkcert(const char *name, char *want, size_t sz)
{
	char cmd[1024], fpf[300];
	FILE *f;
	int ok;

	snprintf(cmd, sizeof(cmd),
		 "cd %s && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
		 "-nodes -keyout %s.key -out %s.pem -subj /CN=%s -days 2 2>/dev/null && "
		 "openssl x509 -in %s.pem -noout -fingerprint -sha256 > %s.fp",
		 rdir, name, name, name, name, name);
	if (system(cmd))
		return -1;
	snprintf(fpf, sizeof(fpf), "%s/%s.fp", rdir, name);
	f = fopen(fpf, "r");
	if (!f)
		return -1;
	/* "sha256 Fingerprint=AB:CD:..." */
	ok = fscanf(f, "sha256 Fingerprint=%199s", want) == 1;
	fclose(f);
	return ok && strlen(want) < sz ? 0 : -1;
}

/* med_dtls_reload with krtpd's log lines (stderr) caught in log */
static int reload_logged(const char *crt, const char *key, char *log, size_t sz)
{
	FILE *f = tmpfile();
	int saved = dup(2), r;
	size_t n = 0;

	fflush(stderr);
	if (f)
		dup2(fileno(f), 2);
	r = med_dtls_reload(crt, key);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	if (f) {
		rewind(f);
		n = fread(log, 1, sz - 1, f);
		fclose(f);
	}
	log[n] = '\0';
	return r;
}

/* a line of the log is "krtpd LEVEL: TEXT", perhaps with more after it */
static bool logged(const char *log, const char *level, const char *text)
{
	char want[1024];

	snprintf(want, sizeof(want), "krtpd %s: %s", level, text);
	return strstr(log, want) != NULL;
}

/* show what krtpd logged, as comments */
static void show_log(const char *log)
{
	for (const char *p = log, *nl; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p) - 1;
		printf("# %.*s\n", (int)(nl - p), p);
	}
}

static void test_reload(void)
{
	static struct pair before, after;
	struct med_dtls_cert *old = med_dtls_cert_get(), *cur;
	char want[200], log[4096], line[1024], crt[300], key[300];
	int rc, rs;

	if (!old || mkcert("new", want, sizeof(want))) {
		CHECK(0);
		med_dtls_cert_put(old);
		return;
	}
	/* a handshake begun with the old certificate: the server's flight is on its way */
	if (!pair_new(&before, old, old, false))
		goto out;
	med_dtls_start(before.c, 1000);
	CHECK_EQ(drain(before.s, &before.tos, 1000), 0);
	CHECK(before.toc.n > 0);

	CHECK_EQ(reload_logged(rpath("new.pem", crt, sizeof(crt)),
			       rpath("new.key", key, sizeof(key)), log, sizeof(log)), 0);
	show_log(log);
	snprintf(line, sizeof(line), "media: DTLS certificate reloaded from %s, fingerprint sha-256 %s",
		 crt, want);
	CHECK(logged(log, "info", line));
	cur = med_dtls_cert_get();
	CHECK(cur && cur != old && strcmp(cur->fp, old->fp));
	CHECK(cur && !strcmp(cur->fp + strlen("sha-256 "), want));
	CHECK_STR(cur_fp(), cur ? cur->fp : "");

	/* a session made now shows the new one: the client checks it is the new fingerprint */
	if (pair_new(&after, old, cur, false)) {
		CHECK_EQ(pair_handshake(&after, &rc, &rs), 1);
		same_keys(after.c, after.s, SDP_SRTP_AEAD_AES_128_GCM);
	}
	pair_free(&after);

	/*
	 * The last reference to the old certificate goes (as when its call
	 * ends): only the sessions' own references keep its context, and the
	 * handshake begun before the reload completes with it
	 */
	med_dtls_cert_put(old);
	old = NULL;
	CHECK_EQ(pair_handshake(&before, &rc, &rs), 1);
	CHECK_EQ(rc, 1);
	CHECK_EQ(rs, 1);
	same_keys(before.c, before.s, SDP_SRTP_AEAD_AES_128_GCM);
	med_dtls_cert_put(cur);
out:
	pair_free(&before);
	med_dtls_cert_put(old);
}

/* a reload that fails: the reason, naming the file, and the fingerprint stays */
static void reload_bad(const char *crt, const char *key, int err, const char *why)
{
	const char *fp = cur_fp();
	char before[sizeof(((struct med_dtls_cert *)0)->fp)], log[4096], line[1024];

	snprintf(before, sizeof(before), "%s", fp ? fp : "");
	CHECK_EQ(reload_logged(crt, key, log, sizeof(log)), err);
	show_log(log);
	CHECK(logged(log, "error", why));
	snprintf(line, sizeof(line),
		 "media: dtls_certificate %s not reloaded, the one in use stays: fingerprint %s",
		 crt, before);
	CHECK(logged(log, "error", line));
	CHECK_STR(cur_fp(), before);
}

static void test_reload_bad(void)
{
	char want[200], line[1024], crt[300], key[300], other[300], bad[300];
	const char *fp = cur_fp();
	char before[sizeof(((struct med_dtls_cert *)0)->fp)];
	FILE *f;

	snprintf(before, sizeof(before), "%s", fp ? fp : "");
	if (mkcert("valid", want, sizeof(want)) || mkcert("other", want, sizeof(want))) {
		CHECK(0);
		return;
	}
	rpath("valid.pem", crt, sizeof(crt));
	rpath("other.key", other, sizeof(other));
	rpath("garbage.pem", bad, sizeof(bad));
	f = fopen(bad, "w");
	if (f) {
		fputs("not a certificate\n", f);
		fclose(f);
	}
	reload_bad("/nonexistent/cert.pem", NULL, -ENOENT,
		   "media: dtls_certificate /nonexistent/cert.pem: No such file or directory");
	rpath("missing.key", key, sizeof(key));
	snprintf(line, sizeof(line), "media: dtls_private_key %s: No such file or directory", key);
	reload_bad(crt, key, -ENOENT, line);
	snprintf(line, sizeof(line), "media: dtls_certificate %s: not a PEM certificate", bad);
	reload_bad(bad, NULL, -EINVAL, line);
	snprintf(line, sizeof(line), "media: dtls_private_key %s is not the key of dtls_certificate %s",
		 other, crt);
	reload_bad(crt, other, -EINVAL, line);
	/* no dtls_certificate (a generated one): nothing is loaded, nothing changes */
	CHECK_EQ(med_dtls_reload("", NULL), 1);
	CHECK_EQ(med_dtls_reload(NULL, NULL), 1);
	CHECK_STR(cur_fp(), before);
}

int main(void)
{
	char cmd[300];

	setvbuf(stdout, NULL, _IOLBF, 0);
	test_cert_file();
	cert = med_dtls_cert_get();
	test_gcm();
	test_cm_peer(true, "SRTP_AES128_CM_SHA1_80:SRTP_AES128_CM_SHA1_32",
		     SDP_SRTP_AES_CM_128_HMAC_SHA1_80);
	test_cm_peer(false, "SRTP_AES128_CM_SHA1_80", SDP_SRTP_AES_CM_128_HMAC_SHA1_80);
	test_cm_peer(false, "SRTP_AES128_CM_SHA1_32", SDP_SRTP_AES_CM_128_HMAC_SHA1_32);
	test_bad_fingerprint();
	test_retransmit();
	med_dtls_cert_put(cert);
	if (mkdtemp(rdir)) {
		test_reload();
		test_reload_bad();
		snprintf(cmd, sizeof(cmd), "rm -rf %s", rdir);
		CHECK_EQ(system(cmd), 0);
	} else {
		CHECK(0);
	}
	return check_summary();
}
