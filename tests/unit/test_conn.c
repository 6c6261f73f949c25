// SPDX-License-Identifier: GPL-2.0
/*
 * TCP connections (daemon/sip/conn.c): a reply that cannot be sent closes
 * the connection from inside the message handler, and the handler must
 * still be able to read the message it was given. The client sends a
 * request and resets the connection at once, so krtpd reads the request
 * and then fails to send on a reset socket (as tests/soak found: ASan saw
 * the proxy hash a Via in a freed read buffer).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "rcu.h"
#include "timer.h"
#include "sip/transport.h"
#include "check.h"
#include "looptest.h"

#define REQ "OPTIONS sip:127.0.0.1 SIP/2.0\r\nContent-Length: 0\r\n\r\n"

static int handled, send_failed;
static unsigned long sum;

static void handler(const char *buf, size_t len, const struct tp_peer *src)
{
	static const char reply[] = "SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n";
	size_t i;

	handled++;
	if (TP_Send(src, reply, sizeof(reply) - 1))
		send_failed++;
	/* after the failed send, as the proxy does: ASan checks every byte */
	for (i = 0; i < len; i++)
		sum += (unsigned char)buf[i];
}

int main(void)
{
	struct tp_limits lim = { .max_message = 8192, .max_conns = 4, .idle_timeout = 60,
				 .tls_handshake_timeout = 5 };
	struct tp_listen l = { .tcp = 1 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&l.addr;
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	int i, t;

	setvbuf(stdout, NULL, _IOLBF, 0);
	LOG_SetLevel(LOGL_ERR);
	RCU_RegisterThread();
	CHECK_EQ(LOOP_Init(), 0);
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin->sin_port = htons(free_port());
	CHECK_EQ(TP_Init(&l, 1, &lim, handler), 0);

	/* a few times over: the reset may or may not beat the read */
	for (i = 0; i < 5; i++) {
		t = socket(AF_INET, SOCK_STREAM, 0);
		CHECK_EQ(connect(t, (struct sockaddr *)sin, sizeof(*sin)), 0);
		run_for(50);	/* accepted */
		CHECK_EQ(send(t, REQ, strlen(REQ), 0), (ssize_t)strlen(REQ));
		setsockopt(t, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(t);	/* RST, with the request unread on the other side */
		run_for(100);
	}
	CHECK_EQ(handled, 5);
	/* at least one reply met the reset socket, and so the closing path */
	CHECK(send_failed > 0);
	printf("# %d of %d replies failed to send\n", send_failed, handled);

	/* the listener still takes a well-behaved connection */
	t = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(connect(t, (struct sockaddr *)sin, sizeof(*sin)), 0);
	CHECK_EQ(send(t, REQ, strlen(REQ), 0), (ssize_t)strlen(REQ));
	run_for(100);
	CHECK_EQ(handled, 6);
	close(t);

	TP_Fini();
	LOOP_Fini();
	RCU_UnregisterThread();
	return check_summary();
}
