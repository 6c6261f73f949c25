// SPDX-License-Identifier: GPL-2.0
/*
 * The krtp generic netlink API, good and bad requests (run as root with
 * krtp.ko loaded; skipped when it is not). Each rejection is checked for
 * its errno, its extack text, and where the kernel reports one, the offset
 * of the offending attribute or the missing attribute and its nest, as
 * tools/testing/selftests/net/netlink-dumps.c does.
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

#include "harness.h"
#include "knl.h"

FIXTURE(krtp) {
	struct knl k;
	char buf[8192];
	struct knl_ack a;
};

FIXTURE_SETUP(krtp)
{
	int err;

	/* every test has a namespace of its own, so it starts with no flows */
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	err = knl_open(&self->k);
	if (err == -ENOENT)
		SKIP(return, "krtp.ko is not loaded");
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, knl_flush(&self->k));
}

FIXTURE_TEARDOWN(krtp)
{
	if (self->k.sock)
		knl_flush(&self->k);
	knl_close(&self->k);
}

/* Start FLOW_NEW 10.0.0.1:4000 -> 192.0.2.1:5000 inside an open FLOW nest */
static struct nlmsghdr *flow_new_start(struct knl *k, char *buf, struct nlattr **nest)
{
	struct nlmsghdr *nlh = knl_msg(k, buf, KRTP_CMD_FLOW_NEW, 0);

	*nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	knl_put_ep(nlh, KRTP_A_FLOW_LOCAL, "10.0.0.1", 4000);
	knl_put_ep(nlh, KRTP_A_FLOW_PEER, "192.0.2.1", 5000);
	return nlh;
}

static int flow_new_end(struct knl *k, struct nlmsghdr *nlh, struct nlattr *nest,
			struct knl_ack *a)
{
	mnl_attr_nest_end(nlh, nest);
	return knl_xfer(k, nlh, a);
}

/* Number of flows in a dump, and whether each id was unique */
struct dump_count {
	unsigned int n;
	uint32_t max_id;
	bool dup;
	unsigned char *seen;	/* by id, up to seen_len */
	size_t seen_len;
};

static void dump_count_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct dump_count *d = arg;
	uint32_t id = knl_flow_id(nlh);

	d->n++;
	if (id > d->max_id)
		d->max_id = id;
	if (d->seen && id < d->seen_len) {
		d->dup |= d->seen[id];
		d->seen[id] = 1;
	}
}

static int dump(struct knl *k, struct dump_count *d, struct knl_ack *a)
{
	char buf[8192];

	d->n = 0;
	d->max_id = 0;
	d->dup = false;
	return knl_xfer_cb(k, knl_msg(k, buf, KRTP_CMD_FLOW_GET, NLM_F_DUMP), a, dump_count_cb, d);
}

/* ---- good requests ---- */

TEST_F(krtp, new_get_del)
{
	struct knl_ack g;
	uint32_t id;

	ASSERT_EQ(0, knl_flow_add(&self->k, "10.0.0.1", 4000, "192.0.2.1", 5000, &self->a));
	/* FLOW_NEW replies with the flow: its id comes before the ack */
	ASSERT_EQ(1, self->a.replies);
	ASSERT_NE(0, self->a.id);
	id = self->a.id;

	ASSERT_EQ(0, knl_flow_by_id(&self->k, KRTP_CMD_FLOW_GET, id, &g));
	ASSERT_EQ(1, g.replies);
	ASSERT_EQ(id, g.id);

	ASSERT_EQ(0, knl_flow_by_id(&self->k, KRTP_CMD_FLOW_DEL, id, &g));
	ASSERT_EQ(-ENOENT, knl_flow_by_id(&self->k, KRTP_CMD_FLOW_GET, id, &g));

	/* ids are never reused */
	ASSERT_EQ(0, knl_flow_add(&self->k, "10.0.0.1", 4000, "192.0.2.1", 5000, &self->a));
	ASSERT_LT(id, self->a.id);
}

TEST_F(krtp, get_by_local)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	uint32_t id;

	ASSERT_EQ(0, knl_flow_add(&self->k, "fd00::1", 4000, "fd00::2", 5000, &self->a));
	id = self->a.id;
	ASSERT_EQ(0, knl_flow_add(&self->k, "10.0.0.1", 4000, "192.0.2.1", 5000, &self->a));
	ASSERT_NE(id, self->a.id);

	nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_GET, 0);
	nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	knl_put_ep(nlh, KRTP_A_FLOW_LOCAL, "fd00::1", 4000);
	mnl_attr_nest_end(nlh, nest);
	ASSERT_EQ(0, knl_xfer(&self->k, nlh, &self->a));
	ASSERT_EQ(1, self->a.replies);
	ASSERT_EQ(id, self->a.id);

	/* same address, other port: no such flow */
	nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_GET, 0);
	nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	knl_put_ep(nlh, KRTP_A_FLOW_LOCAL, "fd00::1", 4001);
	mnl_attr_nest_end(nlh, nest);
	ASSERT_EQ(-ENOENT, knl_xfer(&self->k, nlh, &self->a));
	EXPECT_STREQ("krtp: no flow for [fd00::1]:4001", self->a.msg);

	/* delete by local */
	nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_DEL, 0);
	nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	knl_put_ep(nlh, KRTP_A_FLOW_LOCAL, "fd00::1", 4000);
	mnl_attr_nest_end(nlh, nest);
	ASSERT_EQ(0, knl_xfer(&self->k, nlh, &self->a));
	ASSERT_EQ(-ENOENT, knl_flow_by_id(&self->k, KRTP_CMD_FLOW_GET, id, &self->a));
}

TEST_F(krtp, label_max_len)
{
	struct nlattr *nest;
	struct nlmsghdr *nlh = flow_new_start(&self->k, self->buf, &nest);
	char label[KRTP_LABEL_MAX_LEN];

	memset(label, 'x', sizeof(label));
	mnl_attr_put(nlh, KRTP_A_FLOW_LABEL, sizeof(label), label);
	ASSERT_EQ(0, flow_new_end(&self->k, nlh, nest, &self->a));
	ASSERT_NE(0, self->a.id);
}

TEST_F(krtp, stats_get)
{
	ASSERT_EQ(0, knl_flow_add(&self->k, "10.0.0.1", 4000, "192.0.2.1", 5000, &self->a));
	ASSERT_EQ(0, knl_simple(&self->k, KRTP_CMD_STATS_GET, &self->a));
	ASSERT_EQ(1, self->a.replies);
}

TEST_F(krtp, flush)
{
	struct dump_count d = { 0 };

	ASSERT_EQ(0, knl_flow_add(&self->k, "10.0.0.1", 4000, "192.0.2.1", 5000, &self->a));
	ASSERT_EQ(0, knl_flow_add(&self->k, "10.0.0.1", 4002, "192.0.2.1", 5002, &self->a));
	ASSERT_EQ(0, knl_flow_add(&self->k, "fd00::1", 4000, "fd00::2", 5000, &self->a));
	ASSERT_EQ(0, dump(&self->k, &d, &self->a));
	ASSERT_EQ(3, d.n);
	ASSERT_EQ(0, knl_flush(&self->k));
	ASSERT_EQ(0, dump(&self->k, &d, &self->a));
	ASSERT_EQ(0, d.n);
}

/* 10,000 flows in batches, then one dump: every flow exactly once */
TEST_F(krtp, dump_many)
{
	const unsigned int n = 10000;
	struct dump_count d = { 0 };
	int first_err;
	long added;

	added = knl_flow_add_many(&self->k, n, &first_err);
	ASSERT_EQ(0, first_err);
	ASSERT_EQ(n, added);

	d.seen_len = 16u << 20;
	d.seen = calloc(1, d.seen_len);
	ASSERT_TRUE(d.seen != NULL);
	ASSERT_EQ(0, dump(&self->k, &d, &self->a));
	EXPECT_FALSE(self->a.dump_intr);
	EXPECT_FALSE(d.dup);
	EXPECT_EQ(n, d.n);

	/* and again, the same */
	memset(d.seen, 0, d.seen_len);
	ASSERT_EQ(0, dump(&self->k, &d, &self->a));
	EXPECT_FALSE(d.dup);
	EXPECT_EQ(n, d.n);
	free(d.seen);
}

/*
 * A dump that a change interrupts says so: parts built after a flow was
 * added carry NLM_F_DUMP_INTR (the kernel builds the next part of a dump
 * as the reader takes the previous one, so adding a flow after the first
 * read lands between two parts).
 */
TEST_F(krtp, dump_interrupted)
{
	static char rbuf[KNL_BUF];
	struct nlmsghdr *nlh;
	struct knl other;
	bool intr = false, done = false, first = true;
	unsigned int parts = 0;
	int first_err;

	ASSERT_EQ(2000, knl_flow_add_many(&self->k, 2000, &first_err));
	ASSERT_EQ(0, knl_open(&other));

	nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_GET, NLM_F_DUMP);
	ASSERT_LT(0, mnl_socket_sendto(self->k.sock, nlh, nlh->nlmsg_len));
	while (!done) {
		int len = mnl_socket_recvfrom(self->k.sock, rbuf, sizeof(rbuf));
		const struct nlmsghdr *m;

		ASSERT_LT(0, len);
		parts++;
		for (m = (void *)rbuf; mnl_nlmsg_ok(m, len); m = mnl_nlmsg_next(m, &len)) {
			if (m->nlmsg_type == NLMSG_DONE || m->nlmsg_type == NLMSG_ERROR)
				done = true;
			if (m->nlmsg_flags & NLM_F_DUMP_INTR)
				intr = true;
		}
		if (first) {
			ASSERT_EQ(0, knl_flow_add(&other, "10.99.0.1", 4000, "192.0.2.1", 5000,
						  &self->a));
			first = false;
		}
	}
	knl_close(&other);
	ASSERT_LT(3, parts);
	ASSERT_TRUE(intr);

	/* and the next dump is whole again */
	nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_GET, NLM_F_DUMP);
	ASSERT_EQ(0, knl_xfer(&self->k, nlh, &self->a));
	EXPECT_FALSE(self->a.dump_intr);
	EXPECT_EQ(2001, self->a.replies);
}

/* Add local:port -> 192.0.2.1:5000 labelled label */
static int flow_add_label(struct knl *k, const char *local, uint16_t port, const char *label,
			  struct knl_ack *a)
{
	char buf[1024];
	struct nlmsghdr *nlh = knl_msg(k, buf, KRTP_CMD_FLOW_NEW, 0);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);

	knl_put_ep(nlh, KRTP_A_FLOW_LOCAL, local, port);
	knl_put_ep(nlh, KRTP_A_FLOW_PEER, "192.0.2.1", 5000);
	mnl_attr_put(nlh, KRTP_A_FLOW_LABEL, strlen(label), label);
	mnl_attr_nest_end(nlh, nest);
	return knl_xfer(k, nlh, a);
}

/* A FLOW_GET dump with a label prefix (len bytes of prefix) */
static int dump_label(struct knl *k, const void *prefix, size_t len, struct dump_count *d,
		      struct knl_ack *a)
{
	char buf[8192];
	struct nlmsghdr *nlh = knl_msg(k, buf, KRTP_CMD_FLOW_GET, NLM_F_DUMP);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);

	mnl_attr_put(nlh, KRTP_A_FLOW_LABEL, len, prefix);
	mnl_attr_nest_end(nlh, nest);
	d->n = 0;
	d->max_id = 0;
	d->dup = false;
	return knl_xfer_cb(k, nlh, a, dump_count_cb, d);
}

/*
 * A dump asks for the flows whose label starts with a prefix: a daemon
 * reads its own flows out of a table it shares. 10,000 unlabelled flows
 * between them make the kernel walk past many flows that do not match,
 * letting go of the table between stretches of the walk.
 */
TEST_F(krtp, dump_label_prefix)
{
	char full[KRTP_LABEL_MAX_LEN + 1];
	struct dump_count d = { 0 };
	int first_err;

	ASSERT_EQ(0, flow_add_label(&self->k, "10.0.0.1", 4000, "krtpd:0000000000000001:0:ab",
				    &self->a));
	ASSERT_EQ(0, flow_add_label(&self->k, "10.0.0.1", 4002, "other:krtpd:", &self->a));
	ASSERT_EQ(10000, knl_flow_add_many(&self->k, 10000, &first_err));
	ASSERT_EQ(0, flow_add_label(&self->k, "10.0.0.1", 4004, "krtp", &self->a));
	ASSERT_EQ(0, flow_add_label(&self->k, "10.0.0.1", 4006, "krtpd:0000000000000001:0:ba",
				    &self->a));
	memset(full, 'k', KRTP_LABEL_MAX_LEN);
	full[KRTP_LABEL_MAX_LEN] = '\0';
	ASSERT_EQ(0, flow_add_label(&self->k, "10.0.0.1", 4008, full, &self->a));

	d.seen_len = 16u << 20;
	d.seen = calloc(1, d.seen_len);
	ASSERT_TRUE(d.seen != NULL);
	ASSERT_EQ(0, dump_label(&self->k, "krtpd:", 6, &d, &self->a));
	EXPECT_EQ(2, d.n);
	EXPECT_FALSE(d.dup);
	/* a prefix as long as the label matches; "krtp" only the flows it begins */
	ASSERT_EQ(0, dump_label(&self->k, full, KRTP_LABEL_MAX_LEN, &d, &self->a));
	EXPECT_EQ(1, d.n);
	ASSERT_EQ(0, dump_label(&self->k, "krtp", 4, &d, &self->a));
	EXPECT_EQ(3, d.n);
	ASSERT_EQ(0, dump_label(&self->k, "none", 4, &d, &self->a));
	EXPECT_EQ(0, d.n);
	/* without a prefix: all of them */
	ASSERT_EQ(0, dump(&self->k, &d, &self->a));
	EXPECT_EQ(10005, d.n);
	free(d.seen);
}

/* ---- missing attributes ---- */

TEST_F(krtp, new_missing_flow)
{
	ASSERT_EQ(-EINVAL, knl_simple(&self->k, KRTP_CMD_FLOW_NEW, &self->a));
	EXPECT_STREQ("krtp: missing flow attributes", self->a.msg);
	EXPECT_EQ(KRTP_A_FLOW, self->a.miss_type);
	EXPECT_EQ(-1, self->a.miss_nest);
}

TEST_F(krtp, new_missing_local)
{
	struct nlmsghdr *nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_NEW, 0);
	long long nest_off = knl_tail_off(nlh);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);

	knl_put_ep(nlh, KRTP_A_FLOW_PEER, "192.0.2.1", 5000);
	ASSERT_EQ(-EINVAL, flow_new_end(&self->k, nlh, nest, &self->a));
	EXPECT_STREQ("krtp: missing local endpoint", self->a.msg);
	EXPECT_EQ(KRTP_A_FLOW_LOCAL, self->a.miss_type);
	EXPECT_EQ(nest_off, self->a.miss_nest);
}

TEST_F(krtp, new_missing_peer)
{
	struct nlmsghdr *nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_NEW, 0);
	long long nest_off = knl_tail_off(nlh);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);

	knl_put_ep(nlh, KRTP_A_FLOW_LOCAL, "10.0.0.1", 4000);
	ASSERT_EQ(-EINVAL, flow_new_end(&self->k, nlh, nest, &self->a));
	EXPECT_STREQ("krtp: missing peer endpoint", self->a.msg);
	EXPECT_EQ(KRTP_A_FLOW_PEER, self->a.miss_type);
	EXPECT_EQ(nest_off, self->a.miss_nest);
}

TEST_F(krtp, ep_missing_port)
{
	struct nlmsghdr *nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_NEW, 0);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	long long ep_off = knl_tail_off(nlh);

	knl_put_ep(nlh, KRTP_A_FLOW_LOCAL, "10.0.0.1", 0);
	knl_put_ep(nlh, KRTP_A_FLOW_PEER, "192.0.2.1", 5000);
	ASSERT_EQ(-EINVAL, flow_new_end(&self->k, nlh, nest, &self->a));
	EXPECT_STREQ("krtp: local endpoint has no port", self->a.msg);
	EXPECT_EQ(KRTP_A_EP_PORT, self->a.miss_type);
	EXPECT_EQ(ep_off, self->a.miss_nest);
}

TEST_F(krtp, ep_missing_addr)
{
	struct nlmsghdr *nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_NEW, 0);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	long long ep_off;

	knl_put_ep(nlh, KRTP_A_FLOW_LOCAL, "10.0.0.1", 4000);
	ep_off = knl_tail_off(nlh);
	knl_put_ep(nlh, KRTP_A_FLOW_PEER, NULL, 5000);
	ASSERT_EQ(-EINVAL, flow_new_end(&self->k, nlh, nest, &self->a));
	EXPECT_STREQ("krtp: peer endpoint has no address", self->a.msg);
	EXPECT_EQ(KRTP_A_EP_IPV4, self->a.miss_type);
	EXPECT_EQ(ep_off, self->a.miss_nest);
}

TEST_F(krtp, del_missing_key)
{
	struct nlmsghdr *nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_DEL, 0);
	long long nest_off = knl_tail_off(nlh);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);

	mnl_attr_nest_end(nlh, nest);
	ASSERT_EQ(-EINVAL, knl_xfer(&self->k, nlh, &self->a));
	EXPECT_STREQ("krtp: missing flow id or local endpoint", self->a.msg);
	EXPECT_EQ(KRTP_A_FLOW_ID, self->a.miss_type);
	EXPECT_EQ(nest_off, self->a.miss_nest);
}

/*
 * A dump is asked for by label prefix, never by id or local endpoint. The
 * refusal ends the dump: NLMSG_DONE carries the errno and the message
 * (the kernel puts no offset there).
 */
TEST_F(krtp, dump_by_id)
{
	struct nlmsghdr *nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_GET, NLM_F_DUMP);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);

	ASSERT_EQ(0, knl_flow_add(&self->k, "10.0.0.1", 4000, "192.0.2.1", 5000, &self->a));
	mnl_attr_put_u32(nlh, KRTP_A_FLOW_ID, self->a.id);
	mnl_attr_put(nlh, KRTP_A_FLOW_LABEL, 6, "krtpd:");
	mnl_attr_nest_end(nlh, nest);
	knl_ack_init(&self->a);
	ASSERT_EQ(-EINVAL, knl_xfer(&self->k, nlh, &self->a));
	EXPECT_STREQ("krtp: a dump selects flows by label prefix only", self->a.msg);
	EXPECT_EQ(0, self->a.replies);
}

/* and a get of one flow takes no label prefix */
TEST_F(krtp, get_by_label)
{
	struct nlmsghdr *nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_GET, 0);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	long long off = knl_tail_off(nlh);

	mnl_attr_put(nlh, KRTP_A_FLOW_LABEL, 6, "krtpd:");
	mnl_attr_nest_end(nlh, nest);
	ASSERT_EQ(-EINVAL, knl_xfer(&self->k, nlh, &self->a));
	EXPECT_STREQ("krtp: a label prefix selects flows in a dump only", self->a.msg);
	EXPECT_EQ(off, self->a.offs);
}

/* ---- what the policies refuse (texts from lib/nlattr.c) ---- */

TEST_F(krtp, label_too_long)
{
	struct nlattr *nest;
	struct nlmsghdr *nlh = flow_new_start(&self->k, self->buf, &nest);
	char label[KRTP_LABEL_MAX_LEN + 1];
	long long off = knl_tail_off(nlh);

	memset(label, 'x', sizeof(label));
	mnl_attr_put(nlh, KRTP_A_FLOW_LABEL, sizeof(label), label);
	ASSERT_EQ(-ERANGE, flow_new_end(&self->k, nlh, nest, &self->a));
	EXPECT_STREQ("Attribute failed policy validation", self->a.msg);
	EXPECT_EQ(off, self->a.offs);
}

/* an empty prefix would match everything: ask for no prefix instead */
TEST_F(krtp, dump_label_empty)
{
	struct nlmsghdr *nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_GET, NLM_F_DUMP);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	long long off = knl_tail_off(nlh);

	mnl_attr_put(nlh, KRTP_A_FLOW_LABEL, 0, "");
	mnl_attr_nest_end(nlh, nest);
	ASSERT_EQ(-ERANGE, knl_xfer(&self->k, nlh, &self->a));
	EXPECT_STREQ("binary attribute size out of range", self->a.msg);
	EXPECT_EQ(off, self->a.offs);
}

TEST_F(krtp, ipv4_wrong_len)
{
	struct nlmsghdr *nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_NEW, 0);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	struct nlattr *ep = mnl_attr_nest_start(nlh, KRTP_A_FLOW_LOCAL);
	const uint8_t three[3] = { 10, 0, 0 };
	long long off = knl_tail_off(nlh);

	mnl_attr_put(nlh, KRTP_A_EP_IPV4, sizeof(three), three);
	mnl_attr_put_u16(nlh, KRTP_A_EP_PORT, htons(4000));
	mnl_attr_nest_end(nlh, ep);
	knl_put_ep(nlh, KRTP_A_FLOW_PEER, "192.0.2.1", 5000);
	ASSERT_EQ(-ERANGE, flow_new_end(&self->k, nlh, nest, &self->a));
	EXPECT_STREQ("binary attribute size out of range", self->a.msg);
	EXPECT_EQ(off, self->a.offs);
}

TEST_F(krtp, port_wrong_len)
{
	struct nlmsghdr *nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_NEW, 0);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	struct nlattr *ep = mnl_attr_nest_start(nlh, KRTP_A_FLOW_LOCAL);
	struct in_addr a4 = { htonl(0x0a000001) };
	long long off;

	mnl_attr_put(nlh, KRTP_A_EP_IPV4, sizeof(a4), &a4);
	off = knl_tail_off(nlh);
	mnl_attr_put_u32(nlh, KRTP_A_EP_PORT, htonl(4000));
	mnl_attr_nest_end(nlh, ep);
	knl_put_ep(nlh, KRTP_A_FLOW_PEER, "192.0.2.1", 5000);
	ASSERT_EQ(-EINVAL, flow_new_end(&self->k, nlh, nest, &self->a));
	EXPECT_STREQ("invalid attribute length", self->a.msg);
	EXPECT_EQ(off, self->a.offs);
}

TEST_F(krtp, port_zero)
{
	struct nlmsghdr *nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_NEW, 0);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	struct nlattr *ep = mnl_attr_nest_start(nlh, KRTP_A_FLOW_LOCAL);
	struct in_addr a4 = { htonl(0x0a000001) };
	long long off;

	mnl_attr_put(nlh, KRTP_A_EP_IPV4, sizeof(a4), &a4);
	off = knl_tail_off(nlh);
	mnl_attr_put_u16(nlh, KRTP_A_EP_PORT, 0);
	mnl_attr_nest_end(nlh, ep);
	knl_put_ep(nlh, KRTP_A_FLOW_PEER, "192.0.2.1", 5000);
	ASSERT_EQ(-ERANGE, flow_new_end(&self->k, nlh, nest, &self->a));
	EXPECT_STREQ("integer out of range", self->a.msg);
	EXPECT_EQ(off, self->a.offs);
}

TEST_F(krtp, clock_rate_out_of_range)
{
	struct nlattr *nest;
	struct nlmsghdr *nlh = flow_new_start(&self->k, self->buf, &nest);
	long long off = knl_tail_off(nlh);

	mnl_attr_put_u32(nlh, KRTP_A_FLOW_CLOCK_RATE, 0);
	ASSERT_EQ(-ERANGE, flow_new_end(&self->k, nlh, nest, &self->a));
	EXPECT_STREQ("integer out of range", self->a.msg);
	EXPECT_EQ(off, self->a.offs);
}

TEST_F(krtp, unknown_flag_bits)
{
	struct nlattr *nest;
	struct nlmsghdr *nlh = flow_new_start(&self->k, self->buf, &nest);
	long long off = knl_tail_off(nlh);

	mnl_attr_put_u32(nlh, KRTP_A_FLOW_FLAGS, KRTP_FLOW_F_RTCP | (1U << 7));
	ASSERT_EQ(-EINVAL, flow_new_end(&self->k, nlh, nest, &self->a));
	EXPECT_STREQ("reserved bit set", self->a.msg);
	EXPECT_EQ(off, self->a.offs);
}

/* what a FLOW_GET reply says of a flow's flags and its passed counter */
struct flow_flags {
	uint32_t flags;
	bool has_passed;
	uint64_t passed;
};

static int flow_flags_stats_cb(const struct nlattr *attr, void *data)
{
	struct flow_flags *f = data;

	if (mnl_attr_get_type(attr) == KRTP_A_STATS_PASSED &&
	    mnl_attr_get_payload_len(attr) == 8) {
		f->has_passed = true;
		f->passed = mnl_attr_get_u64(attr);
	}
	return MNL_CB_OK;
}

static int flow_flags_flow_cb(const struct nlattr *attr, void *data)
{
	struct flow_flags *f = data;

	if (mnl_attr_get_type(attr) == KRTP_A_FLOW_FLAGS && mnl_attr_get_payload_len(attr) == 4)
		f->flags = mnl_attr_get_u32(attr);
	else if (mnl_attr_get_type(attr) == KRTP_A_FLOW_STATS)
		mnl_attr_parse_nested(attr, flow_flags_stats_cb, data);
	return MNL_CB_OK;
}

static int flow_flags_top_cb(const struct nlattr *attr, void *data)
{
	if (mnl_attr_get_type(attr) == KRTP_A_FLOW)
		mnl_attr_parse_nested(attr, flow_flags_flow_cb, data);
	return MNL_CB_OK;
}

static void flow_flags_msg(const struct nlmsghdr *nlh, void *arg)
{
	mnl_attr_parse(nlh, GENL_HDRLEN, flow_flags_top_cb, arg);
}

/* a WebRTC flow: STUN/DTLS to the socket; it reads back, passed counted from 0 */
TEST_F(krtp, pass_stun_dtls_flag)
{
	struct flow_flags f = { 0 };
	struct nlattr *nest;
	struct nlmsghdr *nlh = flow_new_start(&self->k, self->buf, &nest);
	const uint32_t flags = KRTP_FLOW_F_PASS_STUN_DTLS | KRTP_FLOW_F_STRICT_RTP;
	uint32_t id;

	mnl_attr_put_u32(nlh, KRTP_A_FLOW_FLAGS, flags);
	ASSERT_EQ(0, flow_new_end(&self->k, nlh, nest, &self->a));
	id = self->a.id;
	ASSERT_NE(0, id);

	nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_GET, 0);
	nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	mnl_attr_put_u32(nlh, KRTP_A_FLOW_ID, id);
	mnl_attr_nest_end(nlh, nest);
	ASSERT_EQ(0, knl_xfer_cb(&self->k, nlh, &self->a, flow_flags_msg, &f));
	EXPECT_EQ(flags, f.flags);
	EXPECT_TRUE(f.has_passed);
	EXPECT_EQ(0, f.passed);
}

/* the bit after the last flag is still refused, with the policy's message */
TEST_F(krtp, flag_bit_after_pass_stun_dtls)
{
	struct nlattr *nest;
	struct nlmsghdr *nlh = flow_new_start(&self->k, self->buf, &nest);
	long long off = knl_tail_off(nlh);

	mnl_attr_put_u32(nlh, KRTP_A_FLOW_FLAGS, KRTP_FLOW_F_PASS_STUN_DTLS << 1);
	ASSERT_EQ(-EINVAL, flow_new_end(&self->k, nlh, nest, &self->a));
	EXPECT_STREQ("reserved bit set", self->a.msg);
	EXPECT_EQ(off, self->a.offs);
}

TEST_F(krtp, unknown_attribute)
{
	struct nlattr *nest;
	struct nlmsghdr *nlh = flow_new_start(&self->k, self->buf, &nest);
	long long off = knl_tail_off(nlh);

	mnl_attr_put_u32(nlh, KRTP_A_FLOW_MAX + 1, 1);
	ASSERT_EQ(-EINVAL, flow_new_end(&self->k, nlh, nest, &self->a));
	EXPECT_STREQ("Unknown attribute type", self->a.msg);
	EXPECT_EQ(off, self->a.offs);
}

/* read-only attributes are not accepted in a request */
TEST_F(krtp, readonly_attribute)
{
	struct nlattr *nest;
	struct nlmsghdr *nlh = flow_new_start(&self->k, self->buf, &nest);
	long long off = knl_tail_off(nlh);

	mnl_attr_put_u32(nlh, KRTP_A_FLOW_ID, 12345);
	ASSERT_EQ(-EINVAL, flow_new_end(&self->k, nlh, nest, &self->a));
	EXPECT_STREQ("Unsupported attribute", self->a.msg);
	EXPECT_EQ(off, self->a.offs);
}

/* an endpoint nest without NLA_F_NESTED */
TEST_F(krtp, nest_flag_missing)
{
	struct nlmsghdr *nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_NEW, 0);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	long long off = knl_tail_off(nlh);
	struct nlattr *ep;

	knl_put_ep(nlh, KRTP_A_FLOW_LOCAL, "10.0.0.1", 4000);
	ep = (struct nlattr *)((char *)nlh + off);
	ep->nla_type &= ~NLA_F_NESTED;
	knl_put_ep(nlh, KRTP_A_FLOW_PEER, "192.0.2.1", 5000);
	ASSERT_EQ(-EINVAL, flow_new_end(&self->k, nlh, nest, &self->a));
	EXPECT_STREQ("NLA_F_NESTED is missing", self->a.msg);
	EXPECT_EQ(off, self->a.offs);
}

TEST_F(krtp, id_zero)
{
	struct nlmsghdr *nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_DEL, 0);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	long long off = knl_tail_off(nlh);

	mnl_attr_put_u32(nlh, KRTP_A_FLOW_ID, 0);
	mnl_attr_nest_end(nlh, nest);
	ASSERT_EQ(-ERANGE, knl_xfer(&self->k, nlh, &self->a));
	EXPECT_STREQ("integer out of range", self->a.msg);
	EXPECT_EQ(off, self->a.offs);
}

/* ---- what the handlers refuse ---- */

TEST_F(krtp, both_families_in_endpoint)
{
	struct nlmsghdr *nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_NEW, 0);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	struct nlattr *ep = mnl_attr_nest_start(nlh, KRTP_A_FLOW_LOCAL);
	struct in_addr a4 = { htonl(0x0a000001) };
	struct in6_addr a6 = IN6ADDR_LOOPBACK_INIT;
	long long off;

	mnl_attr_put(nlh, KRTP_A_EP_IPV4, sizeof(a4), &a4);
	off = knl_tail_off(nlh);
	mnl_attr_put(nlh, KRTP_A_EP_IPV6, sizeof(a6), &a6);
	mnl_attr_put_u16(nlh, KRTP_A_EP_PORT, htons(4000));
	mnl_attr_nest_end(nlh, ep);
	knl_put_ep(nlh, KRTP_A_FLOW_PEER, "192.0.2.1", 5000);
	ASSERT_EQ(-EINVAL, flow_new_end(&self->k, nlh, nest, &self->a));
	EXPECT_STREQ("krtp: local endpoint has both an ipv4 and an ipv6 address", self->a.msg);
	EXPECT_EQ(off, self->a.offs);
}

TEST_F(krtp, family_mismatch)
{
	struct nlmsghdr *nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_NEW, 0);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	long long off;

	knl_put_ep(nlh, KRTP_A_FLOW_LOCAL, "10.0.0.1", 4000);
	off = knl_tail_off(nlh);
	knl_put_ep(nlh, KRTP_A_FLOW_PEER, "fd00::2", 5000);
	ASSERT_EQ(-EINVAL, flow_new_end(&self->k, nlh, nest, &self->a));
	EXPECT_STREQ("krtp: peer address family differs from local: a cross-family flow needs a via address of the peer's family",
		     self->a.msg);
	EXPECT_EQ(off, self->a.offs);
}

/* a cross-family flow sends from via, which must be of the peer's family */
TEST_F(krtp, cross_family_via_of_local_family)
{
	struct nlmsghdr *nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_NEW, 0);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	long long off;

	knl_put_ep(nlh, KRTP_A_FLOW_LOCAL, "fd00::1", 4000);
	knl_put_ep(nlh, KRTP_A_FLOW_PEER, "192.0.2.1", 5000);
	off = knl_tail_off(nlh);
	knl_put_ep(nlh, KRTP_A_FLOW_VIA, "fd00::1", 4000);
	ASSERT_EQ(-EAFNOSUPPORT, flow_new_end(&self->k, nlh, nest, &self->a));
	EXPECT_STREQ("krtp: via address family differs from peer", self->a.msg);
	EXPECT_EQ(off, self->a.offs);
}

/* the expected source is where packets arrive from: the local family */
TEST_F(krtp, cross_family_source_of_peer_family)
{
	struct nlmsghdr *nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_NEW, 0);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	long long off;

	knl_put_ep(nlh, KRTP_A_FLOW_LOCAL, "10.0.0.1", 4000);
	knl_put_ep(nlh, KRTP_A_FLOW_PEER, "fd00::2", 5000);
	knl_put_ep(nlh, KRTP_A_FLOW_VIA, "fd00::1", 4000);
	off = knl_tail_off(nlh);
	knl_put_ep(nlh, KRTP_A_FLOW_SOURCE, "fd00::3", 6000);
	ASSERT_EQ(-EAFNOSUPPORT, flow_new_end(&self->k, nlh, nest, &self->a));
	EXPECT_STREQ("krtp: source address family differs from local", self->a.msg);
	EXPECT_EQ(off, self->a.offs);
}

/* both directions of a cross-family call install, and read back as given */
TEST_F(krtp, cross_family_flows)
{
	struct dump_count d = { 0 };
	struct nlmsghdr *nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_NEW, 0);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);

	knl_put_ep(nlh, KRTP_A_FLOW_LOCAL, "fd00::1", 4000);
	knl_put_ep(nlh, KRTP_A_FLOW_PEER, "192.0.2.2", 5000);
	knl_put_ep(nlh, KRTP_A_FLOW_VIA, "192.0.2.1", 4002);
	ASSERT_EQ(0, flow_new_end(&self->k, nlh, nest, &self->a));
	nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_NEW, 0);
	nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	knl_put_ep(nlh, KRTP_A_FLOW_LOCAL, "192.0.2.1", 4002);
	knl_put_ep(nlh, KRTP_A_FLOW_PEER, "fd00::2", 6000);
	knl_put_ep(nlh, KRTP_A_FLOW_VIA, "fd00::1", 4000);
	knl_put_ep(nlh, KRTP_A_FLOW_SOURCE, "192.0.2.2", 5000);
	ASSERT_EQ(0, flow_new_end(&self->k, nlh, nest, &self->a));
	ASSERT_EQ(0, dump(&self->k, &d, &self->a));
	EXPECT_EQ(2, d.n);
}

TEST_F(krtp, local_not_unicast)
{
	ASSERT_EQ(-EINVAL, knl_flow_add(&self->k, "224.0.0.1", 4000, "192.0.2.1", 5000, &self->a));
	EXPECT_STREQ("krtp: local address must be a unicast address", self->a.msg);
	ASSERT_EQ(-EINVAL, knl_flow_add(&self->k, "0.0.0.0", 4000, "192.0.2.1", 5000, &self->a));
	EXPECT_STREQ("krtp: local address must be a unicast address", self->a.msg);
	ASSERT_EQ(-EINVAL, knl_flow_add(&self->k, "ff02::1", 4000, "fd00::1", 5000, &self->a));
	EXPECT_STREQ("krtp: local address must be a unicast address", self->a.msg);
}

TEST_F(krtp, idle_delete_without_timeout)
{
	struct nlattr *nest;
	struct nlmsghdr *nlh = flow_new_start(&self->k, self->buf, &nest);
	long long off = knl_tail_off(nlh);

	mnl_attr_put(nlh, KRTP_A_FLOW_IDLE_DELETE, 0, NULL);
	ASSERT_EQ(-EINVAL, flow_new_end(&self->k, nlh, nest, &self->a));
	EXPECT_STREQ("krtp: idle delete needs an idle timeout", self->a.msg);
	EXPECT_EQ(off, self->a.offs);
}

TEST_F(krtp, del_by_id_and_local)
{
	struct nlmsghdr *nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_DEL, 0);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);

	mnl_attr_put_u32(nlh, KRTP_A_FLOW_ID, 1);
	knl_put_ep(nlh, KRTP_A_FLOW_LOCAL, "10.0.0.1", 4000);
	mnl_attr_nest_end(nlh, nest);
	ASSERT_EQ(-EINVAL, knl_xfer(&self->k, nlh, &self->a));
	EXPECT_STREQ("krtp: name the flow by id or by local endpoint, not both", self->a.msg);
}

TEST_F(krtp, unknown_command)
{
	ASSERT_EQ(-EOPNOTSUPP, knl_simple(&self->k, KRTP_CMD_MAX + 1, &self->a));
	ASSERT_EQ(-EOPNOTSUPP, knl_simple(&self->k, 200, &self->a));
	/* notifications are not requests */
	ASSERT_EQ(-EOPNOTSUPP, knl_simple(&self->k, KRTP_CMD_FLOW_DEL_NTF, &self->a));
}

/* a message too short for the generic netlink header */
TEST_F(krtp, truncated_header)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(self->buf);

	nlh->nlmsg_type = self->k.family;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = ++self->k.seq;
	ASSERT_EQ(-EINVAL, knl_xfer(&self->k, nlh, &self->a));
}

TEST_F(krtp, duplicate_local)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	long long off;

	ASSERT_EQ(0, knl_flow_add(&self->k, "10.0.0.1", 4000, "192.0.2.1", 5000, &self->a));
	nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_NEW, 0);
	nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	off = knl_tail_off(nlh);
	knl_put_ep(nlh, KRTP_A_FLOW_LOCAL, "10.0.0.1", 4000);
	knl_put_ep(nlh, KRTP_A_FLOW_PEER, "192.0.2.9", 5008);
	ASSERT_EQ(-EEXIST, flow_new_end(&self->k, nlh, nest, &self->a));
	EXPECT_STREQ("krtp: a flow for 10.0.0.1:4000 exists", self->a.msg);
	EXPECT_EQ(off, self->a.offs);
	/* the same port on another address is another flow */
	ASSERT_EQ(0, knl_flow_add(&self->k, "10.0.0.2", 4000, "192.0.2.1", 5000, &self->a));
	ASSERT_EQ(0, knl_flow_add(&self->k, "fd00::1", 4000, "fd00::2", 5000, &self->a));
	ASSERT_EQ(-EEXIST, knl_flow_add(&self->k, "fd00::1", 4000, "fd00::3", 5000, &self->a));
	EXPECT_STREQ("krtp: a flow for [fd00::1]:4000 exists", self->a.msg);
}

/* ids of the flows in a FLOW_NEW reply, in order */
struct reply_ids {
	int n;
	uint32_t id[8];
};

static void reply_ids_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct reply_ids *r = arg;
	const struct nlattr *attr, *a;

	mnl_attr_for_each(attr, nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(attr) != KRTP_A_FLOW)
			continue;
		mnl_attr_for_each_nested(a, attr) {
			if (mnl_attr_get_type(a) == KRTP_A_FLOW_ID && r->n < 8)
				r->id[r->n] = mnl_attr_get_u32(a);
		}
		r->n++;
	}
}

/* FLOW_NEW with three flows in one message: local 10.0.0.1:4000+2i */
static struct nlmsghdr *flow_new_three(struct knl *k, char *buf, uint16_t second_port,
				       long long *second_off)
{
	struct nlmsghdr *nlh = knl_msg(k, buf, KRTP_CMD_FLOW_NEW, 0);
	int i;

	for (i = 0; i < 3; i++) {
		struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);

		if (i == 1)
			*second_off = knl_tail_off(nlh);
		knl_put_ep(nlh, KRTP_A_FLOW_LOCAL, "10.0.0.1", i == 1 ? second_port : 4000 + 2 * i);
		knl_put_ep(nlh, KRTP_A_FLOW_PEER, "192.0.2.1", 5000 + 2 * i);
		mnl_attr_nest_end(nlh, nest);
	}
	return nlh;
}

/* several flows in one FLOW_NEW: one reply, an id each, in order */
TEST_F(krtp, new_many)
{
	struct reply_ids r = {};
	struct dump_count d = {};
	long long off;

	ASSERT_EQ(0, knl_xfer_cb(&self->k, flow_new_three(&self->k, self->buf, 4002, &off),
				 &self->a, reply_ids_cb, &r));
	ASSERT_EQ(1, self->a.replies);
	ASSERT_EQ(3, r.n);
	ASSERT_NE(0, r.id[0]);
	ASSERT_LT(r.id[0], r.id[1]);
	ASSERT_LT(r.id[1], r.id[2]);
	ASSERT_EQ(0, dump(&self->k, &d, &self->a));
	ASSERT_EQ(3, d.n);
}

/* a FLOW_NEW reply checked byte by byte: the local endpoints it echoes */
struct reply_locals {
	int n, bad;
	char addr[2][INET6_ADDRSTRLEN];
	uint16_t port[2];
};

static void reply_locals_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct reply_locals *r = arg;
	const struct nlattr *attr, *a, *e;

	mnl_attr_for_each(attr, nlh, GENL_HDRLEN) {
		int n = 0;

		/* KRTP_A_FLOW { _ID, _LOCAL { _EP_IPV4 or _EP_IPV6, _EP_PORT } } */
		if (mnl_attr_get_type(attr) != KRTP_A_FLOW || !(attr->nla_type & NLA_F_NESTED) ||
		    r->n >= 2) {
			r->bad++;
			continue;
		}
		mnl_attr_for_each_nested(a, attr) {
			n++;
			if (mnl_attr_get_type(a) == KRTP_A_FLOW_ID) {
				r->bad += mnl_attr_validate(a, MNL_TYPE_U32) < 0;
				continue;
			}
			if (mnl_attr_get_type(a) != KRTP_A_FLOW_LOCAL ||
			    !(a->nla_type & NLA_F_NESTED)) {
				r->bad++;
				continue;
			}
			mnl_attr_for_each_nested(e, a) {
				const uint8_t *p = mnl_attr_get_payload(e);

				n++;
				switch (e->nla_type) {
				case KRTP_A_EP_IPV4:
				case KRTP_A_EP_IPV6:
					inet_ntop(e->nla_type == KRTP_A_EP_IPV4 ? AF_INET : AF_INET6,
						  p, r->addr[r->n], sizeof(r->addr[0]));
					r->bad += mnl_attr_get_payload_len(e) !=
						  (e->nla_type == KRTP_A_EP_IPV4 ? 4 : 16);
					break;
				case KRTP_A_EP_PORT:
					/* its padding is zero: no kernel bytes leak */
					r->bad += e->nla_len != 6 || p[2] || p[3];
					r->port[r->n] = ntohs(mnl_attr_get_u16(e));
					break;
				default:
					r->bad++;
				}
			}
			/* the nest covers exactly its address (8 or 20) and port (8) */
			r->bad += mnl_attr_get_payload_len(a) !=
				  (strchr(r->addr[r->n], ':') ? 28u : 16u);
		}
		r->bad += n != 4 || mnl_attr_get_payload_len(attr) !=
				    8 + 4 + mnl_attr_get_payload_len(mnl_attr_get_payload(attr) + 8);
		r->n++;
	}
}

TEST_F(krtp, new_reply_locals)
{
	struct nlmsghdr *nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_NEW, 0);
	struct reply_locals r = {};
	struct nlattr *nest;

	nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	knl_put_ep(nlh, KRTP_A_FLOW_LOCAL, "10.0.0.1", 4000);
	knl_put_ep(nlh, KRTP_A_FLOW_PEER, "192.0.2.1", 5000);
	mnl_attr_nest_end(nlh, nest);
	nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	knl_put_ep(nlh, KRTP_A_FLOW_LOCAL, "fd00::1", 4002);
	knl_put_ep(nlh, KRTP_A_FLOW_PEER, "fd00::2", 5002);
	mnl_attr_nest_end(nlh, nest);
	ASSERT_EQ(0, knl_xfer_cb(&self->k, nlh, &self->a, reply_locals_cb, &r));
	ASSERT_EQ(2, r.n);
	EXPECT_EQ(0, r.bad);
	EXPECT_STREQ("10.0.0.1", r.addr[0]);
	EXPECT_EQ(4000, r.port[0]);
	EXPECT_STREQ("fd00::1", r.addr[1]);
	EXPECT_EQ(4002, r.port[1]);
}

/*
 * A refused flow in the middle: the ones before it are added and in the
 * reply, the error names the refused nest, the ones after it are not tried
 */
TEST_F(krtp, new_many_refused)
{
	struct reply_ids r = {};
	struct dump_count d = {};
	long long off;

	ASSERT_EQ(0, knl_flow_add(&self->k, "10.0.0.1", 4100, "192.0.2.1", 5000, &self->a));
	ASSERT_EQ(-EEXIST, knl_xfer_cb(&self->k, flow_new_three(&self->k, self->buf, 4100, &off),
				       &self->a, reply_ids_cb, &r));
	EXPECT_STREQ("krtp: a flow for 10.0.0.1:4100 exists", self->a.msg);
	/* the LOCAL nest of the second flow */
	EXPECT_EQ(off, self->a.offs);
	ASSERT_EQ(1, r.n);
	ASSERT_NE(0, r.id[0]);
	ASSERT_EQ(0, dump(&self->k, &d, &self->a));
	ASSERT_EQ(2, d.n);	/* 4100 from before and 4000; not 4004 */
}

/*
 * A nest the policy refuses, in the middle: each nest is checked as it is
 * added, so the flow before it stays (and is in the reply), the error is
 * the policy's and points into the second nest, the third is not tried
 */
TEST_F(krtp, new_many_policy_refused)
{
	struct nlmsghdr *nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_NEW, 0);
	struct reply_ids r = {};
	struct dump_count d = {};
	long long off = 0;
	int i;

	for (i = 0; i < 3; i++) {
		struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);

		knl_put_ep(nlh, KRTP_A_FLOW_LOCAL, "10.0.0.1", 4200 + 2 * i);
		knl_put_ep(nlh, KRTP_A_FLOW_PEER, "192.0.2.1", 5000 + 2 * i);
		if (i == 1) {
			off = knl_tail_off(nlh);
			mnl_attr_put_u32(nlh, KRTP_A_FLOW_FLAGS, 1U << 31);
		}
		mnl_attr_nest_end(nlh, nest);
	}
	ASSERT_EQ(-EINVAL, knl_xfer_cb(&self->k, nlh, &self->a, reply_ids_cb, &r));
	EXPECT_STREQ("reserved bit set", self->a.msg);
	EXPECT_EQ(off, self->a.offs);
	ASSERT_EQ(1, r.n);
	ASSERT_NE(0, r.id[0]);
	ASSERT_EQ(0, dump(&self->k, &d, &self->a));
	ASSERT_EQ(1, d.n);	/* 4200 only */
}

TEST_F(krtp, del_unknown_id)
{
	struct nlmsghdr *nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_DEL, 0);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	long long off = knl_tail_off(nlh);

	mnl_attr_put_u32(nlh, KRTP_A_FLOW_ID, 987654);
	mnl_attr_nest_end(nlh, nest);
	ASSERT_EQ(-ENOENT, knl_xfer(&self->k, nlh, &self->a));
	EXPECT_STREQ("krtp: no flow with id 987654", self->a.msg);
	EXPECT_EQ(off, self->a.offs);
	ASSERT_EQ(-ENOENT, knl_flow_by_id(&self->k, KRTP_CMD_FLOW_GET, 987654, &self->a));
	EXPECT_STREQ("krtp: no flow with id 987654", self->a.msg);
}

/* ---- SRTP contexts ---- */

static const uint8_t srtp_key[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
static const uint8_t srtp_salt[14] = { 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34 };

/*
 * An SRTP_IN nest; a length of -1 leaves the attribute out. The offset of
 * the attribute named by off_of (0: none) lands in *off.
 */
static void put_srtp(struct nlmsghdr *nlh, uint16_t type, uint32_t suite, int key_len,
		     int salt_len, long long window, uint16_t off_of, long long *off)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);
	uint8_t big[32] = { 0 };

	memcpy(big, srtp_key, sizeof(srtp_key));
	if (off_of == KRTP_A_SRTP_SUITE)
		*off = knl_tail_off(nlh);
	mnl_attr_put_u32(nlh, KRTP_A_SRTP_SUITE, suite);
	if (off_of == KRTP_A_SRTP_MASTER_KEY)
		*off = knl_tail_off(nlh);
	if (key_len >= 0)
		mnl_attr_put(nlh, KRTP_A_SRTP_MASTER_KEY, key_len, big);
	memcpy(big, srtp_salt, sizeof(srtp_salt));
	if (off_of == KRTP_A_SRTP_MASTER_SALT)
		*off = knl_tail_off(nlh);
	if (salt_len >= 0)
		mnl_attr_put(nlh, KRTP_A_SRTP_MASTER_SALT, salt_len, big);
	if (off_of == KRTP_A_SRTP_REPLAY_WINDOW)
		*off = knl_tail_off(nlh);
	if (window >= 0)
		mnl_attr_put_u32(nlh, KRTP_A_SRTP_REPLAY_WINDOW, window);
	mnl_attr_nest_end(nlh, nest);
}

/* what a reply says about its flow's SRTP nests */
struct srtp_seen {
	uint32_t in_suite, out_suite;
	unsigned int rocs;		/* ROC attributes, one a direction */
	unsigned int srtcp_indexes;	/* SRTCP index attributes: OUT only */
	unsigned int other_attrs;	/* anything else: key material */
};

static void srtp_seen_nest(const struct nlattr *nest, uint32_t *suite, struct srtp_seen *s)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, nest) {
		if (mnl_attr_get_type(a) == KRTP_A_SRTP_SUITE)
			*suite = mnl_attr_get_u32(a);
		else if (mnl_attr_get_type(a) == KRTP_A_SRTP_ROC && !mnl_attr_get_u32(a))
			s->rocs++;
		else if (mnl_attr_get_type(a) == KRTP_A_SRTP_SRTCP_INDEX && !mnl_attr_get_u32(a))
			s->srtcp_indexes++;
		else
			s->other_attrs++;
	}
}

static void srtp_seen_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *top, *a;
	struct srtp_seen *s = arg;

	mnl_attr_for_each(top, nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(top) != KRTP_A_FLOW)
			continue;
		mnl_attr_for_each_nested(a, top) {
			if (mnl_attr_get_type(a) == KRTP_A_FLOW_SRTP_IN)
				srtp_seen_nest(a, &s->in_suite, s);
			else if (mnl_attr_get_type(a) == KRTP_A_FLOW_SRTP_OUT)
				srtp_seen_nest(a, &s->out_suite, s);
		}
	}
}

/*
 * keys go in; only the suites come back, in replies and in dumps, with
 * where each context stands: ROC 0 before any packet, SRTCP index 0 (out)
 */
TEST_F(krtp, srtp_keys_write_only)
{
	struct srtp_seen seen = { 0 };
	struct nlattr *nest;
	struct nlmsghdr *nlh = flow_new_start(&self->k, self->buf, &nest);
	long long off;
	uint32_t id;

	put_srtp(nlh, KRTP_A_FLOW_SRTP_IN, KRTP_SRTP_SUITE_AES_CM_128_HMAC_SHA1_32, 16, 14, 64,
		 0, &off);
	put_srtp(nlh, KRTP_A_FLOW_SRTP_OUT, KRTP_SRTP_SUITE_AEAD_AES_128_GCM, 16, 12, -1, 0, &off);
	ASSERT_EQ(0, flow_new_end(&self->k, nlh, nest, &self->a));
	id = self->a.id;

	nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_GET, 0);
	nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	mnl_attr_put_u32(nlh, KRTP_A_FLOW_ID, id);
	mnl_attr_nest_end(nlh, nest);
	knl_ack_init(&self->a);
	ASSERT_EQ(0, knl_xfer_cb(&self->k, nlh, &self->a, srtp_seen_cb, &seen));
	EXPECT_EQ(KRTP_SRTP_SUITE_AES_CM_128_HMAC_SHA1_32, seen.in_suite);
	EXPECT_EQ(KRTP_SRTP_SUITE_AEAD_AES_128_GCM, seen.out_suite);
	EXPECT_EQ(2, seen.rocs);
	EXPECT_EQ(1, seen.srtcp_indexes);
	EXPECT_EQ(0, seen.other_attrs);

	memset(&seen, 0, sizeof(seen));
	ASSERT_EQ(0, knl_xfer_cb(&self->k, knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_GET,
						   NLM_F_DUMP), &self->a, srtp_seen_cb, &seen));
	EXPECT_EQ(KRTP_SRTP_SUITE_AES_CM_128_HMAC_SHA1_32, seen.in_suite);
	EXPECT_EQ(0, seen.other_attrs);
}

TEST_F(krtp, srtp_key_wrong_len)
{
	struct nlattr *nest;
	struct nlmsghdr *nlh = flow_new_start(&self->k, self->buf, &nest);
	long long off;

	put_srtp(nlh, KRTP_A_FLOW_SRTP_IN, KRTP_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80, 15, 14, -1,
		 KRTP_A_SRTP_MASTER_KEY, &off);
	ASSERT_EQ(-ERANGE, flow_new_end(&self->k, nlh, nest, &self->a));
	EXPECT_STREQ("binary attribute size out of range", self->a.msg);
	EXPECT_EQ(off, self->a.offs);

	nlh = flow_new_start(&self->k, self->buf, &nest);
	put_srtp(nlh, KRTP_A_FLOW_SRTP_OUT, KRTP_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80, 32, 14, -1,
		 KRTP_A_SRTP_MASTER_KEY, &off);
	ASSERT_EQ(-ERANGE, flow_new_end(&self->k, nlh, nest, &self->a));
	EXPECT_EQ(off, self->a.offs);
}

TEST_F(krtp, srtp_salt_wrong_len)
{
	struct nlattr *nest;
	struct nlmsghdr *nlh = flow_new_start(&self->k, self->buf, &nest);
	long long off;

	/* within 12..14 the policy passes it; the suite decides */
	put_srtp(nlh, KRTP_A_FLOW_SRTP_IN, KRTP_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80, 16, 12, -1,
		 KRTP_A_SRTP_MASTER_SALT, &off);
	ASSERT_EQ(-EINVAL, flow_new_end(&self->k, nlh, nest, &self->a));
	EXPECT_STREQ("krtp: srtp in master salt is 12 bytes, the suite needs 14", self->a.msg);
	EXPECT_EQ(off, self->a.offs);

	nlh = flow_new_start(&self->k, self->buf, &nest);
	put_srtp(nlh, KRTP_A_FLOW_SRTP_OUT, KRTP_SRTP_SUITE_AEAD_AES_128_GCM, 16, 14, -1,
		 KRTP_A_SRTP_MASTER_SALT, &off);
	ASSERT_EQ(-EINVAL, flow_new_end(&self->k, nlh, nest, &self->a));
	EXPECT_STREQ("krtp: srtp out master salt is 14 bytes, the suite needs 12", self->a.msg);
	EXPECT_EQ(off, self->a.offs);

	nlh = flow_new_start(&self->k, self->buf, &nest);
	put_srtp(nlh, KRTP_A_FLOW_SRTP_IN, KRTP_SRTP_SUITE_AEAD_AES_128_GCM, 16, 11, -1,
		 KRTP_A_SRTP_MASTER_SALT, &off);
	ASSERT_EQ(-ERANGE, flow_new_end(&self->k, nlh, nest, &self->a));
	EXPECT_STREQ("binary attribute size out of range", self->a.msg);
	EXPECT_EQ(off, self->a.offs);
}

TEST_F(krtp, srtp_unknown_suite)
{
	struct nlattr *nest;
	struct nlmsghdr *nlh = flow_new_start(&self->k, self->buf, &nest);
	long long off;

	put_srtp(nlh, KRTP_A_FLOW_SRTP_IN, 4, 16, 14, -1, KRTP_A_SRTP_SUITE, &off);
	ASSERT_EQ(-ERANGE, flow_new_end(&self->k, nlh, nest, &self->a));
	EXPECT_STREQ("integer out of range", self->a.msg);
	EXPECT_EQ(off, self->a.offs);

	nlh = flow_new_start(&self->k, self->buf, &nest);
	put_srtp(nlh, KRTP_A_FLOW_SRTP_IN, 0, 16, 14, -1, KRTP_A_SRTP_SUITE, &off);
	ASSERT_EQ(-ERANGE, flow_new_end(&self->k, nlh, nest, &self->a));
	EXPECT_EQ(off, self->a.offs);
}

TEST_F(krtp, srtp_window_out_of_range)
{
	static const long long bad[] = { 0, 1, KRTP_SRTP_REPLAY_WINDOW_MIN - 1,
					 KRTP_SRTP_REPLAY_WINDOW_MAX + 1, 0xffffffffLL };
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct nlattr *nest;
		struct nlmsghdr *nlh = flow_new_start(&self->k, self->buf, &nest);
		long long off;

		put_srtp(nlh, KRTP_A_FLOW_SRTP_IN, KRTP_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80, 16,
			 14, bad[i], KRTP_A_SRTP_REPLAY_WINDOW, &off);
		ASSERT_EQ(-ERANGE, flow_new_end(&self->k, nlh, nest, &self->a));
		EXPECT_STREQ("integer out of range", self->a.msg);
		EXPECT_EQ(off, self->a.offs);
	}
}

TEST_F(krtp, srtp_missing_key)
{
	struct nlattr *nest;
	struct nlmsghdr *nlh = flow_new_start(&self->k, self->buf, &nest);
	long long off;

	put_srtp(nlh, KRTP_A_FLOW_SRTP_IN, KRTP_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80, -1, 14, -1,
		 0, &off);
	ASSERT_EQ(-EINVAL, flow_new_end(&self->k, nlh, nest, &self->a));
	EXPECT_STREQ("krtp: srtp in has no master key", self->a.msg);
	EXPECT_EQ(KRTP_A_SRTP_MASTER_KEY, self->a.miss_type);

	nlh = flow_new_start(&self->k, self->buf, &nest);
	put_srtp(nlh, KRTP_A_FLOW_SRTP_OUT, KRTP_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80, 16, -1, -1,
		 0, &off);
	ASSERT_EQ(-EINVAL, flow_new_end(&self->k, nlh, nest, &self->a));
	EXPECT_STREQ("krtp: srtp out has no master salt", self->a.msg);
	EXPECT_EQ(KRTP_A_SRTP_MASTER_SALT, self->a.miss_type);
}

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
