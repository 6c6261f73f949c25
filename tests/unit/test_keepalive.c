// SPDX-License-Identifier: GPL-2.0
/*
 * Keep-alives (daemon/sip/keepalive.c, and their wiring in transport.c and
 * conn.c):
 *   - the RFC 5769 §2.1 sample request (with USERNAME, PRIORITY,
 *     ICE-CONTROLLED, MESSAGE-INTEGRITY and a FINGERPRINT whose CRC must
 *     check) is answered, and the answer's XOR-MAPPED-ADDRESS has the bytes
 *     RFC 5769 §2.2 and §2.3 give for 192.0.2.1:32853 and
 *     2001:db8:1234:5678:11:2233:4455:6677 port 32853;
 *   - a corrupted FINGERPRINT, a wrong length, a truncated attribute and a
 *     Binding indication get no answer;
 *   - on a real loopback listener: a STUN Binding request on the SIP UDP
 *     port is answered with the sender's address, SIP still works on the
 *     same socket; on TCP, CRLF CRLF gets one CRLF back (also when split
 *     over two writes), and a message after it is still read.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include "log.h"
#include "loop.h"
#include "rcu.h"
#include "timer.h"
#include "sip/keepalive.h"
#include "sip/transport.h"
#include "check.h"
#include "looptest.h"
#include "stun5769.h"

/* a keep-alive as a UA sends it: header only, transaction ID 1..12 */
static const uint8_t bare_req[20] = {
	0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
};

static void test_vectors(void)
{
	static const uint8_t xma4[] = { 0x00, 0x20, 0x00, 0x08, 0x00, 0x01, 0xa1, 0x47,
					0xe1, 0x12, 0xa6, 0x43 };
	static const uint8_t xma6[] = { 0x00, 0x20, 0x00, 0x14, 0x00, 0x02, 0xa1, 0x47,
					0x01, 0x13, 0xa9, 0xfa, 0xa5, 0xd3, 0xf1, 0x79,
					0xbc, 0x25, 0xf4, 0xb5, 0xbe, 0xd2, 0xb9, 0xd9 };
	uint8_t out[KA_STUN_MAX], bad[sizeof(req5769)];
	struct sockaddr_storage src;
	struct ka_stats st;
	size_t n;

	CHECK(KA_IsStun(req5769, sizeof(req5769)));
	CHECK(!KA_IsStun((const uint8_t *)"OPTIONS sip:a SIP/2.0\r\n", 23));

	/* IPv4: the RFC 5769 request, answered with FINGERPRINT */
	sa4(&src, "192.0.2.1", 32853);
	n = KA_Stun(req5769, sizeof(req5769), &src, out, sizeof(out));
	CHECK_EQ(n, 20 + 12 + 8);
	CHECK_EQ(out[0] << 8 | out[1], 0x0101);
	CHECK_EQ(out[2] << 8 | out[3], n - 20);
	CHECK(!memcmp(out + 4, req5769 + 4, 16));	/* cookie and transaction ID */
	CHECK(!memcmp(out + 20, xma4, sizeof(xma4)));
	CHECK_EQ(out[32] << 8 | out[33], 0x8028);
	{
		/* RFC 5389 §15.5: CRC-32 of what precedes it, XOR 0x5354554e */
		uint32_t fp = (uint32_t)crc32(0L, out, 32) ^ 0x5354554eu;

		CHECK_EQ((uint32_t)out[36] << 24 | out[37] << 16 | out[38] << 8 | out[39], fp);
	}
	/* a Binding indication: a keep-alive that wants no answer */
	memcpy(bad, bare_req, 20);
	bad[1] = 0x11;
	CHECK_EQ(KA_Stun(bad, 20, &src, out, sizeof(out)), 0);
	KA_GetStats(&st);
	CHECK_EQ(st.stun_indications, 1);
	CHECK_EQ(st.stun_bad, 0);
	n = KA_Stun(req5769, sizeof(req5769), &src, out, sizeof(out));

	/* IPv6, RFC 5769 §2.3's address */
	sa6(&src, "2001:db8:1234:5678:11:2233:4455:6677", 32853);
	n = KA_Stun(req5769, sizeof(req5769), &src, out, sizeof(out));
	CHECK_EQ(n, 20 + 24 + 8);
	CHECK(!memcmp(out + 20, xma6, sizeof(xma6)));

	/* a bare keep-alive: no FINGERPRINT in, none out */
	sa4(&src, "198.51.100.7", 5060);
	n = KA_Stun(bare_req, sizeof(bare_req), &src, out, sizeof(out));
	CHECK_EQ(n, 32);
	CHECK_EQ(out[2] << 8 | out[3], 12);

	/* what must not be answered */
	memcpy(bad, req5769, sizeof(bad));
	bad[sizeof(bad) - 1] ^= 1;			/* FINGERPRINT off by a bit */
	CHECK_EQ(KA_Stun(bad, sizeof(bad), &src, out, sizeof(out)), 0);
	memcpy(bad, req5769, sizeof(bad));
	bad[3] = 0x54;					/* length says 4 bytes fewer */
	CHECK_EQ(KA_Stun(bad, sizeof(bad), &src, out, sizeof(out)), 0);
	CHECK_EQ(KA_Stun(req5769, 26, &src, out, sizeof(out)), 0);	/* cut in an attribute */
	memcpy(bad, bare_req, 20);
	bad[3] = 8;					/* an attribute longer than what is left */
	memcpy(bad + 20, "\x00\x06\x00\x40\x61\x62\x63\x64", 8);
	CHECK_EQ(KA_Stun(bad, 28, &src, out, sizeof(out)), 0);
	memcpy(bad, bare_req, 20);
	bad[3] = 8;					/* unknown comprehension-required attribute */
	memcpy(bad + 20, "\x00\x77\x00\x04\x61\x62\x63\x64", 8);
	CHECK_EQ(KA_Stun(bad, 28, &src, out, sizeof(out)), 0);
	KA_GetStats(&st);
	CHECK_EQ(st.stun_bad, 5);
	CHECK_EQ(st.stun_requests, 4);
}

/* ---- on a real listener ---- */

static int got_sip;

static void handler(const char *buf, size_t len, const struct tp_peer *src)
{
	(void)src;
	if (len >= 7 && !memcmp(buf, "OPTIONS", 7))
		got_sip++;
}

#define PING_SIP "OPTIONS sip:127.0.0.1 SIP/2.0\r\nContent-Length: 0\r\n\r\n"

static void test_listener(void)
{
	struct tp_limits lim = { .max_message = 8192, .max_conns = 16, .idle_timeout = 60,
				 .tls_handshake_timeout = 5 };
	struct tp_listen l = { .udp = 1, .tcp = 1 };
	struct sockaddr_storage me;
	socklen_t alen = sizeof(me);
	uint8_t ans[128];
	struct ka_stats st;
	char b[16];
	ssize_t n;
	int u, t;

	sa4(&l.addr, "127.0.0.1", free_port());
	CHECK_EQ(TP_Init(&l, 1, &lim, handler), 0);

	/* UDP: a STUN Binding request on the SIP port, then SIP on the same socket */
	u = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK_EQ(connect(u, (struct sockaddr *)&l.addr, sizeof(struct sockaddr_in)), 0);
	getsockname(u, (struct sockaddr *)&me, &alen);
	CHECK_EQ(send(u, bare_req, sizeof(bare_req), 0), (ssize_t)sizeof(bare_req));
	run_for(200);
	n = recv(u, ans, sizeof(ans), MSG_DONTWAIT);
	CHECK_EQ(n, 32);
	if (n == 32) {
		uint16_t port = (ans[26] << 8 | ans[27]) ^ 0x2112;
		uint32_t ip = ((uint32_t)ans[28] << 24 | ans[29] << 16 | ans[30] << 8 | ans[31]) ^
			      0x2112A442u;

		CHECK_EQ(port, ntohs(((struct sockaddr_in *)&me)->sin_port));
		CHECK_EQ(ip, 0x7f000001);
	}
	CHECK_EQ(send(u, PING_SIP, strlen(PING_SIP), 0), (ssize_t)strlen(PING_SIP));
	run_for(200);
	CHECK_EQ(got_sip, 1);
	close(u);

	/* TCP: CRLF CRLF -> CRLF, whole and split; then a message */
	t = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(connect(t, (struct sockaddr *)&l.addr, sizeof(struct sockaddr_in)), 0);
	CHECK_EQ(send(t, "\r\n\r\n", 4, 0), 4);
	run_for(200);
	n = recv(t, b, sizeof(b), MSG_DONTWAIT);
	CHECK_EQ(n, 2);
	CHECK(n == 2 && !memcmp(b, "\r\n", 2));
	CHECK_EQ(send(t, "\r\n", 2, 0), 2);		/* half a ping: no answer yet */
	run_for(200);
	CHECK_EQ(recv(t, b, sizeof(b), MSG_DONTWAIT), -1);
	CHECK_EQ(send(t, "\r\n", 2, 0), 2);
	run_for(200);
	CHECK_EQ(recv(t, b, sizeof(b), MSG_DONTWAIT), 2);
	CHECK_EQ(send(t, PING_SIP, strlen(PING_SIP), 0), (ssize_t)strlen(PING_SIP));
	run_for(200);
	CHECK_EQ(got_sip, 2);
	close(t);

	KA_GetStats(&st);
	CHECK_EQ(st.crlf_pings, 2);
	CHECK_EQ(st.stun_requests, 5);
	TP_Fini();
}

int main(void)
{
	LOG_SetLevel(LOGL_ERR);
	RCU_RegisterThread();
	CHECK_EQ(LOOP_Init(), 0);
	test_vectors();
	test_listener();
	LOOP_Fini();
	RCU_UnregisterThread();
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
