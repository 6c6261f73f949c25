// SPDX-License-Identifier: GPL-2.0
/*
 * The userspace netlink client daemon/nl.c against the real krtp.ko: every
 * field of a flow makes the round trip, batches of 100,000 flows go in with
 * their ids mapped back, a failing batch says where it stopped, dumps count
 * exactly, and deletions arrive as events. The endpoint parser runs without
 * the module.
 */
#define _GNU_SOURCE	/* unshare() */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>

#include "harness.h"
#include <krtp/nl.h>

/* ---- endpoint text, no module needed ---- */

TEST(ep_parse)
{
	char s[KRTP_EP_STRLEN];
	struct krtp_ep ep;

	ASSERT_EQ(0, krtp_ep_parse("10.0.0.1:4000", &ep, true));
	ASSERT_EQ(AF_INET, ep.family);
	ASSERT_EQ(4000, ep.port);
	ASSERT_STREQ("10.0.0.1:4000", krtp_ep_str(&ep, s, sizeof(s)));

	ASSERT_EQ(0, krtp_ep_parse("[fd00::1]:65535", &ep, true));
	ASSERT_EQ(AF_INET6, ep.family);
	ASSERT_EQ(65535, ep.port);
	ASSERT_STREQ("[fd00::1]:65535", krtp_ep_str(&ep, s, sizeof(s)));

	/* an address alone: port 0, printed without one */
	ASSERT_EQ(0, krtp_ep_parse("192.0.2.7", &ep, false));
	ASSERT_EQ(0, ep.port);
	ASSERT_STREQ("192.0.2.7", krtp_ep_str(&ep, s, sizeof(s)));
	ASSERT_EQ(0, krtp_ep_parse("fd00::7", &ep, false));
	ASSERT_EQ(AF_INET6, ep.family);
	ASSERT_EQ(0, krtp_ep_parse("[fd00::7]", &ep, false));
	ASSERT_STREQ("fd00::7", krtp_ep_str(&ep, s, sizeof(s)));

	ASSERT_EQ(-EINVAL, krtp_ep_parse("192.0.2.7", &ep, true));
	ASSERT_EQ(-EINVAL, krtp_ep_parse("10.0.0.1:0", &ep, true));
	ASSERT_EQ(-EINVAL, krtp_ep_parse("10.0.0.1:65536", &ep, true));
	ASSERT_EQ(-EINVAL, krtp_ep_parse("10.0.0.1:+80", &ep, true));
	ASSERT_EQ(-EINVAL, krtp_ep_parse("10.0.0.1:", &ep, true));
	ASSERT_EQ(-EINVAL, krtp_ep_parse("10.0.0:80", &ep, true));
	ASSERT_EQ(-EINVAL, krtp_ep_parse("[fd00::1:80", &ep, true));
	ASSERT_EQ(-EINVAL, krtp_ep_parse("[fd00::1]80", &ep, true));
	ASSERT_EQ(-EINVAL, krtp_ep_parse("[10.0.0.1]:80", &ep, true));
	ASSERT_EQ(-EINVAL, krtp_ep_parse("", &ep, false));
	ASSERT_EQ(-EINVAL, krtp_ep_parse("host:80", &ep, true));

	memset(&ep, 0, sizeof(ep));
	ASSERT_STREQ("", krtp_ep_str(&ep, s, sizeof(s)));
}

/* ---- against the module ---- */

FIXTURE(client) {
	struct krtp_nl *nl;
};

FIXTURE_SETUP(client)
{
	int err;

	/* a namespace of its own: no flows but the test's */
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	err = krtp_nl_open(&self->nl);

	if (err == -ENOENT)
		SKIP(return, "krtp.ko is not loaded");
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, krtp_nl_flush(self->nl));
}

FIXTURE_TEARDOWN(client)
{
	if (self->nl)
		krtp_nl_flush(self->nl);
	krtp_nl_close(self->nl);
}

static void flow_init(struct krtp_flow *f, unsigned int i)
{
	char local[32];

	memset(f, 0, sizeof(*f));
	snprintf(local, sizeof(local), "10.%u.%u.%u:%u", 100 + i / 62500, (i % 62500) / 250,
		 i % 250 + 1, 4000 + 2 * (i % 7));
	krtp_ep_parse(local, &f->local, true);
	krtp_ep_parse("192.0.2.1:5000", &f->peer, true);
}

TEST_F(client, round_trip)
{
	struct krtp_flow f, g;

	memset(&f, 0, sizeof(f));
	ASSERT_EQ(0, krtp_ep_parse("[fd00::1]:4000", &f.local, true));
	ASSERT_EQ(0, krtp_ep_parse("[fd00::2]:5000", &f.peer, true));
	ASSERT_EQ(0, krtp_ep_parse("[fd00::3]:4002", &f.via, true));
	ASSERT_EQ(0, krtp_ep_parse("fd00::9", &f.source, false));
	f.flags = KRTP_FLOW_F_RTCP | KRTP_FLOW_F_STRICT_RTP;
	f.idle_timeout = 30;
	f.idle_delete = true;
	f.clock_rate = 48000;
	memcpy(f.label, "call-1\0x", 8);	/* opaque: a NUL inside */
	f.label_len = 8;
	ASSERT_EQ(0, krtp_nl_flow_add(self->nl, &f));
	ASSERT_NE(0, f.id);
	ASSERT_STREQ("", krtp_nl_errmsg(self->nl));

	ASSERT_EQ(0, krtp_nl_flow_get_id(self->nl, f.id, &g));
	ASSERT_EQ(f.id, g.id);
	ASSERT_EQ(0, memcmp(&f.local, &g.local, sizeof(f.local)));
	ASSERT_EQ(0, memcmp(&f.peer, &g.peer, sizeof(f.peer)));
	ASSERT_EQ(0, memcmp(&f.via, &g.via, sizeof(f.via)));
	ASSERT_EQ(0, memcmp(&f.source, &g.source, sizeof(f.source)));
	ASSERT_EQ(KRTP_SRC_MODE_ADDR, g.src_mode);
	ASSERT_FALSE(g.src_locked);
	ASSERT_EQ(f.flags, g.flags);
	ASSERT_EQ(30, g.idle_timeout);
	ASSERT_TRUE(g.idle_delete);
	ASSERT_EQ(48000, g.clock_rate);
	ASSERT_EQ(8, g.label_len);
	ASSERT_EQ(0, memcmp(f.label, g.label, 8));
	ASSERT_EQ(0, g.stats.packets);

	memset(&g, 0, sizeof(g));
	ASSERT_EQ(0, krtp_nl_flow_get_local(self->nl, &f.local, &g));
	ASSERT_EQ(f.id, g.id);

	ASSERT_EQ(0, krtp_nl_flow_del_local(self->nl, &f.local));
	ASSERT_EQ(-ENOENT, krtp_nl_flow_get_id(self->nl, f.id, &g));
	ASSERT_STRNE("", krtp_nl_errmsg(self->nl));
	ASSERT_EQ(-ENOENT, krtp_nl_flow_del_id(self->nl, f.id));
}

TEST_F(client, defaults)
{
	struct krtp_flow f, g;

	flow_init(&f, 0);
	ASSERT_EQ(0, krtp_nl_flow_add(self->nl, &f));
	ASSERT_EQ(0, krtp_nl_flow_get_id(self->nl, f.id, &g));
	ASSERT_EQ(KRTP_SRC_MODE_LEARN, g.src_mode);
	ASSERT_EQ(0, g.source.family);
	ASSERT_EQ(0, g.via.family);
	ASSERT_EQ(8000, g.clock_rate);
	ASSERT_EQ(0, g.label_len);
}

static int count_cb(const struct krtp_flow *f, void *arg)
{
	(void)f;
	(*(size_t *)arg)++;
	return 0;
}

static int stop_cb(const struct krtp_flow *f, void *arg)
{
	(void)f;
	return ++(*(size_t *)arg) == 3 ? 42 : 0;
}

/* CPU seconds of this process so far, in user space and in the kernel */
static void cpu_secs(double *user, double *sys)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	*user = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
	*sys = ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/*
 * 100,000 flows: all added, ids unique, a dump sees each once. Under QEMU's
 * software emulation, with krtp.ko's debug lines on, this takes minutes.
 */
TEST_F_TIMEOUT(client, batch_100k, 480)
{
	const size_t n = 100000;
	struct krtp_flow *flows = calloc(n, sizeof(*flows));
	unsigned char *seen = calloc(1, 1u << 24);
	struct krtp_stats st;
	size_t i, done = 0, count = 0;
	double user0, sys0, user1, sys1;
	struct timespec t0, t1;

	ASSERT_TRUE(flows && seen);
	for (i = 0; i < n; i++)
		flow_init(&flows[i], i);
	cpu_secs(&user0, &sys0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ASSERT_EQ(0, krtp_nl_flow_add_batch(self->nl, flows, n, &done));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cpu_secs(&user1, &sys1);
	printf("# 100000 flows added in %.3f s: %.3f s CPU in user space, %.3f s in the kernel\n",
	       t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9, user1 - user0,
	       sys1 - sys0);
	ASSERT_EQ(n, done);
	for (i = 0; i < n; i++) {
		ASSERT_NE(0, flows[i].id);
		ASSERT_LT(flows[i].id, 1u << 24);
		ASSERT_EQ(0, seen[flows[i].id]);
		seen[flows[i].id] = 1;
	}

	ASSERT_EQ(0, krtp_nl_stats_get(self->nl, &st));
	ASSERT_EQ(n, st.flows);
	ASSERT_EQ(0, krtp_nl_flow_dump(self->nl, count_cb, &count));
	ASSERT_EQ(n, count);
	/* a callback can stop the dump, and its value comes back */
	count = 0;
	ASSERT_EQ(42, krtp_nl_flow_dump(self->nl, stop_cb, &count));
	ASSERT_EQ(3, count);
	free(flows);
	free(seen);
}

/* A batch that fails halfway says how many went in before the failure */
TEST_F(client, batch_error)
{
	struct krtp_flow flows[10];
	size_t i, done = 99, count = 0;

	for (i = 0; i < 10; i++)
		flow_init(&flows[i], i);
	flows[5].local = flows[2].local;	/* duplicate key */
	ASSERT_EQ(-EEXIST, krtp_nl_flow_add_batch(self->nl, flows, 10, &done));
	ASSERT_EQ(5, done);
	ASSERT_STREQ("krtp: a flow for 10.100.0.3:4004 exists", krtp_nl_errmsg(self->nl));
	for (i = 0; i < 5; i++)
		ASSERT_NE(0, flows[i].id);
	/* the flows after the refused one were not tried */
	for (i = 5; i < 10; i++)
		ASSERT_EQ(0, flows[i].id);
	ASSERT_EQ(0, krtp_nl_flow_dump(self->nl, count_cb, &count));
	ASSERT_EQ(5, count);

	/* a label too long is caught before anything is sent */
	for (i = 0; i < 3; i++)
		flow_init(&flows[i], 1000 + i);
	flows[1].label_len = KRTP_LABEL_MAX_LEN + 1;
	ASSERT_EQ(-EINVAL, krtp_nl_flow_add_batch(self->nl, flows, 3, &done));
	ASSERT_EQ(1, done);
	ASSERT_NE(0, flows[0].id);
}

struct events {
	int n;
	int cmd[8];
	struct krtp_flow flow[8];
};

static void event_cb(int cmd, const struct krtp_flow *f, void *arg)
{
	struct events *e = arg;

	if (e->n < 8) {
		e->cmd[e->n] = cmd;
		e->flow[e->n] = *f;
	}
	e->n++;
}

TEST_F(client, events)
{
	struct krtp_nl *ev;
	struct krtp_flow f[2];
	struct events e = { 0 };
	int i;

	ASSERT_EQ(0, krtp_nl_events_open(&ev));
	flow_init(&f[0], 0);
	flow_init(&f[1], 1);
	memcpy(f[0].label, "abc", 3);
	f[0].label_len = 3;
	ASSERT_EQ(0, krtp_nl_flow_add_batch(self->nl, f, 2, NULL));
	ASSERT_EQ(0, krtp_nl_flow_del_id(self->nl, f[0].id));
	ASSERT_EQ(0, krtp_nl_flush(self->nl));

	/* notifications are sent before the request returns */
	ASSERT_EQ(0, krtp_nl_events_read(ev, event_cb, &e));
	krtp_nl_close(ev);
	ASSERT_EQ(2, e.n);
	for (i = 0; i < 2; i++)
		ASSERT_EQ(KRTP_CMD_FLOW_DEL_NTF, e.cmd[i]);
	ASSERT_EQ(f[0].id, e.flow[0].id);
	ASSERT_EQ(KRTP_DEL_REASON_USER, e.flow[0].del_reason);
	ASSERT_EQ(3, e.flow[0].label_len);
	ASSERT_EQ(0, memcmp(&f[0].local, &e.flow[0].local, sizeof(f[0].local)));
	ASSERT_EQ(f[1].id, e.flow[1].id);
	ASSERT_EQ(KRTP_DEL_REASON_FLUSH, e.flow[1].del_reason);
}

TEST_HARNESS_MAIN
