// SPDX-License-Identifier: GPL-2.0
/*
 * krtpctl calls, registrations and show call: ask krtpd over its control
 * socket. The protocol: a unix stream socket; the client sends one line
 * "<text|json> <command> [arg]\n"; krtpd answers "OK\n" and the output (a
 * table or one JSON document), or "ERR <message>\n", and closes.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include "krtpctl.h"

#define CTL_TIMEOUT_SECS 10

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= n;
	}
	return 0;
}

static int ctl_request(const char *command, const char *arg)
{
	struct timeval tv = { .tv_sec = CTL_TIMEOUT_SECS };
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t have = 0, plen = strlen(opts.socket);
	char req[512], buf[4096];
	char *nl = NULL;
	int fd, ret = 1;
	ssize_t n;

	if (plen >= sizeof(sun.sun_path))
		return usage_error(NULL, "socket path too long: %s", opts.socket);
	memcpy(sun.sun_path, opts.socket, plen + 1);
	snprintf(req, sizeof(req), "%s %s%s%s\n", opts.json ? "json" : "text", command,
		 arg ? " " : "", arg ? arg : "");

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail("socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		ret = fail("cannot reach krtpd at %s: %s", opts.socket, strerror(errno));
		goto out;
	}
	/* krtpd answers at once; do not hang on a stuck daemon */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (write_all(fd, req, strlen(req))) {
		ret = fail("cannot send to krtpd at %s: %s", opts.socket, strerror(errno));
		goto out;
	}

	/* the status line */
	while (!nl && have < sizeof(buf) - 1) {
		n = read(fd, buf + have, sizeof(buf) - 1 - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = fail("reading from krtpd: %s", strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		have += n;
		buf[have] = '\0';
		nl = memchr(buf, '\n', have);
	}
	if (!nl) {
		ret = fail("krtpd closed the connection without an answer");
		goto out;
	}
	*nl = '\0';
	if (!strncmp(buf, "ERR", 3)) {
		const char *msg = buf[3] == ' ' ? buf + 4 : "request refused";

		ret = fail("%s", msg);
		goto out;
	}
	if (strcmp(buf, "OK")) {
		ret = fail("unexpected answer from krtpd: \"%.64s\"", buf);
		goto out;
	}

	/* the output, as it comes */
	ret = 0;
	if (fwrite(nl + 1, 1, have - (nl + 1 - buf), stdout) != have - (size_t)(nl + 1 - buf))
		ret = fail("writing the output: %s", strerror(errno));
	while (!ret) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = fail("reading from krtpd: %s", strerror(errno));
			break;
		}
		if (n == 0)
			break;
		if (fwrite(buf, 1, n, stdout) != (size_t)n)
			ret = fail("writing the output: %s", strerror(errno));
	}
	if (fflush(stdout))
		ret = fail("writing the output: %s", strerror(errno));
out:
	close(fd);
	return ret;
}

int calls_main(int argc, char **argv)
{
	if (argc > 1)
		return usage_error("calls", "unexpected argument \"%s\"", argv[1]);
	return ctl_request("calls", NULL);
}

int registrations_main(int argc, char **argv)
{
	if (argc > 1)
		return usage_error("registrations", "unexpected argument \"%s\"", argv[1]);
	return ctl_request("registrations", NULL);
}

int transport_main(int argc, char **argv)
{
	if (argc > 1)
		return usage_error("transport", "unexpected argument \"%s\"", argv[1]);
	return ctl_request("transport", NULL);
}

int show_main(int argc, char **argv)
{
	const char *usage = "show call ID";
	const char *p;

	if (argc != 3 || strcmp(argv[1], "call"))
		return usage_error(usage, "expected \"call ID\"");
	/* the ID goes on one line as one word: nothing blank or control */
	for (p = argv[2]; *p; p++) {
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return usage_error(usage, "invalid call id");
	}
	if (!*argv[2] || strlen(argv[2]) > 256)
		return usage_error(usage, "invalid call id");
	return ctl_request("call", argv[2]);
}
