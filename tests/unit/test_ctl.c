// SPDX-License-Identifier: GPL-2.0
/*
 * The control socket (daemon/ctl.c) as krtpctl and a hostile local client
 * use it, through krtpd's own loop: a request answered "OK"; a line longer
 * than the server reads, a NUL inside a line, and an argument longer than
 * a Call-ID the server keeps are each answered "ERR" and why (krtpctl
 * prints it), not closed on without a word; a client that never sends its
 * newline is closed by the sweep, and the socket still answers after; a
 * client that reads a long answer (3,000 calls) slowly, for longer than
 * the sweep's 2 s, gets all of it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl.h"
#include "log.h"
#include "loop.h"
#include "rcu.h"
#include "sip/dialog.h"
#include "store.h"
#include "timer.h"

#include "check.h"
#include "looptest.h"

static char path[108];

static int client(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Send len bytes of req on a new connection, run the loop, and read what
 * krtpd answered until it closed: into out (NUL-terminated), its length.
 */
static size_t ask(const char *req, size_t len, char *out, size_t outsz)
{
	int fd = client();
	size_t have = 0;
	ssize_t n;

	CHECK(fd >= 0);
	if (fd < 0)
		return 0;
	CHECK_EQ(send(fd, req, len, MSG_NOSIGNAL), (ssize_t)len);
	run_for(200);
	while (have < outsz - 1 && (n = recv(fd, out + have, outsz - 1 - have, MSG_DONTWAIT)) > 0)
		have += (size_t)n;
	out[have] = '\0';
	close(fd);
	return have;
}

/*
 * 3,000 calls make an answer several times what the socket buffers: read
 * it 16 KB every 300 ms, past the 2 s in which a client must move
 */
static void slow_reader(void)
{
	static char buf[2 << 20];
	char id[32], tag[16];
	size_t have = 0;
	int fd, i, rounds = 0;
	ssize_t n;

	for (i = 0; i < 3000; i++) {
		struct dlg_init in = { .call_id = id, .a_tag = tag, .b_tag = tag,
				       .a_from = "<sip:alice@krtp.test>", .b_to = "<sip:bob@krtp.test>",
				       .a_contact = "sip:alice@192.0.2.1", .b_contact = "sip:bob@192.0.2.2",
				       .a_route = "", .b_route = "" };

		snprintf(id, sizeof(id), "slow-%04d@krtp.test", i);
		snprintf(tag, sizeof(tag), "t%d", i);
		if (DLG_Create(&in)) {
			CHECK(!"DLG_Create");
			return;
		}
	}
	fd = client();
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK_EQ(send(fd, "json calls\n", 11, MSG_NOSIGNAL), 11);
	for (;;) {
		run_for(300);
		n = recv(fd, buf + have, have + 16384 < sizeof(buf) ? 16384 : sizeof(buf) - have - 1,
			 MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN) || ++rounds > 200)
			break;
		if (n > 0)
			have += (size_t)n;
	}
	buf[have] = '\0';
	close(fd);
	printf("# slow reader: %zu bytes in %d rounds of 300 ms\n", have, rounds);
	CHECK(rounds > 8);	/* it took longer than the sweep's 2 s */
	CHECK(have > 300000);
	CHECK(!strncmp(buf, "OK\n[", 4));
	CHECK(have > 3 && !strcmp(buf + have - 2, "]\n"));
	CHECK(strstr(buf, "slow-2999@krtp.test") != NULL);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	char dir[64], req[1024], out[4096];
	size_t l;
	int idle;

	setvbuf(stdout, NULL, _IOLBF, 0);
	LOG_SetLevel(LOGL_ERR);
	RCU_RegisterThread();
	snprintf(dir, sizeof(dir), "%s/krtp-ctl.XXXXXX", tmp && *tmp ? tmp : P_tmpdir);
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/krtpd.sock", dir);
	CHECK_EQ(TMR_Init(), 0);
	CHECK_EQ(LOOP_Init(), 0);
	CHECK_EQ(STO_Init(":memory:"), 0);	/* dialogs are stored as they are made */
	CHECK_EQ(DLG_Init(), 0);	/* "call" looks in the (empty) dialog table */
	CHECK_EQ(CTL_Init(path), 0);

	/* what krtpctl transport sends */
	ask("json transport\n", 15, out, sizeof(out));
	CHECK(!strncmp(out, "OK\n{\"rx\":", 9));

	/* a line that never ends within what the server reads */
	memset(req, 'x', 600);
	ask(req, 600, out, sizeof(out));
	CHECK_STR(out, "ERR request longer than 510 bytes\n");

	/* a NUL inside the line */
	ask("json ca\0lls\n", 12, out, sizeof(out));
	CHECK_STR(out, "ERR bad request: a NUL byte in it\n");

	/* an argument cut short would be another Call-ID: refused, not "no call" */
	l = (size_t)snprintf(req, sizeof(req), "text call ");
	memset(req + l, 'c', 400);
	req[l + 400] = '\n';
	ask(req, l + 401, out, sizeof(out));
	CHECK_STR(out, "ERR argument longer than 299 bytes\n");

	/* one that fits is looked up (and, here, not found) */
	ask("text call abc\n", 14, out, sizeof(out));
	CHECK_STR(out, "ERR no call with Call-ID abc\n");

	/* a client that never ends its line is closed by the sweep (2 s) */
	idle = client();
	CHECK(idle >= 0);
	CHECK_EQ(send(idle, "json calls", 10, MSG_NOSIGNAL), 10);
	run_for(3200);
	CHECK_EQ(recv(idle, out, sizeof(out), MSG_DONTWAIT), 0);
	close(idle);
	ask("json transport\n", 15, out, sizeof(out));
	CHECK(!strncmp(out, "OK\n", 3));

	slow_reader();

	CTL_Fini();
	DLG_Fini();
	STO_Fini();
	LOOP_Fini();
	TMR_Fini();
	RCU_Barrier();
	RCU_UnregisterThread();
	rmdir(dir);
	return check_summary();
}
