// SPDX-License-Identifier: GPL-2.0
/*
 * The control socket (daemon/ctl.c) as krtpctl and a hostile local client
 * use it, through krtpd's own loop: a request answered "OK"; a line longer
 * than the server reads, a NUL inside a line, and an argument longer than
 * a Call-ID the server keeps are each answered "ERR" and why (krtpctl
 * prints it), not closed on without a word; a client that never sends its
 * newline is closed by the sweep, and the socket still answers after.
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

	CTL_Fini();
	DLG_Fini();
	LOOP_Fini();
	TMR_Fini();
	RCU_Barrier();
	RCU_UnregisterThread();
	rmdir(dir);
	return check_summary();
}
