// SPDX-License-Identifier: GPL-2.0
/*
 * Group commit in the UDP transport (daemon/sip/transport.c with
 * daemon/store.c): the replies to a burst of datagrams leave only after
 * one commit of what the burst stored, and not at all if that commit
 * failed. Real sockets on loopback, the daemon's own event loop.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "rcu.h"
#include "store.h"
#include "sip/transport.h"
#include "check.h"

static int commits, commit_fail, stored;

/* the SIP layer's part: store something, then answer */
static void handler(const char *buf, size_t len, const struct tp_peer *src)
{
	char aor[32], reply[64];
	struct sto_binding b = { .contact = "sip:x@192.0.2.1", .expires = 1 };
	int n;

	snprintf(aor, sizeof(aor), "%.*s", (int)(len < 20 ? len : 20), buf);
	b.aor = aor;
	if (!STO_BindingPut(&b))
		stored++;
	n = snprintf(reply, sizeof(reply), "ok %s", aor);
	TP_Send(src, reply, n);
}

static int commit(int end)
{
	int err = STO_BatchCommit(end);

	commits++;
	if (end)
		LOOP_Quit();
	return commit_fail ? -EIO : err;
}

static void count_binding(const struct sto_binding *b, void *arg)
{
	(void)b;
	(*(int *)arg)++;
}

static int bindings(void)
{
	int n = 0;

	STO_BindingLoad(count_binding, &n);
	return n;
}

/* a free UDP port on loopback */
static uint16_t free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(fd, (struct sockaddr *)&a, sizeof(a));
	getsockname(fd, (struct sockaddr *)&a, &alen);
	close(fd);
	return ntohs(a.sin_port);
}

/* send @n datagrams to @to, run the loop over one burst, count answers */
static int burst(int cli, const struct sockaddr_in *to, int n, int first)
{
	char buf[64];
	int i, got = 0;

	for (i = 0; i < n; i++) {
		int len = snprintf(buf, sizeof(buf), "user%d", first + i);

		sendto(cli, buf, len, 0, (const struct sockaddr *)to, sizeof(*to));
	}
	LOOP_Run();
	while (recv(cli, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		got++;
	return got;
}

int main(void)
{
	struct tp_listen l = { .udp = 1 };
	struct tp_limits lim = { .max_message = 4096, .max_conns = 1, .idle_timeout = 60 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&l.addr, cli_addr = {
		.sin_family = AF_INET,
	};
	int cli;

	setvbuf(stdout, NULL, _IOLBF, 0);
	LOG_SetLevel(LOGL_ERR);	/* the failed commit is logged */
	RCU_RegisterThread();	/* the loop reads the SIP tables under RCU */
	CHECK_EQ(LOOP_Init(), 0);
	CHECK_EQ(STO_Init(":memory:"), 0);
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin->sin_port = htons(free_port());
	TP_SetBatchHooks(STO_BatchBegin, commit);
	CHECK_EQ(TP_Init(&l, 1, &lim, handler), 0);

	cli = socket(AF_INET, SOCK_DGRAM, 0);
	cli_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK_EQ(bind(cli, (struct sockaddr *)&cli_addr, sizeof(cli_addr)), 0);

	/* five requests in one burst: five replies after a single commit */
	CHECK_EQ(burst(cli, sin, 5, 0), 5);
	CHECK_EQ(commits, 1);
	CHECK_EQ(stored, 5);
	CHECK_EQ(bindings(), 5);

	/* the commit fails: nothing the burst did is answered */
	commits = 0;
	commit_fail = 1;
	CHECK_EQ(burst(cli, sin, 3, 100), 0);
	CHECK_EQ(commits, 1);
	commit_fail = 0;

	/* the next burst is answered again */
	commits = 0;
	CHECK_EQ(burst(cli, sin, 2, 200), 2);
	CHECK_EQ(commits, 1);

	/* outside a burst the store commits each write by itself */
	{
		struct sto_binding b = { .aor = "solo", .contact = "sip:s@192.0.2.2" };
		int before = bindings();

		CHECK_EQ(STO_BindingPut(&b), 0);
		CHECK_EQ(bindings(), before + 1);
	}

	close(cli);
	TP_Fini();
	STO_Fini();
	LOOP_Fini();
	RCU_UnregisterThread();
	return check_summary();
}
