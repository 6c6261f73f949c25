// SPDX-License-Identifier: GPL-2.0
/*
 * The krtp netlink API: the max_flows limit and CAP_NET_ADMIN. Run as
 * root with krtp.ko loaded; skipped when it is not.
 *
 * Texts the kernel's policy code writes (lib/nlattr.c) are matched exactly;
 * texts krtp.ko writes carry the "krtp: " prefix of NL_SET_ERR_MSG_MOD.
 */
#define _GNU_SOURCE	/* unshare() */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "flows.h"

/* ---- limits and permissions ---- */

/*
 * max_flows is a load-time parameter: reload krtp.ko with a limit of 4
 * (tests/run.sh passes its path in KRTP_KO) and load it plain afterwards.
 */
FIXTURE(limit) {
	struct knl k;
	bool reloaded;
};

static int reload(const char *params)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "rmmod krtp 2>/dev/null; insmod '%s' %s", getenv("KRTP_KO"),
		 params);
	return system(cmd);
}

FIXTURE_SETUP(limit)
{
	if (!getenv("KRTP_KO") || access(getenv("KRTP_KO"), R_OK))
		SKIP(return, "KRTP_KO does not name krtp.ko");
	if (knl_open(&self->k) == -ENOENT)
		SKIP(return, "krtp.ko is not loaded");
	knl_close(&self->k);
	self->reloaded = true;
	ASSERT_EQ(0, reload("max_flows=4"));
	ASSERT_EQ(0, knl_open(&self->k));
}

FIXTURE_TEARDOWN(limit)
{
	knl_close(&self->k);
	if (self->reloaded)
		reload("");
}

TEST_F(limit, max_flows)
{
	struct knl_ack a;
	uint32_t first = 0;
	int i;

	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, knl_flow_add(&self->k, "10.0.0.1", 4000 + 2 * i, "192.0.2.1", 5000, &a));
		if (!first)
			first = a.id;
	}
	ASSERT_EQ(-ENOSPC, knl_flow_add(&self->k, "10.0.0.1", 5000, "192.0.2.1", 5000, &a));
	EXPECT_STREQ("krtp: flow limit of 4 reached", a.msg);

	/* room again once one is gone */
	ASSERT_EQ(0, knl_flow_by_id(&self->k, KRTP_CMD_FLOW_DEL, first, &a));
	ASSERT_EQ(0, knl_flow_add(&self->k, "10.0.0.1", 5000, "192.0.2.1", 5000, &a));
	ASSERT_EQ(-ENOSPC, knl_flow_add(&self->k, "10.0.0.1", 5002, "192.0.2.1", 5000, &a));

	/* the limit counts the flows of all namespaces */
	ASSERT_EQ(0, knl_flush(&self->k));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, knl_flow_add(&self->k, "10.0.0.1", 4000 + 2 * i, "192.0.2.1", 5000, &a));
	knl_close(&self->k);
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, knl_open(&self->k));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, knl_flow_add(&self->k, "10.0.0.1", 4000 + 2 * i, "192.0.2.1", 5000, &a));
	ASSERT_EQ(-ENOSPC, knl_flow_add(&self->k, "10.0.0.1", 4004, "192.0.2.1", 5000, &a));
}

/* Drop CAP_NET_ADMIN (and everything else) from the effective set */
static int drop_caps(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	data[0].effective = data[1].effective = 0;
	return syscall(SYS_capset, &hdr, data) ? -errno : 0;
}

/* In a child without CAP_NET_ADMIN, every change is refused with -EPERM */
TEST_F(krtp, no_cap_net_admin)
{
	int status;
	pid_t pid;

	ASSERT_EQ(0, knl_flow_add(&self->k, "10.0.0.1", 4000, "192.0.2.1", 5000, &self->a));
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct knl k;
		struct knl_ack a;
		int fails = 0;

		if (drop_caps() || knl_open(&k))
			_exit(100);
		if (knl_flow_add(&k, "10.0.0.1", 4002, "192.0.2.1", 5000, &a) != -EPERM)
			fails |= 1;
		if (knl_flow_by_id(&k, KRTP_CMD_FLOW_DEL, 1, &a) != -EPERM)
			fails |= 2;
		if (knl_simple(&k, KRTP_CMD_FLOW_FLUSH, &a) != -EPERM)
			fails |= 4;
		if (knl_flow_by_id(&k, KRTP_CMD_FLOW_GET, 1, &a) != -EPERM)
			fails |= 8;
		_exit(fails);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	/* bits: 1 FLOW_NEW, 2 FLOW_DEL, 4 FLOW_FLUSH, 8 FLOW_GET not refused; 100: setup */
	ASSERT_EQ(0, WEXITSTATUS(status));
	/* and the flow is still there */
	ASSERT_EQ(0, knl_simple(&self->k, KRTP_CMD_STATS_GET, &self->a));
}

TEST_HARNESS_MAIN
