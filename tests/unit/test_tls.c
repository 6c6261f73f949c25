// SPDX-License-Identifier: GPL-2.0
/*
 * SIP over TLS (daemon/sip/tls.c, conn.c, transport.c) on loopback with
 * the daemon's own event loop. The test makes its certificate with GnuTLS
 * (self-signed, subjectAltName IP 127.0.0.1) and then checks:
 *   - krtpd calling its own TLS listener: the handshake verifies the server
 *     by CA and address, the message arrives marked TLS, the reply goes
 *     back over the same connection;
 *   - calling [::1], which the certificate does not name, fails verification
 *     and delivers nothing;
 *   - garbage instead of a ClientHello, and a client that never speaks, are
 *     closed and counted (the second after tls_handshake_timeout);
 *   - a client offering only TLS 1.1 is refused, even with a tls_priority
 *     that would allow it;
 *   - a connection krtpd opened that fails (verification, connect refused)
 *     is reported to the transport's fail handler, once;
 *   - with the name it was resolved from (CONN_TlsName), [::1] verifies
 *     against the certificate's DNS name instead (RFC 5922).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "log.h"
#include "loop.h"
#include "rcu.h"
#include "timer.h"
#include "sip/conn.h"
#include "sip/tls.h"
#include "sip/transport.h"
#include "check.h"
#include "looptest.h"

static char dir[64], cert_file[96], key_file[96];
static int got_request, got_reply, got_proto;
static int failed_conns, failed_proto;
static struct sockaddr_storage failed_addr;

static void fail_fn(int proto, const struct sockaddr_storage *addr)
{
	failed_conns++;
	failed_proto = proto;
	failed_addr = *addr;
}
static char got_body[128];

static int write_datum(const char *path, const gnutls_datum_t *d)
{
	FILE *f = fopen(path, "w");
	int ok = f && fwrite(d->data, 1, d->size, f) == d->size;

	if (f)
		fclose(f);
	return ok ? 0 : -1;
}

/* a self-signed certificate for 127.0.0.1 that is also its own CA */
static int make_cert(void)
{
	gnutls_x509_privkey_t key;
	gnutls_x509_crt_t crt;
	gnutls_datum_t out;
	unsigned char ip[4] = { 127, 0, 0, 1 }, serial[4] = { 1, 2, 3, 4 };
	time_t now = time(NULL);
	int r = 0;

	gnutls_x509_privkey_init(&key);
	gnutls_x509_crt_init(&crt);
	r |= gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
					  GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0);
	r |= gnutls_x509_crt_set_version(crt, 3);
	r |= gnutls_x509_crt_set_serial(crt, serial, sizeof(serial));
	r |= gnutls_x509_crt_set_activation_time(crt, now - 60);
	r |= gnutls_x509_crt_set_expiration_time(crt, now + 3600);
	r |= gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, "krtp test", 9);
	r |= gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, ip, 4,
						  GNUTLS_FSAN_SET);
	r |= gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, "sip.krtp.test", 13,
						  GNUTLS_FSAN_APPEND);
	r |= gnutls_x509_crt_set_basic_constraints(crt, 1, -1);
	r |= gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE |
					   GNUTLS_KEY_KEY_CERT_SIGN);
	r |= gnutls_x509_crt_set_key(crt, key);
	r |= gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0);
	if (!r && !gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &out)) {
		r = write_datum(cert_file, &out);
		gnutls_free(out.data);
	}
	if (!r && !gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &out)) {
		r = write_datum(key_file, &out);
		gnutls_free(out.data);
	}
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(key);
	return r;
}

#define PING "OPTIONS sip:127.0.0.1 SIP/2.0\r\nContent-Length: 0\r\n\r\n"
#define PONG "SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n"

/* the SIP layer's part: answer PING with PONG on the same connection */
static void handler(const char *buf, size_t len, const struct tp_peer *src)
{
	snprintf(got_body, sizeof(got_body), "%.*s", (int)len, buf);
	got_proto = src->proto;
	if (len >= 7 && !memcmp(buf, "OPTIONS", 7)) {
		got_request++;
		TP_Send(src, PONG, strlen(PONG));
	} else {
		got_reply++;
		LOOP_Quit();
	}
}

/* a plain TCP client socket connected to l */
static int tcp_client(const struct sockaddr_storage *l)
{
	int fd = socket(l->ss_family, SOCK_STREAM, 0);

	if (fd >= 0 && connect(fd, (const struct sockaddr *)l, TP_AddrLen(l))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* nonblocking "is it closed?": 1 when the peer closed or reset */
static int is_closed(int fd)
{
	char b[256];
	ssize_t n;

	while ((n = recv(fd, b, sizeof(b), MSG_DONTWAIT)) > 0)
		;
	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

/* a GnuTLS client stepped from a timer, so the loop serves the other side */
static gnutls_session_t old_sess;
static int old_result = 1;	/* 1 = running, 0 = handshake done, <0 = failed */
static struct tmr old_tmr = { .idx = -1 };

static void old_step(struct tmr *t)
{
	int r = gnutls_handshake(old_sess);

	if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) {
		TMR_Start(t, 5);
		return;
	}
	old_result = r < 0 ? r : 0;
	LOOP_Quit();
}

int main(void)
{
	struct tp_listen l[2] = { { .tls = 1 }, { .tls = 1 } };
	struct tp_limits lim = { .max_message = 4096, .max_conns = 16, .idle_timeout = 60,
				 .tls_handshake_timeout = 1 };
	struct tls_config tc = { .verify = 1, .priority = "NORMAL:+VERS-TLS1.1" };
	struct tp_peer dst = { .proto = TP_TLS, .sock = -1 };
	struct tp_stats st;
	int fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	LOG_SetLevel(LOGL_ERR);
	RCU_RegisterThread();
	CHECK_EQ(LOOP_Init(), 0);

	snprintf(dir, sizeof(dir), "/tmp/krtp-tls-XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
	snprintf(cert_file, sizeof(cert_file), "%s/cert.pem", dir);
	snprintf(key_file, sizeof(key_file), "%s/key.pem", dir);
	CHECK_EQ(make_cert(), 0);
	tc.certificate = cert_file;
	tc.private_key = key_file;
	tc.ca_file = cert_file;
	CHECK_EQ(TLS_Init(&tc), 0);
	CHECK(TLS_CanServe());

	l[0].addr.ss_family = AF_INET;
	((struct sockaddr_in *)&l[0].addr)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	((struct sockaddr_in *)&l[0].addr)->sin_port = htons(free_port_family(AF_INET));
	l[1].addr.ss_family = AF_INET6;
	((struct sockaddr_in6 *)&l[1].addr)->sin6_addr = in6addr_loopback;
	((struct sockaddr_in6 *)&l[1].addr)->sin6_port = htons(free_port_family(AF_INET6));
	CHECK_EQ(TP_Init(l, 2, &lim, handler), 0);
	TP_SetFailHandler(fail_fn);
	CHECK_EQ(TP_ProtoParse(STR_C("tls")), TP_TLS);
	CHECK_STR(TP_ProtoName(TP_TLS), "TLS");
	CHECK_EQ(TP_DefaultPort(TP_TLS), 5061);

	/* 1: krtpd to its own listener, verified; the reply reuses the connection */
	dst.addr = l[0].addr;
	CHECK_EQ(TP_Send(&dst, PING, strlen(PING)), 0);
	run_for(5000);
	CHECK_EQ(got_request, 1);
	CHECK_EQ(got_reply, 1);
	CHECK_EQ(got_proto, TP_TLS);
	CHECK_STR(got_body, PONG);
	TP_GetStats(&st);
	CHECK_EQ(st.tls_handshakes, 2);		/* client and server side */
	CHECK_EQ(st.tls_handshake_failures, 0);
	CHECK_EQ(st.tls_open, 2);		/* one connection, seen from both ends */
	CHECK_EQ(st.conns, 2);

	/* 2: [::1] is not in the certificate: verification fails, nothing arrives */
	got_request = got_reply = 0;
	dst.addr = l[1].addr;
	CHECK_EQ(TP_Send(&dst, PING, strlen(PING)), 0);
	run_for(1500);
	CHECK_EQ(got_request, 0);
	TP_GetStats(&st);
	CHECK_EQ(st.tls_verify_failures, 1);
	CHECK_EQ(st.tls_handshakes, 2);
	CHECK(st.tls_handshake_failures >= 1);	/* the client, and the server it left */
	CHECK_EQ(st.tls_open, 2);
	CHECK_EQ(failed_conns, 1);		/* reported as a transport error */
	CHECK_EQ(failed_proto, TP_TLS);
	CHECK(TP_SameAddr(&failed_addr, &l[1].addr));

	/* 3: garbage instead of a ClientHello: closed at once, counted */
	{
		unsigned long before = st.tls_handshake_failures;

		fd = tcp_client(&l[0].addr);
		CHECK(fd >= 0);
		CHECK_EQ(send(fd, "OPTIONS sip:x SIP/2.0\r\n\r\n", 25, 0), 25);
		run_for(300);
		CHECK(is_closed(fd));
		close(fd);
		TP_GetStats(&st);
		CHECK_EQ(st.tls_handshake_failures, before + 1);
		CHECK_EQ(st.tls_open, 2);
	}

	/* 4: a client that connects and stalls: closed by the handshake timeout */
	{
		unsigned long before = st.tls_handshake_failures;

		fd = tcp_client(&l[0].addr);
		CHECK(fd >= 0);
		run_for(300);
		CHECK(!is_closed(fd));
		TP_GetStats(&st);
		CHECK_EQ(st.tls_open, 3);
		run_for(3500);		/* 1 s timeout, swept every 2 s */
		CHECK(is_closed(fd));
		close(fd);
		TP_GetStats(&st);
		CHECK_EQ(st.tls_handshake_timeouts, 1);
		CHECK_EQ(st.tls_handshake_failures, before + 1);
		CHECK_EQ(st.tls_open, 2);
	}

	/* 5: TLS 1.1 only: refused although tls_priority itself allows it */
	{
		gnutls_certificate_credentials_t x;

		fd = tcp_client(&l[0].addr);
		CHECK(fd >= 0);
		fcntl(fd, F_SETFL, O_NONBLOCK);
		gnutls_certificate_allocate_credentials(&x);
		gnutls_init(&old_sess, GNUTLS_CLIENT | GNUTLS_NONBLOCK);
		CHECK_EQ(gnutls_priority_set_direct(old_sess, "NORMAL:-VERS-ALL:+VERS-TLS1.1",
						    NULL), 0);
		gnutls_credentials_set(old_sess, GNUTLS_CRD_CERTIFICATE, x);
		gnutls_transport_set_int(old_sess, fd);
		TMR_Setup(&old_tmr, old_step);
		TMR_Start(&old_tmr, 1);
		run_for(3000);
		TMR_Stop(&old_tmr);
		CHECK(old_result < 0);
		gnutls_deinit(old_sess);
		gnutls_certificate_free_credentials(x);
		close(fd);
		TP_GetStats(&st);
		CHECK_EQ(st.tls_handshakes, 2);
	}

	/* 6: TCP to a port nobody listens on: the fail handler hears of it */
	{
		struct tp_peer tcp = { .proto = TP_TCP, .sock = -1 };

		tcp.addr.ss_family = AF_INET;
		((struct sockaddr_in *)&tcp.addr)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		((struct sockaddr_in *)&tcp.addr)->sin_port = htons(free_port_family(AF_INET));
		failed_conns = 0;
		CHECK_EQ(TP_Send(&tcp, PING, strlen(PING)), 0);
		run_for(500);
		CHECK_EQ(failed_conns, 1);
		CHECK_EQ(failed_proto, TP_TCP);
	}

	/* 7: [::1] by the name it was resolved from: verified against the DNS SAN */
	got_request = got_reply = 0;
	failed_conns = 0;
	dst.addr = l[1].addr;
	CONN_TlsName(&dst.addr, "sip.krtp.test");
	CHECK_EQ(TP_Send(&dst, PING, strlen(PING)), 0);
	run_for(5000);
	CHECK_EQ(got_request, 1);
	CHECK_EQ(got_reply, 1);
	CHECK_EQ(failed_conns, 0);
	TP_GetStats(&st);
	CHECK_EQ(st.tls_handshakes, 4);
	CHECK_EQ(st.tls_verify_failures, 1);

	/* SIGHUP: the certificate reloads; a missing one keeps the old */
	CHECK_EQ(TLS_Reload(), 0);
	unlink(key_file);
	CHECK(TLS_Reload() < 0);
	CHECK(TLS_CanServe());

	TP_Fini();
	TLS_Fini();
	LOOP_Fini();
	RCU_UnregisterThread();
	unlink(cert_file);
	rmdir(dir);
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
