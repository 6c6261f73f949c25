// SPDX-License-Identifier: GPL-2.0
/*
 * ICE_LiteAnswer (daemon/media/ice.c) against a real ICE agent: aioice
 * (Debian's python3-aioice, the ICE of python3-aiortc), run by
 * ice_aioice.py, checks a loopback UDP socket that this program answers
 * with ICE_LiteAnswer. aioice verifies MESSAGE-INTEGRITY and FINGERPRINT
 * of every answer and that it came from the address it checked.
 *   - aioice as the controlling agent: its checks carry USE-CANDIDATE
 *     (aggressive nomination), so a pair is nominated here, aioice
 *     connects, and its first datagram arrives on the socket;
 *   - aioice starting as controlled: the lite agent answers 487, aioice
 *     switches to controlling (RFC 8445 §7.2.5.1) and then connects.
 * Run from tests/unit (the script is looked up there).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "stun.h"
#include "media/ice.h"
#include "check.h"

#define LFRAG	"kRtP"
#define LPWD	"asd88fgpdd777uzjYhagZg0123"

struct tally {
	int checks, nominated, conflicts, unauthorized, media, status;
};

/* read the agent's ufrag, the first line of its output */
static int read_ufrag(int fd, char *buf, size_t size)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t n = 0;

	while (n + 1 < size && poll(&p, 1, 20000) == 1) {
		ssize_t r = read(fd, buf + n, 1);

		if (r <= 0)
			break;
		if (buf[n] == '\n') {
			buf[n] = 0;
			return n ? 0 : -1;
		}
		n++;
	}
	return -1;
}

static int error_code(const uint8_t *out, size_t n)
{
	struct stun_msg m;
	struct stun_attr a;

	if (STUN_Parse(&m, out, n) || m.type != STUN_BINDING_ERROR ||
	    !STUN_Find(&m, STUN_ATTR_ERROR_CODE, &a) || a.len < 4)
		return 0;
	return a.val[2] * 100 + a.val[3];
}

static void run_agent(const char *mode, struct tally *t)
{
	struct sockaddr_in me = { .sin_family = AF_INET };
	socklen_t mlen = sizeof(me);
	char port[16], rfrag[64];
	int fd, pipefd[2], status;
	time_t end;
	pid_t pid;

	memset(t, 0, sizeof(*t));
	t->status = -1;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	me.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&me, sizeof(me)) ||
	    getsockname(fd, (struct sockaddr *)&me, &mlen) || pipe(pipefd)) {
		perror("socket");
		return;
	}
	snprintf(port, sizeof(port), "%u", ntohs(me.sin_port));
	pid = fork();
	if (pid == 0) {
		dup2(pipefd[1], 1);
		close(pipefd[0]);
		/* Debian's python3, where apt puts aioice (not one earlier in PATH) */
		execl("/usr/bin/python3", "python3", "ice_aioice.py", port, mode, LFRAG, LPWD, (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	if (pid < 0 || read_ufrag(pipefd[0], rfrag, sizeof(rfrag))) {
		printf("# %s: no ufrag from ice_aioice.py (python3-aioice installed?)\n", mode);
		goto out;
	}

	/* answer until the agent is done, 30 s at most */
	end = time(NULL) + 30;
	while (time(NULL) < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct sockaddr_storage src;
		socklen_t slen = sizeof(src);
		uint8_t buf[2048], out[ICE_ANSWER_MAX];
		size_t olen;
		ssize_t n;

		if (waitpid(pid, &status, WNOHANG) == pid) {
			t->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
			pid = 0;
			break;
		}
		if (poll(&p, 1, 100) != 1)
			continue;
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&src, &slen);
		if (n <= 0)
			continue;
		if (!STUN_IsStun(buf, n)) {
			t->media += n == 5 && !memcmp(buf, "media", 5);
			continue;
		}
		t->checks++;
		switch (ICE_LiteAnswer(buf, n, &src, LFRAG, LPWD, rfrag, out, &olen)) {
		case ICE_DROP:
			continue;
		case ICE_REPLY_NOMINATED:
			t->nominated++;
			break;
		case ICE_REPLY:
			t->conflicts += error_code(out, olen) == 487;
			t->unauthorized += error_code(out, olen) == 401;
			break;
		}
		sendto(fd, out, olen, 0, (struct sockaddr *)&src, slen);
	}
out:
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	close(pipefd[0]);
	close(fd);
	printf("# aioice %s: exit %d, %d checks, %d nominated, %d 487, %d 401, %d media\n", mode,
	       t->status, t->checks, t->nominated, t->conflicts, t->unauthorized, t->media);
}

int main(void)
{
	struct tally t;

	run_agent("controlling", &t);
	CHECK_EQ(t.status, 0);
	CHECK(t.nominated >= 1);
	CHECK_EQ(t.conflicts, 0);
	CHECK_EQ(t.unauthorized, 0);
	CHECK_EQ(t.media, 1);

	run_agent("controlled", &t);
	CHECK_EQ(t.status, 0);
	CHECK(t.conflicts >= 1);
	CHECK(t.nominated >= 1);
	CHECK_EQ(t.unauthorized, 0);
	CHECK_EQ(t.media, 1);
	return check_summary();
}
