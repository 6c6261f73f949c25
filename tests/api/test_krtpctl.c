// SPDX-License-Identifier: GPL-2.0
/*
 * krtpctl against the real krtp.ko: its output (text and --json, checked
 * with jq), its exit codes, its error lines carrying the kernel's extack
 * text, add-batch and monitor. Uses tools/krtpctl/krtpctl of this tree.
 */
#define _GNU_SOURCE	/* unshare() */
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "harness.h"

static char ctl[PATH_MAX];

/* tools/krtpctl/krtpctl, found from where this program is */
static int find_krtpctl(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n < 0)
		return -errno;
	exe[n] = '\0';
	snprintf(ctl, sizeof(ctl), "%s/../../tools/krtpctl/krtpctl", dirname(exe));
	return access(ctl, X_OK) ? -errno : 0;
}

/*
 * Run "krtpctl ARGS" through sh; stdout into out, stderr into err (each
 * NUL-terminated). Returns the exit status.
 */
static int run(char *out, size_t outlen, char *err, size_t errlen, const char *fmt, ...)
{
	char args[4096], cmd[PATH_MAX + 4096 + 64], errfile[] = "/tmp/krtpctl-err.XXXXXX";
	size_t n = 0;
	va_list ap;
	FILE *p;
	int fd, status;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	fd = mkstemp(errfile);
	if (fd < 0)
		return -1;
	close(fd);
	snprintf(cmd, sizeof(cmd), "%s %s 2>%s", ctl, args, errfile);
	fflush(NULL);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	if (out && outlen) {
		n = fread(out, 1, outlen - 1, p);
		out[n] = '\0';
	} else {
		char sink[4096];

		while (fread(sink, 1, sizeof(sink), p) > 0)
			;
	}
	status = pclose(p);
	if (err && errlen) {
		FILE *f = fopen(errfile, "r");

		n = f ? fread(err, 1, errlen - 1, f) : 0;
		err[n] = '\0';
		if (f)
			fclose(f);
	}
	unlink(errfile);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* jq -e FILTER on text: 0 when the filter holds */
static int jq(const char *json, const char *filter)
{
	char cmd[1024];
	FILE *p;
	int status;

	snprintf(cmd, sizeof(cmd), "jq -e '%s' >/dev/null", filter);
	fflush(NULL);
	p = popen(cmd, "w");
	if (!p)
		return -1;
	fputs(json, p);
	status = pclose(p);
	status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	if (status)
		fprintf(stderr, "# jq -e '%s' fails on: %s\n", filter, json);
	return status;
}

FIXTURE(ctl) {
	char out[65536];
	char err[4096];
};

FIXTURE_SETUP(ctl)
{
	if (find_krtpctl())
		SKIP(return, "tools/krtpctl/krtpctl is not built");
	if (access("/sys/module/krtp", F_OK))
		SKIP(return, "krtp.ko is not loaded");
	if (system("jq --version >/dev/null 2>&1"))
		SKIP(return, "jq is not installed");
	/* a namespace of its own: no flows but the test's */
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, run(NULL, 0, self->err, sizeof(self->err), "flush"));
}

FIXTURE_TEARDOWN(ctl)
{
	if (ctl[0])
		run(NULL, 0, NULL, 0, "flush");
}

TEST_F(ctl, add_show_list_del)
{
	char filter[1024];
	unsigned int id1, id2;

	ASSERT_EQ(0, run(self->out, sizeof(self->out), self->err, sizeof(self->err),
			 "flow add 10.0.0.1:4000 to 192.0.2.1:5000 label 'call \"1\"'"));
	ASSERT_EQ(1, sscanf(self->out, "flow %u\n", &id1));
	ASSERT_STREQ("", self->err);

	/* --json anywhere among the arguments */
	ASSERT_EQ(0, run(self->out, sizeof(self->out), self->err, sizeof(self->err),
			 "flow add 10.0.0.2:4000 --json to 192.0.2.1:5000 from 192.0.2.9:6000 "
			 "via 10.0.0.9:4000 rtcp strict idle 3600 idle-delete clock-rate 16000"));
	ASSERT_EQ(1, sscanf(self->out, "{\"id\":%u}\n", &id2));
	ASSERT_LT(id1, id2);

	ASSERT_EQ(0, run(self->out, sizeof(self->out), NULL, 0, "--json flow show id %u", id2));
	snprintf(filter, sizeof(filter),
		 ".id == %u and .local == \"10.0.0.2:4000\" and .peer == \"192.0.2.1:5000\" and "
		 ".via == \"10.0.0.9:4000\" and .source == \"192.0.2.9:6000\" and "
		 ".src_mode == \"exact\" and .src_locked == true and "
		 ".flags == [\"rtcp\",\"strict\"] and .label == \"\" and .idle_timeout == 3600 and "
		 ".idle_delete == true and .clock_rate == 16000 and .stats.packets == 0 and "
		 ".stats.drop_wrong_source == 0 and (.stats | length) == 20 and "
		 ".stats.passed == 0 and "
		 ".stats.srtp_auth_fail == 0 and .stats.srtp_replay == 0 and (has(\"srtp\") | not)",
		 id2);
	ASSERT_EQ(0, jq(self->out, filter));

	/* by local; the label is JSON-escaped, via and source left out when unset */
	ASSERT_EQ(0, run(self->out, sizeof(self->out), NULL, 0, "flow show 10.0.0.1:4000 --json"));
	snprintf(filter, sizeof(filter),
		 ".id == %u and .label == \"call \\\"1\\\"\" and (has(\"via\") | not) and "
		 "(has(\"source\") | not) and .src_mode == \"learn\" and .flags == []", id1);
	ASSERT_EQ(0, jq(self->out, filter));

	ASSERT_EQ(0, run(self->out, sizeof(self->out), NULL, 0, "flow list --json"));
	ASSERT_EQ(0, jq(self->out, "length == 2 and (map(.id) | sort) == (map(.id) | sort | unique)"));
	/* by label prefix: the kernel sends only the flows it begins */
	ASSERT_EQ(0, run(self->out, sizeof(self->out), NULL, 0, "flow list label call --json"));
	snprintf(filter, sizeof(filter), "length == 1 and .[0].id == %u", id1);
	ASSERT_EQ(0, jq(self->out, filter));
	ASSERT_EQ(0, run(self->out, sizeof(self->out), NULL, 0, "flow list label krtpd: --json"));
	ASSERT_EQ(0, jq(self->out, ". == []"));

	/* text: a header and one row per flow */
	ASSERT_EQ(0, run(self->out, sizeof(self->out), NULL, 0, "flow list"));
	ASSERT_EQ(0, strncmp(self->out, "ID", 2));
	ASSERT_TRUE(strstr(self->out, "10.0.0.1:4000") != NULL);
	ASSERT_TRUE(strstr(self->out, "192.0.2.9:6000") != NULL);

	ASSERT_EQ(0, run(self->out, sizeof(self->out), self->err, sizeof(self->err),
			 "flow del id %u", id1));
	ASSERT_STREQ("", self->out);
	ASSERT_EQ(0, run(NULL, 0, NULL, 0, "flow del 10.0.0.2:4000"));
	ASSERT_EQ(0, run(self->out, sizeof(self->out), NULL, 0, "flow list --json"));
	ASSERT_EQ(0, jq(self->out, ". == []"));
}

TEST_F(ctl, errors)
{
	/* the kernel's extack text, iproute2 style */
	ASSERT_EQ(1, run(self->out, sizeof(self->out), self->err, sizeof(self->err),
			 "flow del id 99999"));
	ASSERT_STREQ("Error: krtp: no flow with id 99999.\n", self->err);
	ASSERT_STREQ("", self->out);

	ASSERT_EQ(0, run(NULL, 0, NULL, 0, "flow add 10.0.0.1:4000 to 192.0.2.1:5000"));
	ASSERT_EQ(1, run(NULL, 0, self->err, sizeof(self->err),
			 "flow add 10.0.0.1:4000 to 192.0.2.1:5002"));
	ASSERT_EQ(0, strncmp(self->err, "Error: krtp: ", 13));
	ASSERT_EQ(1, run(NULL, 0, self->err, sizeof(self->err),
			 "flow add 10.0.0.1:4002 to [fd00::1]:5000"));
	ASSERT_STREQ("Error: krtp: peer address family differs from local: a cross-family "
		     "flow needs a via address of the peer's family.\n", self->err);

	/* usage errors: exit 2, nothing sent */
	ASSERT_EQ(2, run(NULL, 0, self->err, sizeof(self->err), "flow add 10.0.0.1:0 to 1.2.3.4:5"));
	ASSERT_EQ(0, strncmp(self->err, "Error: ", 7));
	ASSERT_EQ(2, run(NULL, 0, NULL, 0, "flow add 10.0.0.1:4000 to"));
	ASSERT_EQ(2, run(NULL, 0, NULL, 0, "flow add 10.0.0.1:4000 to 1.2.3.4:5 label"));
	ASSERT_EQ(2, run(NULL, 0, NULL, 0, "flow frobnicate"));
	ASSERT_EQ(2, run(NULL, 0, NULL, 0, "frobnicate"));
	ASSERT_EQ(2, run(NULL, 0, NULL, 0, "flow del id x"));
	ASSERT_EQ(0, run(self->out, sizeof(self->out), NULL, 0, "--help"));
	ASSERT_TRUE(strstr(self->out, "monitor") != NULL);
}

TEST_F(ctl, add_batch_and_stats)
{
	char path[] = "/tmp/krtpctl-batch.XXXXXX";
	int fd = mkstemp(path), i;
	FILE *f;

	ASSERT_LE(0, fd);
	f = fdopen(fd, "w");
	ASSERT_TRUE(f != NULL);
	fprintf(f, "# a comment, then a blank line\n\n");
	for (i = 0; i < 1000; i++)
		fprintf(f, "10.1.%d.%d:%d to 192.0.2.1:5000 label \"call %d\" rtcp\n", i / 250,
			i % 250 + 1, 4000 + 2 * (i % 3), i);
	fclose(f);

	ASSERT_EQ(0, run(self->out, sizeof(self->out), self->err, sizeof(self->err),
			 "flow add-batch %s", path));
	ASSERT_STREQ("1000 flows added\n", self->out);
	ASSERT_EQ(0, run(self->out, sizeof(self->out), NULL, 0, "stats --json"));
	ASSERT_EQ(0, jq(self->out, ".flows == 1000 and .packets == 0 and .drop_other == 0"));
	ASSERT_EQ(0, run(self->out, sizeof(self->out), NULL, 0, "flow show 10.1.3.250:4000 -j"));
	ASSERT_EQ(0, jq(self->out, ".label == \"call 999\" and .flags == [\"rtcp\"]"));

	/* the same again: the first line fails, nothing more is added */
	ASSERT_EQ(1, run(NULL, 0, self->err, sizeof(self->err), "flow add-batch - <%s", path));
	ASSERT_EQ(0, strncmp(self->err, "Error: line 3: krtp: ", 21));
	unlink(path);

	ASSERT_EQ(0, run(NULL, 0, NULL, 0, "flush"));
	ASSERT_EQ(0, run(self->out, sizeof(self->out), NULL, 0, "stats --json"));
	ASSERT_EQ(0, jq(self->out, ".flows == 0"));
}

/* krtpctl monitor --json prints one object per event */
TEST_F(ctl, monitor)
{
	char line[1024] = "", filter[512];
	int pfd[2], tries, status;
	unsigned int id = 0;
	size_t n = 0;
	pid_t pid;

	ASSERT_EQ(0, pipe(pfd));
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		dup2(pfd[1], STDOUT_FILENO);
		close(pfd[0]);
		execl(ctl, ctl, "monitor", "--json", (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);

	/* the monitor subscribes at some point: delete flows until it reports one */
	for (tries = 0; tries < 50 && !strchr(line, '\n'); tries++) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };

		ASSERT_EQ(0, run(self->out, sizeof(self->out), NULL, 0,
				 "-j flow add 10.0.0.1:4000 to 192.0.2.1:5000 label mon"));
		ASSERT_EQ(1, sscanf(self->out, "{\"id\":%u}", &id));
		ASSERT_EQ(0, run(NULL, 0, NULL, 0, "flow del 10.0.0.1:4000"));
		while (!strchr(line, '\n') && poll(&p, 1, 200) > 0) {
			ssize_t r = read(pfd[0], line + n, sizeof(line) - 1 - n);

			if (r <= 0)
				break;
			n += r;
			line[n] = '\0';
		}
	}
	kill(pid, SIGTERM);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	close(pfd[0]);
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_TRUE(strchr(line, '\n') != NULL);
	*strchr(line, '\n') = '\0';
	snprintf(filter, sizeof(filter),
		 ".event == \"deleted\" and .id <= %u and .local == \"10.0.0.1:4000\" and "
		 ".reason == \"user\" and .label == \"mon\"", id);
	ASSERT_EQ(0, jq(line, filter));
}

TEST_HARNESS_MAIN
