// SPDX-License-Identifier: GPL-2.0
/*
 * SIP over WebSocket (daemon/sip/ws.c, conn.c, RFC 7118) with the proxy,
 * the registrar and the daemon's own loop, on loopback. A small WebSocket
 * client written here (it masks its frames, or not when told to) checks:
 *   - Sec-WebSocket-Accept for RFC 6455 §1.3's example key;
 *   - Upgrade requests refused: no "sip" subprotocol (400), version 8 (426
 *     naming version 13), not a GET (400), no key (400), an Origin not in
 *     ws_origins (403), one over WS_MAX_REQUEST (431, then closed);
 *   - a REGISTER in one frame is answered 200 over the same connection,
 *     and the binding shows as WS in krtpctl registrations;
 *   - an INVITE from a UDP phone to that user arrives over the WebSocket
 *     with our Via "SIP/2.0/WS" and Record-Route ";transport=ws", and the
 *     200 the browser sends back reaches the caller;
 *   - a REGISTER split over three fragments is reassembled and answered;
 *   - a ping is answered with a pong carrying the same data;
 *   - an unmasked frame is a protocol error: close 1002, connection closed;
 *     a message over max_message_size: close 1009, connection closed;
 *     a ping over 125 bytes: a close, connection closed, counted;
 *   - a close frame is answered with a close and the connection closed,
 *     and then an INVITE to the user no longer goes anywhere (the flow is
 *     dead): the caller gets an error;
 *   - with tcp_idle_timeout 5 s, an idle client is pinged within 5 s and,
 *     answering with a pong, is still connected after the timeout.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "ctl.h"
#include "log.h"
#include "loop.h"
#include "sip/proxy.h"
#include "sip/registrar.h"
#include "sip/ws.h"
#include "timer.h"
#include "check.h"
#include "proxytest.h"
#include "looptest.h"

static struct sockaddr_in ws_addr, udp_addr;

#define UPGRADE(extra)							\
	"GET /sip HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"	\
	"Connection: keep-alive, Upgrade\r\n"				\
	"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" extra "\r\n"

#define GOOD UPGRADE("Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: sip\r\n")

/* everything the socket has now, after the loop ran */
static size_t drain(int fd, char *buf, size_t sz)
{
	size_t n = 0;
	ssize_t r;

	while (n < sz - 1 && (r = recv(fd, buf + n, sz - 1 - n, MSG_DONTWAIT)) > 0)
		n += r;
	buf[n] = '\0';
	return n;
}

static int closed(int fd)
{
	char b[64];
	ssize_t n = recv(fd, b, sizeof(b), MSG_DONTWAIT);

	return n == 0 || (n < 0 && errno != EAGAIN);
}

static int ws_connect(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (connect(fd, (struct sockaddr *)&ws_addr, sizeof(ws_addr))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* connect and upgrade; -1 unless krtpd answered 101 */
static int ws_open(void)
{
	char buf[1024];
	int fd = ws_connect();

	send(fd, GOOD, strlen(GOOD), 0);
	run_for(100);
	drain(fd, buf, sizeof(buf));
	if (strncmp(buf, "HTTP/1.1 101 ", 13)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* one frame from the client: masked unless told otherwise */
static void ws_frame(int fd, int fin, int opcode, const char *p, size_t len, int masked)
{
	static const unsigned char key[4] = { 0x37, 0xfa, 0x21, 0x3d };
	unsigned char *f = malloc(len + 14);
	size_t n = 0, i;

	f[n++] = (fin ? 0x80 : 0) | opcode;
	if (len < 126) {
		f[n++] = (masked ? 0x80 : 0) | len;
	} else {
		f[n++] = (masked ? 0x80 : 0) | 126;
		f[n++] = len >> 8;
		f[n++] = len & 0xff;
	}
	if (masked) {
		memcpy(f + n, key, 4);
		n += 4;
	}
	for (i = 0; i < len; i++)
		f[n + i] = p[i] ^ (masked ? key[i % 4] : 0);
	send(fd, f, n + len, 0);
	free(f);
}

/*
 * The next server frame from buf (advancing *off): its opcode, its payload
 * copied to out as a string. -1 when there is none; server frames are
 * never masked.
 */
static int ws_parse(const char *buf, size_t len, size_t *off, char *out, size_t outsz)
{
	const unsigned char *p = (const unsigned char *)buf + *off;
	size_t left = len - *off, hl = 2, pl;

	if (left < 2 || (p[1] & 0x80))
		return -1;
	pl = p[1] & 0x7f;
	if (pl == 126) {
		if (left < 4)
			return -1;
		pl = p[2] << 8 | p[3];
		hl = 4;
	}
	if (left < hl + pl || pl >= outsz)
		return -1;
	memcpy(out, p + hl, pl);
	out[pl] = '\0';
	*off += hl + pl;
	return p[0] & 0x0f;
}

/* the first SIP message in what fd has */
static int ws_read_sip(int fd, char *out, size_t outsz)
{
	static char buf[16384];
	size_t n = drain(fd, buf, sizeof(buf)), off = 0;

	return ws_parse(buf, n, &off, out, outsz);
}

#define REGISTER(cseq)								\
	"REGISTER sip:krtp.test SIP/2.0\r\n"					\
	"Via: SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bK-ws-" cseq "\r\n"	\
	"Max-Forwards: 69\r\nTo: <sip:alice@krtp.test>\r\n"			\
	"From: <sip:alice@krtp.test>;tag=ws1\r\nCall-ID: ws-reg-1\r\n"		\
	"CSeq: " cseq " REGISTER\r\n"						\
	"Contact: <sip:alice@df7jal23ls0d.invalid;transport=ws;ob>"		\
	";+sip.instance=\"<urn:uuid:6ea0f1c2-8f5e-4a7e-9a2d-0c0c5bde0001>\""	\
	";reg-id=1;expires=600\r\n"						\
	"Supported: path, outbound, gruu\r\nContent-Length: 0\r\n\r\n"

static const char *invite(char *buf, size_t sz, const char *cid, uint16_t port)
{
	snprintf(buf, sz, "INVITE sip:alice@krtp.test SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bK-%s;rport\r\n"
		 "Max-Forwards: 70\r\nTo: <sip:alice@krtp.test>\r\n"
		 "From: <sip:bob@krtp.test>;tag=b1\r\nCall-ID: %s\r\nCSeq: 1 INVITE\r\n"
		 "Contact: <sip:bob@127.0.0.1:%u>\r\nContent-Length: 0\r\n\r\n",
		 port, cid, cid, port);
	return buf;
}

/* the browser's 200 for a request: its Vias, From, To (tagged), Call-ID, CSeq, RR */
static size_t answer(const char *req, char *out, size_t sz)
{
	const char *p = strstr(req, "\r\n") + 2;
	size_t n = snprintf(out, sz, "SIP/2.0 200 OK\r\n");

	while (*p && strncmp(p, "\r\n", 2)) {
		const char *e = strstr(p, "\r\n");

		if (!strncmp(p, "Via:", 4) || !strncmp(p, "From:", 5) ||
		    !strncmp(p, "Call-ID:", 8) || !strncmp(p, "CSeq:", 5) ||
		    !strncmp(p, "Record-Route:", 13))
			n += snprintf(out + n, sz - n, "%.*s\r\n", (int)(e - p), p);
		else if (!strncmp(p, "To:", 3))
			n += snprintf(out + n, sz - n, "%.*s;tag=ws2\r\n", (int)(e - p), p);
		p = e + 2;
	}
	n += snprintf(out + n, sz - n, "Contact: <sip:alice@df7jal23ls0d.invalid;transport=ws>\r\n"
		      "Content-Length: 0\r\n\r\n");
	return n;
}

/*
 * One final frame of opcode op carrying len bytes on a new connection (len
 * 0: an unmasked text frame): the code of the close krtpd answers with (0:
 * a close without one), -1 for no close. The connection must be closed
 * after it.
 */
static int ws_close_for(int op, size_t len)
{
	static char data[8192], buf[8192], msg[8192];
	size_t n, off = 0;
	int fd = ws_open(), code = -1;

	CHECK(fd >= 0);
	if (fd < 0)
		return -1;
	memset(data, 'x', sizeof(data));
	ws_frame(fd, 1, op, data, len ? len : 64, len != 0);
	run_for(100);
	n = drain(fd, buf, sizeof(buf));
	/* a close's payload starts with its code; it may have none (0) */
	if (ws_parse(buf, n, &off, msg, sizeof(msg)) == 8)
		code = off >= 4 ? (uint8_t)msg[0] << 8 | (uint8_t)msg[1] : 0;
	CHECK(closed(fd));
	close(fd);
	return code;
}

static void test_handshake_parser(void)
{
	char accept[29], resp[512];
	const char *why;
	size_t rl;
	struct ws_config wc = { .origins = "https://phone.krtp.test" };

	/* RFC 6455 §1.3 */
	WS_AcceptKey("dGhlIHNhbXBsZSBub25jZQ==", 24, accept);
	CHECK_STR(accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");

	CHECK_EQ(WS_Handshake(GOOD, strlen(GOOD), resp, sizeof(resp), &rl, &why), 101);
	CHECK(strstr(resp, "\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n") != NULL);
	CHECK(strstr(resp, "\r\nSec-WebSocket-Protocol: sip\r\n") != NULL);
	CHECK_EQ(rl, strlen(resp));

	{
		static const char r[] = UPGRADE("Sec-WebSocket-Version: 13\r\n"
						"Sec-WebSocket-Protocol: chat, superchat\r\n");

		CHECK_EQ(WS_Handshake(r, strlen(r), resp, sizeof(resp), &rl, &why), 400);
		CHECK_STR(why, "no sip subprotocol");
		CHECK(!strncmp(resp, "HTTP/1.1 400 Bad Request\r\n", 26));
	}
	{
		static const char r[] = UPGRADE("Sec-WebSocket-Version: 8\r\n"
						"Sec-WebSocket-Protocol: sip\r\n");

		CHECK_EQ(WS_Handshake(r, strlen(r), resp, sizeof(resp), &rl, &why), 426);
		CHECK(strstr(resp, "\r\nSec-WebSocket-Version: 13\r\n") != NULL);
	}
	{
		static const char r[] = "POST /sip HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
			"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
			"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: sip\r\n\r\n";

		CHECK_EQ(WS_Handshake(r, strlen(r), resp, sizeof(resp), &rl, &why), 400);
		CHECK_STR(why, "not a GET");
	}
	{
		static const char r[] = "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
			"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
			"Sec-WebSocket-Protocol: sip\r\n\r\n";

		CHECK_EQ(WS_Handshake(r, strlen(r), resp, sizeof(resp), &rl, &why), 400);
		CHECK_STR(why, "bad Sec-WebSocket-Key");
	}
	/* ws_origins: a browser page from elsewhere is refused, others pass */
	CHECK_EQ(WS_Init(&wc), 0);
	{
		static const char bad[] = UPGRADE("Sec-WebSocket-Version: 13\r\n"
			"Sec-WebSocket-Protocol: sip\r\nOrigin: https://evil.example\r\n");
		static const char ok[] = UPGRADE("Sec-WebSocket-Version: 13\r\n"
			"Sec-WebSocket-Protocol: sip\r\nOrigin: https://phone.krtp.test\r\n");

		CHECK_EQ(WS_Handshake(bad, strlen(bad), resp, sizeof(resp), &rl, &why), 403);
		CHECK_EQ(WS_Handshake(ok, strlen(ok), resp, sizeof(resp), &rl, &why), 101);
		CHECK_EQ(WS_Handshake(GOOD, strlen(GOOD), resp, sizeof(resp), &rl, &why), 101);
	}
	CHECK_EQ(WS_Init(NULL), 0);
}

static void test_refused_on_the_wire(void)
{
	static char big[WS_MAX_REQUEST + 100];
	struct ws_stats st;
	char buf[1024];
	int fd;

	/* no sip subprotocol: 400, and the connection closed */
	fd = ws_connect();
	send(fd, UPGRADE("Sec-WebSocket-Version: 13\r\n"),
	     strlen(UPGRADE("Sec-WebSocket-Version: 13\r\n")), 0);
	run_for(100);
	drain(fd, buf, sizeof(buf));
	CHECK(!strncmp(buf, "HTTP/1.1 400 Bad Request\r\n", 26));
	CHECK(closed(fd));
	close(fd);

	/* headers that never end: 431 at WS_MAX_REQUEST */
	memcpy(big, "GET / HTTP/1.1\r\n", 16);
	memset(big + 16, 'a', sizeof(big) - 16);
	fd = ws_connect();
	send(fd, big, sizeof(big), 0);
	run_for(100);
	drain(fd, buf, sizeof(buf));
	CHECK(!strncmp(buf, "HTTP/1.1 431 ", 13));
	CHECK(closed(fd));
	close(fd);
	WS_GetStats(&st);
	CHECK_EQ(st.refused_bad, 1);
	CHECK_EQ(st.refused_too_large, 1);
}

int main(void)
{
	char *argv[] = { "krtpd", "-c", "/dev/null", "-D", "krtp.test", "-f", NULL };
	static const struct reg_config rc = { 60, 3600, 600, 0 };
	static const struct prx_config pc = { .max_forwards = 70, .invite_timeout = 180 };
	struct tp_limits lim = { .max_message = 4096, .max_conns = 16, .idle_timeout = 60,
				 .tls_handshake_timeout = 5 };
	struct tp_listen l[2] = { { .udp = 1 }, { .ws = 1 } };
	char buf[8192], msg[8192], *out = NULL;
	struct sockaddr_in bob = { .sin_family = AF_INET };
	socklen_t alen = sizeof(bob);
	struct tp_stats ts;
	struct ws_stats st;
	size_t outlen, off, n;
	int fd, ufd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	LOG_SetLevel(LOGL_ERR);
	proxytest_init(6, argv, NULL, &rc, &pc);
	CHECK_EQ(WS_Init(NULL), 0);

	test_handshake_parser();

	udp_addr.sin_family = ws_addr.sin_family = AF_INET;
	udp_addr.sin_addr.s_addr = ws_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	udp_addr.sin_port = htons(free_port());
	do
		ws_addr.sin_port = htons(free_port());
	while (ws_addr.sin_port == udp_addr.sin_port);
	memcpy(&l[0].addr, &udp_addr, sizeof(udp_addr));
	memcpy(&l[1].addr, &ws_addr, sizeof(ws_addr));
	CHECK_EQ(TP_Init(l, 2, &lim, PRX_Receive), 0);
	CHECK_EQ(TP_ProtoParse(STR_C("ws")), TP_WS);
	CHECK_STR(TP_ProtoName(TP_WSS), "WSS");

	test_refused_on_the_wire();

	/* REGISTER over a WebSocket: 200 back over it, a WS binding */
	fd = ws_open();
	CHECK(fd >= 0);
	ws_frame(fd, 1, 1, REGISTER("1"), strlen(REGISTER("1")), 1);
	run_for(150);
	CHECK_EQ(ws_read_sip(fd, msg, sizeof(msg)), 1);	/* a text frame */
	CHECK(!strncmp(msg, "SIP/2.0 200 OK\r\n", 16));
	CHECK(strstr(msg, "transport=ws") != NULL);
	CHECK(strstr(msg, "Require: outbound\r\n") != NULL);
	CHECK_EQ(CTL_Command("text registrations", &out, &outlen), 0);
	CHECK(out && strstr(out, "sip:alice@krtp.test") && strstr(out, " WS\n"));
	free(out);
	out = NULL;
	CHECK_EQ(CTL_Command("json registrations", &out, &outlen), 0);
	CHECK(out && strstr(out, "\"transport\":\"ws\""));
	free(out);
	TP_GetStats(&ts);
	CHECK_EQ(ts.ws_open, 1);

	/* an INVITE from a UDP phone reaches the browser over its WebSocket */
	ufd = socket(AF_INET, SOCK_DGRAM, 0);
	bind(ufd, (struct sockaddr *)&bob, sizeof(bob));
	getsockname(ufd, (struct sockaddr *)&bob, &alen);
	invite(buf, sizeof(buf), "ws-inv-1", ntohs(bob.sin_port));
	sendto(ufd, buf, strlen(buf), 0, (struct sockaddr *)&udp_addr, sizeof(udp_addr));
	run_for(150);
	CHECK_EQ(ws_read_sip(fd, msg, sizeof(msg)), 1);
	CHECK(!strncmp(msg, "INVITE sip:alice@df7jal23ls0d.invalid;transport=ws;ob SIP/2.0\r\n",
		       63));
	CHECK(!strncmp(strstr(msg, "\r\nVia: ") ? strstr(msg, "\r\nVia: ") : "",
		       "\r\nVia: SIP/2.0/WS 127.0.0.1:", 28));
	CHECK(strstr(msg, ";lr;transport=ws>") != NULL);
	/* the browser answers; the caller gets the 200 */
	n = answer(msg, buf, sizeof(buf));
	ws_frame(fd, 1, 1, buf, n, 1);
	run_for(150);
	n = drain(ufd, buf, sizeof(buf));
	CHECK(strstr(buf, "SIP/2.0 200 OK\r\n") != NULL);
	CHECK(strstr(buf, "Call-ID: ws-inv-1\r\n") != NULL);

	/* a REGISTER in three fragments is one message */
	{
		const char *r = REGISTER("2");
		size_t len = strlen(r);

		ws_frame(fd, 0, 1, r, 20, 1);
		ws_frame(fd, 0, 0, r + 20, 100, 1);
		run_for(50);
		CHECK_EQ(drain(fd, msg, sizeof(msg)), 0);	/* nothing until the last one */
		ws_frame(fd, 1, 0, r + 120, len - 120, 1);
		run_for(150);
		CHECK_EQ(ws_read_sip(fd, msg, sizeof(msg)), 1);
		CHECK(!strncmp(msg, "SIP/2.0 200 OK\r\n", 16));
		CHECK(strstr(msg, "CSeq: 2 REGISTER\r\n") != NULL);
	}

	/* ping: pong with the same data */
	ws_frame(fd, 1, 9, "krtp", 4, 1);
	run_for(100);
	CHECK_EQ(ws_read_sip(fd, msg, sizeof(msg)), 10);
	CHECK_STR(msg, "krtp");

	/* a close: answered with a close, then the connection ends */
	ws_frame(fd, 1, 8, "\x03\xe8", 2, 1);		/* 1000, normal */
	run_for(100);
	n = drain(fd, buf, sizeof(buf));
	off = 0;
	CHECK_EQ(ws_parse(buf, n, &off, msg, sizeof(msg)), 8);
	CHECK(!memcmp(msg, "\x03\xe8", 2));
	CHECK(closed(fd));
	close(fd);
	TP_GetStats(&ts);
	CHECK_EQ(ts.ws_open, 0);

	/* the flow is dead: an INVITE to alice goes nowhere, the caller hears so */
	invite(buf, sizeof(buf), "ws-inv-2", ntohs(bob.sin_port));
	sendto(ufd, buf, strlen(buf), 0, (struct sockaddr *)&udp_addr, sizeof(udp_addr));
	run_for(150);
	drain(ufd, buf, sizeof(buf));
	CHECK(strstr(buf, "SIP/2.0 4") != NULL || strstr(buf, "SIP/2.0 5") != NULL);
	CHECK(strstr(buf, "Call-ID: ws-inv-2\r\n") != NULL);

	/* an unmasked frame from a client: close 1002, protocol error */
	CHECK_EQ(ws_close_for(1, 0), 1002);
	/* a message over max_message_size (4096 here): close 1009, too big */
	CHECK_EQ(ws_close_for(1, 5000), 1009);
	/* a ping of 126 bytes, over a control frame's 125: a close (wslay gives no code) */
	CHECK_EQ(ws_close_for(9, 126), 0);

	/* idle: a ping at half the idle timeout; the pong keeps the connection */
	TP_Fini();
	lim.idle_timeout = 5;
	do
		ws_addr.sin_port = htons(free_port());
	while (ws_addr.sin_port == udp_addr.sin_port);
	memcpy(&l[1].addr, &ws_addr, sizeof(ws_addr));
	CHECK_EQ(TP_Init(&l[1], 1, &lim, PRX_Receive), 0);
	fd = ws_open();
	CHECK(fd >= 0);
	{
		int i, ping = -1;

		for (i = 0; i < 50 && ping < 0; i++) {
			run_for(100);
			n = drain(fd, buf, sizeof(buf));
			off = 0;
			if (n)
				ping = ws_parse(buf, n, &off, msg, sizeof(msg));
		}
		CHECK_EQ(ping, 9);
		ws_frame(fd, 1, 10, "", 0, 1);		/* the pong */
		/* without the pong it would be idle for over 5 s by the end of this */
		run_for(4800);
		CHECK(!closed(fd));
		TP_GetStats(&ts);
		CHECK_EQ(ts.ws_open, 1);
	}
	close(fd);

	WS_GetStats(&st);
	CHECK(st.pings >= 1);		/* and maybe a second after the pong */
	CHECK_EQ(st.handshakes, 5);		/* since WS_Init: the five connections above */
	CHECK_EQ(st.protocol_errors, 3);		/* unmasked, too big, big ping */
	CHECK_EQ(st.closes, 1);
	CHECK_EQ(st.rx, 3);			/* REGISTER, 200, REGISTER; not the unmasked one */
	close(ufd);

	TP_Fini();
	WS_Fini();
	proxytest_fini();
	return check_summary();
}
